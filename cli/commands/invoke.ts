import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { resetRuntimeConfig } from '../../shared/config/runtime.ts';
import { UsageError } from '../../shared/errors.ts';
import { localContext } from '../../shared/local/router.ts';

const FUNCTIONS_DIR = resolve(import.meta.dirname, '../../functions');

export async function listFunctions(): Promise<string[]> {
  const entries = await readdir(FUNCTIONS_DIR, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/**
 * Runs a function's handler locally with an event file, in local mode (NETWATCH_LOCAL=1) unless --aws is given:
 * control-plane calls become plans and audit lines, webhooks are real HTTP. The handler's return value, if any, is
 * printed as one JSON line on stdout after whatever the handler printed.
 */
export async function invokeFunction(name: string, o: { event: string; config?: string; aws?: boolean }): Promise<unknown> {
  const fns = await listFunctions();
  if (!fns.includes(name)) throw new UsageError(`unknown function "${name}" (one of: ${fns.join(', ')})`);
  let event: unknown;
  try {
    event = JSON.parse(await readFile(o.event, 'utf8'));
  } catch (err) {
    throw new UsageError(`--event ${o.event}: cannot read a JSON event (${(err as Error).message})`);
  }
  if (o.config) process.env.NETWATCH_CONFIG = resolve(o.config);
  if (!o.aws) process.env.NETWATCH_LOCAL ??= '1';
  resetRuntimeConfig();
  const mod = (await import(pathToFileURL(join(FUNCTIONS_DIR, name, 'handler.ts')).href)) as { handler?: (e: unknown, c: unknown) => Promise<unknown> };
  if (typeof mod.handler !== 'function') throw new Error(`functions/${name}/handler.ts exports no handler`);
  return mod.handler(event, localContext(name));
}

export function registerInvoke(program: Command): void {
  program
    .command('invoke')
    .description('run a function handler locally with an event file (local mode: no AWS calls unless --aws)')
    .argument('<function>', 'function name, e.g. flow-log-ingest, alarm-notify, nacl-responder')
    .requiredOption('--event <file.json>', 'the event, in the shape AWS delivers it')
    .option('--config <netwatch.config.yml>', 'config file (default: NETWATCH_CONFIG or ./netwatch.config.yml)')
    .option('--aws', 'use the real AWS APIs with the default credential chain instead of local mode')
    .action(async (name: string, o: { event: string; config?: string; aws?: boolean }) => {
      const r = await invokeFunction(name, o);
      // handlers that print plans (one JSON object a line) return nothing; others' results follow as one line
      if (r !== undefined && r !== null) process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}
