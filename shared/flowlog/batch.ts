/**
 * FlowBatch: the lake schema as column builders (plain typed arrays; Arrow/Parquet happen in parquet.ts). One stable superset schema whatever the input version:
 * every known flow-log field (INT32/INT64/STRING as the AWS field table says), extra_fields for unknown future
 * fields, then the enrichment columns.
 */
import { DictUtf8Column, Int32Column, Int64Column, rawColumnBuffers, releaseRawColumn, Utf8Column, type Column, type RawColumn } from './columns.ts';
import { FLOW_LOG_FIELDS, type FieldType } from './fields.ts';
import type { FlowLogFormat } from './format.ts';
import { DIRECTION_CLASSES, ENRICHMENT_COLUMNS, type FlowRecord } from './record.ts';
import type { SideEnrichment } from '../enrich/enricher.ts';
import { protocolName, tcpFlagNames } from '../enrich/protocols.ts';
import type { RowBlock } from './rows.ts';

export interface LakeColumn {
  name: string;
  type: FieldType;
}

export const LAKE_COLUMNS: readonly LakeColumn[] = [
  ...FLOW_LOG_FIELDS.map((f) => ({ name: f.column, type: f.type })),
  { name: 'extra_fields', type: 'string' as const },
  ...ENRICHMENT_COLUMNS.map((name) => ({ name, type: 'string' as const })),
];

const FIELD_COUNT = FLOW_LOG_FIELDS.length;
const EXTRA_COL = FIELD_COUNT;
const ENRICH_START = FIELD_COUNT + 1;
export const SIDE_KEYS = ['eni', 'account', 'instance', 'name', 'vpc', 'subnet', 'eni_type', 'security_groups', 'service', 'tags'] as const;
const DASH = 0x2d;

const encoder = new TextEncoder();

/** UTF-8 bytes of a cached string: a range of one of the arena's buffers */
interface Encoded {
  buf: Uint8Array;
  start: number;
  end: number;
}

/**
 * Encoded enrichment strings (side values, protocol and flag names, direction classes) live side by side in a few
 * large buffers, so a column appending them sees the same source buffer call after call (DictUtf8Column keeps one
 * DataView per source buffer).
 */
class ByteArena {
  private buf = new Uint8Array(1 << 16);
  private used = 0;
  put(v: string): Encoded {
    const max = 3 * v.length;
    if (this.used + max > this.buf.length) {
      this.buf = new Uint8Array(Math.max(1 << 16, max));
      this.used = 0;
    }
    const { written } = encoder.encodeInto(v, this.buf.subarray(this.used));
    const e = { buf: this.buf, start: this.used, end: this.used + written };
    this.used += written;
    return e;
  }
}
const arena = new ByteArena();

/** side enrichments are cached, frozen objects (enricher.ts): encode their values once */
const sideBytesCache = new WeakMap<SideEnrichment, (Encoded | null)[]>();
function sideBytes(side: SideEnrichment): (Encoded | null)[] {
  let b = sideBytesCache.get(side);
  if (!b) {
    b = SIDE_KEYS.map((k) => (side[k] === null ? null : arena.put(side[k]!)));
    sideBytesCache.set(side, b);
  }
  return b;
}
const PROTOCOL_NAMES: (Encoded | null | undefined)[] = [];
const FLAG_NAMES: (Encoded | null | undefined)[] = [];
const DIRECTIONS: (Encoded | null | undefined)[] = [];
const encodeName = (v: string | null): Encoded | null => (v === null ? null : arena.put(v));
function appendEncoded(col: DictUtf8Column, row: number, b: Encoded | null): void {
  if (b === null) return;
  if (col.length < row) col.padTo(row);
  col.appendBytes(b.buf, b.start, b.end);
}

const latin1 = new TextDecoder('latin1');

