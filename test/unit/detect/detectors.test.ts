import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDetectors, DetectionsConfig, CidrFormatError } from '../../../shared/detect/index.ts';
import { Finding } from '../../../shared/respond/finding.ts';
import type { FlowRecord } from '../../../shared/flowlog/record.ts';
import { rec, T0 } from './records.ts';

const run = (records: FlowRecord[], cfg = {}) => {
  const d = createDetectors(cfg);
  for (const r of records) d.add(r);
  return { findings: d.finish(), stats: d.stats() };
};

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('DetectionsConfig', () => {
  it('has documented defaults for every key', () => {
    // Act
    const c = DetectionsConfig.parse({});
    // Assess
    expect(c.windowSeconds).toBe(300);
    expect(c.egressFlood).toEqual({ enabled: true, bytes: 1_000_000_000, packets: 1_000_000, flows: 5_000 });
    expect(c.portScan).toEqual({ enabled: true, ports: 25, hosts: 25, minRejectRatio: 0.5 });
    expect(c.bruteForce).toEqual({ enabled: true, services: { ssh: 22, rdp: 3389 }, attempts: 30, shortFlowPackets: 20 });
    expect(c.rejectBurst).toEqual({ enabled: true, rejects: 200 });
    expect(c.denyList).toEqual({ enabled: true, cidrs: [] });
  });

  it('rejects an unknown key, naming it', () => {
    const r = DetectionsConfig.safeParse({ portScan: { prots: 3 } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('prots');
  });
});

describe('egress flood', () => {
  const cfg = { egressFlood: { bytes: 10_000, packets: 1_000_000, flows: 1_000 } };
  const flows = (total: number) =>
    range(10).map((i) =>
      rec({ srcaddr: '10.0.1.5', dstaddr: '198.51.100.7', srcport: 40000 + i, dstport: 80, bytes: total / 10, packets: 10,
        start: T0 + i * 20, end: T0 + i * 20 + 10, action: 'ACCEPT', interface_id: 'eni-1', instance_id: 'i-1', vpc_id: 'vpc-1' }),
    );

  it('fires when bytes to one external address reach the threshold in one window', () => {
    // Act
    const { findings } = run(flows(10_000), cfg);
    // Assess
    expect(findings).toHaveLength(1);
    const f = Finding.parse(findings[0]);
    expect(f).toMatchObject({
      type: 'egress-flood',
      severity: 'high',
      subject: { dstaddr: '198.51.100.7', srcaddr: '10.0.1.5', interface_id: 'eni-1', instance_id: 'i-1', vpc_id: 'vpc-1' },
      window: { start: '2026-11-21T10:00:00.000Z', end: '2026-11-21T10:05:00.000Z' },
      evidence: { bytes: 10_000, packets: 100, flows: 10, sources: 1 },
      recommended: { action: 'nacl-deny', cidr: '198.51.100.7/32', direction: 'outbound' },
    });
    expect(f.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('does not fire just below the threshold', () => {
    expect(run(flows(9_990), cfg).findings).toEqual([]);
  });

  it('ignores internal destinations and REJECTed flows', () => {
    const internal = flows(10_000).map((r) => ({ ...r, dstaddr: '10.9.9.9' }));
    const rejected = flows(10_000).map((r) => ({ ...r, action: 'REJECT' }));
    expect(run(internal, cfg).findings).toEqual([]);
    expect(run(rejected, cfg).findings).toEqual([]);
  });

  it('uses direction_class when the record is enriched', () => {
    const enriched = flows(10_000).map((r) => ({ ...r, direction_class: 'aws-service' as const }));
    expect(run(enriched, cfg).findings).toEqual([]);
  });

  it('windows over record time: late and out-of-order records split by their own start, not by arrival', () => {
    // Prepare: 6 records in window 10:00 and 6 in window 10:05, interleaved and reversed
    const a = flows(6_000).slice(0, 6);
    const b = flows(6_000).slice(0, 6).map((r) => ({ ...r, start: (r.start as number) + 300, end: (r.end as number) + 300 }));
    const shuffled = [...b, ...a].reverse();
    // Act: 6 x 600 = 3600 bytes per window: with a 300 s window neither fires; with 600 s both fall in one window
    const small = run(shuffled, { egressFlood: { bytes: 7_000 } });
    const big = run(shuffled, { windowSeconds: 600, egressFlood: { bytes: 7_000 } });
    // Assess
    expect(small.findings).toEqual([]);
    expect(big.findings).toHaveLength(1);
    expect(big.findings[0]?.window).toEqual({ start: '2026-11-21T10:00:00.000Z', end: '2026-11-21T10:10:00.000Z' });
    expect(big.findings[0]?.evidence).toMatchObject({ bytes: 7_200, firstSeen: '2026-11-21T10:00:00.000Z', lastSeen: '2026-11-21T10:06:50.000Z' });
  });

  it('gives the same id for the same evidence whatever the order, and different ids per window', () => {
    const one = run(flows(10_000), cfg).findings;
    const two = run(flows(10_000).reverse(), cfg).findings;
    const later = run(flows(10_000).map((r) => ({ ...r, start: (r.start as number) + 3600 })), cfg).findings;
    expect(one[0]?.id).toBe(two[0]?.id);
    expect(later[0]?.id).not.toBe(one[0]?.id);
  });

  it('gives two objects of the same flood (different single senders) the same id', () => {
    const a = run(flows(10_000), cfg).findings[0];
    const b = run(flows(10_000).map((r) => ({ ...r, srcaddr: '10.0.1.99', interface_id: 'eni-2' })), cfg).findings[0];
    expect(a?.subject.srcaddr).toBe('10.0.1.5');
    expect(b?.subject.srcaddr).toBe('10.0.1.99');
    expect(b?.id).toBe(a?.id);
  });

  it('marks a flood ten times over the threshold critical, and leaves srcaddr out when several sources send', () => {
    const multi = flows(100_000).map((r, i) => ({ ...r, srcaddr: `10.0.1.${i}` }));
    const f = run(multi, cfg).findings[0];
    expect(f?.severity).toBe('critical');
    expect(f?.subject.srcaddr).toBeUndefined();
    expect(f?.evidence.sources).toBe(10);
  });
});

describe('port scan', () => {
  const scan = (ports: number, rejected: number) =>
    range(ports).map((i) =>
      rec({ srcaddr: '203.0.113.9', dstaddr: '10.0.2.10', srcport: 55000, dstport: 1000 + i, packets: 1, bytes: 44,
        start: T0 + 30, end: T0 + 40, action: i < rejected ? 'REJECT' : 'ACCEPT', vpc_id: 'vpc-1' }),
    );

  it('fires on many distinct ports from one source, mostly rejected', () => {
    const { findings } = run(scan(25, 20));
    expect(findings.map((f) => f.type)).toEqual(['port-scan']);
    expect(Finding.parse(findings[0])).toMatchObject({
      severity: 'medium',
      subject: { srcaddr: '203.0.113.9', vpc_id: 'vpc-1' },
      evidence: { ports: 25, hosts: 1, flows: 25, rejects: 20, rejectRatio: 0.8 },
      recommended: { action: 'nacl-deny', cidr: '203.0.113.9/32', direction: 'inbound' },
    });
  });

  it('fires on many hosts (a sweep of one port)', () => {
    const sweep = range(25).map((i) =>
      rec({ srcaddr: '203.0.113.9', dstaddr: `10.0.2.${i}`, dstport: 445, start: T0, end: T0 + 5, action: 'REJECT' }),
    );
    expect(run(sweep).findings[0]).toMatchObject({ type: 'port-scan', evidence: { ports: 1, hosts: 25 } });
  });

  it('does not fire one port below the threshold', () => {
    expect(run(scan(24, 24)).findings).toEqual([]);
  });

  it('does not fire when most flows were accepted', () => {
    expect(run(scan(40, 19)).findings).toEqual([]);
  });

  it('ignores internal sources unless externalSourcesOnly is off', () => {
    const inside = scan(25, 25).map((r) => ({ ...r, srcaddr: '10.0.3.3' }));
    expect(run(inside).findings).toEqual([]);
    expect(run(inside, { externalSourcesOnly: false }).findings.map((f) => f.type)).toEqual(['port-scan']);
  });
});

describe('SSH/RDP brute force', () => {
  const attempts = (n: number, port = 22, p: Partial<FlowRecord> = {}) =>
    range(n).map((i) =>
      rec({ srcaddr: '192.0.2.50', dstaddr: '10.0.4.4', srcport: 30000 + i, dstport: port, protocol: 6, packets: 8, bytes: 900,
        start: T0 + 60 + i, end: T0 + 70 + i, action: 'ACCEPT', ...p }),
    );

  it('fires on short accepted SSH flows from one source', () => {
    const { findings } = run(attempts(30));
    expect(findings.map((f) => f.type)).toEqual(['ssh-brute-force']);
    expect(Finding.parse(findings[0])).toMatchObject({
      severity: 'high',
      subject: { srcaddr: '192.0.2.50', dstaddr: '10.0.4.4' },
      evidence: { attempts: 30, port: 22, targets: 1 },
      recommended: { cidr: '192.0.2.50/32', direction: 'inbound' },
    });
  });

  it('fires on rejected RDP flows', () => {
    expect(run(attempts(30, 3389, { action: 'REJECT', packets: 2 })).findings.map((f) => f.type)).toEqual(['rdp-brute-force']);
  });

  it('does not fire one attempt below the threshold', () => {
    expect(run(attempts(29)).findings).toEqual([]);
  });

  it('does not count long accepted sessions (real logins) or UDP', () => {
    expect(run(attempts(40, 22, { packets: 21 })).findings).toEqual([]);
    expect(run(attempts(40, 22, { protocol: 17 })).findings).toEqual([]);
  });
});

describe('reject burst', () => {
  const rejects = (n: number) =>
    range(n).map((i) =>
      rec({ srcaddr: '2001:db8::66', dstaddr: '10.0.5.5', srcport: 1024 + i, dstport: 443, start: T0 + (i % 300), end: T0 + (i % 300) + 1, action: 'REJECT' }),
    );

  it('fires on many rejects from one source in one window (IPv6 source, /128 block)', () => {
    const { findings } = run(rejects(200));
    expect(findings.map((f) => f.type)).toEqual(['reject-burst']);
    expect(findings[0]).toMatchObject({ severity: 'low', evidence: { rejects: 200, hosts: 1 }, recommended: { cidr: '2001:db8::66/128', direction: 'inbound' } });
  });

  it('does not fire just below the threshold', () => {
    expect(run(rejects(199)).findings).toEqual([]);
  });
});

describe('deny list', () => {
  const talk = (p: Partial<FlowRecord>) =>
    rec({ srcaddr: '10.0.6.6', dstaddr: '198.51.100.200', start: T0 + 10, end: T0 + 20, action: 'ACCEPT', interface_id: 'eni-6', ...p });

  it('fires on accepted traffic to a listed CIDR from the inline list and the file', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'nw-deny-'));
    const file = join(dir, 'intel.txt');
    writeFileSync(file, '# feed\n198.51.100.0/24  # botnet C2\n\n203.0.113.77\n');
    // Act
    const { findings } = run([talk({}), talk({ srcaddr: '203.0.113.77', dstaddr: '10.0.6.6', action: 'REJECT' })], {
      denyList: { file, cidrs: ['192.0.2.0/28'] },
    });
    // Assess
    const got = findings.map((f) => [f.type, f.severity, f.recommended]).sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    expect(got).toEqual([
      ['deny-list', 'critical', { action: 'nacl-deny', cidr: '198.51.100.0/24', direction: 'outbound' }],
      ['deny-list', 'medium', { action: 'nacl-deny', cidr: '203.0.113.77/32', direction: 'inbound' }],
    ]);
    expect(findings.find((f) => f.severity === 'critical')?.subject).toEqual({ dstaddr: '198.51.100.200', srcaddr: '10.0.6.6', interface_id: 'eni-6' });
  });

  it('does not fire for an address just outside the listed block', () => {
    expect(run([talk({ dstaddr: '198.51.101.0' })], { denyList: { cidrs: ['198.51.100.0/24'] } }).findings).toEqual([]);
  });

  it('rejects a bad deny-list line naming the file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nw-deny-'));
    const file = join(dir, 'bad.txt');
    writeFileSync(file, '10.0.0.0/8\n300.1.1.1/32\n');
    expect(() => createDetectors({ denyList: { file } })).toThrow(CidrFormatError);
    expect(() => createDetectors({ denyList: { file } })).toThrow(`${file}:2: not an IP address or CIDR: "300.1.1.1/32"`);
  });
});

