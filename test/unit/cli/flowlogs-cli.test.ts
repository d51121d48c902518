/** The `netwatch flowlogs ingest` contract (ARCHITECTURE.md "CLI"): JSON summary, exit codes 0 / 1 / 2. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { netwatch } from '../../helpers/cli.ts';
import { CORPUS } from '../../helpers/flowlog.ts';

const dir = mkdtempSync(join(tmpdir(), 'nw-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sample = (n: string) => join(CORPUS, 'vpcflow/aws-docs', n);

describe('netwatch flowlogs ingest', () => {
  it('prints one JSON summary with the contract keys and exits 0', () => {
    const r = netwatch(['flowlogs', 'ingest', sample('v2-default-nodata-skipdata.log.gz'), sample('v5-custom-service-path-direction.log'), '--out', join(dir, 'a'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const s = JSON.parse(lines[0]!);
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['files', 'records', 'skipped', 'nodata', 'skipdata', 'malformed', 'outputs', 'findings']));
    expect(s).toMatchObject({ files: 2, records: 4, skipped: 0, nodata: 1, skipdata: 1, malformed: 0, findings: [] });
    expect(s.outputs).toHaveLength(2);
    for (const o of s.outputs) expect(o).toMatch(/\/flow_logs\/account_id=\d{12}\/region=[a-z0-9-]+\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/[^/]+\.parquet$/);
  });

  it('exits 1 with a one-line reason when an input is not a flow log, after ingesting the others', () => {
    const bad = join(dir, 'notes.log');
    writeFileSync(bad, 'hello there\nthis is not a flow log\n');
    const r = netwatch(['flowlogs', 'ingest', bad, sample('v2-default-ipv6.log'), '--out', join(dir, 'b'), '--json']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${bad}: no header line naming the flow-log fields`);
    expect(JSON.parse(r.stdout)).toMatchObject({ files: 1, records: 1, errors: [{ source: bad }] });
  });

  it('finds the same threats whether detections run on the Parquet worker thread or inline (and fails loudly on a bad deny list)', () => {
    // a scanner sweeping 30 ports of one host, rejected, plus a flood of accepted flows to a deny-listed address
    const header = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
    const lines = [header];
    for (let p = 0; p < 30; p++) lines.push(`2 123456789012 eni-1 198.51.100.7 10.0.0.5 40000 ${1000 + p} 6 1 40 1700000000 1700000010 REJECT OK`);
    for (let i = 0; i < 3; i++) lines.push(`2 123456789012 eni-1 10.0.0.5 203.0.113.9 40000 443 6 10 4000 1700000000 1700000010 ACCEPT OK`);
    const input = join(dir, 'threats.log');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const config = join(dir, 'netwatch.json');
    writeFileSync(config, JSON.stringify({ detections: { denyList: { cidrs: ['203.0.113.0/24'] } } }));
    const run = (env: Record<string, string>) => {
      const r = netwatch(['flowlogs', 'ingest', input, '--out', join(dir, `d-${Object.keys(env).length}`), '--config', config, '--json'], env);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout).findings as { type: string; id: string }[];
    };
    const onWorker = run({});
    const inline = run({ NETWATCH_PARQUET_WORKER: '0' });
    expect(onWorker.map((f) => f.type).sort()).toEqual(['deny-list', 'port-scan']);
    expect(onWorker).toEqual(inline);
    writeFileSync(config, JSON.stringify({ detections: { denyList: { file: join(dir, 'missing-deny-list.txt') } } }));
    const bad = netwatch(['flowlogs', 'ingest', input, '--out', join(dir, 'e'), '--config', config, '--json']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('missing-deny-list.txt');
  });

  it('writes byte-identical lake parts whether the columns are built on the worker thread or inline', () => {
    // 9 000 records (more than two row blocks), 2 accounts x 3 hours, NULLs, NODATA lines and an unknown field
    const header = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status future-field';
    const lines = [header];
    for (let i = 0; i < 9000; i++) {
      const acct = i % 7 === 0 ? '210987654321' : '123456789012';
      const start = 1_700_000_000 + (i % 3) * 3600;
      if (i % 500 === 0) lines.push(`2 ${acct} eni-${i % 13} - - - - - - - ${start} ${start + 60} - NODATA x`);
      else lines.push(`2 ${acct} eni-${i % 13} 10.0.${i % 250}.${i % 7} 198.51.100.${i % 200} ${1024 + i} 443 6 ${i % 90} ${i * 40} ${start} ${start + 60} ${i % 5 ? 'ACCEPT' : 'REJECT'} OK v${i % 3}`);
    }
    const input = join(dir, 'identical.log');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const lake = (env: Record<string, string>, out: string) => {
      const r = netwatch(['flowlogs', 'ingest', input, '--out', join(dir, out), '--json'], env);
      expect(r.status, r.stderr).toBe(0);
      const files = (readdirSync(join(dir, out), { recursive: true }) as string[]).filter((f) => f.endsWith('.parquet')).sort();
      return { summary: JSON.parse(r.stdout), files, bytes: files.map((f) => readFileSync(join(dir, out, f)).toString('base64')) };
    };
    const worker = lake({}, 'same-w');
    const inline = lake({ NETWATCH_PARQUET_WORKER: '0' }, 'same-i');
    expect(worker.summary.records).toBe(9000);
    expect(worker.files).toHaveLength(6);
    expect(worker.files).toEqual(inline.files);
    expect(worker.bytes).toEqual(inline.bytes);
  });

  it('exits 2 on bad usage', () => {
    expect(netwatch(['flowlogs', 'ingest', sample('v2-default-ipv6.log')]).status).toBe(2); // --out missing
    const r = netwatch(['flowlogs', 'ingest', sample('v2-default-ipv6.log'), '--out', join(dir, 'c'), '--rows-per-part', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('netwatch: --rows-per-part must be a positive integer\n');
  });

  it('has --help on the group and the command', () => {
    for (const args of [['--help'], ['flowlogs', '--help'], ['flowlogs', 'ingest', '--help']]) {
      const r = netwatch(args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('Usage: netwatch');
    }
  });
});
