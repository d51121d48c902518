/**
 * Builds the sensor benchmark capture: real HTTP, TLS and DNS conversations taken from the corpus captures
 * (../shared/corpus, read at run time, never copied into the repo), replicated into many flows by rewriting the inner
 * client address and port, each frame wrapped in VXLAN as AWS Traffic Mirroring sends it (outer Ethernet/IPv4/UDP
 * 4789, one VNI per simulated mirror session). Checksums are left as they are (the sensor ignores them, as AWS does).
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const CORPUS = join(import.meta.dirname, '../../shared/corpus');
/** Conversations to replicate (Ethernet/IPv4 captures): HTTP, TLS 1.2 + 1.3 (with certificates), DNS. */
export const SOURCES = [
  'suricata-verify/bug-130/input.pcap',
  'suricata-verify/http-all-headers/input.pcap',
  'suricata-verify/community-id-ipv4/input.pcap',
  'suricata-verify/bug-2646-01/input.pcap',
  'suricata-verify/dns-udp-eve-txt/input.pcap',
  'suricata-verify/dns-udp-eve-log-aaaa-only/dns-udp-google.com-a-aaaa-mx.pcap',
];

interface Frame {
  data: Uint8Array;
  /** offset of the inner IPv4 header */
  ip: number;
  /** which side is the client: 1 if the frame's source is the client */
  fromClient: boolean;
  dt: number;
}

function readFrames(path: string): Frame[] {
  const b = new Uint8Array(readFileSync(path));
  const dv = new DataView(b.buffer, b.byteOffset);
  const le = dv.getUint32(0, true) === 0xa1b2c3d4;
  let o = 24;
  const out: Frame[] = [];
  let first = -1;
  let client = -1;
  while (o + 16 <= b.length) {
    const sec = dv.getUint32(o, le);
    const usec = dv.getUint32(o + 4, le);
    const len = dv.getUint32(o + 8, le);
    const data = b.slice(o + 16, o + 16 + len);
    o += 16 + len;
    const et = (data[12]! << 8) | data[13]!;
    if (et !== 0x0800) continue;
    const src = new DataView(data.buffer).getUint32(14 + 12);
    if (client < 0) client = src;
    const t = sec * 1e6 + usec;
    if (first < 0) first = t;
    out.push({ data, ip: 14, fromClient: src === client, dt: t - first });
  }
  return out;
}

function u16be(b: Uint8Array, o: number, v: number): void {
  b[o] = v >> 8;
  b[o + 1] = v & 0xff;
}

/** Writes `packets` VXLAN frames to `path`; returns the number written. */
export function generateSensorPcap(path: string, packets: number): number {
  const convs = SOURCES.map((s) => readFrames(join(CORPUS, s))).filter((c) => c.length > 0);
  const fd = openSync(path, 'w');
  const hdr = new Uint8Array(24);
  const hv = new DataView(hdr.buffer);
  hv.setUint32(0, 0xa1b2c3d4, true);
  hv.setUint16(4, 2, true);
  hv.setUint16(6, 4, true);
  hv.setUint32(16, 262144, true);
  hv.setUint32(20, 1, true);
  writeSync(fd, hdr);
  const buf = new Uint8Array(8 << 20);
  let fill = 0;
  let written = 0;
  let copy = 0;
  let t0 = 1_700_000_000 * 1e6;
  while (written < packets) {
    for (const conv of convs) {
      const vni = 1000 + (copy % 16);
      const clientLow = copy & 0xffff;
      const port = 10000 + (copy % 50000);
      for (const f of conv) {
        if (written >= packets) break;
        const inner = f.data;
        const total = 50 + inner.length;
        if (fill + 16 + total > buf.length) {
          writeSync(fd, buf, 0, fill);
          fill = 0;
        }
        const dv = new DataView(buf.buffer, fill);
        const ts = t0 + f.dt;
        dv.setUint32(0, Math.floor(ts / 1e6), true);
        dv.setUint32(4, ts % 1e6, true);
        dv.setUint32(8, total, true);
        dv.setUint32(12, total, true);
        const p = fill + 16;
        // outer Ethernet + IPv4 + UDP(4789) + VXLAN
        buf.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00], p);
        buf.set([0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 9, 0, 10, 10, 9, 0, 20], p + 14);
        u16be(buf, p + 16, 20 + 8 + 8 + inner.length);
        u16be(buf, p + 34, 40000 + (vni & 0xff));
        u16be(buf, p + 36, 4789);
        u16be(buf, p + 38, 8 + 8 + inner.length);
        buf.set([0, 0], p + 40);
        buf.set([0x08, 0, 0, 0, (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0], p + 42);
        buf.set(inner, p + 50);
        // make this copy a distinct conversation: client address low 16 bits and client port
        const ip = p + 50 + f.ip;
        const ihl = (buf[ip]! & 0x0f) * 4;
        const addr = f.fromClient ? ip + 12 : ip + 16;
        u16be(buf, addr + 2, clientLow);
        const proto = buf[ip + 9];
        if (proto === 6 || proto === 17) u16be(buf, ip + ihl + (f.fromClient ? 0 : 2), port);
        fill += 16 + total;
        written++;
      }
      copy++;
    }
    t0 += 2_000_000;
  }
  writeSync(fd, buf, 0, fill);
  closeSync(fd);
  return written;
}
