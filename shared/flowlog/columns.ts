/**
 * Growable Arrow column builders. The parser copies field bytes straight from the decompressed input into these
 * buffers (no JS string per field), and the lake writer hands the buffers to Arrow without another copy.
 * INT64 values are kept as float64 while building (flow-log counters and unix seconds are far below 2^53) and
 * converted to little-endian int64 words once, when the column is frozen.
 *
 * Memory: a column allocates nothing until its first non-null value (most of the 68 lake columns are absent from
 * any one format and stay all-null: they freeze as a `null` raw column of just a length), and its buffers come
 * from the thread's pool (pool.ts) and go back there once the part is encoded.
 */
import { columnPool } from './pool.ts';

/** A frozen column as plain typed arrays: what crosses to the Parquet worker thread (transferable, no Arrow objects). */
export type RawColumn =
  | { kind: 'utf8'; length: number; nullCount: number; valid?: Uint8Array; offsets: Int32Array; data: Uint8Array }
  | { kind: 'int32'; length: number; nullCount: number; valid?: Uint8Array; data: Int32Array }
  | { kind: 'int64'; length: number; nullCount: number; valid?: Uint8Array; data: Float64Array }
  /**
   * strings dictionary-encoded as they arrived (DictUtf8Column): per row an index into the dictionary (slots under
   * NULLs: any value); entry k is dictData[dictOffsets[k], dictOffsets[k + 1])
   */
  | { kind: 'dict'; length: number; nullCount: number; valid?: Uint8Array; indices: Int32Array; dictSize: number; dictOffsets: Int32Array; dictData: Uint8Array }
  /** every value NULL: nothing but the length */
  | { kind: 'null'; type: 'utf8' | 'int32' | 'int64'; length: number };

/** Buffer's copy works on any Uint8Array source: a native memcpy without the subarray view that set() needs */
const copyBytes = Buffer.prototype.copy as (this: Uint8Array, target: Uint8Array, targetStart: number, sourceStart: number, sourceEnd: number) => number;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function takeU8(bytes: number): Uint8Array {
  return new Uint8Array(columnPool.take(bytes));
}

/** A larger pooled copy of buf (the old one goes back to the pool); zeroed beyond the copied bytes when asked. */
function growU8(buf: Uint8Array, need: number, zero: boolean): Uint8Array {
  const next = takeU8(Math.max(need, buf.length * 2));
  next.set(buf);
  if (zero) next.fill(0, buf.length);
  columnPool.give(buf.buffer as ArrayBuffer);
  return next;
}

/** Gives every buffer of a frozen column back to this thread's pool (after encoding, or when a part is dropped). */
export function releaseRawColumn(c: RawColumn): void {
  for (const b of rawColumnBuffers(c)) columnPool.give(b);
}

/** Every ArrayBuffer of a frozen column (to transfer it, or give it back to the pool). */
export function rawColumnBuffers(c: RawColumn): ArrayBuffer[] {
  if (c.kind === 'null') return [];
  const arrays: (Uint8Array | Int32Array | Float64Array | undefined)[] =
    c.kind === 'dict' ? [c.valid, c.indices, c.dictOffsets, c.dictData] : [c.valid, c.data, c.kind === 'utf8' ? c.offsets : undefined];
  return arrays.filter((a) => a !== undefined).map((a) => a.buffer as ArrayBuffer);
}

abstract class BaseColumn {
  length = 0;
  nullCount = 0;
  /**
   * Validity bits, made only when a column mixes values and NULLs: a column without NULLs so far (most of them)
   * sets no bits at all. Bits are only ever set; unset means NULL.
   */
  protected valid: Uint8Array | undefined;
  protected readonly capacity: number;

  constructor(capacity = 1024) {
    this.capacity = Math.max(8, capacity);
  }

  /** zeroed bits for at least `bits` values */
  private newBitmap(bits: number): Uint8Array {
    const v = takeU8(Math.max((bits + 7) >> 3, this.capacity >> 3));
    v.fill(0);
    return v;
  }

