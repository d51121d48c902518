/**
 * ENI inventory: interface id / address → who owns it. Built from DescribeNetworkInterfaces output (and optionally
 * DescribeInstances output for instance Name tags), the same JSON whether it comes from the SDK (shared/aws) or a
 * local file (`--inventory eni.json`, local mode).
 */

/** The subset of EC2 DescribeNetworkInterfaces / DescribeInstances output shapes we read. */
export interface DescribeNetworkInterfacesLike {
  NetworkInterfaces?: {
    NetworkInterfaceId?: string;
    OwnerId?: string;
    VpcId?: string;
    SubnetId?: string;
    InterfaceType?: string;
    Description?: string;
    RequesterId?: string;
    Groups?: { GroupId?: string; GroupName?: string }[];
    PrivateIpAddress?: string;
    PrivateIpAddresses?: { PrivateIpAddress?: string; Association?: { PublicIp?: string } }[];
    Ipv6Addresses?: { Ipv6Address?: string }[];
    Association?: { PublicIp?: string };
    Attachment?: { InstanceId?: string; InstanceOwnerId?: string };
    TagSet?: { Key?: string; Value?: string }[];
  }[];
  Reservations?: { Instances?: { InstanceId?: string; Tags?: { Key?: string; Value?: string }[] }[] }[];
}

export interface EniInfo {
  eni: string;
  account: string | null;
  instance: string | null;
  name: string | null;
  vpc: string | null;
  subnet: string | null;
  /** EC2 InterfaceType refined by description: interface, nat_gateway, elb, lambda, vpc_endpoint, ... */
  eniType: string | null;
  /** JSON array of {id, name} */
  securityGroups: string | null;
  /** JSON object of the ENI's (and its instance's) tags */
  tags: string | null;
  description: string | null;
  addresses: string[];
  publicAddresses: string[];
}

function refineType(type: string | undefined, description: string | undefined): string | null {
  const d = description ?? '';
  if (type && type !== 'interface') return type;
  if (/^ELB app\//.test(d)) return 'elb_application';
  if (/^ELB net\//.test(d)) return 'elb_network';
  if (/^ELB /.test(d)) return 'elb_classic';
  if (/^AWS Lambda VPC ENI/.test(d)) return 'lambda';
  if (/^Interface for NAT Gateway/.test(d)) return 'nat_gateway';
  if (/^VPC Endpoint Interface/.test(d)) return 'vpc_endpoint';
  if (/^arn:aws[a-z-]*:ecs:/.test(d)) return 'ecs_task';
  if (/^RDSNetworkInterface/.test(d)) return 'rds';
  if (/^EFS mount target/.test(d)) return 'efs';
  return type ?? null;
}

function tagObject(tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

export class Inventory {
  readonly byEni = new Map<string, EniInfo>();
  readonly byAddress = new Map<string, EniInfo>();

  static empty(): Inventory {
    return new Inventory([]);
  }

  /** Accepts one or many Describe* outputs (paginated pages, or a merged file). */
  constructor(docs: DescribeNetworkInterfacesLike[]) {
    const instanceTags = new Map<string, Record<string, string>>();
    for (const doc of docs)
      for (const r of doc.Reservations ?? [])
        for (const i of r.Instances ?? []) if (i.InstanceId) instanceTags.set(i.InstanceId, tagObject(i.Tags));
    for (const doc of docs) {
      for (const n of doc.NetworkInterfaces ?? []) {
        if (!n.NetworkInterfaceId) continue;
        const instance = n.Attachment?.InstanceId ?? null;
        const tags = { ...(instance ? instanceTags.get(instance) : undefined), ...tagObject(n.TagSet) };
        const addresses = new Set<string>();
        const publicAddresses = new Set<string>();
        if (n.PrivateIpAddress) addresses.add(n.PrivateIpAddress);
        for (const p of n.PrivateIpAddresses ?? []) {
          if (p.PrivateIpAddress) addresses.add(p.PrivateIpAddress);
          if (p.Association?.PublicIp) publicAddresses.add(p.Association.PublicIp);
        }
        if (n.Association?.PublicIp) publicAddresses.add(n.Association.PublicIp);
        for (const a of n.Ipv6Addresses ?? []) if (a.Ipv6Address) addresses.add(a.Ipv6Address.toLowerCase());
        const groups = (n.Groups ?? []).map((g) => ({ id: g.GroupId ?? null, name: g.GroupName ?? null }));
        const info: EniInfo = {
          eni: n.NetworkInterfaceId,
          account: n.OwnerId ?? n.Attachment?.InstanceOwnerId ?? null,
          instance,
          name: (instance ? instanceTags.get(instance)?.Name : undefined) ?? tags.Name ?? null,
          vpc: n.VpcId ?? null,
          subnet: n.SubnetId ?? null,
          eniType: refineType(n.InterfaceType, n.Description),
          securityGroups: groups.length ? JSON.stringify(groups) : null,
          tags: Object.keys(tags).length ? JSON.stringify(tags) : null,
          description: n.Description ?? null,
          addresses: [...addresses],
          publicAddresses: [...publicAddresses],
        };
        this.byEni.set(info.eni, info);
        for (const a of addresses) this.byAddress.set(a, info);
        for (const a of publicAddresses) this.byAddress.set(a, info);
      }
    }
  }

  get size(): number {
    return this.byEni.size;
  }
}
