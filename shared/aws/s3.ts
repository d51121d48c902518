/**
 * Thin S3 adapters for the flow-log lake: object sources (GetObject streams, /tmp copies for Parquet), a lake sink
 * (PutObject), listing, and s3:// URL parsing. Clients come from clients.ts (local S3-compatible servers included).
 */
import { createWriteStream } from 'node:fs';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectSource } from '../flowlog/ingest.ts';
import type { LakeSink } from '../flowlog/lake.ts';
import { s3Client } from './clients.ts';

export interface S3Url {
  bucket: string;
  /** key or prefix, without a leading slash */
  key: string;
}

export function isS3Url(s: string): boolean {
  return s.startsWith('s3://');
}

export function parseS3Url(url: string): S3Url {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new Error(`not an s3:// URL: ${url}`);
  return { bucket: m[1]!, key: m[2]! };
}

export function s3Source(
  bucket: string,
  key: string,
  opts: { etag?: string; versionId?: string; client?: S3Client; fallbackKey?: string } = {},
): ObjectSource {
  const client = opts.client ?? s3Client();
  const identity = `${bucket}/${key}@${opts.versionId ?? opts.etag ?? ''}`;
  const getKey = async (k: string) => {
    const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: k, ...(opts.versionId ? { VersionId: opts.versionId } : {}) }));
    if (!r.Body) throw new Error(`s3://${bucket}/${k}: empty response body`);
    return r.Body as Readable;
  };
  const get = async () => {
    try {
      return await getKey(key);
    } catch (err) {
      // an event whose key was not URL-encoded after all: try the key exactly as the event carried it
      if ((err as { name?: string }).name === 'NoSuchKey' && opts.fallbackKey && opts.fallbackKey !== key) return getKey(opts.fallbackKey);
      throw err;
    }
  };
  return {
    name: `s3://${bucket}/${key}`,
    identity,
    key,
    open: get,
    // Parquet needs random access: copy to Lambda's /tmp (up to 10 GB), removed at process exit
    localPath: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'netwatch-'));
      const path = join(dir, 'object.parquet');
      await pipeline(await get(), createWriteStream(path));
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      return path;
    },
  };
}

export class S3Sink implements LakeSink {
  readonly root: string;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly client: S3Client;

  constructor(bucket: string, prefix = '', client: S3Client = s3Client()) {
    this.bucket = bucket;
    this.prefix = prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix;
    this.client = client;
    this.root = `s3://${bucket}/${this.prefix}`;
  }

  async put(key: string, body: Uint8Array): Promise<string> {
    const Key = `${this.prefix}${key}`;
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ContentType: 'application/vnd.apache.parquet' }),
    );
    return `s3://${this.bucket}/${Key}`;
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: `${this.prefix}${key}` }));
  }
}

/** Lists objects under a prefix (all pages), with their ETags for deterministic output names. */
export async function listObjects(bucket: string, prefix: string, client: S3Client = s3Client()): Promise<{ key: string; etag?: string }[]> {
  const out: { key: string; etag?: string }[] = [];
  let token: string | undefined;
  do {
    const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of r.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) out.push({ key: o.Key, etag: o.ETag?.replace(/"/g, '') });
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** Reads a whole (small) object as text: inventories, VNI maps. */
export async function getObjectText(bucket: string, key: string, client: S3Client = s3Client()): Promise<string> {
  const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await r.Body?.transformToString('utf8')) ?? '';
}

