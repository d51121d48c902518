import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../shared/errors.ts';
import type { EveRecord, VniLookup } from '../../shared/packet/eve.ts';
import { PcapReader } from '../../shared/packet/pcap.ts';
import { Sensor, type SensorStats } from '../../shared/packet/sensor.ts';
import { defaultStreamParsers } from '../../shared/packet/streams.ts';
import type { PartitionedSink, SinkStats } from '../../sensor-ami/src/sink.ts';

export interface DecodeOptions {
  out?: string;
  stats?: boolean;
  progress?: boolean;
  communityIdSeed?: string;
  vniMap?: string;
}

export interface DecodeResultSummary {
  file: string;
  stats: SensorStats & { elapsed_ms: number; pps: number };
  sink?: SinkStats;
}

/** `netwatch sensor decode`: streams a pcap/pcapng through the sensor pipeline. */
export async function runDecode(file: string, o: DecodeOptions, write: (chunk: Uint8Array) => boolean | Promise<void> = defaultWrite): Promise<DecodeResultSummary> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new UsageError(`${file} is not a file`);
    size = st.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new Error(`cannot read ${file}`, { cause: err });
  }
  const seed = o.communityIdSeed === undefined ? 0 : Number(o.communityIdSeed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 65535) throw new UsageError('--community-id-seed must be an integer 0..65535');
  const stem = `${basename(file).replace(/[^A-Za-z0-9._-]/g, '_')}-${createHash('sha1').update(`${file}:${size}`).digest('hex').slice(0, 10)}`;
  // the sink pulls in the AWS SDK (S3); load it only when writing objects
  const sink: PartitionedSink | null = o.out ? new (await import('../../sensor-ami/src/sink.ts')).PartitionedSink({ out: o.out, stem }) : null;
  const lines = new LineBuffer();
  const sensor = new Sensor(
    (rec: EveRecord) => {
      if (sink) sink.add(rec);
      else lines.add(JSON.stringify(rec));
    },
    { streamParsers: defaultStreamParsers, communityIdSeed: seed, mirror: await loadVniMap(o.vniMap) },
  );
  const reader = new PcapReader((p) => sensor.frame(p.data, p.off, p.capLen, p.linkType, p.tsMicros));
  const started = performance.now();
  const showProgress = o.progress ?? (process.stderr.isTTY === true && !o.stats);
  let lastProgress = started;
  let done = 0;
  const flushLines = async (): Promise<void> => {
    const chunk = lines.take();
    if (chunk === null) return;
    const ok = write(chunk);
    if (ok instanceof Promise) await ok;
    else if (!ok) await new Promise<void>((res) => process.stdout.once('drain', () => res()));
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    reader.push(chunk as Uint8Array);
    done += (chunk as Uint8Array).length;
    if (lines.full) await flushLines();
    if (showProgress && performance.now() - lastProgress > 250) {
      lastProgress = performance.now();
      const pct = size ? Math.floor((done / size) * 100) : 100;
      process.stderr.write(`\r${pct}% ${sensor.packets} packets`);
    }
  }
  const dangling = reader.finish();
  if (dangling > 0) sensor.countTruncatedCapture(dangling);
  sensor.finish();
  await flushLines();
  if (sink) await sink.close();
  if (showProgress) process.stderr.write('\r\x1b[K');
  const elapsed = performance.now() - started;
  const stats = { ...sensor.stats(), elapsed_ms: Math.round(elapsed), pps: Math.round(sensor.packets / (elapsed / 1000 || 1e-9)) };
  return { file, stats, ...(sink ? { sink: sink.stats } : {}) };
}

/**
 * The VNI map file: `{ "<vni>": { "session_id": "tms-…", "source_eni": "eni-…", "instance_id": "i-…" } }` or an array of
 * `{ vni, session_id, source_eni, instance_id }` (both shapes are accepted; see docs/sensor.md).
 */
