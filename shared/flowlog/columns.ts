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
  /** every value NULL: nothing but the length (the encoder makes the zeroed buffers Arrow wants) */
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
  if (c.kind === 'null') return;
  if (c.valid) columnPool.give(c.valid.buffer as ArrayBuffer);
  columnPool.give(c.data.buffer as ArrayBuffer);
  if (c.kind === 'utf8') columnPool.give(c.offsets.buffer as ArrayBuffer);
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

export type Column = Utf8Column | Int32Column | Int64Column;
