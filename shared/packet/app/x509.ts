import { hash } from 'node:crypto';
import { escapeBytes, toHex } from './text.ts';

/*
 * The few X.509 fields Suricata logs for a TLS server certificate (RFC 5280 §4.1), read with a small bounded DER
 * walker: every TLV is checked against its parent's end before it is read, lengths above 4 bytes or indefinite
 * lengths are rejected, and nothing is followed outside the certificate.
 *
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
 *   TBSCertificate ::= SEQUENCE {
 *     version [0] EXPLICIT INTEGER OPTIONAL, serialNumber INTEGER, signature AlgorithmIdentifier,
 *     issuer Name, validity SEQUENCE { notBefore Time, notAfter Time }, subject Name, ... }
 *   Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }
 */

export interface CertInfo {
  subject: string;
  issuerdn: string;
  /** Raw serial bytes as uppercase colon-separated hex (Suricata's `serial`). */
  serial: string;
  /** SHA-1 of the DER as lowercase colon-separated hex (Suricata's `fingerprint`). */
  fingerprint: string;
  notbefore: string;
  notafter: string;
}

/** Short names as Suricata (x509-parser's OID registry) prints them; other attributes print as dotted OIDs. */
const ATTR_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.15': 'businessCategory',
  '2.5.4.17': 'postalCode',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL',
  '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC',
};

interface Tlv {
  tag: number;
  /** Start of the value. */
  v: number;
  /** End of the value (exclusive). */
  end: number;
}

/** Reads one TLV at i inside [i, limit); null when it does not fit (single-byte tags only, as X.509 uses). */
function tlv(b: Uint8Array, i: number, limit: number): Tlv | null {
  if (limit - i < 2) return null;
  const tag = b[i] as number;
  if ((tag & 0x1f) === 0x1f) return null;
  let len = b[i + 1] as number;
  let v = i + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    // Indefinite length (n = 0) is not DER; more than 4 length bytes cannot fit in a TLS message.
    if (n === 0 || n > 4 || limit - v < n) return null;
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + (b[v + k] as number);
    v += n;
  }
  if (limit - v < len) return null;
  return { tag, v, end: v + len };
}

function oid(b: Uint8Array, start: number, stop: number): string | null {
  if (stop <= start || stop - start > 64) return null;
  const parts: number[] = [];
  let acc = 0;
  for (let i = start; i < stop; i++) {
    const c = b[i] as number;
    acc = acc * 128 + (c & 0x7f);
    if (acc > Number.MAX_SAFE_INTEGER / 256) return null;
    if ((c & 0x80) === 0) {
      if (parts.length === 0) {
        const first = acc < 80 ? Math.floor(acc / 40) : 2;
        parts.push(first, acc - first * 40);
      } else parts.push(acc);
      acc = 0;
    }
  }
  return (b[stop - 1] as number) & 0x80 ? null : parts.join('.');
}

/** An attribute value as text: UTF8/Printable/IA5/T61/Visible as bytes; BMPString as UTF-16BE; else hex. */
function attrValue(b: Uint8Array, t: Tlv): string {
  switch (t.tag) {
    case 0x0c: // UTF8String
      return new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(t.v, t.end));
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // T61String
    case 0x1a: // VisibleString
    case 0x12: // NumericString
      return escapeBytes(b, t.v, t.end);
    case 0x1e: {
      // BMPString
      let s = '';
      for (let i = t.v; i + 1 < t.end; i += 2) s += String.fromCharCode(((b[i] as number) << 8) | (b[i + 1] as number));
      return s;
    }
    default:
      return '#' + toHex(b, t.v, t.end);
  }
}

