/**
 * Capture link layers that are not Ethernet: Linux cooked capture v1 (LINKTYPE_LINUX_SLL 113, 16 bytes) and v2
 * (LINKTYPE_LINUX_SLL2 276, 20 bytes), and BSD null/loopback (LINKTYPE_NULL 0: 4-byte address family in the
 * capturing host's byte order; LINKTYPE_LOOP 108: the same in network order). See tcpdump.org/linktypes.html.
 *
 *   SLL:  packet type (2) | ARPHRD (2) | addr len (2) | addr (8) | protocol (2)
 *   SLL2: protocol (2) | reserved (2) | ifindex (4) | ARPHRD (2) | packet type (1) | addr len (1) | addr (8)
 */
import { EtherType } from './ethernet.ts';
import { type DecodeResult, Layer, fail, truncate, u16 } from './result.ts';

export const LinkType = {
  null: 0,
  ethernet: 1,
  rawBsd12: 12,
  rawBsd14: 14,
  raw: 101,
  loop: 108,
  linuxSll: 113,
  ipv4: 228,
  ipv6: 229,
  linuxSll2: 276,
} as const;

export class LinkHeader {
  /** EtherType of the payload (IPv4/IPv6, or another SLL protocol). */
  etherType = 0;
}

export function decodeSll(buf: Uint8Array, off: number, end: number, out: LinkHeader, r: DecodeResult): number {
  if (end - off < 16) return truncate(r, 'sll.truncated');
  out.etherType = u16(buf, off + 14);
  if (!r.addLayer(Layer.sll)) return -1;
  return off + 16;
}

export function decodeSll2(buf: Uint8Array, off: number, end: number, out: LinkHeader, r: DecodeResult): number {
  if (end - off < 20) return truncate(r, 'sll.truncated');
  out.etherType = u16(buf, off);
  if (!r.addLayer(Layer.sll)) return -1;
  return off + 20;
}

/** AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS), 10 (Linux). */
function familyToEtherType(f: number): number {
  if (f === 2) return EtherType.ipv4;
  if (f === 24 || f === 28 || f === 30 || f === 10) return EtherType.ipv6;
  return -1;
}

export function decodeNull(buf: Uint8Array, off: number, end: number, out: LinkHeader, r: DecodeResult, networkOrder: boolean): number {
  if (end - off < 4) return truncate(r, 'null.truncated');
  const b0 = buf[off] as number;
  const b3 = buf[off + 3] as number;
  // the family is small, so whichever end byte is non-zero tells the byte order when the writer's is unknown
  const fam = networkOrder ? b3 : b0 !== 0 ? b0 | ((buf[off + 1] as number) << 8) : b3 | ((buf[off + 2] as number) << 8);
  const et = familyToEtherType(fam);
  if (et < 0) return fail(r, 'null.unknown_family');
  out.etherType = et;
  if (!r.addLayer(Layer.null)) return -1;
  return off + 4;
}
