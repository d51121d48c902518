import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../functions/nacl-responder/handler.ts';
import { formatResponse, ResponseDetail } from '../../../shared/respond/response-message.ts';

const FIX = new URL('../../fixtures/events/', import.meta.url).pathname;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nw-resp-msg-'));
  await cp(join(FIX, 'findings/local'), dir, { recursive: true });
  process.env.NETWATCH_CONFIG = join(dir, 'netwatch.config.yml');
  process.env.NETWATCH_LOCAL = '1';
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  vi.restoreAllMocks();
  delete process.env.NETWATCH_CONFIG;
  delete process.env.NETWATCH_LOCAL;
  await rm(dir, { recursive: true, force: true });
});

describe('formatResponse()', () => {
  it('turns the event the responder emitted into a message saying what, why, where, until when and how to undo', async () => {
    // Prepare: a real event from a local run
    await run(JSON.parse(await readFile(join(FIX, 'findings/egress-flood-outbound.json'), 'utf8')));
    const ev = JSON.parse((await readFile(join(dir, 'state/events.jsonl'), 'utf8')).trim());
    // Act
    expect(ResponseDetail.safeParse(ev.detail).success).toBe(true);
    const m = formatResponse(ev.detail, ev);
    // Assess
    expect(m.title).toBe('[local plan] NACL block: 203.0.113.7/32');
    expect(m.status).toBe('change');
    expect(m.summary[0]).toBe('Why: egress-flood (high) 10.20.1.5 → 203.0.113.7, window 2026-11-21T10:00:00Z – 2026-11-21T10:05:00Z.');
    expect(m.summary[1]).toMatch(/^deny added: 203\.0\.113\.7\/32 outbound in acl-0a1b2c3d4e5f60001 \(vpc-0123456789abcdef0\), rule 1, until 20\d\d-/);
    expect(m.fields[0]).toEqual({ label: 'Undo', value: 'netwatch nacl unblock 203.0.113.7/32' });
    expect(m.threadKey).toBe('finding:abc123');
    expect(m.dedupKey).toBe(`response:${ev.id}`);
  });

  it('rejects a detail that is not a response', () => {
    expect(() => formatResponse({ kind: 'something' })).toThrow();
  });
});
