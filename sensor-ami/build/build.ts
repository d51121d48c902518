/**
 * `npm run build:sensor`: bundles the sensor (sensor-ami/build/entry.ts and everything it reaches: the `sensor`
 * command group, shared/packet, the daemon, the S3 sink and its AWS SDK client) into ONE ESM file for Node 22,
 * dist/sensor/netwatch-sensor.mjs, plus a small build-info JSON the Packer template reads for its tags.
 *
 *   node sensor-ami/build/build.ts [--outdir dist/sensor] [--minify]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '../..');

function gitSha(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown'; // a source tarball without .git
  }
}

export interface BuildInfo {
  name: string;
  version: string;
  git_sha: string;
  node_target: string;
  bundle: string;
  bytes: number;
}

export async function buildSensor(outdir: string, minify = false): Promise<BuildInfo> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const sha = gitSha();
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, 'netwatch-sensor.mjs');
  const r = await build({
    entryPoints: [join(ROOT, 'sensor-ami/build/entry.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    // CommonJS dependencies (the AWS SDK's) call require(); give the ESM bundle one
    banner: { js: "import { createRequire as __nwCreateRequire } from 'node:module'; const require = __nwCreateRequire(import.meta.url);" },
    define: {
      'process.env.NETWATCH_SENSOR_VERSION': JSON.stringify(`${pkg.version}+${sha.slice(0, 12)}`),
      // daemon.ts starts itself when it is the main script (`resolve(argv[1]) === import.meta.filename`). Inside
      // the bundle every module shares the bundle's import.meta, so that test would be true and start a second
      // daemon next to the one entry.ts starts; no module of the bundle is "the main script", so pin it false.
      'import.meta.filename': JSON.stringify('netwatch-sensor:bundled-module'),
    },
  });
  const bytes = r.metafile.outputs[Object.keys(r.metafile.outputs)[0] as string]?.bytes ?? 0;
  const info: BuildInfo = { name: 'netwatch-sensor', version: pkg.version, git_sha: sha, node_target: 'node22', bundle: 'netwatch-sensor.mjs', bytes };
  writeFileSync(join(outdir, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
  return info;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename) {
  const { values } = parseArgs({ options: { outdir: { type: 'string', default: join(ROOT, 'dist/sensor') }, minify: { type: 'boolean', default: false } } });
  const info = await buildSensor(resolve(values.outdir), values.minify);
  process.stdout.write(`${JSON.stringify(info)}\n`);
}
