/**
 * Lakes grow: old objects written before a column existed, a lake with no sensor data, files of different schemas
 * side by side. The views keep the Glue schema whatever the files hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { openLocalLake, runNamedQuery, type LocalLake } from '../../../shared/athena/index.ts';
import { writeFlowFiles } from './lake.ts';

let lake: string;
let db: LocalLake;

beforeAll(async () => {
  lake = mkdtempSync(join(tmpdir(), 'nw-partial-'));
  // an old object: only the 14 default (version 2) columns, INT32/BIGINT/VARCHAR as the field table says
  const dir = join(lake, 'flow_logs', 'account_id=123456789010', 'region=us-east-1', 'dt=2026-11-19', 'hour=23');
  mkdirSync(dir, { recursive: true });
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run(`COPY (SELECT * FROM (VALUES
      (2, '123456789010', 'eni-old', '172.31.9.69', '172.31.9.12', 49761, 3389, 6, 20::BIGINT, 4249::BIGINT, 1418530010::BIGINT, 1418530070::BIGINT, 'REJECT', 'OK'),
      (2, '123456789010', 'eni-old', '172.31.16.139', '172.31.16.21', 20641, 22, 6, 20::BIGINT, 4249::BIGINT, 1418530010::BIGINT, 1418530070::BIGINT, 'ACCEPT', 'OK')
    ) AS t(version, account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, "end", action, log_status))
    TO '${join(dir, 'old.parquet')}' (FORMAT parquet)`);
  conn.closeSync();
  // a new object beside it, with every column
  await writeFlowFiles(lake, [
    { account: '123456789010', region: 'us-east-1', dt: '2026-11-20', hour: '00', rows: [
      { interface_id: 'eni-new', srcaddr: '203.0.113.5', dstaddr: '172.31.9.12', srcport: 1, dstport: 22, protocol: 6, packets: 1, bytes: 40, start: 1795305600, end: 1795305660, action: 'REJECT', reject_reason: 'BPA', direction_class: 'ingress-internet' },
    ] },
  ]);
  db = await openLocalLake(lake);
});
afterAll(() => {
  db?.close();
  if (lake) rmSync(lake, { recursive: true, force: true });
});

describe('views over a lake with old and new objects', () => {
  it('reads columns an old object lacks as NULL and keeps the declared types', async () => {
    const r = await db.query(`SELECT interface_id, reject_reason, direction_class, typeof(srcport) AS t FROM flow_logs ORDER BY interface_id, srcaddr`);
    expect(r.rows).toEqual([
      { interface_id: 'eni-new', reject_reason: 'BPA', direction_class: 'ingress-internet', t: 'INTEGER' },
      { interface_id: 'eni-old', reject_reason: null, direction_class: null, t: 'INTEGER' },
      { interface_id: 'eni-old', reject_reason: null, direction_class: null, t: 'INTEGER' },
    ]);
  });

  it('runs the library on it (flow queries answer, sensor queries are empty)', async () => {
    expect(await runNamedQuery('rejects-by-source', { lake })).toEqual([
      { srcaddr: '172.31.9.69', rejects: 1 },
      { srcaddr: '203.0.113.5', rejects: 1 },
    ]);
    expect(await runNamedQuery('bytes-by-direction', { lake, from: '2026-11-19', to: '2026-11-19' })).toEqual([
      { srcaddr: '172.31.16.139', dstaddr: '172.31.16.21', flow_direction: null, bytes: 4249 },
      { srcaddr: '172.31.9.69', dstaddr: '172.31.9.12', flow_direction: null, bytes: 4249 },
    ]);
    expect(await runNamedQuery('top-http-hosts', { lake })).toEqual([]);
    expect(await runNamedQuery('dns-names-by-vpc', { lake })).toEqual([]);
  });
});
