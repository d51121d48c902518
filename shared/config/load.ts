import { readFile } from 'node:fs/promises';
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
  return parseConfig(raw, path);
}
