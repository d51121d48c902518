/**
 * Golden cases in the Zeek/suricata-verify style: one directory per case under cases/ with input.pcap, the scapy
 * make.py that built it, a README whose first line says what it proves, and expected.json (the records, flow_id
 * removed). Baselines are regenerated only on purpose: UPDATE_GOLDEN=1 (btest -U).
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAnomalyCode } from '../../../shared/packet/anomalies.ts';
import { decodeFile } from '../../helpers/pcap-sensor.ts';

const DIR = join(import.meta.dirname, 'cases');
const CASES = readdirSync(DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

describe('golden: sensor cases', () => {
  it.each(CASES)('%s', (name) => {
    const dir = join(DIR, name);
    expect(readFileSync(join(dir, 'README.md'), 'utf8').split('\n')[0]).toMatch(/^Proves /);
    expect(existsSync(join(dir, 'make.py'))).toBe(true);
    const { records, stats } = decodeFile(join(dir, 'input.pcap'));
    const got = records.map(({ flow_id: _f, ...r }) => r);
    expect(stats.internal_errors).toBe(0);
    for (const c of Object.keys(stats.anomalies)) expect(isAnomalyCode(c)).toBe(true);
    const file = join(dir, 'expected.json');
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, `${JSON.stringify(got, null, 1)}\n`);
    expect(got).toEqual(JSON.parse(readFileSync(file, 'utf8')));
  });

  it('mirror-edge-cases: the named behaviours are in the baseline', () => {
    const exp = JSON.parse(readFileSync(join(DIR, 'mirror-edge-cases', 'expected.json'), 'utf8')) as Record<string, unknown>[];
    const find = (pred: (r: Record<string, unknown>) => boolean) => exp.filter(pred);
    expect(find((r) => r.event_type === 'dns' && JSON.stringify(r.vlan) === '[10]')).toHaveLength(1);
    expect(find((r) => r.event_type === 'dns' && r.ip_v === 6)).toHaveLength(1);
    expect(find((r) => r.event_type === 'tls' && (r.tls as { sni?: string }).sni === 'split.example.com')).toHaveLength(1);
    expect(find((r) => r.event_type === 'anomaly' && (r.anomaly as { event: string }).event === 'dns.pointer_loop')).toHaveLength(1);
    expect(find((r) => r.event_type === 'anomaly' && (r.anomaly as { event: string }).event === 'tcp.pkt_too_small')).toHaveLength(1);
  });
});
