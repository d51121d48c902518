/**
 * How a full partition buffer becomes Parquet bytes: inline on the calling thread, or on a worker thread so the
 * parser keeps going on the main core. The worker gets the column buffers by transfer (no copy).
 */
import { Worker } from 'node:worker_threads';
import { rawBatchBuffers, type FlowBatch } from './batch.ts';
import { columnPool } from './pool.ts';

/** file URL of the bundled worker, defined by the CLI bundle's build (bin/bundle.mjs); undeclared when run from sources */
declare const __NETWATCH_PARQUET_WORKER__: string | undefined;

export interface ParquetEncoder {
  encode(batch: FlowBatch): Promise<Uint8Array>;
  close(): Promise<void>;
}

export const inlineEncoder: ParquetEncoder = {
  // loaded on first use: a process that encodes on a worker never loads Arrow and parquet-wasm itself
  encode: async (batch) => (await import('./parquet.ts')).batchToParquet(batch),
  close: async () => undefined,
};

export function workerEncoder(): ParquetEncoder {
  // the bundled CLI (bin/bundle.mjs) has a plain-JavaScript build of the worker: no TypeScript transformer in it
  const url = typeof __NETWATCH_PARQUET_WORKER__ === 'string' ? new URL(__NETWATCH_PARQUET_WORKER__) : new URL('./parquet-worker.ts', import.meta.url);
  const worker = new Worker(url);
  const waiting = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  let next = 0;
  let failed: Error | undefined;
  worker.on('message', (m: { id: number; bytes?: Uint8Array; error?: string; buffers: ArrayBuffer[] }) => {
    // the part's column buffers come back for the next parts
    for (const b of m.buffers) columnPool.give(b);
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.error !== undefined) w.reject(new Error(`Parquet encoding failed: ${m.error}`));
    else w.resolve(m.bytes!);
  });
  const failAll = (err: Error) => {
    failed = err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('error', failAll);
  worker.on('exit', (code) => {
    if (waiting.size) failAll(new Error(`Parquet worker exited (${code}) with ${waiting.size} part(s) pending`));
  });

  return {
    encode(batch) {
      if (failed) return Promise.reject(failed);
      const raw = batch.raw();
      const id = next++;
      return new Promise<Uint8Array>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, raw }, rawBatchBuffers(raw));
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
