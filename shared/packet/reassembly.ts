/**
 * TCP reassembly, one `TcpStream` per flow with two directions, in the spirit of Suricata's stream engine but
 * much smaller: in-order bytes go straight to the parser (no copy); out-of-order segments are copied and held,
 * bounded per direction and globally; a hole that cannot be filled (buffer limit, flow end) becomes a `gap` for
 * the parser, which resyncs. Retransmitted bytes already delivered are dropped; overlapping held segments keep the
 * first copy (`stream.overlap_different` when the bytes differ). A capture that sees only one direction (an async
 * or one-way mirror) is fine: each direction stands alone.
 *
 * Sequence numbers are compared modulo 2^32 (RFC 9293 §3.4): `((a - b) | 0) < 0` means a is before b.
 */
import type { AnomalyCode } from './anomalies.ts';
import { TcpFlag } from './tcp.ts';

export interface StreamConsumer {
  feed(dir: 0 | 1, buf: Uint8Array, off: number, end: number): void;
  gap(dir: 0 | 1, len: number): void;
}

export interface ReassemblyOptions {
  /** Bytes parsed per direction; the rest of a long stream (downloads) is not parsed. Suricata's default is 1 MiB. */
  depth: number;
  /** Out-of-order bytes held per direction before the hole is declared a gap. */
  maxHeldPerDir: number;
  /** Out-of-order segments held per direction (many tiny segments cost more than their bytes). */
  maxSegmentsPerDir: number;
}

export const DEFAULT_REASSEMBLY_OPTIONS: ReassemblyOptions = { depth: 1 << 20, maxHeldPerDir: 256 * 1024, maxSegmentsPerDir: 256 };

/** Global cap on held out-of-order bytes across all flows (the sensor's memory bound). */
export class ReassemblyBudget {
  used = 0;
  readonly cap: number;
  constructor(cap = 64 * 1024 * 1024) {
    this.cap = cap;
  }
}

interface Held {
  seq: number;
  data: Uint8Array;
}

const before = (a: number, b: number): boolean => ((a - b) | 0) < 0;

class Direction {
  started = false;
  next = 0;
  delivered = 0;
  held: Held[] = [];
  heldBytes = 0;
  depthReached = false;
  finSeen = false;
}

export class TcpStream {
  private readonly dirs: [Direction, Direction] = [new Direction(), new Direction()];
  private readonly consumer: StreamConsumer;
  private readonly onAnomaly: (code: AnomalyCode) => void;
  private readonly budget: ReassemblyBudget;
  private readonly opts: ReassemblyOptions;
  gaps = 0;

  constructor(consumer: StreamConsumer, onAnomaly: (code: AnomalyCode) => void, budget: ReassemblyBudget, opts: ReassemblyOptions = DEFAULT_REASSEMBLY_OPTIONS) {
    this.consumer = consumer;
    this.onAnomaly = onAnomaly;
    this.budget = budget;
    this.opts = opts;
  }

  /** One TCP segment of direction `dir`; payload is `buf[off, off+len)`. */
  segment(dir: 0 | 1, seq: number, flags: number, buf: Uint8Array, off: number, len: number): void {
    const d = this.dirs[dir];
    let s = seq;
    if (flags & TcpFlag.syn) {
      // the SYN takes one sequence number; TCP Fast Open data follows it (RFC 7413)
      if (!d.started || d.delivered === 0) {
        d.started = true;
        d.next = (seq + 1) >>> 0;
      }
      s = (seq + 1) >>> 0;
    } else if (!d.started) {
      // joined mid-stream (late mirror start, one-sided capture): the first byte we see is the start
      d.started = true;
      d.next = seq;
    }
    if (flags & TcpFlag.fin) d.finSeen = true;
    if (len <= 0 || d.depthReached) return;
    this.place(dir, d, s, buf, off, len);
  }

