/**
 * flow-log-ingest in AWS mode: the ENI inventory comes from EC2 (paginated DescribeNetworkInterfaces, batched
 * DescribeInstances), findings go to EventBridge with PutEvents, metrics are EMF lines. EC2 and EventBridge have
 * no local server, so they are aws-sdk-client-mock'ed with exact inputs asserted; S3 is a real local server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeInstancesCommand, DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetClients, s3Client } from '../../shared/aws/clients.ts';
import { clearInventoryCache } from '../../shared/aws/ec2-inventory.ts';
import { startLocalS3, type LocalS3 } from '../../shared/aws/local-s3.ts';
import { resetRuntimeConfig } from '../../shared/config/runtime.ts';
import { demoInventory, demoObjects } from '../../shared/demo/samples.ts';
import { localContext, s3ObjectCreatedEvent } from '../../shared/local/router.ts';

let s3: LocalS3;
let dir: string;
const ec2 = mockClient(EC2Client);
const events = mockClient(EventBridgeClient);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nw-aws-'));
  s3 = await startLocalS3({ buckets: ['flow', 'lake'], directory: dir });
  Object.assign(process.env, { NETWATCH_S3_ENDPOINT: s3.endpoint, LAKE_BUCKET: 'lake', EVENT_BUS_NAME: 'netwatch', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
  delete process.env.NETWATCH_LOCAL;
  delete process.env.NETWATCH_INVENTORY_FILE;
  process.env.NETWATCH_CONFIG_JSON = '{}';
  resetClients();
  resetRuntimeConfig();
  clearInventoryCache();
});

afterAll(async () => {
  await s3.close();
  for (const k of ['NETWATCH_S3_ENDPOINT', 'LAKE_BUCKET', 'EVENT_BUS_NAME', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'NETWATCH_CONFIG_JSON']) delete process.env[k];
  ec2.restore();
  events.restore();
  resetClients();
  resetRuntimeConfig();
  rmSync(dir, { recursive: true, force: true });
});

describe('flow-log-ingest handler, AWS mode', () => {
  it('enriches from EC2, publishes findings with PutEvents and emits EMF metrics', async () => {
    // Prepare: the inventory split over two DescribeNetworkInterfaces pages
    const inv = demoInventory();
    const [first, ...rest] = inv.NetworkInterfaces!;
    ec2
      .on(DescribeNetworkInterfacesCommand, { MaxResults: 1000 })
      .resolves({ NetworkInterfaces: [first!] as never, NextToken: 'page2' })
      .on(DescribeNetworkInterfacesCommand, { MaxResults: 1000, NextToken: 'page2' })
      .resolves({ NetworkInterfaces: rest as never })
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: inv.Reservations as never });
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const obj = demoObjects()[0]!; // the v2 object: port scan + SSH brute force
    await s3Client().send(new PutObjectCommand({ Bucket: 'flow', Key: obj.key, Body: obj.body }));
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const { handler } = await import('../../functions/flow-log-ingest/handler.ts');

    // Act
    let r;
    let written: string[];
    try {
      r = await handler(s3ObjectCreatedEvent('flow', obj.key), localContext('flow-log-ingest'));
    } finally {
      written = stdout.mock.calls.map((c) => String(c[0]));
      stdout.mockRestore();
    }

    // Assess: EC2 was asked exactly as designed
    // (the SDK paginator reuses one input object, so the first recorded call also shows the later NextToken)
    const pages = ec2.commandCalls(DescribeNetworkInterfacesCommand).map((c) => c.args[0].input);
    expect(pages).toHaveLength(2);
    expect(pages.every((p) => p.MaxResults === 1000)).toBe(true);
    expect(pages[1]).toEqual({ MaxResults: 1000, NextToken: 'page2' });
    expect(ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: ['i-0web00000000000001', 'i-0db000000000000002'] }]);
    // findings: one PutEvents call carrying every finding, on the netwatch bus
    expect(r.findings.map((f: { type: string }) => f.type).sort()).toEqual(['port-scan', 'ssh-brute-force']);
    const put = events.commandCalls(PutEventsCommand).map((c) => c.args[0].input);
    expect(put).toHaveLength(1);
    expect(put[0]!.Entries).toEqual(
      r.findings.map((f: unknown) => ({ EventBusName: 'netwatch', Source: 'netwatch.detect', DetailType: 'NetWatch Finding', Detail: JSON.stringify(f) })),
    );
    // EMF: records, lag, findings by type
    const emf = written.flatMap((w) => w.trim().split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
    expect(emf.find((m) => 'FlowLogRecords' in m)?.FlowLogRecords).toBe(obj.lines);
    expect(emf.find((m) => 'IngestLagSeconds' in m)?.IngestLagSeconds).toBeGreaterThan(0);
    expect(emf.filter((m) => 'Findings' in m).map((m) => [m.Type, m.Findings]).sort()).toEqual([['port-scan', 1], ['ssh-brute-force', 1]]);
    // the lake rows carry the EC2 inventory: web-1's name tag on the scan target
    expect(r.records).toBe(obj.lines);
  });

  it('fails the invocation when EventBridge rejects an entry (the finding is not silently lost)', async () => {
    events.reset();
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    const obj = demoObjects()[0]!;
    const { handler } = await import('../../functions/flow-log-ingest/handler.ts');
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await expect(handler(s3ObjectCreatedEvent('flow', obj.key), localContext('flow-log-ingest'))).rejects.toThrow(/PutEvents: 1 of 2 events failed \(InternalFailure: try again\)/);
    } finally {
      stdout.mockRestore();
    }
  });
});
