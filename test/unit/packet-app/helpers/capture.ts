import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/**
 * Test-only capture reader for the app-parser tests: classic pcap (link types null, Ethernet, raw IP), VLAN tags,
 * IPv4/IPv6, UDP (VXLAN 4789 unwrapped), and a simple in-order TCP reassembly per direction. It exists so the app
 * parsers can be checked against the suricata-verify captures without depending on the packet core (written in
 * parallel) or on tshark.
 */

export const CORPUS = join(dirname(fileURLToPath(import.meta.url)), '../../../../../shared/corpus/suricata-verify');

export interface Pkt {
  ts: number;
  data: Uint8Array;
}

export function readPcap(path: string): { linktype: number; packets: Pkt[] } {
  const f = new Uint8Array(readFileSync(path));
  const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const magic = dv.getUint32(0, true);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && dv.getUint32(0, false) !== 0xa1b2c3d4 && dv.getUint32(0, false) !== 0xa1b23c4d) {
    throw new Error(`${path}: not a classic pcap`);
  }
  const linktype = dv.getUint32(20, le) & 0xffff;
  const packets: Pkt[] = [];
  for (let o = 24; o + 16 <= f.length; ) {
    const sec = dv.getUint32(o, le);
    const incl = dv.getUint32(o + 8, le);
    packets.push({ ts: sec, data: f.subarray(o + 16, o + 16 + incl) });
    o += 16 + incl;
  }
  return { linktype, packets };
}

export interface L4 {
  proto: 'tcp' | 'udp';
  src: string;
  dst: string;
  sport: number;
  dport: number;
  payload: Uint8Array;
  seq: number;
  ack: number;
  flags: number;
}

function ipStr(b: Uint8Array, i: number, len: 4 | 16): string {
  if (len === 4) return `${b[i]}.${b[i + 1]}.${b[i + 2]}.${b[i + 3]}`;
  const g: string[] = [];
  for (let k = 0; k < 16; k += 2) g.push((((b[i + k] as number) << 8) | (b[i + k + 1] as number)).toString(16));
  return g.join(':');
}

function u16(b: Uint8Array, i: number): number {
  return ((b[i] as number) << 8) | (b[i + 1] as number);
}

function decodeEther(b: Uint8Array, o: number, out: L4[]): void {
  if (b.length - o < 14) return;
  let type = u16(b, o + 12);
  o += 14;
  while ((type === 0x8100 || type === 0x88a8) && b.length - o >= 4) {
    type = u16(b, o + 2);
    o += 4;
  }
  if (type === 0x0800 || type === 0x86dd) decodeIp(b, o, out);
}

function decodeIp(b: Uint8Array, o: number, out: L4[]): void {
  const v = (b[o] as number) >> 4;
  let proto: number;
  let src: string;
  let dst: string;
  let p: number;
  let end: number;
  if (v === 4) {
    const ihl = ((b[o] as number) & 15) * 4;
    end = Math.min(b.length, o + u16(b, o + 2));
    proto = b[o + 9] as number;
    src = ipStr(b, o + 12, 4);
    dst = ipStr(b, o + 16, 4);
    if ((u16(b, o + 6) & 0x1fff) !== 0) return; // non-first fragments: not needed by these captures
    p = o + ihl;
  } else if (v === 6) {
    end = Math.min(b.length, o + 40 + u16(b, o + 4));
    proto = b[o + 6] as number;
    src = ipStr(b, o + 8, 16);
    dst = ipStr(b, o + 24, 16);
    p = o + 40;
    while (proto === 0 || proto === 43 || proto === 60) {
      const nh = b[p] as number;
      p += ((b[p + 1] as number) + 1) * 8;
      proto = nh;
    }
  } else return;
  if (proto === 17 && end - p >= 8) {
    const sport = u16(b, p);
    const dport = u16(b, p + 2);
    if (dport === 4789 || sport === 4789) return decodeEther(b, p + 16, out);
    // Teredo (UDP 3544) carries IPv6 directly.
    if ((dport === 3544 || sport === 3544) && ((b[p + 8] as number) >> 4) === 6) return decodeIp(b, p + 8, out);
    out.push({ proto: 'udp', src, dst, sport, dport, payload: b.subarray(p + 8, end), seq: 0, ack: 0, flags: 0 });
  } else if (proto === 6 && end - p >= 20) {
    const hl = ((b[p + 12] as number) >> 4) * 4;
    const seq = ((u16(b, p + 4) << 16) | u16(b, p + 6)) >>> 0;
    const ack = ((u16(b, p + 8) << 16) | u16(b, p + 10)) >>> 0;
    out.push({ proto: 'tcp', src, dst, sport: u16(b, p), dport: u16(b, p + 2), payload: b.subarray(p + hl, end), seq, ack, flags: b[p + 13] as number });
  }
}

