import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_TLS_HANDSHAKE,
  MAX_TLS_RECORD,
  TlsParser,
  isGrease,
  ja3String,
  ja4,
  parseClientHello,
  parseServerHello,
  tlsVersionName,
} from '../../../shared/packet/app/tls.ts';
import { parseCertificate } from '../../../shared/packet/app/x509.ts';
import type { AppAnomalyCode } from '../../../shared/packet/app/anomalies.ts';
import type { AppSink, Direction, EveTls } from '../../../shared/packet/app/types.ts';
import {
  alpnExt,
  der,
  oidBytes,
  seq,
  set,
  certificate,
  certificateBody,
  clientHelloBody,
  ext,
  handshake,
  pointFormatsExt,
  record,
  records,
  serverHelloBody,
  sniExt,
  supportedVersionsExt,
  u16ListExt,
} from './helpers/tls-build.ts';
import type { CertSpec, ClientHelloSpec } from './helpers/tls-build.ts';

interface Rec {
  out: EveTls[];
  anomalies: string[];
}

function sink(): AppSink & Rec {
  const r: Rec = { out: [], anomalies: [] };
  return Object.assign(r, {
    tls: (t: EveTls) => void r.out.push(t),
    http: () => {
      throw new Error('unexpected http');
    },
    dns: () => {
      throw new Error('unexpected dns');
    },
    anomaly: (code: AppAnomalyCode, dir: Direction) => void r.anomalies.push(`${code}/${dir}`),
  });
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha12 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);

// A Chrome-like TLS 1.3 ClientHello with GREASE in ciphers, extensions, groups and versions.
const CH: ClientHelloSpec = {
  version: 0x0303,
  sessionId: new Array<number>(32).fill(7),
  ciphers: [0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f],
  exts: [
    ext(0x1a1a, []),
    sniExt('www.example.com'),
    ext(23, []),
    u16ListExt(10, [0x2a2a, 29, 23, 24]),
    pointFormatsExt([0]),
    u16ListExt(13, [0x0403, 0x0804, 0x0401]),
    alpnExt(['h2', 'http/1.1']),
    supportedVersionsExt([0x3a3a, 0x0304, 0x0303]),
    ext(0x4a4a, [0]),
  ],
};
const CH_BODY = clientHelloBody(CH);
const CH_MSG = handshake(1, CH_BODY);

function parseCh(bytes: number[]) {
  const anomalies: AppAnomalyCode[] = [];
  const b = new Uint8Array(bytes);
  const h = parseClientHello(b, 0, b.length, (c) => anomalies.push(c));
  return { h, anomalies };
}

