/**
 * The ingest core shared by the Lambda handler and `netwatch flowlogs ingest`: one flow-log object (text, gzip or
 * Parquet) → parse → enrich → partitioned Parquet parts in the lake → records handed to the detections.
 * Streaming: memory is bounded by the part size (rowsPerPart per open partition), never by the object size.
 */
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { FlowLogFormatError } from '../errors.ts';
import { emptyEnrichment, type Enricher, type EnrichInput } from '../enrich/enricher.ts';
import { FlowBatch } from './batch.ts';
import type { DetectColumns, DetectColumnsBuilder } from '../detect/columns.ts';
import { FLOW_LOG_FIELDS } from './fields.ts';
import { hintsFromKey, hourParts, outputStem, partitionPath, type LakeSink, type SourceHints } from './lake.ts';
import { FlowLogParser, lastTokenSlot, SlotCache, TokenMemo, tokenString, type LineView, type ParseStats } from './parse.ts';
import type { FlowLogFormat } from './format.ts';
import { inlineEncoder, type ParquetEncoder, type RowsSession } from './encoder.ts';
import type { LakePart } from './lake-rows.ts';
import { RowBlockBuilder, type RowBlock } from './rows.ts';

export interface ObjectSource {
  /** name for messages and output naming: s3://bucket/key or a path */
  name: string;
  /** identity for deterministic output names: bucket/key@etag-or-version, or an absolute path */
  identity: string;
  /** key or path used to read account/region/time hints (S3 delivery layout) */
  key: string;
  /** opens the raw bytes (possibly gzip) as a stream */
  open(): Promise<Readable>;
  /** a local file path with the same bytes, for random access (Parquet); S3 adapters download to /tmp */
  localPath?(): Promise<string>;
}

/** The detections' intake: the ingest fills the builder record by record and ships every full batch. */
export interface DetectionFeed {
  builder: DetectColumnsBuilder;
  ship(c: DetectColumns): void;
}

export interface IngestOptions {
  enricher: Enricher;
  sink: LakeSink;
  /** rows per Parquet part (and per open partition buffer); bounds memory */
  rowsPerPart?: number;
  /** format for header-less text objects */
  format?: FlowLogFormat;
  /** receives every record, in columns, for the detections */
  detect?: DetectionFeed;
  /** fallback partition time when records and object name have none */
  now?: () => Date;
  /** Parquet encoding: inline (default) or on a worker thread (encoder.ts) */
  encoder?: ParquetEncoder;
}

/** parts being encoded or written at once (Parquet input): overlap with parsing, bounded memory */
const MAX_IN_FLIGHT = 2;
/**
 * Row blocks ahead of the thread that builds the parts (~1.5 MB each). Six let the two threads ride out each other's
 * bursts (a part's encoding takes as long as parsing several blocks): measured, each thread's idle time fell from
 * ~1.0-1.3 s to ~0.3-0.5 s per 1 M lines against two blocks, at the same peak RSS.
 */
const MAX_BLOCKS_IN_FLIGHT = 4;

export interface ObjectSummary {
  source: string;
  records: number;
  nodata: number;
  skipdata: number;
  malformed: number;
  malformedLines: number[];
  malformedReasons: string[];
  /** lines that did not become records: malformed + blank */
  skipped: number;
  headers: number;
  outputs: string[];
  /** newest record `end` (unix seconds), null when no record had one */
  newestEnd: number | null;
}

/**
 * 32k rows a part keeps peak memory low (each part is built, converted and written while the next fills) while
 * per-part dictionaries still compress well (16k rows: lake/gzip 0.72; 32k: 0.66). One less than 2^15 so a string
 * column's length + 1 offsets fill a power-of-two pooled buffer exactly instead of the next one up.
 */
export const DEFAULT_ROWS_PER_PART = 32_767;
/**
 * decompressed chunk size. 1 MB chunks cost the parsing thread ~0.05 s less stream overhead per 1 M lines than
 * 256 KB, but each is a large buffer allocated and freed per chunk, and the 4 M-line peak RSS was ~8 MB higher.
 */
