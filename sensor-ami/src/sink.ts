/**
 * Batches EVE records into gzip'd JSON-lines objects per event type and hour, under Hive partitions
 * `sensor/event_type=<t>/dt=YYYY-MM-DD/hour=HH/<name>.json.gz`, in a local directory or an S3 prefix. A batch is
 * written when it reaches `maxBytes`, when it is older than `maxAgeMs` (see `flushDue`), and on `close()` — so
 * nothing buffered is lost on a clean stop.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from '../../shared/aws/clients.ts';

export interface SinkOptions {
  /** Local directory, or s3://bucket/prefix. */
  out: string;
  /** Object name stem; objects are `<stem>-<seq>.json.gz`. Deterministic stems make re-runs replace, not duplicate. */
  stem: string;
  maxBytes?: number;
  maxAgeMs?: number;
}

const gzipAsync = promisify(gzip);

interface Batch {
  key: string;
  lines: string[];
  bytes: number;
  opened: number;
}

export interface SinkStats {
  objects: number;
  records: number;
  bytes_written: number;
  outputs: string[];
}

function partition(rec: { event_type: string; timestamp: string }): string {
  // timestamp is Suricata's 2009-11-24T21:27:09.534255+0000: date and hour are fixed columns
  const ts = rec.timestamp;
  return `sensor/event_type=${rec.event_type}/dt=${ts.slice(0, 10)}/hour=${ts.slice(11, 13)}`;
}

export class PartitionedSink {
  private readonly batches = new Map<string, Batch>();
  private readonly seq = new Map<string, number>();
  /** Last partition key per event type, with the `YYYY-MM-DDTHH` prefix it was made for. */
  private readonly keys = new Map<string, { hour: string; key: string }>();
  private readonly opts: Required<SinkOptions>;
  private pending: Promise<void> = Promise.resolve();
  readonly stats: SinkStats = { objects: 0, records: 0, bytes_written: 0, outputs: [] };

  constructor(opts: SinkOptions) {
    this.opts = { maxBytes: 8 * 1024 * 1024, maxAgeMs: 60_000, ...opts };
  }

  add(rec: { event_type: string; timestamp: string }): void {
    this.addLine(rec.event_type, rec.timestamp, JSON.stringify(rec));
  }

  /** A record already written as its JSON line (no trailing newline), with its event type and EVE timestamp. */
  addLine(eventType: string, timestamp: string, line: string): void {
    // the partition changes once an hour per event type: reuse its key while the timestamp's hour prefix matches
    const ts = timestamp;
    let k = this.keys.get(eventType);
    if (k === undefined || !ts.startsWith(k.hour)) {
      k = { hour: ts.slice(0, 13), key: partition({ event_type: eventType, timestamp: ts }) };
      this.keys.set(eventType, k);
    }
    const key = k.key;
    let b = this.batches.get(key);
    if (!b) {
      b = { key, lines: [], bytes: 0, opened: Date.now() };
      this.batches.set(key, b);
    }
    b.lines.push(line);
    b.bytes += line.length + 1;
    this.stats.records++;
    if (b.bytes >= this.opts.maxBytes) this.flushBatch(b);
  }

  /** Writes batches older than maxAgeMs (the daemon calls this on a timer). */
  flushDue(now = Date.now()): Promise<void> {
    for (const b of this.batches.values()) if (now - b.opened >= this.opts.maxAgeMs) this.flushBatch(b);
    return this.pending;
  }

  /** Writes everything buffered and waits for every write. */
  close(): Promise<void> {
    for (const b of [...this.batches.values()]) this.flushBatch(b);
    return this.pending;
  }

  private flushBatch(b: Batch): void {
    this.batches.delete(b.key);
    if (b.lines.length === 0) return;
    const n = (this.seq.get(b.key) ?? 0) + 1;
    this.seq.set(b.key, n);
    const rel = `${b.key}/${this.opts.stem}-${String(n).padStart(5, '0')}.json.gz`;
    // gzip runs on the libuv thread pool, not on the thread that receives and decodes packets: a synchronous gzip of
    // an 8 MiB batch stalls it for ~100 ms, long enough for a busy socket's receive buffer to overflow
    const body = gzipAsync(`${b.lines.join('\n')}\n`);
    body.catch(() => {
      // reported where it is awaited (below); this only keeps the rejection from counting as unhandled meanwhile
    });
    // writes are chained (in batch order) so close() can await all of them, and an error surfaces there
    this.pending = this.pending.then(async () => this.write(rel, await body));
  }

  private async write(rel: string, body: Uint8Array): Promise<void> {
    const out = this.opts.out;
    if (out.startsWith('s3://')) {
      const rest = out.slice(5);
      const slash = rest.indexOf('/');
      const bucket = slash < 0 ? rest : rest.slice(0, slash);
      const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
      const key = prefix ? `${prefix}/${rel}` : rel;
      await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/x-ndjson', ContentEncoding: 'gzip' }));
      this.stats.outputs.push(`s3://${bucket}/${key}`);
    } else {
      const path = join(out, rel);
      await mkdir(join(path, '..'), { recursive: true });
      // write-then-rename: a reader (Athena/DuckDB over the dir) never sees half an object
      await writeFile(`${path}.tmp`, body);
      await rename(`${path}.tmp`, path);
      this.stats.outputs.push(path);
    }
    this.stats.objects++;
    this.stats.bytes_written += body.length;
  }
}
