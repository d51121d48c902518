/** `--lake s3://…`: the lake is copied down through the SDK from a real local S3-compatible server (s3rver). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { resetClients, s3Client } from '../../../shared/aws/clients.ts';
import { startLocalS3, type LocalS3 } from '../../../shared/aws/local-s3.ts';
import { keyInRange, mirrorS3Lake } from '../../../shared/aws/lake-mirror.ts';
import { runNamedQuery } from '../../../shared/athena/index.ts';
import { buildTestLake } from './lake.ts';

let s3: LocalS3;
let lake: string;
const saved = process.env.NETWATCH_S3_ENDPOINT;

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));

beforeAll(async () => {
  lake = await buildTestLake();
  s3 = await startLocalS3({ buckets: ['lake'] });
  process.env.NETWATCH_S3_ENDPOINT = s3.endpoint;
  resetClients();
  for (const f of files(lake).filter((f) => !relative(lake, f).startsWith('.'))) {
    await s3Client().send(new PutObjectCommand({ Bucket: 'lake', Key: `team/a/${relative(lake, f)}`, Body: readFileSync(f) }));
  }
});
afterAll(async () => {
  await s3?.close();
  if (saved === undefined) delete process.env.NETWATCH_S3_ENDPOINT;
  else process.env.NETWATCH_S3_ENDPOINT = saved;
  resetClients();
  if (lake) rmSync(lake, { recursive: true, force: true });
});

describe('keyInRange()', () => {
  it('keeps keys without a dt partition and those inside [from, to]', () => {
    expect(keyInRange('flow_logs/account_id=1/region=r/dt=2026-11-21/hour=10/a.parquet', '2026-11-21', '2026-11-21')).toBe(true);
    expect(keyInRange('flow_logs/account_id=1/region=r/dt=2026-11-20/hour=10/a.parquet', '2026-11-21', '9999-12-31')).toBe(false);
    expect(keyInRange('flow_logs/readme.txt', '2026-11-21', '2026-11-21')).toBe(true);
  });
});

describe('queries over an S3 lake', () => {
  it('fetches only the partitions asked for', async () => {
    const m = await mirrorS3Lake('s3://lake/team/a', { from: '2026-11-21', to: '2026-11-21' });
    try {
      // 2 flow-log files on 11-21 + 4 sensor batches (all on 11-21); the 11-20 flow-log file is skipped
      expect({ fetched: m.fetched, skipped: m.skipped }).toEqual({ fetched: 6, skipped: 1 });
      expect(files(m.dir).map((f) => relative(m.dir, f)).filter((f) => f.includes('dt=2026-11-20'))).toEqual([]);
    } finally {
      m.close();
    }
  });

  it('gives the same answers as the local lake', async () => {
    const local = await runNamedQuery('top-talkers', { lake, from: '2026-11-21' });
    const remote = await runNamedQuery('top-talkers', { lake: 's3://lake/team/a/', from: '2026-11-21' });
    expect(remote).toEqual(local);
    expect(remote[0]).toEqual({ srcaddr: '10.0.1.5', dstaddr: '198.51.100.7', bytes: 20000 });
    expect(await runNamedQuery('top-http-hosts', { lake: 's3://lake/team/a' })).toEqual(await runNamedQuery('top-http-hosts', { lake }));
  });
});
