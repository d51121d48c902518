/**
 * The local demo of the main job (README's first command). Everything real, nothing mocked: a local S3-compatible
 * server, the flow-log-ingest Lambda handler receiving real S3 event shapes, the Parquet lake, the streaming
 * detections, and the analyst SQL run by DuckDB over the lake.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { resetClients, s3Client } from '../aws/clients.ts';
import { startLocalS3 } from '../aws/local-s3.ts';
import { listObjects } from '../aws/s3.ts';
import { renderNamedQuery } from '../athena/index.ts';
import { resetRuntimeConfig } from '../config/runtime.ts';
import { logger } from '../middleware.ts';
import { localContext, s3ObjectCreatedEvent } from '../local/router.ts';
import type { IngestSummary } from '../flowlog/pipeline.ts';
import { demoInventory, demoObjects, DEMO_REGION } from './samples.ts';

export interface DemoIo {
  dir: string;
  out: (s: string) => void;
  writeFile: (path: string, body: Uint8Array | string) => Promise<unknown>;
  join: (...p: string[]) => string;
}

const FLOW_BUCKET = 'demo-flow-logs';
const LAKE_BUCKET = 'demo-lake';

export async function runDemo(io: DemoIo): Promise<{ summaries: IngestSummary[] }> {
  const { dir, out, join } = io;
  const h = (title: string) => out(`\n== ${title}\n`);
  const s3 = await startLocalS3({ buckets: [FLOW_BUCKET, LAKE_BUCKET], directory: join(dir, 's3') });
  const saved = { ...process.env };
  try {
    const inventory = join(dir, 'eni.json');
    await io.writeFile(inventory, JSON.stringify(demoInventory(), null, 2));
    Object.assign(process.env, {
      NETWATCH_S3_ENDPOINT: s3.endpoint,
      LAKE_BUCKET,
      LAKE_PREFIX: '',
      NETWATCH_LOCAL: '1',
      NETWATCH_INVENTORY_FILE: inventory,
      NETWATCH_CONFIG_JSON: JSON.stringify({ local: { stateDir: join(dir, 'state'), inventory } }),
      AWS_REGION: DEMO_REGION,
    });
    resetClients();
    resetRuntimeConfig();
    // the demo prints its own summary; keep the handlers' structured logs for warnings
    logger.setLogLevel('WARN');
    const { handler } = await import('../../functions/flow-log-ingest/handler.ts');

    h(`local S3 at ${s3.endpoint}: VPC Flow Logs deliver ${demoObjects().length} objects`);
    const summaries: IngestSummary[] = [];
    for (const o of demoObjects()) {
      const put = await s3Client().send(new PutObjectCommand({ Bucket: FLOW_BUCKET, Key: o.key, Body: o.body }));
      out(`put s3://${FLOW_BUCKET}/${o.key} (${o.lines} records, ${o.body.length} bytes gzip)\n`);
      // the S3 notification, exactly as S3 would send it, goes to the same handler Lambda runs
      const event = s3ObjectCreatedEvent(FLOW_BUCKET, o.key, { etag: put.ETag?.replace(/"/g, ''), size: o.body.length, region: DEMO_REGION });
      summaries.push((await handler(event, localContext('flow-log-ingest'))) as IngestSummary);
    }

    h('flow-log-ingest');
    for (const s of summaries) {
      out(`records ${s.records} (NODATA ${s.nodata}, SKIPDATA ${s.skipdata}), malformed ${s.malformed}, Parquet objects ${s.outputs.length}\n`);
      for (const o of s.outputs) out(`  ${o}\n`);
    }

    // the lake lives in the local S3 server; DuckDB reads local files, so copy it down like an analyst would
    const lakeDir = join(dir, 'lake');
    for (const o of await listObjects(LAKE_BUCKET, 'flow_logs/')) {
      const r = await s3Client().send(new GetObjectCommand({ Bucket: LAKE_BUCKET, Key: o.key }));
      await io.writeFile(join(lakeDir, o.key), await r.Body!.transformToByteArray());
    }

    h('findings published to the netwatch bus (local audit log: state/events.jsonl)');
    const findings = summaries.flatMap((s) => s.findings);
    if (findings.length === 0) out('none\n');
    for (const f of findings) {
      const who = f.subject.srcaddr ?? f.subject.instance_id ?? '?';
      out(`[${f.severity}] ${f.type}: ${who}${f.subject.dstaddr ? ` → ${f.subject.dstaddr}` : ''}  window ${f.window.start}..${f.window.end}${f.recommended ? `  recommend ${f.recommended.action} ${f.recommended.cidr} (${f.recommended.direction})` : ''}\n`);
    }

    h(`top talkers (DuckDB over ${lakeDir})`);
    out(`${await renderNamedQuery('top-talkers', { lake: lakeDir })}\n`);
    return { summaries };
  } finally {
    await s3.close();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    resetClients();
    resetRuntimeConfig();
  }
}
