/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443): only type and code are decoded (flow keys, Community ID and EVE
 * `icmp_type` / `icmp_code`); the rest of the message is payload.
 *
 *   +--------+--------+-----------------+
 *   |  Type  |  Code  |    Checksum     |
 *   +--------+--------+-----------------+
 * Assigned values: IANA "ICMP Type Numbers" and "ICMPv6 Parameters" registries.
 */
import { type DecodeResult, Layer, anomaly, truncate } from './result.ts';

export const ICMP_HEADER_LEN = 4;

export class IcmpHeader {
  type = 0;
  code = 0;
  /** Identifier of echo request/reply (else 0). */
  id = 0;
  payloadOff = 0;
}

/** Highest assigned code per assigned type (IANA). */
const ICMPV4_MAX_CODE: ReadonlyMap<number, number> = new Map([
  [0, 0], [3, 15], [4, 0], [5, 3], [6, 0], [8, 0], [9, 16], [10, 0], [11, 1], [12, 2], [13, 0], [14, 0], [15, 0],
  [16, 0], [17, 0], [18, 0], [30, 0], [40, 5], [41, 0], [42, 0], [43, 4], [253, 255], [254, 255],
]);
const ICMPV6_MAX_CODE: ReadonlyMap<number, number> = new Map([
  [1, 8], [2, 0], [3, 1], [4, 3], [100, 255], [101, 255], [127, 255], [128, 0], [129, 0], [130, 0], [131, 0],
  [132, 0], [133, 0], [134, 0], [135, 0], [136, 0], [137, 0], [138, 255], [139, 2], [140, 2], [141, 0], [142, 0],
  [143, 0], [144, 0], [145, 0], [146, 0], [147, 0], [148, 0], [149, 0], [150, 255], [151, 0], [152, 0], [153, 0],
  [154, 255], [155, 0], [157, 255], [158, 255], [160, 0], [161, 4], [200, 255], [201, 255], [255, 255],
]);

function decodeIcmpCommon(
  buf: Uint8Array, off: number, end: number, out: IcmpHeader, r: DecodeResult, v6: boolean,
): number {
  if (end - off < ICMP_HEADER_LEN) return truncate(r, v6 ? 'icmpv6.pkt_too_small' : 'icmpv4.pkt_too_small');
  out.type = buf[off] as number;
  out.code = buf[off + 1] as number;
  out.id = 0;
  const isEcho = v6 ? out.type === 128 || out.type === 129 : out.type === 8 || out.type === 0;
  if (isEcho && end - off >= 6) out.id = ((buf[off + 4] as number) << 8) | (buf[off + 5] as number);
  const max = (v6 ? ICMPV6_MAX_CODE : ICMPV4_MAX_CODE).get(out.type);
  if (max === undefined) anomaly(r, v6 ? 'icmpv6.unknown_type' : 'icmpv4.unknown_type');
  else if (out.code > max) anomaly(r, v6 ? 'icmpv6.unknown_code' : 'icmpv4.unknown_code');
  if (!r.addLayer(v6 ? Layer.icmpv6 : Layer.icmpv4)) return -1;
  out.payloadOff = off + ICMP_HEADER_LEN;
  return out.payloadOff;
}

export function decodeIcmpv4(buf: Uint8Array, off: number, end: number, out: IcmpHeader, r: DecodeResult): number {
  return decodeIcmpCommon(buf, off, end, out, r, false);
}

export function decodeIcmpv6(buf: Uint8Array, off: number, end: number, out: IcmpHeader, r: DecodeResult): number {
  return decodeIcmpCommon(buf, off, end, out, r, true);
}
