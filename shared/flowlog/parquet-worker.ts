/**
 * Worker thread: raw column arrays in, Parquet bytes out. Encoding (Arrow IPC + parquet-wasm zstd) is about half
 * of the ingest's CPU, so the CLI runs it beside the parser on a second core. Lambda (≤ 1 vCPU below 1769 MB)
 * encodes inline instead (encoder.ts).
 */
import { parentPort } from 'node:worker_threads';
import { rawBatchBuffers, type RawBatch } from './batch.ts';
import { rawBatchToParquet } from './parquet.ts';

parentPort!.on('message', (msg: { id: number; raw: RawBatch }) => {
  // the column buffers go back to the parsing thread's pool whatever happens here
  const buffers = rawBatchBuffers(msg.raw);
  try {
    const bytes = rawBatchToParquet(msg.raw);
    parentPort!.postMessage({ id: msg.id, bytes, buffers }, [bytes.buffer as ArrayBuffer, ...buffers]);
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: (err as Error).message, buffers }, buffers);
  }
});
