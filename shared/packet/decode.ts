/**
 * The packet decoder: link layer -> (VXLAN | GENEVE)* -> Ethernet -> 802.1Q* -> IPv4/IPv6 -> TCP/UDP/ICMP, into
 * preallocated structs reused for every packet (gopacket's DecodingLayerParser). Each layer file owns one header;
 * this file owns only the "what comes next" tables and the tunnel bookkeeping.
 *
 * Tunnels: a UDP datagram to a VXLAN port (4789/8472) or to GENEVE (6081) is opened when its header is valid; the
 * tuple of the outermost tunnel is kept in `outer` (pcap mode logs that flow too, as Suricata does), and the
 * header structs are reused for the inner packet, so after decoding they describe the innermost packet.
 */
import { EtherType, EthernetHeader, decodeEthernet, decodeVlanTags } from './ethernet.ts';
import { GENEVE_PORT, GENEVE_PROTO_ETHERNET, GeneveHeader, decodeGeneve } from './geneve.ts';
import { IcmpHeader, decodeIcmpv4, decodeIcmpv6 } from './icmp.ts';
import { Ipv4Header, decodeIpv4 } from './ipv4.ts';
import { Ipv6Header, decodeIpv6 } from './ipv6.ts';
import { LinkHeader, LinkType, decodeNull, decodeSll, decodeSll2 } from './link.ts';
import { DecodeResult, Layer, anomaly, fail } from './result.ts';
import { TcpHeader, decodeTcp } from './tcp.ts';
import { UdpHeader, decodeUdp } from './udp.ts';
import { VXLAN_PORTS, VxlanHeader, decodeVxlan } from './vxlan.ts';

/** Why 4: AWS mirror (VXLAN) behind a GWLB (GENEVE) is two; Zeek's triple-VXLAN trace is three; more is hostile. */
export const MAX_ENCAP_DEPTH = 4;

export const IpProto = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58 } as const;

export const Tunnel = { none: 0, vxlan: 1, geneve: 2 } as const;
export type TunnelKind = (typeof Tunnel)[keyof typeof Tunnel];

/** A flow 5-tuple (plus VNI), addresses as big-endian 32-bit words (IPv4 uses word 0). */
export class Tuple {
  /** 0 = no IP header decoded, else 4 or 6. */
  family = 0;
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  proto = 0;
  srcPort = 0;
  dstPort = 0;
  /** ICMP type/code (when proto is ICMP/ICMPv6), else -1. */
  icmpType = -1;
  icmpCode = -1;
  tcpFlags = 0;
  /** True when the L4 header was not decoded (non-first fragment, truncated, unknown protocol). */
  noL4 = true;
  /** Bytes of this packet counted for the flow (Suricata: the frame from the innermost link header on). */
  length = 0;

  copyFrom(t: Tuple): void {
    this.family = t.family;
    // four element copies beat TypedArray.set's call overhead on this per-packet path
    const s = this.src;
    const d = this.dst;
    const ts = t.src;
    const td = t.dst;
    s[0] = ts[0] as number;
    s[1] = ts[1] as number;
    s[2] = ts[2] as number;
    s[3] = ts[3] as number;
    d[0] = td[0] as number;
    d[1] = td[1] as number;
    d[2] = td[2] as number;
    d[3] = td[3] as number;
    this.proto = t.proto;
    this.srcPort = t.srcPort;
    this.dstPort = t.dstPort;
    this.icmpType = t.icmpType;
    this.icmpCode = t.icmpCode;
    this.tcpFlags = t.tcpFlags;
    this.noL4 = t.noL4;
    this.length = t.length;
  }
}

export class PacketDecoder {
  readonly r = new DecodeResult();
  readonly link = new LinkHeader();
  readonly eth = new EthernetHeader();
  readonly vxlan = new VxlanHeader();
  readonly geneve = new GeneveHeader();
  readonly ip4 = new Ipv4Header();
  readonly ip6 = new Ipv6Header();
  readonly tcp = new TcpHeader();
  readonly udp = new UdpHeader();
  readonly icmp = new IcmpHeader();
  /** The innermost packet's tuple. */
  readonly tuple = new Tuple();
  /** The outermost tunnel's carrier packet (valid when `outer.family !== 0`). */
  readonly outer = new Tuple();
  tunnel: TunnelKind = Tunnel.none;
  /**
   * VNI of the outermost VXLAN header, -1 when none. AWS Traffic Mirroring: one per session. A GENEVE VNI (GWLB) is
   * in `geneveVni`: it names the load balancer's flow, not the mirror session.
   */
  vni = -1;
  geneveVni = -1;
  encapDepth = 0;
  /** Innermost L4 payload as (offset, length) into the decoded buffer. */
  payloadOff = 0;
  payloadLen = 0;
  /** VLAN IDs of the innermost Ethernet frame are in `eth.vlanIds[0 .. eth.vlanCount)`. */

