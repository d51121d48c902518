/**
 * GENEVE, RFC 8926 §3.4 (UDP 6081). AWS Gateway Load Balancer hands packets to appliances in GENEVE; a mirror
 * target behind a GWLB therefore sees GENEVE around the VXLAN (or around the Ethernet frame directly).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        Virtual Network Identifier (VNI)       |    Reserved   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Variable-Length Options                    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Each option (§3.5): Option Class (16) | Type (8) | R R R | Length (5, in 4-byte words) | data.
 */
import { type DecodeResult, Layer, fail, truncate, u16, u24 } from './result.ts';

export const GENEVE_PORT = 6081;
export const GENEVE_HEADER_LEN = 8;
/** Protocol types we follow (§3.4 uses EtherType values; 0x6558 is Transparent Ethernet Bridging). */
export const GENEVE_PROTO_ETHERNET = 0x6558;

export class GeneveHeader {
  version = 0;
  optLen = 0;
  oam = false;
  critical = false;
  protocol = 0;
  vni = 0;
  optionCount = 0;
}

export function decodeGeneve(buf: Uint8Array, off: number, end: number, out: GeneveHeader, r: DecodeResult): number {
  if (end - off < GENEVE_HEADER_LEN) return truncate(r, 'geneve.truncated');
  const b0 = buf[off] as number;
  const b1 = buf[off + 1] as number;
  out.version = b0 >> 6;
  out.optLen = (b0 & 0x3f) * 4;
  out.oam = (b1 & 0x80) !== 0;
  out.critical = (b1 & 0x40) !== 0;
  out.protocol = u16(buf, off + 2);
  out.vni = u24(buf, off + 4);
  out.optionCount = 0;
  if (out.version !== 0) return fail(r, 'geneve.version_invalid');
  const optEnd = off + GENEVE_HEADER_LEN + out.optLen;
  if (optEnd > end) return truncate(r, 'geneve.truncated');
  // walk the options only to validate their lengths; their content is vendor metadata (GWLB flow cookie etc.)
  let o = off + GENEVE_HEADER_LEN;
  while (o < optEnd) {
    if (optEnd - o < 4) return fail(r, 'geneve.opt_len_invalid');
    const len = 4 + ((buf[o + 3] as number) & 0x1f) * 4;
    if (len > optEnd - o) return fail(r, 'geneve.opt_len_invalid');
    o += len;
    out.optionCount++;
  }
  if (!r.addLayer(Layer.geneve)) return -1;
  return optEnd;
}
