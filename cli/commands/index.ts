import type { Command } from 'commander';
import { registerFlowlogs } from './flowlogs.ts';
import { registerDemo } from './demo.ts';
import { registerInvoke } from './invoke.ts';
import { registerSensor } from './sensor.ts';
import { registerQuery } from './query.ts';
import { registerNacl } from './nacl.ts';
import { registerMirror } from './mirror.ts';
import { registerNotify } from './notify.ts';

/** One line per command group; each module owns its sub-commands and their --help. */
export function registerCommands(program: Command): void {
  registerFlowlogs(program);
  registerDemo(program);
  registerInvoke(program);
  registerSensor(program);
  registerQuery(program);
  registerNacl(program);
  registerMirror(program);
  registerNotify(program);
}
