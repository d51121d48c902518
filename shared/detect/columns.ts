/**
 * Flow records as the streaming detections read them, in columns: numbers as typed arrays and strings (addresses,
 * interfaces, instances, VPCs) as ids into a dictionary. The ingest fills these while it parses, and the detections
 * run over them either in the same thread or on the Parquet worker thread (the arrays transfer without copying, and
 * each batch carries the dictionary entries added since the previous one, so both sides number strings alike).
 */
import { columnPool } from '../flowlog/pool.ts';
import type { DirectionClass } from '../flowlog/record.ts';

export const FLAG_NOT_OK = 1;
export const FLAG_REJECT = 2;
/** flags >> DIR_SHIFT: 0 no direction class, DIR_EGRESS, DIR_INGRESS, or DIR_OTHER */
export const DIR_SHIFT = 2;
export const DIR_EGRESS = 1;
export const DIR_INGRESS = 2;
export const DIR_OTHER = 3;

export function directionCode(d: DirectionClass | string | null | undefined): number {
  return d == null ? 0 : d === 'egress-internet' ? DIR_EGRESS : d === 'ingress-internet' ? DIR_INGRESS : DIR_OTHER;
}

/** Strings numbered in order of first use. */
export class DetectDictionary {
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();

  idOf(v: string): number {
    let id = this.ids.get(v);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(v);
      this.ids.set(v, id);
    }
    return id;
  }

  /** Takes entries numbered by another dictionary (a batch's new names, first numbered `firstId`). */
  extend(names: readonly string[], firstId: number): void {
    if (names.length === 0) return;
    if (firstId !== this.names.length) throw new Error(`detections: dictionary entries out of order (expected id ${this.names.length}, got ${firstId})`);
    for (const n of names) this.idOf(n);
  }
}

export interface DetectColumns {
  length: number;
  /** NaN: NULL */
  start: Float64Array;
  end: Float64Array;
  /** dictionary ids, -1: NULL */
  src: Int32Array;
  dst: Int32Array;
  iface: Int32Array;
  inst: Int32Array;
  vpc: Int32Array;
  /** -1: NULL */
  dstport: Int32Array;
  protocol: Int32Array;
  /** NULL counts as 0 */
  packets: Float64Array;
  bytes: Float64Array;
  /** FLAG_NOT_OK | FLAG_REJECT | direction code << DIR_SHIFT */
  flags: Uint8Array;
  /** dictionary entries first used in this batch, numbered from firstId */
  names: string[];
  firstId: number;
}

/** Gives a batch's buffers back to this thread's pool (after the detections read it, on the thread that did). */
export function releaseDetectColumns(c: DetectColumns): void {
  for (const b of detectColumnBuffers(c)) columnPool.give(b);
}

export function detectColumnBuffers(c: DetectColumns): ArrayBuffer[] {
  return [c.start, c.end, c.src, c.dst, c.iface, c.inst, c.vpc, c.dstport, c.protocol, c.packets, c.bytes, c.flags].map((a) => a.buffer as ArrayBuffer);
}

/** Fills DetectColumns one record at a time; take() hands over a full batch and starts the next. */
export class DetectColumnsBuilder {
  readonly capacity: number;
  readonly dict = new DetectDictionary();
  private shipped = 0;
  private c!: DetectColumns;

  constructor(capacity = 32_768) {
    this.capacity = capacity;
    this.reset();
  }

  get length(): number {
    return this.c.length;
  }

  /** arrays from the thread's buffer pool: a batch's buffers come back once the detections have read it (releaseDetectColumns) */
  private reset(): void {
    const n = this.capacity;
    const f64 = () => new Float64Array(columnPool.take(8 * n), 0, n);
    const i32 = () => new Int32Array(columnPool.take(4 * n), 0, n);
    this.c = {
      length: 0, start: f64(), end: f64(), src: i32(), dst: i32(), iface: i32(), inst: i32(), vpc: i32(), dstport: i32(),
      protocol: i32(), packets: f64(), bytes: f64(), flags: new Uint8Array(columnPool.take(n), 0, n),
      names: [], firstId: 0,
    };
  }

  /** The dictionary id of a string (-1 for NULL). */
  idOf(v: string | null): number {
    return v === null ? -1 : this.dict.idOf(v);
  }

  /** Like add(), with the strings already numbered by idOf() (callers that cache ids). */
  addIds(
    logStatus: string | null, start: number | null, end: number | null, src: number, dst: number,
    dstport: number | null, protocol: number | null, packets: number | null, bytes: number | null, action: string | null,
    direction: string | null, iface: number, inst: number, vpc: number,
  ): boolean {
    const c = this.c;
    const i = c.length;
    c.start[i] = start ?? NaN;
    c.end[i] = end ?? NaN;
    c.src[i] = src;
    c.dst[i] = dst;
    c.iface[i] = iface;
    c.inst[i] = inst;
    c.vpc[i] = vpc;
    c.dstport[i] = dstport ?? -1;
    c.protocol[i] = protocol ?? -1;
    c.packets[i] = packets ?? 0;
    c.bytes[i] = bytes ?? 0;
    c.flags[i] = (logStatus !== null && logStatus !== 'OK' ? FLAG_NOT_OK : 0) | (action === 'REJECT' ? FLAG_REJECT : 0) | (directionCode(direction) << DIR_SHIFT);
    c.length = i + 1;
    return c.length === this.capacity;
  }

  /** Appends a record; true when the batch is full (take it before the next add). */
  add(
    logStatus: string | null, start: number | null, end: number | null, src: string | null, dst: string | null,
    dstport: number | null, protocol: number | null, packets: number | null, bytes: number | null, action: string | null,
    direction: string | null, iface: string | null, inst: string | null, vpc: string | null,
  ): boolean {
    return this.addIds(
      logStatus, start, end, this.idOf(src), this.idOf(dst), dstport, protocol, packets, bytes, action, direction,
      iface ? this.dict.idOf(iface) : -1, inst ? this.dict.idOf(inst) : -1, vpc ? this.dict.idOf(vpc) : -1,
    );
  }

  /** The records so far (null when none) with the dictionary entries they introduced; the builder starts afresh. */
  take(): DetectColumns | null {
    const c = this.c;
    if (c.length === 0) return null;
    const names = this.dict.names;
    c.firstId = this.shipped;
    c.names = names.slice(this.shipped);
    this.shipped = names.length;
    this.reset();
    return c;
  }
}
