/** Test helpers for the flow-log pipeline: parse text into lake rows without Parquet, and read a lake with DuckDB. */
import { DuckDBInstance } from '@duckdb/node-api';
import { resolve } from 'node:path';
import { Enricher } from '../../shared/enrich/enricher.ts';
import { Inventory, type DescribeNetworkInterfacesLike } from '../../shared/enrich/inventory.ts';
import { AwsRanges, type IpRangesDocument } from '../../shared/enrich/aws-ranges.ts';
import { DetectDictionary } from '../../shared/detect/columns.ts';
import { FlowBatch } from '../../shared/flowlog/batch.ts';
import { RowBlockTables } from '../../shared/flowlog/lake-rows.ts';
import { RowBlockBuilder, type RowBlock } from '../../shared/flowlog/rows.ts';
import { FlowLogParser, lastTokenSlot, tokenString, type ParseStats } from '../../shared/flowlog/parse.ts';
import type { FlowLogFormat } from '../../shared/flowlog/format.ts';
import type { FlowRecord } from '../../shared/flowlog/record.ts';
import { FLOW_LOG_FIELDS } from '../../shared/flowlog/fields.ts';

export const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus');

export function makeEnricher(inv: DescribeNetworkInterfacesLike[] = [], ranges?: IpRangesDocument): Enricher {
  return new Enricher(new Inventory(inv), ranges ? new AwsRanges(ranges) : undefined);
}

const COL_POS = new Map(FLOW_LOG_FIELDS.map((f, i) => [f.column, i]));

/** Parses text (fed in the given chunk sizes) into fully materialized lake rows. */
export function parseRows(
  text: string | Uint8Array,
  opts: { chunk?: number; format?: FlowLogFormat; enricher?: Enricher } = {},
): { rows: FlowRecord[]; stats: ParseStats } {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const batch = new FlowBatch(16);
  const enricher = opts.enricher ?? makeEnricher();
  // the production path: records in row blocks (small ones, to cross block boundaries), built into a batch
  const blocks = new RowBlockBuilder(7);
  const tables = new RowBlockTables();
  const apply = (b: RowBlock | undefined) => {
    if (!b) return;
    tables.register(b);
    for (let r = 0; r < b.rows; r++) tables.append(batch, b, r);
  };
  const partition = blocks.partitionId('test');
  const dict = new DetectDictionary();
  const parser = new FlowLogParser({
    source: 'test',
    format: opts.format,
    onRecord: (v) => {
      const s = (c: string) => tokenString(v, v.format.positionOfField[COL_POS.get(c)!]!);
      const n = (c: string) => {
        const t = v.format.positionOfField[COL_POS.get(c)!]!;
        return t < 0 || Number.isNaN(v.nums[t]!) ? null : v.nums[t]!;
      };
      // addresses with their interner slots, as the ingest passes them
      const srcaddr = s('srcaddr');
      const srcaddr_slot = lastTokenSlot();
      const dstaddr = s('dstaddr');
      const dstaddr_slot = lastTokenSlot();
      const enr = enricher.enrich({
        interface_id: s('interface_id'),
        srcaddr,
        dstaddr,
        srcaddr_slot,
        dstaddr_slot,
        pkt_srcaddr: s('pkt_srcaddr'),
        pkt_dstaddr: s('pkt_dstaddr'),
        flow_direction: s('flow_direction'),
        pkt_src_aws_service: s('pkt_src_aws_service'),
        pkt_dst_aws_service: s('pkt_dst_aws_service'),
        protocol: n('protocol'),
        tcp_flags: n('tcp_flags'),
      });
      // numbered like the ingest numbers them for the detections (the column builder then looks values up by id)
      const id = (x: string | null) => (x === null ? -1 : dict.idOf(x));
      const ids = Int32Array.of(id(srcaddr), id(dstaddr), id(s('interface_id')), id(s('instance_id')));
      const same = (s('pkt_srcaddr') === srcaddr ? 1 : 0) | (s('pkt_dstaddr') === dstaddr ? 2 : 0);
      if (blocks.add(v, partition, enr, n('protocol'), n('tcp_flags'), ids, same)) apply(blocks.take());
    },
  });
  const step = opts.chunk ?? bytes.length;
  for (let i = 0; i < bytes.length; i += Math.max(1, step)) parser.push(bytes.subarray(i, i + Math.max(1, step)));
  const stats = parser.end();
  apply(blocks.take());
  const rows: FlowRecord[] = [];
  for (let i = 0; i < batch.length; i++) rows.push(batch.materialize(i));
  return { rows, stats };
}

/** Runs SQL on DuckDB and returns JSON-friendly rows (BIGINT as numbers when safe). */
export async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    const r = await c.runAndReadAll(sql);
    return r.getRowObjects().map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
    );
  } finally {
    c.closeSync();
    db.closeSync();
  }
}
