/**
 * FlowBatch: the lake schema as Arrow column builders. One stable superset schema whatever the input version:
 * every known flow-log field (INT32/INT64/STRING as the AWS field table says), extra_fields for unknown future
 * fields, then the enrichment columns.
 */
import { Field, RecordBatch, Schema, Struct, Table, Int32, Int64, Utf8, makeData, type DataType } from 'apache-arrow';
import { Int32Column, Int64Column, Utf8Column, type Column } from './columns.ts';
import { FLOW_LOG_FIELDS, type FieldType } from './fields.ts';
import type { LineView } from './parse.ts';
import { ENRICHMENT_COLUMNS, type FlowRecord } from './record.ts';
import type { Enrichment, SideEnrichment } from '../enrich/enricher.ts';

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
const SIDE_KEYS = ['eni', 'account', 'instance', 'name', 'vpc', 'subnet', 'eni_type', 'security_groups', 'service', 'tags'] as const;
const DASH = 0x2d;

function arrowType(t: FieldType): DataType {
  return t === 'int32' ? new Int32() : t === 'int64' ? new Int64() : new Utf8();
}

export const LAKE_SCHEMA = new Schema(LAKE_COLUMNS.map((c) => new Field(c.name, arrowType(c.type), true)));
const COLUMN_INDEX = new Map(LAKE_COLUMNS.map((c, i) => [c.name, i]));

function makeColumn(t: FieldType, capacity: number): Column {
  return t === 'int32' ? new Int32Column(capacity) : t === 'int64' ? new Int64Column(capacity) : new Utf8Column(capacity);
}

export class FlowBatch {
  readonly columns: Column[];
  length = 0;

  constructor(capacity = 1024) {
    this.columns = LAKE_COLUMNS.map((c) => makeColumn(c.type, capacity));
  }

  /** Appends a validated parser line plus its enrichment. */
  appendLine(view: LineView, enr: Enrichment | undefined, protocolName: string | null, tcpFlagNames: string | null): void {
    const { buf, starts, ends, nums, format } = view;
    const pos = format.positionOfField;
    const cols = this.columns;
    for (let c = 0; c < FIELD_COUNT; c++) {
      const col = cols[c]!;
      const t = pos[c]!;
      if (t < 0) {
        col.appendNull();
        continue;
      }
      if (col instanceof Utf8Column) {
        const s = starts[t]!;
        const e = ends[t]!;
        if (e - s === 1 && buf[s] === DASH) col.appendNull();
        else col.appendBytes(buf, s, e);
      } else {
        const v = nums[t]!;
        if (Number.isNaN(v)) col.appendNull();
        else col.append(v);
      }
    }
    const extra = cols[EXTRA_COL] as Utf8Column;
    if (format.unknownPositions.length === 0) extra.appendNull();
    else {
      const o: Record<string, string | null> = {};
      const dec = new TextDecoder('latin1');
      for (const t of format.unknownPositions) {
        const s = starts[t]!;
        const e = ends[t]!;
        o[format.names[t]!] = e - s === 1 && buf[s] === DASH ? null : dec.decode(buf.subarray(s, e));
      }
      extra.appendString(JSON.stringify(o));
    }
    this.appendEnrichment(enr, protocolName, tcpFlagNames);
    this.length++;
  }

  private appendEnrichment(enr: Enrichment | undefined, protocolName: string | null, tcpFlagNames: string | null): void {
    const cols = this.columns;
    let c = ENRICH_START;
    const put = (sideE: SideEnrichment | undefined) => {
      for (const k of SIDE_KEYS) (cols[c++] as Utf8Column).appendString(sideE ? sideE[k] : null);
    };
    put(enr?.src);
    put(enr?.dst);
    (cols[c++] as Utf8Column).appendString(protocolName);
    (cols[c++] as Utf8Column).appendString(tcpFlagNames);
    (cols[c++] as Utf8Column).appendString(enr?.direction_class ?? null);
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
      if (col instanceof Utf8Column) return typeof v === 'string' ? v : String(v);
      const n = typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
      const max = col instanceof Int32Column ? 0x7fffffff : Number.MAX_SAFE_INTEGER;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) {
        throw new TypeError(`column ${name}: expected an unsigned ${col instanceof Int32Column ? '32' : '64'}-bit number, got ${JSON.stringify(String(v)).slice(0, 60)}`);
      }
      return n;
    });
    this.columns.forEach((col, i) => {
      const v = converted[i]!;
      if (v === null) col.appendNull();
      else if (col instanceof Utf8Column) col.appendString(v as string);
      else col.append(v as number);
    });
    this.length++;
  }

  toTable(): Table {
    const children = this.columns.map((c) => c.toData());
    const struct = makeData({ type: new Struct(LAKE_SCHEMA.fields), length: this.length, nullCount: 0, children });
    return new Table(LAKE_SCHEMA, [new RecordBatch(LAKE_SCHEMA, struct)]);
  }

  /** A lazy row: fields decode on access (detections read a handful of columns). */
  row(i: number): FlowRecord {
    return new BatchRow(this, i) as unknown as FlowRecord;
  }

  /** A plain object of every column (tests, small outputs). */
  materialize(i: number): FlowRecord {
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

class BatchRow {
  readonly batch: FlowBatch;
  readonly index: number;
  constructor(batch: FlowBatch, index: number) {
    this.batch = batch;
    this.index = index;
  }
  toJSON(): FlowRecord {
    return this.batch.materialize(this.index);
  }
}
LAKE_COLUMNS.forEach((c, k) => {
  Object.defineProperty(BatchRow.prototype, c.name, {
    enumerable: true,
    get(this: BatchRow) {
      return this.batch.columns[k]!.get(this.index);
    },
  });
});
