import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createDetectors } from '../../../shared/detect/index.ts';
import { Finding } from '../../../shared/respond/finding.ts';
import type { FlowRecord } from '../../../shared/flowlog/record.ts';
import { rec, T0 } from './records.ts';
import { DetectColumnsBuilder } from '../../../shared/detect/columns.ts';

// small address and port pools so that random sets actually cross the (lowered) thresholds
const addr = fc.constantFrom('10.0.0.1', '10.0.0.2', '203.0.113.1', '203.0.113.2', '198.51.100.1', '2001:db8::1', 'fd00::5');
const record = fc
  .record({
    srcaddr: fc.option(addr, { nil: null }),
    dstaddr: addr,
    dstport: fc.constantFrom(22, 80, 443, 3389, 8080, 1000, 1001, 1002),
    protocol: fc.constantFrom(6, 17),
    packets: fc.integer({ min: 0, max: 50 }),
    bytes: fc.integer({ min: 0, max: 100_000 }),
    start: fc.option(fc.integer({ min: T0 - 900, max: T0 + 900 }), { nil: null }),
    action: fc.constantFrom('ACCEPT', 'REJECT'),
    log_status: fc.constantFrom('OK', 'OK', 'OK', 'NODATA'),
  })
  .map((p) => rec({ ...p, end: p.start === null ? null : p.start + 30 }));

const cfg = {
  windowSeconds: 300,
  egressFlood: { bytes: 200_000, packets: 100, flows: 5 },
  portScan: { ports: 3, hosts: 2 },
  bruteForce: { attempts: 3 },
  rejectBurst: { rejects: 4 },
  denyList: { cidrs: ['198.51.100.0/24'] },
};

const detect = (rs: FlowRecord[]) => {
  const d = createDetectors(cfg);
  rs.forEach((r) => d.add(r));
  return { findings: d.finish(), stats: d.stats() };
};

describe('createDetectors() properties', () => {
  it('never throws, emits schema-valid findings with unique ids, and accounts for every record', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 80 }), (rs) => {
        const { findings, stats } = detect(rs);
        for (const f of findings) Finding.parse(f);
        expect(new Set(findings.map((f) => f.id)).size).toBe(findings.length);
        expect(stats.records).toBe(rs.length);
        expect(stats.notOk + stats.untimed + stats.unaddressed).toBeLessThanOrEqual(rs.length);
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same findings and stats for records fed as columns (the worker path) as one by one', () => {
    const withDir = record.chain((r) =>
      fc.record({ direction_class: fc.constantFrom(null, 'egress-internet', 'ingress-internet', 'internal'), interface_id: fc.constantFrom(null, 'eni-1', 'eni-2'), vpc_id: fc.constantFrom(null, 'vpc-1') }).map((x) => ({ ...r, ...x }) as FlowRecord),
    );
    fc.assert(
      fc.property(fc.array(withDir, { maxLength: 80 }), fc.integer({ min: 1, max: 9 }), (rs, batch) => {
        const byColumns = createDetectors(cfg);
        const b = new DetectColumnsBuilder(batch);
        for (const r of rs) {
          const full = b.add(r.log_status, r.start, r.end, r.srcaddr, r.dstaddr, r.dstport, r.protocol, r.packets, r.bytes, r.action, r.direction_class, r.interface_id, r.instance_id, r.vpc_id);
          if (full) byColumns.addColumns(b.take()!);
        }
        const rest = b.take();
        if (rest) byColumns.addColumns(rest);
        const one = createDetectors(cfg);
        rs.forEach((r) => one.add(r));
        expect(byColumns.finish()).toEqual(one.finish());
        expect(byColumns.stats()).toEqual(one.stats());
      }),
      { numRuns: 200 },
    );
  });

  it('is independent of record order (objects arrive late and out of order)', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 60 }).chain((rs) => fc.tuple(fc.constant(rs), fc.shuffledSubarray(rs, { minLength: rs.length, maxLength: rs.length }))), ([rs, shuffled]) => {
        const strip = (fs: ReturnType<typeof detect>['findings']) =>
          fs.map((f) => ({ ...f, evidence: { ...f.evidence, firstSeen: undefined, lastSeen: undefined } }));
        const a = detect(rs).findings;
        const b = detect(shuffled).findings;
        expect(b.map((f) => f.id)).toEqual(a.map((f) => f.id));
        expect(strip(b)).toEqual(strip(a));
      }),
      { numRuns: 200 },
    );
  });

  it('names a detection by type, keyed address and window only: a partial run that fires gives the same id as the full run', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 60 }), fc.nat(), (rs, cut) => {
        const k = rs.length === 0 ? 0 : cut % rs.length;
        const key = (f: Finding) => `${f.type}|${f.window.start}|${f.recommended?.cidr}|${f.recommended?.direction}`;
        const whole = new Map(detect(rs).findings.map((f) => [key(f), f.id]));
        for (const part of [rs.slice(0, k), rs.slice(k)]) {
          for (const f of detect(part).findings) {
            const id = whole.get(key(f));
            if (id !== undefined) expect(f.id).toBe(id);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