/** Name → "C=US, O=Example, CN=host" in certificate order (RFC 4514 order reversed, as Suricata prints it). */
function name(b: Uint8Array, seq: Tlv): string | null {
  if (seq.tag !== 0x30) return null;
  const rdns: string[] = [];
  for (let i = seq.v; i < seq.end; ) {
    const set = tlv(b, i, seq.end);
    if (set === null || set.tag !== 0x31) return null;
    const attrs: string[] = [];
    for (let j = set.v; j < set.end; ) {
      const atv = tlv(b, j, set.end);
      if (atv === null || atv.tag !== 0x30) return null;
      const type = tlv(b, atv.v, atv.end);
      if (type === null || type.tag !== 0x06) return null;
      const value = tlv(b, type.end, atv.end);
      if (value === null) return null;
      const id = oid(b, type.v, type.end);
      if (id === null) return null;
      attrs.push(`${ATTR_NAMES[id] ?? id}=${attrValue(b, value)}`);
      j = atv.end;
    }
    rdns.push(attrs.join(' + '));
    i = set.end;
  }
  return rdns.join(', ');
}

function digits(b: Uint8Array, start: number, n: number): number | null {
  let v = 0;
  for (let i = start; i < start + n; i++) {
    const c = (b[i] as number) - 0x30;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  return v;
}

/** UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) → "YYYY-MM-DDTHH:MM:SS" (Suricata's form). */
function time(b: Uint8Array, t: Tlv): string | null {
  let i = t.v;
  let year: number | null;
  if (t.tag === 0x17) {
    if (t.end - t.v < 13) return null;
    const yy = digits(b, i, 2);
    if (yy === null) return null;
    year = yy >= 50 ? 1900 + yy : 2000 + yy; // RFC 5280 §4.1.2.5.1
    i += 2;
  } else if (t.tag === 0x18) {
    if (t.end - t.v < 15) return null;
    year = digits(b, i, 4);
    i += 4;
  } else return null;
  const mo = digits(b, i, 2);
  const d = digits(b, i + 2, 2);
  const h = digits(b, i + 4, 2);
  const mi = digits(b, i + 6, 2);
  const s = digits(b, i + 8, 2);
  if (year === null || mo === null || d === null || h === null || mi === null || s === null) return null;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(year, 4)}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}:${p(s)}`;
}

/** Parses one DER certificate in b[start, stop); null when it is not a well-formed X.509 certificate. */
export function parseCertificate(b: Uint8Array, start: number, stop: number): CertInfo | null {
  const cert = tlv(b, start, stop);
  if (cert === null || cert.tag !== 0x30) return null;
  const tbs = tlv(b, cert.v, cert.end);
  if (tbs === null || tbs.tag !== 0x30) return null;
  let i = tbs.v;
  let f = tlv(b, i, tbs.end);
  if (f !== null && f.tag === 0xa0) {
    i = f.end;
    f = tlv(b, i, tbs.end);
  }
  if (f === null || f.tag !== 0x02) return null;
  const serial = toHex(b, f.v, f.end, ':').toUpperCase();
  const sigAlg = tlv(b, f.end, tbs.end);
  if (sigAlg === null || sigAlg.tag !== 0x30) return null;
  const issuerT = tlv(b, sigAlg.end, tbs.end);
  if (issuerT === null) return null;
  const issuer = name(b, issuerT);
  const validity = tlv(b, issuerT.end, tbs.end);
  if (issuer === null || validity === null || validity.tag !== 0x30) return null;
  const nb = tlv(b, validity.v, validity.end);
  const na = nb === null ? null : tlv(b, nb.end, validity.end);
  const notbefore = nb === null ? null : time(b, nb);
  const notafter = na === null ? null : time(b, na);
  const subjectT = tlv(b, validity.end, tbs.end);
  const subject = subjectT === null ? null : name(b, subjectT);
  if (notbefore === null || notafter === null || subject === null) return null;
  const fp = hash('sha1', b.subarray(start, cert.end), 'hex');
  return {
    subject,
    issuerdn: issuer,
    serial,
    fingerprint: fp.replace(/(..)(?!$)/g, '$1:'),
    notbefore,
    notafter,
  };
}
