/**
 * Record enrichment: who owns each address (ENI inventory), AWS service of each address (ip-ranges), protocol
 * name, TCP flag names and the direction class. Pure: the inventory and ranges come in ready-made.
 */
import type { DirectionClass } from '../flowlog/record.ts';
import type { AwsRanges } from './aws-ranges.ts';
import { isPrivateIp, parseIp } from './ip.ts';
import type { EniInfo, Inventory } from './inventory.ts';
import { protocolName, tcpFlagNames } from './protocols.ts';

/** The record fields enrichment reads (lake column names; null for `-` or absent). */
export interface EnrichInput {
  interface_id: string | null;
  srcaddr: string | null;
  dstaddr: string | null;
  pkt_srcaddr: string | null;
  pkt_dstaddr: string | null;
  flow_direction: string | null;
  pkt_src_aws_service: string | null;
  pkt_dst_aws_service: string | null;
  protocol: number | null;
  tcp_flags: number | null;
}

export interface SideEnrichment {
  eni: string | null;
  account: string | null;
  instance: string | null;
  name: string | null;
  vpc: string | null;
  subnet: string | null;
  eni_type: string | null;
  security_groups: string | null;
  service: string | null;
  tags: string | null;
}

export interface Enrichment {
  src: SideEnrichment;
  dst: SideEnrichment;
  direction_class: DirectionClass | null;
}

const EMPTY_SIDE: SideEnrichment = Object.freeze({
  eni: null,
  account: null,
  instance: null,
  name: null,
  vpc: null,
  subnet: null,
  eni_type: null,
  security_groups: null,
  service: null,
  tags: null,
});

/** Services that mean "an AWS-managed endpoint" rather than somebody's instance or the catch-all. */
const GENERIC_SERVICES = new Set(['AMAZON', 'EC2']);
const CACHE_LIMIT = 50_000;

function side(info: EniInfo | undefined, service: string | null): SideEnrichment {
  if (!info && service === null) return EMPTY_SIDE;
  return {
    eni: info?.eni ?? null,
    account: info?.account ?? null,
    instance: info?.instance ?? null,
    name: info?.name ?? null,
    vpc: info?.vpc ?? null,
    subnet: info?.subnet ?? null,
    eni_type: info?.eniType ?? null,
    security_groups: info?.securityGroups ?? null,
    service,
    tags: info?.tags ?? null,
  };
}

export class Enricher {
  private cache = new Map<string, Enrichment>();

  private readonly inventory: Inventory;
  private readonly ranges: AwsRanges | undefined;

  constructor(inventory: Inventory, ranges: AwsRanges | undefined) {
    this.inventory = inventory;
    this.ranges = ranges;
  }

  protocolName(n: number | null): string | null {
    return protocolName(n);
  }

  tcpFlagNames(n: number | null): string | null {
    return tcpFlagNames(n);
  }

  enrich(r: EnrichInput): Enrichment {
    const key = `${r.interface_id}|${r.srcaddr}|${r.dstaddr}|${r.pkt_srcaddr}|${r.pkt_dstaddr}|${r.flow_direction}|${r.pkt_src_aws_service}|${r.pkt_dst_aws_service}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const e = this.compute(r);
    if (this.cache.size >= CACHE_LIMIT) this.cache = new Map();
    this.cache.set(key, e);
    return e;
  }

  private compute(r: EnrichInput): Enrichment {
    const inv = this.inventory;
    const srcAddr = r.srcaddr;
    const dstAddr = r.dstaddr;
    // the real endpoints: packet-level addresses when the record has them (NAT gateway, TGW, EKS pods)
    const srcReal = r.pkt_srcaddr ?? srcAddr;
    const dstReal = r.pkt_dstaddr ?? dstAddr;
    let srcEni = (srcAddr && inv.byAddress.get(srcAddr)) || (srcReal && inv.byAddress.get(srcReal)) || undefined;
    let dstEni = (dstAddr && inv.byAddress.get(dstAddr)) || (dstReal && inv.byAddress.get(dstReal)) || undefined;
    const own = r.interface_id ? inv.byEni.get(r.interface_id) : undefined;
    if (own && srcEni !== own && dstEni !== own) {
      // the recording ENI is one of the two ends: egress → source, ingress → destination, else the private side
      const srcIp = srcAddr ? parseIp(srcAddr) : undefined;
      const ownIsSrc =
        r.flow_direction === 'egress' ? true : r.flow_direction === 'ingress' ? false : srcIp !== undefined && isPrivateIp(srcIp);
      if (ownIsSrc && !srcEni) srcEni = own;
      else if (!ownIsSrc && !dstEni) dstEni = own;
    }
    const srcService = r.pkt_src_aws_service ?? this.serviceOf(srcReal);
    const dstService = r.pkt_dst_aws_service ?? this.serviceOf(dstReal);
    return {
      src: side(srcEni, srcService),
      dst: side(dstEni, dstService),
      direction_class: this.directionClass(srcReal, dstReal, srcEni, dstEni, srcService, dstService, r.flow_direction),
    };
  }

  private serviceOf(addr: string | null): string | null {
    if (!addr || !this.ranges) return null;
    const ip = parseIp(addr);
    if (!ip || isPrivateIp(ip)) return null;
    return this.ranges.serviceOf(addr);
  }

  private directionClass(
    src: string | null,
    dst: string | null,
    srcEni: EniInfo | undefined,
    dstEni: EniInfo | undefined,
    srcService: string | null,
    dstService: string | null,
    flowDirection: string | null,
  ): DirectionClass | null {
    if (src === null || dst === null) return null;
    const s = parseIp(src);
    const d = parseIp(dst);
    if (!s || !d) return null;
    if ((srcService && !GENERIC_SERVICES.has(srcService)) || (dstService && !GENERIC_SERVICES.has(dstService))) return 'aws-service';
    const sPriv = isPrivateIp(s) || (srcEni !== undefined && srcEni.addresses.includes(src));
    const dPriv = isPrivateIp(d) || (dstEni !== undefined && dstEni.addresses.includes(dst));
    if (sPriv && dPriv) {
      if (srcEni?.vpc && dstEni?.vpc && srcEni.vpc !== dstEni.vpc) return 'cross-vpc';
      return 'internal';
    }
    if (!sPriv && dPriv) return 'ingress-internet';
    if (sPriv && !dPriv) return 'egress-internet';
    // both public (e.g. an instance's public address): ownership, then the ENI's view of the flow
    if (dstEni && !srcEni) return 'ingress-internet';
    if (srcEni && !dstEni) return 'egress-internet';
    return flowDirection === 'ingress' ? 'ingress-internet' : 'egress-internet';
  }
}
