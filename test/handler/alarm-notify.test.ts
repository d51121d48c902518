import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invokeFunction } from '../../cli/commands/invoke.ts';
import { handler, run } from '../../functions/alarm-notify/handler.ts';
import { resetClients } from '../../shared/aws/clients.ts';
import { FileStateStore } from '../../shared/notify/store.ts';
import { context, defaultConfig, fixture, notifyTestEnv } from './alarm-notify-env.ts';
import type { NotifyTestEnv } from './alarm-notify-env.ts';

const CORPUS = join(import.meta.dirname, '../../../shared/corpus/events');

let env: NotifyTestEnv;
beforeEach(async () => {
  env = await notifyTestEnv();
});
afterEach(async () => {
  await env.close();
});

describe('alarm-notify handler (local mode)', () => {
  it('sends a critical DDoS alarm to every routed channel once, even when invoked twice', async () => {
    // Prepare
    const event = await fixture('cloudwatch-alarm/ddos-detected.json');
    // Act
    const first = await handler(event, context);
    const second = await handler(event, context);
    // Assess
    expect(first).toMatchObject({ items: 1, sent: 1, duplicates: 0 });
    expect(second).toMatchObject({ items: 1, sent: 0, duplicates: 1 });
    expect(env.sink.received.map((r) => r.kind).sort()).toEqual(['dingtalk', 'feishu', 'slack', 'wecom']);
    expect(env.sink.received.filter((r) => r.kind === 'dingtalk' || r.kind === 'feishu').map((r) => r.signature)).toEqual(['valid', 'valid']);
    const outbox = await env.outbox();
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ kind: 'sns.publish', input: { TopicArn: 'arn:aws:sns:eu-west-1:111122223333:netwatch-ops', Subject: '[CRITICAL] ALARM: shield-ddos-web-alb', MessageStructure: 'json' } });
    const slack = env.sink.received.find((r) => r.kind === 'slack')!.body as { text: string };
    expect(slack.text).toBe(
      '🔴 ALARM: shield-ddos-web-alb — Shield DDoS detection on Shield-protected resource arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web-prod/50dc6c495c0c9188 is attack detected (value 1, threshold 1; 1 of the last 1 datapoints).',
    );
  });

  it('netwatch invoke alarm-notify --event --config: posts to the configured URLs, and twice sends once', async () => {
    // Prepare
    const event = join(import.meta.dirname, '../fixtures/events/cloudwatch-alarm/vpn-tunnel-down.json');
    // Act
    const first = (await invokeFunction('alarm-notify', { event, config: env.configPath })) as { sent: number };
    const second = (await invokeFunction('alarm-notify', { event, config: env.configPath })) as { sent: number; duplicates: number };
    // Assess
    expect(first.sent).toBe(1);
    expect(second).toMatchObject({ sent: 0, duplicates: 1 });
    expect(env.sink.received).toHaveLength(4);
    expect((await env.outbox()).map((r) => r.kind)).toEqual(['sns.publish']);
  });

  it('routes a medium alarm by the default route only, and its resolve as well', async () => {
    // Act
    const out = await handler(await fixture('cloudwatch-alarm/network-in-resolved.json'), context);
    // Assess
    expect(out.sent).toBe(1);
    expect(env.sink.received.map((r) => r.kind)).toEqual(['slack']);
    const text = (env.sink.received[0]!.body as { text: string }).text;
    expect(text).toBe('✅ Resolved: web-1-network-in — Inbound network traffic on instance i-0abc1234def567890 (Sum over 5 min) was 1.25 MB, no longer above the threshold of 50 MB (1 of the last 1 datapoints).');
  });

  it('ignores Alarm Configuration Change events on purpose and counts them', async () => {
    // Prepare
    const event = JSON.parse(await readFile(join(CORPUS, 'aws-docs/cloudwatch-alarm/config-change-update-metric-alarm.json'), 'utf8'));
    // Act
    const out = await handler(event, context);
    // Assess
    expect(out).toMatchObject({ items: 1, sent: 0, ignored: { 'alarm.configuration_change': 1 } });
    expect(env.sink.received).toHaveLength(0);
  });

  it('reads alarms delivered through SNS (classic alarm JSON) with region from the AlarmArn', async () => {
    // Act
    const out = await handler(await fixture('sns/alarm-classic.json'), context);
    // Assess
    expect(out.sent).toBe(1);
    const body = env.sink.received[0]!.body as { blocks: { fields?: { text: string }[] }[] };
    const fields = body.blocks.flatMap((b) => b.fields ?? []).map((f) => f.text);
    expect(fields).toContain('*Load balancer*\nNLB netwatch-sensor');
    expect(fields).toContain('*Target group*\nsensor-4789');
    expect(fields).toContain('*Account / region*\n111122223333 / eu-west-1');
    expect(fields).toContain('*Threshold vs observed*\n1 vs 2');
  });

  it('counts an SNS message that is not an alarm as ignored', async () => {
    const out = await handler(await fixture('sns/not-an-alarm.json'), context);
    expect(out.ignored).toEqual({ 'sns.not_an_alarm': 1 });
  });

  it('rejects an event that is neither EventBridge nor SNS with a named error', async () => {
    await expect(handler({ hello: 'world' }, context)).rejects.toMatchObject({ name: 'EventShapeError' });
  });

  it('event text cannot mention, link or mark up in any channel', async () => {
    // Prepare: route everything everywhere
    await env.writeConfig(defaultConfig(env.sink, env.dir).replace('match: { severity: [critical, high] }', 'match: {}'));
    // Act
    await handler(await fixture('cloudwatch-alarm/injection-attempt.json'), context);
    // Assess
    const raw = Object.fromEntries(env.sink.received.map((r) => [r.kind, r.raw]));
    expect(raw.slack).not.toMatch(/<!channel>|<@U0ADMIN>|<https:\/\/evil/);
    expect(raw.slack).toContain('&lt;!channel&gt;');
    expect(raw.dingtalk).not.toMatch(/\[click\]\(https:\/\/evil|@13800000000/);
    expect(raw.wecom).not.toMatch(/<@U0ADMIN>|<@everyone>|\[click\]\(/);
    expect(raw.feishu).not.toMatch(/<at id=all>|\[click\]\(/);
    expect((JSON.parse(raw.dingtalk!) as { at: { atMobiles: string[] } }).at.atMobiles).toEqual([]);
  });

  it('holds a flapping alarm and says so on the next message it lets through', async () => {
    // Prepare: at most 2 transitions per 30 min
    await env.writeConfig(defaultConfig(env.sink, env.dir, 'notify: { flapping: { windowMinutes: 30, maxTransitions: 2 } }'));
    const base = (await fixture('cloudwatch-alarm/network-in-resolved.json')) as any;
    const flip = (i: number) => {
      const e = structuredClone(base);
      const [prev, cur] = i % 2 === 0 ? ['OK', 'ALARM'] : ['ALARM', 'OK'];
      e.detail.previousState.value = prev;
      e.detail.state.value = cur;
      e.detail.state.timestamp = `2026-11-20T10:0${i}:00.000+0000`;
      return e;
    };
    // Act
    const outs = [];
    for (let i = 0; i < 5; i++) outs.push(await handler(flip(i), context));
    // Assess
    expect(outs.map((o) => o.sent)).toEqual([1, 1, 0, 0, 0]);
    expect(outs.map((o) => o.heldFlapping)).toEqual([0, 0, 1, 1, 1]);
    expect(env.sink.received).toHaveLength(2);
  });

  it('fails the invocation when every channel fails, and sends on the retry', async () => {
    // Prepare: the only route points at a closed port
    const cfg = defaultConfig(env.sink, env.dir).replace(env.sink.url('/slack/services/T0/B0/x'), 'http://127.0.0.1:9/slack/closed');
    await env.writeConfig(cfg.replace(/notify:.*$/m, '') + '\nnotify: { retries: 0, timeoutMs: 2000 }\n');
    const event = await fixture('cloudwatch-alarm/network-in-resolved.json');
    // Act / Assess
    await expect(handler(event, context)).rejects.toMatchObject({ name: 'AllChannelsFailedError' });
    await env.writeConfig(defaultConfig(env.sink, env.dir));
    const retry = await handler(event, context);
    expect(retry.sent).toBe(1);
  });

  it('names the key of a non-https webhook URL in the config error', async () => {
    await env.writeConfig(defaultConfig(env.sink, env.dir).replace(env.sink.url('/wecom/cgi-bin/webhook/send?key=k1'), 'http://qyapi.weixin.qq.com/send?key=x'));
    await expect(handler(await fixture('cloudwatch-alarm/ddos-detected.json'), context)).rejects.toThrow(/channels\.ops-wecom\.webhookUrl: webhook URL must be https/);
  });
});

describe('alarm-notify handler (AWS mode)', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => {
    sns.reset();
    resetClients();
    process.env.NETWATCH_LOCAL = '0';
  });

  it('publishes email/SMS through SNS with the exact input and resolves webhook secrets by reference once', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'sns-msg-1' });
    await env.writeConfig(`
channels:
  ops-ding: { type: dingtalk, webhookUrl: { ssm: /netwatch/dev/ding-url }, secret: { secret: netwatch/dev/ding-secret } }
  ops-mail: { type: sns, topicArn: "arn:aws:sns:eu-west-1:111122223333:netwatch-ops" }
routes:
  - match: {}
    channels: [ops-ding, ops-mail]
`);
    const fetched: string[] = [];
    const metrics: Record<string, unknown>[] = [];
    const overrides = {
      emitMetrics: (docs: Record<string, unknown>[]) => metrics.push(...docs),
      store: new FileStateStore(join(env.dir, 'aws-state')),
      secretFetchers: {
        ssm: async (n: string) => (fetched.push(`ssm:${n}`), env.sink.url('/dingtalk/robot/send?access_token=from-ssm')),
        secret: async (n: string) => (fetched.push(`secret:${n}`), (await import('./alarm-notify-env.ts')).DING_SECRET),
      },
    };
    // Act
    const out = await run(await fixture('cloudwatch-alarm/tgw-blackhole-drops.json'), overrides);
    // Assess
    expect(out.sent).toBe(1);
    expect(fetched).toEqual(['ssm:/netwatch/dev/ding-url', 'secret:netwatch/dev/ding-secret']);
    expect(env.sink.received[0]?.signature).toBe('valid');
    expect(env.sink.received[0]?.query.get('access_token')).toBe('from-ssm');
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.TopicArn).toBe('arn:aws:sns:eu-west-1:111122223333:netwatch-ops');
    expect(input.Subject).toBe('[HIGH] ALARM: tgw-blackhole-drops');
    expect(input.MessageStructure).toBe('json');
    const msg = JSON.parse(input.Message!) as { default: string; email: string; sms: string };
    expect(msg.sms).toBe('[HIGH] ALARM: tgw-blackhole-drops: Packets dropped by a blackhole route on transit gateway tgw-0123456789abcdef0, TGW attachment tgw-attach-0fedcba9876543210...');
    expect(msg.sms.length).toBeLessThanOrEqual(160);
    expect(msg.email).toContain('Threshold vs observed: 1,000 vs 18,234');
    expect(await env.outbox()).toEqual([]);
    // delivery metrics as EMF, per channel (the dashboard's NotificationsSent / NotificationsFailed)
    expect(metrics.map((m) => [m.Channel, m.NotificationsSent, m.NotificationsFailed])).toEqual([
      ['ops-ding', 1, 0],
      ['ops-mail', 1, 0],
    ]);
    expect(metrics[0]).toMatchObject({ _aws: { CloudWatchMetrics: [{ Namespace: 'NetWatch', Dimensions: [['Channel']] }] } });
  });

  it('takes the severity from the alarm tag looked up by ARN, and routes by it', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'sns-msg-2' });
    await env.writeConfig(`
channels:
  ops-mail: { type: sns, topicArn: "arn:aws:sns:eu-west-1:111122223333:netwatch-ops" }
routes:
  - match: { severity: critical }
    channels: [ops-mail]
`);
    const looked: string[] = [];
    // Act
    const out = await run(await fixture('cloudwatch-alarm/network-in-resolved.json'), {
      store: new FileStateStore(join(env.dir, 'aws-state')),
      alarmTags: async (arn) => (looked.push(arn), { 'netwatch:severity': 'critical' }),
    });
    // Assess
    expect(looked).toEqual(['arn:aws:cloudwatch:eu-west-1:111122223333:alarm:web-1-network-in']);
    expect(out.sent).toBe(1);
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input.Subject).toBe('[CRITICAL] Resolved: web-1-network-in');
  });

  it('refuses literal secrets outside local mode, naming the key', async () => {
    await env.writeConfig(`
channels:
  ops-slack: { type: slack, webhookUrl: "https://hooks.slack.com/services/T0/B0/literal" }
routes:
  - match: {}
    channels: [ops-slack]
`);
    const run1 = run(await fixture('cloudwatch-alarm/ddos-detected.json'), { store: new FileStateStore(join(env.dir, 'aws-state')) });
    await expect(run1).rejects.toMatchObject({ name: 'SecretResolutionError' });
    await expect(run(await fixture('cloudwatch-alarm/ddos-detected.json'), { store: new FileStateStore(join(env.dir, 'aws-state2')) })).rejects.toThrow(
      /^channels\.ops-slack\.webhookUrl: literal secrets are allowed only in local mode/,
    );
  });
});
