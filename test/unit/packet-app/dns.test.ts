import { describe, expect, it } from 'vitest';
import { DnsTcpParser, decodeDns, looksLikeDns, MAX_DNS_POINTERS } from '../../../shared/packet/app/dns.ts';
import { isAppAnomalyCode } from '../../../shared/packet/app/anomalies.ts';
import type { AppAnomalyCode } from '../../../shared/packet/app/anomalies.ts';
import type { AppSink, Direction, EveDns } from '../../../shared/packet/app/types.ts';
import { hex } from './helpers/capture.ts';

function decode(bytes: Uint8Array): { dns: EveDns | null; anomalies: AppAnomalyCode[] } {
  const anomalies: AppAnomalyCode[] = [];
  const dns = decodeDns(bytes, 0, bytes.length, (c) => anomalies.push(c));
  return { dns, anomalies };
}

function recordingSink(): AppSink & { dns_: Array<{ dns: EveDns; dir: Direction }>; anomalies: AppAnomalyCode[] } {
  const s = {
    dns_: [] as Array<{ dns: EveDns; dir: Direction }>,
    anomalies: [] as AppAnomalyCode[],
    http() {
      throw new Error('unexpected http');
    },
    tls() {
      throw new Error('unexpected tls');
    },
    dns(dns: EveDns, dir: Direction) {
      s.dns_.push({ dns, dir });
    },
    anomaly(code: AppAnomalyCode) {
      s.anomalies.push(code);
    },
  };
  return s;
}

// Query: id 0x1234, RD, one question example.com A IN
const QUERY = hex(`
  1234 0100 0001 0000 0000 0000
  07 6578616d706c65 03 636f6d 00   0001 0001
`);

// Response to QUERY: QR RD RA; answers use pointers to offset 12 (example.com)
//   example.com  CNAME  www.example.com  (www + ptr 12)
//   www.example.com A 93.184.216.34
//   example.com AAAA 2606:2800:220:1:248:1893:25c8:1946
//   example.com MX 10 mail.example.com
//   example.com TXT "v=spf1" ""
//   authority: example.com SOA ns.example.com host.example.com 2024 7200 900 1209600 86400
//   additional: _sip._udp.example.com SRV 10 5 5060 sip.example.com ; example.com HTTPS 1 . alpn=h2,h3 ipv4hint=1.2.3.4
const RESPONSE = hex(`
  1234 8180 0001 0005 0001 0002
  07 6578616d706c65 03 636f6d 00 0001 0001
  c00c 0005 0001 00000e10 0006  03 777777 c00c
  c029 0001 0001 0000003c 0004  5db8d822
  c00c 001c 0001 0000003c 0010  26062800022000010248189325c81946
  c00c 000f 0001 00000e10 0009  000a 04 6d61696c c00c
  c00c 0010 0001 00000e10 0008  06 763d73706631 00
  c00c 0006 0001 00000384 0020  02 6e73 c00c  04 686f7374 c00c 000007e8 00001c20 00000384 00127500 00015180
  04 5f736970 04 5f756470 c00c 0021 0001 0000012c 000c  000a 0005 13c4 03 736970 c00c
  c00c 0041 0001 0000012c 0015  0001 00  0001 0006 02 6832 02 6833  0004 0004 01020304
`);

