/** The offline CloudFormation package (npm run package), built once per test run when missing or stale. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const TEMPLATE = join(ROOT, '.serverless/cloudformation-template-update-stack.json');

export function packagedTemplate(): { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>; Outputs?: Record<string, unknown> } {
  const stale = !existsSync(TEMPLATE) || statSync(TEMPLATE).mtimeMs < statSync(join(ROOT, 'serverless.yml')).mtimeMs;
  if (stale) {
    const r = spawnSync('npm', ['run', 'package'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`npm run package failed: ${r.stdout}\n${r.stderr}`);
  }
  return JSON.parse(readFileSync(TEMPLATE, 'utf8'));
}
