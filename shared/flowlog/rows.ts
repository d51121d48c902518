/**
 * Row blocks: how parsed, enriched flow-log records travel from the thread that parses them to the thread that
 * builds the lake columns and writes Parquet (lake-rows.ts). The parser's work (tokenising, numbers, routing,
 * enrichment) stays on one thread; the copying into column buffers, the dictionaries and zstd happen on the other.
 *
 * A block holds up to BLOCK_ROWS records as flat typed arrays: each record's line bytes (one copy per line), the
 * [start, end) offsets of its string tokens, the values of its numeric tokens, and per record the format,
 * partition, side enrichments (as small ids), direction class, protocol and TCP flags. Formats, partition paths
 * and side enrichments are sent once per object, in the first block that uses them. All arrays come from the
 * thread's buffer pool and are transferred, not copied, to the worker, which hands them back.
 */
import type { Enrichment, SideEnrichment } from '../enrich/enricher.ts';
import { planFor, SIDE_KEYS, type FormatPlan } from './batch.ts';
import type { FlowLogFormat } from './format.ts';
import type { LineView } from './parse.ts';
import { columnPool } from './pool.ts';
import { DIRECTION_CLASSES } from './record.ts';

/** records per block: ~1.5 MB of arrays for a v5 line, small enough to keep two or three in flight */
export const BLOCK_ROWS = 3072;

export interface RowBlock {
  rows: number;
  /** per record: format id, partition id, side enrichment ids (src, dst), protocol and TCP flags (-1: NULL) */
  format: Int32Array;
  partition: Int32Array;
  src: Int32Array;
  dst: Int32Array;
  protocol: Int32Array;
  flags: Int32Array;
  /** index in DIRECTION_CLASSES, -1 for NULL */
  direction: Int8Array;
  /**
   * per record, 4 ids: srcaddr, dstaddr, interface-id, instance-id as numbered by the parsing thread's detection
   * dictionary (-1: NULL or not numbered); the building side finds repeated values by these instead of hashing bytes
   */
  ids: Int32Array;
  /** per record: 1 when pkt-srcaddr has the bytes of srcaddr, 2 when pkt-dstaddr has those of dstaddr */
  same: Uint8Array;
  /** per record: where its string token pairs start in `tok`, and its numbers in `nums` */
  strBase: Int32Array;
  numBase: Int32Array;
  /** the records' line bytes, and their string tokens as [start, end) pairs into it (planFor order, then unknowns) */
  text: Uint8Array;
  tok: Int32Array;
  /** numeric token values in planFor order; NaN for `-` */
  nums: Float64Array;
  /** names of formats, partition paths and side enrichments (SIDE_KEYS order) first used in this block */
  newFormats: string[][];
  newPartitions: string[];
  newSides: (string | null)[][];
}

/** Every ArrayBuffer of a block (to transfer it, and to give it back to the pool). */
export function rowBlockBuffers(b: RowBlock): ArrayBuffer[] {
  return [b.format, b.partition, b.src, b.dst, b.protocol, b.flags, b.direction, b.ids, b.same, b.strBase, b.numBase, b.text, b.tok, b.nums].map(
    (a) => a.buffer as ArrayBuffer,
  );
}

export function releaseRowBlock(b: RowBlock): void {
  for (const buf of rowBlockBuffers(b)) columnPool.give(buf);
}

/** Buffer's copy works on any Uint8Array source: a native memcpy without the subarray view that set() needs */
const copyBytes = Buffer.prototype.copy as (this: Uint8Array, target: Uint8Array, targetStart: number, sourceStart: number, sourceEnd: number) => number;

const i32 = (n: number) => new Int32Array(columnPool.take(4 * n));

/** Fills blocks record by record on the parsing thread; ids of formats, partitions and sides are per object. */
export class RowBlockBuilder {
  private readonly formats = new Map<FlowLogFormat, number>();
  private readonly partitions = new Map<string, number>();
  private readonly sides = new Map<SideEnrichment, number>();
  private block: RowBlock | undefined;
  private textLength = 0;
  private tokLength = 0;
  private numLength = 0;
  private readonly capacity: number;
  private lastFormat: FlowLogFormat | undefined;
  private lastFormatId = -1;
  private lastPlan: FormatPlan | undefined;
  private lastSrc: SideEnrichment | undefined;
  private lastSrcId = -1;
  private lastDst: SideEnrichment | undefined;
  private lastDstId = -1;

  constructor(capacity = BLOCK_ROWS) {
    this.capacity = capacity;
  }

  private open(): RowBlock {
    const n = this.capacity;
    this.textLength = this.tokLength = this.numLength = 0;
    return (this.block = {
      rows: 0,
      format: i32(n), partition: i32(n), src: i32(n), dst: i32(n), protocol: i32(n), flags: i32(n),
      direction: new Int8Array(columnPool.take(n)),
      ids: i32(4 * n),
      same: new Uint8Array(columnPool.take(n)),
      strBase: i32(n), numBase: i32(n),
      text: new Uint8Array(columnPool.take(160 * n)),
      tok: i32(40 * n),
      nums: new Float64Array(columnPool.take(8 * 10 * n)),
      newFormats: [], newPartitions: [], newSides: [],
    });
  }

  /** The id of a partition path (new paths travel with the current block). */
  partitionId(path: string): number {
    let id = this.partitions.get(path);
    if (id === undefined) {
      id = this.partitions.size;
      this.partitions.set(path, id);
      (this.block ?? this.open()).newPartitions.push(path);
    }
    return id;
  }