describe('parseClientHello()', () => {
  it('extracts SNI, ALPN, versions, groups and the JA3 fields', () => {
    // Act
    const { h, anomalies } = parseCh(CH_BODY);
    // Assess
    expect(anomalies).toEqual([]);
    expect(h).toMatchObject({
      version: 0x0303,
      ciphers: [0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f],
      extensions: [0x1a1a, 0, 23, 10, 11, 13, 16, 43, 0x4a4a],
      groups: [0x2a2a, 29, 23, 24],
      pointFormats: [0],
      sigAlgs: [0x0403, 0x0804, 0x0401],
      supportedVersions: [0x3a3a, 0x0304, 0x0303],
      sni: 'www.example.com',
      alpns: ['h2', 'http/1.1'],
    });
  });

  it('builds the JA3 string without GREASE values', () => {
    // Act
    const { h } = parseCh(CH_BODY);
    // Assess
    expect(ja3String(h!)).toBe('771,4865-4866-4867-49195-49199,0-23-10-11-13-16-43,29-23-24,0');
  });

  it('builds JA4 from the highest non-GREASE supported version, sorted ciphers and extensions', () => {
    // Prepare: the FoxIO recipe spelled out by hand
    const ciphers = ['1301', '1302', '1303', 'c02b', 'c02f'].join(',');
    const exts = ['000a', '000b', '000d', '0017', '002b'].join(',');
    const sig = ['0403', '0804', '0401'].join(',');
    // Act
    const { h } = parseCh(CH_BODY);
    // Assess: 5 ciphers, 7 extensions (SNI and ALPN counted, GREASE not), ALPN h2
    expect(ja4(h!)).toBe(`t13d0507h2_${sha12(ciphers)}_${sha12(`${exts}_${sig}`)}`);
  });

  it('uses i for no SNI, 00 for no ALPN, the legacy version without supported_versions, and zero hashes when empty', () => {
    // Act
    const { h } = parseCh(clientHelloBody({ version: 0x0301, ciphers: [] }));
    // Assess
    expect(ja4(h!)).toBe('t10i000000_000000000000_000000000000');
  });

  it('prints the hex of an ALPN whose first or last byte is not alphanumeric', () => {
    // Act
    const { h } = parseCh(clientHelloBody({ ciphers: [0x1301], exts: [alpnExt(['\x01ab/'])] }));
    // Assess: first byte 0x01 -> '0', last byte 0x2f -> 'f'
    expect(ja4(h!).slice(0, 10)).toBe('t12i01010f');
  });

  it.each([
    ['tls.hello_len_invalid', clientHelloBody({ ciphers: [] }).slice(0, 30)],
    ['tls.session_id_len_invalid', [3, 3, ...new Array<number>(32).fill(0), 33, ...new Array<number>(33).fill(0), 0, 2, 0, 1, 1, 0]],
    ['tls.cipher_suites_len_invalid', [3, 3, ...new Array<number>(32).fill(0), 0, 0, 3, 0, 1, 0, 1, 0]],
    ['tls.compression_len_invalid', [3, 3, ...new Array<number>(32).fill(0), 0, 0, 2, 0, 1, 5, 0]],
    ['tls.extensions_len_invalid', [...clientHelloBody({ ciphers: [1] }), 0, 9, 0]],
    ['tls.extension_len_invalid', [...clientHelloBody({ ciphers: [1] }), 0, 4, 0, 0, 0, 9]],
  ] as const)('flags %s and returns null', (code, bytes) => {
    // Act
    const { h, anomalies } = parseCh([...bytes]);
    // Assess
    expect(anomalies).toEqual([code]);
    expect(h).toBeNull();
  });

  it.each([
    ['tls.sni_len_invalid', ext(0, [0, 5, 0, 0, 9, 0x61, 0x62])],
    ['tls.sni_len_invalid', ext(0, [0, 3, 0, 0, 0])],
    ['tls.sni_type_invalid', ext(0, [0, 4, 1, 0, 1, 0x61])],
    ['tls.alpn_len_invalid', ext(16, [0, 3, 0, 0x61, 0x62])],
    ['tls.supported_versions_len_invalid', ext(43, [3, 3, 4, 3])],
  ] as const)('flags %s in an extension body and keeps the hello', (code, e) => {
    // Act
    const { h, anomalies } = parseCh(clientHelloBody({ ciphers: [0x1301], exts: [e, sniExt('ok.example')] }));
    // Assess
    expect(anomalies).toEqual([code]);
    expect(h?.extensions).toEqual([e[0], 0]);
  });

  it('reports every strict prefix of a ClientHello as malformed, never throwing', () => {
    for (let n = 0; n < CH_BODY.length; n++) {
      // A prefix that ends right after the compression methods is a valid extension-less hello.
      const noExtEnd = 2 + 32 + 1 + 32 + 2 + CH.ciphers.length * 2 + 2;
      const { h, anomalies } = parseCh(CH_BODY.slice(0, n));
      if (n === noExtEnd) expect(h?.extensions).toEqual([]);
      else expect(anomalies).toHaveLength(1);
    }
  });
});

