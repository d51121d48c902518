/**
 * IPv4, RFC 791 §3.1.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   |         Identification        |Flags|      Fragment Offset    |
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   |                       Source Address                          |
 *   |                    Destination Address                        |
 *   |                    Options                    |    Padding    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { type DecodeResult, Layer, anomaly, fail, truncate, u16, u32 } from './result.ts';

export const IPV4_MIN_HEADER_LEN = 20;

export class Ipv4Header {
  ihl = 0;
  tos = 0;
  totalLength = 0;
  id = 0;
  dontFragment = false;
  moreFragments = false;
  /** In bytes (the field × 8). */
  fragOffset = 0;
  ttl = 0;
  protocol = 0;
  src = 0;
  dst = 0;
  optionCount = 0;
  /** End of the IP payload actually present: min(declared end, captured end); Ethernet padding excluded. */
  payloadEnd = 0;
}

export function decodeIpv4(buf: Uint8Array, off: number, end: number, out: Ipv4Header, r: DecodeResult): number {
  if (end - off < IPV4_MIN_HEADER_LEN) return truncate(r, 'ipv4.pkt_too_small');
  const b0 = buf[off] as number;
  if (b0 >> 4 !== 4) return fail(r, 'ipv4.wrong_ip_version');
  const hlen = (b0 & 0x0f) * 4;
  if (hlen < IPV4_MIN_HEADER_LEN) return fail(r, 'ipv4.hlen_too_small');
  out.ihl = b0 & 0x0f;
  out.tos = buf[off + 1] as number;
  let total = u16(buf, off + 2);
  // Linux BIG TCP / GSO captures carry total length 0 for super-packets: the real length is what was captured
  const bigTcp = total === 0;
  if (bigTcp) total = end - off;
  out.totalLength = total;
  if (total < hlen) return fail(r, 'ipv4.iplen_smaller_than_hlen');
  if (end - off < hlen) return truncate(r, 'ipv4.pkt_too_small');
  out.id = u16(buf, off + 4);
  const ff = u16(buf, off + 6);
  out.dontFragment = (ff & 0x4000) !== 0;
  out.moreFragments = (ff & 0x2000) !== 0;
  out.fragOffset = (ff & 0x1fff) * 8;
  out.ttl = buf[off + 8] as number;
  out.protocol = buf[off + 9] as number;
  out.src = u32(buf, off + 12);
  out.dst = u32(buf, off + 16);
  out.optionCount = 0;
  if (!bigTcp && out.fragOffset + (total - hlen) > 65535) anomaly(r, 'ipv4.frag_offset_invalid');
  // options, RFC 791 §3.1: EOL (0) ends the list, NOP (1) is one byte, the rest are type-length-value
  let o = off + IPV4_MIN_HEADER_LEN;
  const optEnd = off + hlen;
  while (o < optEnd) {
    const t = buf[o] as number;
    if (t === 0) break;
    if (t === 1) {
      o++;
      continue;
    }
    if (optEnd - o < 2) return fail(r, 'ipv4.opt_invalid_len');
    const len = buf[o + 1] as number;
    if (len < 2 || len > optEnd - o) return fail(r, 'ipv4.opt_invalid_len');
    out.optionCount++;
    o += len;
  }
  if (!r.addLayer(Layer.ipv4)) return -1;
  if (off + total > end) {
    // the mirror session's PacketLength (or a snaplen) cut the packet: decode what is there
    r.truncated = true;
    anomaly(r, 'ipv4.trunc_pkt');
    out.payloadEnd = end;
  } else {
    out.payloadEnd = off + total;
  }
  return off + hlen;
}

/** True when this is the first (or only) fragment: only then does the L4 header follow. */
export function ipv4CarriesL4Header(h: Ipv4Header): boolean {
  return h.fragOffset === 0;
}
