/**
 * npm run bench:ingest — flow-log ingest throughput and memory against DuckDB, measured in the same run.
 *
 *   ours:   netwatch flowlogs ingest <file.log.gz> --out <dir>       (parse, enrich, detections, Parquet lake)
 *   duckdb: COPY (SELECT * FROM read_csv(<file.log.gz>, delim=' ', header=true, nullstr='-')) TO ... (FORMAT parquet)
 *
 * Both run as child processes under /usr/bin/time (wall time, peak RSS). Reported as ratios; goals from issue #2:
 * wall time ≤ 2× DuckDB, peak RSS ≤ 256 MB, lake bytes ≤ 0.7× the .log.gz bytes.
 * Options: --lines N (default 1000000), --runs N (default 1), --keep.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateFlowLog } from './generate.ts';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '1' }, keep: { type: 'boolean', default: false } } });
const lines = Number(values.lines);
const runs = Number(values.runs);
const root = resolve(import.meta.dirname, '..');
const outDir = join(root, 'bench', 'out');
mkdirSync(outDir, { recursive: true });
const input = join(outDir, `flow-${lines}.log.gz`);
if (!existsSync(input)) {
  process.stderr.write(`generating ${lines} lines → ${input}\n`);
  await generateFlowLog(input, lines);
}
const node = process.execPath;
const hasTime = existsSync('/usr/bin/time');

interface Run {
  wall: number;
  rssMB: number | null;
  cpu: number | null;
}

function timed(cmd: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const args = hasTime ? ['/usr/bin/time', '-f', 'NWTIME %e %M %U %S', ...cmd] : cmd;
  const t0 = performance.now();
  const r = spawnSync(args[0]!, args.slice(1), { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const m = /NWTIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return m ? { wall: Number(m[1]), rssMB: Number(m[2]) / 1024, cpu: Number(m[3]) + Number(m[4]) } : { wall, rssMB: null, cpu: null };
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  return n;
}

const duckScript = join(mkdtempSync(join(tmpdir(), 'nw-bench-')), 'duck.mjs');
writeFileSync(
  duckScript,
  `import { DuckDBInstance } from '${join(root, 'node_modules/@duckdb/node-api/lib/index.js').replace(/\\/g, '/')}';
const [input, output] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run("COPY (SELECT * FROM read_csv('" + input + "', delim=' ', header=true, nullstr='-')) TO '" + output + "' (FORMAT parquet)");
`,
);

// the CLI runs as a cached bundle of its sources (bin/bundle.mjs): build it now if sources changed, untimed
spawnSync(process.execPath, [join(root, 'bin/netwatch.mjs'), '--version'], { stdio: 'ignore' });
const results: { ours: Run; duck: Run; lakeBytes: number }[] = [];
for (let i = 0; i < runs; i++) {
  const lake = mkdtempSync(join(tmpdir(), 'nw-lake-'));
  const duckOut = join(lake, 'duck.parquet');
  const ours = timed([node, join(root, 'bin/netwatch.mjs'), 'flowlogs', 'ingest', input, '--out', join(lake, 'ours'), '--json']);
  const duck = timed([node, duckScript, input, duckOut]);
  results.push({ ours, duck, lakeBytes: dirBytes(join(lake, 'ours')) });
  if (!values.keep) rmSync(lake, { recursive: true, force: true });
}
rmSync(duckScript, { force: true });

const best = (xs: number[]) => Math.min(...xs);
const ours = best(results.map((r) => r.ours.wall));
const duck = best(results.map((r) => r.duck.wall));
const rss = Math.max(...results.map((r) => r.ours.rssMB ?? NaN));
const gzBytes = statSync(input).size;
const lakeRatio = results[0]!.lakeBytes / gzBytes;
const report = {
  lines,
  inputGzBytes: gzBytes,
  oursWallSeconds: ours,
  duckdbWallSeconds: duck,
  wallRatioOursToDuckdb: Number((ours / duck).toFixed(2)),
  oursCpuSeconds: results[0]!.ours.cpu,
  duckdbCpuSeconds: results[0]!.duck.cpu,
  oursPeakRssMB: Number(rss.toFixed(0)),
  duckdbPeakRssMB: Number((results[0]!.duck.rssMB ?? NaN).toFixed(0)),
  lakeBytes: results[0]!.lakeBytes,
  lakeToGzRatio: Number(lakeRatio.toFixed(2)),
  recordsPerSecond: Math.round(lines / ours),
  goals: { wallRatio: '<= 2', peakRssMB: '<= 256', lakeToGzRatio: '<= 0.7' },
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
