import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.ts';
import { NetwatchConfig } from './schema.ts';

/** Validates an already-parsed config object; throws ConfigError naming the first bad key path. */
export function parseConfig(raw: unknown, source = 'config'): NetwatchConfig {
  const r = NetwatchConfig.safeParse(raw ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new ConfigError(`${source}: invalid config: ${issues.join('; ')}`);
}

/** Reads and validates netwatch.config.yml (YAML or JSON). A missing file is an error naming it. */
export async function loadConfig(path: string): Promise<NetwatchConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${path}: cannot read config file`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid YAML`, { cause: err });
  }
  return resolvePaths(parseConfig(raw, path), dirname(resolve(path)));
}

/**
 * File paths in a config file are relative to the file (not to the working directory), so every function and
 * command resolves them alike: every `local.*` path and `detections.denyList.file`.
 */
export function resolvePaths(cfg: NetwatchConfig, baseDir: string): NetwatchConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const local = cfg.local as Record<string, unknown>;
  for (const [k, v] of Object.entries(local)) if (typeof v === 'string' && v.length > 0) local[k] = abs(v);
  const deny = (cfg.detections as { denyList?: { file?: string } } | undefined)?.denyList;
  if (deny?.file) deny.file = abs(deny.file);
  return cfg;
}
