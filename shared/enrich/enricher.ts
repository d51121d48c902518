/**
 * Record enrichment: who owns each address (ENI inventory), AWS service of each address (ip-ranges), protocol
 * name, TCP flag names and the direction class. Pure: the inventory and ranges come in ready-made.
 */
import type { DirectionClass } from '../flowlog/record.ts';
import type { AwsRanges } from './aws-ranges.ts';
import { isPrivateIp, parseIp, type ParsedIp } from './ip.ts';
import type { EniInfo, Inventory } from './inventory.ts';
import { protocolName, tcpFlagNames } from './protocols.ts';
import { SlotCache } from '../flowlog/parse.ts';

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
  /** interner slots of srcaddr and dstaddr (flowlog/parse.ts lastTokenSlot()), when the caller has them */
  srcaddr_slot?: number;
  dstaddr_slot?: number;
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

/** A blank enrichment (no owner, no service, no direction), e.g. to pass as enrich()'s `out`. */
export function emptyEnrichment(): Enrichment {
  return { src: EMPTY_SIDE, dst: EMPTY_SIDE, direction_class: null };
}

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

interface AddrInfo {
  ip: ParsedIp | undefined;
  private: boolean;
  eni: EniInfo | undefined;
  service: string | null;
}

export class Enricher {
  private readonly inventory: Inventory;
  private readonly ranges: AwsRanges | undefined;
  /** per address: parsed form, owner ENI, AWS service (flow logs repeat addresses; no per-row string building) */
  private addrCache = new Map<string, AddrInfo>();
  /** one frozen SideEnrichment per (ENI, service) so its encoded bytes are computed once */
  private readonly sides = new Map<EniInfo | undefined, Map<string | null, SideEnrichment>>();

  /** the same, by interner slot: an array read instead of a Map lookup for addresses seen before */
  private readonly addrSlots = new SlotCache<AddrInfo>();
  private readonly addrOf = (a: string): AddrInfo => this.addr(a);

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

  private addr(a: string): AddrInfo {
    let info = this.addrCache.get(a);
    if (info) return info;
    const ip = parseIp(a);
    const priv = ip !== undefined && isPrivateIp(ip);
    info = {
      ip,
      private: priv,
      eni: this.inventory.byAddress.get(ip?.v === 6 ? a.toLowerCase() : a),
      service: ip && !priv && this.ranges ? this.ranges.serviceOf(a) : null,
    };
    if (this.addrCache.size >= CACHE_LIMIT) this.addrCache = new Map();
    this.addrCache.set(a, info);
    return info;
  }

  private lastEni: EniInfo | undefined;
  private lastService: string | null = null;
  private lastSide: SideEnrichment = EMPTY_SIDE;

  private side(eni: EniInfo | undefined, service: string | null): SideEnrichment {
    // consecutive calls (src then dst, record after record) often ask for the same side
    if (eni === this.lastEni && service === this.lastService) return this.lastSide;
    this.lastEni = eni;
    this.lastService = service;
    return (this.lastSide = this.sideOf(eni, service));
  }

  private sideOf(eni: EniInfo | undefined, service: string | null): SideEnrichment {
    if (eni === undefined && service === null) return EMPTY_SIDE;
    let byService = this.sides.get(eni);
    if (!byService) this.sides.set(eni, (byService = new Map()));
    let s = byService.get(service);
    if (!s) byService.set(service, (s = Object.freeze(side(eni, service))));
    return s;
  }

  /** The enrichment of a record; into `out` when given (the ingest reuses one object instead of one per record). */
  enrich(r: EnrichInput, out?: Enrichment): Enrichment {
    const srcAddr = r.srcaddr;
    const dstAddr = r.dstaddr;
    // the real endpoints: packet-level addresses when the record has them (NAT gateway, TGW, EKS pods)
    const srcReal = r.pkt_srcaddr ?? srcAddr;
    const dstReal = r.pkt_dstaddr ?? dstAddr;
    const sA = srcAddr === null ? undefined : r.srcaddr_slot !== undefined ? this.addrSlots.get(srcAddr, r.srcaddr_slot, this.addrOf) : this.addr(srcAddr);
    const dA = dstAddr === null ? undefined : r.dstaddr_slot !== undefined ? this.addrSlots.get(dstAddr, r.dstaddr_slot, this.addrOf) : this.addr(dstAddr);
    const sR = srcReal === srcAddr ? sA : srcReal === null ? undefined : this.addr(srcReal);
    const dR = dstReal === dstAddr ? dA : dstReal === null ? undefined : this.addr(dstReal);
    let srcEni = sA?.eni ?? sR?.eni;
    let dstEni = dA?.eni ?? dR?.eni;
    const own = r.interface_id ? this.inventory.byEni.get(r.interface_id) : undefined;
    if (own && srcEni !== own && dstEni !== own) {
      // the recording ENI is one of the two ends: egress → source, ingress → destination, else the private side
      const ownIsSrc = r.flow_direction === 'egress' ? true : r.flow_direction === 'ingress' ? false : sA !== undefined && sA.private;
      if (ownIsSrc && !srcEni) srcEni = own;
      else if (!ownIsSrc && !dstEni) dstEni = own;
    }
    const srcService = r.pkt_src_aws_service ?? sR?.service ?? null;
    const dstService = r.pkt_dst_aws_service ?? dR?.service ?? null;
    const e = out ?? emptyEnrichment();
    e.src = this.side(srcEni, srcService);
    e.dst = this.side(dstEni, dstService);
    e.direction_class =
      srcReal === null || dstReal === null || !sR?.ip || !dR?.ip
        ? null
        : this.directionClass(srcReal, dstReal, sR, dR, srcEni, dstEni, srcService, dstService, r.flow_direction);
    return e;
  }

  private directionClass(
    src: string,
    dst: string,
    s: AddrInfo,
    d: AddrInfo,
    srcEni: EniInfo | undefined,
    dstEni: EniInfo | undefined,
    srcService: string | null,
    dstService: string | null,
    flowDirection: string | null,
  ): DirectionClass {
    if ((srcService && !GENERIC_SERVICES.has(srcService)) || (dstService && !GENERIC_SERVICES.has(dstService))) return 'aws-service';
    const sPriv = s.private || (srcEni !== undefined && srcEni.addresses.includes(src));
    const dPriv = d.private || (dstEni !== undefined && dstEni.addresses.includes(dst));
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
