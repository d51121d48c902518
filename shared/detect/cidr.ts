/**
 * IPv4/IPv6 addresses and CIDR blocks as integers, for the deny-list and internal-address checks. Pure, no
 * dependencies. Addresses are parsed strictly: anything that is not a dotted quad or an RFC 4291 text address
 * (including `::` compression and an embedded IPv4 tail) is rejected, never guessed.
 */
import { PipelineError } from '../errors.ts';

/** A CIDR (deny-list line, config value) that does not parse. */
export class CidrFormatError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CidrFormatError';
  }
}

export interface Cidr {
  readonly family: 4 | 6;
  /** network address with host bits cleared */
  readonly network: bigint;
  readonly prefix: number;
  /** canonical text, e.g. `203.0.113.0/24` */
  readonly text: string;
}

export function parseIpv4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

export function parseIpv6(s: string): bigint | null {
  if (s.length < 2 || s.length > 45 || !/^[0-9a-fA-F:.]+$/.test(s)) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 === null) return null;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  let v = 0n;
  for (const g of all) v = (v << 16n) | BigInt(g);
  return v;
}

/** An address as `{family, value}`, or null when it is not an IP address. */
export function parseIp(s: string): { family: 4 | 6; value: bigint } | null {
  const v4 = parseIpv4(s);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = parseIpv6(s);
  return v6 === null ? null : { family: 6, value: v6 };
}

function mask(family: 4 | 6, prefix: number): bigint {
  const bits = family === 4 ? 32n : 128n;
  const p = BigInt(prefix);
  return ((1n << bits) - 1n) ^ ((1n << (bits - p)) - 1n);
}

function formatIp(family: 4 | 6, v: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  const g: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) g.push(((v >> s) & 0xffffn).toString(16));
  // RFC 5952: compress the longest run (>= 2) of zero groups
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}

/** Parses `a.b.c.d/n`, `x::y/n` or a bare address (a host route /32 or /128). Throws CidrFormatError. */
export function parseCidr(text: string): Cidr {
  const t = text.trim();
  const slash = t.indexOf('/');
  const addr = slash < 0 ? t : t.slice(0, slash);
  const ip = parseIp(addr);
  if (ip === null) throw new CidrFormatError(`not an IP address or CIDR: "${text}"`);
  const max = ip.family === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : t.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    throw new CidrFormatError(`bad prefix length in "${text}" (0-${max})`);
  }
  const prefix = Number(prefixText);
  const network = ip.value & mask(ip.family, prefix);
  return { family: ip.family, network, prefix, text: `${formatIp(ip.family, network)}/${prefix}` };
}

/** The host route of an address: `/32` for IPv4, `/128` for IPv6, or null when it is not an address. */
export function hostCidr(addr: string): string | null {
  const ip = parseIp(addr);
  if (ip === null) return null;
  return `${formatIp(ip.family, ip.value)}/${ip.family === 4 ? 32 : 128}`;
}

/** Dotted quad -> unsigned 32-bit number, or -1 (the hot path: no BigInt, no allocation beyond the scan). */
export function ipv4ToNumber(s: string): number {
  let v = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      v = v * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return v * 256 + octet;
}

const SMALL_SET = 16;

/** A set of CIDRs with a longest-prefix lookup (one hash probe per distinct prefix length; a range scan when small). */
export class CidrSet {
  readonly #v4 = new Map<number, Map<number, Cidr>>();
  readonly #v6 = new Map<number, Map<bigint, Cidr>>();
  /** per IPv4 prefix length, longest first: block size 2^(32-p) and its networks */
  #v4Tables: { block: number; nets: Map<number, Cidr> }[] = [];
  /** small sets (internal ranges): a linear range scan beats hash probes; longest prefix first */
  #v4Ranges: { start: number; end: number; cidr: Cidr }[] = [];
  #v4Count = 0;
  #v6Prefixes: number[] = [];
  size = 0;

  constructor(cidrs: Iterable<string | Cidr> = []) {
    for (const c of cidrs) this.add(c);
  }

  add(c: string | Cidr): void {
    const cidr = typeof c === 'string' ? parseCidr(c) : c;
    let fresh: boolean;
    if (cidr.family === 4) {
      let m = this.#v4.get(cidr.prefix);
      if (!m) {
        this.#v4.set(cidr.prefix, (m = new Map()));
        // longest prefix first, so lookup() returns the most specific block
        this.#v4Tables = [...this.#v4.entries()]
          .sort((a, b) => b[0] - a[0])
          .map(([p, nets]) => ({ block: 2 ** (32 - p), nets }));
      }
      fresh = !m.has(Number(cidr.network));
      m.set(Number(cidr.network), cidr);
      if (fresh) this.#v4Count++;
      if (this.#v4Count <= SMALL_SET) {
        const start = Number(cidr.network);
        this.#v4Ranges = this.#v4Ranges.filter((r) => r.cidr.text !== cidr.text);
        this.#v4Ranges.push({ start, end: start + 2 ** (32 - cidr.prefix), cidr });
        this.#v4Ranges.sort((a, b) => b.cidr.prefix - a.cidr.prefix);
      }
    } else {
      let m = this.#v6.get(cidr.prefix);
      if (!m) {
        this.#v6.set(cidr.prefix, (m = new Map()));
        this.#v6Prefixes = [...this.#v6.keys()].sort((a, b) => b - a);
      }
      fresh = !m.has(cidr.network);
      m.set(cidr.network, cidr);
    }
    if (fresh) this.size++;
  }

  /** The most specific block containing the address, or null (also null for non-addresses). */
  lookup(addr: string): Cidr | null {
    const v4 = ipv4ToNumber(addr);
    if (v4 >= 0) {
      if (this.#v4Count <= SMALL_SET) {
        const ranges = this.#v4Ranges;
        for (let i = 0; i < ranges.length; i++) {
          const r = ranges[i] as { start: number; end: number; cidr: Cidr };
          if (v4 >= r.start && v4 < r.end) return r.cidr;
        }
        return null;
      }
      const tables = this.#v4Tables;
      for (let i = 0; i < tables.length; i++) {
        const t = tables[i] as { block: number; nets: Map<number, Cidr> };
        // block arithmetic keeps it in unsigned doubles (no 32-bit sign trouble at /0 or /1)
        const hit = t.nets.get(v4 - (v4 % t.block));
        if (hit) return hit;
      }
      return null;
    }
    if (this.#v6Prefixes.length === 0 || !addr.includes(':')) return null;
    const v6 = parseIpv6(addr);
    if (v6 === null) return null;
    for (const p of this.#v6Prefixes) {
      const hit = this.#v6.get(p)?.get(v6 & mask(6, p));
      if (hit) return hit;
    }
    return null;
  }

  has(addr: string): boolean {
    return this.lookup(addr) !== null;
  }
}

/**
 * Parses a threat-intel deny list: one CIDR or address a line; `#` starts a comment; blank lines are skipped.
 * A bad line is a CidrFormatError naming the source and line number (a deny list is never half-loaded).
 */
export function parseDenyList(text: string, source = 'deny list'): Cidr[] {
  const out: Cidr[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    // tolerate CSV-style feeds whose first column is the CIDR
    const first = line.split(/[\s,;]+/)[0] as string;
    try {
      out.push(parseCidr(first));
    } catch (err) {
      throw new CidrFormatError(`${source}:${i + 1}: ${(err as Error).message}`, { cause: err });
    }
  });
  return out;
}