  private place(dir: 0 | 1, d: Direction, seq: number, buf: Uint8Array, off: number, len: number): void {
    const rel = (seq - d.next) | 0;
    if (rel <= 0) {
      // starts at or before the next expected byte: drop what was already delivered (retransmission)
      const skip = -rel;
      if (skip >= len) return;
      this.deliver(dir, d, buf, off + skip, len - skip);
      this.drain(dir, d);
      return;
    }
    this.hold(dir, d, seq, buf, off, len);
  }

  private deliver(dir: 0 | 1, d: Direction, buf: Uint8Array, off: number, len: number): void {
    let n = len;
    const room = this.opts.depth - d.delivered;
    if (n > room) n = room;
    if (n > 0) this.consumer.feed(dir, buf, off, off + n);
    d.delivered += len;
    d.next = (d.next + len) >>> 0;
    if (d.delivered >= this.opts.depth && !d.depthReached) {
      d.depthReached = true;
      this.onAnomaly('stream.depth_reached');
      this.release(d);
    }
  }

  /** Delivers held segments that became contiguous. */
  private drain(dir: 0 | 1, d: Direction): void {
    while (d.held.length > 0 && !d.depthReached) {
      const h = d.held[0] as Held;
      const rel = (h.seq - d.next) | 0;
      if (rel > 0) return;
      d.held.shift();
      d.heldBytes -= h.data.length;
      this.budget.used -= h.data.length;
      const skip = -rel;
      if (skip < h.data.length) this.deliver(dir, d, h.data, skip, h.data.length - skip);
    }
  }

  private hold(dir: 0 | 1, d: Direction, seq: number, buf: Uint8Array, off: number, len: number): void {
    // find the insertion point (held is sorted by seq); compare an exact-seq duplicate for evasion-style overlaps
    let i = 0;
    while (i < d.held.length && before((d.held[i] as Held).seq, seq)) i++;
    const same = d.held[i];
    if (same && same.seq === seq) {
      const n = Math.min(same.data.length, len);
      for (let k = 0; k < n; k++) {
        if (same.data[k] !== buf[off + k]) {
          this.onAnomaly('stream.overlap_different');
          break;
        }
      }
      if (len <= same.data.length) return;
    }
    if (d.heldBytes + len > this.opts.maxHeldPerDir || d.held.length >= this.opts.maxSegmentsPerDir) {
      // the hole is not going to fill within our bounds: give up on it
      this.skipHole(dir, d, seq);
      this.place(dir, d, seq, buf, off, len);
      return;
    }
    if (this.budget.used + len > this.budget.cap) {
      this.onAnomaly('stream.memcap_reached');
      this.skipHole(dir, d, seq);
      this.place(dir, d, seq, buf, off, len);
      return;
    }
    const copy = buf.slice(off, off + len);
    d.held.splice(i, 0, { seq, data: copy });
    d.heldBytes += len;
    this.budget.used += len;
  }

  /** Declares the bytes up to the first held segment (or `incoming`, if earlier) lost, then drains. */
  private skipHole(dir: 0 | 1, d: Direction, incoming?: number): void {
    const first = d.held[0];
    let target = first ? first.seq : (incoming ?? d.next);
    if (incoming !== undefined && before(incoming, target)) target = incoming;
    const lost = (target - d.next) | 0;
    if (lost > 0) {
      this.gaps++;
      this.onAnomaly('stream.gap');
      this.consumer.gap(dir, lost);
      d.next = target;
      d.delivered += lost;
    }
    this.drain(dir, d);
  }

  /** Flow end: whatever is still held is delivered across its holes. */
  finish(): void {
    for (const dir of [0, 1] as const) {
      const d = this.dirs[dir];
      while (d.held.length > 0 && !d.depthReached) this.skipHole(dir, d);
      if (d.depthReached) continue;
      this.release(d);
    }
  }

  private release(d: Direction): void {
    this.budget.used -= d.heldBytes;
    d.heldBytes = 0;
    d.held.length = 0;
  }
}
