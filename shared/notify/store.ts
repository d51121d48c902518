import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The small state store behind dedup, flapping and Slack threads. Two implementations: a directory (local mode,
 * `<local.stateDir>/notify/`) and a DynamoDB table in AWS (shared/aws/dynamodb-state.ts). Entries expire.
 */
export interface StateStore {
  /** Atomically creates `key` if it is absent or expired. true: the caller now owns it. */
  claim(key: string, value: unknown, ttlSeconds: number): Promise<boolean>;
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
}

interface Entry {
  key: string;
  value: unknown;
  expiresAt: number;
}

/** One JSON file per key (name = sha256 of the key); claim uses O_EXCL so two processes cannot both win. */
export class FileStateStore implements StateStore {
  readonly dir: string;
  private readonly now: () => number;
  private ready: Promise<unknown> | undefined;

  constructor(dir: string, now: () => number = Date.now) {
    this.dir = dir;
    this.now = now;
  }

  private path(key: string): string {
    return join(this.dir, `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`);
  }

  private ensureDir(): Promise<unknown> {
    this.ready ??= mkdir(this.dir, { recursive: true });
    return this.ready;
  }

  private async read(key: string): Promise<Entry | undefined> {
    try {
      const e = JSON.parse(await readFile(this.path(key), 'utf8')) as Entry;
      return e.key === key ? e : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      // a torn or foreign file is treated as absent; the next put replaces it
      if (err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  async claim(key: string, value: unknown, ttlSeconds: number): Promise<boolean> {
    await this.ensureDir();
    const body = JSON.stringify({ key, value, expiresAt: this.now() + ttlSeconds * 1000 } satisfies Entry);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fh = await open(this.path(key), 'wx');
        try {
          await fh.writeFile(body);
        } finally {
          await fh.close();
        }
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const cur = await this.read(key);
        if (cur && cur.expiresAt > this.now()) return false;
        await rm(this.path(key), { force: true });
      }
    }
    return false;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const e = await this.read(key);
    return e && e.expiresAt > this.now() ? (e.value as T) : undefined;
  }

  async put(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    await this.ensureDir();
    const tmp = `${this.path(key)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, JSON.stringify({ key, value, expiresAt: this.now() + ttlSeconds * 1000 } satisfies Entry));
    await rename(tmp, this.path(key));
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}
