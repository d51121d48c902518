/**
 * Thin EC2 adapter for the nacl-responder: one function per API call, SDK errors mapped to the ExecResult data the
 * orchestrator understands, throttling retried with exponential backoff and jitter. Clients come from clients.ts.
 */
import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeVpcsCommand,
  ReplaceNetworkAclEntryCommand,
  type EC2Client,
  type Filter,
} from '@aws-sdk/client-ec2';
import { natElbAddresses, parseInventory, toNaclViews, vpcCidrs, type NaclView } from '../respond/nacl.ts';
import type { NaclCall } from '../respond/plan.ts';
import { PermissionError, type ExecResult, type Executor, type NetworkReader } from '../respond/ports.ts';

const THROTTLE_CODES = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'TooManyRequestsException']);

export interface BackoffOptions {
  attempts: number;
  baseMs: number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_BACKOFF: BackoffOptions = { attempts: 5, baseMs: 200 };

export function errorCode(err: unknown): string {
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  return String(e?.Code ?? e?.name ?? e?.code ?? '');
}

/** Retries `fn` while EC2 throttles (RequestLimitExceeded): base·2^n ms with full jitter; rethrows after `attempts`. */
export async function withBackoff<T>(fn: () => Promise<T>, opts: BackoffOptions = DEFAULT_BACKOFF): Promise<T> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!THROTTLE_CODES.has(errorCode(err)) || attempt >= opts.attempts) throw err;
      await sleep(Math.random() * opts.baseMs * 2 ** (attempt - 1));
    }
  }
}

async function allPages<T>(fetchPage: (token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    out.push(...page.items);
    token = page.next;
  } while (token);
  return out;
}

const GATEWAY_TYPES = ['nat_gateway', 'network_load_balancer', 'gateway_load_balancer', 'gateway_load_balancer_endpoint'];

export function ec2NetworkReader(ec2: EC2Client, backoff: BackoffOptions = DEFAULT_BACKOFF): NetworkReader {
  const describeEnis = async (Filters: Filter[]) =>
    allPages(async (NextToken) => {
      const r = await withBackoff(() => ec2.send(new DescribeNetworkInterfacesCommand({ Filters, NextToken })), backoff);
      return { items: r.NetworkInterfaces ?? [], next: r.NextToken };
    });
  return {
    async nacls(vpcIds): Promise<NaclView[]> {
      const Filters = vpcIds.length > 0 ? [{ Name: 'vpc-id', Values: [...vpcIds] }] : undefined;
      const acls = await allPages(async (NextToken) => {
        const r = await withBackoff(() => ec2.send(new DescribeNetworkAclsCommand({ Filters, NextToken })), backoff);
        return { items: r.NetworkAcls ?? [], next: r.NextToken };
      });
      return toNaclViews({ NetworkAcls: acls });
    },
    async vpcCidrs() {
      const vpcs = await allPages(async (NextToken) => {
        const r = await withBackoff(() => ec2.send(new DescribeVpcsCommand({ NextToken })), backoff);
        return { items: r.Vpcs ?? [], next: r.NextToken };
      });
      return vpcCidrs({ Vpcs: vpcs });
    },
    async natElbAddresses() {
      const [gw, elb] = await Promise.all([
        describeEnis([{ Name: 'interface-type', Values: GATEWAY_TYPES }]),
        describeEnis([{ Name: 'description', Values: ['ELB *'] }]),
      ]);
      return natElbAddresses(parseInventory({ NetworkInterfaces: [...gw, ...elb] }));
    },
    async vpcsOf(subject) {
      const found = [];
      if (subject.interfaceIds.length > 0) found.push(...(await describeEnis([{ Name: 'network-interface-id', Values: subject.interfaceIds }])));
      if (subject.instanceIds.length > 0) found.push(...(await describeEnis([{ Name: 'attachment.instance-id', Values: subject.instanceIds }])));
      return [...new Set(found.flatMap((n) => (n.VpcId ? [n.VpcId] : [])))];
    },
  };
}

/** Executes planned calls; with dryRun, EC2's DryRunOperation answer means "you would have been allowed". */
export function ec2Executor(ec2: EC2Client, backoff: BackoffOptions = DEFAULT_BACKOFF): Executor {
  const send = (call: NaclCall, DryRun: boolean) => {
    switch (call.call) {
      case 'CreateNetworkAclEntry':
        return ec2.send(new CreateNetworkAclEntryCommand({ ...call.input, ...(DryRun ? { DryRun } : {}) }));
      case 'ReplaceNetworkAclEntry':
        return ec2.send(new ReplaceNetworkAclEntryCommand({ ...call.input, ...(DryRun ? { DryRun } : {}) }));
      case 'DeleteNetworkAclEntry':
        return ec2.send(new DeleteNetworkAclEntryCommand({ ...call.input, ...(DryRun ? { DryRun } : {}) }));
    }
  };
  return {
    async execute(call, dryRun): Promise<ExecResult> {
      try {
        await withBackoff(() => send(call, dryRun), backoff);
        return 'ok';
      } catch (err) {
        switch (errorCode(err)) {
          case 'DryRunOperation':
            return 'ok';
          case 'NetworkAclEntryAlreadyExists':
            return 'already_exists';
          case 'NetworkAclEntryLimitExceeded':
            return 'limit_exceeded';
          case 'InvalidNetworkAclEntry.NotFound':
            return 'not_found';
          case 'UnauthorizedOperation':
            // a real run goes on with the other calls (reported); a dry run exists to prove permissions: fail it
            if (!dryRun) return 'unauthorized';
            throw new PermissionError(`${call.call} on ${call.input.NetworkAclId}: not authorised (is the NACL tagged for the responder?)`, { cause: err });
          default:
            throw err;
        }
      }
    },
  };
}
