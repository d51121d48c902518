import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/**
 * Local mode: no AWS. The switch is NETWATCH_LOCAL=1 (as everywhere in the project; `netwatch invoke` sets it unless
 * --aws is given). In local mode webhooks are still real HTTP, and SNS publishes / EventBridge puts are appended to
 * `<local.stateDir>/notify-outbox.jsonl` instead of being sent.
 */

export function isLocalMode(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NETWATCH_LOCAL === '1' || env.NETWATCH_LOCAL === 'true';
}

/** local.stateDir is resolved against the current directory (like every other relative path the CLI takes). */
export function stateDir(configured: string): string {
  return resolve(configured);
}

export const OUTBOX_FILE = 'notify-outbox.jsonl';

export interface OutboxRecord {
  time: string;
  kind: 'sns.publish' | 'events.putEvents';
  input: unknown;
}

/** Appends one JSON line; the file is the local stand-in for SNS and EventBridge. */
export async function appendOutbox(dir: string, kind: OutboxRecord['kind'], input: unknown, now = new Date()): Promise<string> {
  const file = join(dir, OUTBOX_FILE);
  await mkdir(dirname(file), { recursive: true });
  const rec: OutboxRecord = { time: now.toISOString(), kind, input };
  await appendFile(file, `${JSON.stringify(rec)}\n`);
  return file;
}
