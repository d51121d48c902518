import type { AppAnomalyCode } from './anomalies.ts';
import { escapeBytes, hex2 } from './text.ts';
import type { AnomalyFn, AppSink, Direction, EveDns, EveDnsAnswer, EveDnsQuery, StreamParser } from './types.ts';

/*
 * DNS message decoder (RFC 1035 §4.1) into Suricata 8's EVE DNS version 3 object, and a DNS-over-TCP framer
 * (RFC 1035 §4.2.2 / RFC 7766: every message is prefixed with a 2-byte length).
 *
 *                                 1  1  1  1  1  1
 *   0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                      ID                       |
 * |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
 * |                    QDCOUNT                    |
 * |                    ANCOUNT                    |
 * |                    NSCOUNT                    |
 * |                    ARCOUNT                    |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *
 * Names: labels (length 1-63) ending in a zero byte, or a 2-byte compression pointer (top bits 11, RFC 1035 §4.1.4).
 * Pointers are accepted only backwards and with strictly decreasing targets (dns-packet's rule, made strict), so a
 * name can never loop; labels 0x40/0x80 (RFC 6891 §5 extended types) are rejected.
 *
 * Deliberate difference from Suricata 8: Suricata follows forward pointers (suricata-verify dns-forward-pointer);
 * we flag `dns.pointer_forward` and stop at that name, because a forward pointer is never produced by a real
 * encoder and is the building block of pointer-loop and decompression-bomb attacks.
 *
 * Malformed input never throws: the decoder reports an anomaly and returns what it decoded before the problem.
 */

export const DNS_HEADER_LEN = 12;
/** RFC 1035 §2.3.4: a label is at most 63 octets. */
export const MAX_DNS_LABEL = 63;
/** RFC 1035 §2.3.4: a name is at most 255 octets on the wire (length bytes included). */
export const MAX_DNS_NAME = 255;
/** Why 32: real encoders chain two or three pointers per name; decreasing targets already bound the walk. */
export const MAX_DNS_POINTERS = 32;
/** Why 512: a 64 KiB message cannot hold more useful records; caps the work and the record size. */
export const MAX_DNS_RECORDS = 512;

/** IANA DNS RR TYPEs (names as Suricata logs them); anything else logs as its decimal number. */
const RRTYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'A', 2: 'NS', 3: 'MD', 4: 'MF', 5: 'CNAME', 6: 'SOA', 7: 'MB', 8: 'MG', 9: 'MR', 10: 'NULL', 11: 'WKS',
  12: 'PTR', 13: 'HINFO', 14: 'MINFO', 15: 'MX', 16: 'TXT', 17: 'RP', 18: 'AFSDB', 19: 'X25', 20: 'ISDN', 21: 'RT',
  22: 'NSAP', 23: 'NSAPPTR', 24: 'SIG', 25: 'KEY', 26: 'PX', 27: 'GPOS', 28: 'AAAA', 29: 'LOC', 30: 'NXT', 33: 'SRV',
  35: 'NAPTR', 36: 'KX', 37: 'CERT', 38: 'A6', 39: 'DNAME', 41: 'OPT', 42: 'APL', 43: 'DS', 44: 'SSHFP',
  45: 'IPSECKEY', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 49: 'DHCID', 50: 'NSEC3', 51: 'NSEC3PARAM', 52: 'TLSA',
  55: 'HIP', 59: 'CDS', 60: 'CDNSKEY', 61: 'OPENPGPKEY', 62: 'CSYNC', 63: 'ZONEMD', 64: 'SVCB', 65: 'HTTPS',
  99: 'SPF', 108: 'EUI48', 109: 'EUI64', 249: 'TKEY', 250: 'TSIG', 251: 'IXFR', 252: 'AXFR', 255: 'ANY', 256: 'URI',
  257: 'CAA', 32768: 'TA', 32769: 'DLV',
};

const RCODE_NAMES: readonly string[] = [
  'NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH',
  'NOTZONE',
];

