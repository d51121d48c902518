/**
 * Where a function finds its config at run time: NETWATCH_CONFIG_JSON (the whole config inline), else
 * NETWATCH_CONFIG_PARAM (an SSM parameter, AWS mode), else NETWATCH_CONFIG (a file path; `netwatch invoke --config`
 * sets it), else ./netwatch.config.yml when present, else the schema defaults. Read once per process.
 */
import { existsSync } from 'node:fs';
import { loadConfig, parseConfig } from './load.ts';
import type { NetwatchConfig } from './schema.ts';
import { configFromEnvironment } from './environment.ts';

let cached: Promise<NetwatchConfig> | undefined;

export function runtimeConfig(): Promise<NetwatchConfig> {
  cached ??= (async () => {
    const fromEnv = await configFromEnvironment(process.env, {
      local: isLocalMode(),
      // the SDK is loaded only when a parameter is actually named
      fromSsm: async (name) => (await import('../aws/parameters.ts')).configFromSsm(name),
    });
    if (fromEnv) return fromEnv;
    const path = process.env.NETWATCH_CONFIG ?? (existsSync('netwatch.config.yml') ? 'netwatch.config.yml' : undefined);
    return path ? loadConfig(path) : parseConfig({}, 'defaults');
  })();
  return cached;
}

/** Tests and `netwatch invoke` switch configs within one process. */
export function resetRuntimeConfig(): void {
  cached = undefined;
}

/** Local mode: no AWS account; control-plane calls become plans / audit lines (ARCHITECTURE.md "Local mode"). */
export function isLocalMode(): boolean {
  return process.env.NETWATCH_LOCAL === '1' || process.env.NETWATCH_LOCAL === 'true';
}
