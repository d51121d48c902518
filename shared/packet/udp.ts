/**
 * UDP, RFC 768.
 *
 *   +--------+--------+--------+--------+
 *   |  Source Port    |   Dest Port     |
 *   |    Length       |   Checksum      |
 *   +--------+--------+--------+--------+
 */
import { type DecodeResult, Layer, anomaly, fail, truncate, u16 } from './result.ts';

export const UDP_HEADER_LEN = 8;

export class UdpHeader {
  srcPort = 0;
  dstPort = 0;
  length = 0;
  payloadOff = 0;
  payloadLen = 0;
}

/** `end` is the IP payload end; a UDP length shorter than it trims the payload, a longer one means truncation. */
export function decodeUdp(buf: Uint8Array, off: number, end: number, out: UdpHeader, r: DecodeResult, ipTruncated = false): number {
  if (end - off < UDP_HEADER_LEN) return truncate(r, 'udp.pkt_too_small');
  out.srcPort = u16(buf, off);
  out.dstPort = u16(buf, off + 2);
  let len = u16(buf, off + 4);
  // a datagram longer than 65535 (BIG TCP/GSO super-packet, RFC 2675 jumbogram) carries length 0: use what is there
  if (len === 0 && end - off > 0xffff) len = end - off;
  out.length = len;
  if (len < UDP_HEADER_LEN) return fail(r, 'udp.hlen_invalid');
  if (!r.addLayer(Layer.udp)) return -1;
  out.payloadOff = off + UDP_HEADER_LEN;
  const avail = end - off;
  if (len > avail) {
    // a cut mirror packet is normal; a UDP length that disagrees with a complete IP packet is not
    if (!ipTruncated) anomaly(r, 'udp.len_invalid');
    r.truncated = true;
    out.payloadLen = avail - UDP_HEADER_LEN;
  } else {
    if (len < avail) anomaly(r, 'udp.len_invalid');
    out.payloadLen = len - UDP_HEADER_LEN;
  }
  return out.payloadOff;
}
