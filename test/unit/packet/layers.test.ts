import { describe, expect, it } from 'vitest';
import { EthernetHeader, decodeEthernet } from '../../../shared/packet/ethernet.ts';
import { GeneveHeader, decodeGeneve } from '../../../shared/packet/geneve.ts';
import { IcmpHeader, decodeIcmpv4, decodeIcmpv6 } from '../../../shared/packet/icmp.ts';
import { Ipv4Header, decodeIpv4 } from '../../../shared/packet/ipv4.ts';
import { Ipv6Header, decodeIpv6 } from '../../../shared/packet/ipv6.ts';
import { LinkHeader, decodeNull, decodeSll, decodeSll2 } from '../../../shared/packet/link.ts';
import { DecodeResult } from '../../../shared/packet/result.ts';
import { TcpHeader, decodeTcp } from '../../../shared/packet/tcp.ts';
import { UdpHeader, decodeUdp } from '../../../shared/packet/udp.ts';
import { VxlanHeader, decodeVxlan } from '../../../shared/packet/vxlan.ts';
import { ascii, ethernet, geneve, hex, icmp, ipv4, ipv6, tcp, udp } from '../../helpers/pcap-build.ts';
import { behavesLikeADecoder } from './contract.ts';

const run = <H>(fn: (b: Uint8Array, o: number, e: number, h: H, r: DecodeResult) => number, h: H, b: Uint8Array) => {
  const r = new DecodeResult();
  const ret = fn(b, 0, b.length, h, r);
  return { ret, r: r.snapshot() };
};

describe('decodeVxlan()', () => {
  it('reads the VNI when the I flag is set', () => {
    // Prepare: Wireshark "Virtual eXtensible Local Area Network": Flags 0x0800, VNI 123 (0x00007b)
    const b = hex('08 00 00 00 00 00 7b 00');
    // Act
    const h = new VxlanHeader();
    const { ret, r } = run(decodeVxlan, h, b);
    // Assess
    expect(ret).toBe(8);
    expect(h.vni).toBe(123);
    expect(r).toEqual({ layers: ['vxlan'], anomalies: [], truncated: false });
  });
  it('flags vxlan.truncated when fewer than 8 bytes remain', () => {
    expect(run(decodeVxlan, new VxlanHeader(), hex('08 00 00 00 00 00 7b'))).toEqual({ ret: -1, r: { layers: [], anomalies: ['vxlan.truncated'], truncated: true } });
  });
  it('flags vxlan.i_flag_unset and stops', () => {
    expect(run(decodeVxlan, new VxlanHeader(), hex('00 00 00 00 00 00 7b 00')).r.anomalies).toEqual(['vxlan.i_flag_unset']);
  });
  it('notes vxlan.reserved_set but goes on (RFC 7348: ignore on receipt)', () => {
    const { ret, r } = run(decodeVxlan, new VxlanHeader(), hex('0c 00 00 01 00 00 7b 01'));
    expect(ret).toBe(8);
    expect(r.anomalies).toEqual(['vxlan.reserved_set']);
  });
});
behavesLikeADecoder('decodeVxlan', (b, o, e, r) => decodeVxlan(b, o, e, new VxlanHeader(), r), [hex('08 00 00 00 00 00 7b 00')]);

describe('decodeGeneve()', () => {
  it('reads VNI, protocol and walks options', () => {
    const b = geneve(0xabcdef, new Uint8Array(0), 0x6558, [0x01, 0x08, 0x01, 0x01, 1, 2, 3, 4]);
    const h = new GeneveHeader();
    const { ret, r } = run(decodeGeneve, h, b);
    expect(ret).toBe(16);
    expect(h).toMatchObject({ vni: 0xabcdef, protocol: 0x6558, optLen: 8, optionCount: 1 });
    expect(r.anomalies).toEqual([]);
  });
  it('flags geneve.opt_len_invalid when an option runs past the option area', () => {
    const b = geneve(1, new Uint8Array(0), 0x6558, [0x01, 0x08, 0x01, 0x02, 1, 2, 3, 4]);
    expect(run(decodeGeneve, new GeneveHeader(), b).r.anomalies).toEqual(['geneve.opt_len_invalid']);
  });
  it('flags geneve.version_invalid', () => {
    expect(run(decodeGeneve, new GeneveHeader(), hex('40 00 65 58 00 00 01 00')).r.anomalies).toEqual(['geneve.version_invalid']);
  });
});
behavesLikeADecoder('decodeGeneve', (b, o, e, r) => decodeGeneve(b, o, e, new GeneveHeader(), r), [
  geneve(7, new Uint8Array(0), 0x6558, [0x01, 0x08, 0x01, 0x01, 1, 2, 3, 4]),
]);

