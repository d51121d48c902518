import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { loadConfig } from '../../../shared/config/load.ts';

describe('loadConfig()', () => {
  it('resolves local.* paths and the deny-list file relative to the config file, not the working directory', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'nw-cfg-'));
    const path = join(dir, 'netwatch.config.yml');
    writeFileSync(path, 'local: { networkAcls: nacls.json, inventory: /abs/eni.json, stateDir: state }\ndetections: { denyList: { file: intel/bad.txt } }\n');
    try {
      // Act
      const cfg = await loadConfig(path);
      // Assess
      expect(cfg.local).toMatchObject({ networkAcls: join(dir, 'nacls.json'), inventory: '/abs/eni.json', stateDir: join(dir, 'state') });
      expect((cfg.detections as { denyList: { file: string } }).denyList.file).toBe(join(dir, 'intel/bad.txt'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the bad key of an invalid config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nw-cfg-'));
    const path = join(dir, 'bad.yml');
    writeFileSync(path, 'channels:\n  ops: { type: slack, webhookUrl: "http://hooks.example.com/x" }\nroutes:\n  - channels: [nope]\n');
    try {
      const run = loadConfig(path);
      await expect(run).rejects.toThrow(ConfigError);
      await expect(loadConfig(path)).rejects.toThrow(/channels\.ops\.webhookUrl: webhook URL must be https/);
      await expect(loadConfig(path)).rejects.toThrow(/routes\.0\.channels\.0: unknown channel "nope"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
