/**
 * The sensor daemon: the I/O shell around shared/packet. Receives AWS Traffic Mirroring VXLAN datagrams on a UDP
 * socket (no libpcap, no root: the payload starts at the VXLAN header), runs them through the Sensor, batches EVE
 * records into gzip JSON-lines objects under `sensor/event_type=…/dt=…/hour=…/` (local dir or S3), serves a health
 * endpoint for the NLB check, and prints CloudWatch Embedded Metric Format lines on stdout.
 *
 * Threads: the main thread only receives. Each datagram is copied into a batch (a transferable ArrayBuffer:
 * [u32 length | f64 receive time µs | bytes]…) that goes to a decode thread when it holds 64 KiB or is 2 ms old;
 * the decode thread runs the Sensor, the sink (JSON, gzip, writes) and the VNI map reloads, and hands the buffer back
 * for reuse. So decoding, record building and output never delay the socket reads, and a second core does that work.
 * Batches in flight are bounded (MAX_BATCHES_IN_FLIGHT); past that, datagrams are dropped and counted (`queueDrops`),
 * never silently.
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
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
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
  /** Called once if the decode thread dies; the caller should stop() the daemon (which then rejects). */
  onFatal?: (err: Error) => void;
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
  /** Datagrams received but dropped because the decode thread was MAX_BATCHES_IN_FLIGHT batches behind. */
  queueDrops: number;
}

/** What the decode thread reports (periodically and once more when stopped). */
interface DecoderStats {
  decoded: number;
  anomalies: number;
  flows: number;
  records: number;
  objects: number;
  bytesWritten: number;
}

interface DecoderConfig {
  marker: typeof DECODER_MARKER;
  out: string;
  stem: string;
  flushBytes: number;
  flushSeconds: number;
  vniMap?: string;
  vniReloadSeconds: number;
  vni: Map<number, MirrorInfo>;
}

type ToDecoder = { t: 'batch'; buf: ArrayBuffer; used: number } | { t: 'stop' };
type FromDecoder = { t: 'ready' } | { t: 'free'; buf: ArrayBuffer } | { t: 'stats'; stats: DecoderStats; final: boolean };

const DECODER_MARKER = 'netwatch-sensor-decoder';
/** Batch capacity: SEND_AT plus room for the largest datagram (64 KiB) on top. */
const BATCH_BYTES = 128 * 1024 + 64;
/**
 * A batch goes to the decode thread once it holds this much, or SEND_AFTER_MS after its first datagram. Why: a
 * postMessage costs about as much as receiving a datagram, so it must carry many (64 KiB ≈ 100 mirrored packets);
 * 2 ms bounds the added latency when traffic is light.
 */