  protected markValid(i: number): void {
    let v = this.valid;
    if (v === undefined) {
      if (this.nullCount === 0) return; // no NULL yet: nothing to record
      v = this.valid = this.newBitmap(i + 1); // first value after NULLs
    } else if (i >> 3 >= v.length) v = this.valid = growU8(v, (i >> 3) + 1, true);
    v[i >> 3]! |= 1 << (i & 7);
  }

  /** Counts NULLs appended at [length, n); the first NULL after values makes the bitmap (all values so far valid). */
  protected addNulls(n: number): void {
    if (this.valid === undefined && this.nullCount === 0 && this.length > 0) {
      const len = this.length;
      const v = (this.valid = this.newBitmap(n));
      v.fill(0xff, 0, len >> 3);
      if (len & 7) v[len >> 3] = (1 << (len & 7)) - 1;
    }
    this.nullCount += n - this.length;
  }

  /** Appends nulls until the column has n values (columns absent from a format are filled in bulk, lazily). */
  abstract padTo(n: number): void;

  isNull(i: number): boolean {
    const v = this.valid;
    if (v === undefined) return this.nullCount > 0; // dense (no NULL) or all NULL
    return ((v[i >> 3] ?? 0) & (1 << (i & 7))) === 0;
  }

  /** the validity bitmap covering `length` values, or undefined when nothing is NULL */
  protected bitmap(): Uint8Array | undefined {
    if (this.nullCount === 0) return undefined;
    const bytes = (this.length + 7) >> 3;
    if (this.valid!.length < bytes) this.valid = growU8(this.valid!, bytes, true);
    return this.valid!.subarray(0, bytes);
  }

  abstract raw(): RawColumn;

  abstract get(i: number): string | number | null;
}

export class Utf8Column extends BaseColumn {
  private bytes: Uint8Array | undefined;
  private offsets: Int32Array | undefined;
  private byteLength = 0;
  private readonly avgBytes: number;

  constructor(capacity = 1024, avgBytes = 16) {
    super(capacity);
    this.avgBytes = avgBytes;
  }

  /** room for one more value; the first call allocates (offsets of the NULLs before it are all 0) */
  private ensureRow(): Int32Array {
    let o = this.offsets;
    if (o === undefined) {
      o = this.offsets = new Int32Array(columnPool.take(4 * Math.max(this.capacity + 1, this.length + 2)));
      o.fill(0, 0, this.length + 1);
      this.bytes = takeU8(this.capacity * this.avgBytes);
    } else if (this.length + 2 > o.length) {
      const next = new Int32Array(columnPool.take(8 * o.length));
      next.set(o);
      columnPool.give(o.buffer as ArrayBuffer);
      o = this.offsets = next;
    }
    return o;
  }

  /** Appends src[start, end) as one UTF-8 value. */
  appendBytes(src: Uint8Array, start: number, end: number): void {
    const offsets = this.ensureRow();
    const n = end - start;
    let b = this.byteLength;
    let dst = this.bytes!;
    if (b + n > dst.length) dst = this.bytes = growU8(dst, b + n, false);
    if (n < 16) {
      for (let i = start; i < end; i++) dst[b++] = src[i]!;
    } else {
      b += copyBytes.call(src, dst, b, start, end); // native copy, no view object per value
    }
    this.byteLength = b;
    this.markValid(this.length);
    offsets[++this.length] = b;
  }

  appendString(value: string | null | undefined): void {
    if (value === null || value === undefined) {
      this.appendNull();
      return;
    }
    const offsets = this.ensureRow();
    const max = value.length * 3;
    if (this.byteLength + max > this.bytes!.length) this.bytes = growU8(this.bytes!, this.byteLength + max, false);
    const { written } = textEncoder.encodeInto(value, this.bytes!.subarray(this.byteLength));
    this.byteLength += written;
    this.markValid(this.length);
    offsets[++this.length] = this.byteLength;
  }

  appendNull(): void {
    this.padTo(this.length + 1);
  }

  padTo(n: number): void {
    if (n <= this.length) return;
    this.addNulls(n);
    let o = this.offsets;
    if (o !== undefined) {
      if (n + 1 > o.length) {
        const next = new Int32Array(columnPool.take(4 * Math.max(n + 1, 2 * o.length)));
        next.set(o.subarray(0, this.length + 1));
        columnPool.give(o.buffer as ArrayBuffer);
        o = this.offsets = next;
      }
      o.fill(this.byteLength, this.length + 1, n + 1);
    }
    this.length = n;
  }

