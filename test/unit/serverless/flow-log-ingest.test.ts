/**
 * The packaged CloudFormation for flow-log-ingest (npm run package, offline): runtime, own least-privilege role,
 * S3 trigger on the AWSLogs/ prefix, on-failure destination; and the packaged zip itself runs (bundle smoke test).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { resetClients, s3Client } from '../../../shared/aws/clients.ts';
import { startLocalS3 } from '../../../shared/aws/local-s3.ts';
import { localContext, s3ObjectCreatedEvent } from '../../../shared/local/router.ts';
import { CORPUS } from '../../helpers/flowlog.ts';
import { packagedTemplate, ROOT } from '../../helpers/package.ts';
import { decodeIngestEvent } from '../../../functions/flow-log-ingest/events.ts';

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown };

describe('flow-log-ingest in the packaged template', () => {
  const t = packagedTemplate();
  const fn = t.Resources.FlowDashlogDashingestLambdaFunction!;

  it('runs nodejs22.x with its own role', () => {
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Role: { 'Fn::GetAtt': ['FlowLogIngestRole', 'Arn'] } });
  });

  it('is triggered by ObjectCreated on the flow-log bucket under AWSLogs/', () => {
    const trigger = Object.values(t.Resources).find((r) => r.Type === 'Custom::S3' && JSON.stringify(r.Properties).includes('flow-log-ingest'));
    expect(JSON.stringify(trigger?.Properties)).toContain('"Prefix":"AWSLogs/"');
    expect(JSON.stringify(trigger?.Properties)).toContain('s3:ObjectCreated:*');
  });

  it('with flowLogTrigger=eventbridge, is triggered by a rule that matches S3 "Object Created" events of the bucket and prefix instead', () => {
    const r = spawnSync(
      join(ROOT, 'node_modules/.bin/osls'),
      ['print', '--stage', 'dev', '--region', 'us-east-1', '--param=flowLogTrigger=eventbridge', '--param=flowLogBucket=my-logs', '--path', 'functions.flow-log-ingest.events', '--format', 'json'],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const events = JSON.parse(r.stdout) as { eventBridge?: { pattern: Record<string, unknown> }; s3?: unknown }[];
    expect(events).toHaveLength(1);
    expect(events[0]!.s3).toBeUndefined();
    const pattern = events[0]!.eventBridge!.pattern as { source: string[]; 'detail-type': string[]; detail: { bucket: { name: string[] }; object: { key: { prefix: string }[] } } };
    // the rule matches the event S3 sends for a delivered flow-log object (and the handler decodes that event)
    const sample = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/events/s3/eventbridge-object-created.json'), 'utf8'));
    sample.detail.bucket.name = 'my-logs';
    sample.detail.object.key = 'AWSLogs/123456789010/vpcflowlogs/us-east-1/2021/03/26/x.log.gz';
    expect(pattern.source).toContain(sample.source);
    expect(pattern['detail-type']).toContain(sample['detail-type']);
    expect(pattern.detail.bucket.name).toEqual([sample.detail.bucket.name]);
    expect(sample.detail.object.key.startsWith(pattern.detail.object.key[0]!.prefix)).toBe(true);
    expect(decodeIngestEvent(sample).objects).toEqual([expect.objectContaining({ bucket: 'my-logs', key: sample.detail.object.key })]);
  });

  it('refuses an unknown trigger name when packaging', () => {
    const r = spawnSync(
      join(ROOT, 'node_modules/.bin/osls'),
      ['print', '--stage', 'dev', '--region', 'us-east-1', '--param=flowLogTrigger=sqs', '--path', 'functions.flow-log-ingest.events'],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/flow-log-ingest\.events/);
  });

  it('sends failed async invocations to its dead-letter queue', () => {
    const conf = t.Resources.FlowDashlogDashingestLambdaEvConf!;
    expect(conf.Properties).toMatchObject({ DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FlowLogIngestDLQ', 'Arn'] } } } });
  });

  it('has no wildcard resource on any mutating action', () => {
    const role = t.Resources.FlowLogIngestRole!.Properties as { Policies: { PolicyDocument: { Statement: Statement[] } }[] };
    const statements = role.Policies.flatMap((p) => p.PolicyDocument.Statement);
    for (const s of statements) {
      const actions = [s.Action].flat();
      const readOnly = actions.every((a) => /^(ec2:Describe|s3:Get|s3:List)/.test(a));
      if (!readOnly) expect(s.Resource, s.Sid).not.toBe('*');
    }
    const write = statements.find((s) => s.Sid === 'WriteLake')!;
    expect(JSON.stringify(write.Resource)).toContain('flow_logs/*');
  });

  it('the packaged zip loads and ingests an object end to end', async () => {
    // Prepare: unpack the function zip inside the repo so the runtime-provided AWS SDK resolves from node_modules
    const dir = mkdtempSync(join(ROOT, '.serverless', 'smoke-'));
    const s3 = await startLocalS3({ buckets: ['src', 'lake'], directory: join(dir, 's3') });
    const env = { ...process.env };
    try {
      const unzip = spawnSync('unzip', ['-q', join(ROOT, '.serverless/flow-log-ingest.zip'), '-d', join(dir, 'fn')], { encoding: 'utf8' });
      expect(unzip.status, unzip.stderr).toBe(0);
      Object.assign(process.env, {
        NETWATCH_S3_ENDPOINT: s3.endpoint,
        LAKE_BUCKET: 'lake',
        NETWATCH_LOCAL: '1',
        NETWATCH_INVENTORY_FILE: join(ROOT, 'test/fixtures/inventory/eni.json'),
        NETWATCH_CONFIG_JSON: JSON.stringify({ local: { stateDir: join(dir, 'state') } }),
      });
      resetClients();
      const key = 'AWSLogs/123456789010/vpcflowlogs/us-east-1/2021/03/26/x.log.gz';
      await s3Client().send(new PutObjectCommand({ Bucket: 'src', Key: key, Body: readFileSync(join(CORPUS, 'vpcflow/aws-docs/v5-custom-service-path-direction.log.gz')) }));
      const mod = await import(pathToFileURL(join(dir, 'fn/functions/flow-log-ingest/handler.mjs')).href);
      // Act
      const r = await mod.handler(s3ObjectCreatedEvent('src', key), localContext('flow-log-ingest'));
      // Assess
      expect(r).toMatchObject({ files: 1, records: 2, malformed: 0 });
      expect(r.outputs[0]).toMatch(/^s3:\/\/lake\/flow_logs\/account_id=123456789012\/region=ap-southeast-2\/dt=2021-03-26\/hour=03\//);
    } finally {
      await s3.close();
      for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];
      resetClients();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