  private reset(): void {
    this.r.reset();
    this.tuple.family = 0;
    this.tuple.noL4 = true;
    this.outer.family = 0;
    this.tunnel = Tunnel.none;
    this.vni = -1;
    this.geneveVni = -1;
    this.encapDepth = 0;
    this.payloadOff = 0;
    this.payloadLen = 0;
    this.eth.vlanCount = 0;
  }

  /** Decodes one captured frame of the given pcap link type. */
  decodeFrame(buf: Uint8Array, off: number, end: number, linkType: number): DecodeResult {
    this.reset();
    const r = this.r;
    if (end <= off) {
      anomaly(r, 'packet.empty');
      return r;
    }
    switch (linkType) {
      case LinkType.ethernet:
        this.fromEthernet(buf, off, end);
        break;
      case LinkType.raw:
      case LinkType.rawBsd12:
      case LinkType.rawBsd14: {
        const v = (buf[off] as number) >> 4;
        this.fromL3(v === 6 ? EtherType.ipv6 : EtherType.ipv4, buf, off, end, off);
        break;
      }
      case LinkType.ipv4:
        this.fromL3(EtherType.ipv4, buf, off, end, off);
        break;
      case LinkType.ipv6:
        this.fromL3(EtherType.ipv6, buf, off, end, off);
        break;
      case LinkType.linuxSll:
      case LinkType.linuxSll2: {
        const o = linkType === LinkType.linuxSll ? decodeSll(buf, off, end, this.link, r) : decodeSll2(buf, off, end, this.link, r);
        if (o >= 0) this.fromEtherType(this.link.etherType, buf, o, end, off);
        break;
      }
      case LinkType.null:
      case LinkType.loop: {
        const o = decodeNull(buf, off, end, this.link, r, linkType === LinkType.loop);
        if (o >= 0) this.fromL3(this.link.etherType, buf, o, end, off);
        break;
      }
      default:
        fail(r, 'packet.unknown_linktype');
    }
    return r;
  }

  /** Decodes a UDP payload that starts at the VXLAN header (what the daemon's socket on 4789 receives). */
  decodeVxlanDatagram(buf: Uint8Array, off: number, end: number): DecodeResult {
    this.reset();
    if (end <= off) {
      anomaly(this.r, 'packet.empty');
      return this.r;
    }
    this.openVxlan(buf, off, end);
    return this.r;
  }

  private fromEthernet(buf: Uint8Array, off: number, end: number): void {
    const o = decodeEthernet(buf, off, end, this.eth, this.r);
    if (o >= 0) this.fromEtherType(this.eth.etherType, buf, o, end, off);
  }

  /** After a link header: VLAN tags (SLL can carry them too), then L3. Other EtherTypes (ARP, ...) end here. */
  private fromEtherType(etherType: number, buf: Uint8Array, off: number, end: number, frameStart: number): void {
    let o = off;
    let et = etherType;
    if (et === EtherType.vlan || et === EtherType.qinq || et === EtherType.qinqOld) {
      this.eth.etherType = et;
      o = decodeVlanTags(buf, off, end, this.eth, this.r);
      if (o < 0) return;
      et = this.eth.etherType;
    }
    if (et === EtherType.teb) {
      this.fromEthernet(buf, o, end);
      return;
    }
    this.fromL3(et, buf, o, end, frameStart);
  }

