/**
 * Golden checks from suricata-verify test.yaml files (../shared/corpus/suricata-verify/<case>/test.yaml): the same
 * filters and counts, with the expected values written here. Cases that need Suricata features outside the sensor's
 * scope (alerts, SSH/NTP parsers, IP defragmentation) keep only the checks that apply; see docs/sensor.md.
 */
import { describe, expect, it } from 'vitest';
import { isAnomalyCode } from '../../../shared/packet/anomalies.ts';
import { corpus, count, decodeFile } from '../../helpers/pcap-sensor.ts';

interface Check {
  count: number;
  match: Record<string, unknown>;
}
interface Case {
  name: string;
  pcap: string;
  seed?: number;
  checks: Check[];
}

const CASES: Case[] = [
  {
    name: 'vxlan-decoder-03 (real AWS Traffic Mirroring capture)',
    pcap: 'suricata-verify/vxlan-decoder-03/vxlan.pcap',
    checks: [
      { count: 14, match: { event_type: 'flow', dest_port: 4789, 'flow.pkts_toclient': 0, 'flow.bytes_toclient': 0 } },
      { count: 2, match: { event_type: 'flow', dest_port: 4789, src_port: 65445, 'flow.pkts_toclient': 0, 'flow.bytes_toclient': 0 } },
      { count: 8, match: { event_type: 'dns', 'dns.queries[0].rrname': 'ec2-18-196-145-224.eu-central-1.compute.amazonaws.com' } },
    ],
  },
  {
    name: 'vxlan-decoder-01',
    pcap: 'suricata-verify/vxlan-decoder-01/input.pcap',
    checks: [
      { count: 1, match: { event_type: 'flow', src_port: 53, dest_port: 12345 } },
      { count: 1, match: { event_type: 'flow', src_port: 32021, dest_port: 12345 } },
    ],
  },
  {
    name: 'vxlan-decoder-02 (tcpdump vxlan.pcap: ICMP inside VXLAN)',
    pcap: 'suricata-verify/vxlan-decoder-02/vxlan.pcap',
    checks: [
      { count: 1, match: { event_type: 'flow', proto: 'ICMP', 'flow.pkts_toserver': 4, 'flow.pkts_toclient': 4 } },
      { count: 4, match: { event_type: 'flow', dest_port: 4789 } },
    ],
  },
  {
    name: 'vxlan-non-zero-reserved-fields',
    pcap: 'suricata-verify/vxlan-non-zero-reserved-fields/input.pcap',
    checks: [
      { count: 1, match: { event_type: 'flow', src_port: 51252, dest_port: 80, 'flow.pkts_toserver': 5, 'flow.pkts_toclient': 5 } },
      { count: 1, match: { event_type: 'flow', dest_port: 4789 } },
    ],
  },
  {
    name: 'geneve-decoder (GENEVE as behind an AWS GWLB)',
    pcap: 'suricata-verify/geneve-decoder/input.pcap',
    checks: [
      {
        count: 1,
        match: {
          dest_ip: '10.0.0.2', event_type: 'flow', 'flow.age': 3, 'flow.alerted': false, 'flow.bytes_toclient': 392, 'flow.bytes_toserver': 392,
          'flow.pkts_toclient': 4, 'flow.pkts_toserver': 4, 'flow.reason': 'shutdown', 'flow.state': 'established', icmp_code: 0, icmp_type: 8,
          proto: 'ICMP', response_icmp_code: 0, response_icmp_type: 0, src_ip: '10.0.0.1',
        },
      },
    ],
  },
  {
    name: 'eve-flow-vlan-02 (single, double, triple 802.1Q)',
    pcap: 'suricata-verify/eve-flow-vlan-02/input.pcap',
    checks: [
      { count: 1, match: { event_type: 'flow', vlan: [6] } },
      { count: 1, match: { event_type: 'flow', vlan: [1, 10] } },
      { count: 1, match: { event_type: 'flow', vlan: [1, 10, 100] } },
    ],
  },
  {
    name: 'community-id-ipv4 (seed 7)',
    pcap: 'suricata-verify/community-id-ipv4/input.pcap',
    seed: 7,
    checks: [
      {
        count: 1,
        match: { community_id: '1:IwiTNfuO7aCaamMijl+7/X9uLx0=', dest_ip: '172.217.14.206', dest_port: 443, event_type: 'flow', proto: 'TCP', src_ip: '172.26.0.39', src_port: 35958 },
      },
    ],
  },
  {
    name: 'community-id-ipv6 (seed 7, Suricata IPv6 spelling)',
    pcap: 'suricata-verify/community-id-ipv6/input.pcap',
    seed: 7,
    checks: [
      {
        count: 1,
        match: {
          community_id: '1:PGf+a0eBbs1OhuPtJmsF0Sm51v4=', dest_ip: '2001:4860:4860:0000:0000:0000:0000:8888', dest_port: 443, event_type: 'flow', 'flow.age': 0,
          'flow.alerted': false, 'flow.bytes_toclient': 7122, 'flow.bytes_toserver': 2303, 'flow.pkts_toclient': 17, 'flow.pkts_toserver': 17,
          'flow.reason': 'shutdown', 'flow.state': 'established', proto: 'TCP', src_ip: '2600:1f13:00f8:d400:03a6:303c:e011:18eb', src_port: 33892,
        },
      },
      { count: 1, match: { event_type: 'flow', community_id: '1:ptJhMvufAbB5nLDNW77cB800wFM=', dest_ip: '2607:f8b0:400a:0800:0000:0000:0000:200e', src_port: 60202 } },
    ],
  },
  {
    name: 'dns-udp-eve-log-srv (LINKTYPE_RAW)',
    pcap: 'suricata-verify/dns-udp-eve-log-srv/input.pcap',
    checks: [{ count: 1, match: { event_type: 'flow', proto: 'UDP', dest_port: 53, app_proto: 'dns' } }],
  },
];

describe('golden: suricata-verify cases', () => {
  it.each(CASES)('$name', (c) => {
    // Act
    const { records, stats } = decodeFile(corpus(c.pcap), { communityIdSeed: c.seed });
    // Assess
    for (const ch of c.checks) expect({ match: ch.match, count: count(records, ch.match) }).toEqual({ match: ch.match, count: ch.count });
    for (const code of Object.keys(stats.anomalies)) expect(isAnomalyCode(code)).toBe(true);
    expect(stats.internal_errors).toBe(0);
  });

  it('ipv4-truncated: a packet longer than the capture is decoded as far as it goes and flagged', () => {
    const { records, stats } = decodeFile(corpus('suricata-verify/ipv4-truncated/truncated.pcap'));
    expect(stats.truncated).toBe(1);
    expect(count(records, { event_type: 'anomaly', 'anomaly.event': 'ipv4.trunc_pkt', 'anomaly.type': 'decode' })).toBe(1);
  });

  it('bug-6887: LINKTYPE_IPV4 (228) fragments are decoded per fragment (no defragmentation) and counted', () => {
    const { stats } = decodeFile(corpus('suricata-verify/bug-6887-defrag-ipv4-tcp-syn/frag-ip-tcp-syn.pcap'));
    expect(stats).toMatchObject({ packets: 3, decoded: 3, layers: { ipv4: 3 } });
  });
});