  get(i: number): string | null {
    if (i < 0 || i >= this.length || this.isNull(i)) return null;
    return textDecoder.decode(this.bytes!.subarray(this.offsets![i]!, this.offsets![i + 1]!));
  }

  raw(): RawColumn {
    if (this.offsets === undefined) return { kind: 'null', type: 'utf8', length: this.length };
    return {
      kind: 'utf8', length: this.length, nullCount: this.nullCount, valid: this.bitmap(),
      offsets: this.offsets.subarray(0, this.length + 1), data: this.bytes!.subarray(0, this.byteLength),
    };
  }
}

const EMPTY_U8: Uint8Array = new Uint8Array(0);
const EMPTY_I32: Int32Array = new Int32Array(0);
const EMPTY_VIEW: DataView = new DataView(new ArrayBuffer(0));

/**
 * Strings dictionary-encoded as they arrive: a value is hashed once, four bytes at a time, into the column's own
 * dictionary and only its index is kept, so the Parquet writer gets dictionary and indices ready-made and no
 * value's bytes are copied or hashed twice. A value equal to the previous one (most lake string columns repeat:
 * account, region, action, flow direction, ...) costs one comparison. Parquet's 1 MB dictionary limit is the
 * writer's business (it writes PLAIN from the dictionary past it).
 */
export class DictUtf8Column extends BaseColumn {
  private indices: Int32Array | undefined;
  private dictData: Uint8Array = EMPTY_U8;
  private dictView: DataView = EMPTY_VIEW;
  private dictOffsets: Int32Array = EMPTY_I32;
  private dictHashes: Int32Array = EMPTY_I32;
  /** open addressing: entry + 1, 0 = empty; at most half full */
  private table: Int32Array = EMPTY_I32;
  private size = 0;
  private dataLength = 0;
  private prev = -1;
  private src: Uint8Array | undefined;
  private srcView: DataView = EMPTY_VIEW;

  private room(i: number): Int32Array {
    let v = this.indices;
    if (v === undefined) {
      v = this.indices = new Int32Array(columnPool.take(4 * Math.max(this.capacity, i + 1)));
      this.setData(takeU8(1024));
      this.dictOffsets = new Int32Array(columnPool.take(4 * 64));
      this.dictOffsets[0] = 0;
      this.dictHashes = new Int32Array(columnPool.take(4 * 64));
      this.table = new Int32Array(columnPool.take(4 * 128));
      this.table.fill(0);
    } else if (i >= v.length) {
      const next = new Int32Array(columnPool.take(4 * Math.max(i + 1, 2 * v.length)));
      next.set(v);
      columnPool.give(v.buffer as ArrayBuffer);
      v = this.indices = next;
    }
    return v;
  }

  private setData(d: Uint8Array): void {
    this.dictData = d;
    this.dictView = new DataView(d.buffer, d.byteOffset, d.byteLength);
  }

  /** dictData[a, a + n) equals src[s, s + n) */
  private same(a: number, s: number, n: number): boolean {
    const dv = this.dictView;
    const sv = this.srcView;
    let k = 0;
    for (; k + 4 <= n; k += 4) if (dv.getInt32(a + k, true) !== sv.getInt32(s + k, true)) return false;
    const d = this.dictData;
    const src = this.src!;
    for (; k < n; k++) if (d[a + k] !== src[s + k]) return false;
    return true;
  }

