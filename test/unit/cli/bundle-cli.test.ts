/**
 * Every command group through the real launcher, i.e. through the CLI bundle (bin/bundle.mjs) the way users run it:
 * dynamic imports, data files and native modules must resolve from the bundle as they do from the sources.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { netwatch } from '../../helpers/cli.ts';
import { CORPUS } from '../../helpers/flowlog.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'nw-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bundled CLI', () => {
  it('is built into node_modules/.cache and used by the launcher', () => {
    expect(netwatch(['--version']).status).toBe(0);
    const cache = join(ROOT, 'node_modules/.cache/netwatch-cli');
    expect(readdirSync(cache).some((d) => existsSync(join(cache, d, 'main.mjs')) && existsSync(join(cache, d, 'parquet-worker.mjs')))).toBe(true);
  });

  it('ingests a flow log, then queries the lake with DuckDB (a native module loaded on demand)', () => {
    const lake = join(dir, 'lake');
    const ing = netwatch(['flowlogs', 'ingest', join(CORPUS, 'vpcflow/aws-docs/v5-custom-service-path-direction.log'), '--out', lake, '--json']);
    expect(ing.status, ing.stderr).toBe(0);
    const q = netwatch(['query', 'top-talkers', '--lake', lake, '--format', 'json']);
    expect(q.status, q.stderr).toBe(0);
    const rows = JSON.parse(q.stdout) as unknown[];
    expect(rows.length).toBeGreaterThan(0);
  });

  it('decodes a VXLAN capture into EVE records', () => {
    const r = netwatch(['sensor', 'decode', join(CORPUS, 'vxlan/tcpdump/vxlan.pcap'), '--no-progress']);
    expect(r.status, r.stderr).toBe(0);
    const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event_type: string });
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((e) => typeof e.event_type === 'string')).toBe(true);
  });

  it('runs the notification demo (handlers invoked from the bundle, sample events found relative to the sources)', () => {
    const r = netwatch(['notify', 'demo']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain('round 1: alarm sent=1 duplicates=0; cloudtrail sent=1 duplicates=0');
    expect(r.stdout + r.stderr).toContain('round 2: alarm sent=0 duplicates=1; cloudtrail sent=0 duplicates=1');
  });

  it.each(['demo', 'invoke', 'nacl', 'mirror', 'notify'])('loads the %s group', (group) => {
    const r = netwatch([group, '--help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`netwatch ${group}`);
  });
});
