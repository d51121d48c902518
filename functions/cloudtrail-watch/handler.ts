/**
 * cloudtrail-watch: CloudTrail API calls, console sign-ins and Insights (EventBridge) → rules → readable notifications
 * for network changes and tampering; ENI/instance lifecycle calls → `NetWatch Workload Change` events (source
 * `netwatch.cloudtrail`, bus EVENT_BUS_NAME) for the mirror manager. Thin: decode, decide, hand over.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { notifyRuntime } from '../../shared/aws/notify-runtime.ts';
import type { RuntimeOverrides } from '../../shared/aws/notify-runtime.ts';
import { logger, withDefaults } from '../../shared/middleware.ts';
import { decideCloudTrail } from '../../shared/notify/cloudtrail.ts';
import { ChannelTally } from '../../shared/notify/emf.ts';
import { AllChannelsFailedError } from '../../shared/notify/errors.ts';
import { notifyMessage } from '../../shared/notify/pipeline.ts';
import type { NotifyOutcome } from '../../shared/notify/pipeline.ts';
import { decodeCloudTrailEvent } from './decode.ts';

export const WORKLOAD_CHANGE_DETAIL_TYPE = 'NetWatch Workload Change' as const;
export const WORKLOAD_CHANGE_SOURCE = 'netwatch.cloudtrail' as const;

export interface CloudTrailWatchSummary {
  records: number;
  sent: number;
  duplicates: number;
  noRoute: number;
  forwarded: number;
  ignored: Record<string, number>;
  outcomes: NotifyOutcome[];
}

export async function run(event: unknown, overrides: RuntimeOverrides = {}): Promise<CloudTrailWatchSummary> {
  const records = decodeCloudTrailEvent(event);
  const rt = await notifyRuntime(process.env, overrides);
  const summary: CloudTrailWatchSummary = { records: records.length, sent: 0, duplicates: 0, noRoute: 0, forwarded: 0, ignored: {}, outcomes: [] };
  const failures: AllChannelsFailedError[] = [];
  const tally = new ChannelTally();
  for (const { record, detailType } of records) {
    const d = decideCloudTrail(record, rt.config.cloudtrail, detailType);
    if (d.ignored) {
      summary.ignored[d.ignored] = (summary.ignored[d.ignored] ?? 0) + 1;
      logger.debug('cloudtrail event ignored', { eventId: record.eventID, eventName: record.eventName, reason: d.ignored });
    }
    if (d.forward) {
      const resources = [...d.forward.instanceIds, ...d.forward.networkInterfaceIds];
      await rt.publish([{ source: WORKLOAD_CHANGE_SOURCE, detailType: WORKLOAD_CHANGE_DETAIL_TYPE, detail: d.forward }]);
      summary.forwarded += 1;
      logger.info('workload change forwarded', { eventId: record.eventID, action: d.forward.action, resources });
    }
    if (d.notify) {
      try {
        const out = await notifyMessage(d.notify, rt.ctx);
        summary.outcomes.push(out);
        if (out.outcome === 'sent') {
          for (const d of out.delivered) tally.add(d.channel, 'sent');
          for (const f of out.failed) tally.add(f.channel, 'failed');
          summary.sent += 1;
          logger.info('notification sent', { dedupKey: out.dedupKey, rule: d.rule, channels: out.channels, failed: out.failed });
        } else if (out.outcome === 'duplicate') summary.duplicates += 1;
        else if (out.outcome === 'no-route') {
          summary.noRoute += 1;
          logger.warn('no route matches this message', { dedupKey: out.dedupKey });
        }
      } catch (err) {
        if (!(err instanceof AllChannelsFailedError)) throw err;
        for (const f of err.failures) tally.add(f.channel, 'failed');
        logger.error('every channel failed', { dedupKey: d.notify.dedupKey, error: err.message });
        failures.push(err);
      }
    }
  }
  rt.emitMetrics(tally.emf(Date.now()));
  if (failures[0]) throw failures[0];
  return summary;
}

/** Stop starting delivery retries this long before the Lambda timeout, so the invocation fails cleanly instead. */
export const DEADLINE_MARGIN_MS = 5_000;

export const handler = withDefaults(middy<unknown, CloudTrailWatchSummary, Error, Context>()).handler(async (event, context) => {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  return run(event, remaining !== undefined && Number.isFinite(remaining) ? { deadline: Date.now() + remaining - DEADLINE_MARGIN_MS } : {});
});
