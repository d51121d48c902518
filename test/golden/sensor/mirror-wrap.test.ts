/**
 * The mirror path on real traffic: non-VXLAN corpus captures are wrapped frame by frame in VXLAN (as AWS Traffic
 * Mirroring delivers them), then decoded (1) as a pcap of outer frames and (2) as daemon datagrams starting at the
 * VXLAN header. The inner records must equal the unwrapped decode, plus `vxlan: {vni}` and `mirror: {...}` from the
 * VNI map; the pcap form also logs the carrier flow to UDP 4789.
 */
import { describe, expect, it } from 'vitest';
import type { EveRecord } from '../../../shared/packet/eve.ts';
import { Sensor } from '../../../shared/packet/sensor.ts';
import { defaultStreamParsers } from '../../../shared/packet/streams.ts';
import { vniLookupFrom } from '../../../shared/packet/vni-map.ts';
import { readPcap, writePcap } from '../../helpers/pcap.ts';
import { mirrorFrame, vxlan } from '../../helpers/pcap-build.ts';
import { corpus, count, decodeBytes, decodeFile } from '../../helpers/pcap-sensor.ts';

const FILES = [
  'suricata-verify/dns-udp-eve-txt/input.pcap',
  'suricata-verify/bug-814/input.pcap',
  'suricata-verify/community-id-ipv4/input.pcap',
  'suricata-verify/tls13-draft22/tls13_draft22.pcap',
  'suricata-verify/bug-1158/input.pcap',
  'suricata-verify/eve-flow-vlan-02/input.pcap',
];

const VNI = 4711;
const mirror = vniLookupFrom({ [VNI]: { session_id: 'tms-0123456789abcdef0', source_eni: 'eni-0aa11bb22cc33dd44', instance_id: 'i-0123456789abcdef0' } });

/** Fields that legitimately change under encapsulation. */
function strip(r: EveRecord): Record<string, unknown> {
  const { flow_id: _f, vxlan: _v, mirror: _m, ...rest } = r;
  return rest;
}

const sortKey = (r: Record<string, unknown>): string => JSON.stringify(r);

describe('golden: corpus traffic wrapped in VXLAN (mirror path)', () => {
  it.each(FILES)('%s', (f) => {
    // Prepare
    const plain = decodeFile(corpus(f));
    const pcap = readPcap(corpus(f));
    expect(pcap.linkType).toBe(1);
    const wrapped = writePcap(1, pcap.records.map((r) => ({ ...r, data: mirrorFrame(r.data, VNI), origLen: r.origLen + 50 })));
    // Act: (1) a capture of the mirror target's interface
    const viaPcap = decodeBytes(wrapped, { mirror });
    // Act: (2) the daemon: datagrams as the UDP socket on 4789 delivers them
    const viaDaemon: EveRecord[] = [];
    const s = new Sensor((r) => viaDaemon.push(JSON.parse(JSON.stringify(r)) as EveRecord), { mirror, streamParsers: defaultStreamParsers });
    for (const r of pcap.records) {
      const dg = vxlan(VNI, r.data);
      s.datagram(dg, 0, dg.length, r.tsSec * 1e6 + r.tsUsec);
    }
    s.finish();
    // Assess
    const inner = viaPcap.records.filter((r) => r.vxlan !== undefined);
    for (const got of [inner, viaDaemon]) {
      expect(got.map(strip).map(sortKey).sort()).toEqual(plain.records.map(strip).map(sortKey).sort());
      for (const r of got) {
        expect(r.vxlan).toEqual({ vni: VNI });
        expect(r.mirror).toEqual({ session_id: 'tms-0123456789abcdef0', source_eni: 'eni-0aa11bb22cc33dd44', instance_id: 'i-0123456789abcdef0' });
      }
    }
    expect(count(viaPcap.records, { event_type: 'flow', dest_port: 4789, 'flow.pkts_toserver': pcap.records.length })).toBe(1);
    expect(viaPcap.stats.tunnelled).toBe(pcap.records.length);
  });
});
