import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { listQueries, openLocalLake, resolveQuery, runNamedQuery, runQuery } from '../../../shared/athena/index.ts';
import type { LocalLake as Lake } from '../../../shared/athena/index.ts';
import { buildTestLake, A, B } from './lake.ts';

let lake: string;
let db: Lake;

beforeAll(async () => {
  lake = await buildTestLake();
  db = await openLocalLake(lake);
});
afterAll(() => {
  db?.close();
  if (lake) rmSync(lake, { recursive: true, force: true });
});

const run = async (name: string, o: { from?: string; to?: string; params?: Record<string, string> } = {}) =>
  (await runQuery(resolveQuery(name), { engine: 'duckdb', lake, ...o })).rows;

describe('the lake views', () => {
  it('take account_id and region from the partition path and expose dt/hour as strings', async () => {
    const r = await db.query('SELECT DISTINCT account_id, region, dt, hour FROM flow_logs ORDER BY dt, hour');
    expect(r.rows).toEqual([
      { account_id: A, region: 'us-east-1', dt: '2026-11-20', hour: '09' },
      { account_id: A, region: 'us-east-1', dt: '2026-11-21', hour: '10' },
      { account_id: B, region: 'eu-west-1', dt: '2026-11-21', hour: '11' },
    ]);
  });

  it('keep the lake column types (INT32 / BIGINT / VARCHAR)', async () => {
    const r = await db.query(`SELECT typeof(srcport) AS p, typeof(bytes) AS b, typeof("end") AS e, typeof(srcaddr) AS s FROM flow_logs LIMIT 1`);
    expect(r.rows[0]).toEqual({ p: 'INTEGER', b: 'BIGINT', e: 'BIGINT', s: 'VARCHAR' });
  });

  it('are empty (not an error) for a table with no files, and a missing lake is a named error', async () => {
    const r = await db.query('SELECT count(*) AS n FROM sensor_anomaly');
    expect(r.rows).toEqual([{ n: 0 }]);
    await expect(openLocalLake(`${lake}/nope`)).rejects.toThrow(/^lake directory not found/);
  });
});

describe('flow-log queries on DuckDB (known answers)', () => {
  it('top-talkers: srcaddr, dstaddr, bytes; top 10 by bytes', async () => {
    const rows = await run('top-talkers');
    expect(rows).toEqual([
      { srcaddr: '10.0.1.5', dstaddr: '198.51.100.7', bytes: 25000 },
      { srcaddr: '10.1.0.9', dstaddr: '10.0.1.5', bytes: 7000 },
      { srcaddr: '10.0.1.5', dstaddr: '10.1.0.9', bytes: 1000 },
      { srcaddr: '10.0.1.6', dstaddr: '8.8.4.4', bytes: 300 },
      { srcaddr: '203.0.113.9', dstaddr: '10.0.1.5', bytes: 120 },
      { srcaddr: '10.0.1.6', dstaddr: '8.8.8.8', bytes: 100 },
      { srcaddr: '203.0.113.9', dstaddr: '10.0.1.6', bytes: 60 },
      { srcaddr: '192.0.2.1', dstaddr: '10.0.1.5', bytes: 40 },
    ]);
  });

  it('--from/--to select dt partitions (inclusive) and accept ISO timestamps', async () => {
    const rows = await run('top-talkers', { from: '2026-11-21T08:00:00Z', to: '2026-11-21' });
    expect(rows.slice(0, 2)).toEqual([
      { srcaddr: '10.0.1.5', dstaddr: '198.51.100.7', bytes: 20000 },
      { srcaddr: '10.1.0.9', dstaddr: '10.0.1.5', bytes: 7000 },
    ]);
    expect(rows).toHaveLength(6);
    expect(await run('top-talkers', { from: '2026-11-22' })).toEqual([]);
    await expect(run('top-talkers', { from: '21/11/2026' })).rejects.toThrow('--from must be a date YYYY-MM-DD (got "21/11/2026")');
  });

  it('top-rejected-sources', async () => {
    expect(await run('top-rejected-sources')).toEqual([
      { srcaddr: '203.0.113.9', rejects: 3, targets: 2, ports: 2 },
      { srcaddr: '192.0.2.1', rejects: 1, targets: 1, ports: 1 },
    ]);
  });

  it('rejects-by-source: srcaddr, rejects', async () => {
    expect(await run('rejects-by-source')).toEqual([
      { srcaddr: '203.0.113.9', rejects: 3 },
      { srcaddr: '192.0.2.1', rejects: 1 },
    ]);
  });

  it('udp-users', async () => {
    expect(await run('udp-users')).toEqual([{ srcaddr: '10.0.1.6', peers: 2, flows: 2, bytes: 400 }]);
  });

  it('bytes-stats-by-pair', async () => {
    const rows = await run('bytes-stats-by-pair');
    expect(rows[0]).toEqual({ srcaddr: '10.0.1.5', dstaddr: '198.51.100.7', flows: 2, avg_bytes: 12500, min_bytes: 5000, max_bytes: 20000 });
    expect(rows).toHaveLength(8);
  });

  it('bytes-by-direction', async () => {
    const rows = await run('bytes-by-direction');
    expect(rows.slice(0, 3)).toEqual([
      { srcaddr: '10.0.1.5', dstaddr: '198.51.100.7', flow_direction: 'egress', bytes: 25000 },
      { srcaddr: '10.1.0.9', dstaddr: '10.0.1.5', flow_direction: 'ingress', bytes: 7000 },
      { srcaddr: '10.0.1.5', dstaddr: '10.1.0.9', flow_direction: 'egress', bytes: 1000 },
    ]);
  });

  it('bytes-by-instance (instance-id field, else the inventory owner)', async () => {
    expect(await run('bytes-by-instance')).toEqual([
      { instance_id: 'i-aaa', bytes: 26000, packets: 45, flows: 3 },
      { instance_id: 'i-ccc', bytes: 7000, packets: 9, flows: 1 },
      { instance_id: 'i-bbb', bytes: 400, packets: 4, flows: 2 },
    ]);
  });

  it('rejected-ssh-by-source', async () => {
    expect(await run('rejected-ssh-by-source')).toEqual([{ srcaddr: '203.0.113.9', flows: 2, packets: 2, bytes: 120, targets: 2 }]);
  });

  it('rejected-sample: REJECT rows by start time', async () => {
    const rows = await run('rejected-sample');
    expect(rows.map((r) => [r.srcaddr, r.dstport, r.reject_reason])).toEqual([
      ['203.0.113.9', 22, null],
      ['203.0.113.9', 22, null],
      ['203.0.113.9', 3389, null],
      ['192.0.2.1', 80, 'BPA'],
    ]);
    expect(rows[0]).toMatchObject({ account_id: A, action: 'REJECT', end: Date.UTC(2026, 10, 20, 9, 1) / 1000 });
  });
});