describe('decodeEthernet()', () => {
  it('reads stacked 802.1ad + 802.1Q tags outermost first', () => {
    const b = ethernet(new Uint8Array(0), 0x0800, [100, 200], 0x88a8);
    const h = new EthernetHeader();
    const { ret, r } = run(decodeEthernet, h, b);
    expect(ret).toBe(22);
    expect(h.etherType).toBe(0x0800);
    expect(h.vlanIds.slice(0, h.vlanCount)).toEqual([100, 200]);
    expect(r.layers).toEqual(['ethernet', 'vlan', 'vlan']);
  });
  it('flags vlan.too_many_layers past MAX_VLAN_TAGS', () => {
    const b = ethernet(new Uint8Array(0), 0x0800, [1, 2, 3, 4, 5]);
    expect(run(decodeEthernet, new EthernetHeader(), b).r.anomalies).toEqual(['vlan.too_many_layers']);
  });
  it('flags vlan.truncated when a tag is cut', () => {
    const b = ethernet(new Uint8Array(0), 0x0800, [1]).subarray(0, 16);
    expect(run(decodeEthernet, new EthernetHeader(), b).r).toMatchObject({ anomalies: ['vlan.truncated'], truncated: true });
  });
});
behavesLikeADecoder('decodeEthernet', (b, o, e, r) => decodeEthernet(b, o, e, new EthernetHeader(), r), [ethernet(new Uint8Array(0), 0x86dd, [5, 6])]);

const ip4tcp = ipv4(tcp(ascii('GET / HTTP/1.1\r\n'), { sport: 1234, dport: 80 }), { proto: 6, options: [0x01, 0x01, 0x07, 0x03, 0x00, 0x00, 0x00, 0x00] });
describe('decodeIpv4()', () => {
  it('decodes addresses, options and the payload end', () => {
    const h = new Ipv4Header();
    const { ret, r } = run(decodeIpv4, h, ip4tcp);
    expect(ret).toBe(28);
    expect(h).toMatchObject({ ihl: 7, protocol: 6, src: 0x0a000001, dst: 0x0a000002, optionCount: 1, payloadEnd: ip4tcp.length });
    expect(r.anomalies).toEqual([]);
  });
  it('flags ipv4.hlen_too_small when IHL < 5', () => {
    const b = Uint8Array.from(ip4tcp);
    b[0] = 0x44;
    expect(run(decodeIpv4, new Ipv4Header(), b).r.anomalies).toEqual(['ipv4.hlen_too_small']);
  });
  it('flags ipv4.iplen_smaller_than_hlen', () => {
    const b = ipv4(new Uint8Array(4), { proto: 17, totalLength: 12 });
    expect(run(decodeIpv4, new Ipv4Header(), b).r.anomalies).toEqual(['ipv4.iplen_smaller_than_hlen']);
  });
  it('marks a packet cut by the mirror PacketLength as truncated and still decodes it', () => {
    const h = new Ipv4Header();
    const { ret, r } = run(decodeIpv4, h, ip4tcp.subarray(0, 40));
    expect(ret).toBe(28);
    expect(r).toMatchObject({ anomalies: ['ipv4.trunc_pkt'], truncated: true });
    expect(h.payloadEnd).toBe(40);
  });
  it('trims Ethernet padding using the total length', () => {
    const b = new Uint8Array(60);
    b.set(ipv4(new Uint8Array(8), { proto: 17 }));
    const h = new Ipv4Header();
    run(decodeIpv4, h, b);
    expect(h.payloadEnd).toBe(28);
  });
  it('reads fragment fields', () => {
    const h = new Ipv4Header();
    run(decodeIpv4, h, ipv4(new Uint8Array(16), { proto: 6, flags: 1, fragOffset: 1480 }));
    expect(h).toMatchObject({ moreFragments: true, fragOffset: 1480 });
  });
  it('flags ipv4.opt_invalid_len', () => {
    const b = ipv4(new Uint8Array(0), { proto: 6, options: [0x07, 0x09, 0, 0] });
    expect(run(decodeIpv4, new Ipv4Header(), b).r.anomalies).toEqual(['ipv4.opt_invalid_len']);
  });
});
behavesLikeADecoder('decodeIpv4', (b, o, e, r) => decodeIpv4(b, o, e, new Ipv4Header(), r), [ip4tcp]);

