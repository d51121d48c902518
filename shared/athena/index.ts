/**
 * The analyst query library and its two engines. One .sql file per query (shared/athena/queries, detections);
 * DuckDB over a local lake directory, or Athena through the thin adapter in shared/aws/athena.ts.
 *
 *   const rows = await runNamedQuery('top-talkers', { lake: 'out' });
 *   process.stdout.write(formatTable({ columns: Object.keys(rows[0] ?? {}), rows }));
 */
import type { AthenaClient } from '@aws-sdk/client-athena';
import { UsageError } from '../errors.ts';
import type { AthenaRunOptions } from '../aws/athena.ts';
import type { Engine } from './dialect.ts';
import type { QueryResult, Row } from './results.ts';
import type { LocalLake } from './duckdb.ts';
import { formatResult, type OutputFormat } from './format.ts';
import { listQueries, resolveQuery, type QueryDef } from './library.ts';
import { rowsToFindings } from './findings.ts';
import type { Finding } from '../respond/finding.ts';

export { adHocQuery, listQueries, resolveQuery, QueryLibraryError, type QueryDef } from './library.ts';
export { QueryExecutionError, type QueryResult, type Row, type Value } from './results.ts';
export type { LocalLake } from './duckdb.ts';

/**
 * DuckDB is loaded only when a query runs locally: the specifier is not a literal, so bundlers (esbuild for the
 * Athena-only scheduled-detections Lambda) leave the native module out of the bundle. Resolved from this file, so
 * the CLI bundle (bin/bundle.mjs keeps each file's import.meta) finds it too.
 */
const DUCKDB_MODULE = new URL('./duckdb.ts', import.meta.url).href;
export async function openLocalLake(lakeDir: string): Promise<LocalLake> {
  const m = (await import(/* @vite-ignore */ DUCKDB_MODULE)) as typeof import('./duckdb.ts');
  return m.openLocalLake(lakeDir);
}
export { formatResult, formatTable, formatCsv, formatJson, OUTPUT_FORMATS, type OutputFormat } from './format.ts';
export { adaptSql, type Engine } from './dialect.ts';
export { rowsToFindings, DetectionRowError } from './findings.ts';

/** The dt range used when none is given: every partition. */
export const ALL_FROM = '0000-01-01';
export const ALL_TO = '9999-12-31';

/** `2026-11-21` or an ISO timestamp (`2026-11-21T10:00:00Z`) -> the dt partition value `2026-11-21`. */
export function toDt(v: string, flag: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$/.exec(v.trim());
  if (!m || Number.isNaN(Date.parse(`${m[1]}T00:00:00Z`))) throw new UsageError(`${flag} must be a date YYYY-MM-DD (got "${v}")`);
  return m[1] as string;
}

export interface RunOptions {
  engine?: Engine;
  /** local lake directory, or s3://bucket/prefix (copied down through the SDK, only the dt partitions asked for) */
  lake?: string;
  /** dt bounds, inclusive (YYYY-MM-DD or ISO timestamp) */
  from?: string;
  to?: string;
  /** values for other named parameters (detection thresholds, subnets) */
  params?: Record<string, string>;
  athena?: AthenaRunOptions & { client: AthenaClient };
}

/** The values for a query's `?` placeholders, in order: params > from/to > the file's defaults. */
export function bindParams(def: QueryDef, o: RunOptions): string[] {
  const values: Record<string, string> = {
    ...def.defaults,
    from: o.from !== undefined ? toDt(o.from, '--from') : ALL_FROM,
    to: o.to !== undefined ? toDt(o.to, '--to') : ALL_TO,
    ...o.params,
  };
  return def.params.map((p) => {
    const v = values[p];
    if (v === undefined) throw new UsageError(`query ${def.name} needs parameter "${p}" (--param ${p}=…)`);
    return v;
  });
}

export async function runQuery(def: QueryDef, o: RunOptions): Promise<QueryResult> {
  const params = bindParams(def, o);
  if ((o.engine ?? 'duckdb') === 'athena') {
    if (!o.athena) throw new UsageError('--engine athena needs a workgroup and database');
    const { client, ...opts } = o.athena;
    const { runAthenaQuery } = await import('../aws/athena.ts');
    return runAthenaQuery(client, def.sql, params, opts);
  }
  if (!o.lake) throw new UsageError('--lake <dir> is required with the duckdb engine');
  // SDK modules load only when needed: a local lake never pulls in the S3 client
  const mirror = o.lake.startsWith('s3://')
    ? await (await import('../aws/lake-mirror.ts')).mirrorS3Lake(o.lake, {
        from: o.from !== undefined ? toDt(o.from, '--from') : ALL_FROM,
        to: o.to !== undefined ? toDt(o.to, '--to') : ALL_TO,
      })
    : undefined;
  try {
    const lake = await openLocalLake(mirror ? mirror.dir : o.lake);
    try {
      return await lake.query(def.sql, params);
    } finally {
      lake.close();
    }
  } finally {
    mirror?.close();
  }
}

/** For the demo: a library query (or .sql file) by name on a local lake; rows as plain objects. */
export async function runNamedQuery(
  name: string,
  o: { lake: string; format?: OutputFormat; from?: string; to?: string; params?: Record<string, string> },
): Promise<Row[]> {
  const r = await runQuery(resolveQuery(name), { engine: 'duckdb', ...o });
  return r.rows;
}

/** A library query rendered for a terminal (the demo prints these). */
export async function renderNamedQuery(name: string, o: { lake: string; format?: OutputFormat; from?: string; to?: string }): Promise<string> {
  const r = await runQuery(resolveQuery(name), { engine: 'duckdb', ...o });
  return formatResult(r, o.format ?? 'table');
}

/** Runs every scheduled detection (or the named ones) and returns their findings. */
export async function runDetections(o: RunOptions & { only?: string[] }): Promise<Finding[]> {
  const defs = listQueries().filter((q) => q.kind === 'detection' && (!o.only || o.only.includes(q.name)));
  const out: Finding[] = [];
  for (const def of defs) {
    const r = await runQuery(def, o);
    out.push(...rowsToFindings(def.name, r.rows));
  }
  return out;
}
