import { describe, expect, it } from 'vitest';
import { AppStream, MAX_DETECT_BYTES, detectAppProtocol } from '../../../shared/packet/app/detect.ts';
import type { AppSink, EveDns, EveHttp, EveTls } from '../../../shared/packet/app/types.ts';
import { ascii, hex } from './helpers/capture.ts';
import { clientHelloBody, handshake, record, serverHelloBody, sniExt } from './helpers/tls-build.ts';

function sink() {
  const out = { http: [] as EveHttp[], tls: [] as EveTls[], dns: [] as EveDns[], anomalies: [] as string[] };
  const s: AppSink = {
    http: (t) => void out.http.push(t),
    tls: (t) => void out.tls.push(t),
    dns: (d) => void out.dns.push(d),
    anomaly: (c, d) => void out.anomalies.push(`${c}/${d}`),
  };
  return { s, out };
}

const CLIENT_HELLO = new Uint8Array(record(22, handshake(1, clientHelloBody({ ciphers: [0x1301], exts: [sniExt('inner.example')] })), 0x0301));
const DNS_QUERY = hex('1234 0100 0001 0000 0000 0000 07 6578616d706c65 03 636f6d 00 0001 0001');
const DNS_TCP = new Uint8Array([0, DNS_QUERY.length, ...DNS_QUERY]);

describe('detectAppProtocol()', () => {
  const detect = (b: Uint8Array, hint = {}) => detectAppProtocol(b, 0, b.length, hint);

  it('recognises each protocol from its first bytes', () => {
    expect(detect(CLIENT_HELLO)).toBe('tls');
    expect(detect(new Uint8Array(record(22, handshake(2, serverHelloBody({ cipher: 0x1301 })))))).toBe('tls');
    expect(detect(ascii('GET / HTTP/1.1\r\n'))).toBe('http');
    expect(detect(ascii('HTTP/1.1 200 OK\r\n'))).toBe('http');
    expect(detect(DNS_TCP)).toBe('dns');
  });

  it('asks for more bytes while a prefix is still ambiguous', () => {
    for (let n = 0; n < 6; n++) expect(detect(CLIENT_HELLO.subarray(0, n))).toBe('need_more');
    expect(detect(ascii('GET /long/path'))).toBe('need_more');
    expect(detect(DNS_TCP.subarray(0, 10))).toBe('need_more');
  });

  it('says unknown for other protocols', () => {
    expect(detect(ascii('SSH-2.0-OpenSSH_9.6\r\n'))).toBe('unknown');
    expect(detect(ascii('220 mail.example ESMTP\r\n'))).toBe('unknown');
    expect(detect(new Uint8Array([0x80, 0x2e, 0x01, 0x03, 0x01, ...new Array<number>(20).fill(0)]))).toBe('unknown');
  });
});

describe('AppStream', () => {
  it('detects TLS on any port and hands it the held bytes', () => {
    // Prepare
    const { s, out } = sink();
    const app = new AppStream(s, { srcPort: 40000, dstPort: 8443 });
    // Act: the hello arrives 3 bytes at a time
    for (let i = 0; i < CLIENT_HELLO.length; i += 3) app.feed(0, CLIENT_HELLO.subarray(i, i + 3));
    app.end();
    // Assess
    expect(app.protocol).toBe('tls');
    expect(out.tls.map((t) => t.sni)).toEqual(['inner.example']);
  });

  it('detects HTTP from the server side when only responses are mirrored', () => {
    // Prepare
    const { s, out } = sink();
    const app = new AppStream(s);
    // Act
    app.feed(1, ascii('HTTP/1.1 204 No Content\r\n\r\n'));
    app.end();
    // Assess
    expect(app.protocol).toBe('http');
    expect(out.http).toEqual([{ protocol: 'HTTP/1.1', status: 204, length: 0 }]);
  });

  it('detects DNS over TCP on a non-standard port', () => {
    // Prepare
    const { s, out } = sink();
    const app = new AppStream(s, { dstPort: 5353 });
    // Act
    app.feed(0, DNS_TCP);
    // Assess
    expect(app.protocol).toBe('dns');
    expect(out.dns[0]?.queries).toEqual([{ rrname: 'example.com', rrtype: 'A' }]);
  });

  it('gives up on a protocol it does not parse once both directions spoke', () => {
    // Prepare
    const { s, out } = sink();
    const app = new AppStream(s);
    // Act
    app.feed(1, ascii('SSH-2.0-OpenSSH_9.6\r\n'));
    expect(app.protocol).toBeNull();
    app.feed(0, ascii('SSH-2.0-PuTTY\r\n'));
    // Assess
    expect(app.protocol).toBe('unknown');
    app.feed(0, ascii('GET / HTTP/1.1\r\n\r\n'));
    app.end();
    expect(out.http).toEqual([]);
  });

  it(`gives up on a direction after ${MAX_DETECT_BYTES} undecided bytes`, () => {
    // Prepare
    const { s } = sink();
    const app = new AppStream(s);
    // Act: a request line that never ends
    app.feed(0, ascii('GET /' + 'a'.repeat(MAX_DETECT_BYTES)));
    expect(app.protocol).toBeNull();
    app.feed(1, ascii('SSH-2.0-OpenSSH_9.6\r\n'));
    // Assess
    expect(app.protocol).toBe('unknown');
  });

  it('stops detecting in a direction after a gap but still detects from the other one', () => {
    // Prepare
    const { s, out } = sink();
    const app = new AppStream(s);
    // Act
    app.feed(0, ascii('GE'));
    app.gap(0, 10);
    app.feed(1, ascii('HTTP/1.0 200 OK\r\n\r\nbody'));
    app.end();
    // Assess
    expect(app.protocol).toBe('http');
    expect(out.http).toEqual([{ protocol: 'HTTP/1.0', status: 200, length: 4 }]);
  });

  it('parses TLS inside an HTTP CONNECT tunnel', () => {
    // Prepare
    const { s, out } = sink();
    const app = new AppStream(s, { dstPort: 3128 });
    // Act
    app.feed(0, ascii('CONNECT inner.example:443 HTTP/1.1\r\nHost: inner.example:443\r\n\r\n'));
    app.feed(1, ascii('HTTP/1.1 200 Connection established\r\n\r\n'));
    app.feed(0, CLIENT_HELLO);
    app.end();
    // Assess
    expect(app.protocol).toBe('http');
    expect(out.http.map((t) => [t.http_method, t.status])).toEqual([['CONNECT', 200]]);
    expect(out.tls.map((t) => t.sni)).toEqual(['inner.example']);
  });

  it('prefers DNS on port 53 when a payload could be read both ways', () => {
    // Prepare: a TCP DNS message whose length prefix 0x16 0x03 also looks like a TLS record header
    const msg = new Uint8Array(0x1603);
    msg.set([0x01, 0x01, 0x01, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
    const framed = new Uint8Array([0x16, 0x03, ...msg]);
    // Act
    const on53 = detectAppProtocol(framed, 0, framed.length, { dstPort: 53 });
    const elsewhere = detectAppProtocol(framed, 0, framed.length, { dstPort: 8080 });
    // Assess
    expect(on53).toBe('dns');
    expect(elsewhere).toBe('tls');
  });
});
