import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { decodeAlarmNotifyEvent } from '../../functions/alarm-notify/decode.ts';
import { decodeCloudTrailEvent } from '../../functions/cloudtrail-watch/decode.ts';
import { loadConfig, parseConfig } from '../../shared/config/load.ts';
import { UsageError } from '../../shared/errors.ts';
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
    if (Array.isArray(e.Records) && (e.Records[0] as Record<string, unknown> | undefined)?.eventID !== undefined) return true;
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
