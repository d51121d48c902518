import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { MessageChannel, type MessagePort, Worker, isMainThread, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { Command } from 'commander';
import { UsageError } from '../../shared/errors.ts';
import { type EveRecord, type VniLookup, eveTimestamp } from '../../shared/packet/eve.ts';
import { DEFAULT_FLOW_OPTIONS } from '../../shared/packet/flow.ts';
import { PcapReader } from '../../shared/packet/pcap.ts';
import { ReassemblyBudget } from '../../shared/packet/reassembly.ts';
import { type LineFn, Sensor, type SensorOptions, type SensorStats, combineTapeStats } from '../../shared/packet/sensor.ts';
import { type ShardChunk, ShardMerger, ShardOutput, combineShardStats, transferList } from '../../shared/packet/shard.ts';
import { defaultStreamParsers } from '../../shared/packet/streams.ts';
import { type FrontStats, SensorFront, type TapeBatch, UNPARSED_SLOTS, tapeTransferList } from '../../shared/packet/tape.ts';
import type { PartitionedSink, SinkStats } from '../../sensor-ami/src/sink.ts';

export interface DecodeOptions {
  out?: string;
  stats?: boolean;
  progress?: boolean;
  communityIdSeed?: string;
  vniMap?: string;
  /** Threads decoding the capture (stdout output only; `--out` runs on one): a number, or 'auto' (default). */
  threads?: string;
}

/**
 * `--threads auto`: 2 threads (the two-stage split, tape.ts) from this capture size on, when there are 2 cores.
 * Why 16 MiB: the second thread costs ~0.1 s of start-up CPU (its own Node environment and JIT warm-up), which a
 * capture this size repays; below it one thread finishes first.
 */
export const AUTO_THREADS_MIN_BYTES = 16 << 20;

/**
 * The thread count for these options and capture size: --threads, else see AUTO_THREADS_MIN_BYTES. 2 is the
 * two-stage split (decode and flows on one thread, the rest on the other); 3 or more shard the flows (shard.ts),
 * stdout only (`--out` runs on 1 or 2).
 */
export function decodeThreads(o: DecodeOptions, size: number): number {
  const auto = o.threads === undefined || o.threads === 'auto';
  // on 2 cores the two stages and V8's compiler and GC threads saturate both: measured no faster than one thread
  const want = auto ? (size >= AUTO_THREADS_MIN_BYTES && availableParallelism() >= 3 ? 2 : 1) : Number(o.threads);
  if (!Number.isInteger(want) || want < 1 || want > 16) throw new UsageError('--threads must be an integer 1..16 or auto');
  return o.out ? Math.min(want, 2) : want;
}

export interface DecodeResultSummary {
  file: string;
  stats: SensorStats & { elapsed_ms: number; pps: number };
  sink?: SinkStats;
}

/** `netwatch sensor decode`: streams a pcap/pcapng through the sensor pipeline. */
export async function runDecode(file: string, o: DecodeOptions, write: (chunk: Uint8Array) => boolean | Promise<void> = defaultWrite): Promise<DecodeResultSummary> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new UsageError(`${file} is not a file`);
    size = st.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new Error(`cannot read ${file}`, { cause: err });
  }
  const seed = o.communityIdSeed === undefined ? 0 : Number(o.communityIdSeed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 65535) throw new UsageError('--community-id-seed must be an integer 0..65535');
  const threads = decodeThreads(o, size);
  if (threads > 2) return runDecodeThreads(file, size, seed, threads, o, write);
  const stem = `${basename(file).replace(/[^A-Za-z0-9._-]/g, '_')}-${createHash('sha1').update(`${file}:${size}`).digest('hex').slice(0, 10)}`;
  // the front stage boots on its own thread while this one loads the sink and the VNI map
  const front = threads === 2 ? startFront(file, seed, o.vniMap) : null;
  // the sink pulls in the AWS SDK (S3); load it only when writing objects
  const sink: PartitionedSink | null = o.out ? new (await import('../../sensor-ami/src/sink.ts')).PartitionedSink({ out: o.out, stem }) : null;
  const lines = new LineBuffer();
  const sensor = new Sensor(
    (rec: EveRecord) => {
      if (sink) sink.add(rec);
      else lines.add(JSON.stringify(rec));
    },
    { streamParsers: defaultStreamParsers, communityIdSeed: seed, mirror: await loadVniMap(o.vniMap) },
  );
  const started = performance.now();
  const showProgress = o.progress ?? (process.stderr.isTTY === true && !o.stats);
  const flushLines = async (): Promise<void> => {
    const chunks = lines.take();
    if (chunks === null) return;
    for (const chunk of chunks) {
      const ok = write(chunk);
      if (ok instanceof Promise) {
        await ok;
        // the writer is done with the bytes: the next lines reuse the memory (no fresh pages to fault in)
        lines.recycle(chunk);
      } else if (!ok) await new Promise<void>((res) => process.stdout.once('drain', () => res()));
    }
  };
  if (front !== null) {
    // the front's DNS records come as JSON lines: copied into the output as they are
    const text = new TextDecoder();
    const emitLine: LineFn = sink
      ? (b, off, len, type, ts) => sink.addLine(type, eveTimestamp(ts), text.decode(b.subarray(off, off + len)))
      : (b, off, len) => lines.addBytes(b, off, len);
    const frontStats = await runBack(front, sensor, emitLine, size, showProgress, async () => {
      if (lines.full) await flushLines();
      // the sink's writes (and anything else pending) get their turn between batches
      if (sink) await new Promise<void>((res) => setImmediate(res));
    });
    await flushLines();
    if (sink) await sink.close();
    if (showProgress) process.stderr.write('\r\x1b[K');
    const elapsed = performance.now() - started;
    const stats = { ...combineTapeStats(frontStats, sensor.stats()), elapsed_ms: Math.round(elapsed), pps: Math.round(frontStats.packets / (elapsed / 1000 || 1e-9)) };
    return { file, stats, ...(sink ? { sink: sink.stats } : {}) };
  }
  const reader = new PcapReader((p) => sensor.frame(p.data, p.off, p.capLen, p.linkType, p.tsMicros));
  let lastProgress = started;
  let done = 0;
  const fd = openSync(file, 'r');
  try {
    const read = readFrom(fd);
    for (;;) {
      const n = reader.pull(read, READ_SIZE);
      if (n === 0) break;
      done += n;
      if (lines.full) await flushLines();
      if (showProgress && performance.now() - lastProgress > 250) {
        lastProgress = performance.now();
        const pct = size ? Math.floor((done / size) * 100) : 100;
        process.stderr.write(`\r${pct}% ${sensor.packets} packets`);
      }
      // the reads are synchronous: give the sink's writes (and anything else pending) their turn
      if (sink) await new Promise<void>((res) => setImmediate(res));
    }
  } finally {
    closeSync(fd);
  }
  const dangling = reader.finish();
  if (dangling > 0) sensor.countTruncatedCapture(dangling);
  sensor.finish();
  await flushLines();
  if (sink) await sink.close();
  if (showProgress) process.stderr.write('\r\x1b[K');
  const elapsed = performance.now() - started;
  const stats = { ...sensor.stats(), elapsed_ms: Math.round(elapsed), pps: Math.round(sensor.packets / (elapsed / 1000 || 1e-9)) };
  return { file, stats, ...(sink ? { sink: sink.stats } : {}) };
}

