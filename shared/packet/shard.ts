/**
 * Offline decode on several threads (`netwatch sensor decode --threads N`), the pure part: every thread reads the
 * whole capture and decodes every packet's headers (cheap), but tracks, reassembles, parses and logs only the flows
 * whose symmetric key hash falls in its share (`Sensor` option `shard`). Each thread serialises its records as EVE
 * JSON lines into `ShardOutput` chunks, each line tagged with the packet that produced it; `ShardMerger` (on the
 * main thread) merges the threads' chunks into one output that matches a single-threaded run:
 *
 * - **Order.** Records come out in the order of the packet that produced them (a flow-end record: the packet whose
 *   timestamp ended it, or the end of the capture). Records produced at the same packet come thread by thread
 *   (thread 0 first), each thread's in its own order. Only that last rule differs from one thread: there, the
 *   records of one packet that belong to different flows (a timeout sweep ending many flows at once) are in
 *   least-recently-seen order across all flows. Deterministic for a given capture and thread count.
 * - **flow_id.** Its low part is the flow's creation serial across the whole capture. Threads number their own
 *   flows; each reports where (packet, carrier or inner flow) it created one, and the merger numbers all creations
 *   in capture order and rewrites `flow_id` in every line, so each record carries the single-thread value.
 * - **Anomaly rate limiting** (per VNI, source and code) is decided here, in the merged order, not by the threads:
 *   a source whose flows fall on different threads is still limited as one.
 * - **Stats.** Packet and layer counts come from thread 0 (every thread sees every packet), anomaly and flow
 *   counts are summed, record counts and suppressed anomalies are the merger's.
 *
 * Two limits are shared rather than global: each thread holds at most 1/N of the flow table (`maxFlows`) and of
 * the reassembly memcap, so a capture that reaches those limits may evict (or stop holding) other flows than one
 * thread would. Memory stays bounded by the limits plus the chunks in flight (the caller bounds those).
 */
import type { EveRecord } from './eve.ts';
import type { SensorStats } from './sensor.ts';

/** Per-(key, window) anomaly record limit (Zeek's weird rate limiting): `burst` records per window, the rest counted. */
export class AnomalyThrottle {
  private readonly seen = new Map<string, { window: number; n: number }>();
  suppressed = 0;
  readonly burst: number;
  private readonly windowMicros: number;

  constructor(burst = 10, windowSec = 60) {
    this.burst = burst;
    this.windowMicros = windowSec * 1e6;
  }

  /** The window a packet time falls in. */
  window(nowMicros: number): number {
    return Math.floor(nowMicros / this.windowMicros);
  }

  /** True when a record for `key` may be logged in `window`; false (and counted as suppressed) past the burst. */
  allow(key: string, window: number): boolean {
    let th = this.seen.get(key);
    if (!th || th.window !== window) {
      // a memory bound, not a policy: past 100k keys start over
      if (this.seen.size > 100_000) this.seen.clear();
      th = { window, n: 0 };
      this.seen.set(key, th);
    }
    if (++th.n > this.burst) {
      this.suppressed++;
      return false;
    }
    return true;
  }
}

/** What a sharded `Sensor` reports besides its records. */
export interface ShardSink {
  /**
   * A record made while handling packet `pkt` (1-based; the packet count plus one at the end of input). `serial`:
   * the thread-local creation serial of the record's flow, -1 when it has none; `last`: the flow's final record.
   * `throttleKey`/`throttleWindow`: an anomaly record, subject to rate limiting (null otherwise).
   */
  record(rec: EveRecord, pkt: number, serial: number, last: boolean, throttleKey: string | null, throttleWindow: number): void;
  /** A flow was created at packet `pkt`: kind 0 the tunnel carrier flow, 1 the packet's own (inner) flow. */
  created(pkt: number, kind: 0 | 1, serial: number, hash: number): void;
}

/** Per line: end offset, packet, flow serial, flags (bit 0: last record of its flow; bits 1+: event type index). */
const META = 4;

/** One thread's records for a run of packets, as transferable arrays (structured clone copies only the small parts). */
export interface ShardChunk {
  /** EVE JSON lines, each ending in '\n'. */
  bytes: Uint8Array;
  /** `META` numbers per line. */
  meta: Float64Array;
  lines: number;
  /** [pkt, kind, serial, hash] per flow creation. */
  creations: Float64Array;
  creationCount: number;
  /** Anomaly lines: line index, throttle key and window. */
  anomalyLines: number[];
  anomalyKeys: string[];
  anomalyWindows: number[];
  /** Event type names by index (the whole table so far). */
  types: string[];
  /** Every record of a packet before this one is in this chunk or an earlier one (Infinity: the last chunk). */
  upTo: number;
}

