/** Shared by the sensor-ami tests: the repo root, a fresh bundle in a temp dir, free loopback ports, process exits. */
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSensor } from '../../../sensor-ami/build/build.ts';

export const ROOT = join(import.meta.dirname, '../../..');
export const SENSOR_AMI = join(ROOT, 'sensor-ami');

/** Builds the bundle into a temp dir outside the repo (as `npm run build:sensor` does into dist/sensor). */
export async function freshBundle(): Promise<{ dir: string; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'netwatch-sensor-bundle-'));
  const info = await buildSensor(dir);
  return { dir, file: join(dir, info.bundle) };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read, close). */
export async function freeTcpPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  const addr = srv.address();
  await new Promise<void>((res) => srv.close(() => res()));
  if (!addr || typeof addr !== 'object') throw new Error('no port');
  return addr.port;
}

export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((res) => s.bind(0, '127.0.0.1', res));
  const port = s.address().port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

export function exited(child: ChildProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((res, rej) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      res({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    const t = setTimeout(() => rej(new Error(`process did not exit within ${ms} ms`)), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      res({ code, signal });
    });
  });
}

/** Resolves with the first JSON line on `stream` whose `msg` equals `msg`. */
export function waitForLogLine(child: ChildProcess, msg: string, ms: number): Promise<Record<string, unknown>> {
  return new Promise((res, rej) => {
    let buf = '';
    const t = setTimeout(() => rej(new Error(`no "${msg}" log line within ${ms} ms; stderr so far: ${buf}`)), ms);
    child.stderr?.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      for (const line of buf.split('\n')) {
        try {
          const o = JSON.parse(line) as Record<string, unknown>;
          if (o.msg === msg) {
            clearTimeout(t);
            res(o);
            return;
          }
        } catch {
          // not a JSON log line (yet)
        }
      }
    });
  });
}
