import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppStream } from '../../../shared/packet/app/detect.ts';
import { decodeDns } from '../../../shared/packet/app/dns.ts';
import { isAppAnomalyCode } from '../../../shared/packet/app/anomalies.ts';
import type { AppAnomalyCode } from '../../../shared/packet/app/anomalies.ts';
import type { AppSink, Direction, EveDns, EveHttp, EveTls } from '../../../shared/packet/app/types.ts';
import { CORPUS, tcpStreams, udpPayloads } from './helpers/capture.ts';

/*
 * The app parsers against real captures: suricata-verify cases (../shared/corpus/suricata-verify/<case>), whose
 * test.yaml lists the EVE fields Suricata 8 logs. The expected values below are copied from those files (only the
 * http/tls/dns fields; flow and alert fields belong to other layers). TCP payloads are reassembled by the test
 * helper and fed through AppStream, so detection by content is exercised too (several cases use ports 4433, 8001,
 * 8080, 1551...).
 */

interface Out {
  http: EveHttp[];
  tls: EveTls[];
  dns: Array<EveDns & { dir: Direction }>;
  anomalies: AppAnomalyCode[];
  protocols: Array<string | null>;
}

function pcapOf(c: string): string {
  const f = readdirSync(`${CORPUS}/${c}`).find((n) => n.endsWith('.pcap'));
  if (f === undefined) throw new Error(`no pcap in ${c}`);
  return `${CORPUS}/${c}/${f}`;
}

function runTcp(c: string): Out {
  const out: Out = { http: [], tls: [], dns: [], anomalies: [], protocols: [] };
  const sink: AppSink = {
    http: (t) => void out.http.push(t),
    tls: (t) => void out.tls.push(t),
    dns: (d, dir) => void out.dns.push({ ...d, dir }),
    anomaly: (a) => void out.anomalies.push(a),
  };
  for (const s of tcpStreams(pcapOf(c))) {
    const [, sp] = s.client.split('|');
    const [, dp] = s.server.split('|');
    const app = new AppStream(sink, { srcPort: Number(sp), dstPort: Number(dp) });
    for (const ch of s.chunks) {
      if (ch.gap !== undefined) app.gap(ch.dir, ch.gap);
      else app.feed(ch.dir, ch.bytes);
    }
    app.end();
    out.protocols.push(app.protocol);
  }
  return out;
}

function runUdpDns(c: string): Array<{ dns: EveDns | null; anomalies: AppAnomalyCode[]; sport: number; dport: number }> {
  return udpPayloads(pcapOf(c))
    .filter((d) => d.sport === 53 || d.dport === 53)
    .map((d) => {
      const anomalies: AppAnomalyCode[] = [];
      const dns = decodeDns(d.payload, 0, d.payload.length, (a) => anomalies.push(a));
      return { dns, anomalies, sport: d.sport, dport: d.dport };
    });
}

