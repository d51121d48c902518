/**
 * The local Athena: DuckDB (@duckdb/node-api) over a local lake directory. openLocalLake() creates one view per
 * analyst table (flow_logs, sensor_flow, sensor_http, sensor_tls, sensor_dns, sensor_anomaly) with exactly the
 * columns and types of the Glue tables (shared/athena/tables.ts): a column no file has yet reads as NULL, and a
 * table with no files at all is an empty view, so every library query runs on any lake. DuckDB cannot read S3
 * offline (httpfs is not installable here): S3 lakes are copied down through the SDK first.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { QueryExecutionError, type QueryResult, type Row, type Value } from './results.ts';
import { adaptForDuckDb } from './dialect.ts';
import { duckType, TABLES, type TableDef } from './tables.ts';

export { QueryExecutionError, type QueryResult, type Row, type Value };

export interface LocalLake {
  /** Runs SQL (already in the library's dialect) with `?` values bound in order as VARCHAR. */
  query(sql: string, params?: string[]): Promise<QueryResult>;
  close(): void;
}

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** JS value from DuckDB's JS conversion: bigint -> number when exact (else string), Date -> ISO, nested recursively. */
export function plain(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') {
    const o: Record<string, Value> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = plain(x);
    return o;
  }
  return String(v);
}

async function glob(conn: DuckDBConnection, pattern: string): Promise<number> {
  const r = await conn.runAndReadAll(`SELECT count(*) AS n FROM glob(${lit(pattern)})`);
  return Number(r.getRows()[0]?.[0] ?? 0);
}

async function createView(conn: DuckDBConnection, lake: string, t: TableDef): Promise<void> {
  const pattern = `${lake}/${t.location}/**/*.${t.format === 'parquet' ? 'parquet' : 'gz'}`;
  const all: { name: string; type: string }[] = [
    ...t.columns.map((c) => ({ name: c.name, type: duckType(c.type) })),
    ...t.partitions.map((p) => ({ name: p, type: 'VARCHAR' })),
  ];
  const hiveTypes = `{${t.partitions.map((p) => `${lit(p)}: 'VARCHAR'`).join(', ')}}`;
  let source: string | null = null;
  if ((await glob(conn, pattern)) > 0) {
    source =
      t.format === 'parquet'
        ? `read_parquet(${lit(pattern)}, hive_partitioning = true, union_by_name = true, hive_types = ${hiveTypes})`
        : `read_json(${lit(pattern)}, format = 'newline_delimited', hive_partitioning = true, hive_types = ${hiveTypes}, ` +
          `columns = {${t.columns.map((c) => `${lit(c.name)}: ${lit(duckType(c.type))}`).join(', ')}})`;
  }
  let present = new Set<string>();
  if (source) {
    const d = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    present = new Set(d.getRows().map((r) => String(r[0])));
  }
  const select = all
    .map((c) => `CAST(${present.has(c.name) ? ident(c.name) : 'NULL'} AS ${c.type}) AS ${ident(c.name)}`)
    .join(',\n  ');
  const from = source ? `FROM ${source}` : 'WHERE false';
  await conn.run(`CREATE OR REPLACE VIEW ${ident(t.name)} AS SELECT\n  ${select}\n${from}`);
}

/** Opens an in-memory DuckDB with the analyst views over `lakeDir`. */
export async function openLocalLake(lakeDir: string): Promise<LocalLake> {
  const lake = resolve(lakeDir);
  if (!existsSync(lake) || !statSync(lake).isDirectory()) {
    throw new QueryExecutionError(`lake directory not found: ${lakeDir}`);
  }
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    for (const t of TABLES) await createView(conn, lake.replace(/\\/g, '/'), t);
  } catch (err) {
    conn.closeSync();
    throw new QueryExecutionError(`cannot open the lake at ${lakeDir}: ${(err as Error).message}`, { cause: err });
  }
  return {
    async query(sql: string, params: string[] = []): Promise<QueryResult> {
      try {
        const stmt = await conn.prepare(adaptForDuckDb(sql));
        params.forEach((v, i) => stmt.bindVarchar(i + 1, v));
        const reader = await stmt.runAndReadAll();
        const columns = reader.columnNames();
        const rows = reader.getRowObjectsJS().map((r) => {
          const o: Row = {};
          for (const c of columns) o[c] = plain(r[c]);
          return o;
        });
        return { columns, rows };
      } catch (err) {
        throw new QueryExecutionError(`DuckDB: ${(err as Error).message.split('\n')[0]}`, { cause: err });
      }
    },
    close(): void {
      conn.closeSync();
    },
  };
}
