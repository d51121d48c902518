import { Buffer } from 'node:buffer';
import { hash } from 'node:crypto';
import type { AppAnomalyCode } from './anomalies.ts';
import { escapeBytes } from './text.ts';
import type { AnomalyFn, AppSink, Direction, EveTls, StreamParser } from './types.ts';
import { parseCertificate } from './x509.ts';
import type { CertInfo } from './x509.ts';

/*
 * TLS handshake parser (RFC 8446 §4, RFC 5246 §7.4) over the two reassembled directions of one TCP flow, logging
 * one Suricata 8 EVE `tls` object per flow: SNI, versions, ALPN, JA3/JA3S, JA4 and, for TLS ≤ 1.2, the server
 * certificate.
 *
 *   record    = type(1) version(2) length(2) fragment[length]          RFC 8446 §5.1
 *   handshake = msg_type(1) length(3) body[length], split over / packed into records
 *
 * - Records are walked as bytes arrive; only handshake messages that matter (ClientHello, ServerHello, Certificate)
 *   are buffered, up to MAX_TLS_HANDSHAKE; everything else is skipped by length.
 * - A message that is not complete yet is *incomplete* (wait for bytes, nothing reported); one whose fields
 *   contradict its lengths is *malformed* (named anomaly, that message dropped, the record walk goes on).
 * - After ChangeCipherSpec, or after a TLS 1.3 ServerHello on the server side, handshake records are encrypted and
 *   skipped. The record is logged once: after the TLS 1.3 ServerHello, after the ≤ 1.2 Certificate / ServerHelloDone /
 *   server CCS (resumption), when the client starts sending application data without a ServerHello (one-sided
 *   capture), or at gap/end with whatever was seen.
 */

/** RFC 8446 §5.2 / RFC 5246 §6.2.3: a record fragment is at most 2^14 + 2048 bytes. */
export const MAX_TLS_RECORD = 16384 + 2048;
/** Why 128 KiB: certificate chains in the wild stay below 32 KiB; a hello is below 16 KiB. */
export const MAX_TLS_HANDSHAKE = 128 * 1024;

const HS_CLIENT_HELLO = 1;
const HS_SERVER_HELLO = 2;
const HS_CERTIFICATE = 11;
const HS_SERVER_HELLO_DONE = 14;