/** RFC 6895 §2.2 assigned opcodes: QUERY, IQUERY (obsolete), STATUS, NOTIFY, UPDATE, DSO. */
const VALID_OPCODES = new Set([0, 1, 2, 4, 5, 6]);

/** SvcParamKeys (RFC 9460 §14.3.2) for HTTPS/SVCB presentation format. */
const SVC_KEYS: readonly string[] = ['mandatory', 'alpn', 'no-default-alpn', 'port', 'ipv4hint', 'ech', 'ipv6hint'];

/** The names as a dense array for the common types (the object above has sparse keys: a dictionary lookup). */
const RRTYPE_TABLE: readonly (string | undefined)[] = Array.from({ length: 258 }, (_, t) => RRTYPE_NAMES[t]);

export function rrtypeName(t: number): string {
  if (t >= 0 && t < 258) {
    const n = RRTYPE_TABLE[t];
    if (n !== undefined) return n;
  }
  return RRTYPE_NAMES[t] ?? String(t);
}

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? String(rcode);
}

function u16(b: Uint8Array, i: number): number {
  return ((b[i] as number) << 8) | (b[i + 1] as number);
}

function u32(b: Uint8Array, i: number): number {
  return (((b[i] as number) << 24) | ((b[i + 1] as number) << 16) | ((b[i + 2] as number) << 8) | (b[i + 3] as number)) >>> 0;
}

/** Result of reading one name: the text, where the name ends on the wire (-1 = unusable), and a truncation flag. */
interface NameOut {
  name: string;
  next: number;
  truncated: boolean;
}

/**
 * Name texts by their bytes: a capture asks for the same names again and again (the answers of a response name its
 * question through a pointer), so each distinct name is escaped into a string once. Direct-mapped by an FNV-1a hash
 * of the bytes and confirmed by comparing them, so a collision only costs a rebuild.
 */
const NAME_CACHE_SLOTS = 4096;
const nameCacheBytes: (Uint8Array | null)[] = new Array<Uint8Array | null>(NAME_CACHE_SLOTS).fill(null);
const nameCacheText: string[] = new Array<string>(NAME_CACHE_SLOTS).fill('');
/** The text bytes of the name being read: at most 255 bytes of labels and dots (the text stops growing past that). */
const nameBytes = new Uint8Array(512);

/** The text of nameBytes[0, n); `h` is the FNV-1a hash of those bytes, made while they were gathered. */
function nameText(n: number, h: number): string {
  if (n === 0) return '';
  h = Math.imul(h ^ n, 0x01000193);
  const slot = (h >>> 0) & (NAME_CACHE_SLOTS - 1);
  const k = nameCacheBytes[slot];
  if (k !== null && k !== undefined && k.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (k[i] !== nameBytes[i]) {
        same = false;
        break;
      }
    }
    if (same) return nameCacheText[slot] as string;
  }
  const text = escapeBytes(nameBytes, 0, n);
  nameCacheBytes[slot] = nameBytes.slice(0, n);
  nameCacheText[slot] = text;
  return text;
}

/**
 * Reads a (possibly compressed) name starting at `pos`. `base` is the message start (pointers are relative to it),
 * `end` the message end. Returns next = -1 after reporting an anomaly when the name cannot be delimited.
 */
