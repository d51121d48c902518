import { formatResponse } from '../../shared/respond/response-message.ts';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { decodeAlarmNotifyEvent } from '../../functions/alarm-notify/decode.ts';
import { decodeCloudTrailEvent } from '../../functions/cloudtrail-watch/decode.ts';
import { loadConfig, parseConfig } from '../../shared/config/load.ts';
import { UsageError } from '../../shared/errors.ts';
import { logger } from '../../shared/middleware.ts';
import { formatAlarm } from '../../shared/notify/alarm.ts';
import { renderDingTalk } from '../../shared/notify/channels/dingtalk.ts';
import { renderFeishu } from '../../shared/notify/channels/feishu.ts';
import { renderSlack } from '../../shared/notify/channels/slack.ts';
import { renderSnsText } from '../../shared/notify/channels/sns-text.ts';
import { renderWeCom } from '../../shared/notify/channels/wecom.ts';
import { decideCloudTrail } from '../../shared/notify/cloudtrail.ts';
import { CLOUDTRAIL_DETAIL_TYPES } from '../../shared/notify/events.ts';
import { formatGuardDuty, formatNetwatchFinding } from '../../shared/notify/finding.ts';
import type { NotifyMessage } from '../../shared/notify/model.ts';
import { startWebhookSink } from '../../shared/notify/sink.ts';

/**
 * `netwatch notify sink`: the local webhook sink (prints what Slack/DingTalk/Feishu/WeCom would receive and checks
 * DingTalk/Feishu signatures). `netwatch notify render <event.json>`: the message an event becomes, per channel,
 * without sending anything.
 */

const CHANNELS = ['slack', 'dingtalk', 'feishu', 'wecom', 'sns', 'text', 'all'] as const;

function isCloudTrail(event: unknown): boolean {
  if (Array.isArray(event)) return true;
  if (event && typeof event === 'object') {
    const e = event as Record<string, unknown>;
    if (Array.isArray(e.Records) && typeof (e.Records[0] as Record<string, unknown> | undefined)?.eventVersion === 'string') return true;
    return typeof e['detail-type'] === 'string' && (CLOUDTRAIL_DETAIL_TYPES as readonly string[]).includes(e['detail-type']);
  }
  return false;
}

export async function renderEvent(event: unknown, configPath?: string): Promise<{ messages: NotifyMessage[]; notes: string[] }> {
  const cfg = configPath ? await loadConfig(configPath) : parseConfig({}, 'defaults');
  const messages: NotifyMessage[] = [];
  const notes: string[] = [];
  if (isCloudTrail(event)) {
    for (const { record, detailType } of decodeCloudTrailEvent(event)) {
      const d = decideCloudTrail(record, cfg.cloudtrail, detailType);
      if (d.notify) messages.push(d.notify);
      if (d.forward) notes.push(`forwarded as NetWatch Workload Change: ${JSON.stringify(d.forward)}`);
      if (d.ignored) notes.push(`ignored (${d.ignored}): ${record.eventName ?? record.eventID}`);
    }
  } else {
    for (const item of decodeAlarmNotifyEvent(event)) {
      if (item.kind === 'alarm') messages.push(formatAlarm(item.change, cfg.alarms));
      else if (item.kind === 'guardduty') messages.push(formatGuardDuty(item.detail, item.envelope));
      else if (item.kind === 'netwatch-finding') messages.push(formatNetwatchFinding(item.detail, item.envelope));
      else if (item.kind === 'netwatch-response') messages.push(formatResponse(item.detail, item.envelope));
      else notes.push(`ignored (${item.reason})`);
    }
  }
  return { messages, notes };
}

function render(m: NotifyMessage, channel: (typeof CHANNELS)[number]): string {
  switch (channel) {
    case 'slack':
      return JSON.stringify(renderSlack(m), null, 2);
    case 'dingtalk':
      return JSON.stringify(renderDingTalk(m), null, 2);
    case 'feishu':
      return JSON.stringify(renderFeishu(m), null, 2);
    case 'wecom':
      return JSON.stringify(renderWeCom(m), null, 2);
    case 'sns':
      return JSON.stringify(renderSnsText(m), null, 2);
    case 'text': {
      const t = renderSnsText(m);
      return `Subject: ${t.subject}\n\n${t.email}`;
    }
    case 'all':
      return (['text', 'slack', 'dingtalk', 'feishu', 'wecom'] as const).map((c) => `--- ${c} ---\n${render(m, c)}`).join('\n\n');
  }
}

const REPO = join(import.meta.dirname, '../..');
export const DEMO_EVENTS = {
  alarm: join(REPO, 'test/fixtures/events/cloudwatch-alarm/vpn-tunnel-down.json'),
  cloudtrail: join(REPO, 'test/fixtures/events/cloudtrail/sg-open-ssh-world.json'),
} as const;

/**
 * The notification part of `npm run demo`: a local sink, a throw-away config routing to Slack + DingTalk (signed) on
 * it, and the two handlers invoked with a sample alarm and a sample CloudTrail security-group change. The sink prints
 * what it received; the second round shows dedup (nothing is sent again). Returns what the sink received.
 */