  /** a side enrichment's id (remembered as the last src or dst: rows often repeat them) */
  private sideId(b: RowBlock, s: SideEnrichment, src: boolean): number {
    let id = this.sides.get(s);
    if (id === undefined) {
      id = this.sides.size;
      this.sides.set(s, id);
      b.newSides.push(SIDE_KEYS.map((k) => s[k]));
    }
    if (src) this.lastSrcId = id;
    else this.lastDstId = id;
    return id;
  }

  /**
   * Appends one validated line; true when the block is full (take() it). `ids` holds the record's srcaddr, dstaddr,
   * interface-id and instance-id ids (-1 when NULL or unnumbered), `same` its pkt-address bits (RowBlock.same).
   */
  add(view: LineView, partition: number, enr: Enrichment, protocol: number | null, flags: number | null, ids?: Int32Array, same = 0): boolean {
    const b = this.block ?? this.open();
    const format = view.format;
    if (format !== this.lastFormat) {
      let fid = this.formats.get(format);
      if (fid === undefined) {
        fid = this.formats.size;
        this.formats.set(format, fid);
        b.newFormats.push([...format.names]);
      }
      this.lastFormat = format;
      this.lastFormatId = fid;
      this.lastPlan = planFor(format);
    }
    const fid = this.lastFormatId;
    const plan = this.lastPlan!;
    const st = plan.strTok;
    const unknown = format.unknownPositions;
    const nt = plan.numTok;
    const { buf, starts, ends, nums } = view;
    const r = b.rows;

    // the line's bytes, once (tokens are re-based onto the copy)
    const last = format.names.length - 1;
    const ls = starts[0]!;
    const le = ends[last]!;
    let tp = this.textLength;
    if (tp + (le - ls) > b.text.length) b.text = grow8(b.text, tp, tp + (le - ls));
    const text = b.text;
    const shift = tp - ls;
    if (le - ls < 16) for (let i = ls; i < le; i++) text[tp++] = buf[i]!;
    else tp += copyBytes.call(buf, text, tp, ls, le); // native copy, no view object per line
    this.textLength = tp;

    let q = this.tokLength;
    const need = 2 * (st.length + unknown.length);
    if (q + need > b.tok.length) b.tok = grow32(b.tok, q, q + need);
    const tok = b.tok;
    b.strBase[r] = q;
    for (let k = 0; k < st.length; k++) {
      const t = st[k]!;
      tok[q++] = starts[t]! + shift;
      tok[q++] = ends[t]! + shift;
    }
    for (let k = 0; k < unknown.length; k++) {
      const t = unknown[k]!;
      tok[q++] = starts[t]! + shift;
      tok[q++] = ends[t]! + shift;
    }
    this.tokLength = q;

    let p = this.numLength;
    if (p + nt.length > b.nums.length) b.nums = grow64(b.nums, p, p + nt.length);
    const out = b.nums;
    b.numBase[r] = p;
    for (let k = 0; k < nt.length; k++) out[p++] = nums[nt[k]!]!;
    this.numLength = p;

    b.format[r] = fid;
    b.partition[r] = partition;
    b.src[r] = enr.src === this.lastSrc ? this.lastSrcId : this.sideId(b, (this.lastSrc = enr.src), true);
    b.dst[r] = enr.dst === this.lastDst ? this.lastDstId : this.sideId(b, (this.lastDst = enr.dst), false);
    b.protocol[r] = protocol ?? -1;
    b.flags[r] = flags ?? -1;
    b.direction[r] = enr.direction_class === null ? -1 : DIRECTION_CLASSES.indexOf(enr.direction_class);
    const o = 4 * r;
    if (ids !== undefined) {
      b.ids[o] = ids[0]!;
      b.ids[o + 1] = ids[1]!;
      b.ids[o + 2] = ids[2]!;
      b.ids[o + 3] = ids[3]!;
    } else b.ids.fill(-1, o, o + 4);
    b.same[r] = same;
    b.rows = r + 1;
    return b.rows >= this.capacity;
  }

  /** The block filled so far (undefined when empty); the next add starts a new one. */
  take(): RowBlock | undefined {
    const b = this.block;
    this.block = undefined;
    if (b === undefined) return undefined;
    if (b.rows === 0 && b.newPartitions.length === 0) {
      releaseRowBlock(b);
      return undefined;
    }
    return b;
  }

  /** Gives an unsent block's buffers back (the object failed). */
  discard(): void {
    if (this.block) releaseRowBlock(this.block);
    this.block = undefined;
  }
}

function grow8(a: Uint8Array, used: number, need: number): Uint8Array {
  const next = new Uint8Array(columnPool.take(Math.max(need, 2 * a.length)));
  next.set(a.subarray(0, used));
  columnPool.give(a.buffer as ArrayBuffer);
  return next;
}

function grow32(a: Int32Array, used: number, need: number): Int32Array {
  const next = new Int32Array(columnPool.take(4 * Math.max(need, 2 * a.length)));
  next.set(a.subarray(0, used));
  columnPool.give(a.buffer as ArrayBuffer);
  return next;
}

function grow64(a: Float64Array, used: number, need: number): Float64Array {
  const next = new Float64Array(columnPool.take(8 * Math.max(need, 2 * a.length)));
  next.set(a.subarray(0, used));
  columnPool.give(a.buffer as ArrayBuffer);
  return next;
}