function readName(b: Uint8Array, base: number, pos: number, end: number, out: NameOut, onAnomaly: AnomalyFn): void {
  // the text's bytes (labels joined by '.') gather in `nameBytes`; the string is made once, at the end
  let n = 0;
  let h = 0x811c9dc5;
  let wireLen = 1; // the final zero byte
  let pointers = 0;
  let next = -1; // wire end of the name in the original position, fixed at the first pointer
  let lastTarget = Number.MAX_SAFE_INTEGER;
  let truncated = false;
  let i = pos;
  out.truncated = false;
  for (;;) {
    if (i >= end) {
      onAnomaly('dns.truncated');
      out.name = nameText(n, h);
      out.next = -1;
      return;
    }
    const len = b[i] as number;
    if (len === 0) {
      if (next < 0) next = i + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (end - i < 2) {
        onAnomaly('dns.truncated');
        out.name = nameText(n, h);
        out.next = -1;
        return;
      }
      const target = base + (u16(b, i) & 0x3fff);
      if (next < 0) {
        next = i + 2;
        if (truncated) break;
      }
      if (target === i || target >= lastTarget) {
        onAnomaly('dns.pointer_loop');
        out.name = nameText(n, h);
        out.next = -1;
        return;
      }
      if (target > i) {
        onAnomaly('dns.pointer_forward');
        out.name = nameText(n, h);
        out.next = -1;
        return;
      }
      if (++pointers > MAX_DNS_POINTERS) {
        onAnomaly('dns.too_many_pointers');
        out.name = nameText(n, h);
        out.next = -1;
        return;
      }
      lastTarget = target;
      i = target;
      continue;
    }
    if (kind !== 0) {
      onAnomaly('dns.label_type_invalid');
      out.name = nameText(n, h);
      out.next = -1;
      return;
    }
    // kind 0: len is 1..63 by construction (6 bits)
    if (end - i - 1 < len) {
      onAnomaly('dns.truncated');
      out.name = nameText(n, h);
      out.next = -1;
      return;
    }
    wireLen += len + 1;
    if (wireLen > MAX_DNS_NAME && !truncated) {
      // Stop growing the text (Suricata's rrname_truncated). The wire end is still needed: it is already known
      // once a pointer was followed; otherwise keep walking the labels in place (linear, bounded by the message).
      truncated = true;
      onAnomaly('dns.name_too_long');
      if (next >= 0) break;
    }
    if (!truncated) {
      if (n > 0) {
        nameBytes[n++] = 0x2e;
        h = Math.imul(h ^ 0x2e, 0x01000193);
      }
      for (let k = i + 1; k <= i + len; k++) {
        const c = b[k] as number;
        nameBytes[n++] = c;
        h = Math.imul(h ^ c, 0x01000193);
      }
    }
    i += 1 + len;
  }
  out.name = nameText(n, h);
  out.next = next;
  out.truncated = truncated;
}

function ipv4(b: Uint8Array, i: number): string {
  return `${b[i]}.${b[i + 1]}.${b[i + 2]}.${b[i + 3]}`;
}

/** IPv6 as Suricata logs it: eight groups of four lowercase hex digits, no `::` compression. */
function ipv6Full(b: Uint8Array, i: number): string {
  let s = '';
  for (let g = 0; g < 8; g++) {
    const v = u16(b, i + 2 * g);
    if (g > 0) s += ':';
    s += v.toString(16).padStart(4, '0');
  }
  return s;
}

