/**
 * The local demo of the main job (README's first command). Everything real, nothing mocked: a local S3-compatible
 * server, the flow-log-ingest Lambda handler receiving real S3 event shapes, the Parquet lake, the streaming
 * detections, and the analyst SQL run by DuckDB over the lake.
 */
import { readFile } from 'node:fs/promises';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { resetClients, s3Client } from '../aws/clients.ts';
import { startLocalS3 } from '../aws/local-s3.ts';
import { listObjects } from '../aws/s3.ts';
import { renderNamedQuery } from '../athena/index.ts';
import { resetRuntimeConfig } from '../config/runtime.ts';
import { logger } from '../middleware.ts';
import { DEMO_EVENTS } from '../../cli/commands/notify.ts';
import { eventBridgeEvent, localContext, s3ObjectCreatedEvent } from '../local/router.ts';
import type { IngestSummary } from '../flowlog/pipeline.ts';
import { demoInventory, demoNetworkAcls, demoObjects, demoVpcs, DEMO_ACCOUNT, DEMO_REGION } from './samples.ts';
import { startWebhookSink, type WebhookSink } from '../notify/sink.ts';
import { FINDING_DETAIL_TYPE, FINDING_SOURCE } from '../respond/finding.ts';

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
  let sink: WebhookSink | undefined;
  try {
    const inventory = join(dir, 'eni.json');
    await io.writeFile(inventory, JSON.stringify(demoInventory(), null, 2));
    await io.writeFile(join(dir, 'nacls.json'), JSON.stringify(demoNetworkAcls(), null, 2));
    await io.writeFile(join(dir, 'vpcs.json'), JSON.stringify(demoVpcs(), null, 2));
    // chat channels are real HTTP to a local sink that prints what it received and checks DingTalk signatures
    const dingSecret = 'SECdemo0000000000000000000000000000000000000000000000000000000000';
    const lines: string[] = [];
    sink = await startWebhookSink({ print: (l) => lines.push(l), secrets: { dingtalk: dingSecret } });
    const config = join(dir, 'netwatch.config.yml');
    await io.writeFile(
      config,
      [
        '# written by `netwatch demo`: every piece in local mode',
        'channels:',
        `  ops-slack: { type: slack, webhookUrl: "${sink.url('/slack/services/T000/B000/DEMO')}" }`,
        `  ops-ding:  { type: dingtalk, webhookUrl: "${sink.url('/dingtalk/robot/send?access_token=demo')}", secret: ${dingSecret} }`,
        'routes:',
        '  - match: { severity: [critical, high] }',
        '    channels: [ops-slack, ops-ding]',
        '  - match: {}',
        '    channels: [ops-slack]',
        'responder: { enabled: true, dryRun: false, allowlist: [10.0.0.0/8], ruleBand: [1, 90], maxBlocks: 15, ttlMinutes: 720, minSeverity: medium }',
        // absolute paths: every function resolves them the same way whatever the working directory
        `local: { networkAcls: "${join(dir, 'nacls.json')}", inventory: "${inventory}", vpcs: "${join(dir, 'vpcs.json')}", stateDir: "${join(dir, 'state')}" }`,
        '',
      ].join('\n'),
    );
    Object.assign(process.env, {
      NETWATCH_S3_ENDPOINT: s3.endpoint,
      LAKE_BUCKET,
      LAKE_PREFIX: '',
      NETWATCH_LOCAL: '1',
      NETWATCH_INVENTORY_FILE: inventory,
      NETWATCH_CONFIG: config,
      AWS_REGION: DEMO_REGION,
    });
    delete process.env.NETWATCH_CONFIG_JSON;
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

    // the findings travel as EventBridge events, exactly as the netwatch bus delivers them
    const events = findings.map((f) => eventBridgeEvent(FINDING_SOURCE, FINDING_DETAIL_TYPE, f, { account: DEMO_ACCOUNT, region: DEMO_REGION }));

    h('alarm-notify: the findings, as chat messages (local webhook sink)');
    const { run: alarmNotify } = await import('../../functions/alarm-notify/handler.ts');
    const tally = { sent: 0, duplicates: 0, noRoute: 0 };
    for (const e of events) {
      const r = await alarmNotify(e);
      tally.sent += r.sent;
      tally.duplicates += r.duplicates;
      tally.noRoute += r.noRoute;
    }
    for (const l of lines.splice(0)) out(l.endsWith('\n') ? l : `${l}\n`);
    out(`alarm-notify: ${tally.sent} message(s) sent, ${tally.duplicates} duplicate(s), ${tally.noRoute} without a route\n`);

    h('nacl-responder: the exact EC2 calls it would make (local plan, one JSON object a line)');
    const { handler: responder } = await import('../../functions/nacl-responder/handler.ts');
    const planned = await captureStdout(async () => {
      for (const e of events) await responder(e, localContext('nacl-responder'));
    });
    out(planned || '(nothing to do)\n');
    const again = await captureStdout(async () => {
      for (const e of events) await responder(e, localContext('nacl-responder'));
    });
    out(`same findings again: ${again.trim() ? again : 'no calls (state in state/ remembers the blocks)'}\n`);

    h('alarm-notify: what the responder did, as chat messages');
    // locally the bus is the audit log: the responder appended its "NetWatch Response" events there
    const audit = (await readFile(join(dir, 'state', 'events.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { 'detail-type'?: string });
    for (const e of audit.filter((x) => x['detail-type'] === 'NetWatch Response')) await alarmNotify(e);
    for (const l of lines.splice(0)) out(l.endsWith('\n') ? l : `${l}\n`);

    h('alarm-notify and cloudtrail-watch: a VPN tunnel alarm and a security group opened to the world');
    const { run: cloudTrailWatch } = await import('../../functions/cloudtrail-watch/handler.ts');
    const alarm = JSON.parse(await readFile(DEMO_EVENTS.alarm, 'utf8')) as unknown;
    const change = JSON.parse(await readFile(DEMO_EVENTS.cloudtrail, 'utf8')) as unknown;
    for (let round = 1; round <= 2; round++) {
      const a = await alarmNotify(alarm);
      const c = await cloudTrailWatch(change);
      for (const l of lines.splice(0)) out(l.endsWith('\n') ? l : `${l}\n`);
      out(`round ${round}: alarm sent ${a.sent}, duplicates ${a.duplicates}; CloudTrail sent ${c.sent}, duplicates ${c.duplicates}\n`);
    }

    for (const [name, title] of [
      ['top-talkers', 'top talkers'],
      ['rejects-by-source', 'rejected flows by source'],
      ['rejected-ssh-by-source', 'rejected SSH by source'],
      ['bytes-by-instance', 'bytes by instance'],
    ] as const) {
      h(`${title} — netwatch query ${name} (DuckDB over ${lakeDir}; the same SQL runs on Athena)`);
      out(`${await renderNamedQuery(name, { lake: lakeDir })}\n`);
    }
    return { summaries };
  } finally {
    await sink?.close();
    await s3.close();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    resetClients();
    resetRuntimeConfig();
  }
}

/**
 * Runs fn and returns what it wrote to stdout (the responder's plan lines), without printing it; its stderr
 * summaries are dropped (the demo prints its own).
 */
async function captureStdout(fn: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
  return chunks.join('');
}