describe('HTTP on suricata-verify captures', () => {
  it.each([
    ['base64-issue-5223', { hostname: 'foo.bar', http_method: 'GET', length: 0, protocol: 'HTTP/1.1', url: '/' }],
    [
      'bug-130',
      {
        hostname: 'www.abcdefghij.com',
        http_content_type: 'text/html',
        http_method: 'GET',
        http_refer: 'http://www.abcdefghij.com/abdeltat/login',
        http_user_agent: 'Mozilla/5.0 (X11; U; Linux i686; fr; rv:1.9.0.6) Gecko/2009011912 Firefox/3.0.6',
        length: 1483,
        protocol: 'HTTP/1.1',
        status: 401,
        url: '/publication/pub.home/home.html',
      },
    ],
    ['bug-3286-01-no-evasion', { status: 200, length: 14 }],
    [
      'bug-814',
      {
        hostname: 'www.net1.bg',
        http_method: 'GET',
        http_user_agent: 'Mozilla/4.75 (Nikto/2.1.4) (Evasions:None) (Test:000003)',
        length: 0,
        protocol: 'HTTP/1.1',
        url: '/cgi-bin/cart32.exe',
      },
    ],
    ['http-options-method', { http_method: 'OPTIONS', hostname: 'example.com' }],
    ['http-ipv6', { hostname: '[::1]' }],
    ['http-multiple100', { status: 200 }],
    ['http1-noint-status', { status_string: '2XX' }],
    [
      'tcp-fastopen-07',
      {
        hostname: '10.0.0.61',
        url: '//a1a2a3a4a5a6a7a8a9a0b1b2b3b4b5b6b7b8b9b0c1c2c3c4c5c6c7c8c9c0d1d2d3d4d5d6d7d8d9d0',
        http_user_agent: 'czxt2s',
        http_content_type: 'text/html',
        http_method: 'GET',
        protocol: 'HTTP/1.1',
        status: 404,
        length: 153,
      },
    ],
  ] as const)('%s logs the transaction Suricata logs', (c, expected) => {
    // Act
    const out = runTcp(c);
    // Assess
    expect(out.http).toContainEqual(expect.objectContaining(expected));
  });

  it('decode-teredo-01: both HTTP transactions inside Teredo-tunnelled IPv6', () => {
    // Act
    const out = runTcp('decode-teredo-01');
    // Assess
    expect(out.http).toContainEqual(
      expect.objectContaining({
        hostname: 'download913.avast.com',
        http_content_type: 'text/plain',
        http_method: 'POST',
        http_user_agent: 'Syncer/4.80 (av_pro-1169;f)',
        length: 0,
        protocol: 'HTTP/1.0',
        status: 204,
        url: '/cgi-bin/iavs4stats.cgi',
      }),
    );
    expect(out.http).toContainEqual(
      expect.objectContaining({
        hostname: 'www.wireshark.org',
        http_content_type: 'text/html',
        http_method: 'GET',
        http_refer: 'http://ipv6.google.com/search?hl=en&q=Wireshark+%21&btnG=Google+Search',
        http_user_agent: 'Mozilla/5.0 (Windows; U; Windows NT 5.1; en-US; rv:1.9b5) Gecko/2008032620 Firefox/3.0b5',
        length: 3651,
        protocol: 'HTTP/1.1',
        status: 200,
        url: '/',
      }),
    );
  });

  it('tcp-fastopen-01: a redirect and a second transaction', () => {
    // Act
    const out = runTcp('tcp-fastopen-01');
    // Assess
    expect(out.http).toHaveLength(2);
    expect(out.http).toContainEqual(
      expect.objectContaining({
        url: '/index.php',
        http_user_agent: 'Mozilla/5.0',
        http_content_type: 'text/html',
        http_method: 'GET',
        protocol: 'HTTP/1.0',
        status: 302,
        redirect: '/index.php?page=main.php',
        length: 0,
      }),
    );
    expect(out.http).toContainEqual(expect.objectContaining({ url: '//index.php?page=../../../etc/passwd', status: 200 }));
  });

  it('http-async-cli / http-async-srv: one-sided captures still log every transaction', () => {
    // Act
    const cli = runTcp('http-async-cli');
    const srv = runTcp('http-async-srv');
    // Assess
    expect(cli.http.map((t) => t.url)).toEqual(['/1', '/2']);
    expect(srv.http.filter((t) => t.status === 200)).toHaveLength(2);
    expect(srv.anomalies).toEqual(['http.response_without_request']);
  });

  it('http-gap-simple: three transactions across a capture gap', () => {
    // Act
    const out = runTcp('http-gap-simple');
    // Assess
    expect(out.http.map((t) => [t.url, t.status])).toEqual([
      ['/1', 200],
      ['/2', 200],
      ['/3', 200],
    ]);
  });

  it.each(['http-connect-simple', 'http-connect-fragmented'])('%s: CONNECT, then the HTTP inside the tunnel', (c) => {
    // Act
    const out = runTcp(c);
    // Assess
    expect(out.http).toContainEqual(expect.objectContaining({ http_method: 'CONNECT', protocol: 'HTTP/1.1', status: 200 }));
    expect(out.http).toContainEqual(expect.objectContaining({ http_method: 'GET', protocol: 'HTTP/1.1', status: 200 }));
  });

  it('http-all-headers: host and response length from a classic capture', () => {
    // Act
    const out = runTcp('http-all-headers');
    // Assess (test.yaml: Host www.ethereal.com, response Content-Length 18070)
    expect(out.http).toContainEqual(expect.objectContaining({ hostname: 'www.ethereal.com', length: 18070 }));
  });
});

