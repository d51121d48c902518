/**
 * Lake parts → Parquet, written straight from the column buffers (RawColumn) with no intermediate Arrow table.
 *
 * Why not a general writer: parquet-wasm spent ~2.9 s of CPU per million rows here (Arrow IPC in, then arrow-rs's
 * writer), hyparquet-writer ~3.8 s (it wants one JS value per cell), and both together were half of the ingest.
 * A part has one fixed, flat schema of INT32 / INT64 / UTF8 columns, all OPTIONAL, so the format work left is small
 * and all of it is done here on typed arrays:
 * - one row group per part, one dictionary page and one data page (v1) per column;
 * - dictionary encoding always (as arrow-rs does under its 1 MB dictionary limit), PLAIN when a dictionary would
 *   pass that limit; indices and definition levels in the RLE / bit-packed hybrid;
 * - zstd from Node's zlib on every page; min/max/null-count statistics on the numeric columns (ports, counters,
 *   start/end: what range predicates use). Strings carry none: they cost time and Athena prunes by partition.
 * The Thrift structures (page headers, footer) are serialised by hyparquet-writer, a kept library; DuckDB and
 * hyparquet read the result back in the tests (test/unit/flowlog/parquet.test.ts).
 *
 * Scratch buffers are per thread (module state) and reused for every part: no large allocation per part.
 */
import { constants as zlibConstants, zstdCompressSync } from 'node:zlib';
import type { ColumnChunk, ColumnMetaData, Encoding, FileMetaData, SchemaElement, Statistics } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer/src/bytewriter.js';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { LAKE_COLUMNS, releaseRawBatch, type FlowBatch, type LakeColumn, type RawBatch } from './batch.ts';
import type { RawColumn } from './columns.ts';
import { columnPool } from './pool.ts';

if (typeof zstdCompressSync !== 'function') {
  throw new Error(`the lake writer needs zstd in node:zlib (Node >= 22.15); this is Node ${process.version}`);
}
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('the lake writer assumes a little-endian CPU');

/** zstd level 1: arrow-rs's default, and the lake/gzip size goal (≤ 0.7) holds with it */
const ZSTD_LEVEL = 1;
/** a dictionary larger than this is not written: the column chunk is PLAIN (arrow-rs's default limit) */
const DICTIONARY_LIMIT = 1 << 20;
const CREATED_BY = 'vpc-netwatch';
const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // PAR1