describe('parseServerHello()', () => {
  it('reads the selected version, cipher, extensions and ALPN', () => {
    // Prepare
    const b = new Uint8Array(serverHelloBody({ cipher: 0x1301, exts: [ext(43, [3, 4]), alpnExt(['h2'])] }));
    const anomalies: AppAnomalyCode[] = [];
    // Act
    const h = parseServerHello(b, 0, b.length, (c) => anomalies.push(c));
    // Assess
    expect(anomalies).toEqual([]);
    expect(h).toMatchObject({ version: 0x0303, selectedVersion: 0x0304, cipher: 0x1301, extensions: [43, 16], alpn: 'h2', helloRetryRequest: false });
  });

  it('flags tls.hello_truncated when the cipher suite is cut off', () => {
    // Prepare: version, random, session id, then one byte
    const b = new Uint8Array(serverHelloBody({ cipher: 0x1301 }).slice(0, 36));
    const anomalies: AppAnomalyCode[] = [];
    // Act
    const h = parseServerHello(b, 0, b.length, (c) => anomalies.push(c));
    // Assess
    expect(h).toBeNull();
    expect(anomalies).toEqual(['tls.hello_truncated']);
  });

  it('flags tls.handshake_len_invalid for bytes after the extensions block (client and server)', () => {
    // Prepare
    const sh = new Uint8Array([...serverHelloBody({ cipher: 0x1301, exts: [ext(43, [3, 4])] }), 0xee]);
    const anomalies: AppAnomalyCode[] = [];
    // Act
    const h = parseServerHello(sh, 0, sh.length, (c) => anomalies.push(c));
    const ch = parseCh([...clientHelloBody({ ciphers: [1], exts: [sniExt('a.b')] }), 0xee]);
    // Assess
    expect(anomalies).toEqual(['tls.handshake_len_invalid']);
    expect(h?.selectedVersion).toBe(0x0304);
    expect(ch.anomalies).toEqual(['tls.handshake_len_invalid']);
    expect(ch.h?.sni).toBe('a.b');
  });

  it('flags tls.alpn_len_invalid when the server selects more than one protocol', () => {
    // Prepare
    const b = new Uint8Array(serverHelloBody({ cipher: 0x1301, exts: [alpnExt(['h2', 'x'])] }));
    const anomalies: AppAnomalyCode[] = [];
    // Act
    parseServerHello(b, 0, b.length, (c) => anomalies.push(c));
    // Assess
    expect(anomalies).toEqual(['tls.alpn_len_invalid']);
  });
});

describe('tlsVersionName() and isGrease()', () => {
  it('spells versions as Suricata does', () => {
    expect([0x0002, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x7f1c, 0x1234].map(tlsVersionName)).toEqual([
      'SSLv2', 'SSLv3', 'TLSv1', 'TLS 1.1', 'TLS 1.2', 'TLS 1.3', 'TLS 1.3 draft-28', 'UNDETERMINED',
    ]);
  });
  it('recognises exactly the 16 GREASE values', () => {
    const all = Array.from({ length: 65536 }, (_, v) => v).filter(isGrease);
    expect(all).toEqual(Array.from({ length: 16 }, (_, k) => (k << 12) | 0x0a00 | (k << 4) | 0x0a));
  });
});

const CERT_SPEC: CertSpec = {
  serial: [0x00, 0x9a, 0x01, 0xff],
  issuer: [['2.5.4.6', 'US'], ['2.5.4.10', 'Example CA, Inc.'], ['2.5.4.3', 'Example Root', 0x0c]],
  subject: [['2.5.4.6', 'US'], ['2.5.4.8', 'California'], ['2.5.4.3', 'www.example.com', 0x0c], ['1.2.840.113549.1.9.1', 'a@example.com', 0x16]],
  notBefore: '240102030405Z',
  notAfter: '20350101000000Z',
};

describe('parseCertificate()', () => {
  it('reads subject, issuer, serial, validity and the SHA-1 fingerprint as Suricata logs them', () => {
    // Prepare
    const der = new Uint8Array(certificate(CERT_SPEC));
    const fp = createHash('sha1').update(der).digest('hex').match(/../g)!.join(':');
    // Act
    const c = parseCertificate(der, 0, der.length);
    // Assess
    expect(c).toEqual({
      subject: 'C=US, ST=California, CN=www.example.com, emailAddress=a@example.com',
      issuerdn: 'C=US, O=Example CA, Inc., CN=Example Root',
      serial: '00:9A:01:FF',
      fingerprint: fp,
      notbefore: '2024-01-02T03:04:05',
      notafter: '2035-01-01T00:00:00',
    });
  });

  it('returns null for every truncation of the DER, never throwing', () => {
    const der = new Uint8Array(certificate(CERT_SPEC));
    for (let n = 0; n < der.length; n++) expect(parseCertificate(der, 0, n)).toBeNull();
  });
});