export function decodeL4(linktype: number, data: Uint8Array): L4[] {
  const out: L4[] = [];
  if (linktype === 1) decodeEther(data, 0, out);
  else if (linktype === 0) decodeIp(data, 4, out);
  else if (linktype === 101 || linktype === 228 || linktype === 229) decodeIp(data, 0, out);
  else throw new Error(`linktype ${linktype} not handled by the test reader`);
  return out;
}

export interface UdpDatagram {
  src: string;
  sport: number;
  dst: string;
  dport: number;
  payload: Uint8Array;
}

export function udpPayloads(path: string): UdpDatagram[] {
  const { linktype, packets } = readPcap(path);
  const res: UdpDatagram[] = [];
  for (const p of packets) {
    for (const l of decodeL4(linktype, p.data)) {
      if (l.proto === 'udp') res.push({ src: l.src, sport: l.sport, dst: l.dst, dport: l.dport, payload: l.payload });
    }
  }
  return res;
}

/** One chunk of reassembled stream data in capture order (dir 0 = client→server), or a hole of `gap` bytes. */
export interface StreamChunk {
  dir: 0 | 1;
  bytes: Uint8Array;
  gap?: number;
}

export interface TcpStream {
  client: string;
  server: string;
  chunks: StreamChunk[];
}

interface DirState {
  next: number | null;
  /** Sequence number right after the FIN's data (the FIN itself takes one more). */
  fin?: number;
  pending: Map<number, Uint8Array>;
}

/**
 * In-order TCP reassembly good enough for the corpus: the SYN sender (else the first sender) is the client;
 * out-of-order segments wait until the hole is filled; retransmitted bytes are trimmed.
 */
export function tcpStreams(path: string): TcpStream[] {
  const { linktype, packets } = readPcap(path);
  const flows = new Map<string, { stream: TcpStream; dirs: [DirState, DirState] }>();
  const order: TcpStream[] = [];
  for (const p of packets) {
    for (const l of decodeL4(linktype, p.data)) {
      if (l.proto !== 'tcp') continue;
      const a = `${l.src}|${l.sport}`;
      const bKey = `${l.dst}|${l.dport}`;
      const key = a < bKey ? `${a}-${bKey}` : `${bKey}-${a}`;
      let f = flows.get(key);
      if (f === undefined) {
        const synAck = (l.flags & 0x12) === 0x12;
        const client = synAck ? bKey : a;
        const server = synAck ? a : bKey;
        f = { stream: { client, server, chunks: [] }, dirs: [{ next: null, pending: new Map() }, { next: null, pending: new Map() }] };
        flows.set(key, f);
        order.push(f.stream);
      }
      const dir: 0 | 1 = a === f.stream.client ? 0 : 1;
      const d = f.dirs[dir];
      const syn = (l.flags & 0x02) !== 0;
      if (d.next === null) d.next = (l.seq + (syn ? 1 : 0)) >>> 0;
      const seq = (l.seq + (syn ? 1 : 0)) >>> 0;
      if (l.payload.length > 0) d.pending.set(seq, l.payload);
      if ((l.flags & 0x01) !== 0) d.fin = (seq + l.payload.length) >>> 0;
      // The peer acknowledging bytes we never saw means they were lost in capture: report a gap, move on.
      const rev = f.dirs[dir === 0 ? 1 : 0];
      if ((l.flags & 0x10) !== 0 && rev.next !== null) {
        const ack = l.ack;
        const lost = ((ack - rev.next) | 0) - (rev.fin === rev.next ? 1 : 0);
        if (lost > 0 && lost < 1 << 20 && ![...rev.pending.keys()].some((k) => ((k - (rev.next as number)) | 0) <= 0)) {
          f.stream.chunks.push({ dir: dir === 0 ? 1 : 0, bytes: new Uint8Array(0), gap: lost });
          rev.next = ack;
          drain(f.stream, rev, dir === 0 ? 1 : 0);
        }
      }
      drain(f.stream, d, dir);
    }
  }
  return order;
}

/** Moves whatever is now contiguous from `pending` to the stream. */
function drain(stream: TcpStream, d: DirState, dir: 0 | 1): void {
  for (let progressed = true; progressed; ) {
    progressed = false;
    for (const [s, bytes] of d.pending) {
      const rel = (s - (d.next as number)) | 0;
      if (rel > 0) continue;
      d.pending.delete(s);
      if (-rel < bytes.length) {
        const fresh = bytes.subarray(-rel);
        stream.chunks.push({ dir, bytes: fresh });
        d.next = ((d.next as number) + fresh.length) >>> 0;
      }
      progressed = true;
    }
  }
}

export function hex(s: string): Uint8Array {
  const clean = s.replace(/[^0-9a-fA-F]/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function ascii(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