  /** Appends src[start, end) as one UTF-8 value. */
  appendBytes(src: Uint8Array, start: number, end: number): void {
    const idx = this.room(this.length);
    if (src !== this.src) {
      this.src = src;
      this.srcView = new DataView(src.buffer, src.byteOffset, src.byteLength);
    }
    const n = end - start;
    const offsets = this.dictOffsets;
    const p = this.prev;
    if (p >= 0 && offsets[p + 1]! - offsets[p]! === n && this.same(offsets[p]!, start, n)) {
      idx[this.length] = p;
      this.markValid(this.length++);
      return;
    }
    const sv = this.srcView;
    let h = 0x811c9dc5 ^ n;
    let i = start;
    for (; i + 4 <= end; i += 4) h = Math.imul(h ^ sv.getInt32(i, true), 0x01000193);
    for (; i < end; i++) h = Math.imul(h ^ src[i]!, 0x01000193);
    h ^= h >>> 15;
    const table = this.table;
    const hashes = this.dictHashes;
    const mask = table.length - 1;
    let slot = h & mask;
    let id = -1;
    for (;;) {
      const t = table[slot]!;
      if (t === 0) break;
      if (hashes[t - 1] === h && offsets[t]! - offsets[t - 1]! === n && this.same(offsets[t - 1]!, start, n)) {
        id = t - 1;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (id < 0) {
      id = this.size;
      table[slot] = id + 1;
      this.addEntry(src, start, end, h);
    }
    this.prev = id;
    idx[this.length] = id;
    this.markValid(this.length++);
  }

  private addEntry(src: Uint8Array, start: number, end: number, h: number): void {
    const id = this.size++;
    const n = end - start;
    let b = this.dataLength;
    if (b + n > this.dictData.length) this.setData(growU8(this.dictData, b + n, false));
    const data = this.dictData;
    if (n < 16) for (let i = start; i < end; i++) data[b++] = src[i]!;
    else b += copyBytes.call(src, data, b, start, end);
    this.dataLength = b;
    if (id + 2 > this.dictOffsets.length) {
      this.dictOffsets = growI32(this.dictOffsets, id + 2);
      this.dictHashes = growI32(this.dictHashes, id + 2);
    }
    this.dictOffsets[id + 1] = b;
    this.dictHashes[id] = h;
    if (2 * this.size > this.table.length) this.rehash(2 * this.table.length);
  }

  private rehash(slots: number): void {
    columnPool.give(this.table.buffer as ArrayBuffer);
    const table = (this.table = new Int32Array(columnPool.take(4 * slots)));
    table.fill(0);
    const mask = slots - 1;
    for (let id = 0; id < this.size; id++) {
      let slot = this.dictHashes[id]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = id + 1;
    }
  }

  /** open addressing: key = a caller's id for the value (-1 empty), with the value's index beside it */
  private idKeys: Int32Array = EMPTY_I32;
  private idVals: Int32Array = EMPTY_I32;
  private idCount = 0;

  /**
   * Appends src[start, end), which the caller numbers `id` (its own dictionary id for exactly these bytes, stable
   * across calls): the value's index is found by that number, and the bytes are hashed only the first time.
   */
  appendId(id: number, src: Uint8Array, start: number, end: number): void {
    let keys = this.idKeys;
    if (keys.length === 0) {
      keys = this.idKeys = new Int32Array(columnPool.take(4 * 1024));
      keys.fill(-1);
      this.idVals = new Int32Array(columnPool.take(4 * 1024));
    }
    const mask = keys.length - 1;
    let slot = Math.imul(id, 0x9e3779b1) >>> (Math.clz32(mask));
    for (;;) {
      const k = keys[slot]!;
      if (k === id) {
        const v = this.idVals[slot]!;
        this.room(this.length)[this.length] = v;
        this.prev = v;
        this.markValid(this.length++);
        return;
      }
      if (k === -1) break;
      slot = (slot + 1) & mask;
    }
    this.appendBytes(src, start, end);
    keys[slot] = id;
    this.idVals[slot] = this.prev;
    if (2 * ++this.idCount > keys.length) this.regrowIds();
  }

  private regrowIds(): void {
    const oldKeys = this.idKeys;
    const oldVals = this.idVals;
    const size = 2 * oldKeys.length;
    const keys = (this.idKeys = new Int32Array(columnPool.take(4 * size)));
    keys.fill(-1);
    const vals = (this.idVals = new Int32Array(columnPool.take(4 * size)));
    const mask = size - 1;
    const shift = Math.clz32(mask);
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i]!;
      if (k === -1) continue;
      let slot = Math.imul(k, 0x9e3779b1) >>> shift;
      while (keys[slot] !== -1) slot = (slot + 1) & mask;
      keys[slot] = k;
      vals[slot] = oldVals[i]!;
    }
    columnPool.give(oldKeys.buffer as ArrayBuffer);
    columnPool.give(oldVals.buffer as ArrayBuffer);
  }

