/**
 * The mirror manager's view of the account, decoded from EC2 Describe* output shapes (the SDK's outputs in AWS,
 * JSON files of the same shapes in local mode): ENIs with the tags of their instance, subnet and VPC, the existing
 * traffic-mirror sessions, and which instance types run on Nitro. Validated with zod: local files are user input.
 */
import { z } from 'zod';
import { PipelineError } from '../errors.ts';
import type { ActualRule } from './filters.ts';

export class MirrorInventoryError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MirrorInventoryError';
  }
}

const Tag = z.object({ Key: z.string(), Value: z.string().optional() }).passthrough();
const Tags = z.array(Tag).default([]);
type TagList = z.infer<typeof Tags>;

function parse<T extends z.ZodTypeAny>(schema: T, raw: unknown, source: string): z.infer<T> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new MirrorInventoryError(`${source}: ${i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid'}`);
  }
  return r.data;
}

export function tagMap(tags: TagList | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value ?? '']));
}

export const EnisShape = z
  .object({
    NetworkInterfaces: z.array(
      z
        .object({
          NetworkInterfaceId: z.string().min(1),
          InterfaceType: z.string().optional(),
          Status: z.string().optional(),
          VpcId: z.string().optional(),
          SubnetId: z.string().optional(),
          Attachment: z.object({ InstanceId: z.string().optional(), DeviceIndex: z.number().optional(), Status: z.string().optional() }).passthrough().optional(),
          TagSet: Tags,
        })
        .passthrough(),
    ),
  })
  .passthrough();

export const InstancesShape = z
  .object({
    Reservations: z.array(
      z
        .object({
          Instances: z
            .array(
              z
                .object({
                  InstanceId: z.string().min(1),
                  InstanceType: z.string().optional(),
                  State: z.object({ Name: z.string().optional() }).passthrough().optional(),
                  Tags: Tags,
                })
                .passthrough(),
            )
            .default([]),
        })
        .passthrough(),
    ),
  })
  .passthrough();

export const SubnetsShape = z.object({ Subnets: z.array(z.object({ SubnetId: z.string().min(1), Tags: Tags }).passthrough()) }).passthrough();
export const VpcsShape = z
  .object({
    Vpcs: z.array(
      z
        .object({
          VpcId: z.string().min(1),
          CidrBlock: z.string().optional(),
          CidrBlockAssociationSet: z.array(z.object({ CidrBlock: z.string().optional() }).passthrough()).default([]),
          Ipv6CidrBlockAssociationSet: z.array(z.object({ Ipv6CidrBlock: z.string().optional() }).passthrough()).default([]),
          Tags: Tags,
        })
        .passthrough(),
    ),
  })
  .passthrough();

export const SessionsShape = z
  .object({
    TrafficMirrorSessions: z.array(
      z
        .object({
          TrafficMirrorSessionId: z.string().min(1),
          NetworkInterfaceId: z.string().min(1),
          TrafficMirrorTargetId: z.string().optional(),
          TrafficMirrorFilterId: z.string().optional(),
          SessionNumber: z.number().int(),
          VirtualNetworkId: z.number().int().optional(),
          PacketLength: z.number().int().optional(),
          Tags: Tags,
        })
        .passthrough(),
    ),
  })
  .passthrough();

export const InstanceTypesShape = z
  .object({ InstanceTypes: z.array(z.object({ InstanceType: z.string().min(1), Hypervisor: z.string().optional() }).passthrough()) })
  .passthrough();

export interface Eni {
  eniId: string;
  interfaceType: string;
  status: string;
  vpcId: string | undefined;
  subnetId: string | undefined;
  instanceId: string | undefined;
  deviceIndex: number | undefined;
  tags: Record<string, string>;
}

export interface Instance {
  instanceId: string;
  instanceType: string | undefined;
  state: string | undefined;
  tags: Record<string, string>;
}

export interface Session {
  sessionId: string;
  eniId: string;
  targetId: string | undefined;
  filterId: string | undefined;
  sessionNumber: number;
  vni: number | undefined;
  packetLength: number | undefined;
  tags: Record<string, string>;
}

export interface Inventory {
  enis: Eni[];
  instances: Map<string, Instance>;
  subnetTags: Map<string, Record<string, string>>;
  vpcTags: Map<string, Record<string, string>>;
  /** every CIDR block of every VPC (IPv4 and IPv6), for the internet-only filter preset */
  vpcCidrs: string[];
  sessions: Session[];
}

export function decodeEnis(raw: unknown, source = 'DescribeNetworkInterfaces output'): Eni[] {
  return parse(EnisShape, raw, source).NetworkInterfaces.map((n) => ({
    eniId: n.NetworkInterfaceId,
    interfaceType: n.InterfaceType ?? 'interface',
    status: n.Status ?? 'in-use',
    vpcId: n.VpcId,
    subnetId: n.SubnetId,
    instanceId: n.Attachment?.InstanceId,
    deviceIndex: n.Attachment?.DeviceIndex,
    tags: tagMap(n.TagSet),
  }));
}

