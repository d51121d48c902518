import { describe, expect, it } from 'vitest';
import { PacketDecoder, Tunnel } from '../../../shared/packet/decode.ts';
import { LinkType } from '../../../shared/packet/link.ts';
import type { DecodeResult } from '../../../shared/packet/result.ts';
import { ascii, concat, ethernet, geneve, hex, icmp, ipv4, ipv6, mirrorFrame, tcp, udp, vxlan } from '../../helpers/pcap-build.ts';
import { behavesLikeADecoder } from './contract.ts';

const httpInner = ethernet(ipv4(tcp(ascii('GET / HTTP/1.1\r\nHost: a\r\n\r\n'), { sport: 51000, dport: 80, flags: 0x18 }), { proto: 6, src: '172.16.0.5', dst: '93.184.216.34' }));

describe('PacketDecoder.decodeFrame()', () => {
  it('opens an AWS-mirror VXLAN frame down to the inner TCP payload, keeping the outer tuple', () => {
    // Prepare
    const d = new PacketDecoder();
    const frame = mirrorFrame(httpInner, 5569041);
    // Act
    const r = d.decodeFrame(frame, 0, frame.length, LinkType.ethernet);
    // Assess
    expect(r.snapshot()).toEqual({ layers: ['ethernet', 'ipv4', 'udp', 'vxlan', 'ethernet', 'ipv4', 'tcp'], anomalies: [], truncated: false });
    expect(d.vni).toBe(5569041);
    expect(d.tunnel).toBe(Tunnel.vxlan);
    expect(d.outer).toMatchObject({ family: 4, proto: 17, dstPort: 4789 });
    expect(d.tuple).toMatchObject({ family: 4, proto: 6, srcPort: 51000, dstPort: 80, length: httpInner.length });
    expect(new TextDecoder().decode(frame.subarray(d.payloadOff, d.payloadOff + d.payloadLen))).toMatch(/^GET \//);
  });

  it('decodes 802.1Q inside VXLAN', () => {
    const d = new PacketDecoder();
    const inner = ethernet(ipv4(udp(ascii('x'), 1000, 2000), { proto: 17 }), 0x0800, [42]);
    const f = mirrorFrame(inner);
    d.decodeFrame(f, 0, f.length, LinkType.ethernet);
    expect(d.eth.vlanIds.slice(0, d.eth.vlanCount)).toEqual([42]);
    expect(d.tuple.dstPort).toBe(2000);
  });

  it('decodes VXLAN inside GENEVE (AWS GWLB in front of a mirror target) and keeps the VXLAN VNI', () => {
    const d = new PacketDecoder();
    const innerVx = ipv4(udp(vxlan(77, httpInner), 40000, 4789), { proto: 17 });
    const f = ethernet(ipv4(udp(geneve(999, innerVx, 0x0800), 50000, 6081), { proto: 17 }));
    const r = d.decodeFrame(f, 0, f.length, LinkType.ethernet);
    expect(r.snapshot().layers).toEqual(['ethernet', 'ipv4', 'udp', 'geneve', 'ipv4', 'udp', 'vxlan', 'ethernet', 'ipv4', 'tcp']);
    expect(d.vni).toBe(77);
    expect(d.geneveVni).toBe(999);
    expect(d.encapDepth).toBe(2);
  });

  it('keeps a UDP/4789 datagram without the I flag as plain UDP and names it', () => {
    const d = new PacketDecoder();
    const f = ethernet(ipv4(udp(vxlan(1, httpInner, 0x00), 1, 4789), { proto: 17 }));
    const r = d.decodeFrame(f, 0, f.length, LinkType.ethernet);
    expect(r.snapshot().anomalies).toEqual(['vxlan.i_flag_unset']);
    expect(d.tunnel).toBe(Tunnel.none);
    expect(d.tuple.dstPort).toBe(4789);
  });

  it('flags packet.encap_too_deep past MAX_ENCAP_DEPTH', () => {
    let f = httpInner;
    for (let i = 0; i < 6; i++) f = ethernet(ipv4(udp(vxlan(i, f), 1, 4789), { proto: 17 }));
    const d = new PacketDecoder();
    expect(d.decodeFrame(f, 0, f.length, LinkType.ethernet).hasAnomaly('packet.encap_too_deep')).toBe(true);
  });

  it('decodes a truncated inner packet (mirror PacketLength) as far as it goes', () => {
    const d = new PacketDecoder();
    const f = mirrorFrame(httpInner).subarray(0, 50 + 14 + 20 + 10);
    const r = d.decodeFrame(f, 0, f.length, LinkType.ethernet);
    expect(r.truncated).toBe(true);
    expect(r.snapshot().anomalies).toContain('tcp.pkt_too_small');
    expect(d.tuple.family).toBe(4);
    expect(d.tuple.noL4).toBe(true);
  });

  it('skips the L4 header of a non-first IPv4 fragment', () => {
    const d = new PacketDecoder();
    const f = ethernet(ipv4(ascii('continuation bytes'), { proto: 6, fragOffset: 1480 }));
    const r = d.decodeFrame(f, 0, f.length, LinkType.ethernet);
    expect(r.snapshot().layers).toEqual(['ethernet', 'ipv4']);
    expect(d.tuple).toMatchObject({ family: 4, proto: 6, noL4: true });
  });

  it('decodes raw IPv6 with ICMPv6 (LINKTYPE_RAW)', () => {
    const d = new PacketDecoder();
    const f = ipv6(icmp(128, 0), { next: 58 });
    d.decodeFrame(f, 0, f.length, LinkType.raw);
    expect(d.tuple).toMatchObject({ family: 6, proto: 58, icmpType: 128, icmpCode: 0, noL4: false });
  });

  it('decodes Linux SLL and BSD null link layers', () => {
    const d = new PacketDecoder();
    const ip = ipv4(udp(ascii('q'), 5000, 53), { proto: 17 });
    const sll = concat(hex('0000 0001 0006 020000000001 0000 0800'), ip);
    expect(d.decodeFrame(sll, 0, sll.length, LinkType.linuxSll).snapshot().layers).toEqual(['sll', 'ipv4', 'udp']);
    const nul = concat(hex('02000000'), ip);
    expect(d.decodeFrame(nul, 0, nul.length, LinkType.null).snapshot().layers).toEqual(['null', 'ipv4', 'udp']);
    const loop = concat(hex('00000002'), ip);
    expect(d.decodeFrame(loop, 0, loop.length, LinkType.loop).snapshot().layers).toEqual(['null', 'ipv4', 'udp']);
  });

  it('flags packet.unknown_linktype and packet.empty', () => {
    const d = new PacketDecoder();
    expect(d.decodeFrame(httpInner, 0, httpInner.length, 9999).snapshot().anomalies).toEqual(['packet.unknown_linktype']);
    expect(d.decodeFrame(httpInner, 0, 0, LinkType.ethernet).snapshot().anomalies).toEqual(['packet.empty']);
  });
});

describe('PacketDecoder.decodeVxlanDatagram()', () => {
  it('starts at the VXLAN header, as the daemon socket on 4789 receives it', () => {
    const d = new PacketDecoder();
    const dg = vxlan(4242, httpInner);
    const r = d.decodeVxlanDatagram(dg, 0, dg.length);
    expect(r.snapshot().layers).toEqual(['vxlan', 'ethernet', 'ipv4', 'tcp']);
    expect(d.vni).toBe(4242);
    expect(d.outer.family).toBe(0);
  });
});

const frames = [
  mirrorFrame(httpInner),
  mirrorFrame(ethernet(ipv6(udp(ascii('dns?'), 5353, 53), { next: 0, ext: hex('11 00 01 04 00 00 00 00') }), 0x86dd, [7, 8])),
  ethernet(ipv4(udp(geneve(1, httpInner), 1, 6081), { proto: 17 })),
  ethernet(ipv4(icmp(8, 0), { proto: 1 })),
];
behavesLikeADecoder(
  'PacketDecoder.decodeFrame (Ethernet)',
  (b, o, e, r: DecodeResult) => {
    const d = new PacketDecoder();
    const res = d.decodeFrame(b, o, e, LinkType.ethernet);
    r.reset();
    for (let i = 0; i < res.layerCount; i++) r.addLayer(res.layers[i] as never);
    for (let i = 0; i < res.anomalyCount; i++) r.anomalies[r.anomalyCount++] = res.anomalies[i] as never;
    r.truncated = res.truncated;
    return res.anomalyCount > 0 && res.layerCount === 0 ? -1 : e;
  },
  frames,
  { runs: 1000 },
);
