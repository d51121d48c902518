import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * One line per command group: its name and a loader for the module that registers its sub-commands (and their
 * --help). Modules load lazily: `netwatch flowlogs ...` loads only the flowlogs module, so a command does not pay
 * for the AWS SDK clients another command needs (~100 MB each). Top-level --help loads them all to list them.
 */
export const COMMAND_GROUPS: Record<string, () => Promise<Register>> = {
  flowlogs: async () => (await import('./flowlogs.ts')).registerFlowlogs,
  demo: async () => (await import('./demo.ts')).registerDemo,
  invoke: async () => (await import('./invoke.ts')).registerInvoke,
  sensor: async () => (await import('./sensor.ts')).registerSensor,
  query: async () => (await import('./query.ts')).registerQuery,
  nacl: async () => (await import('./nacl.ts')).registerNacl,
  mirror: async () => (await import('./mirror.ts')).registerMirror,
  notify: async () => (await import('./notify.ts')).registerNotify,
};

/**
 * Registers the group named by the first argument, none for a bare `--version` (it loaded every group: 0.8 s and
 * 165 MB to print a version), or every group when it names none (help, typos).
 */
export async function registerCommands(program: Command, argv: readonly string[] = []): Promise<void> {
  const args = argv.slice(2);
  const first = args.find((a) => !a.startsWith('-'));
  if (first === undefined && (args.includes('--version') || args.includes('-V')) && !args.includes('--help') && !args.includes('-h')) return;
  const groups = first && first in COMMAND_GROUPS ? [first] : Object.keys(COMMAND_GROUPS);
  for (const g of groups) (await COMMAND_GROUPS[g]!())(program);
}