describe('parseCertificate() details', () => {
  const base: CertSpec = { serial: [1], issuer: [['2.5.4.3', 'CA']], subject: [['2.5.4.3', 'x']], notBefore: '491231235959Z', notAfter: '20500101000000Z' };

  it('maps UTCTime year 49 to 2049 (RFC 5280 §4.1.2.5.1; 99 → 1999 is checked below)', () => {
    // Act
    const der1 = new Uint8Array(certificate(base));
    const c = parseCertificate(der1, 0, der1.length);
    // Assess
    expect(c?.notbefore).toBe('2049-12-31T23:59:59');
    expect(c?.notafter).toBe('2050-01-01T00:00:00');
  });

  it('prints BMPString, multi-valued RDNs, unknown OIDs and non-string values', () => {
    // Prepare: subject = { CN (BMPString) + O }, { 1.2.3.4 = INTEGER 5 }
    const bmp = der(0x1e, [0, 0x68, 0, 0xe9]);
    const subject = seq(
      set(seq(oidBytes('2.5.4.3'), bmp), seq(oidBytes('2.5.4.10'), der(0x0c, [0x4f]))),
      set(seq(oidBytes('1.2.3.4'), der(0x02, [5]))),
    );
    const good = certificate(base);
    // Swap the builder's subject (the 6th field of TBSCertificate) for ours by rebuilding TBS by hand.
    const sigAlg = seq(oidBytes('1.2.840.113549.1.1.11'), [0x05, 0x00]);
    const tbs = seq(
      der(0x02, [1]),
      sigAlg,
      seq(set(seq(oidBytes('2.5.4.3'), der(0x13, [0x43])))),
      seq(der(0x17, [...'990101000000Z'].map((ch) => ch.charCodeAt(0))), der(0x18, [...'20500101000000Z'].map((ch) => ch.charCodeAt(0)))),
      subject,
    );
    const cert = new Uint8Array(seq(tbs, sigAlg, der(0x03, [0])));
    // Act
    const c = parseCertificate(cert, 0, cert.length);
    // Assess
    expect(good.length).toBeGreaterThan(0);
    expect(c).toMatchObject({ subject: 'CN=hé + O=O, 1.2.3.4=#05', issuerdn: 'CN=C', serial: '01', notbefore: '1999-01-01T00:00:00', notafter: '2050-01-01T00:00:00' });
  });

  it.each([
    ['a non-digit in a time', '2401x1000000Z'],
    ['a short UTCTime', '2401010000Z'],
  ])('returns null for %s', (_what, t) => {
    // Act
    const der1 = new Uint8Array(certificate({ ...base, notBefore: t }));
    // Assess
    expect(parseCertificate(der1, 0, der1.length)).toBeNull();
  });

  it('returns null for a long-form tag, an indefinite length, and a non-SEQUENCE', () => {
    expect(parseCertificate(new Uint8Array([0x1f, 0x01, 0x00]), 0, 3)).toBeNull();
    expect(parseCertificate(new Uint8Array([0x30, 0x80, 0x00, 0x00]), 0, 4)).toBeNull();
    expect(parseCertificate(new Uint8Array([0x31, 0x00]), 0, 2)).toBeNull();
  });
});

/** Runs a TLS flow: [dir, bytes] steps in order, then end(). */
function flow(steps: Array<[Direction, number[]]>): Rec {
  const s = sink();
  const p = new TlsParser(s);
  for (const [d, b] of steps) p.feed(d, new Uint8Array(b));
  p.end();
  return s;
}

const SH13_MSG = handshake(2, serverHelloBody({ cipher: 0x1301, exts: [ext(43, [3, 4]), alpnExt(['h2'])] }));

