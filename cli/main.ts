import { Command, CommanderError } from 'commander';
import { oneLine, UsageError } from '../shared/errors.ts';
import { registerCommands } from './commands/index.ts';

/**
 * Builds the `netwatch` program. Exit codes (ARCHITECTURE.md "CLI"): 0 success, 2 bad usage,
 * 1 failure with a one-line reason on stderr.
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('netwatch')
    .description('vpc-netwatch: network monitoring and automatic response for AWS VPCs')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError()
    .exitOverride();
  await registerCommands(program, argv);
  // every sub-command inherits exitOverride so usage errors surface as CommanderError
  const walk = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(walk);
  };
  walk(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      // commander already printed the message and the help
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`netwatch: ${oneLine(err)}\n`);
      return 2;
    }
    process.stderr.write(`netwatch: ${oneLine(err)}\n`);
    if (process.env.NETWATCH_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    return 1;
  }
}