export function decodeInstances(raw: unknown, source = 'DescribeInstances output'): Map<string, Instance> {
  const out = new Map<string, Instance>();
  for (const r of parse(InstancesShape, raw, source).Reservations) {
    for (const i of r.Instances) out.set(i.InstanceId, { instanceId: i.InstanceId, instanceType: i.InstanceType, state: i.State?.Name, tags: tagMap(i.Tags) });
  }
  return out;
}

export function decodeSubnetTags(raw: unknown, source = 'DescribeSubnets output'): Map<string, Record<string, string>> {
  return new Map(parse(SubnetsShape, raw, source).Subnets.map((s) => [s.SubnetId, tagMap(s.Tags)]));
}

export function decodeVpcTags(raw: unknown, source = 'DescribeVpcs output'): Map<string, Record<string, string>> {
  return new Map(parse(VpcsShape, raw, source).Vpcs.map((v) => [v.VpcId, tagMap(v.Tags)]));
}

export function decodeVpcCidrs(raw: unknown, source = 'DescribeVpcs output'): string[] {
  const set = new Set<string>();
  for (const v of parse(VpcsShape, raw, source).Vpcs) {
    if (v.CidrBlock) set.add(v.CidrBlock);
    for (const a of v.CidrBlockAssociationSet) if (a.CidrBlock) set.add(a.CidrBlock);
    for (const a of v.Ipv6CidrBlockAssociationSet) if (a.Ipv6CidrBlock) set.add(a.Ipv6CidrBlock);
  }
  return [...set];
}

const PortRangeShape = z.object({ FromPort: z.number().int(), ToPort: z.number().int() }).passthrough();
export const FiltersShape = z
  .object({
    TrafficMirrorFilters: z.array(
      z
        .object({
          TrafficMirrorFilterId: z.string().min(1),
          IngressFilterRules: z.array(z.unknown()).default([]),
          EgressFilterRules: z.array(z.unknown()).default([]),
          Tags: Tags,
        })
        .passthrough(),
    ),
  })
  .passthrough();
const RuleShape = z
  .object({
    TrafficMirrorFilterRuleId: z.string().min(1),
    TrafficDirection: z.enum(['ingress', 'egress']),
    RuleNumber: z.number().int(),
    RuleAction: z.enum(['accept', 'reject']),
    Protocol: z.number().int().optional(),
    SourceCidrBlock: z.string(),
    DestinationCidrBlock: z.string(),
    SourcePortRange: PortRangeShape.optional(),
    DestinationPortRange: PortRangeShape.optional(),
  })
  .passthrough();

export interface MirrorFilter {
  filterId: string;
  tags: Record<string, string>;
  rules: ActualRule[];
}

export function decodeFilters(raw: unknown, source = 'DescribeTrafficMirrorFilters output'): MirrorFilter[] {
  return parse(FiltersShape, raw, source).TrafficMirrorFilters.map((f) => ({
    filterId: f.TrafficMirrorFilterId,
    tags: tagMap(f.Tags),
    rules: [...f.IngressFilterRules, ...f.EgressFilterRules].map((r) => {
      const x = parse(RuleShape, r, `${source}: ${f.TrafficMirrorFilterId}`);
      return {
        ruleId: x.TrafficMirrorFilterRuleId,
        TrafficDirection: x.TrafficDirection,
        RuleNumber: x.RuleNumber,
        RuleAction: x.RuleAction,
        ...(x.Protocol !== undefined ? { Protocol: x.Protocol } : {}),
        SourceCidrBlock: x.SourceCidrBlock,
        DestinationCidrBlock: x.DestinationCidrBlock,
        ...(x.SourcePortRange ? { SourcePortRange: { FromPort: x.SourcePortRange.FromPort, ToPort: x.SourcePortRange.ToPort } } : {}),
        ...(x.DestinationPortRange ? { DestinationPortRange: { FromPort: x.DestinationPortRange.FromPort, ToPort: x.DestinationPortRange.ToPort } } : {}),
      };
    }),
  }));
}

export function decodeSessions(raw: unknown, source = 'DescribeTrafficMirrorSessions output'): Session[] {
  return parse(SessionsShape, raw, source).TrafficMirrorSessions.map((s) => ({
    sessionId: s.TrafficMirrorSessionId,
    eniId: s.NetworkInterfaceId,
    targetId: s.TrafficMirrorTargetId,
    filterId: s.TrafficMirrorFilterId,
    sessionNumber: s.SessionNumber,
    vni: s.VirtualNetworkId,
    packetLength: s.PacketLength,
    tags: tagMap(s.Tags),
  }));
}

/** instance type → runs on Nitro (the only hypervisor Traffic Mirroring supports as a source). */
export function decodeHypervisors(raw: unknown, source = 'DescribeInstanceTypes output'): Map<string, boolean> {
  return new Map(parse(InstanceTypesShape, raw, source).InstanceTypes.map((t) => [t.InstanceType, t.Hypervisor === 'nitro']));
}
