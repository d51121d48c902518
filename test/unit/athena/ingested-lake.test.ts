/**
 * The contract between the lead's ingest and the query library: flow-log text objects (the AWS documentation
 * samples from ../shared/corpus plus a crafted object with a scan and a flood) go through `ingestAll` into a real
 * Parquet lake; the streaming detections fire on the crafted traffic; the library queries answer on that lake.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestAll, type IngestSummary } from '../../../shared/flowlog/pipeline.ts';
import { makeEnricher, resolveSink, resolveSources } from '../../../shared/flowlog/sources.ts';
import { runNamedQuery } from '../../../shared/athena/index.ts';

const CORPUS = new URL('../../../../shared/corpus/vpcflow/aws-docs/', import.meta.url).pathname;
const T = 1_763_719_200; // 2025-11-21T10:00:00Z, a window boundary

let dir: string;
let summary: IngestSummary;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nw-ingested-'));
  const lines = ['version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'];
  // a scan: 30 ports of 10.0.1.5 from 203.0.113.50, all rejected
  for (let p = 0; p < 30; p++) lines.push(`2 111122223333 eni-0a 203.0.113.50 10.0.1.5 40000 ${1000 + p} 6 1 40 ${T + p} ${T + 60} REJECT OK`);
  // a flood: 10 flows of 200 MB from 10.0.1.5 to 198.51.100.99
  for (let i = 0; i < 10; i++) lines.push(`2 111122223333 eni-0a 10.0.1.5 198.51.100.99 ${50000 + i} 443 6 150000 200000000 ${T + i} ${T + 60} ACCEPT OK`);
  writeFileSync(join(dir, 'crafted.log'), `${lines.join('\n')}\n`);
  const sources = await resolveSources([join(dir, 'crafted.log'), join(CORPUS, 'v2-default-accept-reject.log.gz')]);
  summary = await ingestAll(sources, {
    enricher: await makeEnricher({}),
    sink: await resolveSink(join(dir, 'lake')),
    detections: { egressFlood: { bytes: 1_000_000_000 } },
    continueOnError: false,
  });
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('queries over a lake written by flowlogs ingest', () => {
  it('the ingest ran and the streaming detections found the scan and the flood', () => {
    expect(summary.errors).toEqual([]);
    expect(summary.records).toBe(42);
    const byType = Object.fromEntries(summary.findings.map((f) => [f.type, f]));
    expect(byType['port-scan']).toMatchObject({ subject: { srcaddr: '203.0.113.50' }, evidence: { ports: 30, rejects: 30 }, recommended: { cidr: '203.0.113.50/32', direction: 'inbound' } });
    expect(byType['egress-flood']).toMatchObject({ subject: { dstaddr: '198.51.100.99', srcaddr: '10.0.1.5' }, evidence: { bytes: 2_000_000_000 }, recommended: { cidr: '198.51.100.99/32', direction: 'outbound' } });
  });

  it('top-talkers answers from the ingested Parquet', async () => {
    const rows = await runNamedQuery('top-talkers', { lake: join(dir, 'lake') });
    expect(rows[0]).toEqual({ srcaddr: '10.0.1.5', dstaddr: '198.51.100.99', bytes: 2_000_000_000 });
    expect(rows).toContainEqual({ srcaddr: '172.31.16.139', dstaddr: '172.31.16.21', bytes: 4249 });
  });

  it('rejects-by-source and rejected-sample see the REJECTs of both objects', async () => {
    const lake = join(dir, 'lake');
    expect(await runNamedQuery('rejects-by-source', { lake })).toEqual([
      { srcaddr: '203.0.113.50', rejects: 30 },
      { srcaddr: '172.31.9.69', rejects: 1 },
    ]);
    const sample = await runNamedQuery('rejected-sample', { lake });
    expect(sample[0]).toMatchObject({ account_id: '123456789010', srcaddr: '172.31.9.69', dstport: 3389, start: 1418530010 });
    expect(sample).toHaveLength(31);
  });

  it('--from/--to prune by the dt partition the ingest wrote', async () => {
    const lake = join(dir, 'lake');
    expect(await runNamedQuery('rejects-by-source', { lake, from: '2025-11-21', to: '2025-11-21' })).toEqual([{ srcaddr: '203.0.113.50', rejects: 30 }]);
    expect(await runNamedQuery('rejects-by-source', { lake, from: '2014-12-14', to: '2014-12-14' })).toEqual([{ srcaddr: '172.31.9.69', rejects: 1 }]);
  });
});
