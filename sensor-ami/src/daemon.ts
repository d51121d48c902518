/**
 * The sensor daemon: the I/O shell around shared/packet. Receives AWS Traffic Mirroring VXLAN datagrams on a UDP
 * socket (no libpcap, no root: the payload starts at the VXLAN header), runs them through the Sensor, batches EVE
 * records into gzip JSON-lines objects under `sensor/event_type=…/dt=…/hour=…/` (local dir or S3), serves a health
 * endpoint for the NLB check, and prints CloudWatch Embedded Metric Format lines on stdout.
 *
 * Port sharing: `workers > 1` forks one process per worker (node:cluster); each binds the same UDP port with
 * SO_REUSEPORT (`reusePort: true`), so the kernel spreads datagrams across workers by a hash of the outer 4-tuple
 * (each mirror source/NLB flow sticks to one worker, which keeps a flow's packets together). Only the primary
 * serves health. SIGTERM: stop receiving, end every flow, flush every batch, then exit 0 — nothing buffered is lost.
 */
import cluster from 'node:cluster';
import { createSocket, type Socket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from '../../shared/aws/clients.ts';
import { UsageError } from '../../shared/errors.ts';
import type { MirrorInfo } from '../../shared/packet/eve.ts';
import { Sensor } from '../../shared/packet/sensor.ts';
import { defaultStreamParsers } from '../../shared/packet/streams.ts';
import { parseVniMap } from '../../shared/packet/vni-map.ts';
import { PartitionedSink } from './sink.ts';

export interface DaemonOptions {
  listen: string;
  health?: string;
  out: string;
  vniMap?: string;
  vniReloadSeconds?: number;
  flushSeconds?: number;
  flushBytes?: number;
  /** Requested SO_RCVBUF; the kernel caps it at net.core.rmem_max (the AMI raises that). */
  rcvbuf?: number;
  metricsSeconds?: number;
  workers?: number;
  /** Where EMF lines go (stdout by default; tests capture them). */
  metricsOut?: (line: string) => void;
}

export interface RunningDaemon {
  udpPort: number;
  healthPort: number | null;
  stats(): DaemonStats;
  stop(): Promise<void>;
}

export interface DaemonStats {
  received: number;
  receivedBytes: number;
  records: number;
  objects: number;
  bytesWritten: number;
  kernelDrops: number;
  rcvbuf: number;
}

export function parseHostPort(s: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) throw new UsageError(`${flag} must be host:port, e.g. 0.0.0.0:4789 (got ${s})`);
  return { host: (m[1] ?? m[2]) as string, port };
}

/** RcvbufErrors from /proc/net/snmp: datagrams the kernel dropped because the socket buffer was full. */
async function kernelRcvbufErrors(): Promise<number> {
  try {
    const lines = (await readFile('/proc/net/snmp', 'utf8')).split('\n').filter((l) => l.startsWith('Udp:'));
    const head = (lines[0] ?? '').split(/\s+/);
    const vals = (lines[1] ?? '').split(/\s+/);
    const i = head.indexOf('RcvbufErrors');
    return i > 0 ? Number(vals[i] ?? 0) : 0;
  } catch {
    return 0; // not Linux
  }
}

async function loadVniMapFrom(src: string): Promise<Map<number, MirrorInfo>> {
  let text: string;
  if (src.startsWith('s3://')) {
    const rest = src.slice(5);
    const slash = rest.indexOf('/');
    const r = await s3Client().send(new GetObjectCommand({ Bucket: rest.slice(0, slash), Key: rest.slice(slash + 1) }));
    text = (await r.Body?.transformToString()) ?? '';
  } else {
    text = await readFile(src, 'utf8');
  }
  return parseVniMap(JSON.parse(text), src);
}

