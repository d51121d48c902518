#!/usr/bin/env node
// Launcher for the `netwatch` CLI.
// Lambda runs nodejs22.x; local runs must use the same major. The project pins Node 22 as the `node`
// devDependency (npm package node@22), which npm scripts put first on PATH. When the CLI is started
// by an older system node (npx on a Node 20 machine), re-exec it with the project's Node 22 so that
// local runs and Lambda behave the same. The CLI sources are TypeScript run by Node's type stripping.
import { spawnSync } from 'node:child_process';
import { enableCompileCache } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliBundle } from './bundle.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const [major, minor] = process.versions.node.split('.').map(Number);
const supported = major > 22 || (major === 22 && minor >= 18);

if (!supported) {
  const candidates = [join(here, '..', 'node_modules', 'node', 'bin', 'node'), join(here, '..', 'node_modules', '.bin', 'node')];
  const node22 = candidates.find((p) => existsSync(p));
  if (!node22) {
    process.stderr.write(`netwatch: needs Node >= 22.18 (found ${process.versions.node}); run npm ci to install the pinned node@22\n`);
    process.exit(1);
  }
  const r = spawnSync(node22, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

// A reader that goes away (`netwatch sensor decode big.pcap | head`) is not an error: stop quietly, as Unix tools
// do on SIGPIPE (Node ignores the signal, so the write fails with EPIPE instead).
process.stdout.on('error', (err) => {
  if (err?.code === 'EPIPE') process.exit(0);
  throw err;
});

// Handlers run locally log through Powertools; the CLI prints its own summaries, so only warnings by default.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
// the CLI runs as a cached plain-JavaScript bundle of its sources (bundle.mjs says why), else from the sources
const bundled = await cliBundle(join(here, '..'));
// V8 code cache for the modules loaded from here on (the bundle's chunks, commander, the AWS SDK, ...): they are
// compiled from the cache instead of parsed again on every run
if (bundled) enableCompileCache(join(here, '..', 'node_modules', '.cache', 'netwatch-v8'));
if (bundled) process.setSourceMapsEnabled(true);
const { main } = bundled ? await import(pathToFileURL(bundled).href) : await import('../cli/main.ts');
process.exitCode = await main(process.argv);