async function loadVniMap(path: string | undefined): Promise<VniLookup | undefined> {
  if (!path) return undefined;
  const { readFile } = await import('node:fs/promises');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--vni-map ${path}: not readable JSON`, { cause: err });
  }
  // loaded only when a map is given: its schema library (zod) costs start-up time every other run would pay for nothing
  const { vniLookupFrom } = await import('../../shared/packet/vni-map.ts');
  return vniLookupFrom(raw, path);
}

function defaultWrite(chunk: Uint8Array): boolean {
  return process.stdout.write(chunk);
}

/**
 * EVE lines encoded straight into a large byte buffer (UTF-8, '\n' after each), handed to stdout a chunk at a time:
 * no array of line strings, no join, no second copy of every byte as one big string.
 */
class LineBuffer {
  private static readonly SIZE = 1 << 20;
  private buf = Buffer.allocUnsafe(LineBuffer.SIZE);
  private len = 0;

  /** Past this much, the reader loop hands the chunk to the writer. */
  get full(): boolean {
    return this.len >= LineBuffer.SIZE - (LineBuffer.SIZE >> 3);
  }

  add(line: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit
    const need = line.length * 3 + 1;
    if (this.buf.length - this.len < need) this.grow(need);
    this.len += this.buf.write(line, this.len, 'utf8');
    this.buf[this.len++] = 10;
  }

  /** The filled bytes, or null when empty; the next lines go to a fresh buffer (the writer may keep this one). */
  take(): Buffer | null {
    if (this.len === 0) return null;
    const out = this.buf.subarray(0, this.len);
    this.buf = Buffer.allocUnsafe(LineBuffer.SIZE);
    this.len = 0;
    return out;
  }

  private grow(need: number): void {
    const nb = Buffer.allocUnsafe(Math.max(LineBuffer.SIZE, this.len + need));
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }
}

export function registerSensor(program: Command): void {
  const sensor = program.command('sensor').description('Packet sensor: decode mirrored VXLAN traffic into EVE JSON (flow/http/tls/dns/anomaly)');
  sensor
    .command('decode')
    .description('decode a pcap/pcapng (Ethernet, raw IP, Linux SLL, BSD null; with or without VXLAN/GENEVE) into EVE JSON')
    .argument('<pcap>', 'capture file (pcap or pcapng)')
    .option('--out <dir|s3://bucket/prefix>', 'write gzip JSON-lines objects under <out>/sensor/event_type=…/dt=…/hour=…/ instead of stdout')
    .option('--stats', 'print a JSON stats object on stderr (packets, bytes, per-layer counts, anomalies, pps)')
    .option('--community-id-seed <n>', 'Community ID seed (Suricata community-id-seed)', '0')
    .option('--vni-map <file.json>', 'VNI -> mirror session map (the mirror manager\'s JSON) to label records with mirror: {...}')
    .option('--no-progress', 'no progress line on a TTY')
    .action(async (file: string, o: DecodeOptions) => {
      const r = await runDecode(file, o);
      if (o.stats) process.stderr.write(`${JSON.stringify({ ...r.stats, ...(r.sink ? { outputs: r.sink.outputs } : {}) })}\n`);
    });
  sensor
    .command('run')
    .description('the sensor daemon: receive Traffic Mirroring VXLAN on UDP, write EVE objects under <out>/sensor/, serve health, print EMF metrics')
    .requiredOption('--listen <host:port>', 'UDP address for VXLAN datagrams (AWS Traffic Mirroring uses 4789)', '0.0.0.0:4789')
    .option('--health <host:port>', 'HTTP health endpoint for the NLB check (GET /health)', '0.0.0.0:8080')
    .requiredOption('--out <dir|s3://bucket/prefix>', 'lake root for sensor/event_type=…/dt=…/hour=…/ objects')
    .option('--vni-map <file|s3://bucket/key>', 'VNI -> mirror session map written by the mirror manager (reloaded periodically)')
    .option('--vni-reload-seconds <n>', 'how often to reload --vni-map', '300')
    .option('--flush-seconds <n>', 'write a batch at the latest this long after its first record', '60')
    .option('--flush-bytes <n>', 'write a batch when it reaches this many bytes (before gzip)', String(8 << 20))
    .option('--rcvbuf <bytes>', 'requested SO_RCVBUF (capped by net.core.rmem_max)', String(32 << 20))
    .option('--metrics-seconds <n>', 'EMF metrics interval on stdout', '60')
    .option('--workers <n>', 'processes sharing the UDP port with SO_REUSEPORT', '1')
    .action(async (o: Record<string, string>) => {
      const num = (k: string, min: number): number => {
        const v = Number(o[k]);
        if (!Number.isFinite(v) || v < min) throw new UsageError(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a number >= ${min}`);
        return v;
      };
      const { runDaemon } = await import('../../sensor-ami/src/daemon.ts');
      await runDaemon({
        listen: o.listen as string,
        health: o.health,
        out: o.out as string,
        vniMap: o.vniMap,
        vniReloadSeconds: num('vniReloadSeconds', 1),
        flushSeconds: num('flushSeconds', 0),
        flushBytes: num('flushBytes', 1),
        rcvbuf: num('rcvbuf', 0),
        metricsSeconds: num('metricsSeconds', 1),
        workers: num('workers', 1),
      });
    });
}
