/**
 * The flow-log lake layout (ARCHITECTURE.md): `flow_logs/account_id=…/region=…/dt=YYYY-MM-DD/hour=HH/<name>.parquet`,
 * the name derived from the source object (bucket, key, etag/version), so a re-run replaces and never duplicates.
 */
import { createHash } from 'node:crypto';

/** Where lake objects go: a local directory or an S3 prefix (shared/aws/s3.ts). */
export interface LakeSink {
  /** human-readable root, e.g. /tmp/lake or s3://bucket/prefix */
  readonly root: string;
  /**
   * writes (replaces) one object at a key relative to the root; returns its full location. `body` is only read until
   * the promise settles: the caller reuses its buffer afterwards, so a sink that keeps the bytes must copy them.
   */
  put(key: string, body: Uint8Array): Promise<string>;
  /** best-effort removal (used to roll back the parts of an object that failed half way) */
  remove(key: string): Promise<void>;
}

export interface SourceHints {
  account: string | null;
  region: string | null;
  /** yyyy-mm-dd and HH from the object name, when it has the S3 delivery timestamp */
  dt: string | null;
  hour: string | null;
}

const KEY_PATH = /AWSLogs\/(?:aws-account-id=)?(\d{12})\/(?:aws-service=)?vpcflowlogs\/(?:aws-region=)?([a-z0-9-]+)\//;
const FILE_NAME = /(?:^|\/)(\d{12})_vpcflowlogs_([a-z0-9-]+)_[^_/]+_(\d{4})(\d{2})(\d{2})T(\d{2})\d{2}Z_[^/]*$/;

/** Account, region and delivery hour from an S3 delivery key or file name (either layout in the AWS docs). */
export function hintsFromKey(key: string): SourceHints {
  const h: SourceHints = { account: null, region: null, dt: null, hour: null };
  const p = KEY_PATH.exec(key);
  if (p) {
    h.account = p[1]!;
    h.region = p[2]!;
  }
  const f = FILE_NAME.exec(key);
  if (f) {
    h.account ??= f[1]!;
    h.region ??= f[2]!;
    h.dt = `${f[3]}-${f[4]}-${f[5]}`;
    h.hour = f[6]!;
  }
  return h;
}

/** Deterministic object stem: readable source name + hash of its identity (bucket/key@etag or absolute path). */
export function outputStem(sourceName: string, identity: string): string {
  const base = (sourceName.split('/').pop() ?? 'flowlog').replace(/\.(log\.gz|log|gz|parquet|txt)$/i, '');
  const safe = base.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120) || 'flowlog';
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 16);
  return `${safe}-${hash}`;
}

/** Partition path for a record. Hive partition values are escaped like Hive does for the few unsafe chars. */
export function partitionPath(account: string, region: string, dt: string, hour: string): string {
  const esc = (v: string) => v.replace(/[/=%\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `flow_logs/account_id=${esc(account)}/region=${esc(region)}/dt=${esc(dt)}/hour=${esc(hour)}`;
}

/** yyyy-mm-dd and HH (UTC) of a unix-seconds hour bucket. */
export function hourParts(hourBucket: number): { dt: string; hour: string } {
  const iso = new Date(hourBucket * 3600 * 1000).toISOString();
  return { dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
}