const SEND_AT = 64 * 1024;
const SEND_AFTER_MS = 2;
/** Why 1024 (≤ 128 MiB): about 1 s of a saturated 1 Gbit/s link queued for the decode thread before drops start. */
const MAX_BATCHES_IN_FLIGHT = 1024;
/** Per datagram in a batch: u32 length + f64 receive time (µs). */
const RECORD_HEADER = 12;

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

  // the first VNI map is loaded here, so a bad one fails the start with its own error (exit 2 for a ConfigError)
  const vni = o.vniMap ? await loadVniMapFrom(o.vniMap) : new Map<number, MirrorInfo>();
  const config: DecoderConfig = {
    marker: DECODER_MARKER,
    out: o.out,
    stem,
    flushBytes: o.flushBytes ?? 8 << 20,
    flushSeconds: o.flushSeconds ?? 60,
    vniMap: o.vniMap,
    vniReloadSeconds: o.vniReloadSeconds ?? 300,
    vni,
  };
  const decoder = new Worker(new URL(import.meta.url), { workerData: config });
  let dec: DecoderStats = { decoded: 0, anomalies: 0, flows: 0, records: 0, objects: 0, bytesWritten: 0 };
  let failure: Error | null = null;
  let onFinal: (() => void) | null = null;
  const pool: ArrayBuffer[] = [];
  let inFlight = 0;
  decoder.on('message', (m: FromDecoder) => {
    if (m.t === 'free') {
      inFlight--;
      if (pool.length < 64) pool.push(m.buf);
    } else if (m.t === 'stats') {
      dec = m.stats;
      if (m.final) onFinal?.();
    }
  });
  const exited = new Promise<void>((res) => decoder.once('exit', () => res()));
  decoder.on('error', (err: Error) => {
    // the decode thread died (its per-datagram try/catch did not hold, or an output write failed): health turns 503
    // and stop() reports it, so the process exits 1 and systemd restarts it
    failure = err;
    onFinal?.();
    o.onFatal?.(err);
  });
  await new Promise<void>((res, rej) => {
    const ready = (m: FromDecoder): void => {
      if (m.t !== 'ready') return;
      decoder.off('message', ready);
      decoder.off('error', rej);
      res();
    };
    decoder.on('message', ready);
    decoder.once('error', rej);
  });

  let received = 0;
  let receivedBytes = 0;
  let queueDrops = 0;
  let batch: ArrayBuffer | null = null;
  let view: DataView | null = null;
  let bytes: Uint8Array | null = null;
  let used = 0;
  let timer: NodeJS.Timeout | null = null;
  const send = (): void => {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    if (batch === null || used === 0) return;
    const msg: ToDecoder = { t: 'batch', buf: batch, used };
    decoder.postMessage(msg, [batch]);
    inFlight++;
    batch = view = bytes = null;
    used = 0;
  };
  const sock: Socket = createSocket({ type: listen.host.includes(':') ? 'udp6' : 'udp4', reusePort: (o.workers ?? 1) > 1, recvBufferSize: o.rcvbuf ?? 32 << 20 });
  sock.on('message', (msg: Buffer) => {
    received++;
    receivedBytes += msg.length;
    const need = RECORD_HEADER + msg.length;
    if (batch !== null && used + need > BATCH_BYTES) send();
    if (batch === null) {
      if (inFlight >= MAX_BATCHES_IN_FLIGHT) {
        queueDrops++;
        return;
      }
      batch = pool.pop() ?? new ArrayBuffer(BATCH_BYTES);
      view = new DataView(batch);
      bytes = new Uint8Array(batch);
    }
    (view as DataView).setUint32(used, msg.length, true);
    (view as DataView).setFloat64(used + 4, Date.now() * 1000, true);
    (bytes as Uint8Array).set(msg, used + RECORD_HEADER);
    used += need;
    if (used >= SEND_AT) send();
    else timer ??= setTimeout(send, SEND_AFTER_MS);
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
    records: dec.records,
    objects: dec.objects,
    bytesWritten: dec.bytesWritten,
    kernelDrops,
    rcvbuf,
    queueDrops,
  });

  let server: Server | null = null;
  if (health) {
    server = createServer((req, res) => {
      if (req.url === '/health' || req.url === '/') {
        res.writeHead(failure ? 503 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: failure ? 'decoder_failed' : 'ok', ...stats(), uptime_s: Math.round(process.uptime()) }));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((res) => server?.listen(health.port, health.host, res));
  }

  let last = { received: 0, records: 0, bytes: 0, anomalies: 0 };
  const metrics = setInterval(async () => {
    kernelDrops = (await kernelRcvbufErrors()) - drops0;
    const m = {
      Received: received - last.received,
      Decoded: dec.decoded,
      KernelDrops: kernelDrops,
      Anomalies: dec.anomalies - last.anomalies,
      Flows: dec.flows,
      Records: dec.records - last.records,
      BytesWritten: dec.bytesWritten - last.bytes,
    };
    last = { received, records: dec.records, bytes: dec.bytesWritten, anomalies: dec.anomalies };
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

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(metrics);
      await new Promise<void>((res) => sock.close(() => res()));
      // the last partial batch, then the decode thread ends every flow, flushes every batch and reports
      send();
      if (failure === null) {
        const final = new Promise<void>((res) => {
          onFinal = res;
        });
        const msg: ToDecoder = { t: 'stop' };
        decoder.postMessage(msg);
        await final;
      }
      // everything is flushed once the final stats came: nothing (an idle keep-alive socket…) may hold the thread
      void decoder.terminate();
      await exited;
      if (server) await new Promise<void>((res) => server?.close(() => res()));
      if (failure !== null) throw new Error(`sensor decode thread failed: ${(failure as Error).message}`, { cause: failure });
    })();
    return stopping;
  };
  const addr = server?.address();
  return { udpPort, healthPort: addr && typeof addr === 'object' ? addr.port : null, stats, stop };
}