export async function notifyDemo(out: (line: string) => void = (l) => process.stdout.write(l)): Promise<{ received: number; signaturesValid: boolean }> {
  const dingSecret = 'SECdemo00000000000000000000000000000000000000000000000000000000';
  const sink = await startWebhookSink({ print: out, secrets: { dingtalk: dingSecret } });
  const dir = await mkdtemp(join(tmpdir(), 'netwatch-notify-demo-'));
  const saved = { config: process.env.NETWATCH_CONFIG, local: process.env.NETWATCH_LOCAL, level: logger.getLevelName() };
  // the sink's printout is the demo; the handlers' JSON logs would drown it
  logger.setLogLevel('WARN');
  try {
    const cfg = join(dir, 'netwatch.config.yml');
    await writeFile(
      cfg,
      [
        'channels:',
        `  ops-slack: { type: slack, webhookUrl: "${sink.url('/slack/services/DEMO')}" }`,
        `  ops-ding:  { type: dingtalk, webhookUrl: "${sink.url('/dingtalk/robot/send?access_token=demo')}", secret: ${dingSecret} }`,
        'routes:',
        '  - match: {}',
        '    channels: [ops-slack, ops-ding]',
        `local: { stateDir: "${join(dir, 'state')}" }`,
        '',
      ].join('\n'),
    );
    process.env.NETWATCH_CONFIG = cfg;
    process.env.NETWATCH_LOCAL = '1';
    const { run: alarmNotify } = await import('../../functions/alarm-notify/handler.ts');
    const { run: cloudTrailWatch } = await import('../../functions/cloudtrail-watch/handler.ts');
    const alarm = JSON.parse(await readFile(DEMO_EVENTS.alarm, 'utf8')) as unknown;
    const change = JSON.parse(await readFile(DEMO_EVENTS.cloudtrail, 'utf8')) as unknown;
    for (let round = 1; round <= 2; round++) {
      const a = await alarmNotify(alarm);
      const c = await cloudTrailWatch(change);
      out(`[notify] round ${round}: alarm sent=${a.sent} duplicates=${a.duplicates}; cloudtrail sent=${c.sent} duplicates=${c.duplicates}\n`);
    }
    return { received: sink.received.length, signaturesValid: sink.received.filter((r) => r.kind === 'dingtalk').every((r) => r.signature === 'valid') };
  } finally {
    if (saved.config === undefined) delete process.env.NETWATCH_CONFIG;
    else process.env.NETWATCH_CONFIG = saved.config;
    if (saved.local === undefined) delete process.env.NETWATCH_LOCAL;
    else process.env.NETWATCH_LOCAL = saved.local;
    logger.setLogLevel(saved.level);
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export function registerNotify(program: Command): void {
  const notify = program.command('notify').description('notifications: local webhook sink, offline rendering of events');

  notify
    .command('sink')
    .description('run a local webhook sink on 127.0.0.1 that prints what it receives and verifies DingTalk/Feishu signatures')
    .option('--port <n>', 'port to listen on (0 = any free port)', '8787')
    .option('--dingtalk-secret <secret>', 'verify DingTalk signatures with this secret')
    .option('--feishu-secret <secret>', 'verify Feishu/Lark signatures with this secret')
    .action(async (o: { port: string; dingtalkSecret?: string; feishuSecret?: string }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be an integer 0-65535');
      const sink = await startWebhookSink({
        port,
        print: true,
        secrets: { ...(o.dingtalkSecret ? { dingtalk: o.dingtalkSecret } : {}), ...(o.feishuSecret ? { feishu: o.feishuSecret } : {}) },
      });
      process.stdout.write(
        [
          `webhook sink listening; point channels at:`,
          `  slack:    ${sink.url('/slack/hook')}`,
          `  dingtalk: ${sink.url('/dingtalk/robot/send?access_token=local')}`,
          `  feishu:   ${sink.url('/feishu/hook')}`,
          `  wecom:    ${sink.url('/wecom/send?key=local')}`,
          `  slack bot (apiBaseUrl): ${sink.url('/api')}`,
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await sink.close();
    });

  notify
    .command('demo')
    .description('send a sample alarm and a sample security-group change to a local sink (Slack + signed DingTalk) and print them')
    .action(async () => {
      const r = await notifyDemo();
      if (r.received !== 4 || !r.signaturesValid) throw new Error(`notify demo: expected 4 signed deliveries, got ${r.received} (signatures valid: ${r.signaturesValid})`);
    });

  notify
    .command('render')
    .description('print the message an alarm / CloudTrail / finding event becomes, per channel, without sending')
    .argument('<event>', 'event JSON file (EventBridge, SNS, CloudTrail log file or record array)')
    .addOption(new Option('--channel <name>', 'which rendering').choices([...CHANNELS]).default('text'))
    .option('--config <file>', 'netwatch.config.yml (severity rules, cloudtrail rules)')
    .action(async (file: string, o: { channel: (typeof CHANNELS)[number]; config?: string }) => {
      let event: unknown;
      try {
        event = JSON.parse(await readFile(file, 'utf8'));
      } catch (err) {
        throw new UsageError(`${file}: cannot read event JSON (${(err as Error).message})`);
      }
      const { messages, notes } = await renderEvent(event, o.config);
      for (const n of notes) process.stderr.write(`${n}\n`);
      process.stdout.write(`${messages.map((m) => render(m, o.channel)).join('\n\n========\n\n')}${messages.length ? '\n' : ''}`);
    });
}
