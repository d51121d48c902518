/**
 * The sensor bundle's program: only the `sensor` command group of the netwatch CLI, plus `--config <file>` (the
 * systemd unit's form). Exit codes as cli/main.ts: 0 success, 2 bad usage or a config that does not validate, 1
 * failure with a one-line reason on stderr. entry.ts runs it; tests import it.
 */
import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { registerSensor } from '../../cli/commands/sensor.ts';
import { ConfigError, UsageError, oneLine } from '../../shared/errors.ts';
import { parseSensorConfig, sensorRunArgs } from './config.ts';

const NAME = 'netwatch-sensor';

function buildProgram(): Command {
  const program = new Command(NAME)
    .description('vpc-netwatch sensor daemon (Traffic Mirroring VXLAN -> EVE records); run from a JSON config with --config')
    .version(process.env.NETWATCH_SENSOR_VERSION ?? '0.0.0')
    .showHelpAfterError()
    .exitOverride();
  registerSensor(program);
  const walk = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(walk);
  };
  walk(program);
  return program;
}

/**
 * `--config <file> [flags…]` becomes `sensor run <flags from the file> [flags…]`: flags given after the file win
 * (commander keeps the last value), which is how an operator overrides one key for a manual run.
 */
export async function expandConfig(args: readonly string[]): Promise<string[]> {
  const i = args.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (i < 0) return [...args];
  const a = args[i] as string;
  const path = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[i + 1];
  if (!path) throw new UsageError('--config needs a file path');
  const rest = [...args.slice(0, i), ...args.slice(i + (a.includes('=') ? 1 : 2))];
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${path}: not readable JSON`, { cause: err });
  }
  const cfg = parseSensorConfig(raw, path);
  // the S3 client takes its region from the environment; on EC2 the unit has none unless the config gives it
  if (cfg.region !== undefined) process.env.AWS_REGION ??= cfg.region;
  return ['sensor', 'run', ...sensorRunArgs(cfg), ...rest];
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const args = await expandConfig(argv.slice(2));
    await buildProgram().parseAsync([argv[0] ?? 'node', argv[1] ?? NAME, ...args]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2; // commander already printed the message and the help
    }
    process.stderr.write(`${NAME}: ${oneLine(err)}\n`);
    if (err instanceof UsageError || err instanceof ConfigError) return 2;
    if (process.env.NETWATCH_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    return 1;
  }
}