describe('TLS on suricata-verify captures', () => {
  it('bug-2646-01: TLS 1.2 certificate fields exactly as Suricata logs them', () => {
    // Act
    const out = runTcp('bug-2646-01');
    // Assess
    expect(out.tls).toHaveLength(1);
    expect(out.tls[0]).toMatchObject({
      fingerprint: 'cc:aa:48:48:66:46:0e:91:53:2c:9c:7c:23:2a:b1:74:4d:29:9d:33',
      issuerdn: 'C=US, O=DigiCert Inc, OU=www.digicert.com, CN=DigiCert SHA2 High Assurance Server CA',
      notafter: '2020-05-13T12:00:00',
      notbefore: '2017-03-23T00:00:00',
      serial: '08:3A:84:59:2F:77:F2:E7:95:1B:F8:87:CE:DE:C9:66',
      sni: 'raw.githubusercontent.com',
      subject: 'C=US, ST=California, L=San Francisco, O=GitHub, Inc., CN=www.github.com',
      version: 'TLS 1.2',
    });
  });

  it('tls13-draft22: SNI, draft version name and the JA3 oracle', () => {
    // Act
    const out = runTcp('tls13-draft22');
    // Assess
    expect(out.tls).toEqual([
      expect.objectContaining({
        sni: 'localhost',
        version: 'TLS 1.3 draft-22',
        ja3: { hash: '786468211b4d23f9b725987b0de9d090', string: '771,4865-4867,0-43-13-10-40,23,' },
      }),
    ]);
  });

  it('tls13-draft28: two flows, both JA3 oracles', () => {
    // Act
    const out = runTcp('tls13-draft28');
    // Assess
    expect(out.tls.map((t) => [t.sni, t.version, t.ja3?.hash])).toEqual(
      expect.arrayContaining([
        ['localhost', 'TLS 1.3 draft-28', 'd00857e0c8e7a7f35e446508c6233460'],
        ['localhost', 'TLS 1.3 draft-28', '43202faa1c8c1760d6f7f4bd9adde4ab'],
      ]),
    );
    expect(out.tls.find((t) => t.ja3?.hash === 'd00857e0c8e7a7f35e446508c6233460')?.ja3?.string).toBe(
      '771,4866-4867-4865-4868-49196-52393-49325-49162-49195-49324-49161-49200-52392-49172-49199-49171-157-49309-53-156-49308-47-159-52394-49311-57-158-49310-51,5-10-11-13-22-23-35-51-43-65281-0-45-41,23,0',
    );
  });

  it('tls-ja3s: the JA3S oracle', () => {
    // Act
    const out = runTcp('tls-ja3s');
    // Assess
    expect(out.tls[0]?.ja3s).toEqual({ hash: '5d79edf64e03689ff559a54e9d9487bc', string: '771,49199,65281-0-11-16-23' });
  });

  it('ja4-tls and bug-5713-02-ja4: the JA4 oracles (the second is a client-only TLS 1.0 flow)', () => {
    // Act
    const a = runTcp('ja4-tls');
    const b = runTcp('bug-5713-02-ja4');
    // Assess
    expect(a.tls[0]?.ja4).toBe('t12i1810s1_27d4652c4487_06a4338d0495');
    expect(b.tls).toEqual([expect.objectContaining({ version: 'TLSv1', ja4: 't10i070600_c50f5591e341_ce66f3b797c1' })]);
  });

  it('tls-alpn-log-detect-02: client and server ALPN lists', () => {
    // Act
    const out = runTcp('tls-alpn-log-detect-02');
    // Assess
    expect(out.tls[0]).toMatchObject({ client_alpns: ['h2', 'http/1.1'], server_alpns: ['http/1.1'] });
  });

  it('tls-client-hello-frag-01: a ClientHello fragmented over many segments (MTU 300)', () => {
    // Act
    const out = runTcp('tls-client-hello-frag-01');
    // Assess
    expect(out.tls.map((t) => t.sni)).toEqual(['www.google.com']);
  });

  it('tls-duplicate-hello: one record with the JA3 of one hello, duplicate flagged', () => {
    // Act
    const out = runTcp('tls-duplicate-hello');
    // Assess
    expect(out.tls).toHaveLength(1);
    expect(out.tls[0]?.ja3?.string).toBe(
      '771,4866-4867-4865-4868-49196-52393-49325-49162-49195-49324-49161-49200-52392-49172-49199-49171-157-49309-53-156-49308-47-159-52394-49311-57-158-49310-51,5-10-11-13-22-23-35-51-43-65281-0-45,23,0',
    );
    expect(out.anomalies).toContain('tls.duplicate_client_hello');
  });

  it.each([
    ['community-id-ipv4', [['ipv4.google.com', 'TLS 1.3']]],
    ['community-id-ipv6', [['dns.google', 'TLS 1.3'], ['ipv6.google.com', 'TLS 1.3']]],
    ['bug-7264-tcp-3whs-ack-data-tls-01', [['raw.githubusercontent.com', 'TLS 1.2']]],
  ] as const)('%s: SNI and version', (c, expected) => {
    // Act
    const out = runTcp(c);
    // Assess
    expect(out.tls.map((t) => [t.sni, t.version]).sort()).toEqual(expected.map((e) => [...e]).sort());
  });
});