const GUNZIP_CHUNK = 256 * 1024;
const GZIP_MAGIC0 = 0x1f;
const GZIP_MAGIC1 = 0x8b;
const PAR1 = [0x50, 0x41, 0x52, 0x31];

interface OpenPartition {
  path: string;
  batch: FlowBatch;
  part: number;
}

const FIELD_POS = new Map(FLOW_LOG_FIELDS.map((f, i) => [f.column, i]));
const USED = [
  'account_id', 'region', 'start', 'end', 'interface_id', 'srcaddr', 'dstaddr', 'pkt_srcaddr', 'pkt_dstaddr', 'flow_direction',
  'pkt_src_aws_service', 'pkt_dst_aws_service', 'protocol', 'tcp_flags', 'log_status', 'action', 'srcport', 'dstport', 'packets',
  'bytes', 'instance_id', 'vpc_id',
] as const;
type Positions = Record<(typeof USED)[number], number>;
const positionCache = new WeakMap<FlowLogFormat, Positions>();
/** token positions of the columns the ingest reads, computed once per format */
function positions(format: FlowLogFormat): Positions {
  let p = positionCache.get(format);
  if (!p) {
    p = Object.fromEntries(USED.map((c) => [c, format.positionOfField[FIELD_POS.get(c)!]!])) as Positions;
    positionCache.set(format, p);
  }
  return p;
}
/** true when tokens a and b of the line hold the same bytes (both present) */
function sameToken(view: LineView, a: number, b: number): boolean {
  if (a < 0 || b < 0) return false;
  const sa = view.starts[a]!;
  const sb = view.starts[b]!;
  const n = view.ends[a]! - sa;
  if (n !== view.ends[b]! - sb) return false;
  const buf = view.buf;
  for (let i = 0; i < n; i++) if (buf[sa + i] !== buf[sb + i]) return false;
  return true;
}

const LOG_STATUS = ['OK', 'NODATA', 'SKIPDATA'] as const;
const ACTIONS = ['ACCEPT', 'REJECT'] as const;
const DIRECTIONS = ['ingress', 'egress'] as const;
/** A token from a small closed set (log-status, action) without decoding; anything else decodes normally. */
function knownToken(view: LineView, t: number, known: readonly string[]): string | null {
  if (t < 0) return null;
  const s = view.starts[t]!;
  const n = view.ends[t]! - s;
  const c0 = view.buf[s];
  const buf = view.buf;
  next: for (const k of known) {
    if (k.length !== n || k.charCodeAt(0) !== c0) continue;
    for (let i = 1; i < n; i++) if (k.charCodeAt(i) !== buf[s + i]) continue next;
    return k;
  }
  return tokenString(view, t);
}

const numAt = (view: LineView, t: number): number | null => {
  if (t < 0) return null;
  const v = view.nums[t]!;
  return v !== v ? null : v;
};

let sessions = 0;

/** per detection-columns builder (one per pipeline run, across objects): its ids by interner slot */
const slotCaches = new WeakMap<DetectColumnsBuilder, SlotCache>();
function slotCacheFor(b: DetectColumnsBuilder): SlotCache {
  let c = slotCaches.get(b);
  if (!c) slotCaches.set(b, (c = new SlotCache()));
  return c;
}

class PartitionedWriter {
  private readonly open = new Map<string, OpenPartition>();
  private readonly parts = new Map<string, number>();
  readonly outputs: string[] = [];
  private readonly writtenKeys: string[] = [];
  private readonly pending: Promise<void>[] = [];
  private readonly stem: string;
  private readonly sink: LakeSink;
  private readonly rowsPerPart: number;
  private readonly encoder: ParquetEncoder;
  /** the text path's row-block session (its partition batches live where the encoder runs) */
  readonly session: RowsSession;

  constructor(stem: string, sink: LakeSink, rowsPerPart: number, encoder: ParquetEncoder) {
    this.stem = stem;
    this.sink = sink;
    this.rowsPerPart = rowsPerPart;
    this.encoder = encoder;
    this.session = { id: `${process.pid}-${++sessions}`, stem, rowsPerPart };
  }

