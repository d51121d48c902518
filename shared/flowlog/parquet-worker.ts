/**
 * Worker thread: raw column arrays in, Parquet bytes out; and the streaming detections over record columns when the
 * parsing thread asks for them (encoder.ts). Encoding (dictionaries, zstd) and detections together are about a third
 * of the ingest's CPU, so the CLI runs them beside the parser on a second core. Lambda (≤ 1 vCPU below 1769 MB) encodes and detects
 * inline instead.
 */
import { parentPort } from 'node:worker_threads';
import { detectColumnBuffers, type DetectColumns } from '../detect/columns.ts';
import type { DetectionsConfigInput } from '../detect/config.ts';
import type { Detectors } from '../detect/index.ts';
import { rawBatchBuffers, type RawBatch } from './batch.ts';
import { rawBatchToParquet } from './parquet.ts';
import { columnPool } from './pool.ts';
import { LakeRowsWriter, type LakePart } from './lake-rows.ts';
import { rowBlockBuffers, type RowBlock } from './rows.ts';

type Request =
  | { id: number; type: 'encode'; raw: RawBatch }
  | { id: number; type: 'rows'; session: string; stem: string; rowsPerPart: number; block: RowBlock }
  | { id: number; type: 'rows-finish'; session: string }
  | { id: number; type: 'rows-abort'; session: string }
  | { id: number; type: 'detect-start'; cfg: DetectionsConfigInput }
  | { id: number; type: 'detect'; cols: DetectColumns }
  | { id: number; type: 'detect-finish' };

let detectors: Detectors | undefined;
/** one lake writer per object being ingested (the session names it) */
const writers = new Map<string, LakeRowsWriter>();

function postParts(id: number, parts: LakePart[], buffers: ArrayBuffer[] = []): void {
  parentPort!.postMessage({ id, parts, buffers }, [...buffers, ...parts.map((p) => p.bytes.buffer as ArrayBuffer)]);
}

function handleRows(msg: Extract<Request, { type: 'rows' | 'rows-finish' | 'rows-abort' }>): void {
  if (msg.type === 'rows') {
    // the block's buffers go back to the parsing thread's pool whatever happens here
    const buffers = rowBlockBuffers(msg.block);
    try {
      let w = writers.get(msg.session);
      if (!w) writers.set(msg.session, (w = new LakeRowsWriter(msg.stem, msg.rowsPerPart)));
      postParts(msg.id, w.apply(msg.block), buffers);
    } catch (err) {
      parentPort!.postMessage({ id: msg.id, error: (err as Error).message, buffers }, buffers);
    }
    return;
  }
  const w = writers.get(msg.session);
  writers.delete(msg.session);
  try {
    if (msg.type === 'rows-abort') {
      w?.discard();
      parentPort!.postMessage({ id: msg.id });
    } else postParts(msg.id, w ? w.finish() : []);
  } catch (err) {
    w?.discard();
    parentPort!.postMessage({ id: msg.id, error: (err as Error).message });
  }
}

async function handle(msg: Request): Promise<void> {
  if (msg.type === 'encode') {
    // the column buffers go back to the parsing thread's pool whatever happens here
    const buffers = rawBatchBuffers(msg.raw);
    try {
      const bytes = rawBatchToParquet(msg.raw);
      parentPort!.postMessage({ id: msg.id, bytes, buffers }, [bytes.buffer as ArrayBuffer, ...buffers]);
    } catch (err) {
      parentPort!.postMessage({ id: msg.id, error: (err as Error).message, buffers }, buffers);
    }
    return;
  }
  if (msg.type === 'rows' || msg.type === 'rows-finish' || msg.type === 'rows-abort') {
    handleRows(msg);
    return;
  }
  try {
    if (msg.type === 'detect-start') {
      const { createDetectors } = await import('../detect/index.ts');
      detectors = createDetectors(msg.cfg);
      parentPort!.postMessage({ id: msg.id });
    } else if (msg.type === 'detect') {
      if (!detectors) throw new Error('detections not started');
      detectors.addColumns(msg.cols);
      // the batch's buffers go back to the parsing thread's pool for the next batches
      const buffers = detectColumnBuffers(msg.cols);
      parentPort!.postMessage({ id: msg.id, buffers }, buffers);
    } else {
      if (!detectors) throw new Error('detections not started');
      parentPort!.postMessage({ id: msg.id, findings: detectors.finish(), stats: detectors.stats() });
      detectors = undefined;
    }
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: (err as Error).message });
  }
}

// messages are handled strictly in order (detect-start's import is awaited before the first batch is added)
let queue: Promise<void> = Promise.resolve();
parentPort!.on('message', (msg: Request & { recycled?: ArrayBuffer[] }) => {
  // buffers of parts the parsing thread has written come back for the next parts
  for (const b of msg.recycled ?? []) columnPool.give(b);
  queue = queue.then(() => handle(msg));
});