export interface FormatPlan {
  strCols: Int32Array;
  /** per string column: which RowBlock id numbers it (0-3: srcaddr, dstaddr, interface-id, instance-id; 4/5: pkt-srcaddr/pkt-dstaddr when equal to srcaddr/dstaddr), -1 none */
  strIds: Int8Array;
  strTok: Int32Array;
  numCols: Int32Array;
  numTok: Int32Array;
}
const plans = new WeakMap<FlowLogFormat, FormatPlan>();
/** Per format: which token feeds which column, split by kind, so the per-row loop touches only present fields. */
export function planFor(format: FlowLogFormat): FormatPlan {
  let p = plans.get(format);
  if (p) return p;
  const sc: number[] = [];
  const stk: number[] = [];
  const nc: number[] = [];
  const ntk: number[] = [];
  for (let c = 0; c < FIELD_COUNT; c++) {
    const t = format.positionOfField[c]!;
    if (t < 0) continue;
    if (FLOW_LOG_FIELDS[c]!.type === 'string') {
      sc.push(c);
      stk.push(t);
    } else {
      nc.push(c);
      ntk.push(t);
    }
  }
  const idOfColumn: Record<string, number> = { srcaddr: 0, dstaddr: 1, interface_id: 2, instance_id: 3, pkt_srcaddr: 4, pkt_dstaddr: 5 };
  const strIds = Int8Array.from(sc, (c) => idOfColumn[FLOW_LOG_FIELDS[c]!.column] ?? -1);
  p = { strCols: Int32Array.from(sc), strIds, strTok: Int32Array.from(stk), numCols: Int32Array.from(nc), numTok: Int32Array.from(ntk) };
  plans.set(format, p);
  return p;
}

export interface RawBatch {
  length: number;
  columns: RawColumn[];
}

/** Every ArrayBuffer a raw batch uses, to transfer it to a worker (and back) without copying. */
export function rawBatchBuffers(raw: RawBatch): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  for (const c of raw.columns) for (const b of rawColumnBuffers(c)) set.add(b);
  return [...set];
}

/** Gives a frozen batch's buffers back to this thread's column pool once nothing reads them any more. */
export function releaseRawBatch(raw: RawBatch): void {
  for (const c of raw.columns) releaseRawColumn(c);
}

const COLUMN_INDEX = new Map(LAKE_COLUMNS.map((c, i) => [c.name, i]));

/** string columns are dictionary-encoded as they fill, except extra_fields (JSON, nearly always distinct) */
function makeColumn(c: LakeColumn, capacity: number): Column {
  if (c.type === 'int32') return new Int32Column(capacity);
  if (c.type === 'int64') return new Int64Column(capacity);
  return c.name === 'extra_fields' ? new Utf8Column(capacity) : new DictUtf8Column(capacity);
}

export class FlowBatch {
  readonly columns: Column[];
  length = 0;

  constructor(capacity = 1024) {
    this.columns = LAKE_COLUMNS.map((c) => makeColumn(c, capacity));
  }

  /**
   * Appends record r of a row block (rows.ts) with its side enrichments. Absent fields and NULLs are padded
   * lazily; `-` string tokens are NULL.
   */
  appendRow(b: RowBlock, r: number, format: FlowLogFormat, sides: readonly SideEnrichment[]): void {
    const plan = planFor(format);
    const row = this.length;
    const cols = this.columns;
    const text = b.text;
    const tok = b.tok;
    const sc = plan.strCols;
    const si = plan.strIds;
    const ids = b.ids;
    const o = 4 * r;
    const same = b.same[r]!;
    let q = b.strBase[r]!;
    for (let k = 0; k < sc.length; k++, q += 2) {
      const s = tok[q]!;
      const e = tok[q + 1]!;
      if (e - s === 1 && text[s] === DASH) continue;
      const col = cols[sc[k]!] as DictUtf8Column;
      if (col.length < row) col.padTo(row);
      const w = si[k]!;
      // the parsing thread's id for these bytes, when it has one: no hashing for values seen before in this part
      const id = w < 0 ? -1 : w < 4 ? ids[o + w]! : w === 4 ? (same & 1 ? ids[o]! : -1) : same & 2 ? ids[o + 1]! : -1;
      if (id >= 0) col.appendId(id, text, s, e);
      else col.appendBytes(text, s, e);
    }
    const nc = plan.numCols;
    const nums = b.nums;
    const p = b.numBase[r]!;
    for (let k = 0; k < nc.length; k++) {
      const v = nums[p + k]!;
      if (v !== v) continue; // NaN: `-`
      const col = cols[nc[k]!] as Int32Column | Int64Column;
      if (col.length < row) col.padTo(row);
      col.append(v);
    }
    const unknown = format.unknownPositions;
    if (unknown.length) {
      const o: Record<string, string | null> = {};
      for (let u = 0; u < unknown.length; u++, q += 2) {
        const s = tok[q]!;
        const e = tok[q + 1]!;
        o[format.names[unknown[u]!]!] = e - s === 1 && text[s] === DASH ? null : latin1.decode(text.subarray(s, e));
      }
      const extra = cols[EXTRA_COL] as Utf8Column;
      extra.padTo(row);
      extra.appendString(JSON.stringify(o));
    }
    const dir = b.direction[r]!;
    const proto = b.protocol[r]!;
    const flags = b.flags[r]!;
    this.appendSide(row, ENRICH_START, sides[b.src[r]!]!);
    this.appendSide(row, ENRICH_START + SIDE_KEYS.length, sides[b.dst[r]!]!);
    // protocol name, flag names and direction class by number: encoded once per value, no lookup by string
    const tail = ENRICH_START + 2 * SIDE_KEYS.length;
    if (proto >= 0) appendEncoded(cols[tail] as DictUtf8Column, row, proto < 256 ? (PROTOCOL_NAMES[proto] ??= encodeName(protocolName(proto))) : encodeName(protocolName(proto)));
    if (flags >= 0) appendEncoded(cols[tail + 1] as DictUtf8Column, row, flags < 256 ? (FLAG_NAMES[flags] ??= encodeName(tcpFlagNames(flags))) : encodeName(tcpFlagNames(flags)));
    if (dir >= 0) appendEncoded(cols[tail + 2] as DictUtf8Column, row, (DIRECTIONS[dir] ??= encodeName(DIRECTION_CLASSES[dir]!)));
    this.length = row + 1;
  }

