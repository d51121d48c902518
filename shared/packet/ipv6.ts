/**
 * IPv6, RFC 8200 §3 (fixed header) and §4 (extension headers).
 *
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Traffic Class |           Flow Label                  |
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   |                  Source Address (128 bits)                    |
 *   |               Destination Address (128 bits)                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Extension headers walked: Hop-by-Hop (0), Routing (43), Fragment (44, RFC 8200 §4.5), Destination Options (60),
 * Mobility (135), HIP (139), Shim6 (140) — all "next header | length in 8-octet units - 1" except Fragment
 * (fixed 8 bytes); AH (51, RFC 4302: length in 4-octet units - 2). ESP (50) and No Next Header (59) end the walk.
 */
import { type DecodeResult, Layer, anomaly, fail, truncate, u16, u32 } from './result.ts';

export const IPV6_HEADER_LEN = 40;
/** Why 8: real stacks send at most a few; long chains are an evasion trick (RFC 7112 wants the chain early). */
export const MAX_IPV6_EXTHDRS = 8;

export class Ipv6Header {
  trafficClass = 0;
  flowLabel = 0;
  payloadLength = 0;
  hopLimit = 0;
  /** Source and destination as four big-endian 32-bit words each. */
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  /** The upper-layer protocol after the extension headers. */
  protocol = 0;
  extCount = 0;
  hasFragmentHeader = false;
  fragOffset = 0;
  moreFragments = false;
  fragId = 0;
  payloadEnd = 0;
}

function isExtHeader(nh: number): boolean {
  return nh === 0 || nh === 43 || nh === 44 || nh === 51 || nh === 60 || nh === 135 || nh === 139 || nh === 140;
}

export function decodeIpv6(buf: Uint8Array, off: number, end: number, out: Ipv6Header, r: DecodeResult): number {
  if (end - off < IPV6_HEADER_LEN) return truncate(r, 'ipv6.pkt_too_small');
  const w0 = u32(buf, off);
  if (w0 >>> 28 !== 6) return fail(r, 'ipv6.wrong_ip_version');
  out.trafficClass = (w0 >>> 20) & 0xff;
  out.flowLabel = w0 & 0xfffff;
  let plen = u16(buf, off + 4);
  // BIG TCP (and jumbograms whose hop-by-hop option was stripped by the capture) carry payload length 0
  if (plen === 0) plen = end - off - IPV6_HEADER_LEN;
  out.payloadLength = plen;
  let nh = buf[off + 6] as number;
  out.hopLimit = buf[off + 7] as number;
  for (let i = 0; i < 4; i++) {
    out.src[i] = u32(buf, off + 8 + i * 4);
    out.dst[i] = u32(buf, off + 24 + i * 4);
  }
  out.extCount = 0;
  out.hasFragmentHeader = false;
  out.fragOffset = 0;
  out.moreFragments = false;
  out.fragId = 0;
  if (!r.addLayer(Layer.ipv6)) return -1;
  let declaredEnd = off + IPV6_HEADER_LEN + plen;
  if (declaredEnd > end) {
    r.truncated = true;
    anomaly(r, 'ipv6.trunc_pkt');
    declaredEnd = end;
  }
  out.payloadEnd = declaredEnd;
  let o = off + IPV6_HEADER_LEN;
  while (isExtHeader(nh)) {
    if (out.extCount >= MAX_IPV6_EXTHDRS) return fail(r, 'ipv6.exthdr_too_many');
    if (declaredEnd - o < 8) return truncate(r, 'ipv6.trunc_exthdr');
    const next = buf[o] as number;
    let len: number;
    if (nh === 44) {
      if (out.hasFragmentHeader) return fail(r, 'ipv6.exthdr_dupl_fh');
      out.hasFragmentHeader = true;
      const fo = u16(buf, o + 2);
      out.fragOffset = fo & 0xfff8;
      out.moreFragments = (fo & 1) !== 0;
      out.fragId = u32(buf, o + 4);
      len = 8;
    } else if (nh === 51) {
      len = ((buf[o + 1] as number) + 2) * 4;
    } else {
      len = ((buf[o + 1] as number) + 1) * 8;
      if (nh === 0 || nh === 60) {
        if (!optionsFit(buf, o + 2, Math.min(o + len, declaredEnd))) return fail(r, 'ipv6.exthdr_invalid_optlen');
      }
    }
    if (len > declaredEnd - o) return truncate(r, 'ipv6.trunc_exthdr');
    out.extCount++;
    o += len;
    nh = next;
  }
  out.protocol = nh;
  return o;
}

/** Hop-by-hop / destination options, RFC 8200 §4.2: Pad1 is one byte, the rest are type-length-value. */
function optionsFit(buf: Uint8Array, off: number, end: number): boolean {
  let o = off;
  while (o < end) {
    if (buf[o] === 0) {
      o++;
      continue;
    }
    if (end - o < 2) return false;
    const l = 2 + (buf[o + 1] as number);
    if (l > end - o) return false;
    o += l;
  }
  return true;
}

/** True unless a fragment header says this is a non-first fragment. */
export function ipv6CarriesL4Header(h: Ipv6Header): boolean {
  return !h.hasFragmentHeader || h.fragOffset === 0;
}
