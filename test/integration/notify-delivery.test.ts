import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromEventBridge, formatAlarm } from '../../shared/notify/alarm.ts';
import { AlarmsConfig, NotifySettings } from '../../shared/notify/config.ts';
import { defaultDeliveryDeps, deliverAll, resetRateLimits } from '../../shared/notify/deliver.ts';
import type { DeliveryDeps, ResolvedChannel, SnsPublishInput } from '../../shared/notify/deliver.ts';
import { AllChannelsFailedError } from '../../shared/notify/errors.ts';
import { AlarmDetailSchema, EventBridgeEnvelope } from '../../shared/notify/events.ts';
import type { NotifyMessage } from '../../shared/notify/model.ts';
import { notifyMessage } from '../../shared/notify/pipeline.ts';
import { startWebhookSink } from '../../shared/notify/sink.ts';
import type { SinkReply, SinkRequest, WebhookSink } from '../../shared/notify/sink.ts';
import { FileStateStore } from '../../shared/notify/store.ts';

/** Real HTTP servers on 127.0.0.1 stand in for Slack, DingTalk, Feishu and WeCom. */

const FIX = join(import.meta.dirname, '../fixtures/events/cloudwatch-alarm');
const DING_SECRET = 'SECb0a2f3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f';
const FEISHU_SECRET = 'feishu-bot-secret-7Qx';

function alarmMessage(file: string): NotifyMessage {
  const env = EventBridgeEnvelope.parse(JSON.parse(readFileSync(join(FIX, file), 'utf8')));
  return formatAlarm(fromEventBridge(env, AlarmDetailSchema.parse(env.detail)), AlarmsConfig.parse({}));
}

const FAST = { slack: { capacity: 100, perSecond: 100 }, dingtalk: { capacity: 100, perSecond: 100 }, wecom: { capacity: 100, perSecond: 100 }, feishu: { capacity: 100, perSecond: 100 } };

let sink: WebhookSink;
let dir: string;
let published: SnsPublishInput[];
let replies: ((r: SinkRequest) => SinkReply | undefined)[];

function deps(over: Partial<DeliveryDeps> = {}): DeliveryDeps {
  return defaultDeliveryDeps({
    snsPublish: async (input) => {
      published.push(input);
      return { MessageId: 'm-1' };
    },
    store: new FileStateStore(join(dir, 'notify')),
    backoffBaseMs: 10,
    rateLimits: FAST,
    timeoutMs: 2000,
    ...over,
  });
}

function channels(): ResolvedChannel[] {
  return [
    { type: 'slack', name: 'ops-slack', webhookUrl: sink.url('/slack/services/T0/B0/x') },
    { type: 'dingtalk', name: 'ops-ding', webhookUrl: sink.url('/dingtalk/robot/send?access_token=tok123'), secret: DING_SECRET },
    { type: 'feishu', name: 'ops-feishu', webhookUrl: sink.url('/feishu/open-apis/bot/v2/hook/abc'), secret: FEISHU_SECRET },
    { type: 'wecom', name: 'ops-wecom', webhookUrl: sink.url('/wecom/cgi-bin/webhook/send?key=k1') },
    { type: 'sns', name: 'ops-mail', topicArn: 'arn:aws:sns:eu-west-1:111122223333:ops-mail' },
  ];
}

beforeEach(async () => {
  resetRateLimits();
  published = [];
  replies = [];
  dir = await mkdtemp(join(tmpdir(), 'nw-deliver-'));
  sink = await startWebhookSink({ secrets: { dingtalk: DING_SECRET, feishu: FEISHU_SECRET }, respond: (r) => replies.shift()?.(r) });
});

afterEach(async () => {
  await sink.close();
  await rm(dir, { recursive: true, force: true });
});

