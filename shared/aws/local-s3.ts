/**
 * Local mode's S3: a real S3-compatible server (s3rver) on 127.0.0.1 with a directory store. Used by the demo and
 * the integration tests; product code talks to it through the normal SDK client (clients.ts, endpoint override).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface LocalS3 {
  endpoint: string;
  directory: string;
  close(): Promise<void>;
}

export async function startLocalS3(opts: { buckets: string[]; directory?: string; port?: number }): Promise<LocalS3> {
  const directory = opts.directory ?? (await mkdtemp(join(tmpdir(), 'netwatch-s3-')));
  const server = new S3rver({
    address: '127.0.0.1',
    port: opts.port ?? 0,
    silent: true,
    directory,
    configureBuckets: opts.buckets.map((name) => ({ name })),
  });
  const addr = await server.run();
  return { endpoint: `http://127.0.0.1:${addr.port}`, directory, close: () => server.close() };
}
