import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { SecretResolutionError } from '../../../shared/notify/errors.ts';
import { createSecretResolver, resolveChannel } from '../../../shared/notify/secrets.ts';
import { FileStateStore } from '../../../shared/notify/store.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nw-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileStateStore', () => {
  it('claim is exclusive until the entry expires', async () => {
    // Prepare
    let now = 1_000_000;
    const a = new FileStateStore(dir, () => now);
    const b = new FileStateStore(dir, () => now);
    // Act / Assess
    const both = await Promise.all([a.claim('k', 'x', 10), b.claim('k', 'y', 10)]);
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(await a.claim('k', 'z', 10)).toBe(false);
    now += 11_000;
    expect(await b.claim('k', 'w', 10)).toBe(true);
    expect(await a.get('k')).toBe('w');
  });

  it('put / get / delete round trip; expired entries read as absent', async () => {
    let now = 0;
    const s = new FileStateStore(dir, () => now);
    await s.put('thread', { ts: '1.2' }, 5);
    expect(await s.get('thread')).toEqual({ ts: '1.2' });
    now = 6000;
    expect(await s.get('thread')).toBeUndefined();
    await s.put('x', 1, 5);
    await s.delete('x');
    expect(await s.get('x')).toBeUndefined();
  });
});

describe('secrets by reference', () => {
  it('fetches each reference once and caches it; a failed fetch is retried next time', async () => {
    // Prepare
    const calls: string[] = [];
    let fail = true;
    const resolve = createSecretResolver(
      {
        ssm: async (n) => {
          calls.push(n);
          if (fail) throw new Error('ThrottlingException');
          return 'https://hooks.slack.com/services/T/B/x\n';
        },
        secret: async () => 'unused',
      },
      { allowLiterals: false },
    );
    // Act / Assess
    await expect(resolve('channels.s.webhookUrl', { ssm: '/netwatch/slack' })).rejects.toThrow('channels.s.webhookUrl: cannot resolve ssm:/netwatch/slack: ThrottlingException');
    fail = false;
    expect(await resolve('channels.s.webhookUrl', { ssm: '/netwatch/slack' })).toBe('https://hooks.slack.com/services/T/B/x');
    expect(await resolve('channels.t.webhookUrl', { ssm: '/netwatch/slack' })).toBe('https://hooks.slack.com/services/T/B/x');
    expect(calls).toEqual(['/netwatch/slack', '/netwatch/slack']);
  });

  it('re-validates a resolved URL and names the key', async () => {
    const resolve = createSecretResolver({ ssm: async () => 'http://evil.example/hook', secret: async () => '' }, { allowLiterals: false });
    const p = resolveChannel('ops-ding', { type: 'dingtalk', webhookUrl: { ssm: '/netwatch/ding' } }, resolve);
    await expect(p).rejects.toBeInstanceOf(ConfigError);
    await expect(p).rejects.toThrow('channels.ops-ding.webhookUrl: webhook URL must be https (or http on a loopback address)');
  });

  it('an empty secret is an error, literals only with allowLiterals', async () => {
    const strict = createSecretResolver({ ssm: async () => '', secret: async () => '' }, { allowLiterals: false });
    await expect(strict('channels.f.secret', { secret: 'netwatch/feishu' })).rejects.toBeInstanceOf(SecretResolutionError);
    await expect(strict('channels.f.secret', 'literal')).rejects.toThrow(/^channels\.f\.secret: literal secrets are allowed only in local mode/);
    const local = createSecretResolver({ ssm: async () => '', secret: async () => '' }, { allowLiterals: true });
    expect(await local('channels.f.secret', 'literal')).toBe('literal');
  });
});
