/**
 * Lake batches → Parquet: Arrow data built straight on the column buffers, Arrow IPC into parquet-wasm, zstd.
 * The only module that loads apache-arrow and parquet-wasm (a few tens of MB of compiled code), so a thread that
 * only parses — the CLI's main thread when a worker encodes — never pays for them.
 */
import { AsyncByteQueue, Field, Int32, Int64, makeData, RecordBatch, RecordBatchStreamWriter, Schema, Struct, Table, Utf8, type Data, type DataType } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { LAKE_COLUMNS, releaseRawBatch, type FlowBatch, type RawBatch } from './batch.ts';
import type { RawColumn } from './columns.ts';
import type { FieldType } from './fields.ts';
import { columnPool } from './pool.ts';

function arrowType(t: FieldType): DataType {
  return t === 'int32' ? new Int32() : t === 'int64' ? new Int64() : new Utf8();
}

export const LAKE_SCHEMA = new Schema(LAKE_COLUMNS.map((c) => new Field(c.name, arrowType(c.type), true)));

/**
 * Zeros shared by every all-NULL column of a part (Arrow wants a bitmap and offsets/values even when every slot is
 * NULL). One buffer for bitmaps, another for offsets/values: apache-arrow's IPC writer merges consecutive chunks
 * that overlap in one ArrayBuffer, so a column's bitmap and values must never be views of the same buffer (the
 * next column's bitmap always sits between two value chunks, so sharing across columns is safe).
 */
let zeroBits = new ArrayBuffer(0);
let zeroValues = new ArrayBuffer(0);

/** Arrow Data from a raw column (INT64 values are converted from float64 here, once, into a pooled buffer). */
export function rawToData(c: RawColumn): Data {
  if (c.kind === 'null') {
    const n = c.length;
    if (zeroBits.byteLength < (n + 7) >> 3) zeroBits = new ArrayBuffer(Math.max((n + 7) >> 3, 2 * zeroBits.byteLength));
    if (zeroValues.byteLength < 8 * (n + 1)) zeroValues = new ArrayBuffer(Math.max(8 * (n + 1), 2 * zeroValues.byteLength));
    const z = zeroValues;
    const nullBitmap = new Uint8Array(zeroBits, 0, (n + 7) >> 3);
    if (c.type === 'utf8') return makeData({ type: new Utf8(), length: n, nullCount: n, nullBitmap, valueOffsets: new Int32Array(z, 0, n + 1), data: new Uint8Array(0) });
    if (c.type === 'int32') return makeData({ type: new Int32(), length: n, nullCount: n, nullBitmap, data: new Int32Array(z, 0, n) });
    return makeData({ type: new Int64(), length: n, nullCount: n, nullBitmap, data: new BigInt64Array(z, 0, n) });
  }
  if (c.kind === 'utf8') {
    return makeData({ type: new Utf8(), length: c.length, nullCount: c.nullCount, nullBitmap: c.valid, valueOffsets: c.offsets, data: c.data });
  }
  if (c.kind === 'int32') return makeData({ type: new Int32(), length: c.length, nullCount: c.nullCount, nullBitmap: c.valid, data: c.data });
  const words = new Int32Array(columnPool.take(8 * c.length), 0, 2 * c.length);
  for (let i = 0; i < c.length; i++) {
    const v = c.data[i]!;
    // non-negative and < 2^53: split into little-endian 32-bit words without BigInt (slots under NULLs: any value)
    words[2 * i] = v % 4294967296 | 0;
    words[2 * i + 1] = Math.floor(v / 4294967296) | 0;
  }
  return makeData({ type: new Int64(), length: c.length, nullCount: c.nullCount, nullBitmap: c.valid, data: new BigInt64Array(words.buffer, 0, c.length) });
}

export function rawBatchToTable(raw: RawBatch): Table {
  const children = raw.columns.map(rawToData);
  const struct = makeData({ type: new Struct(LAKE_SCHEMA.fields), length: raw.length, nullCount: 0, children });
  return new Table(LAKE_SCHEMA, [new RecordBatch(LAKE_SCHEMA, struct)]);
}

/**
 * zstd; min/max statistics only on the numeric columns (ports, counters, start/end: what range predicates use) —
 * string statistics cost ~30% of the write time and Athena prunes by partition anyway.
 */
function writerProperties(): parquet.WriterProperties {
  let b = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.ZSTD)
    .setCreatedBy('vpc-netwatch')
    .setMaxRowGroupSize(1 << 20)
    .setStatisticsEnabled(parquet.EnabledStatistics.None);
  for (const c of LAKE_COLUMNS) if (c.type !== 'string') b = b.setColumnStatisticsEnabled(c.name, parquet.EnabledStatistics.Chunk);
  return b.build();
}

/** Arrow → Parquet with parquet-wasm. writeParquet consumes both the table and the properties. */
export function batchToParquet(batch: FlowBatch): Uint8Array {
  const raw = batch.raw();
  const bytes = rawBatchToParquet(raw);
  releaseRawBatch(raw);
  return bytes;
}

/**
 * Collects the Arrow IPC stream in one buffer from the thread's pool instead of a fresh one per part: a part's IPC is
 * ~13 MB, and allocating and freeing that much per part makes glibc raise its mmap threshold and then fragment the
 * heap (tens of MB of RSS that are free but never returned).
 */
class PooledIpcSink extends AsyncByteQueue {
  buf = new Uint8Array(columnPool.take(1 << 20));
  length = 0;
  override write(value: Uint8Array): void {
    const n = value.byteLength;
    if (n === 0) return;
    if (this.length + n > this.buf.length) {
      const next = new Uint8Array(columnPool.take(this.length + n));
      next.set(this.buf.subarray(0, this.length));
      columnPool.give(this.buf.buffer as ArrayBuffer);
      this.buf = next;
    }
    this.buf.set(value, this.length);
    this.length += n;
  }
}

/**
 * The raw batch's own buffers are left untouched (the caller gives them back to its pool); the INT64 word buffers
 * and the IPC buffer made here go back to this thread's pool as soon as parquet-wasm has copied the IPC in.
 */
export function rawBatchToParquet(raw: RawBatch): Uint8Array {
  const table = rawBatchToTable(raw);
  const sink = new PooledIpcSink();
  const writer = new RecordBatchStreamWriter();
  writer.reset(sink, table.schema);
  for (const b of table.batches) writer.write(b);
  writer.finish();
  for (const [i, c] of raw.columns.entries()) {
    if (c.kind === 'int64') columnPool.give(table.getChildAt(i)!.data[0]!.values.buffer as ArrayBuffer);
  }
  const pq = parquet.Table.fromIPCStream(sink.buf.subarray(0, sink.length));
  columnPool.give(sink.buf.buffer as ArrayBuffer);
  return parquet.writeParquet(pq, writerProperties());
}