/**
 * The decode thread (see the file comment): Sensor + sink + VNI map reloads, fed batches of datagrams by the main
 * thread. Reports stats every 500 ms and once more, final, after a stop has flushed everything.
 */
async function decoderThread(cfg: DecoderConfig): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const sink = new PartitionedSink({ out: cfg.out, stem: cfg.stem, maxBytes: cfg.flushBytes, maxAgeMs: cfg.flushSeconds * 1000 });
  let vni = cfg.vni;
  const sensor = new Sensor((rec) => sink.add(rec), { streamParsers: defaultStreamParsers, mirror: (v) => vni.get(v) });
  const snapshot = (): DecoderStats => {
    const st = sensor.stats();
    let anomalies = 0;
    for (const k in st.anomalies) anomalies += st.anomalies[k] as number;
    return { decoded: st.decoded, anomalies, flows: st.flows.active, records: sink.stats.records, objects: sink.stats.objects, bytesWritten: sink.stats.bytes_written };
  };
  const post = (m: FromDecoder, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer ?? []);
  const tick = setInterval(() => {
    sensor.tick(Date.now() * 1000);
    void sink.flushDue();
  }, 1000);
  const report = setInterval(() => post({ t: 'stats', stats: snapshot(), final: false }), 500);
  let reload: NodeJS.Timeout | null = null;
  if (cfg.vniMap) {
    const src = cfg.vniMap;
    reload = setInterval(() => {
      loadVniMapFrom(src).then(
        (m) => {
          vni = m;
        },
        () => {
          // keep the last good map; a half-written object must not blank the labels
        },
      );
    }, cfg.vniReloadSeconds * 1000);
  }
  port.on('message', (m: ToDecoder) => {
    if (m.t === 'batch') {
      const view = new DataView(m.buf);
      const bytes = new Uint8Array(m.buf);
      for (let o = 0; o + RECORD_HEADER <= m.used; ) {
        const len = view.getUint32(o, true);
        const ts = view.getFloat64(o + 4, true);
        const start = o + RECORD_HEADER;
        if (start + len > m.used) break; // cannot happen (the main thread writes whole records); never read past
        // Sensor.datagram has the last-resort try/catch: one bad datagram never stops the daemon
        sensor.datagram(bytes, start, len, ts);
        o = start + len;
      }
      post({ t: 'free', buf: m.buf }, [m.buf]);
      return;
    }
    clearInterval(tick);
    clearInterval(report);
    if (reload) clearInterval(reload);
    sensor.finish();
    sink.close().then(
      () => {
        post({ t: 'stats', stats: snapshot(), final: true });
        port.close();
      },
      (err: unknown) => {
        // surfaces in the main thread as the worker's 'error' event
        throw err;
      },
    );
  });
  post({ t: 'ready' });
}

if (!isMainThread && (workerData as DecoderConfig | null)?.marker === DECODER_MARKER) void decoderThread(workerData as DecoderConfig);

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
  let fatal: () => void = () => {};
  const stopRequested = new Promise<void>((res) => {
    fatal = res;
    process.once('SIGTERM', res);
    process.once('SIGINT', res);
  });
  const onFatal = (err: Error): void => {
    // stop now (exit 1 below, through d.stop()) so systemd's Restart=on-failure brings a fresh sensor back
    log(JSON.stringify({ msg: 'sensor decode thread failed, stopping', error: err.message }));
    fatal();
  };
  const d = await startDaemon(cluster.isWorker ? { ...o, health: undefined, onFatal } : { ...o, onFatal });
  log(JSON.stringify({ msg: 'sensor listening', udp_port: d.udpPort, health_port: d.healthPort, rcvbuf: d.stats().rcvbuf }));
  await stopRequested;
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

if (isMainThread && process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename) {
  mainFromConfig(process.argv).catch((err: unknown) => {
    process.stderr.write(`vxlan-sensor: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