describe('deliverAll() against local webhook servers', () => {
  it('posts JSON to every channel; DingTalk and Feishu signatures verify with the secret', async () => {
    // Prepare
    const msg = alarmMessage('vpn-tunnel-down.json');
    // Act
    const report = await deliverAll(msg, channels(), deps());
    // Assess
    expect(report.failed).toEqual([]);
    expect(report.delivered.map((d) => d.channel).sort()).toEqual(['ops-ding', 'ops-feishu', 'ops-mail', 'ops-slack', 'ops-wecom']);
    const byKind = Object.fromEntries(sink.received.map((r) => [r.kind, r]));
    for (const r of sink.received) {
      expect(r.method).toBe('POST');
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    }
    expect(byKind.dingtalk?.signature).toBe('valid');
    expect(byKind.dingtalk?.query.get('access_token')).toBe('tok123');
    expect(byKind.feishu?.signature).toBe('valid');
    const slack = byKind.slack?.body as { text: string; blocks: { type: string }[] };
    expect(slack.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context', 'actions']);
    expect(slack.text).toContain('VPN tunnel state on VPN connection vpn-0a1b2c3d4e5f60718, VPN tunnel 203.0.113.17 is down');
    const ding = byKind.dingtalk?.body as { msgtype: string; markdown: { title: string; text: string } };
    expect(ding.msgtype).toBe('markdown');
    expect(ding.markdown.text).toContain('- **VPN tunnel**: 203.0.113.17');
    const feishu = byKind.feishu?.body as { msg_type: string; card: { header: { template: string } } };
    expect(feishu.msg_type).toBe('interactive');
    expect(feishu.card.header.template).toBe('red');
    const wecom = byKind.wecom?.body as { msgtype: string; markdown: { content: string } };
    expect(wecom.markdown.content).toContain('<font color="warning">HIGH</font>');
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ TopicArn: 'arn:aws:sns:eu-west-1:111122223333:ops-mail', Subject: '[HIGH] ALARM: vpn-tunnel-1-down', MessageStructure: 'json' });
    const bodies = JSON.parse(published[0]!.Message) as { default: string; email: string; sms: string };
    expect(bodies.sms.length).toBeLessThanOrEqual(160);
    expect(bodies.email).toContain('VPN tunnel:');
  });

  it('a wrong signing secret is a permanent failure for that channel only', async () => {
    // Prepare
    const chs = channels().map((c) => (c.type === 'dingtalk' ? { ...c, secret: 'SECwrong' } : c));
    // Act
    const report = await deliverAll(alarmMessage('ddos-detected.json'), chs, deps());
    // Assess
    expect(report.delivered).toHaveLength(4);
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]?.channel).toBe('ops-ding');
    expect(report.failed[0]?.permanent).toBe(true);
    expect(report.failed[0]?.message).toBe('ops-ding: dingtalk errcode 310000 sign not match (invalid)');
    expect(sink.received.filter((r) => r.kind === 'dingtalk')).toHaveLength(1);
  });

  it('waits for Retry-After on 429 and then delivers', async () => {
    // Prepare
    replies.push((r) => (r.kind === 'slack' ? { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } } : undefined));
    const slack = channels().filter((c) => c.type === 'slack');
    // Act
    const t0 = Date.now();
    const report = await deliverAll(alarmMessage('ddos-detected.json'), slack, deps());
    // Assess
    expect(report.delivered[0]?.attempts).toBe(2);
    const [first, second] = sink.received;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('does not start a retry wait that would outlast the invocation deadline', async () => {
    // Prepare
    replies.push(() => ({ status: 429, body: 'rate_limited', headers: { 'retry-after': '30' } }));
    const slack = channels().filter((c) => c.type === 'slack');
    // Act
    const t0 = Date.now();
    const report = await deliverAll(alarmMessage('ddos-detected.json'), slack, deps({ deadline: Date.now() + 2000 }));
    // Assess
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(report.failed[0]?.permanent).toBe(false);
    expect(report.failed[0]?.message).toBe('ops-slack: no time left to wait 20000 ms before retrying: ops-slack: HTTP 429 rate_limited');
  });

  it('retries 5xx with backoff, and DingTalk "send too fast" (130101)', async () => {
    // Prepare
    replies.push(() => ({ status: 502, body: 'bad gateway' }));
    replies.push(() => ({ status: 503, body: 'unavailable' }));
    const slack = channels().filter((c) => c.type === 'slack');
    // Act
    const r1 = await deliverAll(alarmMessage('ddos-detected.json'), slack, deps());
    replies.push(() => ({ status: 200, body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } }));
    const ding = channels().filter((c) => c.type === 'dingtalk');
    const r2 = await deliverAll(alarmMessage('ddos-detected.json'), ding, deps());
    // Assess
    expect(r1.delivered[0]?.attempts).toBe(3);
    expect(r2.delivered[0]?.attempts).toBe(2);
    expect(sink.received.filter((r) => r.kind === 'dingtalk').map((r) => r.signature)).toEqual(['valid', 'valid']);
  });

  it('gives up after the configured retries with a named, non-permanent error', async () => {
    // Prepare
    for (let i = 0; i < 5; i++) replies.push(() => ({ status: 500, body: 'boom' }));
    const wecom = channels().filter((c) => c.type === 'wecom');
    // Act
    const report = await deliverAll(alarmMessage('ddos-detected.json'), wecom, deps({ retries: 2 }));
    // Assess
    expect(sink.received).toHaveLength(3);
    expect(report.failed[0]?.name).toBe('NotifierDeliveryError');
    expect(report.failed[0]?.permanent).toBe(false);
    expect(report.failed[0]?.message).toBe('ops-wecom: gave up after 3 attempts: ops-wecom: HTTP 500 boom');
  });

  it('a network error on one channel does not block the others', async () => {
    // Prepare: a port nobody listens on
    const dead = await startWebhookSink();
    const deadUrl = dead.url('/slack/dead');
    await dead.close();
    const chs: ResolvedChannel[] = [{ type: 'slack', name: 'dead-slack', webhookUrl: deadUrl }, ...channels().filter((c) => c.type !== 'slack')];
    // Act
    const report = await deliverAll(alarmMessage('ddos-detected.json'), chs, deps({ retries: 1 }));
    // Assess
    expect(report.delivered.map((d) => d.channel).sort()).toEqual(['ops-ding', 'ops-feishu', 'ops-mail', 'ops-wecom']);
    expect(report.failed.map((f) => f.channel)).toEqual(['dead-slack']);
    expect(report.failed[0]?.message).toMatch(/^dead-slack: gave up after 2 attempts: dead-slack: request failed: /);
  });

  it('spaces messages to one Slack webhook by its rate limit', async () => {
    // Prepare
    const slack = channels().filter((c) => c.type === 'slack');
    const d = deps({ rateLimits: { ...FAST, slack: { capacity: 1, perSecond: 4 } } });
    // Act
    await deliverAll(alarmMessage('ddos-detected.json'), slack, d);
    await deliverAll(alarmMessage('vpn-tunnel-down.json'), slack, d);
    await deliverAll(alarmMessage('tgw-blackhole-drops.json'), slack, d);
    // Assess
    const at = sink.received.map((r) => r.at);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(200);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(200);
  });

  it('Slack bot token: the resolve is a thread reply to the firing message', async () => {
    // Prepare
    const bot: ResolvedChannel = { type: 'slack', name: 'ops-bot', token: 'xoxb-test-token', channel: 'C0NETWATCH', apiBaseUrl: sink.url('/api') };
    const firing = alarmMessage('network-in-resolved.json');
    const fire = { ...firing, status: 'alarm' as const, dedupKey: `${firing.dedupKey}:fire` };
    const d = deps();
    // Act
    const r1 = await deliverAll(fire, [bot], d);
    const r2 = await deliverAll(firing, [bot], d);
    // Assess
    const [a, b] = sink.received;
    expect(a?.path).toBe('/api/chat.postMessage');
    expect(a?.headers.authorization).toBe('Bearer xoxb-test-token');
    expect((a?.body as { channel: string }).channel).toBe('C0NETWATCH');
    expect((a?.body as { thread_ts?: string }).thread_ts).toBeUndefined();
    expect((b?.body as { thread_ts?: string }).thread_ts).toBe(r1.delivered[0]?.id);
    expect((b?.body as { reply_broadcast?: boolean }).reply_broadcast).toBe(true);
    expect(r2.delivered[0]?.id).not.toBe(r1.delivered[0]?.id);
    // the firing message is edited in place to show the resolve
    const c = sink.received[2];
    expect(c?.path).toBe('/api/chat.update');
    expect((c?.body as { ts?: string; channel?: string }).ts).toBe(r1.delivered[0]?.id);
    expect((c?.body as { text: string }).text).toMatch(/^✅ Resolved: web-1-network-in — /);
    expect(r2.delivered[0]?.edited).toBe(true);
    expect(sink.received).toHaveLength(3);
  });
});

