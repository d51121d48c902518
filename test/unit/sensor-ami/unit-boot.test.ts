/**
 * Boots the sensor the way systemd does on the AMI: the unit's own ExecStart line and Environment=, the config file
 * from rootfs/ (only paths rewritten into a temp dir and ports moved to free ones on 127.0.0.1), the built bundle.
 * Then: the health port answers, a VXLAN datagram sent over real UDP becomes records in the lake, and SIGTERM ends
 * the process (and its workers: the shipped config says "workers": "auto") with exit code 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPcap } from '../../helpers/pcap.ts';
import { vxlan } from '../../helpers/pcap-build.ts';
import { corpus } from '../../helpers/pcap-sensor.ts';
import { SENSOR_AMI, exited, freeTcpPort, freeUdpPort, freshBundle } from './helpers.ts';

const UNIT = readFileSync(join(SENSOR_AMI, 'rootfs/etc/systemd/system/vxlan-sensor.service'), 'utf8');
const CONFIG = JSON.parse(readFileSync(join(SENSOR_AMI, 'rootfs/etc/vxlan-sensor/config.json'), 'utf8')) as Record<string, unknown>;

/** ExecStart split like systemd does for a line without quotes or specifiers (asserted below). */
function execStart(): string[] {
  const line = /^ExecStart=(.*)$/m.exec(UNIT)?.[1] ?? '';
  expect(line).not.toMatch(/["'%$\\]/);
  return line.split(/\s+/);
}

function unitEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of UNIT.matchAll(/^Environment=(\w+)=(\S*)$/gm)) env[m[1] as string] = m[2] as string;
  return env;
}

async function healthy(port: number, ms: number): Promise<{ status: number; body: unknown }> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`);
      return { status: r.status, body: await r.json() };
    } catch (err) {
      if (Date.now() > until) throw new Error(`health port ${port} did not answer within ${ms} ms`, { cause: err });
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}

/** Resolves when every process that receives ("workers" of the primary, else one) has logged "sensor listening". */
async function listening(log: () => string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const lines = log()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; workers?: number });
    const want = lines.find((l) => l.msg === 'sensor primary started')?.workers ?? 1;
    if (lines.filter((l) => l.msg === 'sensor listening').length >= want) return;
    if (Date.now() > until) throw new Error(`sensor not listening within ${ms} ms: ${log()}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

function lakeRecords(lake: string): { event_type: string; vxlan?: { vni: number } }[] {
  const files = readdirSync(lake, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.json.gz'));
  return files.flatMap((f) =>
    gunzipSync(readFileSync(join(f.parentPath, f.name)))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event_type: string; vxlan?: { vni: number } }),
  );
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('vxlan-sensor.service, booted as systemd would (ExecStart + rootfs config)', () => {
  let root = '';
  let bundle = '';
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sensor-unit-root-'));
    const b = await freshBundle();
    mkdirSync(join(root, 'opt/vxlan-sensor'), { recursive: true });
    bundle = join(root, 'opt/vxlan-sensor/netwatch-sensor.mjs');
    copyFileSync(b.file, bundle);
  });

  it('answers health, turns a VXLAN datagram into lake records, and exits 0 on SIGTERM', async () => {
    // Prepare: the shipped config with paths and ports moved; the ExecStart line with paths moved the same way
    const [udpPort, healthPort] = [await freeUdpPort(), await freeTcpPort()];
    const lake = join(root, 'var/lib/vxlan-sensor/lake');
    const cfgPath = join(root, 'etc/vxlan-sensor/config.json');
    mkdirSync(join(root, 'etc/vxlan-sensor'), { recursive: true });
    mkdirSync(join(root, 'var/log/vxlan-sensor'), { recursive: true });
    expect(CONFIG.out).toBe('/var/lib/vxlan-sensor/lake');
    writeFileSync(cfgPath, JSON.stringify({ ...CONFIG, listen: `127.0.0.1:${udpPort}`, health: `127.0.0.1:${healthPort}`, out: lake }));
    const moved: Record<string, string> = {
      '/usr/bin/node': process.execPath,
      '/opt/vxlan-sensor/netwatch-sensor.mjs': bundle,
      '/etc/vxlan-sensor/config.json': cfgPath,
    };
    const argv = execStart().map((a) => moved[a] ?? a);
    expect(argv.slice(1)).toEqual([bundle, '--config', cfgPath]);
    // StandardOutput=append:… / StandardError=append:…
    const stdout = openSync(join(root, 'var/log/vxlan-sensor/emf.log'), 'a');
    let stderr = '';
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: '/',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...unitEnvironment() },
      stdio: ['ignore', stdout, 'pipe'],
    });
    children.push(child);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });

    // Act 1: the NLB's health check
    const h = await healthy(healthPort, 20_000);
    // with workers the primary answers health before every worker has bound the UDP port: wait for all of them
    await listening(() => stderr, 20_000);

    // Act 2: a mirrored DNS exchange, VNI 4242, from one source (one worker gets all of it, as with one NLB flow)
    const inner = readPcap(corpus('suricata-verify/dns-udp-eve-txt/input.pcap')).records.map((r) => vxlan(4242, r.data));
    const sock = createSocket('udp4');
    for (const d of inner) await new Promise<void>((res, rej) => sock.send(d, udpPort, '127.0.0.1', (e) => (e ? rej(e) : res())));
    sock.close();
    // give the datagrams time to leave the socket queue before the stop (UDP has no acknowledgement)
    await new Promise((res) => setTimeout(res, 500));

    // Act 3: systemctl stop
    child.kill('SIGTERM');
    const end = await exited(child, 30_000);

    // Assess
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'ok' });
    expect(end, stderr).toEqual({ code: 0, signal: null });
    expect(stderr).toContain('"msg":"sensor stopped"');
    const recs = lakeRecords(lake);
    expect(recs.some((r) => r.event_type === 'dns' && r.vxlan?.vni === 4242)).toBe(true);
    expect(recs.some((r) => r.event_type === 'flow' && r.vxlan?.vni === 4242)).toBe(true);
  });

  it('a worker that dies stops the whole sensor with exit 1, so Restart=on-failure restarts it', async () => {
    // Prepare: two workers whatever the CPU count
    const [udpPort, healthPort] = [await freeUdpPort(), await freeTcpPort()];
    const cfgPath = join(root, 'etc/vxlan-sensor/config-workers.json');
    mkdirSync(join(root, 'etc/vxlan-sensor'), { recursive: true });
    writeFileSync(cfgPath, JSON.stringify({ ...CONFIG, workers: 2, listen: `127.0.0.1:${udpPort}`, health: `127.0.0.1:${healthPort}`, out: join(root, 'lake2') }));
    let stderr = '';
    const child = spawn(process.execPath, [bundle, '--config', cfgPath], { cwd: '/', stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    await listening(() => stderr, 20_000);
    const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    expect(kids).toHaveLength(2);
    // Act: one worker crashes
    process.kill(kids[0] as number, 'SIGKILL');
    const end = await exited(child, 30_000);
    // Assess: the other worker was stopped cleanly, and the exit code asks systemd for a restart
    expect(end, stderr).toEqual({ code: 1, signal: null });
    expect(stderr).toContain('"msg":"sensor worker died, stopping"');
    expect(stderr.match(/"msg":"sensor stopped"/g)).toHaveLength(1);
    expect(() => process.kill(kids[1] as number, 0)).toThrow();
  });
});