/** What the main thread tells the front-stage thread (tape.ts). */
interface FrontWorkerInit {
  marker: typeof FRONT_WORKER;
  file: string;
  /** For the DNS records the front writes (Community ID seed, VNI map file). */
  seed: number;
  vniMap?: string;
  /** [tape batches the back has applied]: the front keeps at most TAPE_IN_FLIGHT batches ahead. */
  ctl: SharedArrayBuffer;
  /** The back's "no longer parsed" flow array (UNPARSED_SLOTS words). */
  unparsed: SharedArrayBuffer;
  /** Applied batches come back on this port, for reuse. */
  recycle: MessagePort;
}

type FromFrontWorker = { t: 'batch'; batch: TapeBatch; done: number } | { t: 'done'; stats: FrontStats } | { t: 'error'; message: string };

const FRONT_WORKER = 'netwatch-sensor-front-worker';
/** Why 16: a batch is one 1 MiB read of the capture; 16 of them bound the tape waiting for the back (~20 MB). */
const TAPE_IN_FLIGHT = 16;

interface FrontHandle {
  worker: Worker;
  ctl: Int32Array;
  unparsed: Int32Array;
  recycle: MessagePort;
  queue: FromFrontWorker[];
  failure: Error | null;
  wake: (() => void) | null;
}