  appendString(value: string | null | undefined): void {
    if (value === null || value === undefined) {
      this.appendNull();
      return;
    }
    const bytes = textEncoder.encode(value);
    this.appendBytes(bytes, 0, bytes.length);
  }

  appendNull(): void {
    this.padTo(this.length + 1);
  }

  padTo(n: number): void {
    if (n <= this.length) return;
    this.addNulls(n);
    if (this.indices !== undefined) this.room(n - 1);
    this.length = n;
  }

  get(i: number): string | null {
    if (i < 0 || i >= this.length || this.isNull(i)) return null;
    const id = this.indices![i]!;
    return textDecoder.decode(this.dictData.subarray(this.dictOffsets[id]!, this.dictOffsets[id + 1]!));
  }

  /** Frozen for the writer: the hash table and hashes go back to the pool now, the rest once the part is written. */
  raw(): RawColumn {
    const idx = this.indices;
    if (idx === undefined) return { kind: 'null', type: 'utf8', length: this.length };
    for (const a of [this.table, this.dictHashes, this.idKeys, this.idVals]) if (a.length) columnPool.give(a.buffer as ArrayBuffer);
    this.table = this.dictHashes = this.idKeys = this.idVals = EMPTY_I32;
    this.idCount = 0;
    this.src = undefined;
    this.srcView = EMPTY_VIEW;
    return {
      kind: 'dict', length: this.length, nullCount: this.nullCount, valid: this.bitmap(), indices: idx.subarray(0, this.length),
      dictSize: this.size, dictOffsets: this.dictOffsets.subarray(0, this.size + 1), dictData: this.dictData.subarray(0, this.dataLength),
    };
  }
}

function growI32(a: Int32Array, need: number): Int32Array {
  const next = new Int32Array(columnPool.take(4 * Math.max(need, 2 * a.length)));
  next.set(a);
  columnPool.give(a.buffer as ArrayBuffer);
  return next;
}

/** Fixed-width numbers: the value array type is the only difference between INT32 and INT64 (float64 while building). */
abstract class NumberColumn<A extends Int32Array | Float64Array> extends BaseColumn {
  protected values: A | undefined;

  protected abstract alloc(n: number): A;

  /** values array with room for index i; the first call allocates (slots under NULLs are never read) */
  private room(i: number): A {
    let v = this.values;
    if (v === undefined) v = this.values = this.alloc(Math.max(this.capacity, i + 1));
    else if (i >= v.length) {
      const next = this.alloc(Math.max(i + 1, 2 * v.length));
      next.set(v);
      columnPool.give(v.buffer as ArrayBuffer);
      v = this.values = next;
    }
    return v;
  }

  append(v: number): void {
    this.room(this.length)[this.length] = v;
    this.markValid(this.length++);
  }

  appendNull(): void {
    this.padTo(this.length + 1);
  }

  padTo(n: number): void {
    if (n <= this.length) return;
    this.addNulls(n);
    if (this.values !== undefined) this.room(n - 1);
    this.length = n;
  }

  get(i: number): number | null {
    if (i < 0 || i >= this.length || this.isNull(i)) return null;
    return this.values![i]!;
  }
}

export class Int32Column extends NumberColumn<Int32Array> {
  protected alloc(n: number): Int32Array {
    return new Int32Array(columnPool.take(4 * n));
  }
  raw(): RawColumn {
    if (this.values === undefined) return { kind: 'null', type: 'int32', length: this.length };
    return { kind: 'int32', length: this.length, nullCount: this.nullCount, valid: this.bitmap(), data: this.values.subarray(0, this.length) };
  }
}

export class Int64Column extends NumberColumn<Float64Array> {
  protected alloc(n: number): Float64Array {
    return new Float64Array(columnPool.take(8 * n));
  }
  raw(): RawColumn {
    if (this.values === undefined) return { kind: 'null', type: 'int64', length: this.length };
    return { kind: 'int64', length: this.length, nullCount: this.nullCount, valid: this.bitmap(), data: this.values.subarray(0, this.length) };
  }
}

export type Column = Utf8Column | DictUtf8Column | Int32Column | Int64Column;
