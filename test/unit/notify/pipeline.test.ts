import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotifySettings } from '../../../shared/notify/config.ts';
import { defaultDeliveryDeps } from '../../../shared/notify/deliver.ts';
import type { SnsPublishInput } from '../../../shared/notify/deliver.ts';
import type { NotifyMessage } from '../../../shared/notify/model.ts';
import { notifyMessage } from '../../../shared/notify/pipeline.ts';
import type { PipelineCtx } from '../../../shared/notify/pipeline.ts';
import { FileStateStore } from '../../../shared/notify/store.ts';

let dir: string;
let now: number;
let published: SnsPublishInput[];
let failing: boolean;
let ctx: PipelineCtx;

const msg = (i: number): NotifyMessage => ({
  source: 'alarm',
  severity: 'high',
  status: i % 2 === 0 ? 'alarm' : 'resolved',
  title: `t${i}`,
  summary: [`transition ${i}`],
  fields: [],
  account: '1',
  region: 'eu-west-1',
  time: new Date(now).toISOString(),
  dedupKey: `alarm:flappy:${i}`,
  threadKey: 'alarm:flappy',
  alarmName: 'flappy',
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nw-pipe-'));
  now = 1_700_000_000_000;
  published = [];
  failing = false;
  const store = new FileStateStore(dir, () => now);
  ctx = {
    routes: [{ match: {}, channels: ['mail'] }],
    channel: async () => ({ type: 'sns', name: 'mail', topicArn: 'arn:aws:sns:eu-west-1:1:netwatch-x' }),
    store,
    settings: NotifySettings.parse({ flapping: { windowMinutes: 10, maxTransitions: 2 } }),
    deps: defaultDeliveryDeps({
      store,
      now: () => now,
      retries: 0,
      snsPublish: async (input) => {
        if (failing) throw Object.assign(new Error('denied'), { name: 'AuthorizationErrorException' });
        published.push(input);
        return {};
      },
    }),
  };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('notifyMessage() flapping', () => {
  it('holds transitions beyond the limit and reports the count once the window has passed', async () => {
    // Act
    const outs = [];
    for (let i = 0; i < 5; i++) {
      outs.push((await notifyMessage(msg(i), ctx)).outcome);
      now += 60_000;
    }
    now += 10 * 60_000;
    const later = await notifyMessage(msg(5), ctx);
    // Assess
    expect(outs).toEqual(['sent', 'sent', 'held-flapping', 'held-flapping', 'held-flapping']);
    expect(later.outcome).toBe('sent');
    expect(later.outcome === 'sent' && later.notes).toEqual(['3 earlier transitions were not sent: the alarm was flapping (over 2 changes in 10 min)']);
    expect(JSON.parse(published[2]!.Message).email).toContain('3 earlier transitions were not sent');
  });

  it('a send that failed on every channel neither counts towards flapping nor stays deduplicated', async () => {
    // Act
    failing = true;
    await expect(notifyMessage(msg(0), ctx)).rejects.toMatchObject({ name: 'AllChannelsFailedError' });
    await expect(notifyMessage(msg(0), ctx)).rejects.toMatchObject({ name: 'AllChannelsFailedError' });
    failing = false;
    const a = await notifyMessage(msg(0), ctx);
    const b = await notifyMessage(msg(1), ctx);
    // Assess
    expect([a.outcome, b.outcome]).toEqual(['sent', 'sent']);
  });

  it('a redelivered held transition is a duplicate, not a second hold', async () => {
    for (let i = 0; i < 3; i++) await notifyMessage(msg(i), ctx);
    expect(await notifyMessage(msg(2), ctx)).toEqual({ outcome: 'duplicate', dedupKey: 'alarm:flappy:2' });
  });
});
