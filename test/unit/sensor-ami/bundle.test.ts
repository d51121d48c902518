/**
 * The sensor bundle (`npm run build:sensor`): config file -> `sensor run` options (zod, errors name the key), and the
 * built single file runs with plain `node` from a directory outside the repo (no node_modules next to it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Client } from '../../../shared/aws/clients.ts';
import { startLocalS3 } from '../../../shared/aws/local-s3.ts';
import { parseSensorConfig, sensorRunArgs } from '../../../sensor-ami/build/config.ts';
import { expandConfig } from '../../../sensor-ami/build/program.ts';
import { readPcap } from '../../helpers/pcap.ts';
import { vxlan } from '../../helpers/pcap-build.ts';
import { exited, freshBundle, waitForLogLine } from './helpers.ts';

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

  it('writes to S3 with the AWS SDK inside the bundle (local S3 server on 127.0.0.1)', async () => {
    // Prepare
    const s3 = await startLocalS3({ buckets: ['lake'] });
    stops.push(() => s3.close());
    const child = spawn(process.execPath, [bundle, 'sensor', 'run', '--listen', '127.0.0.1:0', '--health', '127.0.0.1:0', '--out', 's3://lake/netwatch/', '--flush-seconds', '3600'], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NETWATCH_S3_ENDPOINT: s3.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    stops.push(async () => void child.kill('SIGKILL'));
    const up = await waitForLogLine(child, 'sensor listening', 20_000);
    // Act
    const sock = createSocket('udp4');
    for (const r of readPcap(CORPUS_PCAP).records) {
      await new Promise<void>((res, rej) => sock.send(vxlan(7, r.data), up.udp_port as number, '127.0.0.1', (e) => (e ? rej(e) : res())));
    }
    sock.close();
    await new Promise((res) => setTimeout(res, 300));
    child.kill('SIGTERM');
    const end = await exited(child, 30_000);
    const listed = await s3Client({ endpoint: s3.endpoint }).send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'netwatch/sensor/' }));
    // Assess
    expect(end).toEqual({ code: 0, signal: null });
    const keys = (listed.Contents ?? []).map((o) => o.Key ?? '');
    expect(keys.some((k) => /^netwatch\/sensor\/event_type=dns\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/.+\.json\.gz$/.test(k))).toBe(true);
  });
});

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
});