  /** Ships a row block to the encoder; the parts it fills are written as they come back. */
  ship(block: RowBlock): void {
    const write = this.encoder.rows(this.session, block).then((parts) => this.putAll(parts));
    write.catch(() => undefined); // observed in drain(); never an unhandled rejection meanwhile
    this.pending.push(write);
    this.usedRows = true;
  }

  private async putAll(parts: LakePart[]): Promise<void> {
    await Promise.all(
      parts.map(async (p) => {
        this.writtenKeys.push(p.key);
        this.outputs.push(await this.sink.put(p.key, p.bytes));
        this.encoder.recycle(p.bytes);
      }),
    );
  }

  private usedRows = false;

  batchFor(path: string): FlowBatch {
    let p = this.open.get(path);
    if (!p) {
      const part = this.parts.get(path) ?? 0;
      p = { path, batch: new FlowBatch(Math.min(this.rowsPerPart, 8192)), part };
      this.open.set(path, p);
    }
    return p.batch;
  }

  /** Flushes a partition whose buffer is full; the write runs while parsing continues. */
  maybeFlush(path: string): void {
    const p = this.open.get(path);
    if (p && p.batch.length >= this.rowsPerPart) this.flush(p);
  }

  private flush(p: OpenPartition): void {
    this.open.delete(p.path);
    this.parts.set(p.path, p.part + 1);
    if (p.batch.length === 0) return;
    const key = `${p.path}/${this.stem}-${String(p.part).padStart(4, '0')}.parquet`;
    this.writtenKeys.push(key);
    const write = this.encoder
      .encode(p.batch)
      .then(async (body) => {
        this.outputs.push(await this.sink.put(key, body));
        this.encoder.recycle(body);
      });
    write.catch(() => undefined); // observed in drain(); never an unhandled rejection meanwhile
    this.pending.push(write);
  }

  /** Waits until at most `keep` parts are in flight (between input chunks: bounded memory, parsing overlaps encoding). */
  async drain(keep = MAX_IN_FLIGHT): Promise<void> {
    while (this.pending.length > keep) await this.pending.shift();
  }

  async close(): Promise<void> {
    for (const p of [...this.open.values()]) this.flush(p);
    await this.drain(0);
    if (this.usedRows) {
      this.usedRows = false;
      await this.putAll(await this.encoder.finishRows(this.session));
    }
    this.outputs.sort();
  }

  async rollback(): Promise<void> {
    await Promise.allSettled(this.pending);
    if (this.usedRows) await this.encoder.abortRows(this.session);
    await Promise.allSettled(this.writtenKeys.map((k) => this.sink.remove(k)));
  }
}

function sniff(first: Uint8Array): 'gzip' | 'parquet' | 'text' {
  if (first.length >= 2 && first[0] === GZIP_MAGIC0 && first[1] === GZIP_MAGIC1) return 'gzip';
  if (first.length >= 4 && PAR1.every((b, i) => first[i] === b)) return 'parquet';
  return 'text';
}

/** Reads the first bytes of a stream and gives back a stream that still yields them. */
async function peek(stream: Readable): Promise<{ head: Uint8Array; rest: Readable }> {
  const it = stream[Symbol.asyncIterator]();
  const first = await it.next();
  const head: Uint8Array = first.done ? new Uint8Array(0) : (first.value as Uint8Array);
  async function* again() {
    if (head.length) yield head;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value as Uint8Array;
    }
  }
  return { head, rest: Readable.from(again(), { objectMode: false }) };
}

export async function ingestObject(src: ObjectSource, opts: IngestOptions): Promise<ObjectSummary> {
  const rowsPerPart = opts.rowsPerPart ?? DEFAULT_ROWS_PER_PART;
  const hints = hintsFromKey(src.key);
  const writer = new PartitionedWriter(outputStem(src.name, src.identity), opts.sink, rowsPerPart, opts.encoder ?? inlineEncoder);
  const now = opts.now ?? (() => new Date());
  try {
    const raw = await src.open();
    const { head, rest } = await peek(raw);
    const kind = sniff(head);
    let summary: ObjectSummary;
    if (kind === 'parquet') {
      rest.destroy();
      summary = await ingestParquet(src, opts, hints, writer, now);
    } else {
      summary = await ingestText(src, kind === 'gzip' ? rest.pipe(createGunzip({ chunkSize: GUNZIP_CHUNK })) : rest, opts, hints, writer, now, kind);
    }
    await writer.close();
    summary.outputs = writer.outputs;
    return summary;
  } catch (err) {
    await writer.rollback();
    throw err;
  }
}

