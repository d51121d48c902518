/**
 * A small classic-pcap reader and writer for tests (24-byte file header, 16-byte record headers), no dependency.
 * The product's streaming reader (pcap + pcapng) is shared/packet/pcap.ts; this one is its independent oracle.
 */
import { readFileSync } from 'node:fs';

export interface PcapRecord {
  tsSec: number;
  tsUsec: number;
  origLen: number;
  data: Uint8Array;
}

export interface PcapFile {
  linkType: number;
  snaplen: number;
  nanos: boolean;
  records: PcapRecord[];
}

export function readPcap(path: string): PcapFile {
  const b = new Uint8Array(readFileSync(path));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = dv.getUint32(0, false);
  const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  const nanos = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  if (!le && magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error(`${path}: not a classic pcap`);
  const snaplen = dv.getUint32(16, le);
  const linkType = dv.getUint32(20, le) & 0x0fffffff;
  const records: PcapRecord[] = [];
  let o = 24;
  while (o + 16 <= b.length) {
    const incl = dv.getUint32(o + 8, le);
    records.push({
      tsSec: dv.getUint32(o, le),
      tsUsec: nanos ? Math.floor(dv.getUint32(o + 4, le) / 1000) : dv.getUint32(o + 4, le),
      origLen: dv.getUint32(o + 12, le),
      data: b.subarray(o + 16, o + 16 + incl),
    });
    o += 16 + incl;
  }
  return { linkType, snaplen, nanos, records };
}

/** Writes a little-endian microsecond pcap. */
export function writePcap(linkType: number, records: readonly PcapRecord[], snaplen = 262144): Uint8Array {
  let size = 24;
  for (const r of records) size += 16 + r.data.length;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, snaplen, true);
  dv.setUint32(20, linkType, true);
  let o = 24;
  for (const r of records) {
    dv.setUint32(o, r.tsSec, true);
    dv.setUint32(o + 4, r.tsUsec, true);
    dv.setUint32(o + 8, r.data.length, true);
    dv.setUint32(o + 12, r.origLen, true);
    out.set(r.data, o + 16);
    o += 16 + r.data.length;
  }
  return out;
}