describe('TlsParser', () => {
  it('logs a TLS 1.3 handshake after the ServerHello, in Suricata key order', () => {
    // Act
    const r = flow([
      [0, record(22, CH_MSG, 0x0301)],
      [1, [...record(22, SH13_MSG), ...record(20, [1]), ...record(23, [1, 2, 3])]],
    ]);
    // Assess
    const js = '771,4865-4866-4867-49195-49199,0-23-10-11-13-16-43,29-23-24,0';
    const jss = '771,4865,43-16';
    expect(r.anomalies).toEqual([]);
    expect(r.out).toEqual([
      {
        sni: 'www.example.com',
        version: 'TLS 1.3',
        ja3: { hash: md5(js), string: js },
        ja3s: { hash: md5(jss), string: jss },
        ja4: ja4(parseCh(CH_BODY).h!),
        client_alpns: ['h2', 'http/1.1'],
        server_alpns: ['h2'],
        alpn: 'h2',
      },
    ]);
    expect(Object.keys(r.out[0] as object)).toEqual(['sni', 'version', 'ja3', 'ja3s', 'ja4', 'client_alpns', 'server_alpns', 'alpn']);
  });

  it('gives the same record for a ClientHello split over 3 records and cut at every byte offset', () => {
    // Prepare
    const bytes = records(CH_MSG, 40);
    const server = [...record(22, SH13_MSG)];
    const whole = flow([[0, bytes], [1, server]]);
    expect(whole.out).toHaveLength(1);
    for (let cut = 0; cut <= bytes.length; cut++) {
      // Act
      const r = flow([[0, bytes.slice(0, cut)], [0, bytes.slice(cut)], [1, server]]);
      // Assess
      expect(r.out).toEqual(whole.out);
      expect(r.anomalies).toEqual([]);
    }
  });

  it('reads two handshake messages packed into one record', () => {
    // Prepare: ServerHello (1.2) + Certificate + ServerHelloDone in one record
    const cert = certificate(CERT_SPEC);
    const msgs = [
      ...handshake(2, serverHelloBody({ cipher: 0xc02f, exts: [ext(0xff01, [0])] })),
      ...handshake(11, certificateBody([cert])),
      ...handshake(14, []),
    ];
    // Act
    const r = flow([[0, record(22, handshake(1, clientHelloBody({ ciphers: [0xc02f], exts: [sniExt('a.example')] })))], [1, record(22, msgs)]]);
    // Assess
    expect(r.anomalies).toEqual([]);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]).toMatchObject({
      subject: 'C=US, ST=California, CN=www.example.com, emailAddress=a@example.com',
      issuerdn: 'C=US, O=Example CA, Inc., CN=Example Root',
      serial: '00:9A:01:FF',
      sni: 'a.example',
      version: 'TLS 1.2',
      notbefore: '2024-01-02T03:04:05',
      notafter: '2035-01-01T00:00:00',
      ja3s: { string: '771,49199,65281' },
    });
    expect(Object.keys(r.out[0] as object).slice(0, 8)).toEqual([
      'subject', 'issuerdn', 'serial', 'fingerprint', 'sni', 'version', 'notbefore', 'notafter',
    ]);
  });

  it('memoised fingerprints and certificates: each flow gets the values of its own bytes, repeated or not', () => {
    // Prepare: two certificates of the same length that differ in one serial byte, and two different hellos
    const certA = certificate({ ...CERT_SPEC, serial: [0x9a, 0x01, 0xff] });
    const certB = certificate({ ...CERT_SPEC, serial: [0x9a, 0x01, 0xfe] });
    expect(certA.length).toBe(certB.length);
    const run = (cert: number[], ciphers: number[]) =>
      flow([
        [0, record(22, handshake(1, clientHelloBody({ ciphers, exts: [sniExt('a.example')] })))],
        [1, record(22, [...handshake(2, serverHelloBody({ cipher: 0xc02f })), ...handshake(11, certificateBody([cert])), ...handshake(14, [])])],
      ]).out[0] as Record<string, unknown>;
    const sha1 = (b: number[]) => createHash('sha1').update(new Uint8Array(b)).digest('hex').match(/../g)!.join(':');
    // Act: A, B, A again, then a different hello with A
    const a1 = run(certA, [0xc02f]);
    const b1 = run(certB, [0xc02f]);
    const a2 = run(certA, [0xc02f]);
    const a3 = run(certA, [0xc02b, 0xc02f]);
    // Assess
    expect([a1.serial, b1.serial, a2.serial]).toEqual(['9A:01:FF', '9A:01:FE', '9A:01:FF']);
    expect([a1.fingerprint, b1.fingerprint]).toEqual([sha1(certA), sha1(certB)]);
    expect(a2).toEqual(a1);
    const js = a3.ja3 as { string: string; hash: string };
    expect(js.string).toBe('771,49195-49199,0,,');
    expect(js.hash).toBe(md5(js.string));
    expect(a3.ja4).not.toBe(a1.ja4);
  });

  it('flags a resumed TLS 1.2 session when the server sends ChangeCipherSpec without a Certificate', () => {
    // Act
    const r = flow([
      [0, record(22, handshake(1, clientHelloBody({ ciphers: [0xc02f], sessionId: [1, 2, 3] })))],
      [1, [...record(22, handshake(2, serverHelloBody({ cipher: 0xc02f, sessionId: [1, 2, 3] }))), ...record(20, [1])]],
    ]);
    // Assess
    expect(r.out).toHaveLength(1);
    expect(r.out[0]?.session_resumed).toBe(true);
    expect(r.out[0]?.version).toBe('TLS 1.2');
  });

  it('accepts a second ClientHello after a HelloRetryRequest and keeps the first fingerprint', () => {
    // Prepare
    const hrrRandom = [...createHash('sha256').update('HelloRetryRequest').digest()];
    const hrr = handshake(2, serverHelloBody({ cipher: 0x1301, random: hrrRandom, exts: [ext(43, [3, 4])] }));
    const ch2 = handshake(1, clientHelloBody({ ciphers: [0x1301], exts: [sniExt('second.example'), supportedVersionsExt([0x0304])] }));
    // Act
    const r = flow([
      [0, record(22, CH_MSG)],
      [1, [...record(22, hrr), ...record(20, [1])]],
      [0, [...record(20, [1]), ...record(22, ch2)]],
      [1, record(22, SH13_MSG)],
    ]);
    // Assess
    expect(r.anomalies).toEqual([]);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]?.sni).toBe('www.example.com');
    expect(r.out[0]?.version).toBe('TLS 1.3');
  });

  it('flags tls.duplicate_client_hello for a second hello without a retry request', () => {
    // Act
    const r = flow([[0, [...record(22, CH_MSG), ...record(22, CH_MSG)]]]);
    // Assess
    expect(r.anomalies).toEqual(['tls.duplicate_client_hello/0']);
    expect(r.out).toHaveLength(1);
  });

  it('logs a client-only flow when the client starts application data (one-sided capture)', () => {
    // Act
    const s = sink();
    const p = new TlsParser(s);
    p.feed(0, new Uint8Array([...record(22, CH_MSG, 0x0301), ...record(23, [9, 9])]));
    // Assess (before end)
    expect(s.out).toHaveLength(1);
    expect(s.out[0]).toMatchObject({ sni: 'www.example.com', version: 'TLS 1.2', client_alpns: ['h2', 'http/1.1'], alpn: 'h2' });
    expect(s.out[0]?.ja3s).toBeUndefined();
  });

  it('waits for more bytes on an incomplete hello and reports tls.handshake_incomplete only at end()', () => {
    // Prepare
    const s = sink();
    const p = new TlsParser(s);
    const bytes = record(22, CH_MSG);
    // Act
    p.feed(0, new Uint8Array(bytes.slice(0, 50)));
    // Assess
    expect(s.anomalies).toEqual([]);
    p.end();
    expect(s.anomalies).toEqual(['tls.handshake_incomplete/0']);
    expect(s.out).toEqual([]);
  });

  it.each([
    ['tls.record_type_invalid', [0x17 + 20, 3, 3, 0, 1, 0]],
    ['tls.record_version_invalid', [22, 2, 0, 0, 1, 0]],
    ['tls.record_too_large', [22, 3, 3, ...[(MAX_TLS_RECORD + 1) >> 8, (MAX_TLS_RECORD + 1) & 0xff]]],
  ] as const)('flags %s and stops that direction', (code, bytes) => {
    // Act
    const r = flow([[0, [...bytes]], [0, record(22, CH_MSG)]]);
    // Assess
    expect(r.anomalies).toEqual([`${code}/0`]);
    expect(r.out).toEqual([]);
  });

  it('flags tls.handshake_too_large and skips the message by length', () => {
    // Prepare: a Certificate message header announcing more than MAX_TLS_HANDSHAKE
    const n = MAX_TLS_HANDSHAKE + 1;
    // Act
    const s = sink();
    const p = new TlsParser(s);
    p.feed(1, new Uint8Array(record(22, [11, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff])));
    // Assess
    expect(s.anomalies).toEqual(['tls.handshake_too_large/1']);
  });

  it('flags tls.certificate_len_invalid and tls.certificate_invalid', () => {
    // Prepare
    const sh = handshake(2, serverHelloBody({ cipher: 0xc02f }));
    // Act
    const bad = flow([[1, record(22, [...sh, ...handshake(11, [0, 0, 9, 0, 0, 1, 0x30])])]]);
    const junk = flow([[1, record(22, [...sh, ...handshake(11, certificateBody([[0x30, 0x03, 0x02, 0x01, 0x01]]))])]]);
    // Assess
    expect(bad.anomalies).toEqual(['tls.certificate_len_invalid/1']);
    expect(junk.anomalies).toEqual(['tls.certificate_invalid/1']);
    expect(junk.out[0]?.version).toBe('TLS 1.2');
    expect(junk.out[0]?.subject).toBeUndefined();
  });

  it('ignores an empty certificate list and handles empty records', () => {
    // Act
    const r = flow([
      [0, [...record(23, []), ...record(22, CH_MSG)]],
      [1, record(22, [...handshake(2, serverHelloBody({ cipher: 0xc02f })), ...handshake(11, [0, 0, 0]), ...handshake(14, [])])],
    ]);
    // Assess
    expect(r.anomalies).toEqual([]);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]?.subject).toBeUndefined();
  });

  it('absorbs a gap inside a handshake message it skips (e.g. a large ServerKeyExchange)', () => {
    // Prepare: ServerHello, then a ServerKeyExchange (12) of 200 bytes with 50 lost, then ServerHelloDone
    const s = sink();
    const p = new TlsParser(s);
    const ske = handshake(12, new Array<number>(200).fill(3));
    const rec = record(22, ske);
    // Act
    p.feed(0, new Uint8Array(record(22, CH_MSG)));
    p.feed(1, new Uint8Array(record(22, handshake(2, serverHelloBody({ cipher: 0xc02f })))));
    p.feed(1, new Uint8Array(rec.slice(0, 60)));
    p.gap(1, 50);
    p.feed(1, new Uint8Array([...rec.slice(110), ...record(22, handshake(14, []))]));
    // Assess
    expect(s.anomalies).toEqual([]);
    expect(s.out).toHaveLength(1);
    expect(s.out[0]?.version).toBe('TLS 1.2');
  });

  it('absorbs a gap inside a record it skips, but stops at a gap inside a hello (tls.gap)', () => {
    // Prepare
    const s1 = sink();
    const p1 = new TlsParser(s1);
    const appData = record(23, new Array<number>(100).fill(1));
    // Act: server app data with a hole, before the server's handshake (odd but framing-safe)
    p1.feed(0, new Uint8Array(record(22, CH_MSG)));
    p1.feed(1, new Uint8Array(appData.slice(0, 20)));
    p1.gap(1, 30);
    p1.end();
    const s2 = sink();
    const p2 = new TlsParser(s2);
    p2.feed(0, new Uint8Array(record(22, CH_MSG).slice(0, 60)));
    p2.gap(0, 10);
    p2.end();
    // Assess
    expect(s1.anomalies).toEqual([]);
    expect(s2.anomalies).toEqual(['tls.gap/0']);
    expect(s2.out).toEqual([]);
  });
});