// hop-by-hop (8 bytes, PadN) -> fragment header -> UDP
const ext = hex('2c 00 01 04 00 00 00 00' + '11 00 00 00 00 00 00 2a');
const ip6udp = ipv6(udp(ascii('abcd'), 5353, 53), { next: 0, ext });
describe('decodeIpv6()', () => {
  it('walks hop-by-hop and fragment extension headers to the upper layer', () => {
    const h = new Ipv6Header();
    const { ret, r } = run(decodeIpv6, h, ip6udp);
    expect(ret).toBe(56);
    expect(h).toMatchObject({ protocol: 17, extCount: 2, hasFragmentHeader: true, fragOffset: 0, fragId: 42 });
    expect(Array.from(h.src)).toEqual([0x20010db8, 0, 0, 1]);
    expect(r.anomalies).toEqual([]);
  });
  it('flags ipv6.exthdr_dupl_fh', () => {
    const b = ipv6(new Uint8Array(0), { next: 44, ext: hex('2c 00 00 00 00 00 00 01 11 00 00 00 00 00 00 02') });
    expect(run(decodeIpv6, new Ipv6Header(), b).r.anomalies).toEqual(['ipv6.exthdr_dupl_fh']);
  });
  it('flags ipv6.exthdr_invalid_optlen', () => {
    const b = ipv6(new Uint8Array(0), { next: 0, ext: hex('11 00 01 09 00 00 00 00') });
    expect(run(decodeIpv6, new Ipv6Header(), b).r.anomalies).toEqual(['ipv6.exthdr_invalid_optlen']);
  });
  it('flags ipv6.trunc_exthdr when the chain runs past the packet', () => {
    const b = ipv6(new Uint8Array(0), { next: 60, ext: hex('11 01 00 00 00 00 00 00') });
    expect(run(decodeIpv6, new Ipv6Header(), b).r).toMatchObject({ anomalies: ['ipv6.trunc_exthdr'], truncated: true });
  });
  it('flags ipv6.wrong_ip_version', () => {
    const b = Uint8Array.from(ip6udp);
    b[0] = 0x40;
    expect(run(decodeIpv6, new Ipv6Header(), b).r.anomalies).toEqual(['ipv6.wrong_ip_version']);
  });
});
behavesLikeADecoder('decodeIpv6', (b, o, e, r) => decodeIpv6(b, o, e, new Ipv6Header(), r), [ip6udp]);

// SYN with MSS 1460, SACK-permitted, timestamps, NOP, window scale 7 (a Linux SYN, as Wireshark shows it)
const synOpts = [0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 0, 0x01, 0x03, 0x03, 0x07];
const syn = tcp(new Uint8Array(0), { sport: 40000, dport: 443, seq: 1000, flags: 0x02, options: synOpts });
describe('decodeTcp()', () => {
  it('decodes ports, flags and options', () => {
    const h = new TcpHeader();
    const { ret } = run(decodeTcp, h, syn);
    expect(ret).toBe(40);
    expect(h).toMatchObject({ srcPort: 40000, dstPort: 443, seq: 1000, flags: 2, mss: 1460, wscale: 7, sackPermitted: true, hasTimestamp: true, tsVal: 1, payloadLen: 0 });
  });
  it('flags tcp.hlen_invalid when the data offset is below 5', () => {
    const b = Uint8Array.from(syn);
    b[12] = 0x40;
    expect(run(decodeTcp, new TcpHeader(), b).r.anomalies).toEqual(['tcp.hlen_invalid']);
  });
  it('flags tcp.opt_invalid_len for a wrong MSS length', () => {
    const b = tcp(new Uint8Array(0), { sport: 1, dport: 2, options: [0x02, 0x03, 0x05, 0x00] });
    expect(run(decodeTcp, new TcpHeader(), b).r.anomalies).toEqual(['tcp.opt_invalid_len']);
  });
  it('flags tcp.opt_duplicate', () => {
    const b = tcp(new Uint8Array(0), { sport: 1, dport: 2, options: [0x03, 0x03, 0x07, 0x03, 0x03, 0x07, 0x00, 0x00] });
    expect(run(decodeTcp, new TcpHeader(), b).r.anomalies).toEqual(['tcp.opt_duplicate']);
  });
});
behavesLikeADecoder('decodeTcp', (b, o, e, r) => decodeTcp(b, o, e, new TcpHeader(), r), [syn, tcp(ascii('hello'), { sport: 1, dport: 2 })]);

