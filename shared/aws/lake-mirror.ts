/**
 * DuckDB cannot read S3 offline (its httpfs extension is not installable here), so `netwatch query --lake
 * s3://bucket/prefix` copies the lake's objects down through the SDK first. Only the partitions the query asks for
 * are fetched: a key whose `dt=YYYY-MM-DD` segment falls outside [from, to] is skipped. Keys keep their relative
 * layout under a temporary directory, which close() removes.
 */
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3Client } from './clients.ts';
import { listObjects, parseS3Url } from './s3.ts';

export interface MirroredLake {
  dir: string;
  /** objects fetched / skipped by the dt filter */
  fetched: number;
  skipped: number;
  bytes: number;
  close(): void;
}

const LAKE_ROOTS = ['flow_logs/', 'sensor/'];

/** True when the key has no dt= partition or its dt is within [from, to] (inclusive, YYYY-MM-DD strings). */
export function keyInRange(key: string, from: string, to: string): boolean {
  const m = /(?:^|\/)dt=(\d{4}-\d{2}-\d{2})\//.exec(key);
  return !m || (m[1]! >= from && m[1]! <= to);
}

export async function mirrorS3Lake(url: string, o: { from: string; to: string; client?: S3Client }): Promise<MirroredLake> {
  const { bucket, key } = parseS3Url(url);
  const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
  const client = o.client ?? s3Client();
  const dir = await mkdtemp(join(tmpdir(), 'netwatch-lake-'));
  let fetched = 0;
  let skipped = 0;
  let bytes = 0;
  try {
    for (const root of LAKE_ROOTS) {
      for (const obj of await listObjects(bucket, `${prefix}${root}`, client)) {
        const rel = obj.key.slice(prefix.length);
        if (rel.split('/').some((s) => s === '..') || !keyInRange(rel, o.from, o.to)) {
          skipped++;
          continue;
        }
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: obj.key }));
        const path = join(dir, rel);
        mkdirSync(dirname(path), { recursive: true });
        await pipeline(r.Body as Readable, createWriteStream(path));
        bytes += r.ContentLength ?? 0;
        fetched++;
      }
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { dir, fetched, skipped, bytes, close: () => rmSync(dir, { recursive: true, force: true }) };
}
