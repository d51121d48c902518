/**
 * Network ACLs as the responder sees them, decoded from the EC2 DescribeNetworkAcls output shape (the SDK's own
 * output in AWS, a JSON file of the same shape in local mode). Validated with zod at the boundary: a local file is
 * user input.
 */
import { z } from 'zod';
import { type Cidr, tryParseCidr } from './cidr.ts';
import { PipelineError } from '../errors.ts';

export class NetworkStateError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NetworkStateError';
  }
}

/** The AWS default ("*") rules: 32767 (IPv4) and 32768 (IPv6) in each direction; not counted against the quota, never ours. */
export const DEFAULT_RULE_NUMBER = 32767;

const Tag = z.object({ Key: z.string(), Value: z.string().optional() }).passthrough();

export const NetworkAclEntryShape = z
  .object({
    RuleNumber: z.number().int(),
    Protocol: z.string().optional(),
    RuleAction: z.enum(['allow', 'deny']),
    Egress: z.boolean(),
    CidrBlock: z.string().optional(),
    Ipv6CidrBlock: z.string().optional(),
  })
  .passthrough();

export const NetworkAclShape = z
  .object({
    NetworkAclId: z.string().min(1),
    VpcId: z.string().min(1),
    IsDefault: z.boolean().optional(),
    Entries: z.array(NetworkAclEntryShape).default([]),
    Associations: z.array(z.object({ SubnetId: z.string().optional() }).passthrough()).default([]),
    Tags: z.array(Tag).default([]),
  })
  .passthrough();

export const DescribeNetworkAclsShape = z.object({ NetworkAcls: z.array(NetworkAclShape) }).passthrough();
export type DescribeNetworkAclsShape = z.infer<typeof DescribeNetworkAclsShape>;

export interface NaclEntry {
  ruleNumber: number;
  egress: boolean;
  action: 'allow' | 'deny';
  protocol: string;
  /** undefined when the entry has neither CidrBlock nor Ipv6CidrBlock (should not happen; kept and counted) */
  cidr: Cidr | undefined;
}

export interface NaclView {
  naclId: string;
  vpcId: string;
  isDefault: boolean;
  subnetIds: string[];
  tags: Record<string, string>;
  entries: NaclEntry[];
}

export function toNaclViews(raw: unknown, source = 'DescribeNetworkAcls output'): NaclView[] {
  const r = DescribeNetworkAclsShape.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new NetworkStateError(`${source}: ${i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid'}`);
  }
  return r.data.NetworkAcls.map((a) => ({
    naclId: a.NetworkAclId,
    vpcId: a.VpcId,
    isDefault: a.IsDefault ?? false,
    subnetIds: a.Associations.flatMap((s) => (s.SubnetId ? [s.SubnetId] : [])),
    tags: Object.fromEntries(a.Tags.map((t) => [t.Key, t.Value ?? ''])),
    entries: a.Entries.map((e) => ({
      ruleNumber: e.RuleNumber,
      egress: e.Egress,
      action: e.RuleAction,
      protocol: e.Protocol ?? '-1',
      cidr: tryParseCidr(e.Ipv6CidrBlock ?? e.CidrBlock ?? ''),
    })),
  }));
}

/** DescribeVpcs output → the VPCs' own CIDR blocks (IPv4 associations and IPv6 associations). */
export const DescribeVpcsShape = z
  .object({
    Vpcs: z.array(
      z
        .object({
          VpcId: z.string().min(1),
          CidrBlock: z.string().optional(),
          CidrBlockAssociationSet: z.array(z.object({ CidrBlock: z.string().optional() }).passthrough()).default([]),
          Ipv6CidrBlockAssociationSet: z.array(z.object({ Ipv6CidrBlock: z.string().optional() }).passthrough()).default([]),
        })
        .passthrough(),
    ),
  })
  .passthrough();