describe('decodeDns()', () => {
  it('decodes a query into the EVE DNS v3 request shape', () => {
    // Prepare: QUERY above
    // Act
    const { dns, anomalies } = decode(QUERY);
    // Assess
    expect(anomalies).toEqual([]);
    expect(dns).toEqual({
      version: 3,
      type: 'request',
      id: 0x1234,
      flags: '100',
      rd: true,
      rcode: 'NOERROR',
      queries: [{ rrname: 'example.com', rrtype: 'A' }],
    });
    expect(Object.keys(dns as object)).toEqual(['version', 'type', 'id', 'flags', 'rd', 'rcode', 'queries']);
  });

  it('decodes every supported answer type with backward compression pointers', () => {
    // Act
    const { dns, anomalies } = decode(RESPONSE);
    // Assess
    expect(anomalies).toEqual([]);
    expect(dns).toEqual({
      version: 3,
      type: 'response',
      id: 0x1234,
      flags: '8180',
      qr: true,
      rd: true,
      ra: true,
      rcode: 'NOERROR',
      queries: [{ rrname: 'example.com', rrtype: 'A' }],
      answers: [
        { rrname: 'example.com', rrtype: 'CNAME', ttl: 3600, rdata: 'www.example.com' },
        { rrname: 'www.example.com', rrtype: 'A', ttl: 60, rdata: '93.184.216.34' },
        { rrname: 'example.com', rrtype: 'AAAA', ttl: 60, rdata: '2606:2800:0220:0001:0248:1893:25c8:1946' },
        { rrname: 'example.com', rrtype: 'MX', ttl: 3600, rdata: 'mail.example.com' },
        { rrname: 'example.com', rrtype: 'TXT', ttl: 3600, rdata: 'v=spf1' },
        { rrname: 'example.com', rrtype: 'TXT', ttl: 3600, rdata: '' },
      ],
      authorities: [
        {
          rrname: 'example.com',
          rrtype: 'SOA',
          ttl: 900,
          soa: { mname: 'ns.example.com', rname: 'host.example.com', serial: 2024, refresh: 7200, retry: 900, expire: 1209600, minimum: 86400 },
        },
      ],
      additionals: [
        { rrname: '_sip._udp.example.com', rrtype: 'SRV', ttl: 300, srv: { priority: 10, weight: 5, port: 5060, name: 'sip.example.com' } },
        { rrname: 'example.com', rrtype: 'HTTPS', ttl: 300, rdata: '1 . alpn=h2,h3 ipv4hint=1.2.3.4' },
      ],
      grouped: {
        CNAME: ['www.example.com'],
        A: ['93.184.216.34'],
        AAAA: ['2606:2800:0220:0001:0248:1893:25c8:1946'],
        MX: ['mail.example.com'],
        TXT: ['v=spf1', ''],
      },
    });
  });

  it('decodes NS and PTR rdata as names', () => {
    // Prepare: response with one NS and one PTR answer
    const bytes = hex(`
      0001 8180 0000 0002 0000 0000
      03 636f6d 00 0002 0001 00000e10 0004 01 61 c00c
      01 31 c00c 000c 0001 0000003c 0004 01 62 c00c
    `);
    // Act
    const { dns, anomalies } = decode(bytes);
    // Assess
    expect(anomalies).toEqual([]);
    expect(dns?.answers).toEqual([
      { rrname: 'com', rrtype: 'NS', ttl: 3600, rdata: 'a.com' },
      { rrname: '1.com', rrtype: 'PTR', ttl: 60, rdata: 'b.com' },
    ]);
  });

  it('returns null with dns.header_too_small when fewer than 12 bytes remain', () => {
    // Act
    const { dns, anomalies } = decode(QUERY.subarray(0, 11));
    // Assess
    expect(dns).toBeNull();
    expect(anomalies).toEqual(['dns.header_too_small']);
  });

  it('honours off/end and never reads outside them', () => {
    // Prepare: the query surrounded by bytes that would change the result if read
    const padded = new Uint8Array(QUERY.length + 8).fill(0xc0);
    padded.set(QUERY, 4);
    // Act
    const anomalies: AppAnomalyCode[] = [];
    const dns = decodeDns(padded, 4, 4 + QUERY.length, (c) => anomalies.push(c));
    // Assess
    expect(anomalies).toEqual([]);
    expect(dns?.queries).toEqual([{ rrname: 'example.com', rrtype: 'A' }]);
  });

  it('flags dns.pointer_loop for a pointer to itself', () => {
    // Prepare: question name is a pointer at offset 12 pointing to 12
    const bytes = hex('0001 0100 0001 0000 0000 0000  c00c 0001 0001');
    // Act
    const { dns, anomalies } = decode(bytes);
    // Assess
    expect(anomalies).toEqual(['dns.pointer_loop']);
    expect(dns?.queries).toBeUndefined();
  });

  it('flags dns.pointer_loop when a pointer revisits an earlier jump target', () => {
    // Prepare: answer name at 17 = label "a" + pointer to 17 itself via 12? Build: offset 12 "x" ptr->12
    // offset 12: 01 78 c0 0c  -> label x then pointer back to 12 (backward, but a loop)
    const bytes = hex('0001 0100 0001 0000 0000 0000  01 78 c00c 0001 0001');
    // Act
    const { anomalies } = decode(bytes);
    // Assess
    expect(anomalies).toEqual(['dns.pointer_loop']);
  });

  it('flags dns.pointer_forward for a pointer to a later offset (Suricata accepts it; we do not)', () => {
    // Prepare: first question points forward to offset 18 where a real name starts
    const bytes = hex('0001 0100 0002 0000 0000 0000  c012 0001 0001  01 61 00 0001 0001');
    // Act
    const { dns, anomalies } = decode(bytes);
    // Assess
    expect(anomalies).toEqual(['dns.pointer_forward']);
    expect(dns?.type).toBe('request');
    expect(dns?.queries).toBeUndefined();
  });

  it(`flags dns.too_many_pointers past ${MAX_DNS_POINTERS} chained pointers`, () => {
    // Prepare: answer 1 is a NULL record whose rdata (at offset 23) holds the root label and a chain of pointers,
    // each pointing at the previous one (strictly decreasing targets); answer 2's name points at the chain's end.
    const chain: number[] = [0x00];
    for (let k = 0; k < MAX_DNS_POINTERS; k++) chain.push(0xc0, k === 0 ? 23 : 24 + 2 * (k - 1));
    const last = 24 + 2 * (MAX_DNS_POINTERS - 1);
    const bytes = new Uint8Array([
      ...hex('0001 8180 0000 0002 0000 0000'),
      ...hex('00 000a 0001 00000000'), 0, chain.length, ...chain,
      0xc0, last, ...hex('0001 0001 0000003c 0004 01020304'),
    ]);
    // Act
    const { dns, anomalies } = decode(bytes);
    // Assess
    expect(anomalies).toEqual(['dns.too_many_pointers']);
    expect(dns?.answers?.map((a) => a.rrtype)).toEqual(['NULL']);
  });

  it(`follows a chain of ${MAX_DNS_POINTERS} pointers`, () => {
    // Prepare: same layout, one pointer less in the chain
    const chain: number[] = [0x01, 0x7a, 0x00];
    for (let k = 0; k < MAX_DNS_POINTERS - 1; k++) chain.push(0xc0, k === 0 ? 23 : 26 + 2 * (k - 1));
    const last = 26 + 2 * (MAX_DNS_POINTERS - 2);
    const bytes = new Uint8Array([
      ...hex('0001 8180 0000 0002 0000 0000'),
      ...hex('00 000a 0001 00000000'), 0, chain.length, ...chain,
      0xc0, last, ...hex('0001 0001 0000003c 0004 01020304'),
    ]);
    // Act
    const { dns, anomalies } = decode(bytes);
    // Assess
    expect(anomalies).toEqual([]);
    expect(dns?.answers?.[1]).toEqual({ rrname: 'z', rrtype: 'A', ttl: 60, rdata: '1.2.3.4' });
  });

  it('flags dns.label_type_invalid for a 0x40 extended label', () => {
    // Act
    const { anomalies } = decode(hex('0001 0100 0001 0000 0000 0000  41 00 0001 0001'));
    // Assess
    expect(anomalies).toEqual(['dns.label_type_invalid']);
  });

  it('cuts a name longer than 255 octets, sets rrname_truncated and flags dns.name_too_long once', () => {
    // Prepare: two questions, each 5 labels of 63 'a' (320 octets)
    const label = [63, ...new Array<number>(63).fill(0x61)];
    const name = [...label, ...label, ...label, ...label, ...label, 0];
    const bytes = new Uint8Array([...hex('0001 0100 0002 0000 0000 0000'), ...name, 0, 1, 0, 1, ...name, 0, 16, 0, 1]);
    // Act
    const { dns, anomalies } = decode(bytes);
    // Assess
    expect(anomalies).toEqual(['dns.name_too_long']);
    expect(dns?.queries).toHaveLength(2);
    expect(dns?.queries?.[0]?.rrname_truncated).toBe(true);
    expect(dns?.queries?.[0]?.rrname).toBe(new Array(3).fill('a'.repeat(63)).join('.'));
    expect(dns?.queries?.[1]?.rrtype).toBe('TXT');
  });

  it('flags dns.rdata_len_invalid for an A record of 5 bytes and keeps the next record', () => {
    // Prepare
    const bytes = hex(`
      0001 8180 0000 0002 0000 0000
      01 61 00 0001 0001 0000003c 0005 0102030405
      01 62 00 0001 0001 0000003c 0004 05060708
    `);
    // Act
    const { dns, anomalies } = decode(bytes);
    // Assess
    expect(anomalies).toEqual(['dns.rdata_len_invalid']);
    expect(dns?.answers).toEqual([{ rrname: 'b', rrtype: 'A', ttl: 60, rdata: '5.6.7.8' }]);
  });

  it('renders every SVCB/HTTPS parameter in presentation form (RFC 9460)', () => {
    // Prepare: HTTPS 1 svc.example. mandatory=alpn alpn=h3 no-default-alpn port=8443 ipv4hint=192.0.2.1,192.0.2.2
    //          ech=AQI= ipv6hint=2001:db8::1 key65000="x"
    const rdata = [
      ...hex('0001 03 737663 07 6578616d706c65 00'),
      ...hex('0000 0002 0001'),
      ...hex('0001 0003 02 6833'),
      ...hex('0002 0000'),
      ...hex('0003 0002 20fb'),
      ...hex('0004 0008 c0000201 c0000202'),
      ...hex('0005 0002 0102'),
      ...hex('0006 0010 20010db8000000000000000000000001'),
      ...hex('fde8 0001 78'),
    ];
    const bytes = new Uint8Array([...hex('0001 8180 0000 0001 0000 0000  00 0041 0001 0000012c'), rdata.length >> 8, rdata.length & 0xff, ...rdata]);
    // Act
    const { dns, anomalies } = decode(bytes);
    // Assess
    expect(anomalies).toEqual([]);
    expect(dns?.answers?.[0]?.rdata).toBe(
      '1 svc.example mandatory=alpn alpn=h3 no-default-alpn port=8443 ipv4hint=192.0.2.1,192.0.2.2 ech=AQI= ipv6hint=2001:db8::1 key65000=x',
    );
  });

  it.each([
    ['AAAA of 4 bytes', '001c', '01020304', 'dns.rdata_len_invalid'],
    ['MX of 2 bytes', '000f', '000a', 'dns.rdata_len_invalid'],
    ['MX with a forward pointer', '000f', '000a c0ff', 'dns.pointer_forward'],
    ['CNAME with a reserved label type', '0005', '80', 'dns.label_type_invalid'],
    ['TXT of 0 bytes', '0010', '', 'dns.rdata_len_invalid'],
    ['TXT string past the rdata', '0010', '05 6162', 'dns.rdata_len_invalid'],
    ['SOA with 19 fixed bytes', '0006', '00 00 ' + '00'.repeat(19), 'dns.rdata_len_invalid'],
    ['SOA with a bad mname', '0006', 'c0ff', 'dns.pointer_forward'],
    ['SOA with a bad rname', '0006', '00 c0ff', 'dns.pointer_forward'],
    ['SRV of 5 bytes', '0021', '0001000100', 'dns.rdata_len_invalid'],
    ['SRV with a bad target', '0021', '000100010050 c0ff', 'dns.pointer_forward'],
    ['SSHFP of 1 byte', '002c', '01', 'dns.rdata_len_invalid'],
    ['HTTPS of 2 bytes', '0041', '0001', 'dns.rdata_len_invalid'],
    ['HTTPS with a cut parameter', '0041', '0001 00 0003 0004 20fb', 'dns.rdata_len_invalid'],
    ['HTTPS with a cut parameter header', '0041', '0001 00 0003', 'dns.rdata_len_invalid'],
    ['HTTPS with an empty ALPN id', '0041', '0001 00 0001 0001 00', 'dns.rdata_len_invalid'],
    ['HTTPS with a bad target', '0041', '0001 c0ff', 'dns.rdata_len_invalid'],
  ])('drops a record with %s and keeps the next one', (_what, type, rdata, code) => {
    // Prepare: the bad record, then a good A record
    const r = hex(rdata);
    const bytes = new Uint8Array([
      ...hex(`0001 8180 0000 0002 0000 0000  00 ${type} 0001 0000003c`),
      r.length >> 8,
      r.length & 0xff,
      ...r,
      ...hex('00 0001 0001 0000003c 0004 01020304'),
    ]);
    // Act
    const { dns, anomalies } = decode(bytes);
    // Assess
    expect(anomalies).toContain(code);
    expect(dns?.answers).toEqual([{ rrname: '', rrtype: 'A', ttl: 60, rdata: '1.2.3.4' }]);
  });

  it('marks an over-long answer name rrname_truncated when it ends in a pointer', () => {
    // Prepare: question = 5 labels of 63 (320 octets); answer name = "x" + pointer to the question name
    const label = [63, ...new Array<number>(63).fill(0x62)];
    const qname = [...label, ...label, ...label, ...label, ...label, 0];
    const bytes = new Uint8Array([
      ...hex('0001 8180 0001 0001 0000 0000'), ...qname, 0, 1, 0, 1,
      1, 0x78, 0xc0, 12, ...hex('0001 0001 0000003c 0004 01020304'),
    ]);
    // Act
    const { dns, anomalies } = decode(bytes);
    // Assess
    expect(anomalies).toEqual(['dns.name_too_long']);
    expect(dns?.answers?.[0]).toMatchObject({ rrname_truncated: true, rrtype: 'A', rdata: '1.2.3.4' });
    expect(dns?.answers?.[0]?.rrname.startsWith('x.bbb')).toBe(true);
  });

  it('flags dns.too_many_records in the answer section', () => {
    // Prepare: 1 question, 600 answers (root name, A)
    const rr = hex('00 0001 0001 00000001 0004 0a000001');
    const body: number[] = [0, 0, 1, 0, 1];
    for (let k = 0; k < 600; k++) body.push(...rr);
    const bytes = new Uint8Array([...hex('0001 8180 0001 0258 0000 0000'), ...body]);
    // Act
    const { dns, anomalies } = decode(bytes);
    // Assess
    expect(anomalies).toEqual(['dns.too_many_records']);
    expect(dns?.answers).toHaveLength(511);
  });

  it('flags dns.truncated when a question lacks its type and class', () => {
    // Act
    const { dns, anomalies } = decode(hex('0001 0100 0001 0000 0000 0000  01 61 00 0001'));
    // Assess
    expect(anomalies).toEqual(['dns.truncated']);
    expect(dns?.queries).toBeUndefined();
  });

  it('flags dns.truncated inside a label and inside a pointer', () => {
    expect(decode(hex('0001 0100 0001 0000 0000 0000  05 6162')).anomalies).toEqual(['dns.truncated']);
    expect(decode(hex('0001 0100 0001 0000 0000 0000  c0')).anomalies).toEqual(['dns.truncated']);
  });

  it('flags dns.truncated when an answer header or its rdata is cut', () => {
    expect(decode(hex('0001 8180 0000 0001 0000 0000  00 0001 0001 0000')).anomalies).toEqual(['dns.truncated']);
    expect(decode(hex('0001 8180 0000 0001 0000 0000  00 0001 0001 0000003c 0004 0102')).anomalies).toEqual(['dns.truncated']);
  });

  it('flags dns.truncated when an answer section promises more records', () => {
    expect(decode(hex('0001 8180 0000 0002 0000 0000  00 0001 0001 0000003c 0004 01020304')).anomalies).toEqual(['dns.truncated']);
  });

  it('flags dns.truncated when an answer runs past the message and keeps what came before', () => {
    // Act: cut RESPONSE inside its second answer
    const { dns, anomalies } = decode(RESPONSE.subarray(0, 60));
    // Assess
    expect(anomalies).toEqual(['dns.truncated']);
    expect(dns?.answers).toEqual([{ rrname: 'example.com', rrtype: 'CNAME', ttl: 3600, rdata: 'www.example.com' }]);
    expect(dns?.grouped).toEqual({ CNAME: ['www.example.com'] });
  });

  it('flags dns.trailing_data after the last announced record of a response', () => {
    // Act
    const { anomalies } = decode(new Uint8Array([...RESPONSE, 0xde, 0xad]));
    // Assess
    expect(anomalies).toEqual(['dns.trailing_data']);
  });

  it('flags dns.opcode_invalid and dns.z_flag_set and logs opcode and z', () => {
    // Prepare: opcode 9, Z bit
    const bytes = hex('0001 4940 0001 0000 0000 0000  01 61 00 0001 0001');
    // Act
    const { dns, anomalies } = decode(bytes);
    // Assess
    expect(anomalies).toEqual(['dns.z_flag_set', 'dns.opcode_invalid']);
    expect(dns).toMatchObject({ flags: '4940', rd: true, z: true, opcode: 9, rcode: 'NOERROR' });
  });

  it('maps rcodes to Suricata names and unknown ones to numbers', () => {
    expect(decode(hex('0001 8183 0000 0000 0000 0000')).dns?.rcode).toBe('NXDOMAIN');
    expect(decode(hex('0001 8185 0000 0000 0000 0000')).dns?.rcode).toBe('REFUSED');
    expect(decode(hex('0001 818f 0000 0000 0000 0000')).dns?.rcode).toBe('15');
  });

  it('logs unknown record types by number and without rdata', () => {
    // Act
    const { dns } = decode(hex('0001 8180 0000 0001 0000 0000  00 fde8 0001 00000001 0002 abcd'));
    // Assess
    expect(dns?.answers).toEqual([{ rrname: '', rrtype: '65000', ttl: 1 }]);
  });

  it('flags dns.too_many_records past MAX_DNS_RECORDS questions', () => {
    // Prepare: 600 root questions (5 bytes each)
    const q: number[] = [];
    for (let k = 0; k < 600; k++) q.push(0, 0, 1, 0, 1);
    const bytes = new Uint8Array([...hex('0001 0100 0258 0000 0000 0000'), ...q]);
    // Act
    const { dns, anomalies } = decode(bytes);
    // Assess
    expect(anomalies).toEqual(['dns.too_many_records']);
    expect(dns?.queries).toHaveLength(512);
  });

  it('never throws on any prefix of a valid response and only reports known codes', () => {
    for (let n = 0; n <= RESPONSE.length; n++) {
      const { dns, anomalies } = decode(RESPONSE.subarray(0, n));
      if (n < 12) expect(dns).toBeNull();
      else expect(dns?.id).toBe(0x1234);
      for (const a of anomalies) expect(isAppAnomalyCode(a)).toBe(true);
      if (n < RESPONSE.length) expect(anomalies.length).toBeGreaterThan(0);
    }
  });
});

