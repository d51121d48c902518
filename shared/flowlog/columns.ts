/**
 * Growable Arrow column builders. The parser copies field bytes straight from the decompressed input into these
 * buffers (no JS string per field), and the lake writer hands the buffers to Arrow without another copy.
 * INT64 values are kept as float64 while building (flow-log counters and unix seconds are far below 2^53) and
 * converted to little-endian int64 words once, when the column is frozen.
 */

/** A frozen column as plain typed arrays: what crosses to the Parquet worker thread (transferable, no Arrow objects). */
export type RawColumn =
  | { kind: 'utf8'; length: number; nullCount: number; valid?: Uint8Array; offsets: Int32Array; data: Uint8Array }
  | { kind: 'int32'; length: number; nullCount: number; valid?: Uint8Array; data: Int32Array }
  | { kind: 'int64'; length: number; nullCount: number; valid?: Uint8Array; data: Float64Array };

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function growBytes(buf: Uint8Array, need: number): Uint8Array {
  let cap = buf.length * 2;
  while (cap < need) cap *= 2;
  const next = new Uint8Array(cap);
  next.set(buf);
  return next;
}

abstract class BaseColumn {
  length = 0;
  nullCount = 0;
  protected valid: Uint8Array;

  constructor(capacity: number) {
    this.valid = new Uint8Array(Math.max(8, (capacity + 7) >> 3));
  }

  protected markValid(i: number): void {
    const byte = i >> 3;
    if (byte >= this.valid.length) this.valid = growBytes(this.valid, byte + 1);
    this.valid[byte]! |= 1 << (i & 7);
  }

  protected markNull(i: number): void {
    const byte = i >> 3;
    if (byte >= this.valid.length) this.valid = growBytes(this.valid, byte + 1);
    // bits start cleared, nothing to unset
    this.nullCount++;
  }

  /** Appends nulls until the column has n values (columns absent from a format are filled in bulk, lazily). */
  abstract padTo(n: number): void;

  protected padValidity(n: number): void {
    const bytes = (n + 7) >> 3;
    if (bytes > this.valid.length) this.valid = growBytes(this.valid, bytes);
    // validity bits of new slots are already 0 (fresh or grown buffers are zeroed; bits are only ever set)
    this.nullCount += n - this.length;
  }

  isNull(i: number): boolean {
    return ((this.valid[i >> 3] ?? 0) & (1 << (i & 7))) === 0;
  }

  protected bitmap(): Uint8Array | undefined {
    return this.nullCount === 0 ? undefined : this.valid.subarray(0, (this.length + 7) >> 3);
  }

  abstract raw(): RawColumn;


  abstract get(i: number): string | number | null;
}

export class Utf8Column extends BaseColumn {
  private bytes: Uint8Array;
  private offsets: Int32Array;
  private byteLength = 0;

  constructor(capacity = 1024, avgBytes = 16) {
    super(capacity);
    this.bytes = new Uint8Array(Math.max(64, capacity * avgBytes));
    this.offsets = new Int32Array(capacity + 1);
  }

  private ensureRow(): void {
    if (this.length + 2 > this.offsets.length) {
      const next = new Int32Array(this.offsets.length * 2);
      next.set(this.offsets);
      this.offsets = next;
    }
  }

  /** Appends src[start, end) as one UTF-8 value. */
  appendBytes(src: Uint8Array, start: number, end: number): void {
    this.ensureRow();
    const n = end - start;
    let b = this.byteLength;
    if (b + n > this.bytes.length) this.bytes = growBytes(this.bytes, b + n);
    const dst = this.bytes;
    if (n < 32) {
      for (let i = start; i < end; i++) dst[b++] = src[i]!;
    } else {
      dst.set(src.subarray(start, end), b);
      b += n;
    }
    this.byteLength = b;
    this.markValid(this.length);
    this.offsets[++this.length] = b;
  }

  appendString(value: string | null | undefined): void {
    if (value === null || value === undefined) {
      this.appendNull();
      return;
    }
    this.ensureRow();
    const max = value.length * 3;
    if (this.byteLength + max > this.bytes.length) this.bytes = growBytes(this.bytes, this.byteLength + max);
    const { written } = textEncoder.encodeInto(value, this.bytes.subarray(this.byteLength));
    this.byteLength += written;
    this.markValid(this.length);
    this.offsets[++this.length] = this.byteLength;
  }

  appendNull(): void {
    this.ensureRow();
    this.markNull(this.length);
    this.offsets[++this.length] = this.byteLength;
  }

  padTo(n: number): void {
    if (n <= this.length) return;
    this.padValidity(n);
    if (n + 1 > this.offsets.length) {
      let cap = this.offsets.length * 2;
      while (cap < n + 1) cap *= 2;
      const next = new Int32Array(cap);
      next.set(this.offsets);
      this.offsets = next;
    }
    this.offsets.fill(this.byteLength, this.length + 1, n + 1);
    this.length = n;
  }

  get(i: number): string | null {
    if (i < 0 || i >= this.length || this.isNull(i)) return null;
    return textDecoder.decode(this.bytes.subarray(this.offsets[i]!, this.offsets[i + 1]!));
  }

  raw(): RawColumn {
    return { kind: 'utf8', length: this.length, nullCount: this.nullCount, valid: this.bitmap(), offsets: this.offsets.subarray(0, this.length + 1), data: this.bytes.subarray(0, this.byteLength) };
  }

}

/** Fixed-width numbers: the value array type is the only difference between INT32 and INT64 (float64 while building). */
abstract class NumberColumn<A extends Int32Array | Float64Array> extends BaseColumn {
  protected values: A;

  constructor(capacity: number, values: A) {
    super(capacity);
    this.values = values;
  }

  protected abstract alloc(n: number): A;

  private grow(min: number): void {
    let cap = this.values.length * 2;
    while (cap < min) cap *= 2;
    const next = this.alloc(cap);
    next.set(this.values);
    this.values = next;
  }

  append(v: number): void {
    if (this.length >= this.values.length) this.grow(this.length + 1);
    this.values[this.length] = v;
    this.markValid(this.length++);
  }

  appendNull(): void {
    if (this.length >= this.values.length) this.grow(this.length + 1);
    this.values[this.length] = 0;
    this.markNull(this.length++);
  }

  padTo(n: number): void {
    if (n <= this.length) return;
    this.padValidity(n);
    if (n > this.values.length) this.grow(n);
    this.length = n;
  }

  get(i: number): number | null {
    if (i < 0 || i >= this.length || this.isNull(i)) return null;
    return this.values[i]!;
  }
}

export class Int32Column extends NumberColumn<Int32Array> {
  constructor(capacity = 1024) {
    super(capacity, new Int32Array(capacity));
  }
  protected alloc(n: number): Int32Array {
    return new Int32Array(n);
  }
  raw(): RawColumn {
    return { kind: 'int32', length: this.length, nullCount: this.nullCount, valid: this.bitmap(), data: this.values.subarray(0, this.length) };
  }
}

export class Int64Column extends NumberColumn<Float64Array> {
  constructor(capacity = 1024) {
    super(capacity, new Float64Array(capacity));
  }
  protected alloc(n: number): Float64Array {
    return new Float64Array(n);
  }
  raw(): RawColumn {
    return { kind: 'int64', length: this.length, nullCount: this.nullCount, valid: this.bitmap(), data: this.values.subarray(0, this.length) };
  }
}

export type Column = Utf8Column | Int32Column | Int64Column;