export function vpcCidrs(raw: unknown, source = 'DescribeVpcs output'): { vpcId: string; cidrs: string[] }[] {
  const r = DescribeVpcsShape.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new NetworkStateError(`${source}: ${i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid'}`);
  }
  return r.data.Vpcs.map((v) => {
    const set = new Set<string>();
    if (v.CidrBlock) set.add(v.CidrBlock);
    for (const a of v.CidrBlockAssociationSet) if (a.CidrBlock) set.add(a.CidrBlock);
    for (const a of v.Ipv6CidrBlockAssociationSet) if (a.Ipv6CidrBlock) set.add(a.Ipv6CidrBlock);
    return { vpcId: v.VpcId, cidrs: [...set] };
  });
}

/**
 * DescribeNetworkInterfaces output → addresses that must never be denied: NAT gateways and load balancers
 * (InterfaceType nat_gateway / network_load_balancer / gateway_load_balancer, or RequesterId/Description of ELB).
 */
export const DescribeNetworkInterfacesShape = z
  .object({
    NetworkInterfaces: z.array(
      z
        .object({
          NetworkInterfaceId: z.string().min(1),
          InterfaceType: z.string().optional(),
          Description: z.string().optional(),
          RequesterId: z.string().optional(),
          VpcId: z.string().optional(),
          SubnetId: z.string().optional(),
          PrivateIpAddress: z.string().optional(),
          Attachment: z.object({ InstanceId: z.string().optional() }).passthrough().optional(),
          Association: z.object({ PublicIp: z.string().optional() }).passthrough().optional(),
          PrivateIpAddresses: z
            .array(
              z
                .object({
                  PrivateIpAddress: z.string().optional(),
                  Association: z.object({ PublicIp: z.string().optional() }).passthrough().optional(),
                })
                .passthrough(),
            )
            .default([]),
          Ipv6Addresses: z.array(z.object({ Ipv6Address: z.string().optional() }).passthrough()).default([]),
          TagSet: z.array(Tag).default([]),
        })
        .passthrough(),
    ),
  })
  .passthrough();
export type DescribeNetworkInterfacesShape = z.infer<typeof DescribeNetworkInterfacesShape>;

export function parseInventory(raw: unknown, source = 'DescribeNetworkInterfaces output'): DescribeNetworkInterfacesShape {
  const r = DescribeNetworkInterfacesShape.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new NetworkStateError(`${source}: ${i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid'}`);
  }
  return r.data;
}

const GATEWAY_TYPES = new Set(['nat_gateway', 'network_load_balancer', 'gateway_load_balancer', 'gateway_load_balancer_endpoint']);

export function isNatOrElb(eni: DescribeNetworkInterfacesShape['NetworkInterfaces'][number]): boolean {
  if (eni.InterfaceType && GATEWAY_TYPES.has(eni.InterfaceType)) return true;
  const d = eni.Description ?? '';
  return d.startsWith('ELB ') || d.startsWith('Interface for NAT Gateway') || eni.RequesterId === 'amazon-elb';
}

/** Every private and public address (IPv4 and IPv6) of the NAT gateway / load balancer ENIs. */
export function natElbAddresses(inv: DescribeNetworkInterfacesShape): { address: string; label: string }[] {
  const out: { address: string; label: string }[] = [];
  for (const eni of inv.NetworkInterfaces) {
    if (!isNatOrElb(eni)) continue;
    const label = `${eni.InterfaceType ?? 'elb'} ${eni.NetworkInterfaceId}`;
    const add = (a: string | undefined): void => {
      if (a) out.push({ address: a, label });
    };
    add(eni.PrivateIpAddress);
    add(eni.Association?.PublicIp);
    for (const p of eni.PrivateIpAddresses) {
      add(p.PrivateIpAddress);
      add(p.Association?.PublicIp);
    }
    for (const p of eni.Ipv6Addresses) add(p.Ipv6Address);
  }
  return out;
}
