/**
 * End to end: the real `netwatch sensor run` process on 127.0.0.1 receives VXLAN datagrams (real corpus traffic,
 * wrapped as Traffic Mirroring does) over a real UDP socket, is stopped with SIGTERM, and every record it wrote
 * (gzip JSON lines under sensor/event_type=…/dt=…/hour=…/) equals what the in-process pipeline makes of the same
 * datagrams. Also: health endpoint, EMF metric lines, exit code 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { EveRecord } from '../../../shared/packet/eve.ts';
import { Sensor } from '../../../shared/packet/sensor.ts';
import { defaultStreamParsers } from '../../../shared/packet/streams.ts';
import { readPcap } from '../../helpers/pcap.ts';
import { vxlan } from '../../helpers/pcap-build.ts';
import { corpus } from '../../helpers/pcap-sensor.ts';

const ROOT = join(import.meta.dirname, '../../..');
const SOURCES = ['suricata-verify/dns-udp-eve-txt/input.pcap', 'suricata-verify/bug-130/input.pcap', 'suricata-verify/community-id-ipv4/input.pcap'];

function datagrams(): Uint8Array[] {
  const out: Uint8Array[] = [];
  SOURCES.forEach((s, i) => {
    for (const r of readPcap(corpus(s)).records) out.push(vxlan(100 + i, r.data));
  });
  return out;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json.gz'))
    .map((e) => join(e.parentPath, e.name));
}

/** Fields that depend on the wall clock of receipt. */
function stable(r: EveRecord): string {
  const { timestamp: _t, flow_id: _i, flow, ...rest } = r as EveRecord & { flow?: Record<string, unknown> };
  if (flow) {
    const { start: _s, end: _e, age: _a, ...f } = flow;
    return JSON.stringify({ ...rest, flow: f });
  }
  return JSON.stringify(rest);
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('netwatch sensor run (daemon, end to end over UDP on 127.0.0.1)', () => {
  it('writes every record of the received datagrams and flushes on SIGTERM', async () => {
    // Prepare
    const out = mkdtempSync(join(tmpdir(), 'sensor-run-'));
    const child = spawn(process.execPath, ['bin/netwatch.mjs', 'sensor', 'run', '--listen', '127.0.0.1:0', '--health', '127.0.0.1:0', '--out', out, '--metrics-seconds', '1', '--flush-seconds', '3600'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    const ready = await new Promise<{ udp_port: number; health_port: number }>((res, rej) => {
      child.stderr?.on('data', (b: Buffer) => {
        stderr += b.toString();
        const line = stderr.split('\n').find((l) => l.includes('sensor listening'));
        if (line) res(JSON.parse(line));
      });
      child.once('exit', (code) => rej(new Error(`daemon exited ${code}: ${stderr}`)));
    });
    const dgs = datagrams();
    // Act: send, paced so a 2-core CI box never overflows the socket buffer
    const sock = createSocket('udp4');
    for (let i = 0; i < dgs.length; i++) {
      await new Promise<void>((res, rej) => sock.send(dgs[i] as Uint8Array, ready.udp_port, '127.0.0.1', (e) => (e ? rej(e) : res())));
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 5));
    }
    sock.close();
    let health: { status: string; received: number } = { status: '', received: -1 };
    for (let i = 0; i < 100 && health.received < dgs.length; i++) {
      health = (await (await fetch(`http://127.0.0.1:${ready.health_port}/health`)).json()) as typeof health;
      if (health.received < dgs.length) await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 1100)); // at least one EMF line
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((res) => child.once('exit', res));
    // Assess
    expect(health).toMatchObject({ status: 'ok', received: dgs.length, queueDrops: 0 });
    expect(code).toBe(0);
    const written = walk(join(out, 'sensor')).flatMap((f) =>
      gunzipSync(readFileSync(f)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as EveRecord),
    );
    for (const f of walk(join(out, 'sensor'))) expect(f).toMatch(/sensor\/event_type=(flow|dns|http|tls|anomaly)\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/[^/]+\.json\.gz$/);
    const expected: EveRecord[] = [];
    const s = new Sensor((r) => expected.push(JSON.parse(JSON.stringify(r)) as EveRecord), { streamParsers: defaultStreamParsers });
    for (const d of dgs) s.datagram(d, 0, d.length, Date.now() * 1000);
    s.finish();
    expect(written.map(stable).sort()).toEqual(expected.map(stable).sort());
    expect(new Set(written.map((r) => r.event_type))).toEqual(new Set(['flow', 'dns', 'http', 'tls']));
    const emf = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Namespace: string }[] } });
    expect(emf.length).toBeGreaterThan(0);
    expect(emf[0]?._aws.CloudWatchMetrics[0]?.Namespace).toBe('NetWatch/Sensor');
    // the fleet-wide metrics the stack's alarm and dashboard read
    expect(emf[0]?._aws.CloudWatchMetrics[1]).toMatchObject({ Namespace: 'NetWatch', Dimensions: [[]] });
    expect(emf.reduce((n, m) => n + Number(m.SensorPackets ?? 0), 0)).toBe(emf.reduce((n, m) => n + Number(m.Received ?? 0), 0));
    expect(typeof emf[0]?.SensorKernelDrops).toBe('number');
    expect(emf.reduce((n, m) => n + (m.Received as number), 0)).toBe(dgs.length);
    expect(stderr).toContain('sensor stopped');
  });

  it('stops with exit 1 and a reason when its decode thread dies (here: the output cannot be written)', async () => {
    // Prepare: --out is a path under a regular file, so the first batch write fails inside the decode thread
    const dir = mkdtempSync(join(tmpdir(), 'sensor-fatal-'));
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const child = spawn(process.execPath, ['bin/netwatch.mjs', 'sensor', 'run', '--listen', '127.0.0.1:0', '--health', '127.0.0.1:0', '--out', join(file, 'lake'), '--flush-seconds', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    const exited = new Promise<number | null>((res) => child.once('exit', res));
    const port = await new Promise<number>((res) => {
      child.stderr?.on('data', (b: Buffer) => {
        stderr += b.toString();
        const line = stderr.split('\n').find((l) => l.includes('sensor listening'));
        if (line) res((JSON.parse(line) as { udp_port: number }).udp_port);
      });
    });
    // Act: one datagram makes one flow record... at the latest on the next 1 s tick's flush
    const sock = createSocket('udp4');
    await new Promise<void>((res, rej) => sock.send(datagrams()[0] as Uint8Array, port, '127.0.0.1', (e) => (e ? rej(e) : res())));
    sock.close();
    const code = await exited;
    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain('sensor decode thread failed, stopping');
    expect(stderr).toMatch(/netwatch: sensor decode thread failed: .*not-a-dir/);
  });

  it('exits 2 with a one-line reason on a bad --listen', async () => {
    const child = spawn(process.execPath, ['bin/netwatch.mjs', 'sensor', 'run', '--listen', 'nonsense', '--out', tmpdir()], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((res) => child.once('exit', res));
    expect(code).toBe(2);
    expect(err).toBe('netwatch: --listen must be host:port, e.g. 0.0.0.0:4789 (got nonsense)\n');
  });
});
