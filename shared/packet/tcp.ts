/**
 * TCP, RFC 9293 §3.1; options: MSS (RFC 9293 §3.2), window scale and timestamps (RFC 7323), SACK (RFC 2018),
 * TCP Fast Open cookie (RFC 7413).
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Source Port          |       Destination Port        |
 *   |                        Sequence Number                        |
 *   |                    Acknowledgment Number                      |
 *   |  Data |       |C|E|U|A|P|R|S|F|                               |
 *   | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *   |           Checksum            |         Urgent Pointer        |
 *   |                    Options                    |    Padding    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Checksums are not verified: AWS does not recompute them on truncated mirror packets.
 */
import { type DecodeResult, Layer, anomaly, fail, truncate, u16, u32 } from './result.ts';

export const TCP_MIN_HEADER_LEN = 20;

export const TcpFlag = { fin: 0x01, syn: 0x02, rst: 0x04, psh: 0x08, ack: 0x10, urg: 0x20, ece: 0x40, cwr: 0x80 } as const;

const OPT_EOL = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WSCALE = 3;
const OPT_SACK_PERM = 4;
const OPT_SACK = 5;
const OPT_TS = 8;
const OPT_TFO = 34;

export class TcpHeader {
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  dataOffset = 0;
  flags = 0;
  window = 0;
  urgent = 0;
  /** -1 when absent. */
  mss = -1;
  wscale = -1;
  sackPermitted = false;
  sackBlocks = 0;
  hasTimestamp = false;
  tsVal = 0;
  tsEcr = 0;
  hasTfo = false;
  payloadOff = 0;
  payloadLen = 0;
}

export function decodeTcp(buf: Uint8Array, off: number, end: number, out: TcpHeader, r: DecodeResult): number {
  if (end - off < TCP_MIN_HEADER_LEN) return truncate(r, 'tcp.pkt_too_small');
  out.srcPort = u16(buf, off);
  out.dstPort = u16(buf, off + 2);
  out.seq = u32(buf, off + 4);
  out.ack = u32(buf, off + 8);
  const doff = (buf[off + 12] as number) >> 4;
  out.dataOffset = doff;
  out.flags = buf[off + 13] as number;
  out.window = u16(buf, off + 14);
  out.urgent = u16(buf, off + 18);
  out.mss = -1;
  out.wscale = -1;
  out.sackPermitted = false;
  out.sackBlocks = 0;
  out.hasTimestamp = false;
  out.tsVal = 0;
  out.tsEcr = 0;
  out.hasTfo = false;
  const hlen = doff * 4;
  if (hlen < TCP_MIN_HEADER_LEN) return fail(r, 'tcp.hlen_invalid');
  if (hlen > end - off) {
    // either a lie or a truncated mirror packet; both stop here, but only the second is "truncated"
    return truncate(r, 'tcp.hlen_invalid');
  }
  let seen = 0; // bitmask of option kinds < 32 already seen, for tcp.opt_duplicate
  let o = off + TCP_MIN_HEADER_LEN;
  const optEnd = off + hlen;
  while (o < optEnd) {
    const kind = buf[o] as number;
    if (kind === OPT_EOL) break;
    if (kind === OPT_NOP) {
      o++;
      continue;
    }
    if (optEnd - o < 2) return fail(r, 'tcp.opt_invalid_len');
    const len = buf[o + 1] as number;
    if (len < 2 || len > optEnd - o) return fail(r, 'tcp.opt_invalid_len');
    if (kind < 32) {
      const bit = 1 << kind;
      if ((seen & bit) !== 0 && kind !== OPT_SACK) anomaly(r, 'tcp.opt_duplicate');
      seen |= bit;
    }
    switch (kind) {
      case OPT_MSS:
        if (len !== 4) return fail(r, 'tcp.opt_invalid_len');
        out.mss = u16(buf, o + 2);
        break;
      case OPT_WSCALE:
        if (len !== 3) return fail(r, 'tcp.opt_invalid_len');
        out.wscale = buf[o + 2] as number;
        break;
      case OPT_SACK_PERM:
        if (len !== 2) return fail(r, 'tcp.opt_invalid_len');
        out.sackPermitted = true;
        break;
      case OPT_SACK:
        if (len < 10 || (len - 2) % 8 !== 0) return fail(r, 'tcp.opt_invalid_len');
        out.sackBlocks = (len - 2) / 8;
        break;
      case OPT_TS:
        if (len !== 10) return fail(r, 'tcp.opt_invalid_len');
        out.hasTimestamp = true;
        out.tsVal = u32(buf, o + 2);
        out.tsEcr = u32(buf, o + 6);
        break;
      case OPT_TFO:
        out.hasTfo = true;
        break;
      default:
        break;
    }
    o += len;
  }
  if (!r.addLayer(Layer.tcp)) return -1;
  out.payloadOff = off + hlen;
  out.payloadLen = end - (off + hlen);
  return off + hlen;
}

/** Suricata's spelling of TCP flags in EVE (`tcp_flags: "1b"` as hex, and booleans per flag). */
export function tcpFlagsHex(flags: number): string {
  return FLAGS_HEX[flags & 0xff] as string;
}

const FLAGS_HEX: readonly string[] = Array.from({ length: 256 }, (_, v) => v.toString(16).padStart(2, '0'));
