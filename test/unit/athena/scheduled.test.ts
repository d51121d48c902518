import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { detectionRange, runScheduledDetections } from '../../../shared/athena/scheduled.ts';
import { resolveQuery } from '../../../shared/athena/library.ts';
import { buildTestLake } from './lake.ts';

let lake: string;
beforeAll(async () => {
  lake = await buildTestLake();
});
afterAll(() => {
  if (lake) rmSync(lake, { recursive: true, force: true });
});

const NOW = new Date('2026-11-21T12:00:00Z');

describe('detectionRange()', () => {
  it('covers lookbackDays before today through today (UTC)', () => {
    expect(detectionRange(NOW, 7)).toEqual({ from: '2026-11-14', to: '2026-11-21' });
    expect(detectionRange(new Date('2026-03-01T00:30:00Z'), 1)).toEqual({ from: '2026-02-28', to: '2026-03-01' });
  });
});

describe('runScheduledDetections()', () => {
  it('runs every detection on DuckDB with the config thresholds', async () => {
    const findings = await runScheduledDetections(
      { scheduled: { lookbackDays: 1, egressOverBaseline: { factor: 1.5, minBytes: 10000 }, slowScan: { minPorts: 2, minHosts: 2 }, sensitiveSubnets: ['subnet-1'] } },
      { engine: 'duckdb', lake, now: NOW },
    );
    expect(findings.map((f) => `${f.type} ${f.recommended?.cidr}`).sort()).toEqual([
      'egress-over-baseline 198.51.100.7/32',
      'new-external-destination 8.8.4.4/32',
      'slow-scan 203.0.113.9/32',
    ]);
  });

  it('finds nothing with the default thresholds on the small lake, and nothing when disabled', async () => {
    expect(await runScheduledDetections({}, { engine: 'duckdb', lake, now: NOW })).toEqual([]);
    expect(await runScheduledDetections({ scheduled: { enabled: false, slowScan: { minPorts: 1, minHosts: 1, minRejectRatio: 0 } } }, { engine: 'duckdb', lake, now: NOW })).toEqual([]);
  });

  it('sends each detection to Athena with its parameters, and skips new-external-destination without sensitive subnets', async () => {
    // Prepare
    const athena = mockClient(AthenaClient);
    athena.on(StartQueryExecutionCommand).callsFake((input: { QueryString: string }) => ({ QueryExecutionId: input.QueryString.includes("'slow-scan'") ? 'q-scan' : 'q-egress' }));
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    const cols = ['type', 'severity', 'direction', 'srcaddr', 'dt', 'ports'];
    const meta = { ColumnInfo: cols.map((c) => ({ Name: c, Type: c === 'ports' ? 'bigint' : 'varchar' })) };
    const row = (vals: string[]) => ({ Data: vals.map((v) => ({ VarCharValue: v })) });
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q-scan' }).resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [row(cols), row(['slow-scan', 'medium', 'inbound', '192.0.2.9', '2026-11-20', '300'])] } });
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q-egress' }).resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [row(cols)] } });
    // Act
    const findings = await runScheduledDetections({}, {
      engine: 'athena', now: NOW,
      athena: { client: new AthenaClient({ region: 'us-east-1' }), workGroup: 'netwatch-dev', database: 'netwatch_dev', sleep: async () => {} },
    });
    // Assess
    const starts = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(starts).toEqual([
      { QueryString: resolveQuery('egress-over-baseline').sql, QueryExecutionContext: { Database: 'netwatch_dev', Catalog: 'AwsDataCatalog' }, WorkGroup: 'netwatch-dev',
        ExecutionParameters: ["'2026-11-14'", "'2026-11-21'", "'2026-11-14'", "'2026-11-21'", "'10'", "'100000000'"] },
      { QueryString: resolveQuery('slow-scan').sql, QueryExecutionContext: { Database: 'netwatch_dev', Catalog: 'AwsDataCatalog' }, WorkGroup: 'netwatch-dev',
        ExecutionParameters: ["'2026-11-14'", "'2026-11-21'", "'100'", "'50'", "'0.8'"] },
    ]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ type: 'slow-scan', subject: { srcaddr: '192.0.2.9' }, evidence: { ports: 300 }, window: { start: '2026-11-20T00:00:00.000Z' } });
    athena.restore();
  });
});
