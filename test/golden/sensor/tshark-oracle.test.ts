/**
 * tshark as an oracle for the decoder: for every packet of several corpus captures, the innermost addresses and
 * ports we decode equal the last ip/ipv6/tcp/udp values tshark dissects (tunnel layers included), and the VXLAN VNI
 * equals tshark's first vxlan.vni. Skipped when tshark is not installed (CI installs it: Debian package tshark).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ipToString, ipv6ToString } from '../../../shared/packet/addr.ts';
import { PacketDecoder } from '../../../shared/packet/decode.ts';
import { PcapReader } from '../../../shared/packet/pcap.ts';
import { corpus } from '../../helpers/pcap-sensor.ts';

const haveTshark = (() => {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const FILES = [
  'suricata-verify/vxlan-decoder-03/vxlan.pcap',
  'vxlan/zeek/vxlan.pcap',
  'vxlan/zeek/vxlan-encapsulated-http.pcap',
  'vxlan/tcpdump/gso-ipv4-vxlan-ipv6.pcap',
  'vxlan/tcpdump/gso-ipv6-vxlan-ipv4.pcap',
  'suricata-verify/geneve-decoder/input.pcap',
  'suricata-verify/eve-flow-vlan-02/input.pcap',
  'suricata-verify/community-id-ipv6/input.pcap',
  'suricata-verify/bug-814/input.pcap',
  'suricata-verify/dns-udp-eve-log-srv/input.pcap',
];

const FIELDS = ['ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'vxlan.vni', 'frame.protocols'];

function last(v: string | undefined): string {
  if (!v) return '';
  const parts = v.split(',');
  return parts[parts.length - 1] ?? '';
}

describe.runIf(haveTshark)('golden: decoder vs tshark, packet by packet', () => {
  it.each(FILES)('%s', (f) => {
    // Prepare: tshark's view
    const out = execFileSync('tshark', ['-r', corpus(f), '-T', 'fields', '-E', 'separator=\t', ...FIELDS.flatMap((x) => ['-e', x])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const rows = out.replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
    // Act: ours
    const d = new PacketDecoder();
    const ours: string[][] = [];
    const reader = new PcapReader((p) => {
      d.decodeFrame(p.data, p.off, p.off + p.capLen, p.linkType);
      // a tunnel whose inner frame carries no IP (ARP) leaves only the carrier: tshark's last IP is that one
      const t = d.tuple.family === 0 && d.outer.family !== 0 ? d.outer : d.tuple;
      const ports = !t.noL4 && (t.proto === 6 || t.proto === 17);
      ours.push([t.family === 0 ? '' : ipToString(t.src, t.family), t.family === 0 ? '' : ipToString(t.dst, t.family), String(t.family), ports ? String(t.srcPort) : '', ports ? String(t.dstPort) : '', String(t.proto), String(d.vni)]);
    });
    reader.push(new Uint8Array(readFileSync(corpus(f))));
    reader.finish();
    // Assess
    expect(ours.length).toBe(rows.length);
    rows.forEach((r, i) => {
      const [ip4s, ip4d, ip6s, ip6d, ts, td, us, ud, vni, protos] = r;
      const chain = (protos ?? '').split(':');
      const lastIp = chain.lastIndexOf('ip') > chain.lastIndexOf('ipv6') ? 4 : 6;
      const after = chain.slice(Math.max(chain.lastIndexOf('ip'), chain.lastIndexOf('ipv6')));
      const o = ours[i] as string[];
      const want = {
        src: lastIp === 4 ? last(ip4s) : last(ip6s),
        dst: lastIp === 4 ? last(ip4d) : last(ip6d),
        sport: after.includes('tcp') ? last(ts) : after.includes('udp') ? last(us) : '',
        dport: after.includes('tcp') ? last(td) : after.includes('udp') ? last(ud) : '',
        vni: vni ? (vni.split(',')[0] as string) : '-1',
      };
      const oursSrc = o[2] === '6' ? ipv6ToString(d6(o[0] as string)) : (o[0] as string);
      const oursDst = o[2] === '6' ? ipv6ToString(d6(o[1] as string)) : (o[1] as string);
      expect({ frame: i + 1, src: oursSrc, dst: oursDst, sport: o[3], dport: o[4], vni: o[6] }).toEqual({ frame: i + 1, ...want });
    });
  });
});

/** Suricata-spelled IPv6 back to words (for the RFC 5952 form tshark prints). */
function d6(s: string): Uint32Array {
  const g = s.split(':').map((x) => Number.parseInt(x, 16));
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = (((g[i * 2] ?? 0) << 16) | (g[i * 2 + 1] ?? 0)) >>> 0;
  return w;
}
