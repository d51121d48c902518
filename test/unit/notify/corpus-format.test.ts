import { formatResponse } from '../../../shared/respond/response-message.ts';
import { describe, expect, it } from 'vitest';
import { decodeAlarmNotifyEvent } from '../../../functions/alarm-notify/decode.ts';
import { decodeCloudTrailEvent } from '../../../functions/cloudtrail-watch/decode.ts';
import { formatAlarm } from '../../../shared/notify/alarm.ts';
import { renderDingTalk } from '../../../shared/notify/channels/dingtalk.ts';
import { renderFeishu } from '../../../shared/notify/channels/feishu.ts';
import { renderSlack, SLACK_LIMITS } from '../../../shared/notify/channels/slack.ts';
import { renderSnsText, SMS_MAX } from '../../../shared/notify/channels/sns-text.ts';
import { renderWeCom, WECOM_MAX_BYTES } from '../../../shared/notify/channels/wecom.ts';
import { decideCloudTrail } from '../../../shared/notify/cloudtrail.ts';
import { AlarmsConfig, CloudTrailConfig } from '../../../shared/notify/config.ts';
import { formatGuardDuty, formatNetwatchFinding } from '../../../shared/notify/finding.ts';
import type { NotifyMessage } from '../../../shared/notify/model.ts';
import { byteLength } from '../../../shared/notify/text.ts';
import { corpusCases } from './corpus.ts';

/**
 * Every event in ../shared/corpus/events goes through decode → format → every channel renderer. The rendered
 * messages are kept as readable file snapshots (test/unit/notify/__snapshots__/corpus/*.txt) — read them.
 */

const alarms = AlarmsConfig.parse({});
const cloudtrail = CloudTrailConfig.parse({});

function messagesFor(c: ReturnType<typeof corpusCases>[number]): { messages: NotifyMessage[]; notes: string[] } {
  const messages: NotifyMessage[] = [];
  const notes: string[] = [];
  if (c.handler === 'alarm-notify') {
    for (const item of decodeAlarmNotifyEvent(c.event)) {
      if (item.kind === 'alarm') messages.push(formatAlarm(item.change, alarms));
      else if (item.kind === 'guardduty') messages.push(formatGuardDuty(item.detail, item.envelope));
      else if (item.kind === 'netwatch-finding') messages.push(formatNetwatchFinding(item.detail, item.envelope));
      else if (item.kind === 'netwatch-response') messages.push(formatResponse(item.detail, item.envelope));
      else notes.push(`ignored: ${item.reason}`);
    }
  } else if (c.handler === 'cloudtrail-watch') {
    for (const { record, detailType } of decodeCloudTrailEvent(c.event)) {
      const d = decideCloudTrail(record, cloudtrail, detailType);
      if (d.notify) messages.push(d.notify);
      if (d.forward) notes.push(`forward NetWatch Workload Change: ${JSON.stringify(d.forward)}`);
      if (d.ignored) notes.push(`ignored: ${d.ignored}`);
    }
  }
  return { messages, notes };
}

function renderAll(m: NotifyMessage): string {
  const slack = renderSlack(m);
  const ding = renderDingTalk(m);
  const wecom = renderWeCom(m);
  const feishu = renderFeishu(m);
  const sns = renderSnsText(m);
  return [
    `severity=${m.severity} status=${m.status} source=${m.source} dedupKey=${m.dedupKey}`,
    '',
    '--- slack (Block Kit) ---',
    JSON.stringify(slack.blocks, null, 1),
    '',
    '--- dingtalk (markdown) ---',
    ding.markdown.text,
    '',
    '--- wecom (markdown) ---',
    wecom.markdown.content,
    '',
    '--- feishu (card) ---',
    JSON.stringify(feishu.card, null, 1),
    '',
    '--- sns email ---',
    `Subject: ${sns.subject}`,
    sns.email,
    '',
    '--- sns sms ---',
    sns.sms,
  ].join('\n');
}

describe('every corpus event through the formatter', () => {
  const cases = corpusCases();

  it('finds the corpus', () => {
    expect(cases.length).toBeGreaterThan(60);
  });

  for (const c of cases) {
    it(`renders ${c.name}`, async () => {
      // Act
      const { messages, notes } = messagesFor(c);
      // Assess
      for (const m of messages) {
        expect(m.title.length).toBeGreaterThan(3);
        expect(m.summary.join(' ')).not.toMatch(/undefined|NaN|\[object Object\]/);
        expect(m.fields.map((f) => f.value).join(' ')).not.toMatch(/undefined|NaN|\[object Object\]/);
        if (m.link) expect(m.link.url).toMatch(/^https:\/\//);
        const slack = renderSlack(m);
        const header = slack.blocks[0] as { text: { text: string } };
        expect(header.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
        expect(byteLength(renderWeCom(m).markdown.content)).toBeLessThanOrEqual(WECOM_MAX_BYTES);
        const sns = renderSnsText(m);
        expect(sns.subject).toMatch(/^[\x20-\x7e]{1,99}$/);
        expect(sns.sms.length).toBeLessThanOrEqual(SMS_MAX);
      }
      const text = [...notes, ...messages.map(renderAll)].join('\n\n========\n\n') || '(no message)';
      await expect(text).toMatchFileSnapshot(`./__snapshots__/corpus/${c.name.replace(/[/#]/g, '__')}.txt`);
    });
  }
});
