/**
 * Community ID flow hashing, version 1 (github.com/corelight/community-id-spec): "1:" + base64(SHA-1(seed (2) |
 * addr lo | addr hi | proto (1) | pad 0 (1) | port lo (2) | port hi (2))), endpoints ordered so that both
 * directions hash alike. ICMP/ICMPv6 use type and code as ports, with request/reply types mapped to each other;
 * protocols without ports hash only the addresses. Computed once per record, never per packet.
 */
import { hash } from 'node:crypto';
import { IpProto, type Tuple } from './decode.ts';

/** Type -> counterpart type (spec: "ICMP port equivalents"); a type not listed is one-way. */
const ICMP4_PAIRS: ReadonlyMap<number, number> = new Map([
  [8, 0], [0, 8], [13, 14], [14, 13], [15, 16], [16, 15], [10, 9], [9, 10], [17, 18], [18, 17],
]);
const ICMP6_PAIRS: ReadonlyMap<number, number> = new Map([
  [128, 129], [129, 128], [133, 134], [134, 133], [135, 136], [136, 135], [130, 131], [131, 130], [144, 145], [145, 144],
]);

const scratch = new Uint8Array(2 + 16 + 16 + 2 + 4);

function writeAddr(out: Uint8Array, o: number, words: Uint32Array, family: number): number {
  const n = family === 4 ? 1 : 4;
  for (let i = 0; i < n; i++) {
    const w = words[i] as number;
    out[o++] = w >>> 24;
    out[o++] = (w >>> 16) & 0xff;
    out[o++] = (w >>> 8) & 0xff;
    out[o++] = w & 0xff;
  }
  return o;
}

/** -1, 0, 1: address a vs b in network byte order. */
function cmpAddr(a: Uint32Array, b: Uint32Array, family: number): number {
  const n = family === 4 ? 1 : 4;
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function hasPorts(proto: number): boolean {
  return proto === IpProto.tcp || proto === IpProto.udp || proto === 132 || proto === IpProto.icmp || proto === IpProto.icmpv6;
}

/**
 * Community ID of a flow seen from `t` (the first packet's or the initiator's tuple). For ICMP the tuple's icmpType /
 * icmpCode are used. Returns '' when no IP header was decoded.
 */
export function communityId(t: Tuple, seed = 0): string {
  if (t.family === 0) return '';
  const isIcmp = t.proto === IpProto.icmp || t.proto === IpProto.icmpv6;
  let sport = t.srcPort;
  let dport = t.dstPort;
  let oneWay = false;
  if (isIcmp) {
    const type = t.icmpType < 0 ? 0 : t.icmpType;
    const pairs = t.proto === IpProto.icmp ? ICMP4_PAIRS : ICMP6_PAIRS;
    const peer = pairs.get(type);
    sport = type;
    if (peer === undefined) {
      dport = t.icmpCode < 0 ? 0 : t.icmpCode;
      oneWay = true;
    } else {
      dport = peer;
    }
  }
  const c = cmpAddr(t.src, t.dst, t.family);
  const swap = !(oneWay || c < 0 || (c === 0 && sport < dport));
  const out = scratch;
  out[0] = (seed >> 8) & 0xff;
  out[1] = seed & 0xff;
  let o = 2;
  o = writeAddr(out, o, swap ? t.dst : t.src, t.family);
  o = writeAddr(out, o, swap ? t.src : t.dst, t.family);
  out[o++] = t.proto;
  out[o++] = 0;
  if (hasPorts(t.proto) && !(t.noL4 && !isIcmp)) {
    const a = swap ? dport : sport;
    const b = swap ? sport : dport;
    out[o++] = a >> 8;
    out[o++] = a & 0xff;
    out[o++] = b >> 8;
    out[o++] = b & 0xff;
  }
  return `1:${hash('sha1', out.subarray(0, o), 'base64')}`;
}
