/**
 * Thin EC2/S3 adapter for the mirror manager: Describe* reads (paginated, throttling retried), the three session
 * calls, DescribeInstanceTypes cached per container, and the VNI map object in S3.
 */
import {
  CreateTrafficMirrorSessionCommand,
  DeleteTrafficMirrorSessionCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  DescribeTrafficMirrorFiltersCommand,
  DescribeTrafficMirrorSessionsCommand,
  CreateTrafficMirrorFilterCommand,
  CreateTrafficMirrorFilterRuleCommand,
  DeleteTrafficMirrorFilterRuleCommand,
  DescribeTrafficMirrorTargetsCommand,
  DescribeVpcsCommand,
  ModifyTrafficMirrorSessionCommand,
  type EC2Client,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { decodeEnis, decodeFilters, decodeHypervisors, decodeInstances, decodeSessions, decodeSubnetTags, decodeVpcCidrs, decodeVpcTags } from '../mirror/inventory.ts';
import type { MapStore, MirrorExecutor, MirrorReader } from '../mirror/ports.ts';
import { errorCode, withBackoff, type BackoffOptions } from './ec2-nacl.ts';

const DEFAULT_BACKOFF: BackoffOptions = { attempts: 5, baseMs: 200 };

async function pages<T>(fetch: (token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const p = await fetch(token);
    out.push(...p.items);
    token = p.next;
  } while (token);
  return out;
}

/** Session-create refusals that concern one ENI only: reported, and the reconcile goes on with the others. */
const PER_ENI_FAILURES = new Set([
  'TrafficMirrorSessionLimitExceeded',
  'TrafficMirrorSourcesPerTargetLimitExceeded',
  'InvalidNetworkInterfaceID.NotFound',
  'InvalidParameterValue',
  'UnsupportedOperation',
  'IncorrectState',
]);

/** instance type → Nitro, remembered for the life of the container (types do not change hypervisor) */
const hypervisorCache = new Map<string, boolean>();

export function clearHypervisorCache(): void {
  hypervisorCache.clear();
}

export function ec2MirrorReader(ec2: EC2Client, backoff: BackoffOptions = DEFAULT_BACKOFF): MirrorReader {
  const call = <T>(fn: () => Promise<T>) => withBackoff(fn, backoff);
  return {
    async inventory() {
      const [enis, reservations, subnets, vpcs, sessions] = await Promise.all([
        pages(async (NextToken) => {
          const r = await call(() => ec2.send(new DescribeNetworkInterfacesCommand({ NextToken })));
          return { items: r.NetworkInterfaces ?? [], next: r.NextToken };
        }),
        pages(async (NextToken) => {
          const r = await call(() =>
            ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] }], NextToken })),
          );
          return { items: r.Reservations ?? [], next: r.NextToken };
        }),
        pages(async (NextToken) => {
          const r = await call(() => ec2.send(new DescribeSubnetsCommand({ NextToken })));
          return { items: r.Subnets ?? [], next: r.NextToken };
        }),
        pages(async (NextToken) => {
          const r = await call(() => ec2.send(new DescribeVpcsCommand({ NextToken })));
          return { items: r.Vpcs ?? [], next: r.NextToken };
        }),
        pages(async (NextToken) => {
          const r = await call(() => ec2.send(new DescribeTrafficMirrorSessionsCommand({ NextToken })));
          return { items: r.TrafficMirrorSessions ?? [], next: r.NextToken };
        }),
      ]);
      return {
        enis: decodeEnis({ NetworkInterfaces: enis }),
        instances: decodeInstances({ Reservations: reservations }),
        subnetTags: decodeSubnetTags({ Subnets: subnets }),
        vpcTags: decodeVpcTags({ Vpcs: vpcs }),
        vpcCidrs: decodeVpcCidrs({ Vpcs: vpcs }),
        sessions: decodeSessions({ TrafficMirrorSessions: sessions }),
      };
    },
    async hypervisors(types) {
      const missing = [...new Set(types)].filter((t) => !hypervisorCache.has(t)).sort();
      // DescribeInstanceTypes takes at most 100 names per call
      for (let i = 0; i < missing.length; i += 100) {
        const chunk = missing.slice(i, i + 100) as _InstanceType[];
        const r = await call(() => ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: chunk })));
        for (const [t, nitro] of decodeHypervisors({ InstanceTypes: r.InstanceTypes ?? [] })) hypervisorCache.set(t, nitro);
      }
      return new Map(types.flatMap((t) => (hypervisorCache.has(t) ? [[t, hypervisorCache.get(t) as boolean] as const] : [])));
    },
    async filters() {
      const list = await pages(async (NextToken) => {
        const r = await call(() => ec2.send(new DescribeTrafficMirrorFiltersCommand({ NextToken })));
        return { items: r.TrafficMirrorFilters ?? [], next: r.NextToken };
      });
      return decodeFilters({ TrafficMirrorFilters: list });
    },
    async targetEniIds(targetId) {
      const r = await call(() => ec2.send(new DescribeTrafficMirrorTargetsCommand({ TrafficMirrorTargetIds: [targetId] })));
      return (r.TrafficMirrorTargets ?? []).flatMap((t) => (t.NetworkInterfaceId ? [t.NetworkInterfaceId] : []));
    },
  };
}

