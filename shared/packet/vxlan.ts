/**
 * VXLAN, RFC 7348 §5. AWS Traffic Mirroring delivers every mirrored frame to the target inside one of these,
 * with one VNI per mirror session.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |R|R|R|R|I|R|R|R|            Reserved                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                VXLAN Network Identifier (VNI) |   Reserved    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { type DecodeResult, Layer, anomaly, fail, truncate, u24 } from './result.ts';

export const VXLAN_HEADER_LEN = 8;
/** IANA port (RFC 7348 §5) and the Linux kernel's historical default. */
export const VXLAN_PORTS: ReadonlySet<number> = new Set([4789, 8472]);
/** 'I' flag, RFC 7348 §5: the VNI is valid. */
const I_FLAG = 0x08;

export class VxlanHeader {
  flags = 0;
  vni = 0;
}

export function decodeVxlan(buf: Uint8Array, off: number, end: number, out: VxlanHeader, r: DecodeResult): number {
  if (end - off < VXLAN_HEADER_LEN) return truncate(r, 'vxlan.truncated');
  const flags = buf[off] as number;
  out.flags = flags;
  out.vni = u24(buf, off + 4);
  if ((flags & I_FLAG) === 0) return fail(r, 'vxlan.i_flag_unset');
  // receivers MUST ignore reserved bits (RFC 7348 §5); we note them, like Suricata, and go on
  if ((flags & ~I_FLAG) !== 0 || buf[off + 1] !== 0 || buf[off + 2] !== 0 || buf[off + 3] !== 0 || buf[off + 7] !== 0) {
    anomaly(r, 'vxlan.reserved_set');
  }
  if (!r.addLayer(Layer.vxlan)) return -1;
  return off + VXLAN_HEADER_LEN;
}