describe('bookkeeping', () => {
  it('counts NODATA/SKIPDATA, untimed and unaddressed records instead of dropping them silently', () => {
    const { stats, findings } = run([
      rec({ log_status: 'NODATA', start: T0, end: T0 + 60, srcaddr: null, dstaddr: null }),
      rec({ log_status: 'SKIPDATA', start: T0, end: T0 + 60 }),
      rec({ srcaddr: '1.2.3.4', dstaddr: '10.0.0.1', start: null }),
      rec({ srcaddr: null, dstaddr: '10.0.0.1', start: T0 }),
    ]);
    expect(findings).toEqual([]);
    expect(stats).toEqual({ records: 4, notOk: 2, untimed: 1, unaddressed: 1, droppedKeys: 0 });
  });

  it('bounds its state with maxTrackedKeys and counts what it could not track', () => {
    const many = range(50).map((i) => rec({ srcaddr: `203.0.113.${i}`, dstaddr: '10.0.0.1', start: T0, action: 'REJECT' }));
    expect(run(many, { maxTrackedKeys: 20 }).stats.droppedKeys).toBe(30);
  });

  it('finds nothing when detections are disabled', () => {
    const scan = range(100).map((i) => rec({ srcaddr: '203.0.113.1', dstaddr: '10.0.0.1', dstport: i, start: T0, action: 'REJECT' }));
    expect(run(scan).findings.length).toBeGreaterThan(0);
    expect(run(scan, { enabled: false }).findings).toEqual([]);
  });
});