export function ec2MirrorExecutor(ec2: EC2Client, backoff: BackoffOptions = DEFAULT_BACKOFF): MirrorExecutor {
  return {
    async execute(c) {
      switch (c.call) {
        case 'CreateTrafficMirrorSession': {
          try {
            const r = await withBackoff(() => ec2.send(new CreateTrafficMirrorSessionCommand(c.input)), backoff);
            return { sessionId: r.TrafficMirrorSession?.TrafficMirrorSessionId };
          } catch (err) {
            const code = errorCode(err);
            if (PER_ENI_FAILURES.has(code)) return { failed: code };
            throw err;
          }
        }
        case 'CreateTrafficMirrorFilter': {
          const r = await withBackoff(() => ec2.send(new CreateTrafficMirrorFilterCommand(c.input)), backoff);
          return { filterId: r.TrafficMirrorFilter?.TrafficMirrorFilterId };
        }
        case 'CreateTrafficMirrorFilterRule': {
          const r = await withBackoff(() => ec2.send(new CreateTrafficMirrorFilterRuleCommand(c.input)), backoff);
          return { ruleId: r.TrafficMirrorFilterRule?.TrafficMirrorFilterRuleId };
        }
        case 'DeleteTrafficMirrorFilterRule':
          try {
            await withBackoff(() => ec2.send(new DeleteTrafficMirrorFilterRuleCommand(c.input)), backoff);
          } catch (err) {
            if (errorCode(err) !== 'InvalidTrafficMirrorFilterRuleId.NotFound') throw err;
          }
          return {};
        case 'ModifyTrafficMirrorSession':
          await withBackoff(() => ec2.send(new ModifyTrafficMirrorSessionCommand(c.input)), backoff);
          return {};
        case 'DeleteTrafficMirrorSession':
          try {
            await withBackoff(() => ec2.send(new DeleteTrafficMirrorSessionCommand(c.input)), backoff);
          } catch (err) {
            // already gone (AWS cleaned it up with the ENI): the goal is reached
            if (errorCode(err) !== 'InvalidTrafficMirrorSessionId.NotFound') throw err;
          }
          return {};
      }
    },
  };
}

export function s3MapStore(s3: S3Client, bucket: string, key: string): MapStore {
  return {
    async read() {
      try {
        const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return (await r.Body?.transformToString('utf8')) ?? '';
      } catch (err) {
        if (errorCode(err) === 'NoSuchKey') return undefined;
        throw err;
      }
    },
    async write(text) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: 'application/json' }));
    },
    describe: () => `s3://${bucket}/${key}`,
  };
}
