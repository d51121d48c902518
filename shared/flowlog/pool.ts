/**
 * A per-thread pool of column buffers. A 1 M-line object is ~30 parts, each a few MB of column buffers; allocating
 * them afresh for every part leaves tens of MB of dead ArrayBuffers waiting for a GC that V8 schedules by JS heap
 * pressure, not by external memory, so the process's peak RSS grows with the object. Parts instead take buffers
 * from here, and give them back once encoded (the Parquet worker transfers them back to the parsing thread).
 *
 * Sizes are powers of two, so a returned buffer fits the next request of its class exactly. Buffers come back
 * with old contents: callers that rely on zeros clear them.
 */
const MIN_BYTES = 256;

export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private held = 0;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** bytes currently kept for reuse */
  get heldBytes(): number {
    return this.held;
  }

  /** An ArrayBuffer of at least minBytes (rounded up to a power of two). */
  take(minBytes: number): ArrayBuffer {
    let size = MIN_BYTES;
    while (size < minBytes) size *= 2;
    const list = this.free.get(size);
    const buf = list?.pop();
    if (buf !== undefined) {
      this.held -= size;
      return buf;
    }
    return new ArrayBuffer(size);
  }

  /** Returns a buffer for reuse; detached buffers, odd sizes and anything beyond the cap are left to the GC. */
  give(buf: ArrayBuffer): void {
    const size = buf.byteLength;
    if (size < MIN_BYTES || (size & (size - 1)) !== 0 || this.held + size > this.maxBytes) return;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buf);
    this.held += size;
  }

  clear(): void {
    this.free.clear();
    this.held = 0;
  }
}

/**
 * The pool of this thread (module state is per isolate: the Parquet worker has its own). 48 MB holds what circulates
 * in the CLI's steady state (the part being filled and two in flight; the worker's IPC buffer): measured on 1 M
 * lines, 16 MB dropped ~100 MB of buffers for the GC to find, 32 MB still 6 MB, 48 MB none.
 */
export const columnPool = new BufferPool(48 << 20);