/** Starts the front stage on its own thread: it reads the capture and sends tape batches. */
function startFront(file: string, seed: number, vniMap: string | undefined): FrontHandle {
  const ctl = new SharedArrayBuffer(4);
  const unparsed = new SharedArrayBuffer(UNPARSED_SLOTS * 4);
  new Int32Array(unparsed).fill(-1);
  const { port1, port2 } = new MessageChannel();
  const init: FrontWorkerInit = { marker: FRONT_WORKER, file, seed, vniMap, ctl, unparsed, recycle: port2 };
  // the worker entry is this very module (bundled or not): its top level starts the worker when it sees the marker
  const worker = new Worker(new URL(import.meta['url']), { workerData: init, transferList: [port2] });
  const h: FrontHandle = { worker, ctl: new Int32Array(ctl), unparsed: new Int32Array(unparsed), recycle: port1, queue: [], failure: null, wake: null };
  const poke = (): void => {
    const w = h.wake;
    h.wake = null;
    w?.();
  };
  worker.on('message', (m: FromFrontWorker) => {
    h.queue.push(m);
    poke();
  });
  worker.on('error', (err: Error) => {
    h.failure ??= err;
    poke();
  });
  worker.once('exit', () => {
    h.failure ??= new Error(`the decode thread stopped before the end of ${file}`);
    poke();
  });
  return h;
}

/** The back stage on this thread: applies the front's batches in order until it reports the end. */
async function runBack(h: FrontHandle, sensor: Sensor, emitLine: LineFn, size: number, showProgress: boolean, between: () => Promise<void>): Promise<FrontStats> {
  sensor.useTape(h.unparsed, emitLine);
  let lastProgress = performance.now();
  try {
    for (;;) {
      const m = h.queue.shift();
      if (m === undefined) {
        if (h.failure) throw h.failure;
        await new Promise<void>((res) => {
          h.wake = res;
        });
        continue;
      }
      if (m.t === 'error') throw new Error(m.message);
      if (m.t === 'done') return m.stats;
      sensor.applyTape(m.batch);
      Atomics.add(h.ctl, 0, 1);
      Atomics.notify(h.ctl, 0);
      h.recycle.postMessage(m.batch, tapeTransferList(m.batch));
      await between();
      if (showProgress && performance.now() - lastProgress > 250) {
        lastProgress = performance.now();
        const pct = size ? Math.floor((m.done / size) * 100) : 100;
        process.stderr.write(`\r${pct}%`);
      }
    }
  } finally {
    h.recycle.close();
    void h.worker.terminate();
  }
}

/** The front-stage thread (started by startFront): reads the capture, decodes it, keeps the flows, sends the tape. */
async function frontWorker(init: FrontWorkerInit): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  try {
    const dns = { seed: init.seed, mirror: await loadVniMap(init.vniMap) };
    const front = new SensorFront({ parseTcp: true, unparsed: new Int32Array(init.unparsed), dns });
    const reader = new PcapReader((p) => front.frame(p.data, p.off, p.capLen, p.linkType, p.tsMicros));
    const ctl = new Int32Array(init.ctl);
    let posted = 0;
    let done = 0;
    const post = (): void => {
      for (let r = receiveMessageOnPort(init.recycle); r !== undefined; r = receiveMessageOnPort(init.recycle)) front.tape.recycle(r.message as TapeBatch);
      for (;;) {
        const applied = Atomics.load(ctl, 0);
        if (posted - applied < TAPE_IN_FLIGHT) break;
        Atomics.wait(ctl, 0, applied);
      }
      const batch = front.tape.take();
      port.postMessage({ t: 'batch', batch, done } satisfies FromFrontWorker, tapeTransferList(batch));
      posted++;
    };
    const fd = openSync(init.file, 'r');
    try {
      const read = readFrom(fd);
      // the back waits for the first batch: make it a small one (64 KiB), then full reads
      for (let size = 64 << 10; ; size = READ_SIZE) {
        const n = reader.pull(read, size);
        if (n === 0) break;
        done += n;
        if (!front.tape.empty) post();
      }
    } finally {
      closeSync(fd);
    }
    if (reader.finish() > 0) front.countTruncatedCapture();
    front.finish();
    if (!front.tape.empty) post();
    port.postMessage({ t: 'done', stats: front.stats() } satisfies FromFrontWorker);
  } catch (err) {
    port.postMessage({ t: 'error', message: (err as Error)?.message ?? String(err) } satisfies FromFrontWorker);
  }
}

