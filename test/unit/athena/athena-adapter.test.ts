import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { runAthenaQuery, AthenaQueryError } from '../../../shared/aws/athena.ts';
import { resolveQuery, runQuery } from '../../../shared/athena/index.ts';

const athena = mockClient(AthenaClient);
const client = new AthenaClient({ region: 'us-east-1' });

// a fake clock: sleep() advances it, so backoff and timeouts are exact and instant
let clock = 0;
const sleeps: number[] = [];
const timing = {
  now: () => clock,
  sleep: async (ms: number) => {
    sleeps.push(ms);
    clock += ms;
  },
};

const cell = (v?: string) => (v === undefined ? {} : { VarCharValue: v });

beforeEach(() => {
  athena.reset();
  clock = 0;
  sleeps.length = 0;
});

describe('runAthenaQuery()', () => {
  it('starts, polls with backoff, pages results and types the values', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    const meta = { ColumnInfo: [{ Name: 'srcaddr', Type: 'varchar' }, { Name: 'bytes', Type: 'bigint' }, { Name: 'avg', Type: 'double' }, { Name: 'ok', Type: 'boolean' }] };
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', MaxResults: 1000 })
      .resolves({
        ResultSet: { ResultSetMetadata: meta, Rows: [{ Data: [cell('srcaddr'), cell('bytes'), cell('avg'), cell('ok')] }, { Data: [cell('10.0.0.1'), cell('25000'), cell('12.5'), cell('true')] }] },
        NextToken: 'page-2',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', MaxResults: 1000, NextToken: 'page-2' })
      .resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [{ Data: [cell('10.0.0.2'), cell(), cell('1'), cell('false')] }] } });

    // Act
    const r = await runAthenaQuery(client, 'SELECT 1 WHERE dt BETWEEN ? AND ?', ['2026-11-20', "it's"], {
      workGroup: 'netwatch', database: 'netwatch_dev', outputLocation: 's3://results/x/', ...timing,
    });

    // Assess
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input).toEqual({
      QueryString: 'SELECT 1 WHERE dt BETWEEN ? AND ?',
      QueryExecutionContext: { Database: 'netwatch_dev', Catalog: 'AwsDataCatalog' },
      WorkGroup: 'netwatch',
      ExecutionParameters: ["'2026-11-20'", "'it''s'"],
      ResultConfiguration: { OutputLocation: 's3://results/x/' },
    });
    expect(athena.commandCalls(GetQueryExecutionCommand).map((c) => c.args[0].input)).toEqual(Array(4).fill({ QueryExecutionId: 'q-1' }));
    expect(sleeps).toEqual([250, 500, 1000]);
    expect(r).toEqual({
      columns: ['srcaddr', 'bytes', 'avg', 'ok'],
      rows: [
        { srcaddr: '10.0.0.1', bytes: 25000, avg: 12.5, ok: true },
        { srcaddr: '10.0.0.2', bytes: null, avg: 1, ok: false },
      ],
    });
  });

  it('names a FAILED query with Athena\'s reason', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'TABLE_NOT_FOUND: flow_logs' } } });
    const p = runAthenaQuery(client, 'SELECT 1', [], { workGroup: 'w', database: 'd', ...timing });
    await expect(p).rejects.toThrow(AthenaQueryError);
    await expect(runAthenaQuery(client, 'SELECT 1', [], { workGroup: 'w', database: 'd', ...timing })).rejects.toThrow(
      'Athena query q-2 FAILED: TABLE_NOT_FOUND: flow_logs',
    );
    // no parameters: no ExecutionParameters key at all (Athena rejects an empty list)
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input).toEqual({
      QueryString: 'SELECT 1', QueryExecutionContext: { Database: 'd', Catalog: 'AwsDataCatalog' }, WorkGroup: 'w',
    });
  });

  it('stops the query and fails after the timeout, with backoff capped at maxPollMs', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-3' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    await expect(
      runAthenaQuery(client, 'SELECT 1', [], { workGroup: 'w', database: 'd', timeoutMs: 10_000, maxPollMs: 2_000, ...timing }),
    ).rejects.toThrow('Athena query q-3 did not finish within 10000 ms (stopped)');
    expect(sleeps).toEqual([250, 500, 1000, 2000, 2000, 2000, 2000]);
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: 'q-3' }]);
  });
});

describe('runQuery() on athena', () => {
  it('sends the library SQL unchanged (Trino dialect) with from/to bound', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-4' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'vpc_id', Type: 'varchar' }] }, Rows: [{ Data: [cell('vpc_id')] }] } });
    const def = resolveQuery('dns-names-by-vpc');
    const r = await runQuery(def, { engine: 'athena', from: '2026-11-20', to: '2026-11-21', athena: { client, workGroup: 'w', database: 'd', ...timing } });
    expect(r.rows).toEqual([]);
    const input = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(input?.QueryString).toBe(def.sql);
    expect(input?.QueryString).toContain('element_at(');
    expect(input?.ExecutionParameters).toEqual(["'2026-11-20'", "'2026-11-21'", "'2026-11-20'", "'2026-11-21'"]);
  });
});