/** IPv6 in RFC 5952 text (for SVCB ipv6hint presentation). */
function ipv6Short(b: Uint8Array, i: number): string {
  const groups: number[] = [];
  for (let g = 0; g < 8; g++) groups.push(u16(b, i + 2 * g));
  let bestStart = -1;
  let bestLen = 0;
  for (let g = 0; g < 8; ) {
    if (groups[g] !== 0) {
      g++;
      continue;
    }
    let k = g;
    while (k < 8 && groups[k] === 0) k++;
    if (k - g > bestLen && k - g > 1) {
      bestStart = g;
      bestLen = k - g;
    }
    g = k;
  }
  const hex = groups.map((v) => v.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function colonHex(b: Uint8Array, start: number, stop: number): string {
  let s = '';
  for (let i = start; i < stop; i++) s += (i > start ? ':' : '') + hex2(b[i] as number);
  return s;
}

/** HTTPS/SVCB rdata (RFC 9460 §2.2) in presentation format: `priority target key=value ...`. */
function svcbRdata(b: Uint8Array, base: number, start: number, stop: number, onAnomaly: AnomalyFn): string | null {
  if (stop - start < 3) return null;
  const priority = u16(b, start);
  const nameOut: NameOut = { name: '', next: -1, truncated: false };
  // SVCB target names are not compressed (RFC 9460 §2.2); readName still enforces backward-only pointers.
  readName(b, base, start + 2, stop, nameOut, onAnomaly);
  if (nameOut.next < 0) return null;
  let s = `${priority} ${nameOut.name === '' ? '.' : nameOut.name}`;
  let i = nameOut.next;
  while (i < stop) {
    if (stop - i < 4) return null;
    const key = u16(b, i);
    const len = u16(b, i + 2);
    i += 4;
    if (stop - i < len) return null;
    const v = i;
    const vEnd = i + len;
    const keyName = SVC_KEYS[key] ?? `key${key}`;
    let value = '';
    if (key === 1) {
      const ids: string[] = [];
      for (let j = v; j < vEnd; ) {
        const l = b[j] as number;
        if (l === 0 || vEnd - j - 1 < l) return null;
        ids.push(escapeBytes(b, j + 1, j + 1 + l));
        j += 1 + l;
      }
      value = ids.join(',');
    } else if (key === 3 && len === 2) {
      value = String(u16(b, v));
    } else if (key === 4 && len % 4 === 0) {
      const a: string[] = [];
      for (let j = v; j < vEnd; j += 4) a.push(ipv4(b, j));
      value = a.join(',');
    } else if (key === 6 && len % 16 === 0) {
      const a: string[] = [];
      for (let j = v; j < vEnd; j += 16) a.push(ipv6Short(b, j));
      value = a.join(',');
    } else if (key === 0 && len % 2 === 0) {
      const a: string[] = [];
      for (let j = v; j < vEnd; j += 2) a.push(SVC_KEYS[u16(b, j)] ?? `key${u16(b, j)}`);
      value = a.join(',');
    } else if (key === 5) {
      value = btoa(String.fromCharCode(...b.subarray(v, vEnd)));
    } else if (len > 0) {
      value = escapeBytes(b, v, vEnd);
    }
    s += len > 0 || key === 1 ? ` ${keyName}=${value}` : ` ${keyName}`;
    i = vEnd;
  }
  return s;
}

/**
 * Decodes one resource record's RDATA into `rr` (rdata / soa / srv / sshfp), or pushes extra entries (TXT: one per
 * character-string, as Suricata 8 logs them). Returns false after reporting an anomaly.
 */
function decodeRdata(
  b: Uint8Array,
  base: number,
  type: number,
  start: number,
  stop: number,
  rr: EveDnsAnswer,
  list: EveDnsAnswer[],
  onAnomaly: AnomalyFn,
): boolean {
  const len = stop - start;
  const nameOut = rdataName;
  switch (type) {
    case 1: // A
      if (len !== 4) return bad(onAnomaly);
      rr.rdata = ipv4(b, start);
      list.push(rr);
      return true;
    case 28: // AAAA
      if (len !== 16) return bad(onAnomaly);
      rr.rdata = ipv6Full(b, start);
      list.push(rr);
      return true;
    case 2: // NS
    case 5: // CNAME
    case 12: // PTR
    case 39: // DNAME
      readName(b, base, start, stop, nameOut, onAnomaly);
      if (nameOut.next < 0) return false;
      rr.rdata = nameOut.name;
      list.push(rr);
      return true;
    case 15: // MX: preference + exchange; Suricata logs the exchange name
      if (len < 3) return bad(onAnomaly);
      readName(b, base, start + 2, stop, nameOut, onAnomaly);
      if (nameOut.next < 0) return false;
      rr.rdata = nameOut.name;
      list.push(rr);
      return true;
    case 16: // TXT
    case 99: {
      // SPF: one or more <character-string>s; Suricata 8 logs each as its own answer entry
      if (len < 1) return bad(onAnomaly);
      let first = true;
      for (let i = start; i < stop; ) {
        const l = b[i] as number;
        if (stop - i - 1 < l) return bad(onAnomaly);
        const entry: EveDnsAnswer = first ? rr : { rrname: rr.rrname, rrtype: rr.rrtype, ttl: rr.ttl };
        entry.rdata = escapeBytes(b, i + 1, i + 1 + l);
        list.push(entry);
        first = false;
        i += 1 + l;
      }
      return true;
    }
    case 6: {
      // SOA
      readName(b, base, start, stop, nameOut, onAnomaly);
      if (nameOut.next < 0) return false;
      const mname = nameOut.name;
      readName(b, base, nameOut.next, stop, nameOut, onAnomaly);
      if (nameOut.next < 0) return false;
      if (stop - nameOut.next !== 20) return bad(onAnomaly);
      const p = nameOut.next;
      rr.soa = {
        mname,
        rname: nameOut.name,
        serial: u32(b, p),
        refresh: u32(b, p + 4),
        retry: u32(b, p + 8),
        expire: u32(b, p + 12),
        minimum: u32(b, p + 16),
      };
      list.push(rr);
      return true;
    }
    case 33: {
      // SRV (RFC 2782): priority, weight, port, target
      if (len < 7) return bad(onAnomaly);
      readName(b, base, start + 6, stop, nameOut, onAnomaly);
      if (nameOut.next < 0) return false;
      rr.srv = { priority: u16(b, start), weight: u16(b, start + 2), port: u16(b, start + 4), name: nameOut.name };
      list.push(rr);
      return true;
    }
    case 44: // SSHFP (RFC 4255): algorithm, fp type, fingerprint
      if (len < 2) return bad(onAnomaly);
      rr.sshfp = { algo: b[start] as number, type: b[start + 1] as number, fingerprint: colonHex(b, start + 2, stop) };
      list.push(rr);
      return true;
    case 64: // SVCB
    case 65: {
      // HTTPS
      const s = svcbRdata(b, base, start, stop, onAnomaly);
      if (s === null) return bad(onAnomaly);
      rr.rdata = s;
      list.push(rr);
      return true;
    }
    case 10: // NULL: raw bytes, escaped like Suricata
      rr.rdata = escapeBytes(b, start, stop);
      list.push(rr);
      return true;
    default:
      // Other types (OPT, DNSSEC, ...) are logged by name and TTL only, as Suricata does.
      list.push(rr);
      return true;
  }
}

function bad(onAnomaly: AnomalyFn): false {
  onAnomaly('dns.rdata_len_invalid');
  return false;
}

const noop: AnomalyFn = () => {};

/** readName's results, reused (decoding never re-enters): one for the message walk, one for names inside RDATA. */
const messageName: NameOut = { name: '', next: -1, truncated: false };
const rdataName: NameOut = { name: '', next: -1, truncated: false };

/** The flags field in hex, made once per distinct value (a capture uses a handful). */
const flagsText: string[] = [];

function flagsHex(flags: number): string {
  return (flagsText[flags] ??= flags.toString(16));
}

/**
 * Decodes one DNS message in `buf[off, end)` (a UDP payload, or a TCP message without its length prefix).
 * Returns the EVE DNS v3 object, or null when not even the 12-byte header is there. A problem later in the message
 * is reported through `onAnomaly` and the object holds what was decoded before it (Suricata logs partial messages
 * the same way, e.g. suricata-verify dns-corrupt-additionals).
 */
export function decodeDns(buf: Uint8Array, off: number, end: number, report: AnomalyFn = noop): EveDns | null {
  // Each code at most once per message: 500 over-long names are one problem, not 500 records.
  let seen: AppAnomalyCode[] | null = null;
  const onAnomaly: AnomalyFn = (code) => {
    if (seen === null) seen = [];
    else if (seen.includes(code)) return;
    seen.push(code);
    report(code);
  };
  if (off < 0 || end > buf.length || end - off < DNS_HEADER_LEN) {
    onAnomaly('dns.header_too_small');
    return null;
  }
  const flags = u16(buf, off + 2);
  const qr = (flags & 0x8000) !== 0;
  const opcode = (flags >> 11) & 0xf;
  // Key order follows Suricata's log.rs so records diff cleanly against Suricata output. Keys are only ever added,
  // in that order (never deleted: a delete turns the object into a slow dictionary for JSON.stringify).
  // The usual header flags (a recursive query, its answer, an authoritative answer) get their keys in one literal,
  // in the same order as the general path below; AD and CD (0x0030) and RCODE (0x000f) make no key.
  const keyFlags = flags & 0xffc0;
  let dns: EveDns;
  if (keyFlags === 0x0100) {
    dns = { version: 3, type: 'request', id: u16(buf, off), flags: flagsHex(flags), rd: true, rcode: rcodeName(flags & 0xf) } as EveDns;
  } else if (keyFlags === 0x8180) {
    dns = { version: 3, type: 'response', id: u16(buf, off), flags: flagsHex(flags), qr: true, rd: true, ra: true, rcode: rcodeName(flags & 0xf) } as EveDns;
  } else if (keyFlags === 0x8580) {
    dns = { version: 3, type: 'response', id: u16(buf, off), flags: flagsHex(flags), qr: true, aa: true, rd: true, ra: true, rcode: rcodeName(flags & 0xf) } as EveDns;
  } else {
    dns = {
      version: 3,
      type: qr ? 'response' : 'request',
      id: u16(buf, off),
      flags: flagsHex(flags),
    } as EveDns;
    if (qr) dns.qr = true;
    if (flags & 0x0400) dns.aa = true;
    if (flags & 0x0200) dns.tc = true;
    if (flags & 0x0100) dns.rd = true;
    if (flags & 0x0080) dns.ra = true;
    if (flags & 0x0040) {
      dns.z = true;
      onAnomaly('dns.z_flag_set');
    }
    if (opcode !== 0) dns.opcode = opcode;
    if (!VALID_OPCODES.has(opcode)) onAnomaly('dns.opcode_invalid');
    dns.rcode = rcodeName(flags & 0xf);
  }

  let budget = MAX_DNS_RECORDS;
  let pos = off + DNS_HEADER_LEN;
  const nameOut = messageName;

  const queries: EveDnsQuery[] = [];
  // sections are attached by finish(), non-empty ones only, in this order
  const lists: [EveDnsAnswer[] | null, EveDnsAnswer[] | null, EveDnsAnswer[] | null] = [null, null, null];
  const qdCount = u16(buf, off + 4);
  for (let q = 0; q < qdCount; q++) {
    if (budget-- <= 0) {
      onAnomaly('dns.too_many_records');
      return finishDns(dns, queries, lists);
    }
    readName(buf, off, pos, end, nameOut, onAnomaly);
    if (nameOut.next < 0) return finishDns(dns, queries, lists);
    if (end - nameOut.next < 4) {
      onAnomaly('dns.truncated');
      return finishDns(dns, queries, lists);
    }
    const query: EveDnsQuery = { rrname: nameOut.name, rrtype: rrtypeName(u16(buf, nameOut.next)) };
    if (nameOut.truncated) query.rrname_truncated = true;
    queries.push(query);
    pos = nameOut.next + 4;
  }
  if (!qr) return finishDns(dns, queries, lists);

  for (let s = 0; s < 3; s++) {
    const n = u16(buf, off + 6 + 2 * s); // ANCOUNT, NSCOUNT, ARCOUNT
    if (n === 0) continue;
    const list: EveDnsAnswer[] = [];
    lists[s] = list;
    for (let k = 0; k < n; k++) {
      if (budget-- <= 0) {
        onAnomaly('dns.too_many_records');
        return finishDns(dns, queries, lists);
      }
      readName(buf, off, pos, end, nameOut, onAnomaly);
      if (nameOut.next < 0) return finishDns(dns, queries, lists);
      const p = nameOut.next;
      if (end - p < 10) {
        onAnomaly('dns.truncated');
        return finishDns(dns, queries, lists);
      }
      const type = u16(buf, p);
      const ttl = u32(buf, p + 4);
      const rdlen = u16(buf, p + 8);
      const rstart = p + 10;
      if (end - rstart < rdlen) {
        onAnomaly('dns.truncated');
        return finishDns(dns, queries, lists);
      }
      const rr: EveDnsAnswer = { rrname: nameOut.name, rrtype: rrtypeName(type), ttl };
      if (nameOut.truncated) rr.rrname_truncated = true;
      // A bad RDATA spoils only this record: its length is known, so the next record is still found.
      decodeRdata(buf, off, type, rstart, rstart + rdlen, rr, list, onAnomaly);
      pos = rstart + rdlen;
    }
  }
  if (pos < end) onAnomaly('dns.trailing_data');
  return finishDns(dns, queries, lists);
}

/**
 * Attaches the non-empty sections (queries, answers, authorities, additionals) and Suricata 8's `grouped` view of
 * answers (detailed + grouped is its default).
 */
function finishDns(dns: EveDns, queries: EveDnsQuery[], lists: readonly (EveDnsAnswer[] | null)[]): EveDns {
  if (queries.length > 0) dns.queries = queries;
  const [answers, authorities, additionals] = lists;
  if (answers && answers.length > 0) dns.answers = answers;
  if (authorities && authorities.length > 0) dns.authorities = authorities;
  if (additionals && additionals.length > 0) dns.additionals = additionals;
  if (dns.answers !== undefined) {
    const grouped: Record<string, unknown[]> = {};
    let any = false;
    for (const a of dns.answers) {
      const v = a.rdata ?? a.soa ?? a.srv ?? a.sshfp;
      if (v === undefined) continue;
      (grouped[a.rrtype] ??= []).push(v);
      any = true;
    }
    if (any) dns.grouped = grouped;
  }
  return dns;
}

/**
 * Content probe for a UDP payload or TCP message on a port that is not 53: plausible header (opcode assigned,
 * at least one question, counts that fit the size) and a first question whose name and class decode cleanly.
 */
export function looksLikeDns(buf: Uint8Array, off: number, end: number): boolean {
  return probeDns(buf, off, end, end) === 'yes';
}

/**
 * Content probe for the first bytes of a TCP direction: a 2-byte length (≥ 17) and a DNS message that looks like
 * `looksLikeDns`; 'more' while the header and first question are not all there yet.
 */
export function probeDnsTcp(buf: Uint8Array, off: number, end: number): 'yes' | 'no' | 'more' {
  if (end - off < 2) return 'more';
  const len = u16(buf, off);
  if (len < DNS_HEADER_LEN + 5) return 'no';
  return probeDns(buf, off + 2, Math.min(end, off + 2 + len), off + 2 + len);
}

/** `avail` is where the bytes we have end; `declared` where the message ends (≥ avail). */
function probeDns(buf: Uint8Array, off: number, avail: number, declared: number): 'yes' | 'no' | 'more' {
  const end = declared;
  if (off < 0 || avail > buf.length || end - off < DNS_HEADER_LEN + 5) return 'no';
  if (avail - off < DNS_HEADER_LEN) return 'more';
  const flags = u16(buf, off + 2);
  if (!VALID_OPCODES.has((flags >> 11) & 0xf)) return 'no';
  const qd = u16(buf, off + 4);
  // No upper bound on questions beyond "they fit": the size check below already rejects random bytes.
  if (qd < 1) return 'no';
  const rrs = u16(buf, off + 6) + u16(buf, off + 8) + u16(buf, off + 10);
  // Every RR takes at least 11 bytes, every question at least 5.
  if (qd * 5 + rrs * 11 > end - off - DNS_HEADER_LEN) return 'no';
  let bad: AppAnomalyCode | null = null;
  const nameOut: NameOut = { name: '', next: -1, truncated: false };
  readName(buf, off, off + DNS_HEADER_LEN, avail, nameOut, (code) => {
    // An over-long name is still DNS (logged cut, with rrname_truncated); structure errors are not.
    if (code !== 'dns.name_too_long') bad ??= code;
  });
  if (bad === 'dns.truncated' && avail < declared) return 'more';
  if (bad !== null || nameOut.next < 0) return 'no';
  if (avail - nameOut.next < 4) return avail < declared ? 'more' : 'no';
  const qclass = u16(buf, nameOut.next + 2);
  // IN, CH, HS, NONE, ANY, or mDNS's unicast-response bit on IN.
  const ok = qclass === 1 || qclass === 3 || qclass === 4 || qclass === 254 || qclass === 255 || qclass === 0x8001;
  return ok ? 'yes' : 'no';
}

/** Why 65535 + 2: the TCP length prefix is 16 bits, so one message never needs more. */
const MAX_TCP_MESSAGE = 0xffff;

interface TcpDir {
  /** Bytes of the current frame (prefix included) gathered so far. */
  buf: Uint8Array;
  have: number;
  /** Message length from the prefix, or -1 while the prefix is incomplete. */
  need: number;
  /** After a gap inside a frame: bytes still to skip to reach the next prefix; -1 = framing lost for good. */
  skip: number;
  lost: boolean;
}

/**
 * DNS over TCP (RFC 7766 §8): each direction is a sequence of 2-byte-length-prefixed messages, possibly several in
 * one segment or one split across many. Each complete message goes to `decodeDns` and then to the sink. A gap whose
 * size is known and falls inside the current message drops that message and keeps the framing; any other gap loses
 * the framing and the direction is ignored from then on (`dns.tcp_gap`).
 */
export class DnsTcpParser implements StreamParser {
  private readonly sink: AppSink;
  private readonly dirs: [TcpDir, TcpDir];

  constructor(sink: AppSink) {
    this.sink = sink;
    this.dirs = [newTcpDir(), newTcpDir()];
  }

  feed(dir: Direction, buf: Uint8Array, off = 0, end = buf.length): void {
    const d = this.dirs[dir];
    if (d.lost) return;
    let i = Math.max(0, off);
    const stop = Math.min(end, buf.length);
    while (i < stop) {
      if (d.skip > 0) {
        const n = Math.min(d.skip, stop - i);
        d.skip -= n;
        i += n;
        continue;
      }
      if (d.need < 0) {
        // Gather the 2-byte prefix.
        d.buf[d.have++] = buf[i++] as number;
        if (d.have < 2) continue;
        const len = u16(d.buf, 0);
        if (len < DNS_HEADER_LEN) {
          this.sink.anomaly('dns.tcp_len_invalid', dir);
          // The prefix still delimits the frame: skip its body and keep the framing.
          d.have = 0;
          d.skip = len;
          continue;
        }
        d.need = len;
        if (d.buf.length < len + 2) {
          const grown = new Uint8Array(Math.min(MAX_TCP_MESSAGE + 2, Math.max(len + 2, d.buf.length * 2)));
          grown.set(d.buf.subarray(0, d.have));
          d.buf = grown;
        }
        continue;
      }
      const want = d.need + 2 - d.have;
      const n = Math.min(want, stop - i);
      d.buf.set(buf.subarray(i, i + n), d.have);
      d.have += n;
      i += n;
      if (d.have === d.need + 2) {
        const rec = decodeDns(d.buf, 2, d.have, (code) => this.sink.anomaly(code, dir));
        d.have = 0;
        d.need = -1;
        if (rec !== null) this.sink.dns(rec, dir);
      }
    }
  }

  gap(dir: Direction, len: number): void {
    const d = this.dirs[dir];
    if (d.lost) return;
    this.sink.anomaly('dns.tcp_gap', dir);
    if (d.need >= 0 && len > 0 && len <= d.need + 2 - d.have) {
      // The hole is inside this message: drop it, skip its remaining bytes, keep the framing.
      d.skip = d.need + 2 - d.have - len;
      d.have = 0;
      d.need = -1;
      return;
    }
    if (d.skip > 0 && len > 0 && len <= d.skip) {
      d.skip -= len;
      return;
    }
    d.lost = true;
  }

  end(): void {
    for (const dir of [0, 1] as const) {
      const d = this.dirs[dir];
      if (!d.lost && (d.have > 0 || d.skip > 0)) this.sink.anomaly('dns.truncated', dir);
      d.have = 0;
      d.need = -1;
      d.skip = 0;
    }
  }
}

function newTcpDir(): TcpDir {
  return { buf: new Uint8Array(512), have: 0, need: -1, skip: 0, lost: false };
}