function fallbackTime(hints: SourceHints, now: () => Date): { dt: string; hour: string } {
  if (hints.dt && hints.hour) return { dt: hints.dt, hour: hints.hour };
  return hourParts(Math.floor(now().getTime() / 3_600_000));
}

async function ingestText(
  src: ObjectSource,
  input: Readable,
  opts: IngestOptions,
  hints: SourceHints,
  writer: PartitionedWriter,
  now: () => Date,
  kind: 'gzip' | 'text',
): Promise<ObjectSummary> {
  const enricher = opts.enricher;
  const feed = opts.detect;
  let newest = -1;
  const acctMemo = new TokenMemo();
  const regionMemo = new TokenMemo();
  const vpcMemo = new TokenMemo();
  const fallback = fallbackTime(hints, now);
  // partition routing cache: records of one object share account/region and mostly one hour
  let lastAcct: string | null | undefined;
  let lastRegion: string | null | undefined;
  let lastHour = -1;
  let lastPid = -1;
  let lastFormat: FlowLogFormat | undefined;
  let P!: Positions;
  // records travel in row blocks to wherever the encoder builds the lake columns (rows.ts, lake-rows.ts)
  const rows = new RowBlockBuilder();
  const enrichIn: EnrichInput = {
    interface_id: null,
    srcaddr: null,
    dstaddr: null,
    pkt_srcaddr: null,
    pkt_dstaddr: null,
    flow_direction: null,
    pkt_src_aws_service: null,
    pkt_dst_aws_service: null,
    protocol: null,
    tcp_flags: null,
  };
  const enrichOut = emptyEnrichment();
  const ids = feed ? slotCacheFor(feed.builder) : undefined!;
  const idOf = feed ? (v: string) => feed.builder.idOf(v) : undefined!;
  const recordIds = new Int32Array(4);
  let lastVpc: string | null | undefined;
  let lastVpcId = -1;
  const parser = new FlowLogParser({
    source: src.name,
    format: opts.format,
    onRecord: (view) => {
      if (view.format !== lastFormat) {
        lastFormat = view.format;
        P = positions(lastFormat);
      }
      const acct = acctMemo.get(view, P.account_id) ?? hints.account ?? 'unknown';
      const region = regionMemo.get(view, P.region) ?? hints.region ?? 'unknown';
      const start = numAt(view, P.start);
      const hourBucket = start === null ? -2 : Math.floor(start / 3600);
      if (acct !== lastAcct || region !== lastRegion || hourBucket !== lastHour) {
        const t = hourBucket === -2 ? fallback : hourParts(hourBucket);
        lastPid = rows.partitionId(partitionPath(acct, region, t.dt, t.hour));
        lastAcct = acct;
        lastRegion = region;
        lastHour = hourBucket;
      }
      const iface = (enrichIn.interface_id = tokenString(view, P.interface_id));
      const ifaceSlot = lastTokenSlot();
      const src = (enrichIn.srcaddr = tokenString(view, P.srcaddr));
      const srcSlot = lastTokenSlot();
      const dst = (enrichIn.dstaddr = tokenString(view, P.dstaddr));
      const dstSlot = lastTokenSlot();
      enrichIn.srcaddr_slot = srcSlot;
      enrichIn.dstaddr_slot = dstSlot;
      // packet-level addresses usually equal the record's: reuse the string instead of decoding again
      const sameSrc = sameToken(view, P.pkt_srcaddr, P.srcaddr);
      const sameDst = sameToken(view, P.pkt_dstaddr, P.dstaddr);
      enrichIn.pkt_srcaddr = sameSrc ? enrichIn.srcaddr : tokenString(view, P.pkt_srcaddr);
      enrichIn.pkt_dstaddr = sameDst ? enrichIn.dstaddr : tokenString(view, P.pkt_dstaddr);
      enrichIn.flow_direction = knownToken(view, P.flow_direction, DIRECTIONS);
      enrichIn.pkt_src_aws_service = tokenString(view, P.pkt_src_aws_service);
      enrichIn.pkt_dst_aws_service = tokenString(view, P.pkt_dst_aws_service);
      const protocol = numAt(view, P.protocol);
      const flags = numAt(view, P.tcp_flags);
      const enr = enricher.enrich(enrichIn, enrichOut);
      const end = numAt(view, P.end);
      if (end !== null && end > newest) newest = end;
      if (feed) {
        // dictionary ids through the interner's slots: no Map lookup per string for strings seen before; the row
        // block carries them too, so the column builder need not hash these values again
        const b = feed.builder;
        const inst = tokenString(view, P.instance_id);
        const instSlot = lastTokenSlot();
        const vpc = vpcMemo.get(view, P.vpc_id);
        if (vpc !== lastVpc) {
          lastVpc = vpc;
          lastVpcId = vpc ? b.idOf(vpc) : -1;
        }
        recordIds[0] = src === null ? -1 : ids.get(src, srcSlot, idOf);
        recordIds[1] = dst === null ? -1 : ids.get(dst, dstSlot, idOf);
        recordIds[2] = iface ? ids.get(iface, ifaceSlot, idOf) : -1;
        recordIds[3] = inst ? ids.get(inst, instSlot, idOf) : -1;
        if (rows.add(view, lastPid, enr, protocol, flags, recordIds, (sameSrc ? 1 : 0) | (sameDst ? 2 : 0))) writer.ship(rows.take()!);
        const full = b.addIds(
          knownToken(view, P.log_status, LOG_STATUS), start, end, recordIds[0]!, recordIds[1]!, numAt(view, P.dstport), protocol,
          numAt(view, P.packets), numAt(view, P.bytes), knownToken(view, P.action, ACTIONS), enr.direction_class, recordIds[2]!,
          recordIds[3]!, lastVpcId,
        );
        if (full) feed.ship(b.take()!);
      } else if (rows.add(view, lastPid, enr, protocol, flags)) writer.ship(rows.take()!);
    },
  });
  try {
    for await (const chunk of input) {
      parser.push(chunk as Uint8Array);
      await writer.drain(MAX_BLOCKS_IN_FLIGHT);
    }
  } catch (err) {
    rows.discard();
    if (err instanceof FlowLogFormatError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (kind === 'gzip' && (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR' || /unexpected end of file|incorrect header check|invalid/i.test(String((err as Error).message)))) {
      throw new FlowLogFormatError(src.name, `truncated or corrupt gzip (${(err as Error).message})`, { cause: err });
    }
    throw err;
  }
  let s: ParseStats;
  try {
    s = parser.end();
  } catch (err) {
    rows.discard();
    throw err;
  }
  const last = rows.take();
  if (last) writer.ship(last);
  return {
    source: src.name,
    records: s.records,
    nodata: s.nodata,
    skipdata: s.skipdata,
    malformed: s.malformed,
    malformedLines: s.malformedLines,
    malformedReasons: s.malformedReasons,
    skipped: s.malformed + s.blank,
    headers: s.headers,
    outputs: [],
    newestEnd: newest >= 0 ? newest : null,
  };
}

/** Native Parquet flow-log objects (S3 delivery with FileFormat=parquet): columns are the field names in snake_case. */
async function ingestParquet(
  src: ObjectSource,
  opts: IngestOptions,
  hints: SourceHints,
  writer: PartitionedWriter,
  now: () => Date,
): Promise<ObjectSummary> {
  if (!src.localPath) throw new FlowLogFormatError(src.name, 'Parquet input needs random access (no local copy available)');
  const path = await src.localPath();
  // loaded only for Parquet input: keeps the text path's memory footprint small
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet/src/node.js');
  const { compressors } = await import('hyparquet-compressors');
  let file;
  let meta;
  try {
    file = await asyncBufferFromFile(path);
    meta = await parquetMetadataAsync(file);
  } catch (err) {
    throw new FlowLogFormatError(src.name, `unreadable Parquet file (${(err as Error).message})`, { cause: err });
  }
  const fallback = fallbackTime(hints, now);
  const summary: ObjectSummary = {
    source: src.name,
    records: 0,
    nodata: 0,
    skipdata: 0,
    malformed: 0,
    malformedLines: [],
    malformedReasons: [],
    skipped: 0,
    headers: 0,
    outputs: [],
    newestEnd: null,
  };
  const known = new Set(FLOW_LOG_FIELDS.map((f) => f.column));
  let rowStart = 0;
  for (const rg of meta.row_groups) {
    const rowEnd = rowStart + Number(rg.num_rows);
    for (let s = rowStart; s < rowEnd; s += 65_536) {
      const rows = (await parquetReadObjects({ file, compressors, rowStart: s, rowEnd: Math.min(rowEnd, s + 65_536) })) as Record<string, unknown>[];
      for (let i = 0; i < rows.length; i++) {
        const raw = rows[i]!;
        const values: Record<string, unknown> = {};
        const extra: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(raw)) {
          const col = k.replace(/-/g, '_');
          const val = v === '-' ? null : v;
          if (known.has(col)) values[col] = val;
          else extra[k] = val === null || val === undefined ? null : String(val);
        }
        if (Object.keys(extra).length) values.extra_fields = JSON.stringify(extra);
        const status = values.log_status;
        if (status === 'NODATA') summary.nodata++;
        else if (status === 'SKIPDATA') summary.skipdata++;
        const toNum = (v: unknown) => (v === null || v === undefined ? null : Number(v));
        const acct = (values.account_id as string | null | undefined) ?? hints.account ?? 'unknown';
        const region = (values.region as string | null | undefined) ?? hints.region ?? 'unknown';
        const start = toNum(values.start);
        const t = start === null || !Number.isFinite(start) ? fallback : hourParts(Math.floor(start / 3600));
        const path = partitionPath(acct, region, t.dt, t.hour);
        const enr = opts.enricher.enrich({
          interface_id: (values.interface_id as string) ?? null,
          srcaddr: (values.srcaddr as string) ?? null,
          dstaddr: (values.dstaddr as string) ?? null,
          pkt_srcaddr: (values.pkt_srcaddr as string) ?? null,
          pkt_dstaddr: (values.pkt_dstaddr as string) ?? null,
          flow_direction: (values.flow_direction as string) ?? null,
          pkt_src_aws_service: (values.pkt_src_aws_service as string) ?? null,
          pkt_dst_aws_service: (values.pkt_dst_aws_service as string) ?? null,
          protocol: toNum(values.protocol),
          tcp_flags: toNum(values.tcp_flags),
        });
        for (const side of ['src', 'dst'] as const) for (const [k, v] of Object.entries(enr[side])) values[`${side}_${k}`] = v;
        values.protocol_name = opts.enricher.protocolName(toNum(values.protocol));
        values.tcp_flag_names = opts.enricher.tcpFlagNames(toNum(values.tcp_flags));
        values.direction_class = enr.direction_class;
        const batch = writer.batchFor(path);
        try {
          batch.appendValues(values);
        } catch (err) {
          summary.malformed++;
          summary.skipped++;
          if (summary.malformedLines.length < 10) {
            summary.malformedLines.push(s + i + 1);
            summary.malformedReasons.push((err as Error).message);
          }
          continue;
        }
        summary.records++;
        const end = toNum(values.end);
        if (end !== null && end > (summary.newestEnd ?? -1)) summary.newestEnd = end;
        const feed = opts.detect;
        if (feed) {
          const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
          const full = feed.builder.add(
            str(values.log_status), start, end, str(values.srcaddr), str(values.dstaddr), toNum(values.dstport), toNum(values.protocol),
            toNum(values.packets), toNum(values.bytes), str(values.action), enr.direction_class, str(values.interface_id),
            str(values.instance_id), str(values.vpc_id),
          );
          if (full) feed.ship(feed.builder.take()!);
        }
        writer.maybeFlush(path);
      }
      await writer.drain();
    }
    rowStart = rowEnd;
  }
  return summary;
}
