/**
 * Small, allocation-light IP helpers for enrichment and guardrails: IPv4 as uint32 numbers, IPv6 as bigint.
 */
export type ParsedIp = { v: 4; n: number } | { v: 6; n: bigint };

export function parseIpv4(s: string): number | undefined {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return undefined;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3) return undefined;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0 || part > 255) return undefined;
  return n * 256 + part;
}

export function parseIpv6(s: string): bigint | undefined {
  if (s.length < 2 || s.length > 45 || !s.includes(':')) return undefined;
  let head = s;
  let tailV4: number | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) > 0) {
    tailV4 = parseIpv4(s.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = head.indexOf('::');
  if (dbl !== head.lastIndexOf('::')) return undefined;
  const parseGroups = (p: string): number[] | undefined => {
    if (p === '') return [];
    const out: number[] = [];
    for (const g of p.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const a = parseGroups(head.slice(0, dbl));
    const b = parseGroups(head.slice(dbl + 2));
    if (!a || !b || a.length + b.length > 7) return undefined;
    groups = [...a, ...new Array<number>(8 - a.length - b.length).fill(0), ...b];
  } else {
    const g = parseGroups(head);
    if (!g || g.length !== 8) return undefined;
    groups = g;
  }
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  if (tailV4 !== undefined) n = (n & ~0xffffffffn) | BigInt(tailV4);
  return n;
}

export function parseIp(s: string): ParsedIp | undefined {
  const v4 = parseIpv4(s);
  if (v4 !== undefined) return { v: 4, n: v4 };
  const v6 = parseIpv6(s);
  return v6 === undefined ? undefined : { v: 6, n: v6 };
}

export interface Cidr {
  v: 4 | 6;
  /** network address */
  start: bigint;
  /** last address */
  end: bigint;
  prefix: number;
  text: string;
}

/** Parses "a.b.c.d/n" or "x::/n" (a bare address is a host route). Throws on garbage. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(addr);
  if (!ip) throw new Error(`not an IP address or CIDR: "${text}"`);
  const bits = ip.v === 4 ? 32 : 128;
  const prefix = slash < 0 ? bits : Number(text.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) throw new Error(`bad prefix length in "${text}"`);
  const n = BigInt(ip.n);
  const hostBits = BigInt(bits - prefix);
  const start = (n >> hostBits) << hostBits;
  const end = start + (1n << hostBits) - 1n;
  return { v: ip.v, start, end, prefix, text };
}

export function cidrContains(c: Cidr, ip: ParsedIp): boolean {
  if (c.v !== ip.v) return false;
  const n = BigInt(ip.n);
  return n >= c.start && n <= c.end;
}

const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '127.0.0.0/8'].map(parseCidr);
const PRIVATE_V6 = ['fc00::/7', 'fe80::/10', '::1/128'].map(parseCidr);

/** RFC 1918 / CGNAT / link-local / loopback (IPv4) and ULA / link-local / loopback (IPv6). */
export function isPrivateIp(ip: ParsedIp): boolean {
  return (ip.v === 4 ? PRIVATE_V4 : PRIVATE_V6).some((c) => cidrContains(c, ip));
}
