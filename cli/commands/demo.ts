import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { runDemo } from '../../shared/demo/run.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the main job locally, no AWS account: sample flow logs → local S3 → ingest → lake → findings and top talkers')
    .option('--dir <dir>', 'working directory for the local S3 store, lake and state', '.netwatch/demo')
    .action(async (o: { dir: string }) => {
      const dir = resolve(o.dir);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      await runDemo({ dir, out: (s) => process.stdout.write(s), writeFile: async (p, b) => (await mkdir(dirname(p), { recursive: true }), writeFile(p, b)), join });
    });
}
