import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/**
 * Local mode: no AWS. The switch is NETWATCH_LOCAL: "1" forces local mode, "0" forces AWS; unset means local
 * everywhere except inside Lambda (AWS_LAMBDA_FUNCTION_NAME set). In local mode webhooks are still real HTTP, and
 * SNS publishes / EventBridge puts are appended to `<local.stateDir>/notify-outbox.jsonl` instead of being sent.
 */

export function isLocalMode(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NETWATCH_LOCAL === '1' || env.NETWATCH_LOCAL === 'true') return true;
  if (env.NETWATCH_LOCAL === '0' || env.NETWATCH_LOCAL === 'false') return false;
  return !env.AWS_LAMBDA_FUNCTION_NAME;
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
