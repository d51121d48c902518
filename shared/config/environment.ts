/**
 * Config handed to a function through its environment, in the order every function reads it:
 *   NETWATCH_CONFIG_JSON  the whole config inline (JSON)
 *   NETWATCH_CONFIG_PARAM an SSM parameter holding the YAML (AWS mode only; fetched by the caller's `fromSsm`)
 * Returns undefined when neither applies, so the caller falls back to its config file.
 */
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.ts';
import { parseConfig } from './load.ts';
import type { NetwatchConfig } from './schema.ts';

export async function configFromEnvironment(
  env: NodeJS.ProcessEnv,
  opts: { local: boolean; fromSsm: (name: string) => Promise<string> },
): Promise<NetwatchConfig | undefined> {
  if (env.NETWATCH_CONFIG_JSON) {
    let raw: unknown;
    try {
      raw = JSON.parse(env.NETWATCH_CONFIG_JSON);
    } catch (err) {
      throw new ConfigError('NETWATCH_CONFIG_JSON: not valid JSON', { cause: err });
    }
    return parseConfig(raw, 'NETWATCH_CONFIG_JSON');
  }
  const param = env.NETWATCH_CONFIG_PARAM;
  if (param && !opts.local) {
    let raw: unknown;
    try {
      raw = parseYaml(await opts.fromSsm(param));
    } catch (err) {
      throw new ConfigError(`ssm:${param}: cannot read config parameter`, { cause: err });
    }
    return parseConfig(raw, `ssm:${param}`);
  }
  return undefined;
}
