/**
 * How a full partition buffer becomes Parquet bytes: inline on the calling thread, or on a worker thread so the
 * parser keeps going on the main core. The worker gets the column buffers by transfer (no copy) and hands them back.
 *
 * The worker also runs the streaming detections when asked (detections()): the parser ships the records in
 * columns (detect/columns.ts), so the two cores split the work about evenly — parsing, enrichment and column
 * building on one; Parquet encoding and detections on the other.
 */
import { Worker } from 'node:worker_threads';
import type { DetectionsConfigInput } from '../detect/config.ts';
import { detectColumnBuffers, releaseDetectColumns, type DetectColumns } from '../detect/columns.ts';
import type { Finding } from '../detect/finding.ts';
import type { DetectStats } from '../detect/index.ts';
import { rawBatchBuffers, type FlowBatch } from './batch.ts';
import type { LakePart, LakeRowsWriter } from './lake-rows.ts';
import { columnPool } from './pool.ts';
import { releaseRowBlock, rowBlockBuffers, type RowBlock } from './rows.ts';

/** file URL of the bundled worker, defined by the CLI bundle's build (bin/bundle.mjs); undeclared when run from sources */
declare const __NETWATCH_PARQUET_WORKER__: string | undefined;

/** Where detections run: records go in as columns, findings come out at the end. */
export interface DetectionHost {
  add(c: DetectColumns): void;
  finish(): Promise<{ findings: Finding[]; stats: DetectStats }>;
}

/** One object's lake being built from row blocks (rows.ts); ids are unique per process. */
export interface RowsSession {
  id: string;
  stem: string;
  rowsPerPart: number;
}

export interface ParquetEncoder {
  encode(batch: FlowBatch): Promise<Uint8Array>;
  /**
   * Builds the object's partition batches from a row block, in the order blocks are given; resolves with the
   * parts that filled up (Parquet bytes and their lake keys). The block's buffers belong to the encoder from here.
   */
  rows(session: RowsSession, block: RowBlock): Promise<LakePart[]>;
  /** The object's remaining, partly filled parts. */
  finishRows(session: RowsSession): Promise<LakePart[]>;
  /** Drops what the session buffered (the object failed). */
  abortRows(session: RowsSession): Promise<void>;
  /**
   * Takes back the buffer of a part's bytes once the sink has written them, for the encoder's next parts: a part's
   * buffer is allocated by the thread that encodes it and, recycled, never freed on another thread (large buffers
   * allocated on one thread and freed on another fragment glibc's heaps: measured ~15 MB of peak RSS).
   */
  recycle(bytes: Uint8Array): void;
  /**
   * A detection host on the encoder's thread, if it has one of its own (the worker). Returns at once: the worker
   * starts the detections while the caller parses; a failure to start surfaces in finish(). Validate the config
   * first (pipeline.ts does) to fail before any work.
   */
  detections?(cfg: DetectionsConfigInput): DetectionHost;
  close(): Promise<void>;
}

const inlineWriters = new Map<string, LakeRowsWriter>();

export const inlineEncoder: ParquetEncoder = {
  // loaded on first use: a process that encodes on a worker never loads the writer itself
  encode: async (batch) => (await import('./parquet.ts')).batchToParquet(batch),
  async rows(session, block) {
    try {
      let w = inlineWriters.get(session.id);
      if (!w) {
        const { LakeRowsWriter } = await import('./lake-rows.ts');
        inlineWriters.set(session.id, (w = new LakeRowsWriter(session.stem, session.rowsPerPart)));
      }
      return w.apply(block);
    } finally {
      releaseRowBlock(block);
    }
  },
  async finishRows(session) {
    const w = inlineWriters.get(session.id);
    inlineWriters.delete(session.id);
    return w ? w.finish() : [];
  },
  async abortRows(session) {
    inlineWriters.get(session.id)?.discard();
    inlineWriters.delete(session.id);
  },
  recycle: (bytes) => columnPool.give(bytes.buffer as ArrayBuffer),
  close: async () => undefined,
};