export async function startDaemon(o: DaemonOptions): Promise<RunningDaemon> {
  const listen = parseHostPort(o.listen, '--listen');
  const health = o.health ? parseHostPort(o.health, '--health') : null;
  const emit = o.metricsOut ?? ((l: string) => void process.stdout.write(`${l}\n`));
  const stem = `${hostname().replace(/[^A-Za-z0-9-]/g, '_')}-${process.pid}-${Date.now()}`;
  const sink = new PartitionedSink({ out: o.out, stem, maxBytes: o.flushBytes ?? 8 << 20, maxAgeMs: (o.flushSeconds ?? 60) * 1000 });

  let vni = new Map<number, MirrorInfo>();
  if (o.vniMap) vni = await loadVniMapFrom(o.vniMap);
  const sensor = new Sensor((rec) => sink.add(rec), { streamParsers: defaultStreamParsers, mirror: (v) => vni.get(v) });

  let received = 0;
  let receivedBytes = 0;
  const sock: Socket = createSocket({ type: listen.host.includes(':') ? 'udp6' : 'udp4', reusePort: (o.workers ?? 1) > 1, recvBufferSize: o.rcvbuf ?? 32 << 20 });
  sock.on('message', (msg: Buffer) => {
    received++;
    receivedBytes += msg.length;
    // Sensor.datagram has the last-resort try/catch: one bad datagram never stops the daemon
    sensor.datagram(msg, 0, msg.length, Date.now() * 1000);
  });
  await new Promise<void>((res, rej) => {
    sock.once('error', rej);
    // exclusive: each cluster worker owns its socket (with SO_REUSEPORT) instead of sharing the primary's handle
    sock.bind({ port: listen.port, address: listen.host, exclusive: true }, () => {
      sock.off('error', rej);
      res();
    });
  });
  sock.on('error', () => {
    // a receive error (e.g. ICMP-induced) is not fatal for a UDP listener
  });

  const rcvbuf = sock.getRecvBufferSize();
  const udpPort = sock.address().port;
  const drops0 = await kernelRcvbufErrors();
  let kernelDrops = 0;
  const stats = (): DaemonStats => ({
    received,
    receivedBytes,
    records: sink.stats.records,
    objects: sink.stats.objects,
    bytesWritten: sink.stats.bytes_written,
    kernelDrops,
    rcvbuf,
  });

  let server: Server | null = null;
  if (health) {
    server = createServer((req, res) => {
      if (req.url === '/health' || req.url === '/') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'ok', ...stats(), uptime_s: Math.round(process.uptime()) }));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((res) => server?.listen(health.port, health.host, res));
  }

  const tick = setInterval(() => {
    sensor.tick(Date.now() * 1000);
    void sink.flushDue();
  }, 1000);
  let last = { received: 0, records: 0, bytes: 0, anomalies: 0 };
  const metrics = setInterval(async () => {
    kernelDrops = (await kernelRcvbufErrors()) - drops0;
    const st = sensor.stats();
    const anomalies = Object.values(st.anomalies).reduce((a, b) => a + b, 0);
    const m = {
      Received: received - last.received,
      Decoded: st.decoded,
      KernelDrops: kernelDrops,
      Anomalies: anomalies - last.anomalies,
      Flows: st.flows.active,
      Records: sink.stats.records - last.records,
      BytesWritten: sink.stats.bytes_written - last.bytes,
    };
    last = { received, records: sink.stats.records, bytes: sink.stats.bytes_written, anomalies };
    emit(
      JSON.stringify({
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            {
              Namespace: 'NetWatch/Sensor',
              Dimensions: [['Host']],
              Metrics: Object.keys(m).map((Name) => ({ Name, Unit: Name === 'BytesWritten' ? 'Bytes' : 'Count' })),
            },
            // fleet-wide names the stack's alarm and dashboard read (shared/athena/monitoring.ts NETWATCH_METRICS)
            {
              Namespace: 'NetWatch',
              Dimensions: [[]],
              Metrics: [
                { Name: 'SensorPackets', Unit: 'Count' },
                { Name: 'SensorKernelDrops', Unit: 'Count' },
              ],
            },
          ],
        },
        Host: hostname(),
        ...m,
        SensorPackets: m.Received,
        SensorKernelDrops: m.KernelDrops,
      }),
    );
  }, (o.metricsSeconds ?? 60) * 1000);
  let reload: NodeJS.Timeout | null = null;
  if (o.vniMap) {
    const src = o.vniMap;
    reload = setInterval(() => {
      loadVniMapFrom(src).then(
        (m) => {
          vni = m;
        },
        () => {
          // keep the last good map; a half-written object must not blank the labels
        },
      );
    }, (o.vniReloadSeconds ?? 300) * 1000);
  }

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(tick);
      clearInterval(metrics);
      if (reload) clearInterval(reload);
      await new Promise<void>((res) => sock.close(() => res()));
      sensor.finish();
      await sink.close();
      if (server) await new Promise<void>((res) => server?.close(() => res()));
    })();
    return stopping;
  };
  const addr = server?.address();
  return { udpPort, healthPort: addr && typeof addr === 'object' ? addr.port : null, stats, stop };
}

