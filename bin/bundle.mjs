// The CLI as plain JavaScript: the TypeScript sources bundled by esbuild (already a dependency, it bundles the
// Lambdas), cached under node_modules/.cache and rebuilt whenever a source file changes.
//
// Why: Node's type stripping runs a WebAssembly TypeScript transformer in every thread that loads a .ts file. Its
// memory grows with the code transformed and is never given back: ~40 MB in the CLI's main thread and ~16 MB more
// in the Parquet worker thread, plus ~0.3 s of start-up CPU per thread. That was a quarter of `flowlogs ingest`'s
// peak RSS. The bundle behaves like the sources: packages stay external (node_modules), each file's import.meta
// keeps its own source location (paths to SQL, functions/ and data files resolve as before), and dynamic imports
// become chunks loaded on first use, so a command still loads only its own group.
//
// NETWATCH_BUNDLE=0 runs the TypeScript sources directly (debugging); so does any failure to build.
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';

const SOURCE_DIRS = ['cli', 'shared', 'functions', 'sensor-ami/src'];

/**
 * A key that changes whenever a source file (or the lock file) changes: paths, sizes and mtimes. Synchronous on
 * purpose: every command pays for it at start-up, and ~400 stat calls through the thread pool's promises took
 * ~17 ms where the plain system calls take a few.
 */
function sourceKey(root) {
  const h = createHash('sha256');
  for (const d of SOURCE_DIRS) {
    let entries;
    try {
      entries = readdirSync(join(root, d), { recursive: true, withFileTypes: true });
    } catch {
      continue;
    }
    // plain concatenation: path.join normalizes every path, ~6 ms for the ~400 files
    const files = entries.filter((e) => e.isFile()).map((e) => `${e.parentPath}/${e.name}`).sort();
    for (const f of files) {
      const st = statSync(f);
      h.update(`${f}\0${st.size}\0${st.mtimeMs}\n`);
    }
  }
  for (const f of ['package-lock.json', 'bin/bundle.mjs']) {
    const st = statSync(join(root, f), { throwIfNoEntry: false });
    // absent: not part of the key
    if (st) h.update(`${f}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 16);
}

/** esbuild plugin: every .ts file keeps its own import.meta.url / dirname / filename. */
const keepImportMeta = {
  name: 'keep-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const src = readFileSync(args.path, 'utf8');
      if (!src.includes('import.meta')) return { contents: src, loader: 'ts' };
      const contents = src
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path));
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * Path of the bundled CLI entry (cli/main.ts as main.mjs), building it first when the sources changed; null when
 * bundling is switched off or impossible (the caller then imports the TypeScript sources).
 */
export async function cliBundle(root) {
  if (process.env.NETWATCH_BUNDLE === '0') return null;
  try {
    const cache = join(root, 'node_modules', '.cache', 'netwatch-cli');
    const dir = join(cache, sourceKey(root));
    const entry = join(dir, 'main.mjs');
    try {
      await stat(entry);
      return entry;
    } catch {
      // not built yet for these sources
    }
    const { build } = await import('esbuild');
    // parallel first runs (tests) each build into their own directory; the first rename wins
    const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await mkdir(tmp, { recursive: true });
    const workerOut = join(dir, 'parquet-worker.mjs');
    await build({
      entryPoints: { main: join(root, 'cli/main.ts'), 'parquet-worker': join(root, 'shared/flowlog/parquet-worker.ts') },
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node22',
      packages: 'external',
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'silent',
      define: { __NETWATCH_PARQUET_WORKER__: JSON.stringify(pathToFileURL(workerOut).href) },
      plugins: [keepImportMeta],
    });
    try {
      await rename(tmp, dir);
    } catch {
      await rm(tmp, { recursive: true, force: true });
    }
    await stat(entry);
    // builds of older source states: removed once an hour old (a long-running command may still load their chunks)
    for (const e of await readdir(cache)) {
      const p = join(cache, e);
      if (p !== dir && Date.now() - (await stat(p)).mtimeMs > 3_600_000) await rm(p, { recursive: true, force: true });
    }
    return entry;
  } catch (err) {
    if (process.env.NETWATCH_DEBUG) process.stderr.write(`netwatch: running the TypeScript sources (bundle failed: ${err.message})\n`);
    return null;
  }
}
