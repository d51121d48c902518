import { describe, expect, it } from 'vitest';
import { ipToString, ipv6ToString } from '../../../shared/packet/addr.ts';
import { communityId } from '../../../shared/packet/community-id.ts';
import { Tuple } from '../../../shared/packet/decode.ts';
import { eveFlow, eveTimestamp } from '../../../shared/packet/eve.ts';
import { type Flow, FlowTable } from '../../../shared/packet/flow.ts';
import { ipv4Bytes, ipv6Bytes } from '../../helpers/pcap-build.ts';

function words(a: string): Uint32Array {
  const b = a.includes(':') ? ipv6Bytes(a) : [...ipv4Bytes(a), ...new Array<number>(12).fill(0)];
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = (((b[i * 4] ?? 0) << 24) | ((b[i * 4 + 1] ?? 0) << 16) | ((b[i * 4 + 2] ?? 0) << 8) | (b[i * 4 + 3] ?? 0)) >>> 0;
  return w;
}

function tuple(src: string, dst: string, proto: number, sp: number, dp: number, extra: Partial<Tuple> = {}): Tuple {
  const t = new Tuple();
  t.family = src.includes(':') ? 6 : 4;
  t.src.set(words(src));
  t.dst.set(words(dst));
  t.proto = proto;
  t.srcPort = sp;
  t.dstPort = dp;
  t.noL4 = false;
  t.length = 100;
  Object.assign(t, extra);
  return t;
}

