import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { resolveQuery, runDetections, runQuery, rowsToFindings, DetectionRowError } from '../../../shared/athena/index.ts';
import { Finding } from '../../../shared/respond/finding.ts';
import { buildTestLake } from './lake.ts';

let lake: string;
beforeAll(async () => {
  lake = await buildTestLake();
});
afterAll(() => {
  if (lake) rmSync(lake, { recursive: true, force: true });
});

const run = async (name: string, params: Record<string, string>, from?: string, to?: string) =>
  (await runQuery(resolveQuery(name), { engine: 'duckdb', lake, params, ...(from ? { from } : {}), ...(to ? { to } : {}) })).rows;

describe('detections/egress-over-baseline.sql', () => {
  // hourly egress to 198.51.100.7: 5000 (11-20 09), 20000 (11-21 10); the range has 3 hours, so the 10:00 hour's
  // baseline is (25000 - 20000) / (3 - 1) = 2500 bytes
  it('fires for the hour far above the address baseline', async () => {
    const rows = await run('egress-over-baseline', { factor: '1.5', min_bytes: '10000' });
    expect(rows).toEqual([
      { type: 'egress-over-baseline', severity: 'high', direction: 'outbound', dstaddr: '198.51.100.7', srcaddr: '10.0.1.5',
        dt: '2026-11-21', hour: '10', bytes: 20000, baseline_bytes: 2500, hours: 3, sources: 1 },
    ]);
    const [f] = rowsToFindings('egress-over-baseline', rows);
    expect(Finding.parse(f)).toMatchObject({
      type: 'egress-over-baseline',
      subject: { dstaddr: '198.51.100.7', srcaddr: '10.0.1.5' },
      window: { start: '2026-11-21T10:00:00.000Z', end: '2026-11-21T11:00:00.000Z' },
      evidence: { bytes: 20000, baseline_bytes: 2500, dt: '2026-11-21', hour: '10', detection: 'egress-over-baseline' },
      recommended: { action: 'nacl-deny', cidr: '198.51.100.7/32', direction: 'outbound' },
    });
  });

  it('does not fire just below the minimum or the factor', async () => {
    expect(await run('egress-over-baseline', { factor: '1.5', min_bytes: '20001' })).toEqual([]);
    expect(await run('egress-over-baseline', { factor: '8.01', min_bytes: '10000' })).toEqual([]);
    expect(await run('egress-over-baseline', { factor: '8', min_bytes: '10000' })).toHaveLength(1);
  });
});

describe('detections/slow-scan.sql', () => {
  it('fires for a source that touched enough hosts in a day, mostly rejected', async () => {
    const rows = await run('slow-scan', { min_ports: '2', min_hosts: '2', min_reject_ratio: '0.8' });
    expect(rows).toEqual([
      { type: 'slow-scan', severity: 'medium', direction: 'inbound', srcaddr: '203.0.113.9', dt: '2026-11-20', ports: 1, hosts: 2, flows: 2, rejects: 2, reject_ratio: 1 },
    ]);
    const [f] = rowsToFindings('slow-scan', rows);
    expect(f).toMatchObject({ window: { start: '2026-11-20T00:00:00.000Z', end: '2026-11-21T00:00:00.000Z' }, recommended: { cidr: '203.0.113.9/32', direction: 'inbound' } });
  });

  it('does not fire one host below the threshold', async () => {
    expect(await run('slow-scan', { min_ports: '2', min_hosts: '3', min_reject_ratio: '0.8' })).toEqual([]);
  });
});

describe('detections/new-external-destination.sql', () => {
  it('fires for an internet address a sensitive subnet first talked to on the checked day', async () => {
    const rows = await run('new-external-destination', { subnets: 'subnet-9,subnet-1' }, '2026-11-20', '2026-11-21');
    expect(rows).toEqual([
      { type: 'new-external-destination', severity: 'medium', direction: 'outbound', finding_key: 'subnet-1', dstaddr: '8.8.4.4', srcaddr: '10.0.1.6',
        subnet_id: 'subnet-1', vpc_id: 'vpc-1', dt: '2026-11-21', first_start: Date.UTC(2026, 10, 21, 10, 0, 3) / 1000, flows: 1, bytes: 300 },
    ]);
  });

  it('does not fire for destinations already in the baseline, or for subnets not listed', async () => {
    expect(await run('new-external-destination', { subnets: 'subnet-2' }, '2026-11-20', '2026-11-21')).toEqual([]);
    expect(await run('new-external-destination', { subnets: '' }, '2026-11-20', '2026-11-21')).toEqual([]);
    // with no baseline day, both destinations of 11-21 are new
    expect(await run('new-external-destination', { subnets: 'subnet-1' }, '2026-11-21', '2026-11-21')).toHaveLength(2);
  });
});

describe('runDetections()', () => {
  it('runs every detection and returns schema-valid findings with distinct ids', async () => {
    const findings = await runDetections({
      lake, from: '2026-11-20', to: '2026-11-21',
      params: { factor: '1.5', min_bytes: '10000', min_ports: '2', min_hosts: '2', subnets: 'subnet-1' },
    });
    expect(findings.map((f) => f.type).sort()).toEqual(['egress-over-baseline', 'new-external-destination', 'slow-scan']);
    expect(new Set(findings.map((f) => f.id)).size).toBe(3);
  });
});

describe('rowsToFindings()', () => {
  it('hashes the keyed address (+ finding_key) and window into the id, not the descriptive columns', () => {
    const base = { type: 'new-external-destination', severity: 'medium', direction: 'outbound', dstaddr: '8.8.4.4', dt: '2026-11-21' };
    const [a, b, c, d] = rowsToFindings('x', [
      { ...base, srcaddr: '10.0.0.1', finding_key: 'subnet-1' },
      { ...base, srcaddr: '10.0.0.2', finding_key: 'subnet-1' },
      { ...base, srcaddr: '10.0.0.1', finding_key: 'subnet-2' },
      { ...base, dt: '2026-11-22', finding_key: 'subnet-1' },
    ]);
    expect(b?.id).toBe(a?.id);
    expect(c?.id).not.toBe(a?.id);
    expect(d?.id).not.toBe(a?.id);
    expect(a?.evidence).not.toHaveProperty('finding_key');
  });

  it('names a row that breaks the row contract', () => {
    expect(() => rowsToFindings('x', [{ type: 't', severity: 'urgent', direction: 'inbound', srcaddr: '1.2.3.4', dt: '2026-01-01' }])).toThrow(DetectionRowError);
    expect(() => rowsToFindings('x', [{ type: 't', severity: 'low', direction: 'inbound', srcaddr: 'nope', dt: '2026-01-01' }])).toThrow(
      'x row 1: srcaddr is not an address',
    );
    expect(() => rowsToFindings('x', [{ type: 't', severity: 'low', direction: 'outbound', dstaddr: '1.2.3.4' }])).toThrow('x row 1: no window');
  });
});