describe('sensor queries on DuckDB (known answers)', () => {
  it('top-http-hosts', async () => {
    expect(await run('top-http-hosts')).toEqual([
      { hostname: 'example.com', requests: 2, clients: 2 },
      { hostname: 'api.example.net', requests: 1, clients: 1 },
    ]);
  });

  it('tls-sni-by-instance', async () => {
    expect(await run('tls-sni-by-instance')).toEqual([
      { instance_id: 'i-aaa', sni: 'example.com', sessions: 2 },
      { instance_id: 'i-aaa', sni: 'aws.amazon.com', sessions: 1 },
      { instance_id: 'i-bbb', sni: 'example.com', sessions: 1 },
    ]);
  });

  it('dns-names-by-vpc (requests only; VPC through the mirrored ENI)', async () => {
    expect(await run('dns-names-by-vpc')).toEqual([
      { vpc_id: 'vpc-1', rrname: 'example.com', queries: 2 },
      { vpc_id: 'vpc-2', rrname: 'db.internal', queries: 1 },
    ]);
  });

  it('sensor-flows-with-flow-logs joins on the 5-tuple within the hour', async () => {
    const rows = await run('sensor-flows-with-flow-logs');
    expect(rows).toEqual([
      {
        src_ip: '10.0.1.5', src_port: 40001, dest_ip: '198.51.100.7', dest_port: 443, proto: 'TCP', dt: '2026-11-21', hour: '10',
        sensor_bytes_toserver: 1500, sensor_bytes_toclient: 18500, interface_id: 'eni-a', action: 'ACCEPT', flowlog_bytes: 20000, flowlog_packets: 30,
      },
    ]);
  });
});

describe('runNamedQuery()', () => {
  it('returns plain rows for the demo', async () => {
    const rows = await runNamedQuery('rejects-by-source', { lake });
    expect(rows[0]).toEqual({ srcaddr: '203.0.113.9', rejects: 3 });
  });

  it('names an unknown query', async () => {
    await expect(runNamedQuery('top-talkerz', { lake })).rejects.toThrow('unknown query "top-talkerz" (netwatch query --list shows the names)');
  });
});

describe('library coverage', () => {
  it('has a DuckDB test above for every analyst query', () => {
    const tested = [
      'top-talkers', 'top-rejected-sources', 'rejects-by-source', 'udp-users', 'bytes-stats-by-pair', 'bytes-by-direction',
      'bytes-by-instance', 'rejected-ssh-by-source', 'rejected-sample', 'top-http-hosts', 'tls-sni-by-instance',
      'dns-names-by-vpc', 'sensor-flows-with-flow-logs',
    ];
    expect(listQueries().filter((q) => q.kind === 'query').map((q) => q.name).sort()).toEqual([...tested].sort());
  });
});