describe('communityId()', () => {
  it('matches the spec README example (TCP 128.232.110.120:34855 -> 66.35.250.204:80)', () => {
    expect(communityId(tuple('128.232.110.120', '66.35.250.204', 6, 34855, 80))).toBe('1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  });
  it('is the same in both directions', () => {
    const a = communityId(tuple('10.0.0.1', '10.0.0.2', 17, 5000, 53));
    expect(communityId(tuple('10.0.0.2', '10.0.0.1', 17, 53, 5000))).toBe(a);
  });
  it('pairs ICMP echo request and reply, and not a one-way type', () => {
    const req = communityId(tuple('10.0.0.1', '10.0.0.2', 1, 0, 0, { icmpType: 8, icmpCode: 0 }));
    const rep = communityId(tuple('10.0.0.2', '10.0.0.1', 1, 0, 0, { icmpType: 0, icmpCode: 0 }));
    expect(rep).toBe(req);
    const unreach = communityId(tuple('10.0.0.2', '10.0.0.1', 1, 0, 0, { icmpType: 3, icmpCode: 1 }));
    expect(unreach).not.toBe(req);
  });
});

describe('ipv6ToString()', () => {
  it.each([
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fe80:0:0:0:0:0:0:0', 'fe80::'],
  ])('writes %s as %s (RFC 5952 §4)', (full, want) => {
    expect(ipv6ToString(words(full))).toBe(want);
  });
  it('writes IPv4', () => expect(ipToString(words('172.31.0.2'), 4)).toBe('172.31.0.2'));
  it("writes IPv6 in EVE records the way Suricata does (all groups, 4 digits)", () => {
    expect(ipToString(words('2607:f8b0:400a:800::200e'), 6)).toBe('2607:f8b0:400a:0800:0000:0000:0000:200e');
  });
});

describe('FlowTable', () => {
  const collect = (opts = {}) => {
    const ended: { f: Flow; reason: string; rec: Record<string, unknown> }[] = [];
    const ft = new FlowTable((f, reason) => ended.push({ f, reason, rec: eveFlow(f, reason) }), opts);
    return { ft, ended };
  };

  it('counts both directions of a TCP conversation in one flow with flags and state', () => {
    const { ft, ended } = collect();
    ft.packet(tuple('10.0.0.1', '10.0.0.2', 6, 40000, 80, { tcpFlags: 0x02 }), -1, [], 0, 1e6);
    ft.packet(tuple('10.0.0.2', '10.0.0.1', 6, 80, 40000, { tcpFlags: 0x12 }), -1, [], 0, 1e6 + 10);
    expect(ft.lastDir).toBe(1);
    ft.packet(tuple('10.0.0.1', '10.0.0.2', 6, 40000, 80, { tcpFlags: 0x10 }), -1, [], 0, 1e6 + 20);
    ft.packet(tuple('10.0.0.1', '10.0.0.2', 6, 40000, 80, { tcpFlags: 0x11 }), -1, [], 0, 1e6 + 30);
    ft.packet(tuple('10.0.0.2', '10.0.0.1', 6, 80, 40000, { tcpFlags: 0x11 }), -1, [], 0, 1e6 + 40);
    ft.packet(tuple('10.0.0.1', '10.0.0.2', 6, 40000, 80, { tcpFlags: 0x10 }), -1, [], 0, 1e6 + 50);
    ft.flush();
    expect(ended).toHaveLength(1);
    expect(ended[0]?.rec).toMatchObject({
      src_ip: '10.0.0.1', src_port: 40000, dest_ip: '10.0.0.2', dest_port: 80, proto: 'TCP',
      flow: { pkts_toserver: 4, pkts_toclient: 2, bytes_toserver: 400, bytes_toclient: 200, state: 'closed', reason: 'shutdown', alerted: false },
      tcp: { tcp_flags: '13', tcp_flags_ts: '13', tcp_flags_tc: '13', syn: true, fin: true, ack: true, state: 'closed' },
    });
  });

  it('makes the receiver of a first-seen SYN+ACK the client', () => {
    const { ft, ended } = collect();
    ft.packet(tuple('10.0.0.2', '10.0.0.1', 6, 80, 40000, { tcpFlags: 0x12 }), -1, [], 0, 1);
    ft.flush();
    expect(ended[0]?.rec).toMatchObject({ src_ip: '10.0.0.1', src_port: 40000, flow: { pkts_toserver: 0, pkts_toclient: 1 } });
  });

  it('keys flows by VNI: the same 5-tuple from two mirror sessions is two flows', () => {
    const { ft, ended } = collect();
    ft.packet(tuple('10.0.0.1', '10.0.0.2', 17, 1, 2), 100, [], 0, 1);
    ft.packet(tuple('10.0.0.1', '10.0.0.2', 17, 1, 2), 200, [], 0, 2);
    ft.flush();
    expect(ended.map((e) => e.rec.vxlan)).toEqual([{ vni: 100 }, { vni: 200 }]);
  });

  it('pairs ICMP echo request and reply in one flow with response_icmp_type', () => {
    const { ft, ended } = collect();
    ft.packet(tuple('10.0.0.1', '10.0.0.2', 1, 0, 0, { icmpType: 8, icmpCode: 0 }), -1, [], 0, 1);
    ft.packet(tuple('10.0.0.2', '10.0.0.1', 1, 0, 0, { icmpType: 0, icmpCode: 0 }), -1, [], 0, 2);
    ft.flush();
    expect(ended).toHaveLength(1);
    expect(ended[0]?.rec).toMatchObject({ icmp_type: 8, icmp_code: 0, response_icmp_type: 0, response_icmp_code: 0, flow: { state: 'established' } });
    expect(ended[0]?.rec).not.toHaveProperty('src_port');
  });

  it('ends idle flows after their timeout and starts a new flow after', () => {
    const { ft, ended } = collect();
    ft.packet(tuple('10.0.0.1', '10.0.0.2', 17, 1, 2), -1, [], 0, 0);
    expect(ft.expire(29e6)).toBe(0);
    expect(ft.expire(31e6)).toBe(1);
    expect(ended[0]?.reason).toBe('timeout');
    expect(ft.size).toBe(0);
  });

  it('evicts the least recently seen flow at the memory cap and counts it', () => {
    const { ft, ended } = collect({ maxFlows: 2 });
    ft.packet(tuple('10.0.0.1', '10.0.0.2', 17, 1, 2), -1, [], 0, 1);
    ft.packet(tuple('10.0.0.1', '10.0.0.2', 17, 3, 4), -1, [], 0, 2);
    ft.packet(tuple('10.0.0.1', '10.0.0.2', 17, 1, 2), -1, [], 0, 3); // refreshes the first
    ft.packet(tuple('10.0.0.1', '10.0.0.2', 17, 5, 6), -1, [], 0, 4);
    expect(ft.evicted).toBe(1);
    expect(ended[0]).toMatchObject({ reason: 'forced', rec: { src_port: 3 } });
    expect(ft.size).toBe(2);
  });

  it('logs a long flow at the active timeout and keeps counting with fresh counters', () => {
    const { ft, ended } = collect({ activeTimeout: 10 });
    for (let s = 0; s <= 12; s++) ft.packet(tuple('10.0.0.1', '10.0.0.2', 17, 1, 2), -1, [], 0, s * 1e6);
    ft.flush();
    expect(ended.map((e) => [e.reason, (e.rec.flow as { pkts_toserver: number }).pkts_toserver])).toEqual([['timeout', 11], ['shutdown', 2]]);
  });

  it('starts a new flow when a closed TCP session is reused by a fresh SYN', () => {
    const { ft, ended } = collect();
    const c2s = (flags: number) => tuple('10.0.0.1', '10.0.0.2', 6, 40000, 80, { tcpFlags: flags });
    ft.packet(c2s(0x02), -1, [], 0, 1);
    ft.packet(c2s(0x04), -1, [], 0, 2); // RST: closed
    ft.packet(c2s(0x02), -1, [], 0, 3); // same ports, new SYN
    ft.flush();
    expect(ended.map((e) => [e.reason, (e.rec.flow as { pkts_toserver: number }).pkts_toserver])).toEqual([['timeout', 2], ['shutdown', 1]]);
  });

  it('separates flows by VLAN stack', () => {
    const { ft, ended } = collect();
    ft.packet(tuple('10.0.0.1', '10.0.0.2', 17, 1, 2), -1, [6], 1, 1);
    ft.packet(tuple('10.0.0.1', '10.0.0.2', 17, 1, 2), -1, [1, 10], 2, 2);
    ft.flush();
    expect(ended.map((e) => e.rec.vlan)).toEqual([[6], [1, 10]]);
  });
});

describe('eveTimestamp()', () => {
  it("uses Suricata's format with microseconds and +0000", () => {
    expect(eveTimestamp(1561644070047299)).toBe('2019-06-27T14:01:10.047299+0000');
  });
});