/** Detections on the calling thread. */
export async function localDetections(cfg: DetectionsConfigInput): Promise<DetectionHost> {
  const { createDetectors } = await import('../detect/index.ts');
  const d = createDetectors(cfg);
  return {
    add: (c) => {
      d.addColumns(c);
      releaseDetectColumns(c);
    },
    finish: async () => ({ findings: d.finish(), stats: d.stats() }),
  };
}

type Reply = { id: number; error?: string; bytes?: Uint8Array; parts?: LakePart[]; buffers?: ArrayBuffer[]; findings?: Finding[]; stats?: DetectStats };

/**
 * The worker's young generation. V8 lets it grow to 48 MB, and the worker's short-lived objects (page headers,
 * statistics, message envelopes) fill it to the limit. Measured on 1 M lines: peak RSS 270-285 MB with the default,
 * 222-229 MB with 8 MB, 238-260 MB with 12-16 MB, with no measurable change in CPU time.
 */
const WORKER_YOUNG_GENERATION_MB = 8;

export function workerEncoder(): ParquetEncoder {
  // the bundled CLI (bin/bundle.mjs) has a plain-JavaScript build of the worker: no TypeScript transformer in it
  const url = typeof __NETWATCH_PARQUET_WORKER__ === 'string' ? new URL(__NETWATCH_PARQUET_WORKER__) : new URL('./parquet-worker.ts', import.meta.url);
  const worker = new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
  const waiting = new Map<number, { resolve: (m: Reply) => void; reject: (e: Error) => void }>();
  let next = 0;
  let failed: Error | undefined;
  worker.on('message', (m: Reply) => {
    // a part's column buffers come back for the next parts
    for (const b of m.buffers ?? []) columnPool.give(b);
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.error !== undefined) w.reject(new Error(m.error));
    else w.resolve(m);
  });
  const failAll = (err: Error) => {
    failed = err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('error', failAll);
  worker.on('exit', (code) => {
    if (waiting.size) failAll(new Error(`Parquet worker exited (${code}) with ${waiting.size} request(s) pending`));
  });
  // written parts' buffers, going back to the worker's pool with the next request
  let spare: ArrayBuffer[] = [];
  const request = (msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> => {
    if (failed) return Promise.reject(failed);
    const id = next++;
    const recycled = spare;
    spare = [];
    return new Promise<Reply>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ ...msg, id, recycled }, [...transfer, ...recycled]);
    });
  };

  return {
    async encode(batch) {
      const raw = batch.raw();
      try {
        return (await request({ type: 'encode', raw }, rawBatchBuffers(raw))).bytes!;
      } catch (err) {
        throw new Error(`Parquet encoding failed: ${(err as Error).message}`, { cause: err });
      }
    },
    async rows(session, block) {
      try {
        const msg = { type: 'rows', session: session.id, stem: session.stem, rowsPerPart: session.rowsPerPart, block };
        return (await request(msg, rowBlockBuffers(block))).parts!;
      } catch (err) {
        throw new Error(`building lake parts failed: ${(err as Error).message}`, { cause: err });
      }
    },
    async finishRows(session) {
      try {
        return (await request({ type: 'rows-finish', session: session.id })).parts!;
      } catch (err) {
        throw new Error(`building lake parts failed: ${(err as Error).message}`, { cause: err });
      }
    },
    async abortRows(session) {
      await request({ type: 'rows-abort', session: session.id }).catch(() => undefined);
    },
    recycle(bytes) {
      const b = bytes.buffer as ArrayBuffer;
      if (b.byteLength > 0 && spare.length < 8) spare.push(b);
    },
    detections(cfg) {
      let lost: Error | undefined;
      request({ type: 'detect-start', cfg }).catch((err: Error) => (lost ??= err));
      return {
        add(c) {
          // fire and forget (the worker handles messages in order); a failure surfaces in finish()
          request({ type: 'detect', cols: c }, detectColumnBuffers(c)).catch((err: Error) => (lost ??= err));
        },
        async finish() {
          const r = await request({ type: 'detect-finish' });
          if (lost) throw new Error(`detections failed: ${lost.message}`, { cause: lost });
          return { findings: r.findings!, stats: r.stats! };
        },
      };
    },
    async close() {
      await worker.terminate();
    },
  };
}
