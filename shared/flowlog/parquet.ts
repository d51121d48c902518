/**
 * Lake batches → Parquet: Arrow data built straight on the column buffers, Arrow IPC into parquet-wasm, zstd.
 * The only module that loads apache-arrow and parquet-wasm (a few tens of MB of compiled code), so a thread that
 * only parses — the CLI's main thread when a worker encodes — never pays for them.
 */
import { Field, Int32, Int64, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, Utf8, type Data, type DataType } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { LAKE_COLUMNS, type FlowBatch, type RawBatch } from './batch.ts';
import type { RawColumn } from './columns.ts';
import type { FieldType } from './fields.ts';

function arrowType(t: FieldType): DataType {
  return t === 'int32' ? new Int32() : t === 'int64' ? new Int64() : new Utf8();
}

export const LAKE_SCHEMA = new Schema(LAKE_COLUMNS.map((c) => new Field(c.name, arrowType(c.type), true)));

/** Arrow Data from a raw column (INT64 values are converted from float64 here, once). */
export function rawToData(c: RawColumn): Data {
  if (c.kind === 'utf8') {
    return makeData({ type: new Utf8(), length: c.length, nullCount: c.nullCount, nullBitmap: c.valid, valueOffsets: c.offsets, data: c.data });
  }
  if (c.kind === 'int32') return makeData({ type: new Int32(), length: c.length, nullCount: c.nullCount, nullBitmap: c.valid, data: c.data });
  const words = new Int32Array(c.length * 2);
  for (let i = 0; i < c.length; i++) {
    const v = c.data[i]!;
    // non-negative and < 2^53: split into little-endian 32-bit words without BigInt
    words[2 * i] = v % 4294967296 | 0;
    words[2 * i + 1] = Math.floor(v / 4294967296) | 0;
  }
  return makeData({ type: new Int64(), length: c.length, nullCount: c.nullCount, nullBitmap: c.valid, data: new BigInt64Array(words.buffer) });
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
  return rawBatchToParquet(batch.raw());
}

export function rawBatchToParquet(raw: RawBatch): Uint8Array {
  const ipc = tableToIPC(rawBatchToTable(raw), 'stream');
  const table = parquet.Table.fromIPCStream(ipc);
  return parquet.writeParquet(table, writerProperties());
}