describe('decodeUdp()', () => {
  it('decodes ports and payload', () => {
    const h = new UdpHeader();
    const { ret } = run(decodeUdp, h, udp(ascii('xyz'), 53000, 53));
    expect(ret).toBe(8);
    expect(h).toMatchObject({ srcPort: 53000, dstPort: 53, length: 11, payloadLen: 3 });
  });
  it('flags udp.hlen_invalid when the length is below 8', () => {
    expect(run(decodeUdp, new UdpHeader(), udp(new Uint8Array(0), 1, 2, 7)).r.anomalies).toEqual(['udp.hlen_invalid']);
  });
  it('flags udp.len_invalid when the length disagrees with a complete IP payload', () => {
    expect(run(decodeUdp, new UdpHeader(), udp(ascii('abc'), 1, 2, 20)).r.anomalies).toEqual(['udp.len_invalid']);
  });
});
behavesLikeADecoder('decodeUdp', (b, o, e, r) => decodeUdp(b, o, e, new UdpHeader(), r), [udp(ascii('abc'), 1, 2)]);

describe('decodeIcmpv4() / decodeIcmpv6()', () => {
  it('reads type, code and the echo identifier', () => {
    const h = new IcmpHeader();
    expect(run(decodeIcmpv4, h, icmp(8, 0, [0x12, 0x34, 0, 1])).ret).toBe(4);
    expect(h).toMatchObject({ type: 8, code: 0, id: 0x1234 });
  });
  it('flags icmpv4.unknown_type and icmpv4.unknown_code', () => {
    expect(run(decodeIcmpv4, new IcmpHeader(), icmp(99, 0)).r.anomalies).toEqual(['icmpv4.unknown_type']);
    expect(run(decodeIcmpv4, new IcmpHeader(), icmp(3, 16)).r.anomalies).toEqual(['icmpv4.unknown_code']);
  });
  it('flags icmpv6.unknown_code', () => {
    expect(run(decodeIcmpv6, new IcmpHeader(), icmp(1, 9)).r.anomalies).toEqual(['icmpv6.unknown_code']);
    expect(run(decodeIcmpv6, new IcmpHeader(), icmp(128, 0)).r.anomalies).toEqual([]);
  });
});
behavesLikeADecoder('decodeIcmpv4', (b, o, e, r) => decodeIcmpv4(b, o, e, new IcmpHeader(), r), [icmp(8, 0)]);
behavesLikeADecoder('decodeIcmpv6', (b, o, e, r) => decodeIcmpv6(b, o, e, new IcmpHeader(), r), [icmp(135, 0)]);

describe('link layers', () => {
  it('decodeNull reads a little-endian AF_INET6 (macOS 30)', () => {
    const h = new LinkHeader();
    expect(run((b, o, e, hh: LinkHeader, r) => decodeNull(b, o, e, hh, r, false), h, hex('1e 00 00 00')).ret).toBe(4);
    expect(h.etherType).toBe(0x86dd);
  });
  it('decodeNull flags null.unknown_family', () => {
    expect(run((b, o, e, hh: LinkHeader, r) => decodeNull(b, o, e, hh, r, false), new LinkHeader(), hex('07 00 00 00')).r.anomalies).toEqual(['null.unknown_family']);
  });
  it('decodeSll reads the protocol at byte 14', () => {
    const h = new LinkHeader();
    expect(run(decodeSll, h, hex('0000 0001 0006 020000000001 0000 0800')).ret).toBe(16);
    expect(h.etherType).toBe(0x0800);
  });
  it('decodeSll2 reads the protocol at byte 0', () => {
    const h = new LinkHeader();
    expect(run(decodeSll2, h, hex('86dd 0000 00000002 0001 00 06 0200000000010000')).ret).toBe(20);
    expect(h.etherType).toBe(0x86dd);
  });
});
behavesLikeADecoder('decodeSll', (b, o, e, r) => decodeSll(b, o, e, new LinkHeader(), r), [hex('0000 0001 0006 020000000001 0000 0800')]);
behavesLikeADecoder('decodeSll2', (b, o, e, r) => decodeSll2(b, o, e, new LinkHeader(), r), [hex('86dd 0000 00000002 0001 00 06 0200000000010000')]);
behavesLikeADecoder('decodeNull', (b, o, e, r) => decodeNull(b, o, e, new LinkHeader(), r, false), [hex('02 00 00 00')]);