/**
 * Runs until SIGTERM/SIGINT. With workers > 1 the primary forks workers (each a full daemon on the shared port) and
 * serves health itself; see the file comment.
 */
export async function runDaemon(o: DaemonOptions, log: (s: string) => void = (s) => void process.stderr.write(`${s}\n`)): Promise<void> {
  const workers = o.workers ?? 1;
  if (workers > 1 && cluster.isPrimary) {
    // handlers first: a SIGTERM that arrives while workers start must still stop them cleanly
    let stopRequested = false;
    const early = (): void => {
      stopRequested = true;
    };
    process.once('SIGTERM', early);
    process.once('SIGINT', early);
    const kids = Array.from({ length: workers }, () => cluster.fork({ NETWATCH_SENSOR_WORKER: '1' }));
    const server = o.health ? createServer((_q, r) => r.writeHead(200).end('{"status":"ok"}')) : null;
    if (server && o.health) {
      const h = parseHostPort(o.health, '--health');
      server.listen(h.port, h.host);
    }
    log(JSON.stringify({ msg: 'sensor primary started', workers }));
    await new Promise<void>((res) => {
      const down = (): void => {
        for (const k of kids) k.process.kill('SIGTERM');
      };
      process.off('SIGTERM', early);
      process.off('SIGINT', early);
      process.once('SIGTERM', down);
      process.once('SIGINT', down);
      if (stopRequested) down();
      let alive = kids.length;
      cluster.on('exit', () => {
        if (--alive === 0) res();
      });
    });
    await new Promise<void>((res) => (server ? server.close(() => res()) : res()));
    log(JSON.stringify({ msg: 'sensor primary stopped', workers }));
    return;
  }
  const d = await startDaemon(cluster.isWorker ? { ...o, health: undefined } : o);
  log(JSON.stringify({ msg: 'sensor listening', udp_port: d.udpPort, health_port: d.healthPort, rcvbuf: d.stats().rcvbuf }));
  await new Promise<void>((res) => {
    process.once('SIGTERM', res);
    process.once('SIGINT', res);
  });
  await d.stop();
  log(JSON.stringify({ msg: 'sensor stopped', ...d.stats() }));
  // a worker's IPC channel to the primary would keep it alive: let go so it exits once flushed
  if (cluster.isWorker) cluster.worker?.disconnect();
}

/** `node daemon.ts --config /etc/vxlan-sensor/config.json` (the systemd unit's entry). */
async function mainFromConfig(argv: string[]): Promise<void> {
  const i = argv.indexOf('--config');
  const path = i >= 0 ? argv[i + 1] : undefined;
  if (!path) throw new UsageError('usage: daemon --config <config.json>');
  const cfg = JSON.parse(await readFile(path, 'utf8')) as DaemonOptions;
  await runDaemon(cfg);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename) {
  mainFromConfig(process.argv).catch((err: unknown) => {
    process.stderr.write(`vxlan-sensor: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
