/**
 * Ethernet II (IEEE 802.3 frame with an EtherType) and 802.1Q / 802.1ad VLAN tags, stacked (QinQ).
 *
 *   +-------------------+-------------------+-----------+
 *   | destination (6)   | source (6)        | type (2)  |   type 0x8100 / 0x88a8 / 0x9100: a tag follows
 *   +-------------------+-------------------+-----------+
 *   802.1Q tag (IEEE 802.1Q §9.6): PCP (3) | DEI (1) | VID (12) | inner EtherType (2)
 */
import { type DecodeResult, Layer, fail, truncate, u16 } from './result.ts';

export const ETHERNET_HEADER_LEN = 14;
export const VLAN_TAG_LEN = 4;
/** Why 4: QinQ uses two; suricata-verify has a triple-tagged case; more is hostile input. */
export const MAX_VLAN_TAGS = 4;

export const EtherType = {
  ipv4: 0x0800,
  arp: 0x0806,
  vlan: 0x8100,
  qinq: 0x88a8,
  qinqOld: 0x9100,
  ipv6: 0x86dd,
  teb: 0x6558,
} as const;

export function isVlanEtherType(t: number): boolean {
  return t === EtherType.vlan || t === EtherType.qinq || t === EtherType.qinqOld;
}

export class EthernetHeader {
  /** Offset of the frame start (for copying MACs when a record asks for them). */
  start = 0;
  etherType = 0;
  /** VLAN IDs outermost first; only the first `vlanCount` entries are meaningful. */
  readonly vlanIds: number[] = new Array<number>(MAX_VLAN_TAGS).fill(0);
  vlanCount = 0;
}

/** Decodes the 14-byte header and every stacked VLAN tag; returns the offset of the payload. */
export function decodeEthernet(buf: Uint8Array, off: number, end: number, out: EthernetHeader, r: DecodeResult): number {
  if (end - off < ETHERNET_HEADER_LEN) return truncate(r, 'ethernet.truncated');
  out.start = off;
  out.vlanCount = 0;
  out.etherType = u16(buf, off + 12);
  if (!r.addLayer(Layer.ethernet)) return -1;
  return decodeVlanTags(buf, off + ETHERNET_HEADER_LEN, end, out, r);
}

/** While the EtherType names a tag, read it (VID, then the next EtherType). */
export function decodeVlanTags(buf: Uint8Array, off: number, end: number, out: EthernetHeader, r: DecodeResult): number {
  let o = off;
  while (isVlanEtherType(out.etherType)) {
    if (out.vlanCount >= MAX_VLAN_TAGS) return fail(r, 'vlan.too_many_layers');
    if (end - o < VLAN_TAG_LEN) return truncate(r, 'vlan.truncated');
    out.vlanIds[out.vlanCount++] = u16(buf, o) & 0x0fff;
    out.etherType = u16(buf, o + 2);
    if (!r.addLayer(Layer.vlan)) return -1;
    o += VLAN_TAG_LEN;
  }
  return o;
}