  private fromL3(etherType: number, buf: Uint8Array, off: number, end: number, frameStart: number): void {
    const t = this.tuple;
    const r = this.r;
    t.length = end - frameStart;
    t.noL4 = true;
    t.tcpFlags = 0;
    t.icmpType = -1;
    t.icmpCode = -1;
    t.srcPort = 0;
    t.dstPort = 0;
    let l4: number;
    let l4End: number;
    let proto: number;
    let ipTruncated: boolean;
    if (etherType === EtherType.ipv4) {
      const h = this.ip4;
      l4 = decodeIpv4(buf, off, end, h, r);
      if (l4 < 0) return;
      t.family = 4;
      t.src[0] = h.src;
      t.dst[0] = h.dst;
      t.src[1] = t.src[2] = t.src[3] = 0;
      t.dst[1] = t.dst[2] = t.dst[3] = 0;
      t.proto = proto = h.protocol;
      l4End = h.payloadEnd;
      ipTruncated = h.payloadEnd < off + h.totalLength;
      if (h.fragOffset !== 0) return; // a non-first fragment carries no L4 header (no reassembly: see docs/sensor.md)
    } else if (etherType === EtherType.ipv6) {
      const h = this.ip6;
      l4 = decodeIpv6(buf, off, end, h, r);
      if (l4 < 0) {
        // the fixed header may have decoded even though an extension header failed: keep the addresses
        if (!r.hasLayer(Layer.ipv6)) return;
        this.setV6(h);
        t.proto = h.protocol;
        return;
      }
      this.setV6(h);
      t.proto = proto = h.protocol;
      l4End = h.payloadEnd;
      ipTruncated = r.truncated;
      if (h.hasFragmentHeader && h.fragOffset !== 0) return;
    } else {
      return;
    }
    switch (proto) {
      case IpProto.tcp: {
        const o = decodeTcp(buf, l4, l4End, this.tcp, r);
        if (o < 0) return;
        t.noL4 = false;
        t.srcPort = this.tcp.srcPort;
        t.dstPort = this.tcp.dstPort;
        t.tcpFlags = this.tcp.flags;
        this.payloadOff = this.tcp.payloadOff;
        this.payloadLen = this.tcp.payloadLen;
        return;
      }
      case IpProto.udp: {
        const o = decodeUdp(buf, l4, l4End, this.udp, r, ipTruncated);
        if (o < 0) return;
        t.noL4 = false;
        t.srcPort = this.udp.srcPort;
        t.dstPort = this.udp.dstPort;
        this.payloadOff = this.udp.payloadOff;
        this.payloadLen = this.udp.payloadLen;
        const pend = this.udp.payloadOff + this.udp.payloadLen;
        if (VXLAN_PORTS.has(t.dstPort)) this.maybeTunnel(Tunnel.vxlan, buf, o, pend);
        else if (t.dstPort === GENEVE_PORT) this.maybeTunnel(Tunnel.geneve, buf, o, pend);
        return;
      }
      case IpProto.icmp:
      case IpProto.icmpv6: {
        const o = proto === IpProto.icmp ? decodeIcmpv4(buf, l4, l4End, this.icmp, r) : decodeIcmpv6(buf, l4, l4End, this.icmp, r);
        if (o < 0) return;
        t.noL4 = false;
        t.icmpType = this.icmp.type;
        t.icmpCode = this.icmp.code;
        this.payloadOff = o;
        this.payloadLen = l4End - o;
        return;
      }
      default:
        this.payloadOff = l4;
        this.payloadLen = l4End - l4;
    }
  }

  private setV6(h: Ipv6Header): void {
    const t = this.tuple;
    t.family = 6;
    t.src.set(h.src);
    t.dst.set(h.dst);
  }

  /** Opens a tunnel only if its header is valid; otherwise the datagram stays a plain UDP flow. */
  private maybeTunnel(kind: TunnelKind, buf: Uint8Array, off: number, end: number): void {
    if (this.encapDepth >= MAX_ENCAP_DEPTH) {
      anomaly(this.r, 'packet.encap_too_deep');
      return;
    }
    const r = this.r;
    if (kind === Tunnel.vxlan) {
      if (end - off < 8 || ((buf[off] as number) & 0x08) === 0) {
        // not VXLAN after all (the I flag is the only thing that says it is): name it, keep the UDP flow
        if (end - off < 8) anomaly(r, 'vxlan.truncated');
        else anomaly(r, 'vxlan.i_flag_unset');
        return;
      }
    } else if (end - off < 8 || (buf[off] as number) >> 6 !== 0) {
      anomaly(r, end - off < 8 ? 'geneve.truncated' : 'geneve.version_invalid');
      return;
    }
    if (this.encapDepth === 0) this.outer.copyFrom(this.tuple);
    this.tuple.family = 0;
    this.tuple.noL4 = true;
    this.payloadOff = 0;
    this.payloadLen = 0;
    if (kind === Tunnel.vxlan) this.openVxlan(buf, off, end);
    else this.openGeneve(buf, off, end);
  }

  private openVxlan(buf: Uint8Array, off: number, end: number): void {
    const o = decodeVxlan(buf, off, end, this.vxlan, this.r);
    if (o < 0) return;
    this.enter(Tunnel.vxlan, this.vxlan.vni);
    this.fromEthernet(buf, o, end);
  }

  private openGeneve(buf: Uint8Array, off: number, end: number): void {
    const o = decodeGeneve(buf, off, end, this.geneve, this.r);
    if (o < 0) return;
    this.enter(Tunnel.geneve, this.geneve.vni);
    const p = this.geneve.protocol;
    if (p === GENEVE_PROTO_ETHERNET) this.fromEthernet(buf, o, end);
    else if (p === EtherType.ipv4 || p === EtherType.ipv6) this.fromL3(p, buf, o, end, o);
    else fail(this.r, 'geneve.unknown_protocol');
  }

  private enter(kind: TunnelKind, vni: number): void {
    this.encapDepth++;
    this.eth.vlanCount = 0;
    if (this.tunnel === Tunnel.none) this.tunnel = kind;
    if (kind === Tunnel.vxlan && this.vni < 0) this.vni = vni;
    if (kind === Tunnel.geneve && this.geneveVni < 0) this.geneveVni = vni;
  }
}
