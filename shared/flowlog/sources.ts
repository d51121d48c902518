/**
 * Resolves CLI inputs (files, directories, s3://bucket/prefix URLs) into object sources, and builds the enricher
 * from an inventory file (local mode) or nothing.
 */
import { readFile } from 'node:fs/promises';
import { loadAwsRanges } from '../enrich/aws-ranges.ts';
import { Enricher } from '../enrich/enricher.ts';
import { Inventory, type DescribeNetworkInterfacesLike } from '../enrich/inventory.ts';
import type { ObjectSource } from './ingest.ts';
import type { LakeSink } from './lake.ts';
import { DirSink, expandLocalInputs, fileSource } from './local-io.ts';

// The AWS SDK costs ~100 MB of memory to load: import it only when an s3:// URL is used.
const isS3Url = (s: string) => s.startsWith('s3://');
const s3 = () => import('../aws/s3.ts');

const FLOW_LOG_KEY = /\.(log|log\.gz|gz|parquet|txt)$/i;

export async function resolveSources(inputs: string[]): Promise<ObjectSource[]> {
  const out: ObjectSource[] = [];
  for (const input of inputs) {
    if (isS3Url(input)) {
      const { listObjects, parseS3Url, s3Source } = await s3();
      const { bucket, key } = parseS3Url(input);
      const listed = await listObjects(bucket, key);
      const exact = listed.find((o) => o.key === key);
      const chosen = exact ? [exact] : listed.filter((o) => FLOW_LOG_KEY.test(o.key));
      if (chosen.length === 0) throw new Error(`${input}: no flow-log objects under this prefix`);
      for (const o of chosen) out.push(s3Source(bucket, o.key, { etag: o.etag }));
    } else {
      for (const f of await expandLocalInputs([input])) out.push(fileSource(f));
    }
  }
  return out;
}

export async function resolveSink(out: string): Promise<LakeSink> {
  if (isS3Url(out)) {
    const { parseS3Url, S3Sink } = await s3();
    const { bucket, key } = parseS3Url(out);
    return new S3Sink(bucket, key);
  }
  return new DirSink(out);
}

/** Reads an inventory file: DescribeNetworkInterfaces output, optionally with DescribeInstances' Reservations. */
export async function loadInventoryFile(path: string): Promise<Inventory> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: cannot read inventory JSON (${(err as Error).message})`);
  }
  const docs = (Array.isArray(doc) ? doc : [doc]) as DescribeNetworkInterfacesLike[];
  if (!docs.every((d) => d && typeof d === 'object' && (Array.isArray(d.NetworkInterfaces) || Array.isArray(d.Reservations)))) {
    throw new Error(`${path}: not a DescribeNetworkInterfaces output (expected a "NetworkInterfaces" array)`);
  }
  return new Inventory(docs);
}

export async function makeEnricher(opts: { inventory?: string; ipRanges?: string }): Promise<Enricher> {
  const inv = opts.inventory ? await loadInventoryFile(opts.inventory) : Inventory.empty();
  return new Enricher(inv, loadAwsRanges(opts.ipRanges));
}
