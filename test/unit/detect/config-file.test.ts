import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../shared/config/load.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { createDetectors } from '../../../shared/detect/index.ts';
import { rec, T0 } from './records.ts';

const file = (text: string) => {
  const p = join(mkdtempSync(join(tmpdir(), 'nw-cfg-')), 'netwatch.config.yml');
  writeFileSync(p, text);
  return p;
};

describe('detections: in netwatch.config.yml', () => {
  it('fills defaults for what the file leaves out and drives the detectors', async () => {
    // Prepare
    const cfg = await loadConfig(file('detections:\n  windowSeconds: 600\n  rejectBurst: { rejects: 3 }\n'));
    // Act
    const d = createDetectors(cfg.detections);
    for (let i = 0; i < 3; i++) d.add(rec({ srcaddr: '198.51.100.3', dstaddr: '10.0.0.1', start: T0 + 500 + i, action: 'REJECT' }));
    // Assess
    expect(cfg.detections.portScan.ports).toBe(25);
    expect(d.finish()).toMatchObject([{ type: 'reject-burst', window: { start: '2026-11-21T10:00:00.000Z', end: '2026-11-21T10:10:00.000Z' } }]);
  });

  it('rejects a misspelt key or a bad value with a ConfigError naming the key path', async () => {
    await expect(loadConfig(file('detections:\n  portScan: { prots: 10 }\n'))).rejects.toThrow(ConfigError);
    await expect(loadConfig(file('detections:\n  portScan: { prots: 10 }\n'))).rejects.toThrow(/detections\.portScan: Unrecognized key: "prots"/);
    await expect(loadConfig(file('detections:\n  windowSeconds: 30\n'))).rejects.toThrow(/detections\.windowSeconds: /);
    await expect(loadConfig(file('detections:\n  scheduled: { sensitiveSubnets: [web-tier] }\n'))).rejects.toThrow(
      /detections\.scheduled\.sensitiveSubnets\.0: must be a subnet id such as subnet-0a1b2c3d/,
    );
  });
});
