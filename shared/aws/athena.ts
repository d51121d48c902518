/**
 * Thin Athena adapter: one query = StartQueryExecution, GetQueryExecution polled with exponential backoff until
 * a final state or the timeout (then StopQueryExecution), GetQueryResults paged. Values come back typed from the
 * result metadata (integers and floating types as numbers, boolean as boolean, everything else as text; a missing
 * VarCharValue is NULL). `?` placeholders are filled by Athena from ExecutionParameters (quoted string literals;
 * the library casts where it needs numbers).
 */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
} from '@aws-sdk/client-athena';
import { PipelineError } from '../errors.ts';
import type { QueryResult, Row, Value } from '../athena/results.ts';

/** Athena reported FAILED or CANCELLED, or the query did not finish in time. */
export class AthenaQueryError extends PipelineError {
  readonly queryExecutionId: string | undefined;
  constructor(message: string, queryExecutionId?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AthenaQueryError';
    this.queryExecutionId = queryExecutionId;
  }
}

export interface AthenaRunOptions {
  workGroup: string;
  database: string;
  catalog?: string;
  /** s3://… result location; omit to use the workgroup's (the deployed workgroup enforces its own) */
  outputLocation?: string;
  /** first poll delay, doubled each poll up to maxPollMs */
  pollMs?: number;
  maxPollMs?: number;
  timeoutMs?: number;
  /** injectable for tests */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const NUMERIC = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint', 'double', 'float', 'real', 'decimal']);

/** A string as an Athena ExecutionParameters literal: `'it''s'`. */
export const athenaLiteral = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function convert(raw: string | undefined, info: ColumnInfo | undefined): Value {
  if (raw === undefined) return null;
  const type = (info?.Type ?? 'varchar').toLowerCase();
  if (NUMERIC.has(type)) {
    const n = Number(raw);
    return Number.isFinite(n) && (type === 'bigint' ? Number.isSafeInteger(n) : true) ? n : raw;
  }
  if (type === 'boolean') return raw === 'true';
  return raw;
}

export async function runAthenaQuery(client: AthenaClient, sql: string, params: string[], o: AthenaRunOptions): Promise<QueryResult> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = o.now ?? Date.now;
  const started = await client.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      QueryExecutionContext: { Database: o.database, Catalog: o.catalog ?? 'AwsDataCatalog' },
      WorkGroup: o.workGroup,
      ...(params.length > 0 ? { ExecutionParameters: params.map(athenaLiteral) } : {}),
      ...(o.outputLocation ? { ResultConfiguration: { OutputLocation: o.outputLocation } } : {}),
    }),
  );
  const id = started.QueryExecutionId;
  if (!id) throw new AthenaQueryError('Athena StartQueryExecution returned no QueryExecutionId');

  const deadline = now() + (o.timeoutMs ?? 300_000);
  let delay = o.pollMs ?? 250;
  for (;;) {
    const ex = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = ex.QueryExecution?.Status?.State;
    if (state === 'SUCCEEDED') break;
    if (state === 'FAILED' || state === 'CANCELLED') {
      const reason = ex.QueryExecution?.Status?.StateChangeReason ?? 'no reason given';
      throw new AthenaQueryError(`Athena query ${id} ${state}: ${reason}`, id);
    }
    if (now() + delay > deadline) {
      await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
      throw new AthenaQueryError(`Athena query ${id} did not finish within ${o.timeoutMs ?? 300_000} ms (stopped)`, id);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, o.maxPollMs ?? 5_000);
  }

  let columns: string[] = [];
  let info: ColumnInfo[] = [];
  const rows: Row[] = [];
  let token: string | undefined;
  let first = true;
  do {
    const page = await client.send(
      new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 1000, ...(token ? { NextToken: token } : {}) }),
    );
    if (first) {
      info = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      columns = info.map((c, i) => c.Label ?? c.Name ?? `_col${i}`);
    }
    const data = page.ResultSet?.Rows ?? [];
    // the first row of the first page repeats the column labels (SELECT results)
    data.forEach((r, i) => {
      if (first && i === 0) return;
      const o: Row = {};
      columns.forEach((c, j) => {
        o[c] = convert(r.Data?.[j]?.VarCharValue, info[j]);
      });
      rows.push(o);
    });
    first = false;
    token = page.NextToken;
  } while (token);
  return { columns, rows };
}
