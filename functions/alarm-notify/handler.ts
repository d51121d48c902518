/**
 * alarm-notify: CloudWatch alarm state changes (EventBridge, or SNS) and findings → readable messages → the channels
 * the routes name (Slack, DingTalk, Feishu, WeCom, SNS email/SMS), deduplicated and flap-damped.
 * Thin: decode, format, hand to the notify pipeline. `netwatch invoke alarm-notify --event e.json` runs it locally.
 */
import middy from '@middy/core';
import { EventShapeError } from '../../shared/errors.ts';
import { formatResponse } from '../../shared/respond/response-message.ts';
import type { Context } from 'aws-lambda';
import { notifyRuntime } from '../../shared/aws/notify-runtime.ts';
import type { RuntimeOverrides } from '../../shared/aws/notify-runtime.ts';
import { logger, withDefaults } from '../../shared/middleware.ts';
import { alarmResponses, formatAlarm } from '../../shared/notify/alarm.ts';
import { ChannelTally } from '../../shared/notify/emf.ts';
import { AllChannelsFailedError } from '../../shared/notify/errors.ts';
import { formatGuardDuty, formatNetwatchFinding } from '../../shared/notify/finding.ts';
import type { NotifyMessage } from '../../shared/notify/model.ts';
import { notifyMessage } from '../../shared/notify/pipeline.ts';
import type { NotifyOutcome } from '../../shared/notify/pipeline.ts';
import { decodeAlarmNotifyEvent } from './decode.ts';

export interface AlarmNotifySummary {
  items: number;
  sent: number;
  duplicates: number;
  heldFlapping: number;
  noRoute: number;
  ignored: Record<string, number>;
  outcomes: NotifyOutcome[];
}

export async function run(event: unknown, overrides: RuntimeOverrides = {}): Promise<AlarmNotifySummary> {
  const items = decodeAlarmNotifyEvent(event);
  const rt = await notifyRuntime(process.env, {
    onTagLookupError: (arn, err) => logger.warn('alarm tags unavailable', { arn, error: (err as Error).message }),
    ...overrides,
  });
  const summary: AlarmNotifySummary = { items: items.length, sent: 0, duplicates: 0, heldFlapping: 0, noRoute: 0, ignored: {}, outcomes: [] };
  const failures: AllChannelsFailedError[] = [];
  const tally = new ChannelTally();
  for (const item of items) {
    let msg: NotifyMessage;
    if (item.kind === 'ignored') {
      summary.ignored[item.reason] = (summary.ignored[item.reason] ?? 0) + 1;
      logger.info('event ignored', { reason: item.reason });
      continue;
    } else if (item.kind === 'alarm') {
      if (item.change.alarmArn) item.change.tags = await rt.alarmTags(item.change.alarmArn);
      msg = formatAlarm(item.change, rt.config.alarms);
      // the nacl-responder subscribes to the same alarm events and acts on alarms.rules[].response; say so here
      for (const r of alarmResponses(item.change, rt.config.alarms)) {
        (msg.notes ??= []).push(`Automatic response: ${r.action}${r.cidr ? ` ${r.cidr}` : ''} (${r.direction}) by nacl-responder`);
      }
    } else if (item.kind === 'guardduty') msg = formatGuardDuty(item.detail, item.envelope);
    else if (item.kind === 'netwatch-response') {
      try {
        msg = formatResponse(item.detail, item.envelope);
      } catch (err) {
        throw new EventShapeError(`NetWatch Response: ${(err as Error).message}`, { cause: err });
      }
    } else msg = formatNetwatchFinding(item.detail, item.envelope);
    try {
      const out = await notifyMessage(msg, rt.ctx);
      summary.outcomes.push(out);
      if (out.outcome === 'sent') {
        for (const d of out.delivered) tally.add(d.channel, 'sent');
        for (const f of out.failed) tally.add(f.channel, 'failed');
        summary.sent += 1;
        logger.info('notification sent', { dedupKey: out.dedupKey, channels: out.channels, failed: out.failed });
      } else if (out.outcome === 'duplicate') summary.duplicates += 1;
      else if (out.outcome === 'held-flapping') summary.heldFlapping += 1;
      else {
        summary.noRoute += 1;
        logger.warn('no route matches this message', { dedupKey: out.dedupKey });
      }
    } catch (err) {
      if (!(err instanceof AllChannelsFailedError)) throw err;
      for (const f of err.failures) tally.add(f.channel, 'failed');
      logger.error('every channel failed', { dedupKey: msg.dedupKey, error: err.message });
      failures.push(err);
    }
  }
  // settle every item first; then fail the invocation so Lambda retries / dead-letters what was not delivered
  rt.emitMetrics(tally.emf(Date.now()));
  if (failures[0]) throw failures[0];
  return summary;
}

/** Stop starting delivery retries this long before the Lambda timeout, so the invocation fails cleanly instead. */
export const DEADLINE_MARGIN_MS = 5_000;

export const handler = withDefaults(middy<unknown, AlarmNotifySummary, Error, Context>()).handler(async (event, context) => {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  return run(event, remaining !== undefined && Number.isFinite(remaining) ? { deadline: Date.now() + remaining - DEADLINE_MARGIN_MS } : {});
});