  /** Pads every column to the batch length (before reading or freezing). */
  private settle(): void {
    for (const c of this.columns) c.padTo(this.length);
  }

  private appendSide(row: number, first: number, side: SideEnrichment): void {
    const bytes = sideBytes(side);
    const cols = this.columns;
    for (let k = 0; k < SIDE_KEYS.length; k++) {
      const b = bytes[k];
      if (b === null || b === undefined) continue;
      const col = cols[first + k] as DictUtf8Column;
      if (col.length < row) col.padTo(row);
      col.appendBytes(b.buf, b.start, b.end);
    }
  }

  /**
   * Appends a record given as column → value (Parquet flow-log input, tests). Numbers for int columns, strings
   * for string columns; missing keys are NULL. Throws naming the column when a value has the wrong type.
   */
  appendValues(values: Partial<Record<string, unknown>>): void {
    // validate every value before touching a column, so a bad record never leaves the batch ragged
    const converted: (string | number | null)[] = this.columns.map((col, i) => {
      const name = LAKE_COLUMNS[i]!.name;
      const v = values[name];
      if (v === null || v === undefined) return null;
      if (col instanceof Utf8Column || col instanceof DictUtf8Column) return typeof v === 'string' ? v : String(v);
      const n = typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
      const max = col instanceof Int32Column ? 0x7fffffff : Number.MAX_SAFE_INTEGER;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) {
        throw new TypeError(`column ${name}: expected an unsigned ${col instanceof Int32Column ? '32' : '64'}-bit number, got ${JSON.stringify(String(v)).slice(0, 60)}`);
      }
      return n;
    });
    this.settle();
    this.columns.forEach((col, i) => {
      const v = converted[i]!;
      if (v === null) col.appendNull();
      else if (col instanceof Utf8Column || col instanceof DictUtf8Column) col.appendString(v as string);
      else col.append(v as number);
    });
    this.length++;
  }

  /** The batch as plain typed arrays (for the Parquet worker thread). */
  raw(): RawBatch {
    this.settle();
    return { length: this.length, columns: this.columns.map((c) => c.raw()) };
  }

  /** A plain object of every column (tests, small outputs). */
  materialize(i: number): FlowRecord {
    this.settle();
    const o: Record<string, string | number | null> = {};
    LAKE_COLUMNS.forEach((c, k) => (o[c.name] = this.columns[k]!.get(i)));
    return o as unknown as FlowRecord;
  }

  get(name: string, i: number): string | number | null {
    const k = COLUMN_INDEX.get(name);
    if (k === undefined) throw new Error(`no lake column ${name}`);
    return this.columns[k]!.get(i);
  }
}
