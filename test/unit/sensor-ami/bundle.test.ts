/**
 * The sensor bundle (`npm run build:sensor`): config file -> `sensor run` options (zod, errors name the key), and the
 * built single file runs with plain `node` from a directory outside the repo (no node_modules next to it).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSensorConfig, sensorRunArgs } from '../../../sensor-ami/build/config.ts';
import { expandConfig } from '../../../sensor-ami/build/program.ts';
import { freshBundle } from './helpers.ts';

const CORPUS_PCAP = join(import.meta.dirname, '../../../../shared/corpus/suricata-verify/dns-udp-eve-txt/input.pcap');

describe('parseSensorConfig()', () => {
  it('fills the daemon defaults for listen and health and keeps the rest unset', () => {
    // Act
    const cfg = parseSensorConfig({ out: 's3://lake/netwatch' }, 'config.json');
    // Assess
    expect(cfg).toEqual({ listen: '0.0.0.0:4789', health: '0.0.0.0:8080', out: 's3://lake/netwatch' });
    expect(sensorRunArgs(cfg)).toEqual(['--listen', '0.0.0.0:4789', '--health', '0.0.0.0:8080', '--out', 's3://lake/netwatch']);
  });

  it('names an unknown key (a typo must not fall back to a default)', () => {
    expect(() => parseSensorConfig({ out: '/lake', flushSecond: 5 }, 'c.json')).toThrow('c.json: (root): unknown key flushSecond');
  });

  it('names the key of a bad value', () => {
    expect(() => parseSensorConfig({ out: '/lake', listen: '4789' }, 'c.json')).toThrow(/^c\.json: listen: must be host:port/);
    expect(() => parseSensorConfig({ out: '/lake', workers: 0 }, 'c.json')).toThrow(/^c\.json: workers: /);
    expect(() => parseSensorConfig({ listen: '0.0.0.0:4789' }, 'c.json')).toThrow(/^c\.json: out: /);
    expect(() => parseSensorConfig({ out: '/lake', region: 'Frankfurt' }, 'c.json')).toThrow('c.json: region: must be an AWS region such as us-east-1');
  });

  it('translates every key into its sensor run flag; workers "auto" is one per CPU', () => {
    // Prepare
    const cfg = parseSensorConfig(
      {
        listen: '[::]:4789',
        health: '0.0.0.0:8081',
        out: '/var/lib/vxlan-sensor/lake',
        vniMap: 's3://b/vni-map.json',
        vniReloadSeconds: 120,
        flushSeconds: 30,
        flushBytes: 1048576,
        rcvbuf: 67108864,
        metricsSeconds: 60,
        workers: 'auto',
        region: 'eu-central-1',
      },
      'c.json',
    );
    // Act
    const args = sensorRunArgs(cfg, 4);
    // Assess
    expect(args).toEqual([
      '--listen', '[::]:4789', '--health', '0.0.0.0:8081', '--out', '/var/lib/vxlan-sensor/lake',
      '--vni-map', 's3://b/vni-map.json', '--vni-reload-seconds', '120', '--flush-seconds', '30',
      '--flush-bytes', '1048576', '--rcvbuf', '67108864', '--metrics-seconds', '60', '--workers', '4',
    ]);
  });
});

describe('expandConfig()', () => {
  it('turns --config <file> into sensor run flags, with later flags appended so they win', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'sensor-cfg-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ out: '/lake', workers: 2 }));
    // Act
    const args = await expandConfig(['--config', file, '--workers', '1']);
    // Assess
    expect(args).toEqual(['sensor', 'run', '--listen', '0.0.0.0:4789', '--health', '0.0.0.0:8080', '--out', '/lake', '--workers', '2', '--workers', '1']);
    expect(await expandConfig(['sensor', 'decode', 'x.pcap'])).toEqual(['sensor', 'decode', 'x.pcap']);
  });

  it('reports a file that is not JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sensor-cfg-'));
    writeFileSync(join(dir, 'c.json'), '{ out: ');
    await expect(expandConfig([`--config=${join(dir, 'c.json')}`])).rejects.toThrow('not readable JSON');
  });
});

describe('netwatch-sensor.mjs (the built bundle, run outside the repo)', () => {
  let bundle = '';
  let cwd = '';
  beforeAll(async () => {
    const b = await freshBundle();
    // a directory with nothing but the bundle: no node_modules to fall back on
    cwd = mkdtempSync(join(tmpdir(), 'sensor-alone-'));
    bundle = join(cwd, 'netwatch-sensor.mjs');
    copyFileSync(b.file, bundle);
    expect(JSON.parse(readFileSync(join(b.dir, 'build-info.json'), 'utf8'))).toMatchObject({ name: 'netwatch-sensor', node_target: 'node22' });
  });
  const run = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });

  it('is one ESM file for Node 22 that prints its version and only the sensor commands', () => {
    // Act
    const v = run('--version');
    const help = run('--help');
    // Assess
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+\+(?:[0-9a-f]{12}|unknown)$/);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('sensor');
    expect(help.stdout).not.toMatch(/flowlogs|invoke|nacl/);
  });

  it('decodes a capture with `sensor decode` (EVE JSON lines on stdout)', () => {
    const r = run('sensor', 'decode', CORPUS_PCAP, '--no-progress');
    expect(r.status).toBe(0);
    const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event_type: string });
    expect(recs.some((x) => x.event_type === 'dns')).toBe(true);
  });

  it('exits 2 with a one-line reason naming the key when the config does not validate', () => {
    writeFileSync(join(cwd, 'bad.json'), JSON.stringify({ out: '/lake', listen: 'nowhere' }));
    const r = run('--config', join(cwd, 'bad.json'));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`netwatch-sensor: ${join(cwd, 'bad.json')}: listen: must be host:port, e.g. 0.0.0.0:4789\n`);
  });

  it('exits 2 on an unknown command and 1 with a reason on a missing capture', () => {
    expect(run('nosuch').status).toBe(2);
    const r = run('sensor', 'decode', join(cwd, 'missing.pcap'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^netwatch-sensor: cannot read .*missing\.pcap/);
  });
});