const encoder = new TextEncoder();

function grow(a: Float64Array<ArrayBuffer>, need: number): Float64Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const n = new Float64Array(Math.max(need, a.length * 2));
  n.set(a);
  return n;
}

/** Collects one thread's records as JSON lines plus the metadata the merger needs; `seal()` hands a chunk over. */
export class ShardOutput implements ShardSink {
  private static readonly SIZE = 1 << 18;
  private bytes = new Uint8Array(ShardOutput.SIZE);
  private len = 0;
  private meta = new Float64Array(256 * META);
  private lines = 0;
  private creations = new Float64Array(64 * 4);
  private creationCount = 0;
  private anomalyLines: number[] = [];
  private anomalyKeys: string[] = [];
  private anomalyWindows: number[] = [];
  private readonly typeIndex = new Map<string, number>();
  private readonly types: string[] = [];

  record(rec: EveRecord, pkt: number, serial: number, last: boolean, throttleKey: string | null, throttleWindow: number): void {
    const line = JSON.stringify(rec);
    // UTF-8 needs at most 3 bytes per UTF-16 unit
    const need = line.length * 3 + 1;
    if (this.bytes.length - this.len < need) {
      const nb = new Uint8Array(Math.max(this.bytes.length * 2, this.len + need));
      nb.set(this.bytes.subarray(0, this.len));
      this.bytes = nb;
    }
    this.len += encoder.encodeInto(line, this.bytes.subarray(this.len)).written;
    this.bytes[this.len++] = 10;
    let t = this.typeIndex.get(rec.event_type);
    if (t === undefined) {
      t = this.types.length;
      this.types.push(rec.event_type);
      this.typeIndex.set(rec.event_type, t);
    }
    if (throttleKey !== null) {
      this.anomalyLines.push(this.lines);
      this.anomalyKeys.push(throttleKey);
      this.anomalyWindows.push(throttleWindow);
    }
    const m = (this.meta = grow(this.meta, (this.lines + 1) * META));
    const i = this.lines * META;
    m[i] = this.len;
    m[i + 1] = pkt;
    m[i + 2] = serial;
    m[i + 3] = (t << 1) | (last ? 1 : 0);
    this.lines++;
  }

  created(pkt: number, kind: 0 | 1, serial: number, hash: number): void {
    const c = (this.creations = grow(this.creations, (this.creationCount + 1) * 4));
    const i = this.creationCount * 4;
    c[i] = pkt;
    c[i + 1] = kind;
    c[i + 2] = serial;
    c[i + 3] = hash;
    this.creationCount++;
  }

  /** Bytes of lines collected since the last seal. */
  get size(): number {
    return this.len;
  }

  /** Hands over everything collected so far; `upTo`: the first packet whose records may still come. */
  seal(upTo: number): ShardChunk {
    // copies of the filled parts go (transferred) to the merger; the working arrays stay here for the next chunk
    const chunk: ShardChunk = {
      bytes: this.bytes.slice(0, this.len),
      meta: this.meta.slice(0, this.lines * META),
      lines: this.lines,
      creations: this.creations.slice(0, this.creationCount * 4),
      creationCount: this.creationCount,
      anomalyLines: this.anomalyLines,
      anomalyKeys: this.anomalyKeys,
      anomalyWindows: this.anomalyWindows,
      types: this.types.slice(),
      upTo,
    };
    this.len = 0;
    this.lines = 0;
    this.creationCount = 0;
    this.anomalyLines = [];
    this.anomalyKeys = [];
    this.anomalyWindows = [];
    return chunk;
  }
}

/** The ArrayBuffers of a chunk, for `postMessage(chunk, transferList(chunk))`. */
export function transferList(c: ShardChunk): ArrayBuffer[] {
  return [c.bytes.buffer as ArrayBuffer, c.meta.buffer as ArrayBuffer, c.creations.buffer as ArrayBuffer];
}

class Side {
  readonly queue: ShardChunk[] = [];
  /** Cursors into queue[0]. */
  line = 0;
  creation = 0;
  anomaly = 0;
  /** End offset of the previous line in queue[0]. */
  lineStart = 0;
  upTo = 0;
  /** Thread-local flow serial -> flow_id of the whole run. */
  readonly ids = new Map<number, number>();
}

