/** `netwatch nacl list|unblock|sweep` in local mode over the fixture network state. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerNacl } from '../../cli/commands/nacl.ts';
import { run } from '../../functions/nacl-responder/handler.ts';
import { UsageError } from '../../shared/errors.ts';

const FIX = new URL('../fixtures/events/', import.meta.url).pathname;
let dir: string;
let stdout: string[];
let stderr: string[];

async function netwatch(...args: string[]): Promise<void> {
  const program = new Command('netwatch').exitOverride();
  registerNacl(program);
  program.commands.forEach((c) => c.exitOverride());
  await program.parseAsync(args, { from: 'user' });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nw-nacl-cli-'));
  await cp(join(FIX, 'findings/local'), dir, { recursive: true });
  process.env.NETWATCH_CONFIG = join(dir, 'netwatch.config.yml');
  process.env.NETWATCH_LOCAL = '1';
  stdout = [];
  stderr = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (stdout.push(String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (stderr.push(String(c)), true));
  await run(JSON.parse(await readFile(join(FIX, 'findings/port-scan-ipv6-both.json'), 'utf8')));
  stdout = [];
  stderr = [];
});

afterEach(async () => {
  vi.restoreAllMocks();
  delete process.env.NETWATCH_CONFIG;
  delete process.env.NETWATCH_LOCAL;
  await rm(dir, { recursive: true, force: true });
});

describe('netwatch nacl', () => {
  it('list --json shows both directions of the IPv6 block as active', async () => {
    await netwatch('nacl', 'list', '--json', '--config', join(dir, 'netwatch.config.yml'));
    const rows = stdout.join('').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.naclId, r.direction, r.ruleNumber, r.cidr, r.inPlace])).toEqual([
      ['acl-0a1b2c3d4e5f60001', 'inbound', 2, '2001:db8:bad::/64', true],
      ['acl-0a1b2c3d4e5f60001', 'outbound', 1, '2001:db8:bad::/64', true],
    ]);
  });

  it('unblock prints the exact deletes (CIDR matched by value), then list is empty and a second unblock fails', async () => {
    await netwatch('nacl', 'unblock', '2001:DB8:BAD:0:0::/64');
    expect(stdout.join('').trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { call: 'DeleteNetworkAclEntry', input: { NetworkAclId: 'acl-0a1b2c3d4e5f60001', RuleNumber: 2, Egress: false } },
      { call: 'DeleteNetworkAclEntry', input: { NetworkAclId: 'acl-0a1b2c3d4e5f60001', RuleNumber: 1, Egress: true } },
    ]);
    stdout = [];
    await netwatch('nacl', 'list');
    expect(stdout.join('')).toBe('no active blocks\n');
    await expect(netwatch('nacl', 'unblock', '2001:db8:bad::/64')).rejects.toThrowError('no active block for 2001:db8:bad::/64');
  });

  it('unblock of something that is not a CIDR is a usage error', async () => {
    await expect(netwatch('nacl', 'unblock', 'not-an-ip')).rejects.toBeInstanceOf(UsageError);
  });

  it('sweep before expiry changes nothing and reports the foreign entry in the band', async () => {
    await netwatch('nacl', 'sweep');
    expect(stdout.join('')).toBe('');
    expect(stderr.join('')).toContain('drift band.unknown_entry acl-0a1b2c3d4e5f60001 rule 1');
  });
});

describe('netwatch nacl through bin/netwatch.mjs (exit codes)', () => {
  it('exits 2 on a bad CIDR, 1 when nothing is blocked, 0 on success', async () => {
    const { spawnSync } = await import('node:child_process');
    const bin = new URL('../../bin/netwatch.mjs', import.meta.url).pathname;
    const node = process.execPath;
    const env = { ...process.env, NETWATCH_LOCAL: '1', NETWATCH_CONFIG: join(dir, 'netwatch.config.yml') };
    const go = (...args: string[]) => spawnSync(node, [bin, 'nacl', ...args], { env, encoding: 'utf8' });
    const bad = go('unblock', 'bogus');
    expect([bad.status, bad.stderr.trim()]).toEqual([2, 'netwatch: "bogus" is not an IPv4/IPv6 CIDR']);
    const none = go('unblock', '198.51.100.77');
    expect([none.status, none.stderr.trim()]).toEqual([1, 'netwatch: no active block for 198.51.100.77/32']);
    const ok = go('unblock', '2001:db8:bad::/64');
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(2);
  });
});
