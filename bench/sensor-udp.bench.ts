/**
 * UDP receive: the sensor daemon (`netwatch sensor run`, full pipeline, writing objects) vs a bare dgram counter
 * (the daemon's count excludes datagrams it read but dropped from its decode queue),
 * each fed by the same sender process at the same rate on 127.0.0.1. Goal (issue 3): ≥ 0.85× the bare counter and
 * < 0.5 % loss at 100 kpps. `BENCH_RATE` (default 100000/s) and `BENCH_SECONDS` (default 5).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RATE = Number(process.env.BENCH_RATE ?? 100_000);
const COUNT = RATE * Number(process.env.BENCH_SECONDS ?? 5);
const ROOT = join(import.meta.dirname, '..');

function waitLine(c: ChildProcess, stream: 'stdout' | 'stderr', pred: (l: string) => boolean): Promise<string> {
  return new Promise((res, rej) => {
    let buf = '';
    c[stream]?.on('data', (b: Buffer) => {
      buf += b.toString();
      const l = buf.split('\n').find(pred);
      if (l) res(l);
    });
    c.once('exit', (code) => rej(new Error(`exited ${code}: ${buf}`)));
  });
}

async function send(port: number): Promise<number> {
  const s = spawn(process.execPath, ['bench/sensor-udp-send.ts', String(port), String(RATE), String(COUNT)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await waitLine(s, 'stdout', (l) => l.startsWith('{'));
  return (JSON.parse(line) as { sent: number }).sent;
}

const BARE = `
const s = require('node:dgram').createSocket({ type: 'udp4', recvBufferSize: 32 << 20 });
let n = 0;
s.on('message', () => { n++; });
s.bind(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: s.address().port }) + '\\n'));
process.on('SIGTERM', () => { process.stdout.write(JSON.stringify({ received: n }) + '\\n'); process.exit(0); });`;

async function bare(): Promise<{ sent: number; received: number }> {
  const c = spawn(process.execPath, ['-e', BARE], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = (JSON.parse(await waitLine(c, 'stdout', (l) => l.includes('port'))) as { port: number }).port;
  const sent = await send(port);
  await new Promise((r) => setTimeout(r, 500));
  const done = waitLine(c, 'stdout', (l) => l.includes('received'));
  c.kill('SIGTERM');
  return { sent, received: (JSON.parse(await done) as { received: number }).received };
}

async function daemon(): Promise<{ sent: number; received: number; records: number; queue_drops: number }> {
  const out = mkdtempSync(join(tmpdir(), 'udp-bench-'));
  const c = spawn(process.execPath, ['bin/netwatch.mjs', 'sensor', 'run', '--listen', '127.0.0.1:0', '--health', '127.0.0.1:0', '--out', out, '--metrics-seconds', '3600'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ready = JSON.parse(await waitLine(c, 'stderr', (l) => l.includes('sensor listening'))) as { udp_port: number; health_port: number };
  const sent = await send(ready.udp_port);
  await new Promise((r) => setTimeout(r, 1000));
  const h = (await (await fetch(`http://127.0.0.1:${ready.health_port}/health`)).json()) as { received: number; queueDrops?: number };
  const stopped = waitLine(c, 'stderr', (l) => l.includes('sensor stopped'));
  c.kill('SIGTERM');
  const st = JSON.parse(await stopped) as { records: number };
  // a datagram the daemon read but could not queue for its decode thread counts as lost, not received
  const queueDrops = h.queueDrops ?? 0;
  return { sent, received: h.received - queueDrops, records: st.records, queue_drops: queueDrops };
}

const b = await bare();
const d = await daemon();
const result = {
  rate_pps: RATE,
  datagrams: COUNT,
  bare: { ...b, loss_pct: Math.round((1 - b.received / b.sent) * 10000) / 100 },
  daemon: { ...d, loss_pct: Math.round((1 - d.received / d.sent) * 10000) / 100 },
  ratio_received_vs_bare: Math.round((d.received / b.received) * 1000) / 1000,
  goals: { ratio: 0.85, loss_pct: 0.5 },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