describe('DNS on suricata-verify captures', () => {
  it('decode-teredo-01: request and the full response with authorities (EVE v3)', () => {
    // Act
    const msgs = runUdpDns('decode-teredo-01');
    const req = msgs.find((m) => m.dns?.id === 16995 && m.dns.type === 'request')?.dns;
    const res = msgs.find((m) => m.dns?.id === 16995 && m.dns.type === 'response')?.dns;
    // Assess
    expect(req?.queries).toEqual([{ rrname: 'ipv6.google.com', rrtype: 'AAAA' }]);
    expect(res).toMatchObject({
      version: 3,
      type: 'response',
      id: 16995,
      flags: '8180',
      qr: true,
      rd: true,
      ra: true,
      rcode: 'NOERROR',
      queries: [{ rrname: 'ipv6.google.com', rrtype: 'AAAA' }],
      answers: [
        { rdata: 'ipv6.l.google.com', rrname: 'ipv6.google.com', rrtype: 'CNAME', ttl: 8655 },
        { rdata: '2001:4860:0000:2001:0000:0000:0000:0068', rrname: 'ipv6.l.google.com', rrtype: 'AAAA', ttl: 300 },
      ],
      grouped: { AAAA: ['2001:4860:0000:2001:0000:0000:0000:0068'], CNAME: ['ipv6.l.google.com'] },
    });
    expect(res?.authorities?.map((a) => a.rdata)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((x) => `${x}.l.google.com`));
    expect(res?.authorities?.every((a) => a.rrname === 'l.google.com' && a.rrtype === 'NS' && a.ttl === 77923)).toBe(true);
  });

  it('dns-eve-v2-udp-nxdomain-soa: NXDOMAIN with the SOA authority', () => {
    // Act
    const res = runUdpDns('dns-eve-v2-udp-nxdomain-soa').find((m) => m.dns?.type === 'response')?.dns;
    // Assess
    expect(res?.rcode).toBe('NXDOMAIN');
    expect(res?.authorities?.[0]).toEqual({
      rrname: 'oisf.net',
      rrtype: 'SOA',
      ttl: 899,
      soa: {
        mname: 'ns-110.awsdns-13.com',
        rname: 'awsdns-hostmaster.amazon.com',
        serial: 1,
        refresh: 7200,
        retry: 900,
        expire: 1209600,
        minimum: 86400,
      },
    });
  });

  it('dns-udp-eve-log-srv / dns-corrupt-additionals: SRV answers (the corrupt additionals are flagged)', () => {
    // Act
    const srv = runUdpDns('dns-udp-eve-log-srv').find((m) => m.dns?.type === 'response');
    const corrupt = runUdpDns('dns-corrupt-additionals').find((m) => m.dns?.type === 'response');
    // Assess
    for (const m of [srv, corrupt]) {
      expect(m?.dns?.queries).toEqual([{ rrname: '_sip._udp.sip.voice.google.com', rrtype: 'SRV' }]);
      expect(m?.dns?.answers?.map((a) => a.srv)).toEqual([
        { priority: 20, weight: 1, port: 5060, name: 'sip-anycast-2.voice.google.com' },
        { priority: 10, weight: 1, port: 5060, name: 'sip-anycast-1.voice.google.com' },
      ]);
    }
    expect(srv?.anomalies).toEqual([]);
    expect(corrupt?.anomalies).toEqual(['dns.truncated']);
  });

  it('dns-udp-eve-txt / bug-1158: TXT strings each as an answer, grouped', () => {
    // Act
    const txt = runUdpDns('dns-udp-eve-txt').find((m) => m.dns?.id === 28243 && m.dns.type === 'response')?.dns;
    const a = runUdpDns('dns-udp-eve-txt').find((m) => m.dns?.id === 39372 && m.dns.type === 'response')?.dns;
    const iodine = runUdpDns('bug-1158').find((m) => m.dns?.id === 49711 && m.dns.type === 'response')?.dns;
    // Assess
    expect(txt?.answers).toEqual([{ rrname: 'google.com', rrtype: 'TXT', ttl: 3217, rdata: 'v=spf1 include:_spf.google.com ~all' }]);
    expect(txt?.grouped).toEqual({ TXT: ['v=spf1 include:_spf.google.com ~all'] });
    expect(a?.answers).toEqual([{ rrname: 'textsecure-service-ca.whispersystems.org', rrtype: 'A', ttl: 5, rdata: '34.197.178.240' }]);
    expect(iodine?.answers).toEqual([
      { rrname: 'AAAAAO1kQA.=auth.srv.tunnel.com', rrtype: 'TXT', ttl: 3, rdata: 'AhvMAAO1kAFE5TE9QTjFFN09RN1lYSDk' },
      { rrname: 'AAAAAO1kQA.=auth.srv.tunnel.com', rrtype: 'TXT', ttl: 3, rdata: '' },
    ]);
    expect(iodine?.authorities).toEqual([{ rrname: 'srv.tunnel.com', rrtype: 'NS', ttl: 604800, rdata: 'iodine.tunnel.com' }]);
  });

  it('dns-invalid-opcode / dns-z-bit: opcode 9 and the Z flag are logged and flagged', () => {
    // Act
    const op = runUdpDns('dns-invalid-opcode');
    const z = runUdpDns('dns-z-bit');
    // Assess
    expect(op.map((m) => [m.dns?.type, m.dns?.opcode, m.dns?.flags ?? null])).toEqual([
      ['request', 9, '4900'],
      ['response', 9, 'c800'],
    ]);
    expect(op[1]?.dns?.grouped).toEqual({ A: ['127.0.0.1'] });
    expect(op.every((m) => m.anomalies.includes('dns.opcode_invalid'))).toBe(true);
    expect(z[0]?.dns?.z).toBe(true);
    expect(z[0]?.anomalies).toEqual(['dns.z_flag_set']);
    expect(z[1]?.dns?.answers).toEqual([{ rrname: 'www.google.com', rrtype: 'A', ttl: 58, rdata: '142.251.32.68' }]);
  });

  it('dns-udp-null / dns-sshfp / dns-eve-log-https-only: NULL bytes, SSHFP and HTTPS queries', () => {
    // Act
    const nul = runUdpDns('dns-udp-null').find((m) => m.dns?.type === 'response')?.dns;
    const sshfp = runUdpDns('dns-sshfp').find((m) => m.dns?.type === 'response')?.dns;
    const https = runUdpDns('dns-eve-log-https-only').find((m) => m.dns?.type === 'request')?.dns;
    // Assess (test.yaml: 'VACKD\x03\\xc5\\xe9\x01')
    expect(nul?.answers?.[0]?.rdata).toBe('VACKD\x03\\xc5\\xe9\x01');
    expect(sshfp?.answers?.[0]?.sshfp).toEqual({ algo: 1, type: 1, fingerprint: '19:8c:34:a9:2f:c0:b2:ab:1d:a5:2b:68:8c:2f:19:1d:2d:96:0c:09' });
    expect(https?.queries?.[0]?.rrtype).toBe('HTTPS');
  });

  it('dns-udp-junkrequest-first: the junk request is flagged, the real one decoded', () => {
    // Act
    const msgs = runUdpDns('dns-udp-junkrequest-first');
    // Assess
    expect(msgs.some((m) => m.anomalies.length > 0)).toBe(true);
    expect(msgs.map((m) => m.dns?.queries?.[0]?.rrname)).toContain('catenacyber.Fr');
  });

  it('dns-forward-pointer: we flag the forward pointer Suricata accepts (a documented difference)', () => {
    // Act
    const [req, res] = runUdpDns('dns-forward-pointer');
    // Assess
    expect(req?.anomalies).toEqual(['dns.pointer_forward']);
    expect(req?.dns).toMatchObject({ type: 'request', id: 36356 });
    expect(res?.dns?.answers).toEqual([{ rdata: '152.53.82.239', rrname: 'codemonkey.net', rrtype: 'A', ttl: 300 }]);
  });

  it('vxlan-decoder-03 (the AWS mirror capture): the 8 queries for the EC2 name', () => {
    // Act
    const msgs = runUdpDns('vxlan-decoder-03');
    // Assess
    expect(
      msgs.filter((m) => m.dns?.queries?.[0]?.rrname === 'ec2-18-196-145-224.eu-central-1.compute.amazonaws.com'),
    ).toHaveLength(8);
  });

  it('dns-tcp-www-google-com / dns-tcp-multirequest-buffer: DNS over TCP, detected by content', () => {
    // Act
    const one = runTcp('dns-tcp-www-google-com');
    const many = runTcp('dns-tcp-multirequest-buffer');
    // Assess
    expect(one.protocols).toEqual(['dns']);
    expect(one.dns.map((d) => [d.type, d.dir])).toEqual([
      ['request', 0],
      ['response', 1],
    ]);
    expect(many.dns.filter((d) => d.type === 'request')).toHaveLength(20);
    expect(many.dns.filter((d) => d.type === 'response')).toHaveLength(20);
  });

  it('dns-truncated-rname: an over-long name is cut and marked rrname_truncated', () => {
    // Act (port 1053: found by content)
    const out = runTcp('dns-truncated-rname');
    // Assess
    expect(out.dns[0]?.queries?.[0]?.rrname_truncated).toBe(true);
    expect(out.anomalies).toContain('dns.name_too_long');
  });
});

describe('every anomaly the corpus produces is a known code', () => {
  it('holds for all suricata-verify cases', () => {
    const all: string[] = [];
    for (const c of readdirSync(CORPUS)) {
      let pcap: string;
      try {
        pcap = pcapOf(c);
      } catch {
        continue;
      }
      void pcap;
      all.push(...runTcp(c).anomalies);
      for (const m of runUdpDns(c)) all.push(...m.anomalies);
    }
    expect(all.filter((a) => !isAppAnomalyCode(a))).toEqual([]);
  });
});
