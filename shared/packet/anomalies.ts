import { APP_ANOMALY_TABLE, type AppAnomalyCode } from './app/anomalies.ts';

/**
 * Every anomaly the sensor can report, one `as const` table (Suricata decoder events / Zeek weirds). Codes read
 * `<layer>.<condition>`; the value says what happened, for docs and `--stats`. Tests assert that every emitted code
 * is a key of this table. Application-layer codes (http/tls/dns) come from shared/packet/app/anomalies.ts.
 */
export const PACKET_ANOMALIES = {
  'packet.empty': 'zero-length frame',
  'packet.too_many_layers': 'more layers than MAX_LAYERS',
  'packet.encap_too_deep': 'more nested tunnels than MAX_ENCAP_DEPTH',
  'packet.unknown_linktype': 'capture link type not supported',
  'pcap.truncated_record': 'the capture file ends inside a packet record (cut file)',
  'null.truncated': 'BSD null/loopback header shorter than 4 bytes',
  'null.unknown_family': 'BSD null/loopback address family is neither IPv4 nor IPv6',
  'sll.truncated': 'Linux cooked (SLL/SLL2) header cut short',
  'ethernet.truncated': 'fewer than 14 bytes for the Ethernet header',
  'vlan.truncated': 'fewer than 4 bytes for an 802.1Q/802.1ad tag',
  'vlan.too_many_layers': 'more stacked VLAN tags than MAX_VLAN_TAGS',
  'vxlan.truncated': 'fewer than 8 bytes for the VXLAN header',
  'vxlan.i_flag_unset': "VXLAN 'I' flag (valid VNI) is 0, RFC 7348 §5",
  'vxlan.reserved_set': 'VXLAN reserved bits are not zero, RFC 7348 §5',
  'geneve.truncated': 'GENEVE header or options cut short',
  'geneve.version_invalid': 'GENEVE version is not 0, RFC 8926 §3.4',
  'geneve.opt_len_invalid': 'GENEVE option length runs past the option area',
  'geneve.unknown_protocol': 'GENEVE protocol type is not Ethernet, IPv4 or IPv6',
  'ipv4.pkt_too_small': 'fewer than 20 bytes for the IPv4 header',
  'ipv4.wrong_ip_version': 'IP version field is not 4 in an IPv4 packet',
  'ipv4.hlen_too_small': 'IPv4 IHL below 5 (20 bytes)',
  'ipv4.iplen_smaller_than_hlen': 'IPv4 total length smaller than the header length',
  'ipv4.trunc_pkt': 'IPv4 total length larger than the captured bytes',
  'ipv4.opt_invalid_len': 'IPv4 option length below 2 or past the header',
  'ipv4.frag_offset_invalid': 'IPv4 fragment runs past 65535 bytes',
  'ipv6.pkt_too_small': 'fewer than 40 bytes for the IPv6 header',
  'ipv6.wrong_ip_version': 'IP version field is not 6 in an IPv6 packet',
  'ipv6.trunc_pkt': 'IPv6 payload length larger than the captured bytes',
  'ipv6.trunc_exthdr': 'IPv6 extension header cut short',
  'ipv6.exthdr_too_many': 'more IPv6 extension headers than MAX_IPV6_EXTHDRS',
  'ipv6.exthdr_dupl_fh': 'more than one IPv6 fragment header',
  'ipv6.exthdr_invalid_optlen': 'IPv6 hop-by-hop/destination option length runs past the header',
  'tcp.pkt_too_small': 'fewer than 20 bytes for the TCP header',
  'tcp.hlen_invalid': 'TCP data offset below 5 or past the segment',
  'tcp.opt_invalid_len': 'TCP option length below 2, past the header, or wrong for its kind',
  'tcp.opt_duplicate': 'the same TCP option appears twice',
  'udp.pkt_too_small': 'fewer than 8 bytes for the UDP header',
  'udp.hlen_invalid': 'UDP length below 8',
  'udp.len_invalid': 'UDP length does not match the IP payload',
  'icmpv4.pkt_too_small': 'fewer than 4 bytes for the ICMP header',
  'icmpv4.unknown_type': 'ICMP type not assigned by IANA',
  'icmpv4.unknown_code': 'ICMP code not assigned for its type',
  'icmpv6.pkt_too_small': 'fewer than 4 bytes for the ICMPv6 header',
  'icmpv6.unknown_type': 'ICMPv6 type not assigned by IANA',
  'icmpv6.unknown_code': 'ICMPv6 code not assigned for its type',
  'stream.gap': 'TCP stream lost bytes (capture loss or one-sided mirror); parser resynced',
  'stream.overlap_different': 'retransmitted TCP bytes differ from the ones already seen (first copy kept)',
  'stream.depth_reached': 'per-flow reassembly depth reached; the rest of the stream is not parsed',
  'stream.memcap_reached': 'global reassembly memory cap reached; segment not buffered',
  'flow.memcap_evicted': 'flow table full; the least recently seen flow was evicted',
  'internal.decoder_exception': 'a decoder threw (a bug); the datagram was skipped and counted',
} as const;

export const ANOMALIES = {
  ...PACKET_ANOMALIES,
  ...APP_ANOMALY_TABLE,
} as const;

export type PacketAnomalyCode = keyof typeof PACKET_ANOMALIES;
export type AnomalyCode = PacketAnomalyCode | AppAnomalyCode;

export function isAnomalyCode(s: string): s is AnomalyCode {
  return Object.hasOwn(ANOMALIES, s);
}
