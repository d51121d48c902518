/**
 * AWS service of an address, from AWS's published ip-ranges.json. A dated snapshot ships in data/ip-ranges.json;
 * `loadAwsRanges(path)` reads a fresher copy (operators refresh it from https://ip-ranges.amazonaws.com/ip-ranges.json).
 * The most specific service other than the catch-all AMAZON wins (S3, EC2, CLOUDFRONT, ROUTE53_HEALTHCHECKS, ...).
 */
import { readFileSync } from 'node:fs';
// bundled into the Lambda by esbuild (a path next to the source would not exist in the bundle)
import snapshotDoc from './data/ip-ranges.json' with { type: 'json' };
import { parseIpv4, parseIpv6 } from './ip.ts';

export interface IpRangesDocument {
  syncToken?: string;
  createDate?: string;
  prefixes?: { ip_prefix: string; region?: string; service: string }[];
  ipv6_prefixes?: { ipv6_prefix: string; region?: string; service: string }[];
}

const CACHE_LIMIT = 100_000;

export class AwsRanges {
  readonly createDate: string | undefined;
  readonly prefixCount: number;
  private readonly services: string[] = [];
  private readonly serviceIndex = new Map<string, number>();
  /** v4: per prefix length (index), network → list of service indexes */
  private readonly v4 = new Map<number, Map<number, number[]>>();
  private readonly v4Lengths: number[];
  private readonly v6 = new Map<number, Map<bigint, number[]>>();
  private readonly v6Lengths: number[];
  private cache = new Map<string, string | null>();

  constructor(doc: IpRangesDocument) {
    this.createDate = doc.createDate;
    let count = 0;
    for (const p of doc.prefixes ?? []) {
      const [addr, len] = p.ip_prefix.split('/');
      const n = parseIpv4(addr ?? '');
      const l = Number(len);
      if (n === undefined || !(l >= 0 && l <= 32)) continue;
      const net = l === 0 ? 0 : Math.floor(n / 2 ** (32 - l));
      this.add(this.v4, l, net, p.service);
      count++;
    }
    for (const p of doc.ipv6_prefixes ?? []) {
      const [addr, len] = p.ipv6_prefix.split('/');
      const n = parseIpv6(addr ?? '');
      const l = Number(len);
      if (n === undefined || !(l >= 0 && l <= 128)) continue;
      this.add(this.v6, l, n >> BigInt(128 - l), p.service);
      count++;
    }
    this.prefixCount = count;
    this.v4Lengths = [...this.v4.keys()].sort((a, b) => b - a);
    this.v6Lengths = [...this.v6.keys()].sort((a, b) => b - a);
  }

  private add<K>(table: Map<number, Map<K, number[]>>, len: number, net: K, service: string): void {
    let idx = this.serviceIndex.get(service);
    if (idx === undefined) {
      idx = this.services.length;
      this.services.push(service);
      this.serviceIndex.set(service, idx);
    }
    let byNet = table.get(len);
    if (!byNet) table.set(len, (byNet = new Map()));
    const list = byNet.get(net);
    if (list) {
      if (!list.includes(idx)) list.push(idx);
    } else byNet.set(net, [idx]);
  }

  /** The AWS service of an address (most specific non-AMAZON service, else AMAZON), or null when not AWS. */
  serviceOf(addr: string | null): string | null {
    if (addr === null) return null;
    const hit = this.cache.get(addr);
    if (hit !== undefined) return hit;
    const r = this.lookup(addr);
    if (this.cache.size >= CACHE_LIMIT) this.cache = new Map();
    this.cache.set(addr, r);
    return r;
  }

  private pick(list: number[], amazon: { seen: boolean }): string | null {
    for (const i of list) {
      const s = this.services[i]!;
      if (s !== 'AMAZON') return s;
      amazon.seen = true;
    }
    return null;
  }

  private lookup(addr: string): string | null {
    const amazon = { seen: false };
    const v4 = parseIpv4(addr);
    if (v4 !== undefined) {
      for (const l of this.v4Lengths) {
        const list = this.v4.get(l)!.get(l === 0 ? 0 : Math.floor(v4 / 2 ** (32 - l)));
        if (list) {
          const s = this.pick(list, amazon);
          if (s) return s;
        }
      }
      return amazon.seen ? 'AMAZON' : null;
    }
    const v6 = parseIpv6(addr);
    if (v6 === undefined) return null;
    for (const l of this.v6Lengths) {
      const list = this.v6.get(l)!.get(v6 >> BigInt(128 - l));
      if (list) {
        const s = this.pick(list, amazon);
        if (s) return s;
      }
    }
    return amazon.seen ? 'AMAZON' : null;
  }
}

let snapshot: AwsRanges | undefined;

/** Loads ip-ranges.json from a path (default: the shipped snapshot); the snapshot is parsed once per process. */
export function loadAwsRanges(path?: string): AwsRanges {
  if (!path) {
    snapshot ??= new AwsRanges(snapshotDoc as IpRangesDocument);
    return snapshot;
  }
  return new AwsRanges(JSON.parse(readFileSync(path, 'utf8')) as IpRangesDocument);
}