const zstdOptions = { params: { [zlibConstants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } };

function schemaElement(c: LakeColumn): SchemaElement {
  if (c.type === 'string') return { name: c.name, type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
  return { name: c.name, type: c.type === 'int32' ? 'INT32' : 'INT64', repetition_type: 'OPTIONAL' };
}

/** The Parquet schema of every lake part (the flat superset schema of batch.ts). */
export const LAKE_PARQUET_SCHEMA: readonly SchemaElement[] = [
  { name: 'schema', num_children: LAKE_COLUMNS.length },
  ...LAKE_COLUMNS.map(schemaElement),
];

// ---- per-thread scratch -------------------------------------------------------------------------------------------

let body = new Uint8Array(1 << 20); // a data page, uncompressed
let dictBody = new Uint8Array(1 << 18); // a dictionary page, uncompressed
let idx = new Int32Array(1 << 15); // dictionary index of each non-NULL value
let table = new Int32Array(1 << 16); // open addressing: dictionary index + 1, 0 = empty
let dictI32 = new Int32Array(1 << 15);
let dictF64 = new Float64Array(1 << 15);
let dictStart = new Int32Array(1 << 15); // UTF8 dictionary entries as [start, end) of the column's bytes
let dictEnd = new Int32Array(1 << 15);
const out = new ByteWriter(1 << 20);

function ensureBody(bytes: number): Uint8Array {
  if (body.length < bytes) body = new Uint8Array(Math.max(bytes, 2 * body.length));
  return body;
}

/** scratch sized for n values: index array, dictionaries, and a hash table at most half full */
function ensureRows(n: number): void {
  if (idx.length < n) {
    let size = idx.length;
    while (size < n) size *= 2;
    idx = new Int32Array(size);
    dictI32 = new Int32Array(size);
    dictF64 = new Float64Array(size);
    dictStart = new Int32Array(size);
    dictEnd = new Int32Array(size);
  }
  let t = table.length;
  while (t < 2 * n) t *= 2;
  if (t !== table.length) table = new Int32Array(t);
}

// ---- RLE / bit-packed hybrid --------------------------------------------------------------------------------------

function putVarint(b: Uint8Array, pos: number, v: number): number {
  while (v > 0x7f) {
    b[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  b[pos++] = v;
  return pos;
}

/** `groups` groups of 8 values from v[start...] (past m: zeros), `w` bits each, least significant bit first */
function putBitPacked(b: Uint8Array, pos: number, v: Int32Array, start: number, groups: number, m: number, w: number): number {
  pos = putVarint(b, pos, (groups << 1) | 1);
  const end = start + groups * 8;
  let acc = 0;
  let bits = 0;
  for (let i = start; i < end; i++) {
    acc |= (i < m ? v[i]! : 0) << bits; // w <= 24 and bits < 8: fits in 32 bits
    bits += w;
    while (bits >= 8) {
      b[pos++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) b[pos++] = acc & 0xff;
  return pos;
}

/**
 * v[0, m) as the RLE / bit-packed hybrid with bit width w (1..24): runs of 8 or more equal values as RLE runs, the
 * rest bit-packed in groups of 8. Worst case is well under 4 bytes per value plus 16.
 */
function putHybrid(b: Uint8Array, pos: number, v: Int32Array, m: number, w: number): number {
  const valueBytes = (w + 7) >> 3;
  let pendingStart = 0;
  let pending = 0;
  let i = 0;
  while (i < m) {
    const x = v[i]!;
    let r = i + 1;
    while (r < m && v[r] === x) r++;
    if (r - i >= 8) {
      if (pending > 0) {
        pos = putBitPacked(b, pos, v, pendingStart, pending, m, w);
        pending = 0;
      }
      pos = putVarint(b, pos, (r - i) << 1);
      for (let k = 0; k < valueBytes; k++) b[pos++] = (x >>> (8 * k)) & 0xff;
      i = r;
    } else {
      if (pending === 0) pendingStart = i;
      pending++;
      i += 8;
    }
  }
  if (pending > 0) pos = putBitPacked(b, pos, v, pendingStart, pending, m, w);
  return pos;
}

/** definition levels (bit width 1) with their 4-byte length prefix, as a v1 data page starts */
function putDefinitionLevels(b: Uint8Array, pos: number, c: RawColumn): number {
  const lenAt = pos;
  pos += 4;
  const n = c.length;
  if (c.kind === 'null' || c.nullCount === 0 || c.valid === undefined) {
    // one RLE run: all NULL (0) or all present (1)
    pos = putVarint(b, pos, n << 1);
    b[pos++] = c.kind === 'null' || c.nullCount === n ? 0 : 1;
  } else {
    // the validity bitmap is already bit-packed with width 1, least significant bit first
    const bytes = (n + 7) >> 3;
    pos = putVarint(b, pos, (bytes << 1) | 1);
    b.set(c.valid.subarray(0, bytes), pos);
    pos += bytes;
  }
  const len = pos - lenAt - 4;
  b[lenAt] = len & 0xff;
  b[lenAt + 1] = (len >>> 8) & 0xff;
  b[lenAt + 2] = (len >>> 16) & 0xff;
  b[lenAt + 3] = len >>> 24;
  return pos;
}

// ---- dictionaries -------------------------------------------------------------------------------------------------

function isValid(valid: Uint8Array | undefined, i: number): boolean {
  return valid === undefined || (valid[i >> 3]! & (1 << (i & 7))) !== 0;
}

interface Dict {
  /** distinct values */
  size: number;
  /** non-NULL values: their dictionary indices are indices[0, count) */
  count: number;
  indices: Int32Array;
  /** PLAIN bytes of the dictionary page */
  bytes: number;
}

/** A column that arrived dictionary-encoded (DictUtf8Column): only the NULL rows' slots are dropped. */
function dictOfDictColumn(c: Extract<RawColumn, { kind: 'dict' }>): Dict {
  const { indices, valid, length: n, dictSize, dictOffsets } = c;
  const bytes = 4 * dictSize + dictOffsets[dictSize]! - dictOffsets[0]!;
  if (valid === undefined) return { size: dictSize, count: n, indices, bytes };
  let count = 0;
  for (let i = 0; i < n; i++) if (isValid(valid, i)) idx[count++] = indices[i]!;
  return { size: dictSize, count, indices: idx, bytes };
}

function dictInt32(c: Extract<RawColumn, { kind: 'int32' }>): Dict {
  const { data, valid, length: n } = c;
  const mask = table.length - 1;
  const shift = Math.clz32(mask);
  table.fill(0);
  let size = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (valid !== undefined && !isValid(valid, i)) continue;
    const v = data[i]!;
    let h = Math.imul(v, 0x9e3779b1) >>> shift;
    for (;;) {
      const e = table[h]!;
      if (e === 0) {
        dictI32[size] = v;
        table[h] = ++size;
        idx[count++] = size - 1;
        break;
      }
      if (dictI32[e - 1] === v) {
        idx[count++] = e - 1;
        break;
      }
      h = (h + 1) & mask;
    }
  }
  return { size, count, indices: idx, bytes: 4 * size };
}

function dictInt64(c: Extract<RawColumn, { kind: 'int64' }>): Dict {
  const { data, valid, length: n } = c;
  const mask = table.length - 1;
  const shift = Math.clz32(mask);
  table.fill(0);
  let size = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (valid !== undefined && !isValid(valid, i)) continue;
    const v = data[i]!;
    let h = Math.imul((v | 0) ^ Math.imul((v / 4294967296) | 0, 0x85ebca6b), 0x9e3779b1) >>> shift;
    for (;;) {
      const e = table[h]!;
      if (e === 0) {
        dictF64[size] = v;
        table[h] = ++size;
        idx[count++] = size - 1;
        break;
      }
      if (dictF64[e - 1] === v) {
        idx[count++] = e - 1;
        break;
      }
      h = (h + 1) & mask;
    }
  }
  return { size, count, indices: idx, bytes: 8 * size };
}

/**
 * UTF8 values hashed on their bytes (four at a time through a DataView); a value equal to the row before reuses its
 * index without hashing (most lake string columns repeat: account, region, action, ENI owner, ...). Undefined once
 * the dictionary passes DICTIONARY_LIMIT.
 */
function dictUtf8(c: Extract<RawColumn, { kind: 'utf8' }>): Dict | undefined {
  const { data, offsets, valid, length: n } = c;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const mask = table.length - 1;
  table.fill(0);
  let size = 0;
  let count = 0;
  let bytes = 0;
  let ps = 0; // previous non-NULL value [ps, pe) and its index
  let pe = -1;
  let pi = 0;
  for (let i = 0; i < n; i++) {
    if (valid !== undefined && !isValid(valid, i)) continue;
    const s = offsets[i]!;
    const e = offsets[i + 1]!;
    const len = e - s;
    if (len === pe - ps && sameBytes(view, data, ps, s, len)) {
      idx[count++] = pi;
      continue;
    }
    let h = 0x811c9dc5 ^ len;
    let k = s;
    for (; k + 4 <= e; k += 4) h = Math.imul(h ^ view.getInt32(k, true), 0x01000193);
    for (; k < e; k++) h = Math.imul(h ^ data[k]!, 0x01000193);
    h = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const t = table[h]!;
      if (t === 0) {
        dictStart[size] = s;
        dictEnd[size] = e;
        table[h] = ++size;
        pi = size - 1;
        bytes += 4 + len;
        if (bytes > DICTIONARY_LIMIT) return undefined;
        break;
      }
      const ds = dictStart[t - 1]!;
      if (dictEnd[t - 1]! - ds === len && sameBytes(view, data, ds, s, len)) {
        pi = t - 1;
        break;
      }
      h = (h + 1) & mask;
    }
    idx[count++] = pi;
    ps = s;
    pe = e;
  }
  return { size, count, indices: idx, bytes };
}

/** data[a, a + len) equals data[b, b + len) */
function sameBytes(view: DataView, data: Uint8Array, a: number, b: number, len: number): boolean {
  let k = 0;
  for (; k + 4 <= len; k += 4) if (view.getInt32(a + k, true) !== view.getInt32(b + k, true)) return false;
  for (; k < len; k++) if (data[a + k] !== data[b + k]) return false;
  return true;
}

/** PLAIN size of a dictionary column's non-NULL values */
function plainDictBytes(c: Extract<RawColumn, { kind: 'dict' }>): number {
  let bytes = 0;
  for (let i = 0; i < c.length; i++) {
    if (c.valid !== undefined && !isValid(c.valid, i)) continue;
    const id = c.indices[i]!;
    bytes += 4 + c.dictOffsets[id + 1]! - c.dictOffsets[id]!;
  }
  return bytes;
}

function putU32(b: Uint8Array, pos: number, v: number): number {
  b[pos] = v & 0xff;
  b[pos + 1] = (v >>> 8) & 0xff;
  b[pos + 2] = (v >>> 16) & 0xff;
  b[pos + 3] = v >>> 24;
  return pos + 4;
}

/** an integral double as a little-endian INT64 (two's complement for negatives) */
function putI64(b: Uint8Array, pos: number, v: number): number {
  const hi = Math.floor(v / 4294967296);
  putU32(b, pos, v - hi * 4294967296);
  return putU32(b, pos + 4, hi | 0);
}

/** the dictionary page's PLAIN values into body */
function putDictionary(c: RawColumn, d: Dict): number {
  if (dictBody.length < d.bytes) dictBody = new Uint8Array(Math.max(d.bytes, 2 * dictBody.length));
  const b = dictBody;
  let pos = 0;
  if (c.kind === 'int32') {
    b.set(new Uint8Array(dictI32.buffer, 0, 4 * d.size));
    pos = 4 * d.size;
  } else if (c.kind === 'int64') {
    for (let k = 0; k < d.size; k++) pos = putI64(b, pos, dictF64[k]!);
  } else if (c.kind === 'utf8' || c.kind === 'dict') {
    const data = c.kind === 'dict' ? c.dictData : c.data;
    for (let k = 0; k < d.size; k++) {
      const s = c.kind === 'dict' ? c.dictOffsets[k]! : dictStart[k]!;
      const e = c.kind === 'dict' ? c.dictOffsets[k + 1]! : dictEnd[k]!;
      pos = putU32(b, pos, e - s);
      if (e - s < 32) for (let j = s; j < e; j++) b[pos++] = data[j]!;
      else {
        b.set(data.subarray(s, e), pos);
        pos += e - s;
      }
    }
  }
  return pos;
}

/** PLAIN values of every non-NULL row (the fallback when a dictionary would be too large) */
function putPlainValues(b: Uint8Array, pos: number, c: RawColumn): number {
  if (c.kind === 'null') return pos;
  const { valid, length: n } = c;
  for (let i = 0; i < n; i++) {
    if (valid !== undefined && !isValid(valid, i)) continue;
    if (c.kind === 'int32') pos = putU32(b, pos, c.data[i]!);
    else if (c.kind === 'int64') pos = putI64(b, pos, c.data[i]!);
    else if (c.kind === 'dict') {
      const id = c.indices[i]!;
      const s = c.dictOffsets[id]!;
      const e = c.dictOffsets[id + 1]!;
      pos = putU32(b, pos, e - s);
      b.set(c.dictData.subarray(s, e), pos);
      pos += e - s;
    } else {
      const s = c.offsets[i]!;
      const e = c.offsets[i + 1]!;
      pos = putU32(b, pos, e - s);
      b.set(c.data.subarray(s, e), pos);
      pos += e - s;
    }
  }
  return pos;
}

// ---- pages and column chunks --------------------------------------------------------------------------------------

/**
 * Column chunks smaller than this are written uncompressed: zstd costs ~30 µs per call even on a few bytes, its
 * frame header outweighs any gain on them, and a part has dozens of such chunks (all-NULL and constant columns).
 */
const COMPRESS_MIN_BYTES = 512;

/** Appends a page (header, then its bytes, zstd-compressed when asked); returns the uncompressed size. */
function writePage(
  page: Uint8Array,
  len: number,
  compress: boolean,
  header: { type: 'DICTIONARY_PAGE'; values: number } | { type: 'DATA_PAGE'; values: number; encoding: Encoding },
): number {
  const bytes = compress ? zstdCompressSync(page.subarray(0, len), zstdOptions) : page.subarray(0, len);
  const start = out.offset;
  if (header.type === 'DICTIONARY_PAGE') {
    writePageHeader(out, {
      type: 'DICTIONARY_PAGE', uncompressed_page_size: len, compressed_page_size: bytes.length,
      dictionary_page_header: { num_values: header.values, encoding: 'PLAIN' },
    });
  } else {
    writePageHeader(out, {
      type: 'DATA_PAGE', uncompressed_page_size: len, compressed_page_size: bytes.length,
      data_page_header: { num_values: header.values, encoding: header.encoding, definition_level_encoding: 'RLE', repetition_level_encoding: 'RLE' },
    });
  }
  const headerBytes = out.offset - start;
  out.appendBytes(bytes);
  return headerBytes + len;
}

/** min, max and NULL count of a numeric column (statistics for range predicates) */
function numericStatistics(c: RawColumn): Statistics {
  if (c.kind === 'null') return { null_count: BigInt(c.length) };
  if (c.kind === 'utf8' || c.kind === 'dict') throw new Error('no statistics on strings');
  const { data, valid, length: n } = c;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    if (valid !== undefined && !isValid(valid, i)) continue;
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const stats: Statistics = { null_count: BigInt(c.nullCount) };
  if (min <= max) {
    stats.min_value = c.kind === 'int64' ? BigInt(min) : min;
    stats.max_value = c.kind === 'int64' ? BigInt(max) : max;
  }
  return stats;
}

function writeColumn(c: RawColumn, spec: LakeColumn): ColumnChunk {
  const element = schemaElement(spec);
  const chunkStart = out.offset;
  let uncompressed = 0;
  let dictionaryOffset: bigint | undefined;
  const n = c.length;
  ensureRows(n);

  let dict: Dict | undefined;
  if (c.kind === 'int32') dict = dictInt32(c);
  else if (c.kind === 'int64') dict = dictInt64(c);
  else if (c.kind === 'utf8') dict = dictUtf8(c);
  else if (c.kind === 'dict') dict = dictOfDictColumn(c);
  if (dict !== undefined && dict.bytes > DICTIONARY_LIMIT) dict = undefined;

  const dictLength = dict !== undefined ? putDictionary(c, dict) : 0;
  let encoding: Encoding = 'PLAIN';
  let b: Uint8Array;
  let pos: number;
  if (dict !== undefined) {
    encoding = 'RLE_DICTIONARY';
    const width = Math.max(1, 32 - Math.clz32(dict.size - 1));
    b = ensureBody(32 + ((n + 7) >> 3) + 4 * dict.count + 16);
    pos = putDefinitionLevels(b, 0, c);
    b[pos++] = width;
    pos = putHybrid(b, pos, dict.indices, dict.count, width);
  } else {
    const valueBytes = c.kind === 'utf8' ? c.data.length + 4 * n : c.kind === 'dict' ? plainDictBytes(c) : c.kind === 'null' ? 0 : 8 * n;
    b = ensureBody(32 + ((n + 7) >> 3) + valueBytes);
    pos = putDefinitionLevels(b, 0, c);
    pos = putPlainValues(b, pos, c);
  }
  // one codec per column chunk: both pages compressed, or (tiny chunks) neither
  const compress = dictLength + pos >= COMPRESS_MIN_BYTES;
  if (dict !== undefined) {
    dictionaryOffset = BigInt(out.offset);
    uncompressed += writePage(dictBody, dictLength, compress, { type: 'DICTIONARY_PAGE', values: dict.size });
  }
  const dataOffset = BigInt(out.offset);
  uncompressed += writePage(b, pos, compress, { type: 'DATA_PAGE', values: n, encoding });

  const encodings: Encoding[] = dict !== undefined ? ['PLAIN', 'RLE', 'RLE_DICTIONARY'] : ['PLAIN', 'RLE'];
  const meta: ColumnMetaData = {
    type: element.type!,
    encodings,
    path_in_schema: [spec.name],
    codec: compress ? 'ZSTD' : 'UNCOMPRESSED',
    num_values: BigInt(n),
    total_uncompressed_size: BigInt(uncompressed),
    total_compressed_size: BigInt(out.offset - chunkStart),
    data_page_offset: dataOffset,
    dictionary_page_offset: dictionaryOffset,
  };
  if (spec.type !== 'string') meta.statistics = numericStatistics(c);
  return { file_offset: BigInt(chunkStart), meta_data: meta };
}

const asBytes = (a: Uint8Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * An earlier string column with exactly the same values as column i (pkt_srcaddr is srcaddr, pkt_dstaddr is
 * dstaddr on most ENIs), or -1. Compared with native memcmp; only the address columns are candidates.
 */
function twinOf(raw: RawBatch, i: number): number {
  const c = raw.columns[i]!;
  const j = TWIN_CANDIDATE[i]!;
  if (j < 0) return -1;
  const d = raw.columns[j]!;
  if (c.kind === 'utf8') {
    if (d.kind !== 'utf8' || d.nullCount !== c.nullCount || d.data.length !== c.data.length) return -1;
    if (Buffer.compare(asBytes(d.data), asBytes(c.data)) !== 0 || Buffer.compare(asBytes(d.offsets), asBytes(c.offsets)) !== 0) return -1;
  } else if (c.kind === 'dict') {
    // identical values arrive in the same order, so identical columns have identical dictionaries
    if (d.kind !== 'dict' || d.nullCount !== c.nullCount || d.dictSize !== c.dictSize || d.dictData.length !== c.dictData.length) return -1;
    if (Buffer.compare(asBytes(d.indices), asBytes(c.indices)) !== 0 || Buffer.compare(asBytes(d.dictData), asBytes(c.dictData)) !== 0) return -1;
    if (Buffer.compare(asBytes(d.dictOffsets), asBytes(c.dictOffsets)) !== 0) return -1;
  } else return -1;
  if ((d.valid === undefined) !== (c.valid === undefined)) return -1;
  if (d.valid !== undefined && Buffer.compare(d.valid.subarray(0, (c.length + 7) >> 3), c.valid!.subarray(0, (c.length + 7) >> 3)) !== 0) return -1;
  return j;
}

/** per lake column: the earlier column it is often identical to (-1: none) */
const TWIN_CANDIDATE = LAKE_COLUMNS.map((c) => {
  const of = c.name === 'pkt_srcaddr' ? 'srcaddr' : c.name === 'pkt_dstaddr' ? 'dstaddr' : undefined;
  return of === undefined ? -1 : LAKE_COLUMNS.findIndex((x) => x.name === of);
});

/** A column chunk that repeats an earlier one byte for byte: its pages are copied, its metadata re-pointed. */
function copyColumn(from: ColumnChunk, spec: LakeColumn): ColumnChunk {
  const m = from.meta_data!;
  const start = Number(from.file_offset);
  const pages = out.getBytes().slice(start, start + Number(m.total_compressed_size));
  const shift = BigInt(out.offset - start);
  out.appendBytes(pages);
  return {
    file_offset: BigInt(start) + shift,
    meta_data: {
      ...m,
      path_in_schema: [spec.name],
      data_page_offset: m.data_page_offset + shift,
      dictionary_page_offset: m.dictionary_page_offset === undefined ? undefined : m.dictionary_page_offset + shift,
    },
  };
}

/**
 * One part as a Parquet file. The raw batch's buffers are only read (the caller gives them back to its pool).
 * Columns must be in LAKE_COLUMNS order, all of the batch's length.
 */
export function rawBatchToParquet(raw: RawBatch): Uint8Array {
  if (raw.columns.length !== LAKE_COLUMNS.length) {
    throw new Error(`lake part has ${raw.columns.length} columns, the lake schema ${LAKE_COLUMNS.length}`);
  }
  out.offset = 0;
  out.index = 0;
  out.appendBytes(MAGIC);
  const groupStart = out.offset;
  const columns: ColumnChunk[] = [];
  let totalBytes = 0n;
  for (const [i, c] of raw.columns.entries()) {
    if (c.length !== raw.length) throw new Error(`lake column ${LAKE_COLUMNS[i]!.name} has ${c.length} values, the part ${raw.length}`);
    const twin = c.kind === 'utf8' || c.kind === 'dict' ? twinOf(raw, i) : -1;
    const chunk = twin >= 0 ? copyColumn(columns[twin]!, LAKE_COLUMNS[i]!) : writeColumn(c, LAKE_COLUMNS[i]!);
    totalBytes += chunk.meta_data!.total_uncompressed_size;
    columns.push(chunk);
  }
  const metadata: FileMetaData = {
    version: 1,
    schema: LAKE_PARQUET_SCHEMA as SchemaElement[],
    num_rows: BigInt(raw.length),
    row_groups: [{
      columns, total_byte_size: totalBytes, num_rows: BigInt(raw.length),
      file_offset: BigInt(groupStart), total_compressed_size: BigInt(out.offset - groupStart),
    }],
    created_by: CREATED_BY,
    metadata_length: 0,
  };
  writeMetadata(out, metadata);
  out.appendBytes(MAGIC);
  // the part leaves in a buffer of this thread's pool: it comes back (encoder.ts recycle()) once written
  const bytes = out.getBytes();
  const part = new Uint8Array(columnPool.take(bytes.length), 0, bytes.length);
  part.set(bytes);
  return part;
}

/** A filled FlowBatch as Parquet; its buffers go back to this thread's pool. */
export function batchToParquet(batch: FlowBatch): Uint8Array {
  const raw = batch.raw();
  const bytes = rawBatchToParquet(raw);
  releaseRawBatch(raw);
  return bytes;
}