describe('looksLikeDns()', () => {
  it('accepts real queries and responses', () => {
    expect(looksLikeDns(QUERY, 0, QUERY.length)).toBe(true);
    expect(looksLikeDns(RESPONSE, 0, RESPONSE.length)).toBe(true);
  });

  it('rejects HTTP, TLS and short payloads', () => {
    const http = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(looksLikeDns(http, 0, http.length)).toBe(false);
    const tls = hex('16030100a5010000a10303' + '00'.repeat(40));
    expect(looksLikeDns(tls, 0, tls.length)).toBe(false);
    expect(looksLikeDns(QUERY, 0, 12)).toBe(false);
  });
});

describe('DnsTcpParser', () => {
  const framed = (m: Uint8Array): number[] => [m.length >> 8, m.length & 0xff, ...m];
  const twoQueries = new Uint8Array([...framed(QUERY), ...framed(QUERY)]);

  it('emits every length-prefixed message of a segment, with its direction', () => {
    // Prepare
    const sink = recordingSink();
    const p = new DnsTcpParser(sink);
    // Act
    p.feed(0, twoQueries);
    p.feed(1, new Uint8Array(framed(RESPONSE)));
    p.end();
    // Assess
    expect(sink.anomalies).toEqual([]);
    expect(sink.dns_.map((d) => [d.dir, d.dns.type])).toEqual([
      [0, 'request'],
      [0, 'request'],
      [1, 'response'],
    ]);
  });

  it('gives the same result when the stream is split in two at every offset', () => {
    // Prepare
    const whole = recordingSink();
    new DnsTcpParser(whole).feed(0, twoQueries);
    for (let cut = 0; cut <= twoQueries.length; cut++) {
      const sink = recordingSink();
      const p = new DnsTcpParser(sink);
      // Act
      p.feed(0, twoQueries.subarray(0, cut));
      p.feed(0, twoQueries.subarray(cut));
      // Assess
      expect(sink.dns_).toEqual(whole.dns_);
      expect(sink.anomalies).toEqual([]);
    }
    expect(whole.dns_).toHaveLength(2);
  });

  it('flags dns.tcp_len_invalid for a prefix below 12 and keeps the framing', () => {
    // Prepare
    const sink = recordingSink();
    const p = new DnsTcpParser(sink);
    // Act
    p.feed(0, new Uint8Array([0, 3, 1, 2, 3, ...framed(QUERY)]));
    // Assess
    expect(sink.anomalies).toEqual(['dns.tcp_len_invalid']);
    expect(sink.dns_).toHaveLength(1);
  });

  it('drops only the message hit by a gap of known size and resyncs on the next one', () => {
    // Prepare
    const sink = recordingSink();
    const p = new DnsTcpParser(sink);
    // Act: first 10 bytes of message 1, 5 lost, the rest, then message 2
    const m = twoQueries;
    const first = framed(QUERY).length;
    p.feed(0, m.subarray(0, 10));
    p.gap(0, 5);
    p.feed(0, m.subarray(15));
    // Assess
    expect(sink.anomalies).toEqual(['dns.tcp_gap']);
    expect(sink.dns_).toHaveLength(1);
    expect(m.length - first).toBe(first);
  });

  it('stops the direction after a gap it cannot place, without affecting the other direction', () => {
    // Prepare
    const sink = recordingSink();
    const p = new DnsTcpParser(sink);
    // Act
    p.feed(0, twoQueries.subarray(0, 1));
    p.gap(0, 0);
    p.feed(0, twoQueries);
    p.feed(1, new Uint8Array(framed(RESPONSE)));
    // Assess
    expect(sink.anomalies).toEqual(['dns.tcp_gap']);
    expect(sink.dns_.map((d) => d.dir)).toEqual([1]);
  });

  it('flags dns.truncated at end() when a message is incomplete', () => {
    // Prepare
    const sink = recordingSink();
    const p = new DnsTcpParser(sink);
    // Act
    p.feed(1, new Uint8Array(framed(RESPONSE)).subarray(0, 20));
    p.end();
    // Assess
    expect(sink.anomalies).toEqual(['dns.truncated']);
    expect(sink.dns_).toEqual([]);
  });
});
