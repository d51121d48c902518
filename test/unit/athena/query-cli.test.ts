import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rmSync } from 'node:fs';
import { main } from '../../../cli/main.ts';
import { buildTestLake } from './lake.ts';

let lake: string;
beforeAll(async () => {
  lake = await buildTestLake();
});
afterAll(() => {
  if (lake) rmSync(lake, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main(['node', 'netwatch', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('netwatch query', () => {
  it('--list shows names and titles', async () => {
    const r = await cli('query', '--list');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}top-talkers +Top talkers$/m);
    expect(r.out).toMatch(/^ {2}slow-scan +Slow scan$/m);
  });

  it('prints an aligned table by default', async () => {
    const r = await cli('query', 'rejects-by-source', '--lake', lake);
    expect(r.code).toBe(0);
    expect(r.out).toBe(['srcaddr      rejects', '-----------  -------', '203.0.113.9        3', '192.0.2.1          1', '(2 rows)', ''].join('\n'));
  });

  it('prints JSON and CSV', async () => {
    const j = await cli('query', 'top-talkers', '--lake', lake, '--format', 'json', '--from', '2026-11-21', '--to', '2026-11-21');
    expect(JSON.parse(j.out)[0]).toEqual({ srcaddr: '10.0.1.5', dstaddr: '198.51.100.7', bytes: 20000 });
    const c = await cli('query', 'udp-users', '--lake', lake, '--format', 'csv');
    expect(c.out).toBe('srcaddr,peers,flows,bytes\r\n10.0.1.6,2,2,400\r\n');
  });

  it('turns a detection into findings with --findings and --param', async () => {
    const r = await cli('query', 'slow-scan', '--lake', lake, '--findings', '--param', 'min_ports=2', '--param', 'min_hosts=2');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ type: 'slow-scan', subject: { srcaddr: '203.0.113.9' }, recommended: { cidr: '203.0.113.9/32' } });
  });

  it('runs inline SQL with --sql', async () => {
    const r = await cli('query', '--lake', lake, '--format', 'csv', '--sql', "SELECT COUNT(*) AS n FROM flow_logs WHERE action = 'REJECT' AND dt BETWEEN ? AND ?", '--from', '2026-11-21');
    expect(r).toMatchObject({ code: 0, out: 'n\r\n2\r\n' });
    expect(await cli('query', 'top-talkers', '--lake', lake, '--sql', 'SELECT 1')).toMatchObject({ code: 2, err: 'netwatch: give a query name/file or --sql, not both\n' });
  });

  it('exits 2 on bad usage and 1 on failure, with a one-line reason', async () => {
    expect(await cli('query', 'top-talkers')).toMatchObject({ code: 2, err: 'netwatch: --lake <dir> is required with --engine duckdb\n' });
    expect(await cli('query', 'nope', '--lake', lake)).toMatchObject({ code: 2, err: 'netwatch: unknown query "nope" (netwatch query --list shows the names)\n' });
    expect(await cli('query', 'top-talkers', '--lake', lake, '--from', 'yesterday')).toMatchObject({ code: 2 });
    expect(await cli('query', 'top-talkers', '--lake', lake, '--param', 'x')).toMatchObject({ code: 2, err: 'netwatch: --param must be name=value (got "x")\n' });
    expect(await cli('query', 'top-talkers', '--lake', `${lake}/missing`)).toMatchObject({ code: 1, err: `netwatch: lake directory not found: ${lake}/missing\n` });
  });
});
