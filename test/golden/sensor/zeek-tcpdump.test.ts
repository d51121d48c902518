/**
 * Zeek and tcpdump VXLAN/GENEVE traces (../shared/corpus/vxlan): the connections Zeek's conn.log baseline lists
 * (5-tuple and packet counts per side), Zeek's dns.log of a triple-nested VXLAN trace, and tcpdump's port-8472 copy
 * of vxlan.pcap decoding like the IANA-port original.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpus, count, decodeFile } from '../../helpers/pcap-sensor.ts';

interface Conn {
  orig_h: string;
  orig_p: number;
  resp_h: string;
  resp_p: number;
  proto: string;
  orig_pkts: number;
  resp_pkts: number;
}

function connLog(rel: string): Conn[] {
  const lines = readFileSync(corpus(rel), 'utf8').split('\n');
  const fields = (lines.find((l) => l.startsWith('#fields')) ?? '').split('\t').slice(1);
  return lines
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const v = Object.fromEntries(l.split('\t').map((x, i) => [fields[i], x]));
      return { orig_h: v['id.orig_h'], orig_p: Number(v['id.orig_p']), resp_h: v['id.resp_h'], resp_p: Number(v['id.resp_p']), proto: v.proto, orig_pkts: Number(v.orig_pkts), resp_pkts: Number(v.resp_pkts) } as Conn;
    });
}

describe('golden: Zeek conn.log baselines', () => {
  it.each([
    ['vxlan/zeek/vxlan.pcap', 'vxlan/zeek/expected/vxlan/conn.log'],
    ['vxlan/zeek/geneve.pcap', 'vxlan/zeek/expected/geneve/conn.log'],
  ])('%s has every connection of %s with the same packet counts', (pcap, log) => {
    const { records } = decodeFile(corpus(pcap));
    for (const c of connLog(log)) {
      const match: Record<string, unknown> = { event_type: 'flow', src_ip: c.orig_h, dest_ip: c.resp_h, 'flow.pkts_toserver': c.orig_pkts, 'flow.pkts_toclient': c.resp_pkts };
      if (c.proto === 'icmp') Object.assign(match, { proto: 'ICMP', icmp_type: c.orig_p });
      else Object.assign(match, { proto: c.proto.toUpperCase(), src_port: c.orig_p, dest_port: c.resp_p });
      expect({ conn: c, n: count(records, match) }).toEqual({ conn: c, n: 1 });
    }
  });

  it('vxlan-triple-v2: the DNS query three VXLAN layers deep (Zeek dns.log: www.bbc.com 4.4.4.4 -> 4.4.4.9:53)', () => {
    const { records, stats } = decodeFile(corpus('vxlan/zeek/vxlan-triple-v2.pcap'));
    expect(stats.layers.vxlan).toBe(3);
    expect(count(records, { event_type: 'dns', src_ip: '4.4.4.4', dest_ip: '4.4.4.9', dest_port: 53, 'dns.queries[0].rrname': 'www.bbc.com' })).toBe(1);
  });

  it('geneve-vxlan-dns-truncated: VXLAN inside GENEVE (GWLB + mirror) keeps the VXLAN VNI and flags truncation', () => {
    const { records, stats } = decodeFile(corpus('vxlan/zeek/geneve-vxlan-dns-truncated.pcap'));
    expect(stats.truncated).toBe(2);
    expect(count(records, { event_type: 'flow', src_ip: '172.16.11.201', dest_ip: '1.1.1.1', dest_port: 53, vxlan: { vni: 4242 } })).toBe(1);
  });
});

describe('golden: tcpdump VXLAN traces', () => {
  it('vxlan_port_8472.pcap (Linux default port) decodes to the same inner flows as vxlan.pcap (IANA 4789)', () => {
    const inner = (rel: string) =>
      decodeFile(corpus(rel))
        .records.filter((r) => r.vxlan)
        .map((r) => JSON.stringify({ ...r, flow_id: 0 }));
    const a = inner('vxlan/tcpdump/vxlan.pcap');
    expect(a.length).toBeGreaterThan(0);
    expect(inner('vxlan/tcpdump/vxlan_port_8472.pcap')).toEqual(a);
  });

  it.each(['gso-ipv4-vxlan-ipv4', 'gso-ipv4-vxlan-ipv6', 'gso-ipv6-vxlan-ipv4', 'gso-ipv6-vxlan-ipv6', 'bigtcp-ipv4-vxlan-ipv4', 'bigtcp-ipv6-vxlan-ipv6'])(
    '%s: every packet decodes to an inner TCP flow without anomalies (GSO/BIG TCP lengths)',
    (name) => {
      const { stats, records } = decodeFile(corpus(`vxlan/tcpdump/${name}.pcap`));
      expect(stats.anomalies).toEqual({});
      expect(stats.layers.tcp).toBe(stats.packets);
      expect(count(records, { event_type: 'flow', proto: 'TCP' })).toBeGreaterThan(0);
    },
  );
});