/** What the main thread tells a decode worker thread. */
interface DecodeWorkerInit {
  marker: typeof DECODE_WORKER;
  file: string;
  seed: number;
  vniMap?: string;
  index: number;
  count: number;
  /** [chunks the main thread has merged]: the worker keeps at most MAX_IN_FLIGHT chunks ahead of it. */
  ctl: SharedArrayBuffer;
}

type FromDecodeWorker = { t: 'chunk'; chunk: ShardChunk } | { t: 'done'; stats: SensorStats } | { t: 'error'; message: string };

const DECODE_WORKER = 'netwatch-sensor-decode-worker';
/**
 * Why 32: a chunk is the records of one 1 MiB read (~0.2 MB of JSON on the bench capture), so a worker that runs
 * ahead holds at most ~32 MiB of input's worth of records; enough slack that neither thread waits on the other.
 */
const MAX_IN_FLIGHT = 32;
const READ_SIZE = 1 << 20;

/** One thread's sensor: shard `index` of `count` (shard.ts), with its share of the flow and reassembly limits. */
function shardSensor(index: number, count: number, out: ShardOutput, seed: number, mirror: VniLookup | undefined): Sensor {
  const opts: SensorOptions = {
    streamParsers: defaultStreamParsers,
    communityIdSeed: seed,
    mirror,
    shard: { index, count, sink: out },
    flow: { maxFlows: Math.ceil(DEFAULT_FLOW_OPTIONS.maxFlows / count) },
    reassemblyMemcap: Math.ceil(new ReassemblyBudget().cap / count),
  };
  return new Sensor(() => {}, opts);
}

/**
 * `sensor decode` on several threads (shard.ts says how the work is split and how the output is merged): this
 * thread decodes share 0 and merges; each worker thread reads the file itself, decodes its share and sends its
 * records in chunks (transferred, not copied), at most MAX_IN_FLIGHT ahead of the merge.
 */
