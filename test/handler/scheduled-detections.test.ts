/**
 * scheduled-detections: local mode (DuckDB over a lake directory, findings appended to the audit log) and AWS mode
 * (Athena and EventBridge through aws-sdk-client-mock, exact inputs asserted).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { handler } from '../../functions/scheduled-detections/handler.ts';
import { resetClients } from '../../shared/aws/clients.ts';
import { resetRuntimeConfig } from '../../shared/config/runtime.ts';
import { buildTestLake } from '../unit/athena/lake.ts';

const ctx = { functionName: 'scheduled-detections', awsRequestId: 'test', getRemainingTimeInMillis: () => 300_000 } as unknown as Context;
const scheduledEvent = { version: '0', id: 'e1', 'detail-type': 'Scheduled Event', source: 'aws.events', account: '111122223333', time: '2026-11-21T12:00:00Z', region: 'us-east-1', resources: [], detail: {} };
const ENV = ['NETWATCH_LOCAL', 'NETWATCH_LAKE_DIR', 'NETWATCH_CONFIG_JSON', 'ATHENA_WORKGROUP', 'GLUE_DATABASE', 'EVENT_BUS_NAME', 'AWS_REGION'];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

let lake: string;
let work: string;
beforeAll(async () => {
  lake = await buildTestLake();
  work = mkdtempSync(join(tmpdir(), 'nw-sched-'));
});
afterEach(() => {
  for (const k of ENV) if (saved[k] === undefined) delete process.env[k];
  else process.env[k] = saved[k];
  resetRuntimeConfig();
  resetClients();
});
afterAll(() => {
  rmSync(lake, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('scheduled-detections handler', () => {
  it('takes "today" from the scheduled event time', async () => {
    const { runTime } = await import('../../functions/scheduled-detections/handler.ts');
    expect(runTime(scheduledEvent).toISOString()).toBe('2026-11-21T12:00:00.000Z');
    expect(Math.abs(runTime({ time: 'garbage' }).getTime() - Date.now())).toBeLessThan(5_000);
  });

  it('local mode: runs the SQL on DuckDB over the lake directory and appends findings to the audit log', async () => {
    // Prepare: the event's time (2026-11-21T12:00Z) is the run's today; lookback 1 day reads 2026-11-20..21
    process.env.NETWATCH_LOCAL = '1';
    process.env.NETWATCH_LAKE_DIR = lake;
    process.env.NETWATCH_CONFIG_JSON = JSON.stringify({
      local: { stateDir: join(work, 'state') },
      detections: { scheduled: { lookbackDays: 1, slowScan: { minPorts: 2, minHosts: 2 } } },
    });
    let stdout = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((stdout += String(c)), true));
    // Act
    const r = await handler(scheduledEvent, ctx).finally(() => spy.mockRestore());
    // Assess: one EMF line for NetWatch/Findings, dimension Type
    const emf = stdout.split('\n').filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'NetWatch', Dimensions: [['Type']], Metrics: [{ Name: 'Findings', Unit: 'Count' }] }] },
      Type: 'slow-scan',
      Findings: 1,
    });
    // only slow-scan fires (the default egress thresholds, 10x the baseline and 100 MB, are far off)
    expect(r).toEqual({ findings: 1, types: { 'slow-scan': 1 } });
    const lines = readFileSync(join(work, 'state', 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    // the local bus line is the EventBridge event as delivered
    expect(lines[0]).toMatchObject({ version: '0', source: 'netwatch.detect', 'detail-type': 'NetWatch Finding', detail: { type: 'slow-scan', subject: { srcaddr: '203.0.113.9' } } });
  });

  it('AWS mode: queries Athena in the deployed workgroup and publishes the findings to the bus', async () => {
    // Prepare
    process.env.NETWATCH_LOCAL = '0';
    process.env.ATHENA_WORKGROUP = 'netwatch-dev';
    process.env.GLUE_DATABASE = 'netwatch_dev';
    process.env.EVENT_BUS_NAME = 'netwatch';
    process.env.AWS_REGION = 'us-east-1';
    process.env.NETWATCH_CONFIG_JSON = JSON.stringify({ detections: { scheduled: { sensitiveSubnets: ['subnet-0a1b'] } } });
    const athena = mockClient(AthenaClient);
    const events = mockClient(EventBridgeClient);
    athena.on(StartQueryExecutionCommand).callsFake((i: { QueryString: string }) => ({ QueryExecutionId: /'([a-z-]+)' AS type/.exec(i.QueryString)?.[1] ?? 'q' }));
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    const cols = ['type', 'severity', 'direction', 'finding_key', 'dstaddr', 'dt'];
    const meta = { ColumnInfo: cols.map((c) => ({ Name: c, Type: 'varchar' })) };
    const row = (v: string[]) => ({ Data: v.map((x) => ({ VarCharValue: x })) });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [row(cols)] } });
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'new-external-destination' })
      .resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [row(cols), row(['new-external-destination', 'medium', 'outbound', 'subnet-0a1b', '203.0.113.80', '2026-11-21'])] } });
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
    // Act
    const r = await handler(scheduledEvent, ctx);
    // Assess
    expect(r).toEqual({ findings: 1, types: { 'new-external-destination': 1 } });
    const starts = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(starts.map((s) => [s.WorkGroup, s.QueryExecutionContext?.Database])).toEqual(Array(3).fill(['netwatch-dev', 'netwatch_dev']));
    // new-external-destination: to (the event's day), subnets, from (7 days back), to, subnets
    expect(starts[1]?.ExecutionParameters).toEqual(["'2026-11-21'", "'subnet-0a1b'", "'2026-11-14'", "'2026-11-21'", "'subnet-0a1b'"]);
    const put = events.commandCalls(PutEventsCommand)[0]?.args[0].input;
    expect(put?.Entries).toHaveLength(1);
    expect(put?.Entries?.[0]).toMatchObject({ EventBusName: 'netwatch', Source: 'netwatch.detect', DetailType: 'NetWatch Finding' });
    expect(JSON.parse(put?.Entries?.[0]?.Detail ?? '{}')).toMatchObject({
      type: 'new-external-destination', subject: { dstaddr: '203.0.113.80' }, recommended: { action: 'nacl-deny', cidr: '203.0.113.80/32', direction: 'outbound' },
    });
    athena.restore();
    events.restore();
  });
});
