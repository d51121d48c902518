/** mirror-manager in AWS mode: EC2 control plane via aws-sdk-client-mock (exact inputs), VNI map in s3rver. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateTrafficMirrorFilterCommand,
  CreateTrafficMirrorFilterRuleCommand,
  DeleteTrafficMirrorFilterRuleCommand,
  DescribeTrafficMirrorFiltersCommand,
  CreateTrafficMirrorSessionCommand,
  DeleteTrafficMirrorSessionCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  DescribeTrafficMirrorSessionsCommand,
  DescribeTrafficMirrorTargetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { run } from '../../functions/mirror-manager/handler.ts';
import { clearHypervisorCache } from '../../shared/aws/ec2-mirror.ts';
import { resetClients, s3Client } from '../../shared/aws/clients.ts';
import { parseVniMap } from '../../shared/packet/vni-map.ts';

const FIX = new URL('../fixtures/events/workload/', import.meta.url).pathname;
const BUCKET = 'netwatch-mirror-test';
const ec2 = mockClient(EC2Client);
let server: S3rver;
let s3dir: string;
let dir: string;
const local = async (n: string) => JSON.parse(await readFile(join(FIX, 'local', n), 'utf8'));
const awsError = (name: string) => Object.assign(new Error(`${name} (mock)`), { name, $metadata: {} });

beforeAll(async () => {
  s3dir = await mkdtemp(join(tmpdir(), 'nw-s3rver-m-'));
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
  clearHypervisorCache();
  ec2.reset();
  dir = await mkdtemp(join(tmpdir(), 'nw-mirror-aws-'));
  Object.assign(process.env, { LAKE_BUCKET: BUCKET, LAKE_PREFIX: `${dir.split('/').pop()}/`, NETWATCH_LOCAL: '0', NETWATCH_CONFIG: join(dir, 'netwatch.config.yml'), MIRROR_TARGET_ID: 'tmt-0sensor0000000001', MIRROR_FILTER_ID: 'tmf-0internet00000001' });
  await writeFile(process.env.NETWATCH_CONFIG!, 'mirroring: { selectTag: netwatch:mirror }\n');
  ec2.on(DescribeNetworkInterfacesCommand).resolves(await local('eni.json'));
  ec2.on(DescribeInstancesCommand).resolves(await local('instances.json'));
  ec2.on(DescribeSubnetsCommand).resolves(await local('subnets.json'));
  ec2.on(DescribeVpcsCommand).resolves(await local('vpcs.json'));
  ec2.on(DescribeTrafficMirrorSessionsCommand).resolves(await local('mirror-sessions.json'));
  ec2.on(DescribeInstanceTypesCommand).resolves(await local('instance-types.json'));
  ec2.on(DescribeTrafficMirrorTargetsCommand).resolves({ TrafficMirrorTargets: [{ TrafficMirrorTargetId: 'tmt-0sensor0000000001', NetworkLoadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/sensor/1' }] });
  ec2.on(CreateTrafficMirrorSessionCommand).callsFake((input: { NetworkInterfaceId: string }) => ({ TrafficMirrorSession: { TrafficMirrorSessionId: `tms-new-${input.NetworkInterfaceId.slice(-4)}` } }));
  ec2.on(DeleteTrafficMirrorSessionCommand).resolves({ TrafficMirrorSessionId: 'tms-0gone000000000001' });
});

afterEach(async () => {
  for (const k of ['LAKE_BUCKET', 'LAKE_PREFIX', 'NETWATCH_LOCAL', 'NETWATCH_CONFIG', 'MIRROR_TARGET_ID', 'MIRROR_FILTER_ID']) delete process.env[k];
  await rm(dir, { recursive: true, force: true });
});

const event = async () => JSON.parse(await readFile(join(FIX, 'run-instances.json'), 'utf8'));

describe('mirror-manager AWS mode', () => {
  it('sends the exact session calls, checks Nitro once per type (cached), and publishes the VNI map to S3', async () => {
    const s = await run(await event());
    expect(ec2.commandCalls(DeleteTrafficMirrorSessionCommand).map((c) => c.args[0].input)).toEqual([{ TrafficMirrorSessionId: 'tms-0gone000000000001' }]);
    const creates = ec2.commandCalls(CreateTrafficMirrorSessionCommand).map((c) => c.args[0].input);
    expect(creates.map((c) => [c.NetworkInterfaceId, c.SessionNumber, c.TrafficMirrorTargetId, c.TrafficMirrorFilterId, c.PacketLength])).toEqual([
      ['eni-0web00000000000000', 1, 'tmt-0sensor0000000001', 'tmf-0internet00000001', undefined],
      ['eni-0web00000000000001', 10, 'tmt-0sensor0000000001', 'tmf-0internet00000001', undefined],
    ]);
    expect(creates[0]?.TagSpecifications).toEqual([{ ResourceType: 'traffic-mirror-session', Tags: [{ Key: 'netwatch:managed', Value: 'mirror-manager' }, { Key: 'netwatch:source-eni', Value: 'eni-0web00000000000000' }, { Key: 'netwatch:instance-id', Value: 'i-0web0000000000001' }] }]);
    expect(ec2.commandCalls(DescribeInstanceTypesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceTypes: ['c5.xlarge', 'c6gn.large', 'm5.large', 't2.medium'] }]);
    expect(ec2.commandCalls(DescribeTrafficMirrorTargetsCommand).map((c) => c.args[0].input)).toEqual([{ TrafficMirrorTargetIds: ['tmt-0sensor0000000001'] }]);
    const obj = await s3Client().send(new GetObjectCommand({ Bucket: BUCKET, Key: `${process.env.LAKE_PREFIX}mirror/vni-map.json` }));
    const map = parseVniMap(JSON.parse(await obj.Body!.transformToString()));
    expect([...map.values()].map((m) => m.session_id).sort()).toEqual(['tms-new-0000', 'tms-new-0001']);
    expect(s).toMatchObject({ mode: 'aws', mapChanged: true, mapSessions: 2 });

    // second run against the updated world: nothing to do, map not rewritten, instance types not asked again
    const after = await local('mirror-sessions.json');
    after.TrafficMirrorSessions = [
      after.TrafficMirrorSessions[1],
      ...creates.map((c) => ({ TrafficMirrorSessionId: `tms-new-${c.NetworkInterfaceId!.slice(-4)}`, NetworkInterfaceId: c.NetworkInterfaceId, TrafficMirrorTargetId: c.TrafficMirrorTargetId, TrafficMirrorFilterId: c.TrafficMirrorFilterId, SessionNumber: c.SessionNumber, VirtualNetworkId: c.VirtualNetworkId, Tags: c.TagSpecifications![0]!.Tags })),
    ];
    ec2.on(DescribeTrafficMirrorSessionsCommand).resolves(after);
    const again = await run({ action: 'reconcile' });
    expect(again).toMatchObject({ calls: [], mapChanged: false });
    expect(ec2.commandCalls(DescribeInstanceTypesCommand)).toHaveLength(1);
  });

  it('treats a session AWS already removed as deleted, and retries throttled creates', async () => {
    ec2.on(DeleteTrafficMirrorSessionCommand).rejects(awsError('InvalidTrafficMirrorSessionId.NotFound'));
    ec2.on(CreateTrafficMirrorSessionCommand)
      .rejectsOnce(awsError('RequestLimitExceeded'))
      .callsFake((input: { NetworkInterfaceId: string }) => ({ TrafficMirrorSession: { TrafficMirrorSessionId: `tms-r-${input.NetworkInterfaceId.slice(-4)}` } }));
    const s = await run(await event());
    expect(s.calls.map((c) => c.call)).toEqual(['DeleteTrafficMirrorSession', 'CreateTrafficMirrorSession', 'CreateTrafficMirrorSession']);
    expect(ec2.commandCalls(CreateTrafficMirrorSessionCommand)).toHaveLength(3);
  });

  it('without a filter id, finds its own preset filter and corrects its rules before creating sessions with it', async () => {
    delete process.env.MIRROR_FILTER_ID;
    ec2.on(DescribeTrafficMirrorFiltersCommand).resolves({
      TrafficMirrorFilters: [
        { TrafficMirrorFilterId: 'tmf-0someoneelse', Tags: [], IngressFilterRules: [], EgressFilterRules: [] },
        {
          TrafficMirrorFilterId: 'tmf-0ours',
          Tags: [{ Key: 'netwatch:managed', Value: 'mirror-manager' }, { Key: 'netwatch:filter-preset', Value: 'internet-only' }],
          IngressFilterRules: [
            { TrafficMirrorFilterRuleId: 'tmfr-stale', TrafficMirrorFilterId: 'tmf-0ours', TrafficDirection: 'ingress', RuleNumber: 10, RuleAction: 'reject', SourceCidrBlock: '172.16.0.0/12', DestinationCidrBlock: '0.0.0.0/0' },
            { TrafficMirrorFilterRuleId: 'tmfr-a4', TrafficMirrorFilterId: 'tmf-0ours', TrafficDirection: 'ingress', RuleNumber: 100, RuleAction: 'accept', SourceCidrBlock: '0.0.0.0/0', DestinationCidrBlock: '0.0.0.0/0' },
            { TrafficMirrorFilterRuleId: 'tmfr-a6', TrafficMirrorFilterId: 'tmf-0ours', TrafficDirection: 'ingress', RuleNumber: 101, RuleAction: 'accept', SourceCidrBlock: '::/0', DestinationCidrBlock: '::/0' },
          ],
          EgressFilterRules: [
            { TrafficMirrorFilterRuleId: 'tmfr-e10', TrafficMirrorFilterId: 'tmf-0ours', TrafficDirection: 'egress', RuleNumber: 10, RuleAction: 'reject', SourceCidrBlock: '0.0.0.0/0', DestinationCidrBlock: '10.20.0.0/16' },
            { TrafficMirrorFilterRuleId: 'tmfr-e4', TrafficMirrorFilterId: 'tmf-0ours', TrafficDirection: 'egress', RuleNumber: 100, RuleAction: 'accept', SourceCidrBlock: '0.0.0.0/0', DestinationCidrBlock: '0.0.0.0/0' },
            { TrafficMirrorFilterRuleId: 'tmfr-e6', TrafficMirrorFilterId: 'tmf-0ours', TrafficDirection: 'egress', RuleNumber: 101, RuleAction: 'accept', SourceCidrBlock: '::/0', DestinationCidrBlock: '::/0' },
          ],
        },
      ],
    });
    ec2.on(DeleteTrafficMirrorFilterRuleCommand).resolves({});
    ec2.on(CreateTrafficMirrorFilterRuleCommand).resolves({ TrafficMirrorFilterRule: { TrafficMirrorFilterRuleId: 'tmfr-new' } });
    await run(await event());
    expect(ec2.commandCalls(CreateTrafficMirrorFilterCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DeleteTrafficMirrorFilterRuleCommand).map((c) => c.args[0].input)).toEqual([{ TrafficMirrorFilterRuleId: 'tmfr-stale' }]);
    expect(ec2.commandCalls(CreateTrafficMirrorFilterRuleCommand).map((c) => c.args[0].input)).toEqual([
      { TrafficMirrorFilterId: 'tmf-0ours', TrafficDirection: 'ingress', RuleNumber: 10, RuleAction: 'reject', SourceCidrBlock: '10.20.0.0/16', DestinationCidrBlock: '0.0.0.0/0', ClientToken: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    // the sessions use our filter; the session of ours with another filter would be modified (none here)
    expect(ec2.commandCalls(CreateTrafficMirrorSessionCommand).map((c) => c.args[0].input.TrafficMirrorFilterId)).toEqual(['tmf-0ours', 'tmf-0ours']);
  });

  it('creates the preset filter when it owns none', async () => {
    delete process.env.MIRROR_FILTER_ID;
    ec2.on(DescribeTrafficMirrorFiltersCommand).resolves({ TrafficMirrorFilters: [] });
    ec2.on(CreateTrafficMirrorFilterCommand).resolves({ TrafficMirrorFilter: { TrafficMirrorFilterId: 'tmf-0created' } });
    ec2.on(CreateTrafficMirrorFilterRuleCommand).resolves({ TrafficMirrorFilterRule: { TrafficMirrorFilterRuleId: 'tmfr-x' } });
    await run(await event());
    expect(ec2.commandCalls(CreateTrafficMirrorFilterCommand).map((c) => c.args[0].input.TagSpecifications)).toEqual([
      [{ ResourceType: 'traffic-mirror-filter', Tags: [{ Key: 'netwatch:managed', Value: 'mirror-manager' }, { Key: 'netwatch:filter-preset', Value: 'internet-only' }] }],
    ]);
    expect(ec2.commandCalls(CreateTrafficMirrorFilterRuleCommand)).toHaveLength(6);
    expect(new Set(ec2.commandCalls(CreateTrafficMirrorSessionCommand).map((c) => c.args[0].input.TrafficMirrorFilterId))).toEqual(new Set(['tmf-0created']));
  });

  it('a session EC2 refuses for one ENI is reported and the others still get theirs', async () => {
    ec2.on(CreateTrafficMirrorSessionCommand, { NetworkInterfaceId: 'eni-0web00000000000000' }).rejects(awsError('TrafficMirrorSessionLimitExceeded'));
    const s = await run(await event());
    expect(s.skipped).toContainEqual({ code: 'session.create_failed', eniId: 'eni-0web00000000000000', instanceId: 'i-0web0000000000001' });
    expect(s.mapSessions).toBe(1);
    expect(ec2.commandCalls(CreateTrafficMirrorSessionCommand)).toHaveLength(2);
  });

  it('fails with a named error when no target is configured', async () => {
    delete process.env.MIRROR_TARGET_ID;
    await expect(run(await event())).rejects.toThrowError('mirroring.targetId (or MIRROR_TARGET_ID) must name the traffic-mirror target');
  });
});