async function runDecodeThreads(
  file: string,
  size: number,
  seed: number,
  count: number,
  o: DecodeOptions,
  write: (chunk: Uint8Array) => boolean | Promise<void>,
): Promise<DecodeResultSummary> {
  const ctls = Array.from({ length: count }, () => new SharedArrayBuffer(4));
  const workers: Worker[] = [];
  const workerStats: (SensorStats | null)[] = new Array<SensorStats | null>(count).fill(null);
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const merger = new ShardMerger(count, (side) => {
    if (side === 0) return;
    const ctl = new Int32Array(ctls[side] as SharedArrayBuffer);
    Atomics.add(ctl, 0, 1);
    Atomics.notify(ctl, 0);
  });
  // the worker entry is this very module (bundled or not): its top level starts the worker when it sees the marker
  const self = new URL(import.meta['url']);
  const exits: Promise<void>[] = [];
  for (let i = 1; i < count; i++) {
    const init: DecodeWorkerInit = { marker: DECODE_WORKER, file, seed, vniMap: o.vniMap, index: i, count, ctl: ctls[i] as SharedArrayBuffer };
    const w = new Worker(self, { workerData: init });
    w.on('message', (m: FromDecodeWorker) => {
      if (m.t === 'chunk') merger.push(i, m.chunk);
      else if (m.t === 'done') workerStats[i] = m.stats;
      else failure ??= new Error(m.message);
      poke();
    });
    w.on('error', (err: Error) => {
      failure ??= err;
      poke();
    });
    exits.push(new Promise<void>((res) => w.once('exit', () => {
      if (workerStats[i] === null) failure ??= new Error(`decode thread ${i} stopped before the end of ${file}`);
      poke();
      res();
    })));
    workers.push(w);
  }
  const waitForWorkers = (): Promise<void> => new Promise<void>((res) => {
    wake = res;
  });
  const flushOut = async (): Promise<void> => {
    const chunk = merger.take();
    if (chunk === null) return;
    const ok = write(chunk);
    if (ok instanceof Promise) await ok;
    else if (!ok) await new Promise<void>((res) => process.stdout.once('drain', () => res()));
  };
  try {
    const out = new ShardOutput();
    const sensor = shardSensor(0, count, out, seed, await loadVniMap(o.vniMap));
    const reader = new PcapReader((p) => sensor.frame(p.data, p.off, p.capLen, p.linkType, p.tsMicros));
    const started = performance.now();
    const showProgress = o.progress ?? (process.stderr.isTTY === true && !o.stats);
    let lastProgress = started;
    let done = 0;
    const fd = openSync(file, 'r');
    try {
      const read = readFrom(fd);
      for (;;) {
        if (failure) throw failure;
        const n = reader.pull(read, READ_SIZE);
        if (n === 0) break;
        done += n;
        merger.push(0, out.seal(sensor.packets + 1));
        merger.merge();
        if (merger.size >= 1 << 20) await flushOut();
        // this thread ran ahead of a worker: let it catch up (bounds what waits here to be merged)
        while (merger.pending(0) > MAX_IN_FLIGHT && !failure) {
          await waitForWorkers();
          merger.merge();
        }
        if (showProgress && performance.now() - lastProgress > 250) {
          lastProgress = performance.now();
          const pct = size ? Math.floor((done / size) * 100) : 100;
          process.stderr.write(`\r${pct}% ${sensor.packets} packets`);
        }
        // the reads are synchronous: let the workers' chunks in
        await new Promise<void>((res) => setImmediate(res));
      }
    } finally {
      closeSync(fd);
    }
    const dangling = reader.finish();
    if (dangling > 0) sensor.countTruncatedCapture(dangling);
    sensor.finish();
    merger.push(0, out.seal(Number.POSITIVE_INFINITY));
    for (;;) {
      if (failure) throw failure;
      merger.merge();
      if (merger.size >= 1 << 20) await flushOut();
      if (merger.done && workerStats.every((s, i) => i === 0 || s !== null)) break;
      await waitForWorkers();
    }
    await flushOut();
    await Promise.all(exits);
    if (showProgress) process.stderr.write('\r\x1b[K');
    const elapsed = performance.now() - started;
    workerStats[0] = sensor.stats();
    const stats = { ...combineShardStats(workerStats as SensorStats[], merger), elapsed_ms: Math.round(elapsed), pps: Math.round(sensor.packets / (elapsed / 1000 || 1e-9)) };
    return { file, stats };
  } finally {
    for (const w of workers) void w.terminate();
  }
}

/** Sequential reads of an open file, for PcapReader.pull (straight into its buffer). */
function readFrom(fd: number): (buf: Uint8Array, off: number, len: number) => number {
  return (buf, off, len) => readSync(fd, buf, off, len, null);
}

/** A decode worker thread (started by runDecodeThreads): reads the whole file, decodes its share, posts chunks. */
async function decodeWorker(init: DecodeWorkerInit): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  try {
    const out = new ShardOutput();
    const sensor = shardSensor(init.index, init.count, out, init.seed, await loadVniMap(init.vniMap));
    const reader = new PcapReader((p) => sensor.frame(p.data, p.off, p.capLen, p.linkType, p.tsMicros));
    const ctl = new Int32Array(init.ctl);
    let posted = 0;
    const post = (chunk: ShardChunk): void => {
      for (;;) {
        const merged = Atomics.load(ctl, 0);
        if (posted - merged < MAX_IN_FLIGHT) break;
        Atomics.wait(ctl, 0, merged);
      }
      port.postMessage({ t: 'chunk', chunk } satisfies FromDecodeWorker, transferList(chunk));
      posted++;
    };
    const fd = openSync(init.file, 'r');
    try {
      const read = readFrom(fd);
      while (reader.pull(read, READ_SIZE) > 0) post(out.seal(sensor.packets + 1));
    } finally {
      closeSync(fd);
    }
    // the main thread counts a cut last record (it reads the same bytes)
    reader.finish();
    sensor.finish();
    post(out.seal(Number.POSITIVE_INFINITY));
    port.postMessage({ t: 'done', stats: sensor.stats() } satisfies FromDecodeWorker);
  } catch (err) {
    port.postMessage({ t: 'error', message: (err as Error)?.message ?? String(err) } satisfies FromDecodeWorker);
  }
}