const FLOW_ID_KEY = [0x22, 0x66, 0x6c, 0x6f, 0x77, 0x5f, 0x69, 0x64, 0x22, 0x3a]; // "flow_id":

/** Merges the threads' chunks into one stream of EVE lines (see the file comment for the order and the rules). */
export class ShardMerger {
  private readonly sides: Side[];
  private readonly onReleased: (side: number) => void;
  readonly throttle: AnomalyThrottle;
  private serial = 0;
  private out = new Uint8Array(1 << 20);
  private len = 0;
  /** Records written, by event type, in order of first appearance (like a single thread's stats). */
  readonly recordCounts = new Map<string, number>();

  /** `onReleased(side)`: a chunk of that side was fully merged (its producer may send another). */
  constructor(count: number, onReleased: (side: number) => void = () => {}, throttle = new AnomalyThrottle()) {
    this.sides = Array.from({ length: count }, () => new Side());
    this.onReleased = onReleased;
    this.throttle = throttle;
  }

  push(side: number, chunk: ShardChunk): void {
    const s = this.sides[side] as Side;
    s.queue.push(chunk);
    s.upTo = chunk.upTo;
  }

  /** Chunks of a side not merged yet. */
  pending(side: number): number {
    return (this.sides[side] as Side).queue.length;
  }

  /** True once every side sent its last chunk and all of it was merged. */
  get done(): boolean {
    return this.sides.every((s) => s.upTo === Number.POSITIVE_INFINITY && s.queue.length === 0);
  }

  /** Bytes of merged output waiting to be taken. */
  get size(): number {
    return this.len;
  }

  /** A copy of the merged bytes so far (null when none); the caller may keep it. */
  take(): Uint8Array | null {
    if (this.len === 0) return null;
    const b = this.out.slice(0, this.len);
    this.len = 0;
    return b;
  }

  /** Merges every record of the packets that every side has finished. */
  merge(): void {
    let frontier = Number.POSITIVE_INFINITY;
    for (const s of this.sides) if (s.upTo < frontier) frontier = s.upTo;
    for (;;) {
      // the earliest packet any side still has something for
      let p = Number.POSITIVE_INFINITY;
      for (let i = 0; i < this.sides.length; i++) {
        const q = this.head(i);
        if (q < p) p = q;
      }
      if (p === Number.POSITIVE_INFINITY || p >= frontier) {
        // at the very end the frontier is Infinity and so is p: done
        return;
      }
      // flows created at p first (carrier before inner, as one thread creates them), then each side's lines at p
      for (let kind = 0; kind < 2; kind++) for (let i = 0; i < this.sides.length; i++) this.creations(i, p, kind);
      for (let i = 0; i < this.sides.length; i++) this.lines(i, p);
    }
  }

  /** The packet of a side's next line or creation; drops (and releases) chunks it has fully merged. */
  private head(i: number): number {
    const s = this.sides[i] as Side;
    for (;;) {
      const c = s.queue[0];
      if (c === undefined) return Number.POSITIVE_INFINITY;
      const lp = s.line < c.lines ? (c.meta[s.line * META + 1] as number) : Number.POSITIVE_INFINITY;
      const cp = s.creation < c.creationCount ? (c.creations[s.creation * 4] as number) : Number.POSITIVE_INFINITY;
      if (lp !== Number.POSITIVE_INFINITY || cp !== Number.POSITIVE_INFINITY) return lp < cp ? lp : cp;
      // an empty final chunk keeps upTo = Infinity; dropping it is fine, upTo stays on the side
      s.queue.shift();
      s.line = s.creation = s.anomaly = s.lineStart = 0;
      this.onReleased(i);
    }
  }

  private creations(i: number, p: number, kind: number): void {
    const s = this.sides[i] as Side;
    const c = s.queue[0];
    if (c === undefined) return;
    // a side creates at most one flow of each kind per packet, but walk all to be safe
    for (let k = s.creation; k < c.creationCount; k++) {
      const at = k * 4;
      if (c.creations[at] !== p) break;
      if (c.creations[at + 1] !== kind) continue;
      const serial = ++this.serial;
      const hash = c.creations[at + 3] as number;
      // eve.ts flowId(): the key hash and the table serial
      s.ids.set(c.creations[at + 2] as number, (hash >>> 0) * 2097152 + (serial % 2097152));
    }
    if (kind === 1) while (s.creation < c.creationCount && c.creations[s.creation * 4] === p) s.creation++;
  }