/** SHA-256("HelloRetryRequest"), the ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3). */
const HRR_RANDOM = [
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11,
  0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/** RFC 8701 GREASE values: 0x?a?a with both bytes equal. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

/** Version names as Suricata logs them (`TLSv1` for 1.0 is Suricata's spelling). */
export function tlsVersionName(v: number): string {
  switch (v) {
    case 0x0002:
      return 'SSLv2';
    case 0x0300:
      return 'SSLv3';
    case 0x0301:
      return 'TLSv1';
    case 0x0302:
      return 'TLS 1.1';
    case 0x0303:
      return 'TLS 1.2';
    case 0x0304:
      return 'TLS 1.3';
  }
  if (v >> 8 === 0x7f) return `TLS 1.3 draft-${v & 0xff}`;
  return 'UNDETERMINED';
}

export interface ClientHelloInfo {
  version: number;
  sessionId: Uint8Array;
  ciphers: number[];
  extensions: number[];
  groups: number[];
  pointFormats: number[];
  sigAlgs: number[];
  supportedVersions: number[];
  sni?: string;
  alpns: string[];
  /** First ALPN value's raw bytes (JA4 uses its first and last byte). */
  firstAlpn?: Uint8Array;
}

export interface ServerHelloInfo {
  version: number;
  /** supported_versions selection when present (TLS 1.3), else the legacy version. */
  selectedVersion: number;
  sessionId: Uint8Array;
  cipher: number;
  extensions: number[];
  alpn?: string;
  helloRetryRequest: boolean;
}

function u16(b: Uint8Array, i: number): number {
  return ((b[i] as number) << 8) | (b[i + 1] as number);
}

function u24(b: Uint8Array, i: number): number {
  return ((b[i] as number) << 16) | ((b[i + 1] as number) << 8) | (b[i + 2] as number);
}

/** Reads a `<len16> u16 list`; null when odd or past stop. */
function u16List(b: Uint8Array, i: number, stop: number): number[] | null {
  if (stop - i < 2) return null;
  const len = u16(b, i);
  if (len % 2 !== 0 || stop - i - 2 < len) return null;
  const out: number[] = [];
  for (let k = i + 2; k < i + 2 + len; k += 2) out.push(u16(b, k));
  return out;
}

/**
 * Parses a ClientHello body (after the 4-byte handshake header) in b[start, stop). Returns null after reporting a
 * malformed fixed part; a broken extension body is reported and skipped (the outer lengths still frame the rest).
 */
export function parseClientHello(b: Uint8Array, start: number, stop: number, onAnomaly: AnomalyFn): ClientHelloInfo | null {
  if (stop - start < 2 + 32 + 1) {
    onAnomaly('tls.hello_len_invalid');
    return null;
  }
  const version = u16(b, start);
  let i = start + 34;
  const sidLen = b[i] as number;
  if (sidLen > 32 || stop - i - 1 < sidLen) {
    onAnomaly('tls.session_id_len_invalid');
    return null;
  }
  const sessionId = b.slice(i + 1, i + 1 + sidLen);
  i += 1 + sidLen;
  const cs = u16List(b, i, stop);
  if (cs === null) {
    onAnomaly('tls.cipher_suites_len_invalid');
    return null;
  }
  i += 2 + cs.length * 2;
  if (stop - i < 1 || stop - i - 1 < (b[i] as number)) {
    onAnomaly('tls.compression_len_invalid');
    return null;
  }
  i += 1 + (b[i] as number);
  const hello: ClientHelloInfo = {
    version,
    sessionId,
    ciphers: cs,
    extensions: [],
    groups: [],
    pointFormats: [],
    sigAlgs: [],
    supportedVersions: [],
    alpns: [],
  };
  if (i === stop) return hello; // no extensions (SSLv3 / old TLS)
  if (stop - i < 2 || stop - i - 2 < u16(b, i)) {
    onAnomaly('tls.extensions_len_invalid');
    return null;
  }
  const extEnd = i + 2 + u16(b, i);
  i += 2;
  while (i < extEnd) {
    if (extEnd - i < 4) {
      onAnomaly('tls.extension_len_invalid');
      return null;
    }
    const type = u16(b, i);
    const len = u16(b, i + 2);
    const v = i + 4;
    if (extEnd - v < len) {
      onAnomaly('tls.extension_len_invalid');
      return null;
    }
    hello.extensions.push(type);
    clientExtension(b, type, v, v + len, hello, onAnomaly);
    i = v + len;
  }
  // Bytes after the extensions block: the handshake length disagrees with the hello (kept: the fields are sound).
  if (extEnd < stop) onAnomaly('tls.handshake_len_invalid');
  return hello;
}

function clientExtension(b: Uint8Array, type: number, v: number, end: number, h: ClientHelloInfo, onAnomaly: AnomalyFn): void {
  switch (type) {
    case 0: {
      // server_name (RFC 6066 §3): list<2> of { type(1), name<2> }; SNI 1-255 bytes
      if (end === v) return; // empty in a ServerHello-style echo; nothing to log
      if (end - v < 2 || u16(b, v) !== end - v - 2) {
        onAnomaly('tls.sni_len_invalid');
        return;
      }
      for (let i = v + 2; i < end; ) {
        if (end - i < 3) {
          onAnomaly('tls.sni_len_invalid');
          return;
        }
        const nt = b[i] as number;
        const nl = u16(b, i + 1);
        if (nl === 0 || nl > 255 || end - i - 3 < nl) {
          onAnomaly('tls.sni_len_invalid');
          return;
        }
        if (nt !== 0) onAnomaly('tls.sni_type_invalid');
        else if (h.sni === undefined) h.sni = escapeBytes(b, i + 3, i + 3 + nl);
        i += 3 + nl;
      }
      return;
    }
    case 10: {
      const l = u16List(b, v, end);
      if (l !== null) h.groups = l;
      return;
    }
    case 11: {
      if (end - v < 1 || (b[v] as number) !== end - v - 1) return;
      for (let i = v + 1; i < end; i++) h.pointFormats.push(b[i] as number);
      return;
    }
    case 13: {
      const l = u16List(b, v, end);
      if (l !== null) h.sigAlgs = l;
      return;
    }
    case 16: {
      // ALPN (RFC 7301 §3.1): list<2> of name<1>, names non-empty
      if (end - v < 2 || u16(b, v) !== end - v - 2) {
        onAnomaly('tls.alpn_len_invalid');
        return;
      }
      for (let i = v + 2; i < end; ) {
        const l = b[i] as number;
        if (l === 0 || end - i - 1 < l) {
          onAnomaly('tls.alpn_len_invalid');
          return;
        }
        if (h.firstAlpn === undefined) h.firstAlpn = b.slice(i + 1, i + 1 + l);
        h.alpns.push(escapeBytes(b, i + 1, i + 1 + l));
        i += 1 + l;
      }
      return;
    }
    case 43: {
      // supported_versions (RFC 8446 §4.2.1), client form: list<1> of u16
      if (end - v < 1 || (b[v] as number) !== end - v - 1 || (end - v - 1) % 2 !== 0) {
        onAnomaly('tls.supported_versions_len_invalid');
        return;
      }
      for (let i = v + 1; i < end; i += 2) h.supportedVersions.push(u16(b, i));
      return;
    }
  }
}

/** Parses a ServerHello body in b[start, stop); null after reporting a malformed one. */
export function parseServerHello(b: Uint8Array, start: number, stop: number, onAnomaly: AnomalyFn): ServerHelloInfo | null {
  if (stop - start < 2 + 32 + 1) {
    onAnomaly('tls.hello_len_invalid');
    return null;
  }
  const version = u16(b, start);
  let hrr = true;
  for (let k = 0; k < 32; k++) if (b[start + 2 + k] !== HRR_RANDOM[k]) hrr = false;
  let i = start + 34;
  const sidLen = b[i] as number;
  if (sidLen > 32 || stop - i - 1 < sidLen) {
    onAnomaly('tls.session_id_len_invalid');
    return null;
  }
  const sessionId = b.slice(i + 1, i + 1 + sidLen);
  i += 1 + sidLen;
  if (stop - i < 3) {
    onAnomaly('tls.hello_truncated');
    return null;
  }
  const hello: ServerHelloInfo = {
    version,
    selectedVersion: version,
    sessionId,
    cipher: u16(b, i),
    extensions: [],
    helloRetryRequest: hrr,
  };
  i += 3; // cipher + compression method
  if (i === stop) return hello;
  if (stop - i < 2 || stop - i - 2 < u16(b, i)) {
    onAnomaly('tls.extensions_len_invalid');
    return null;
  }
  const extEnd = i + 2 + u16(b, i);
  i += 2;
  while (i < extEnd) {
    if (extEnd - i < 4 || extEnd - i - 4 < u16(b, i + 2)) {
      onAnomaly('tls.extension_len_invalid');
      return null;
    }
    const type = u16(b, i);
    const v = i + 4;
    const end = v + u16(b, i + 2);
    hello.extensions.push(type);
    if (type === 43) {
      if (end - v !== 2) onAnomaly('tls.supported_versions_len_invalid');
      else hello.selectedVersion = u16(b, v);
    } else if (type === 16) {
      // Server form: exactly one name
      if (end - v < 3 || u16(b, v) !== end - v - 2 || (b[v + 2] as number) !== end - v - 3 || end - v === 3) {
        onAnomaly('tls.alpn_len_invalid');
      } else hello.alpn = escapeBytes(b, v + 3, end);
    }
    i = end;
  }
  if (extEnd < stop) onAnomaly('tls.handshake_len_invalid');
  return hello;
}

/**
 * Fingerprint memo: the same client and server stacks send the same hellos again and again (that is why JA3/JA4
 * identify them), so each distinct fingerprint input is hashed once. Keyed by the exact input string; bounded (cleared
 * when full) so hostile variety costs memory no more than MEMO_MAX entries.
 */
const MEMO_MAX = 4096;
const ja4Memo = new Map<string, string>();

function memo(m: Map<string, string>, key: string, f: (k: string) => string): string {
  let v = m.get(key);
  if (v === undefined) {
    if (m.size >= MEMO_MAX) m.clear();
    v = f(key);
    m.set(key, v);
  }
  return v;
}

/** One-shot crypto.hash: no Hash object per call (about twice as fast as createHash for short inputs). */
function md5Hex(s: string): string {
  return hash('md5', s, 'hex');
}

function sha12(s: string): string {
  return hash('sha256', s, 'hex').slice(0, 12);
}

/** The values without GREASE, joined by '-' (one string built, no intermediate arrays). */
function joinNoGrease(l: readonly number[]): string {
  let out = '';
  for (let i = 0; i < l.length; i++) {
    const v = l[i] as number;
    if (isGrease(v)) continue;
    out = out === '' ? String(v) : `${out}-${v}`;
  }
  return out;
}

function joinAll(l: readonly number[]): string {
  let out = '';
  for (let i = 0; i < l.length; i++) out = i === 0 ? String(l[i]) : `${out}-${l[i]}`;
  return out;
}

export function ja3String(h: ClientHelloInfo): string {
  return `${h.version},${joinNoGrease(h.ciphers)},${joinNoGrease(h.extensions)},${joinNoGrease(h.groups)},${joinAll(h.pointFormats)}`;
}

export function ja3sString(h: ServerHelloInfo): string {
  return `${h.version},${h.cipher},${joinNoGrease(h.extensions)}`;
}

const JA4_VERSIONS: Readonly<Record<number, string>> = {
  0x0304: '13',
  0x0303: '12',
  0x0302: '11',
  0x0301: '10',
  0x0300: 's3',
  0x0002: 's2',
  0xfeff: 'd1',
  0xfefd: 'd2',
  0xfefc: 'd3',
};

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** JA4 (FoxIO, TLS over TCP): `t13d1516h2_<sha256(ciphers)[:12]>_<sha256(exts_sigalgs)[:12]>`. */
export function ja4(h: ClientHelloInfo, ja3 = ja3String(h)): string {
  // everything JA4 reads, in one key (the JA3 string holds version, ciphers and extensions in order)
  const a = h.firstAlpn;
  const key = `${ja3}|${joinAll(h.supportedVersions)}|${joinAll(h.sigAlgs)}|${a === undefined ? '' : a.join('-')}`;
  return memo(ja4Memo, key, () => ja4Compute(h));
}

function ja4Compute(h: ClientHelloInfo): string {
  const versions = h.supportedVersions.filter((v) => !isGrease(v));
  const top = versions.length > 0 ? Math.max(...versions) : h.version;
  const ver = JA4_VERSIONS[top] ?? '00';
  const ciphers = h.ciphers.filter((v) => !isGrease(v));
  const exts = h.extensions.filter((v) => !isGrease(v));
  const two = (n: number) => String(Math.min(n, 99)).padStart(2, '0');
  let alpn = '00';
  const a = h.firstAlpn;
  if (a !== undefined && a.length > 0) {
    const f = a[0] as number;
    const l = a[a.length - 1] as number;
    alpn = isAlnum(f) && isAlnum(l) ? String.fromCharCode(f, l) : (f >> 4).toString(16) + (l & 0x0f).toString(16);
  }
  const partA = `t${ver}${exts.includes(0) ? 'd' : 'i'}${two(ciphers.length)}${two(exts.length)}${alpn}`;
  const partB = ciphers.length === 0 ? '000000000000' : sha12(ciphers.map(hex4).sort().join(','));
  const sortedExts = exts.filter((v) => v !== 0 && v !== 16).map(hex4).sort();
  const sig = h.sigAlgs.filter((v) => !isGrease(v)).map(hex4);
  // The '_' is kept even without signature algorithms: that is what Suricata 8 hashes (suricata-verify
  // bug-5713-02-ja4, a TLS 1.0 hello, expects ..._ce66f3b797c1 = sha256("0005,000a,...,ff01_")).
  const partC = sortedExts.length === 0 ? '000000000000' : sha12(sortedExts.join(',') + '_' + sig.join(','));
  return `${partA}_${partB}_${partC}`;
}

/**
 * The fingerprints of a ClientHello (JA3 string and hash, JA4), memoised by what they are made of: a numeric hash of
 * the fields without GREASE picks the entry, and an exact comparison of those fields decides, so the JA3 string
 * (hundreds of characters) is built and hashed only on a miss. Bounded like the string memos.
 */
interface ClientPrint {
  version: number;
  /** ciphers, extensions, groups, supported versions, signature algorithms without GREASE; point formats; ALPN bytes. */
  lists: (number[] | null)[];
  ja3: string;
  ja3Hash: string;
  ja4: string;
}

interface ServerPrint {
  version: number;
  cipher: number;
  extensions: number[];
  string: string;
  hash: string;
}

const clientPrints = new Map<number, ClientPrint>();
const serverPrints = new Map<number, ServerPrint>();

function clientLists(h: ClientHelloInfo): readonly (readonly number[] | Uint8Array | undefined)[] {
  return [h.ciphers, h.extensions, h.groups, h.supportedVersions, h.sigAlgs, h.pointFormats, h.firstAlpn];
}

/** Lists 0-4 are compared without GREASE (what the fingerprints read of them), the others whole. */
const GREASE_FREE_LISTS = 5;

function hashList(hv: number, l: readonly number[] | Uint8Array | undefined, noGrease: boolean): number {
  if (l === undefined) return Math.imul(hv ^ 0x5bd1e995, 0x01000193);
  let n = 0;
  for (let i = 0; i < l.length; i++) {
    const v = l[i] as number;
    if (noGrease && isGrease(v)) continue;
    hv = Math.imul(hv ^ v, 0x01000193);
    n++;
  }
  return Math.imul(hv ^ (n + 0x10000), 0x01000193);
}

function sameList(l: readonly number[] | Uint8Array | undefined, kept: readonly number[] | null, noGrease: boolean): boolean {
  if (l === undefined || kept === null) return l === undefined && kept === null;
  let k = 0;
  for (let i = 0; i < l.length; i++) {
    const v = l[i] as number;
    if (noGrease && isGrease(v)) continue;
    if (k >= kept.length || kept[k] !== v) return false;
    k++;
  }
  return k === kept.length;
}

function keptList(l: readonly number[] | Uint8Array | undefined, noGrease: boolean): number[] | null {
  if (l === undefined) return null;
  const out: number[] = [];
  for (let i = 0; i < l.length; i++) {
    const v = l[i] as number;
    if (!(noGrease && isGrease(v))) out.push(v);
  }
  return out;
}

function clientPrint(h: ClientHelloInfo): ClientPrint {
  const lists = clientLists(h);
  let hv = Math.imul(0x811c9dc5 ^ h.version, 0x01000193);
  for (let i = 0; i < lists.length; i++) hv = hashList(hv, lists[i], i < GREASE_FREE_LISTS);
  hv &= 0x3fffffff;
  const hit = clientPrints.get(hv);
  if (hit !== undefined && hit.version === h.version) {
    let same = true;
    for (let i = 0; i < lists.length && same; i++) same = sameList(lists[i], hit.lists[i] ?? null, i < GREASE_FREE_LISTS);
    if (same) return hit;
  }
  const ja3 = ja3String(h);
  const p: ClientPrint = {
    version: h.version,
    lists: lists.map((l, i) => keptList(l, i < GREASE_FREE_LISTS)),
    ja3,
    ja3Hash: md5Hex(ja3),
    ja4: ja4Compute(h),
  };
  if (clientPrints.size >= MEMO_MAX) clientPrints.clear();
  clientPrints.set(hv, p);
  return p;
}

function serverPrint(h: ServerHelloInfo): ServerPrint {
  let hv = Math.imul(0x811c9dc5 ^ h.version, 0x01000193);
  hv = Math.imul(hv ^ h.cipher, 0x01000193);
  hv = hashList(hv, h.extensions, true) & 0x3fffffff;
  const hit = serverPrints.get(hv);
  if (hit !== undefined && hit.version === h.version && hit.cipher === h.cipher && sameList(h.extensions, hit.extensions, true)) return hit;
  const string = ja3sString(h);
  const p: ServerPrint = { version: h.version, cipher: h.cipher, extensions: keptList(h.extensions, true) as number[], string, hash: md5Hex(string) };
  if (serverPrints.size >= MEMO_MAX) serverPrints.clear();
  serverPrints.set(hv, p);
  return p;
}

/**
 * Buffers for kept handshake messages that span chunks (a certificate chain spans segments), reused once the message
 * is parsed: the parsers copy what they keep. A flow that ends mid-message just drops its buffer.
 */
const HS_POOL_BYTES = 16384;
const HS_POOL_MAX = 64;
const hsPool: Uint8Array[] = [];

interface TlsDir {
  /** Record header bytes gathered so far. */
  rh: Uint8Array;
  rhLen: number;
  recType: number;
  /** Bytes of the current record's fragment still to come (0 = expecting a header). */
  recLeft: number;
  /** Handshake header bytes gathered so far (messages may straddle records). */
  hh: Uint8Array;
  hhLen: number;
  hsType: number;
  /** Body bytes still to come for the current handshake message. */
  hsLeft: number;
  /** Buffer for a message we keep (null: the message is skipped). */
  hsBuf: Uint8Array | null;
  hsHave: number;
  encrypted: boolean;
  /** Parsing stopped in this direction (gap, not TLS). */
  stopped: boolean;
}

function newDir(): TlsDir {
  return {
    rh: new Uint8Array(5),
    rhLen: 0,
    recType: 0,
    recLeft: 0,
    hh: new Uint8Array(4),
    hhLen: 0,
    hsType: 0,
    hsLeft: 0,
    hsBuf: null,
    hsHave: 0,
    encrypted: false,
    stopped: false,
  };
}

/** Per-flow TLS parser; see the file comment. */
export class TlsParser implements StreamParser {
  private readonly sink: AppSink;
  private readonly dirs: [TlsDir, TlsDir];
  private client: ClientHelloInfo | null = null;
  private server: ServerHelloInfo | null = null;
  private cert: CertInfo | null = null;
  private serverDir: Direction | null = null;
  private awaitingRetry = false;
  private resumed = false;
  private emitted = false;
  private curDir: Direction = 0;
  private readonly onAnomaly: AnomalyFn = (code) => this.sink.anomaly(code, this.curDir);

  constructor(sink: AppSink) {
    this.sink = sink;
    this.dirs = [newDir(), newDir()];
  }

  feed(dir: Direction, buf: Uint8Array, off = 0, end = buf.length): void {
    const d = this.dirs[dir];
    this.curDir = dir;
    let i = Math.max(0, off);
    const stop = Math.min(end, buf.length);
    while (i < stop && !d.stopped && !this.emitted) {
      if (d.recLeft === 0) {
        // Record header
        const n = Math.min(5 - d.rhLen, stop - i);
        for (let k = 0; k < n; k++) d.rh[d.rhLen + k] = buf[i + k] as number; // ≤ 5 bytes: no subarray view
        d.rhLen += n;
        i += n;
        if (d.rhLen < 5) return;
        d.rhLen = 0;
        if (!this.recordHeader(dir, d)) return;
        continue;
      }
      const n = Math.min(d.recLeft, stop - i);
      if (d.recType === 22 && !d.encrypted) this.handshakeBytes(dir, d, buf, i, i + n);
      d.recLeft -= n;
      i += n;
      if (d.recLeft === 0) this.recordDone(dir, d);
    }
  }

  gap(dir: Direction, len: number): void {
    const d = this.dirs[dir];
    if (d.stopped || this.emitted) return;
    if (len > 0 && d.recLeft >= len && (d.recType !== 22 || d.encrypted || (d.hsBuf === null && d.hhLen === 0 && d.hsLeft >= len))) {
      // The hole is inside a record we only skip: framing survives.
      d.recLeft -= len;
      if (d.recType === 22 && !d.encrypted) d.hsLeft -= len;
      if (d.recLeft === 0) this.recordDone(dir, d);
      return;
    }
    this.curDir = dir;
    this.onAnomaly('tls.gap');
    d.stopped = true;
    if (this.dirs[0].stopped && this.dirs[1].stopped) this.emit();
  }

  end(): void {
    for (const dir of [0, 1] as const) {
      const d = this.dirs[dir];
      if (!this.emitted && !d.stopped && (d.hsBuf !== null || d.hhLen > 0)) {
        this.curDir = dir;
        this.onAnomaly('tls.handshake_incomplete');
      }
    }
    this.emit();
  }

  /** Validates a record header; false (and the direction stopped) when it is not a TLS record. */
  private recordHeader(dir: Direction, d: TlsDir): boolean {
    const type = d.rh[0] as number;
    const len = u16(d.rh, 3);
    let bad: AppAnomalyCode | null = null;
    if (type < 20 || type > 24) bad = 'tls.record_type_invalid';
    else if (d.rh[1] !== 3) bad = 'tls.record_version_invalid';
    else if (len > MAX_TLS_RECORD) bad = 'tls.record_too_large';
    if (bad !== null) {
      this.curDir = dir;
      this.onAnomaly(bad);
      d.stopped = true;
      if (this.dirs[0].stopped && this.dirs[1].stopped) this.emit();
      return false;
    }
    d.recType = type;
    d.recLeft = len;
    if (len === 0) this.recordDone(dir, d);
    return true;
  }

  private recordDone(dir: Direction, d: TlsDir): void {
    if (d.recType === 20) {
      // ChangeCipherSpec: in TLS ≤ 1.2 what follows in this direction is encrypted. In TLS 1.3 it is a no-op
      // sent for middlebox compatibility (RFC 8446 §D.4), also before a second ClientHello after a
      // HelloRetryRequest, so it changes nothing until a ≤ 1.2 ServerHello was seen.
      const s = this.server;
      if (s === null || isTls13(s) || this.awaitingRetry) return;
      if (!d.encrypted && dir === this.serverDir && this.cert === null) this.resumed = true;
      d.encrypted = true;
      if (dir === this.serverDir) this.emit();
    } else if (d.recType === 23) {
      d.encrypted = true;
      if (this.serverDir === null || dir === this.serverDir) this.emit();
    }
  }

  private handshakeBytes(dir: Direction, d: TlsDir, b: Uint8Array, i: number, stop: number): void {
    while (i < stop) {
      if (d.hsLeft === 0 && d.hsBuf === null) {
        const n = Math.min(4 - d.hhLen, stop - i);
        for (let k = 0; k < n; k++) d.hh[d.hhLen + k] = b[i + k] as number; // ≤ 4 bytes: no subarray view
        d.hhLen += n;
        i += n;
        if (d.hhLen < 4) return;
        d.hhLen = 0;
        d.hsType = d.hh[0] as number;
        d.hsLeft = u24(d.hh, 1);
        const keep = d.hsType === HS_CLIENT_HELLO || d.hsType === HS_SERVER_HELLO || d.hsType === HS_CERTIFICATE;
        if (keep && d.hsLeft > MAX_TLS_HANDSHAKE) {
          this.curDir = dir;
          this.onAnomaly('tls.handshake_too_large');
        } else if (keep && d.hsLeft > 0 && stop - i >= d.hsLeft) {
          // the whole message is in this chunk: parse it where it lies (the parsers copy what they keep)
          const end = i + d.hsLeft;
          d.hsLeft = 0;
          this.message(dir, d, b, i, end);
          i = end;
          if (this.emitted || d.encrypted) return;
          continue;
        } else if (keep) {
          d.hsBuf = d.hsLeft <= HS_POOL_BYTES ? (hsPool.pop() ?? new Uint8Array(HS_POOL_BYTES)) : new Uint8Array(d.hsLeft);
          d.hsHave = 0;
        }
        if (d.hsLeft === 0) this.gathered(dir, d);
        continue;
      }
      const n = Math.min(d.hsLeft, stop - i);
      if (d.hsBuf !== null) {
        d.hsBuf.set(b.subarray(i, i + n), d.hsHave);
        d.hsHave += n;
      }
      d.hsLeft -= n;
      i += n;
      if (d.hsLeft === 0) this.gathered(dir, d);
      if (this.emitted || d.encrypted) return;
    }
  }

  /** The message gathered in d.hsBuf (if kept) is whole: parse it, then give the buffer back to the pool. */
  private gathered(dir: Direction, d: TlsDir): void {
    const body = d.hsBuf;
    this.message(dir, d, body, 0, d.hsHave);
    if (body !== null && body.length === HS_POOL_BYTES && hsPool.length < HS_POOL_MAX) hsPool.push(body);
  }

  /** A whole handshake message is in body[start, stop) (body null: it was skipped). */
  private message(dir: Direction, d: TlsDir, body: Uint8Array | null, start: number, stop: number): void {
    d.hsBuf = null;
    this.curDir = dir;
    switch (d.hsType) {
      case HS_CLIENT_HELLO: {
        if (body === null) return;
        if (this.client !== null && !this.awaitingRetry) {
          this.onAnomaly('tls.duplicate_client_hello');
          return;
        }
        const h = parseClientHello(body, start, stop, this.onAnomaly);
        // After a HelloRetryRequest the fingerprints stay those of the first ClientHello (as Suricata logs them).
        if (h !== null && this.client === null) this.client = h;
        this.awaitingRetry = false;
        return;
      }
      case HS_SERVER_HELLO: {
        if (body === null) return;
        const h = parseServerHello(body, start, stop, this.onAnomaly);
        if (h === null) return;
        this.serverDir = dir;
        if (h.helloRetryRequest) {
          this.awaitingRetry = true;
          return;
        }
        this.server = h;
        if (isTls13(h)) {
          // Everything after the TLS 1.3 ServerHello is encrypted: nothing more to learn.
          d.encrypted = true;
          this.emit();
        }
        return;
      }
      case HS_CERTIFICATE:
        if (body !== null && this.cert === null) this.certificate(body, start, stop);
        if (this.server !== null) this.emit();
        return;
      case HS_SERVER_HELLO_DONE:
        this.emit();
        return;
    }
  }

  /** TLS ≤ 1.2 Certificate: list<3> of cert<3>; the first one is the server's. */
  private certificate(b: Uint8Array, start: number, stop: number): void {
    const n = stop - start;
    if (n < 3 || u24(b, start) !== n - 3) {
      this.onAnomaly('tls.certificate_len_invalid');
      return;
    }
    if (n === 3) return; // empty list
    if (n < 6 || u24(b, start + 3) > n - 6) {
      this.onAnomaly('tls.certificate_len_invalid');
      return;
    }
    const len = u24(b, start + 3);
    const info = cachedCertificate(b, start + 6, start + 6 + len);
    if (info === null) this.onAnomaly('tls.certificate_invalid');
    else this.cert = info;
  }

  /** Logs the flow's TLS record once, with what was seen. */
  private emit(): void {
    if (this.emitted) return;
    const c = this.client;
    const s = this.server;
    if (c === null && s === null && this.cert === null) return;
    this.emitted = true;
    const tls = {} as EveTls;
    // Key order as Suricata 8 writes it.
    if (this.cert !== null) {
      tls.subject = this.cert.subject;
      tls.issuerdn = this.cert.issuerdn;
      tls.serial = this.cert.serial;
      tls.fingerprint = this.cert.fingerprint;
    }
    if (c?.sni !== undefined) tls.sni = c.sni;
    // Without a ServerHello (one-sided capture) Suricata logs the ClientHello's legacy version.
    tls.version = tlsVersionName(s !== null ? s.selectedVersion : (c?.version ?? 0));
    if (this.cert !== null) {
      tls.notbefore = this.cert.notbefore;
      tls.notafter = this.cert.notafter;
    }
    if (this.resumed) tls.session_resumed = true;
    const cp = c !== null ? clientPrint(c) : null;
    if (cp !== null) tls.ja3 = { hash: cp.ja3Hash, string: cp.ja3 };
    if (s !== null) {
      const sp = serverPrint(s);
      tls.ja3s = { hash: sp.hash, string: sp.string };
    }
    if (cp !== null) tls.ja4 = cp.ja4;
    if (c !== null && c.alpns.length > 0) tls.client_alpns = c.alpns;
    if (s?.alpn !== undefined) tls.server_alpns = [s.alpn];
    const alpn = s?.alpn ?? (s === null ? c?.alpns[0] : undefined);
    if (alpn !== undefined) tls.alpn = alpn;
    this.sink.tls(tls);
  }
}

/**
 * Servers present the same certificate to every client: parse (and SHA-1) each distinct DER once. Keyed by an FNV-1a
 * hash of sampled bytes and confirmed by comparing every byte, so a collision can only cost a re-parse, never a wrong
 * record; bounded like the fingerprint memo.
 */
const certMemo = new Map<number, { der: Uint8Array; info: CertInfo | null }>();

function cachedCertificate(b: Uint8Array, start: number, stop: number): CertInfo | null {
  // the key samples 64 bytes spread over the DER (the signature at its end differs between any two certificates);
  // the full comparison (sameBytes) is what decides
  const len = stop - start;
  let h = 0x811c9dc5 ^ len;
  const step = len > 64 ? Math.floor(len / 64) : 1;
  for (let i = stop - 1; i >= start; i -= step) h = Math.imul(h ^ (b[i] as number), 0x01000193);
  h &= 0x3fffffff;
  const hit = certMemo.get(h);
  if (hit !== undefined && sameBytes(hit.der, b, start, len)) return hit.info;
  const info = parseCertificate(b, start, stop);
  if (certMemo.size >= MEMO_MAX) certMemo.clear();
  certMemo.set(h, { der: b.slice(start, stop), info });
  return info;
}

function sameBytes(a: Uint8Array, b: Uint8Array, start: number, len: number): boolean {
  if (a.length !== len) return false;
  // memcmp: a certificate is kilobytes, a JavaScript loop over it costs microseconds
  return Buffer.compare(a, b.subarray(start, start + len)) === 0;
}

function isTls13(s: ServerHelloInfo | null): boolean {
  if (s === null) return false;
  return s.selectedVersion === 0x0304 || s.selectedVersion >> 8 === 0x7f;
}
