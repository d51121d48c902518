/**
 * Test-only builders for TLS handshake bytes and tiny DER certificates. Each builder mirrors one structure of
 * RFC 8446 / RFC 5280 so tests read as the wire format; the parsers' unit tests round-trip through them.
 */

export function u16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}

export function u24(v: number): number[] {
  return [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
}

export function ascii(s: string): number[] {
  return [...new TextEncoder().encode(s)];
}

export type Ext = [type: number, body: number[]];

export function ext(type: number, body: number[]): Ext {
  return [type, body];
}

export function sniExt(name: string): Ext {
  const n = ascii(name);
  return [0, [...u16(n.length + 3), 0, ...u16(n.length), ...n]];
}

export function alpnExt(names: string[]): Ext {
  const list = names.flatMap((n) => [n.length, ...ascii(n)]);
  return [16, [...u16(list.length), ...list]];
}

export function u16ListExt(type: number, values: number[]): Ext {
  return [type, [...u16(values.length * 2), ...values.flatMap(u16)]];
}

export function supportedVersionsExt(versions: number[]): Ext {
  return [43, [versions.length * 2, ...versions.flatMap(u16)]];
}

export function pointFormatsExt(formats: number[]): Ext {
  return [11, [formats.length, ...formats]];
}

function extBlock(exts: Ext[]): number[] {
  const body = exts.flatMap(([t, b]) => [...u16(t), ...u16(b.length), ...b]);
  return [...u16(body.length), ...body];
}

export interface ClientHelloSpec {
  version?: number;
  sessionId?: number[];
  ciphers: number[];
  exts?: Ext[];
}

/** ClientHello body (no handshake header). */
export function clientHelloBody(h: ClientHelloSpec): number[] {
  const sid = h.sessionId ?? [];
  return [
    ...u16(h.version ?? 0x0303),
    ...new Array<number>(32).fill(0x11),
    sid.length,
    ...sid,
    ...u16(h.ciphers.length * 2),
    ...h.ciphers.flatMap(u16),
    1,
    0,
    ...(h.exts === undefined ? [] : extBlock(h.exts)),
  ];
}

export interface ServerHelloSpec {
  version?: number;
  random?: number[];
  sessionId?: number[];
  cipher: number;
  exts?: Ext[];
}

export function serverHelloBody(h: ServerHelloSpec): number[] {
  const sid = h.sessionId ?? [];
  return [
    ...u16(h.version ?? 0x0303),
    ...(h.random ?? new Array<number>(32).fill(0x22)),
    sid.length,
    ...sid,
    ...u16(h.cipher),
    0,
    ...(h.exts === undefined ? [] : extBlock(h.exts)),
  ];
}

export function handshake(type: number, body: number[]): number[] {
  return [type, ...u24(body.length), ...body];
}

export function record(type: number, fragment: number[], version = 0x0303): number[] {
  return [type, ...u16(version), ...u16(fragment.length), ...fragment];
}

/** Splits handshake bytes over several handshake records of at most `max` bytes each. */
export function records(fragmentBytes: number[], max: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < fragmentBytes.length; i += max) out.push(...record(22, fragmentBytes.slice(i, i + max)));
  return out;
}

// --- DER ---

export function der(tag: number, body: number[]): number[] {
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return [tag, ...len, ...body];
}

export const seq = (...parts: number[][]) => der(0x30, parts.flat());
export const set = (...parts: number[][]) => der(0x31, parts.flat());

export function oidBytes(dotted: string): number[] {
  const p = dotted.split('.').map(Number);
  const out = [(p[0] as number) * 40 + (p[1] as number)];
  for (const v of p.slice(2)) {
    const chunk: number[] = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) chunk.unshift((x & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return der(0x06, out);
}

/** Name from [oid, value, tag?] triples, one RDN each (PrintableString by default). */
export function name(attrs: Array<[string, string, number?]>): number[] {
  return seq(...attrs.map(([o, v, tag]) => set(seq(oidBytes(o), der(tag ?? 0x13, ascii(v))))));
}

export interface CertSpec {
  serial: number[];
  issuer: Array<[string, string, number?]>;
  subject: Array<[string, string, number?]>;
  notBefore: string; // UTCTime text, e.g. 240101000000Z
  notAfter: string; // GeneralizedTime text, e.g. 20350101000000Z
}

/** A structurally valid certificate (the signature is junk: the parser never verifies it). */
export function certificate(c: CertSpec): number[] {
  const sigAlg = seq(oidBytes('1.2.840.113549.1.1.11'), [0x05, 0x00]);
  const tbs = seq(
    der(0xa0, der(0x02, [2])),
    der(0x02, c.serial),
    sigAlg,
    name(c.issuer),
    seq(der(0x17, ascii(c.notBefore)), der(0x18, ascii(c.notAfter))),
    name(c.subject),
    seq(seq(oidBytes('1.2.840.10045.2.1')), der(0x03, [0, 4, 1, 2])),
  );
  return seq(tbs, sigAlg, der(0x03, [0, 0xde, 0xad]));
}

/** TLS ≤ 1.2 Certificate message body: certificate_list<3> of ASN.1Cert<3>. */
export function certificateBody(certs: number[][]): number[] {
  const list = certs.flatMap((c) => [...u24(c.length), ...c]);
  return [...u24(list.length), ...list];
}
