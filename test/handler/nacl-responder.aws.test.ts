/**
 * nacl-responder in AWS mode: EC2 and EventBridge control-plane calls through aws-sdk-client-mock (exact inputs
 * asserted), state and audit in a real S3-compatible server (s3rver on 127.0.0.1).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { run } from '../../functions/nacl-responder/handler.ts';
import { buildDeps } from '../../functions/nacl-responder/deps.ts';
import { respond } from '../../functions/nacl-responder/respond.ts';
import { loadConfig } from '../../shared/config/load.ts';
import { resetClients, s3Client } from '../../shared/aws/clients.ts';

const FIX = new URL('../fixtures/events/', import.meta.url).pathname;
const BUCKET = 'netwatch-lake-test';
const ec2 = mockClient(EC2Client);
const events = mockClient(EventBridgeClient);

let server: S3rver;
let s3dir: string;
let dir: string;

const local = (name: string) => readFile(join(FIX, 'findings/local', name), 'utf8').then((t) => JSON.parse(t));

function awsError(name: string): Error {
  return Object.assign(new Error(`${name} (mock)`), { name, $metadata: {} });
}

async function s3Json(key: string): Promise<unknown> {
  const r = await s3Client().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse(await r.Body!.transformToString());
}

async function auditLines(): Promise<Record<string, unknown>[]> {
  const list = await s3Client().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${process.env.LAKE_PREFIX}audit/nacl-responder/` }));
  const out: Record<string, unknown>[] = [];
  for (const o of list.Contents ?? []) {
    const r = await s3Client().send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key! }));
    out.push(...(await r.Body!.transformToString()).trim().split('\n').map((l) => JSON.parse(l)));
  }
  return out;
}

beforeAll(async () => {
  s3dir = await mkdtemp(join(tmpdir(), 'nw-s3rver-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const addr = (await server.run()) as AddressInfo;
  process.env.NETWATCH_S3_ENDPOINT = `http://127.0.0.1:${addr.port}`;
});

afterAll(async () => {
  await server.close();
  await rm(s3dir, { recursive: true, force: true });
  delete process.env.NETWATCH_S3_ENDPOINT;
});

beforeEach(async () => {
  resetClients();
  ec2.reset();
  events.reset();
  dir = await mkdtemp(join(tmpdir(), 'nw-responder-aws-'));
  // a fresh state key per test: a different lake prefix
  process.env.LAKE_BUCKET = BUCKET;
  process.env.LAKE_PREFIX = `${dir.split('/').pop()}/`;
  process.env.NETWATCH_LOCAL = '0';
  process.env.EVENT_BUS_NAME = 'netwatch';
  process.env.NETWATCH_CONFIG = join(dir, 'netwatch.config.yml');
  await writeFile(process.env.NETWATCH_CONFIG, 'responder: { enabled: true, dryRun: false, allowlist: [192.0.2.0/24], ttlMinutes: 60 }\n');
  const nacls = await local('nacls.json');
  ec2.on(DescribeNetworkAclsCommand).resolves(nacls);
  ec2.on(DescribeVpcsCommand).resolves(await local('vpcs.json'));
  const enis = (await local('eni.json')).NetworkInterfaces as { InterfaceType: string; Description?: string }[];
  ec2.on(DescribeNetworkInterfacesCommand, { Filters: [{ Name: 'interface-type', Values: ['nat_gateway', 'network_load_balancer', 'gateway_load_balancer', 'gateway_load_balancer_endpoint'] }] })
    .resolves({ NetworkInterfaces: enis.filter((e) => e.InterfaceType === 'nat_gateway') as never });
  ec2.on(DescribeNetworkInterfacesCommand, { Filters: [{ Name: 'description', Values: ['ELB *'] }] })
    .resolves({ NetworkInterfaces: enis.filter((e) => e.Description?.startsWith('ELB ')) as never });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'ev-1' }] });
});

afterEach(async () => {
  for (const k of ['LAKE_BUCKET', 'LAKE_PREFIX', 'NETWATCH_LOCAL', 'EVENT_BUS_NAME', 'NETWATCH_CONFIG']) delete process.env[k];
  await rm(dir, { recursive: true, force: true });
});

const finding = () => readFile(join(FIX, 'findings/egress-flood-outbound.json'), 'utf8').then((t) => JSON.parse(t));
const CREATE_1 = { NetworkAclId: 'acl-0a1b2c3d4e5f60001', RuleNumber: 1, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '203.0.113.7/32' };

describe('nacl-responder AWS mode', () => {
  it('re-reads the NACLs of the finding VPC, creates the deny, stores state, audits and notifies', async () => {
    // Prepare
    ec2.on(CreateNetworkAclEntryCommand).resolves({});
    const written: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((c) => (written.push(String(c)), true));
    // Act
    let summary;
    try {
      summary = await run(await finding());
    } finally {
      stdout.mockRestore();
    }
    // Assess
    expect(summary).toMatchObject({ kind: 'block', mode: 'aws', calls: 1 });
    // the dashboard metric: blocks in force after the run, as an EMF line
    expect(written.map((w) => JSON.parse(w)).find((m) => 'ActiveNaclBlocks' in m)).toMatchObject({ ActiveNaclBlocks: 1 });
    expect(ec2.commandCalls(DescribeNetworkAclsCommand).map((c) => c.args[0].input)).toEqual([{ Filters: [{ Name: 'vpc-id', Values: ['vpc-0123456789abcdef0'] }], NextToken: undefined }]);
    expect(ec2.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input)).toEqual([CREATE_1]);
    const state = (await s3Json(`${process.env.LAKE_PREFIX}state/nacl-responder.json`)) as { blocks: unknown[] };
    expect(state.blocks).toMatchObject([{ naclId: 'acl-0a1b2c3d4e5f60001', ruleNumber: 1, egress: true, cidr: '203.0.113.7/32' }]);
    const put = events.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect({ ...put, Detail: undefined }).toEqual({ EventBusName: 'netwatch', Source: 'netwatch.respond', DetailType: 'NetWatch Response', Detail: undefined });
    expect(JSON.parse(put.Detail!)).toMatchObject({ kind: 'nacl-block', mode: 'aws', actions: [{ call: 'CreateNetworkAclEntry', ruleNumber: 1, cidr: '203.0.113.7/32', direction: 'outbound' }], undo: ['netwatch nacl unblock 203.0.113.7/32'] });
    const audit = await auditLines();
    expect(audit.filter((a) => a.kind === 'action')).toMatchObject([{ input: CREATE_1, mode: 'aws' }]);
  });

  it('re-plans on NetworkAclEntryAlreadyExists: another writer took rule 1, we take rule 2', async () => {
    const nacls = await local('nacls.json');
    const raced = structuredClone(nacls);
    raced.NetworkAcls[0].Entries.push({ RuleNumber: 1, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '198.51.100.99/32' });
    ec2.on(DescribeNetworkAclsCommand).resolvesOnce(nacls).resolves(raced);
    ec2.on(CreateNetworkAclEntryCommand).rejectsOnce(awsError('NetworkAclEntryAlreadyExists')).resolves({});
    const summary = await run(await finding());
    expect(ec2.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input)).toEqual([CREATE_1, { ...CREATE_1, RuleNumber: 2 }]);
    expect(summary.calls).toBe(1);
    expect(ec2.commandCalls(DescribeNetworkAclsCommand)).toHaveLength(2);
  });

  it('records NetworkAclEntryLimitExceeded as a skipped block, not a failure', async () => {
    ec2.on(CreateNetworkAclEntryCommand).rejects(awsError('NetworkAclEntryLimitExceeded'));
    const summary = await run(await finding());
    expect(summary.calls).toBe(0);
    expect(summary.skipped).toEqual([{ code: 'nacl.quota_exceeded', cidr: '203.0.113.7/32', naclId: 'acl-0a1b2c3d4e5f60001' }]);
    const state = (await s3Json(`${process.env.LAKE_PREFIX}state/nacl-responder.json`)) as { blocks: unknown[] };
    expect(state.blocks).toEqual([]);
  });

  it('retries RequestLimitExceeded throttling with backoff, then succeeds', async () => {
    ec2.on(CreateNetworkAclEntryCommand).rejectsOnce(awsError('RequestLimitExceeded')).rejectsOnce(awsError('RequestLimitExceeded')).resolves({});
    const summary = await run(await finding());
    expect(summary.calls).toBe(1);
    expect(ec2.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input)).toEqual([CREATE_1, CREATE_1, CREATE_1]);
  });

  it('lets persistent throttling fail the invocation (Lambda retries, then the DLQ)', async () => {
    ec2.on(CreateNetworkAclEntryCommand).rejects(awsError('RequestLimitExceeded'));
    await expect(run(await finding())).rejects.toThrowError('RequestLimitExceeded (mock)');
    expect(ec2.commandCalls(CreateNetworkAclEntryCommand)).toHaveLength(5);
  });

  it('dry-run passes DryRun: true, treats DryRunOperation as allowed and stores nothing', async () => {
    await writeFile(process.env.NETWATCH_CONFIG!, 'responder: { enabled: true, dryRun: true, ttlMinutes: 60 }\n');
    ec2.on(CreateNetworkAclEntryCommand).rejects(awsError('DryRunOperation'));
    const summary = await run(await finding());
    expect(summary).toMatchObject({ mode: 'dry-run', calls: 1 });
    expect(ec2.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input)).toEqual([{ ...CREATE_1, DryRun: true }]);
    await expect(s3Json(`${process.env.LAKE_PREFIX}state/nacl-responder.json`)).rejects.toThrow();
    expect(JSON.parse(events.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.Detail!)).toMatchObject({ mode: 'dry-run' });
  });

  it('dry-run without permission fails with PermissionError', async () => {
    await writeFile(process.env.NETWATCH_CONFIG!, 'responder: { enabled: true, dryRun: true }\n');
    ec2.on(CreateNetworkAclEntryCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(run(await finding())).rejects.toThrowError('CreateNetworkAclEntry on acl-0a1b2c3d4e5f60001: not authorised');
  });

  it('a sweep that may no longer touch a NACL (tag removed) reports it, keeps the record and goes on', async () => {
    ec2.on(CreateNetworkAclEntryCommand).resolves({});
    await run(await finding());
    const withOurs = await local('nacls.json');
    withOurs.NetworkAcls[0].Entries.push({ RuleNumber: 1, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '203.0.113.7/32' });
    ec2.on(DescribeNetworkAclsCommand).resolves(withOurs);
    ec2.on(DeleteNetworkAclEntryCommand).rejects(awsError('UnauthorizedOperation'));
    events.resetHistory();
    const cfg = await loadConfig(process.env.NETWATCH_CONFIG!);
    const built = buildDeps(cfg, process.env.NETWATCH_CONFIG!, { local: false, now: () => new Date(Date.now() + 2 * 3600_000) });
    const o = await respond({ kind: 'sweep' }, cfg, built.deps);
    expect(o.skipped.map((s) => [s.code, s.cidr])).toEqual([['nacl.not_authorised', '203.0.113.7/32']]);
    const state = (await s3Json(`${process.env.LAKE_PREFIX}state/nacl-responder.json`)) as { blocks: unknown[] };
    expect(state.blocks).toHaveLength(1);
    // the foreign entry in the band is new drift, so this sweep notifies once
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('the scheduled sweep deletes the expired entry it owns (after re-reading the NACL)', async () => {
    ec2.on(CreateNetworkAclEntryCommand).resolves({});
    ec2.on(DeleteNetworkAclEntryCommand).resolves({});
    await run(await finding());
    const withOurs = await local('nacls.json');
    withOurs.NetworkAcls[0].Entries.push({ RuleNumber: 1, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '203.0.113.7/32' });
    ec2.on(DescribeNetworkAclsCommand).resolves(withOurs);
    const cfg = await loadConfig(process.env.NETWATCH_CONFIG!);
    const later = new Date(Date.now() + 2 * 3600_000);
    const built = buildDeps(cfg, process.env.NETWATCH_CONFIG!, { local: false, now: () => later });
    const o = await respond({ kind: 'sweep' }, cfg, built.deps);
    expect(ec2.commandCalls(DeleteNetworkAclEntryCommand).map((c) => c.args[0].input)).toEqual([{ NetworkAclId: 'acl-0a1b2c3d4e5f60001', RuleNumber: 1, Egress: true }]);
    expect(o.drift.map((d) => d.code)).toEqual(['band.unknown_entry']);
    const state = (await s3Json(`${process.env.LAKE_PREFIX}state/nacl-responder.json`)) as { blocks: unknown[] };
    expect(state.blocks).toEqual([]);
  });
});