if (!isMainThread && (workerData as { marker?: string } | null)?.marker === DECODE_WORKER) void decodeWorker(workerData as DecodeWorkerInit);
if (!isMainThread && (workerData as { marker?: string } | null)?.marker === FRONT_WORKER) void frontWorker(workerData as FrontWorkerInit);

/**
 * The VNI map file: `{ "<vni>": { "session_id": "tms-…", "source_eni": "eni-…", "instance_id": "i-…" } }` or an array of
 * `{ vni, session_id, source_eni, instance_id }` (both shapes are accepted; see docs/sensor.md).
 */
async function loadVniMap(path: string | undefined): Promise<VniLookup | undefined> {
  if (!path) return undefined;
  const { readFile } = await import('node:fs/promises');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--vni-map ${path}: not readable JSON`, { cause: err });
  }
  // loaded only when a map is given: its schema library (zod) costs start-up time every other run would pay for nothing
  const { vniLookupFrom } = await import('../../shared/packet/vni-map.ts');
  return vniLookupFrom(raw, path);
}

/**
 * Resolves once stdout is done with the bytes (flushed or failed), so that the buffer can be reused. A failed write
 * is the stream's 'error' event, handled by the launcher (bin/netwatch.mjs: a reader that went away ends quietly).
 */
function defaultWrite(chunk: Uint8Array): Promise<void> {
  return new Promise<void>((res) => {
    process.stdout.write(chunk, () => res());
  });
}

/**
 * EVE lines encoded straight into large byte buffers (UTF-8, '\n' after each), handed to stdout a chunk at a time:
 * no array of line strings, no join, no second copy of every byte as one big string. A buffer that fills up before
 * the reader loop comes round to flush (one 1 MiB read of small DNS packets makes several MB of records) is sealed
 * as it is and the lines go on in a fresh one: no bytes are ever copied twice.
 */
export class LineBuffer {
  private static readonly SIZE = 1 << 20;
  private buf = Buffer.allocUnsafe(LineBuffer.SIZE);
  private len = 0;
  private sealed: Buffer[] = [];
  /** Written chunks given back (recycle): 52 MB of output through fresh 1 MiB buffers faulted in ~13 k new pages. */
  private spare: Buffer<ArrayBuffer>[] = [];

  /** Past this much, the reader loop hands the chunks to the writer. */
  get full(): boolean {
    return this.sealed.length > 0 || this.len >= LineBuffer.SIZE - (LineBuffer.SIZE >> 3);
  }

  add(line: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit
    const need = line.length * 3 + 1;
    if (this.buf.length - this.len < need) this.next(need);
    this.len += this.buf.write(line, this.len, 'utf8');
    this.buf[this.len++] = 10;
  }

  /** A line that is already UTF-8 (no newline). */
  addBytes(b: Uint8Array, off: number, len: number): void {
    if (this.buf.length - this.len < len + 1) this.next(len + 1);
    this.buf.set(b.subarray(off, off + len), this.len);
    this.len += len;
    this.buf[this.len++] = 10;
  }

  /** The filled chunks in order, or null when empty; the next lines go to another buffer (give these back with recycle()). */
  take(): Buffer[] | null {
    if (this.len > 0) {
      this.sealed.push(this.buf.subarray(0, this.len));
      this.buf = this.fresh();
      this.len = 0;
    } else if (this.sealed.length === 0) return null;
    const out = this.sealed;
    this.sealed = [];
    return out;
  }

  /** A chunk from take() that its writer no longer needs: its memory holds the next lines. */
  recycle(chunk: Uint8Array): void {
    const ab = chunk.buffer;
    if (!(ab instanceof ArrayBuffer) || chunk.byteOffset !== 0 || ab.byteLength !== LineBuffer.SIZE) return;
    if (this.spare.length < 8 && ab !== this.buf.buffer && !this.spare.some((b) => b.buffer === ab)) this.spare.push(Buffer.from(ab));
  }

  private fresh(): Buffer<ArrayBuffer> {
    return this.spare.pop() ?? Buffer.allocUnsafe(LineBuffer.SIZE);
  }

  /** Seals the current buffer and starts one with room for at least `need` bytes. */
  private next(need: number): void {
    if (this.len > 0) this.sealed.push(this.buf.subarray(0, this.len));
    this.buf = need <= LineBuffer.SIZE ? this.fresh() : Buffer.allocUnsafe(need);
    this.len = 0;
  }
}

export function registerSensor(program: Command): void {
  const sensor = program.command('sensor').description('Packet sensor: decode mirrored VXLAN traffic into EVE JSON (flow/http/tls/dns/anomaly)');
  sensor
    .command('decode')
    .description('decode a pcap/pcapng (Ethernet, raw IP, Linux SLL, BSD null; with or without VXLAN/GENEVE) into EVE JSON')
    .argument('<pcap>', 'capture file (pcap or pcapng)')
    .option('--out <dir|s3://bucket/prefix>', 'write gzip JSON-lines objects under <out>/sensor/event_type=…/dt=…/hour=…/ instead of stdout')
    .option('--stats', 'print a JSON stats object on stderr (packets, bytes, per-layer counts, anomalies, pps)')
    .option('--community-id-seed <n>', 'Community ID seed (Suricata community-id-seed)', '0')
    .option('--vni-map <file.json>', 'VNI -> mirror session map (the mirror manager\'s JSON) to label records with mirror: {...}')
    .option('--no-progress', 'no progress line on a TTY')
    .option('--threads <n|auto>', 'threads decoding the capture: 2 splits the pipeline in two stages, 3+ shard the flows (auto: 2 for captures of 16 MiB or more on 3+ cores; --out uses at most 2)', 'auto')
    .action(async (file: string, o: DecodeOptions) => {
      const r = await runDecode(file, o);
      if (o.stats) process.stderr.write(`${JSON.stringify({ ...r.stats, ...(r.sink ? { outputs: r.sink.outputs } : {}) })}\n`);
    });
  sensor
    .command('run')
    .description('the sensor daemon: receive Traffic Mirroring VXLAN on UDP, write EVE objects under <out>/sensor/, serve health, print EMF metrics')
    .requiredOption('--listen <host:port>', 'UDP address for VXLAN datagrams (AWS Traffic Mirroring uses 4789)', '0.0.0.0:4789')
    .option('--health <host:port>', 'HTTP health endpoint for the NLB check (GET /health)', '0.0.0.0:8080')
    .requiredOption('--out <dir|s3://bucket/prefix>', 'lake root for sensor/event_type=…/dt=…/hour=…/ objects')
    .option('--vni-map <file|s3://bucket/key>', 'VNI -> mirror session map written by the mirror manager (reloaded periodically)')
    .option('--vni-reload-seconds <n>', 'how often to reload --vni-map', '300')
    .option('--flush-seconds <n>', 'write a batch at the latest this long after its first record', '60')
    .option('--flush-bytes <n>', 'write a batch when it reaches this many bytes (before gzip)', String(8 << 20))
    .option('--rcvbuf <bytes>', 'requested SO_RCVBUF (capped by net.core.rmem_max)', String(32 << 20))
    .option('--metrics-seconds <n>', 'EMF metrics interval on stdout', '60')
    .option('--workers <n>', 'processes sharing the UDP port with SO_REUSEPORT', '1')
    .action(async (o: Record<string, string>) => {
      const num = (k: string, min: number): number => {
        const v = Number(o[k]);
        if (!Number.isFinite(v) || v < min) throw new UsageError(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a number >= ${min}`);
        return v;
      };
      const { runDaemon } = await import('../../sensor-ami/src/daemon.ts');
      await runDaemon({
        listen: o.listen as string,
        health: o.health,
        out: o.out as string,
        vniMap: o.vniMap,
        vniReloadSeconds: num('vniReloadSeconds', 1),
        flushSeconds: num('flushSeconds', 0),
        flushBytes: num('flushBytes', 1),
        rcvbuf: num('rcvbuf', 0),
        metricsSeconds: num('metricsSeconds', 1),
        workers: num('workers', 1),
      });
    });
}