  private lines(i: number, p: number): void {
    const s = this.sides[i] as Side;
    const c = s.queue[0];
    if (c === undefined) return;
    const m = c.meta;
    while (s.line < c.lines && m[s.line * META + 1] === p) {
      const at = s.line * META;
      const start = s.lineStart;
      const end = m[at] as number;
      const serial = m[at + 2] as number;
      const flags = m[at + 3] as number;
      s.lineStart = end;
      let keep = true;
      if (s.anomaly < c.anomalyLines.length && c.anomalyLines[s.anomaly] === s.line) {
        keep = this.throttle.allow(c.anomalyKeys[s.anomaly] as string, c.anomalyWindows[s.anomaly] as number);
        s.anomaly++;
      }
      s.line++;
      if (!keep) continue;
      const type = c.types[flags >>> 1] as string;
      this.recordCounts.set(type, (this.recordCounts.get(type) ?? 0) + 1);
      if (serial < 0) {
        this.write(c.bytes, start, end);
        continue;
      }
      const id = s.ids.get(serial);
      if (flags & 1) s.ids.delete(serial);
      this.writeWithFlowId(c.bytes, start, end, id);
    }
  }

  private room(n: number): void {
    if (this.out.length - this.len >= n) return;
    const nb = new Uint8Array(Math.max(this.out.length * 2, this.len + n));
    nb.set(this.out.subarray(0, this.len));
    this.out = nb;
  }

  private write(b: Uint8Array, start: number, end: number): void {
    this.room(end - start);
    this.out.set(b.subarray(start, end), this.len);
    this.len += end - start;
  }

  /** Copies a line with its flow_id value replaced by `id` (the line as is when there is nothing to replace). */
  private writeWithFlowId(b: Uint8Array, start: number, end: number, id: number | undefined): void {
    const at = id === undefined ? -1 : findFlowId(b, start, end);
    if (at < 0) {
      this.write(b, start, end);
      return;
    }
    let numEnd = at;
    while (numEnd < end && b[numEnd] !== 0x2c && b[numEnd] !== 0x7d) numEnd++;
    const digits = String(id);
    this.room(end - start + digits.length);
    this.out.set(b.subarray(start, at), this.len);
    this.len += at - start;
    for (let k = 0; k < digits.length; k++) this.out[this.len++] = digits.charCodeAt(k);
    this.out.set(b.subarray(numEnd, end), this.len);
    this.len += end - numEnd;
  }
}

/** Offset of the flow_id value in a line (eveHeader writes it right after the timestamp), -1 when absent. */
function findFlowId(b: Uint8Array, start: number, end: number): number {
  // `{"timestamp":"` + the timestamp + `",`: the key is near the start; never look past the first 96 bytes
  const stop = Math.min(end, start + 96) - FLOW_ID_KEY.length;
  outer: for (let i = start + 14; i <= stop; i++) {
    for (let k = 0; k < FLOW_ID_KEY.length; k++) if (b[i + k] !== FLOW_ID_KEY[k]) continue outer;
    return i + FLOW_ID_KEY.length;
  }
  return -1;
}

/** One run's stats from its threads' stats (thread 0 first) and the merger (see the file comment). */
export function combineShardStats(parts: SensorStats[], merger: ShardMerger): SensorStats {
  const first = parts[0] as SensorStats;
  const anomalies = new Map<string, number>();
  let created = 0;
  let evicted = 0;
  let active = 0;
  let memcap = 0;
  let internal = 0;
  for (const s of parts) {
    for (const [k, v] of Object.entries(s.anomalies)) anomalies.set(k, (anomalies.get(k) ?? 0) + v);
    created += s.flows.created;
    evicted += s.flows.evicted;
    active += s.flows.active;
    memcap += s.stream.memcap_used;
    internal += s.internal_errors;
  }
  return {
    packets: first.packets,
    bytes: first.bytes,
    decoded: first.decoded,
    truncated: first.truncated,
    tunnelled: first.tunnelled,
    layers: first.layers,
    anomalies: Object.fromEntries([...anomalies].sort(([a], [b]) => a.localeCompare(b))),
    anomaly_records_suppressed: merger.throttle.suppressed,
    records: Object.fromEntries(merger.recordCounts),
    flows: { created, evicted, active },
    stream: { gaps: anomalies.get('stream.gap') ?? 0, memcap_used: memcap },
    internal_errors: internal,
  };
}