describe('notifyMessage() end to end with a file state store', () => {
  const settings = NotifySettings.parse({});
  const routes = [{ match: { severity: ['critical', 'high'] }, channels: ['ops-slack', 'ops-ding'] }, { match: {}, channels: ['ops-wecom'] }];

  it('sends once per dedup key, routes by severity, and retries after every channel failed', async () => {
    // Prepare
    const chs = Object.fromEntries(channels().map((c) => [c.name, c]));
    const ctx = { routes, channel: async (n: string) => chs[n]!, store: new FileStateStore(join(dir, 'notify')), settings, deps: deps({ retries: 0 }) };
    const msg = alarmMessage('ddos-detected.json');
    // Act: every channel down first
    replies.push(() => ({ status: 500, body: 'down' }), () => ({ status: 500, body: 'down' }));
    const failed = notifyMessage(msg, ctx);
    // Assess
    await expect(failed).rejects.toBeInstanceOf(AllChannelsFailedError);
    await expect(failed).rejects.toThrow(/^every channel failed: ops-(slack|ding): gave up after 1 attempts/);
    // Act: the retry delivers, the redelivery after it is a duplicate
    const sent = await notifyMessage(msg, ctx);
    const dup = await notifyMessage(msg, ctx);
    // Assess
    expect(sent).toMatchObject({ outcome: 'sent', channels: ['ops-slack', 'ops-ding'] });
    expect(dup).toEqual({ outcome: 'duplicate', dedupKey: msg.dedupKey });
    expect(sink.received.filter((r) => r.kind === 'wecom')).toHaveLength(0);
  });
});
