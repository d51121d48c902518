/**
 * flow-log-ingest end to end against a real local S3-compatible server (s3rver): put a flow-log object, deliver
 * the S3 event to the handler, read the lake back with DuckDB. Duplicate delivery must not duplicate rows.
 */
import { mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listObjects } from '../../shared/aws/s3.ts';
import { resetClients, s3Client } from '../../shared/aws/clients.ts';
import { startLocalS3, type LocalS3 } from '../../shared/aws/local-s3.ts';
import { resetRuntimeConfig } from '../../shared/config/runtime.ts';
import { CORPUS, duck } from '../helpers/flowlog.ts';

const SRC_BUCKET = 'flow-logs';
const LAKE_BUCKET = 'lake';
// a key in the S3 delivery layout, with a space and a '+' to exercise the URL-encoded event key
const KEY = 'AWSLogs/123456789010/vpcflowlogs/us-east-1/2018/06/20/123456789010_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe12 3+4.log.gz';
const encodeKey = (k: string) => encodeURIComponent(k).replace(/%2F/g, '/').replace(/%20/g, '+');

let s3: LocalS3;
let work: string;
const ctx = { functionName: 'flow-log-ingest', awsRequestId: 'test', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

function s3Event(key: string, etag: string) {
  const e = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/events/s3/object-created-put.json'), 'utf8'));
  e.Records[0].s3.bucket.name = SRC_BUCKET;
  e.Records[0].s3.object.key = key;
  e.Records[0].s3.object.eTag = etag;
  return e;
}

async function downloadLake(): Promise<string> {
  const dir = mkdtempSync(join(work, 'lake-'));
  for (const o of await listObjects(LAKE_BUCKET, 'flow_logs/')) {
    const r = await s3Client().send(new GetObjectCommand({ Bucket: LAKE_BUCKET, Key: o.key }));
    const path = join(dir, o.key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, await r.Body!.transformToByteArray());
  }
  return dir;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'nw-int-'));
  s3 = await startLocalS3({ buckets: [SRC_BUCKET, LAKE_BUCKET], directory: join(work, 's3') });
  process.env.NETWATCH_S3_ENDPOINT = s3.endpoint;
  process.env.LAKE_BUCKET = LAKE_BUCKET;
  process.env.LAKE_PREFIX = '';
  process.env.NETWATCH_LOCAL = '1';
  process.env.NETWATCH_INVENTORY_FILE = join(import.meta.dirname, '../fixtures/inventory/eni.json');
  process.env.NETWATCH_CONFIG_JSON = JSON.stringify({ local: { stateDir: join(work, 'state') } });
  resetClients();
  resetRuntimeConfig();
});

afterAll(async () => {
  await s3.close();
  for (const k of ['NETWATCH_S3_ENDPOINT', 'LAKE_BUCKET', 'LAKE_PREFIX', 'NETWATCH_LOCAL', 'NETWATCH_INVENTORY_FILE', 'NETWATCH_CONFIG_JSON']) delete process.env[k];
  resetClients();
  resetRuntimeConfig();
  rmSync(work, { recursive: true, force: true });
});

describe('flow-log-ingest handler with a local S3 server', () => {
  it('ingests an S3 event into the Parquet lake; a duplicate event replaces, never duplicates', async () => {
    // Prepare: a v3 sample object under a key that needs URL-decoding
    const body = readFileSync(join(CORPUS, 'vpcflow/aws-docs/v3-custom-tcp-flag-sequence.log.gz'));
    const put = await s3Client().send(new PutObjectCommand({ Bucket: SRC_BUCKET, Key: KEY, Body: body }));
    const { handler } = await import('../../functions/flow-log-ingest/handler.ts');
    const event = s3Event(encodeKey(KEY), put.ETag!.replace(/"/g, ''));

    // Act
    const first = await handler(event, ctx);
    const keysAfterFirst = (await listObjects(LAKE_BUCKET, 'flow_logs/')).map((o) => o.key).sort();
    const second = await handler(event, ctx);
    const keysAfterSecond = (await listObjects(LAKE_BUCKET, 'flow_logs/')).map((o) => o.key).sort();
    const lake = await downloadLake();

    // Assess
    expect(first).toMatchObject({ files: 1, records: 8, malformed: 0 });
    expect(second).toMatchObject({ files: 1, records: 8 });
    expect(keysAfterSecond).toEqual(keysAfterFirst);
    expect(keysAfterFirst).toHaveLength(2); // two start hours in the sample
    expect(keysAfterFirst[0]).toMatch(/^flow_logs\/account_id=123456789010\/region=us-east-1\/dt=2019-08-26\/hour=19\//);
    const [agg] = await duck(
      `SELECT count(*) AS n, sum(bytes) AS bytes, sum(packets) AS packets, count(DISTINCT dt) AS days
       FROM read_parquet('${lake}/flow_logs/**/*.parquet', hive_partitioning = true, union_by_name = true)`,
    );
    expect(agg).toEqual({ n: 8, bytes: 568 + 376 + 100701 + 632 + 63388 + 23294588 + 1260 + 967, packets: 8 + 7 + 70 + 12 + 1219 + 15774 + 17 + 14, days: 2 });
    const enriched = await duck(
      `SELECT DISTINCT src_instance, src_name, src_vpc, direction_class FROM read_parquet('${lake}/flow_logs/**/*.parquet') WHERE srcport = 5001 ORDER BY 1`,
    );
    // the inventory names eni-1235b8ca123456789 (the recording ENI); egress records from 10.0.0.62 get its owner
    expect(enriched).toEqual([{ src_instance: 'i-01234567890123456', src_name: 'web-1', src_vpc: 'vpc-abcdefab012345678', direction_class: 'egress-internet' }]);
  });

  it('accepts the EventBridge "Object Created" shape for the same object', async () => {
    const e = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/events/s3/eventbridge-object-created.json'), 'utf8'));
    e.detail.bucket.name = SRC_BUCKET;
    e.detail.object.key = encodeKey(KEY);
    const { handler } = await import('../../functions/flow-log-ingest/handler.ts');
    const before = (await listObjects(LAKE_BUCKET, 'flow_logs/')).length;
    const r = await handler(e, ctx);
    expect(r).toMatchObject({ files: 1, records: 8 });
    // a different etag identity (none in this event) names different objects: deterministic per source version
    expect((await listObjects(LAKE_BUCKET, 'flow_logs/')).length).toBe(before + 2);
  });

  it('throws (for retry / dead-letter) when the object is not a flow log, naming it', async () => {
    await s3Client().send(new PutObjectCommand({ Bucket: SRC_BUCKET, Key: 'AWSLogs/garbage.log.gz', Body: Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]) }));
    const { handler } = await import('../../functions/flow-log-ingest/handler.ts');
    await expect(handler(s3Event('AWSLogs/garbage.log.gz', 'x'), ctx)).rejects.toThrow('s3://flow-logs/AWSLogs/garbage.log.gz: truncated or corrupt gzip');
  });

  it('rejects an event of the wrong shape with a clear error', async () => {
    const { handler } = await import('../../functions/flow-log-ingest/handler.ts');
    await expect(handler({ hello: 'world' }, ctx)).rejects.toThrow(/not an S3 notification or EventBridge "Object Created" event/);
  });
});
