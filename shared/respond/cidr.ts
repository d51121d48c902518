/**
 * IPv4/IPv6 addresses and CIDR blocks as bigints: parse, canonical form, containment and overlap.
 * Pure, no dependencies. EC2 compares CIDRs by value (it accepts "2001:DB8::/64" and returns "2001:db8::/64"), so
 * every comparison here is on parsed values, never on strings.
 */
import { PipelineError } from '../errors.ts';

export class CidrError extends PipelineError {
  readonly input: string;
  constructor(input: string, message: string) {
    super(`"${input}": ${message}`);
    this.name = 'CidrError';
    this.input = input;
  }
}

export type Family = 4 | 6;

export interface Cidr {
  family: Family;
  /** network address (host bits cleared) */
  network: bigint;
  prefix: number;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIpv6(s: string): bigint | undefined {
  if (s.length === 0 || s.length > 45) return undefined;
  let text = s;
  // embedded IPv4 tail (::ffff:192.0.2.1): rewrite it as two hex groups first
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    if (lastColon < 0) return undefined;
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${((v4 >> 16n) & 0xffffn).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = toGroups(halves[0] ?? '');
  const rest = halves.length === 2 ? toGroups(halves[1] ?? '') : [];
  const given = head.length + rest.length;
  let groups: string[];
  if (halves.length === 2) {
    if (given > 7) return undefined;
    groups = [...head, ...Array<string>(8 - given).fill('0'), ...rest];
  } else {
    if (given !== 8) return undefined;
    groups = head;
  }
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

/** Parses an address; the family follows from the text (a colon means IPv6). */
export function parseIp(s: string): { family: Family; value: bigint } | undefined {
  if (s.includes(':')) {
    const v = parseIpv6(s);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseIpv4(s);
  return v === undefined ? undefined : { family: 4, value: v };
}

function mask(family: Family, prefix: number): bigint {
  const bits = BITS[family];
  return prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
}

/**
 * Parses "a.b.c.d/n", "x::y/n" or a bare address (taken as /32 or /128). Host bits are cleared
 * (10.1.2.3/8 → 10.0.0.0/8), as EC2 itself does for NACL entries.
 */
export function parseCidr(s: string): Cidr {
  const text = s.trim();
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(addr);
  if (!ip) throw new CidrError(s, 'not an IPv4 or IPv6 address');
  let prefix = BITS[ip.family];
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) throw new CidrError(s, 'prefix length is not a number');
    prefix = Number(p);
    if (prefix > BITS[ip.family]) throw new CidrError(s, `prefix length exceeds ${BITS[ip.family]}`);
  }
  return { family: ip.family, network: ip.value & mask(ip.family, prefix), prefix };
}

export function tryParseCidr(s: string): Cidr | undefined {
  try {
    return parseCidr(s);
  } catch {
    return undefined;
  }
}

function formatIpv4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((sh) => String((v >> sh) & 0xffn)).join('.');
}

/** RFC 5952 text: lowercase, leading zeros dropped, the longest run (≥ 2) of zero groups as "::". */
function formatIpv6(v: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function formatIp(family: Family, value: bigint): string {
  return family === 4 ? formatIpv4(value) : formatIpv6(value);
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.family, c.network)}/${c.prefix}`;
}

/** Canonical text of a CIDR string (throws CidrError on bad input). */
export function canonicalCidr(s: string): string {
  return formatCidr(parseCidr(s));
}

function lastAddress(c: Cidr): bigint {
  const bits = BITS[c.family];
  return c.network | ((1n << BigInt(bits - c.prefix)) - 1n);
}

/** true when every address of `inner` is inside `outer` (same family only). */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family && outer.prefix <= inner.prefix && (inner.network & mask(outer.family, outer.prefix)) === outer.network;
}

/** true when the two blocks share at least one address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  return a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

export function sameCidr(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.prefix === b.prefix && a.network === b.network;
}

export function hostCidr(ip: string): Cidr | undefined {
  const p = parseIp(ip);
  return p ? { family: p.family, network: p.value, prefix: BITS[p.family] } : undefined;
}

export const FAMILY_BITS = BITS;
