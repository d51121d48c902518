/**
 * Lazy command groups (cli/commands/index.ts): a command loads only its own group, a bare --version loads none, and
 * help (or a typo) loads them all so that every command is listed.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_GROUPS, registerCommands } from '../../../cli/commands/index.ts';

async function registered(...args: string[]): Promise<string[]> {
  const program = new Command('netwatch');
  await registerCommands(program, ['node', 'netwatch', ...args]);
  return program.commands.map((c) => c.name()).sort();
}

describe('registerCommands', () => {
  it('loads only the group a command names', async () => {
    expect(await registered('sensor', 'decode', 'x.pcap')).toEqual(['sensor']);
    expect(await registered('--json', 'query', 'top-talkers')).toEqual(['query']);
  });

  it('loads no group for a bare --version', async () => {
    expect(await registered('--version')).toEqual([]);
    expect(await registered('-V')).toEqual([]);
  });

  it('loads every group for help and for a name that is not a command', async () => {
    const all = Object.keys(COMMAND_GROUPS).sort();
    expect(await registered('--help')).toEqual(all);
    expect(await registered('--version', '--help')).toEqual(all);
    expect(await registered('sensr')).toEqual(all);
  });
});
