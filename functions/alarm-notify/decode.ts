import { EventShapeError } from '../../shared/errors.ts';
import { fromEventBridge, fromSnsMessage } from '../../shared/notify/alarm.ts';
import type { AlarmChange } from '../../shared/notify/alarm.ts';
import { ALARM_CONFIG_CHANGE, ALARM_STATE_CHANGE, AlarmDetailSchema, EventBridgeEnvelope, SnsAlarmMessageSchema, SnsEventSchema } from '../../shared/notify/events.ts';
import type { EventBridgeEnvelope as Envelope } from '../../shared/notify/events.ts';
import { isGuardDutyFinding } from '../../shared/notify/finding.ts';

/**
 * alarm-notify input → work items. Accepted: EventBridge "CloudWatch Alarm State Change"; the same alarm delivered
 * through SNS (CloudWatch's alarm-action JSON, or an EventBridge event forwarded to a topic); GuardDuty and NetWatch
 * findings. "CloudWatch Alarm Configuration Change" is ignored on purpose and counted.
 */

export type AlarmNotifyItem =
  | { kind: 'alarm'; change: AlarmChange }
  | { kind: 'guardduty'; detail: Record<string, unknown>; envelope: { account?: string; region?: string; time?: string } }
  | { kind: 'netwatch-finding'; detail: Record<string, unknown>; envelope: { account?: string; region?: string; time?: string } }
  | { kind: 'netwatch-response'; detail: unknown; envelope: { account?: string; region?: string; time?: string; id?: string } }
  | { kind: 'ignored'; reason: IgnoredReason };

export const IGNORED_REASONS = {
  'alarm.configuration_change': 'CloudWatch Alarm Configuration Change events are not notified',
  'sns.not_an_alarm': 'an SNS message that is neither an alarm nor an EventBridge event we handle',
  'event.unhandled_detail_type': 'an EventBridge detail-type alarm-notify does not handle',
} as const;
export type IgnoredReason = keyof typeof IGNORED_REASONS;

function issues(e: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return e.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

function fromEnvelope(env: Envelope): AlarmNotifyItem {
  const meta = { ...(env.account ? { account: env.account } : {}), ...(env.region ? { region: env.region } : {}), ...(env.time ? { time: env.time } : {}) };
  switch (env['detail-type']) {
    case ALARM_STATE_CHANGE: {
      const d = AlarmDetailSchema.safeParse(env.detail);
      if (!d.success) throw new EventShapeError(`CloudWatch Alarm State Change: ${issues(d.error)}`);
      return { kind: 'alarm', change: fromEventBridge(env, d.data) };
    }
    case ALARM_CONFIG_CHANGE:
      return { kind: 'ignored', reason: 'alarm.configuration_change' };
    case 'GuardDuty Finding':
      if (!isGuardDutyFinding(env.detail)) throw new EventShapeError('GuardDuty Finding: detail is not a GuardDuty finding (type, severity)');
      return { kind: 'guardduty', detail: env.detail, envelope: meta };
    case 'NetWatch Finding':
      if (typeof env.detail !== 'object' || env.detail === null) throw new EventShapeError('NetWatch Finding: detail is not an object');
      return { kind: 'netwatch-finding', detail: env.detail as Record<string, unknown>, envelope: meta };
    case 'NetWatch Response':
      // what nacl-responder did (blocked, refused, swept, drift): validated by formatResponse's schema
      return { kind: 'netwatch-response', detail: env.detail, envelope: { ...meta, ...(typeof env.id === 'string' ? { id: env.id } : {}) } };
    default:
      return { kind: 'ignored', reason: 'event.unhandled_detail_type' };
  }
}

export function decodeAlarmNotifyEvent(event: unknown): AlarmNotifyItem[] {
  if (event && typeof event === 'object' && 'Records' in event) {
    const sns = SnsEventSchema.safeParse(event);
    if (!sns.success) throw new EventShapeError(`SNS event: ${issues(sns.error)}`);
    return sns.data.Records.map((rec): AlarmNotifyItem => {
      let msg: unknown;
      try {
        msg = JSON.parse(rec.Sns.Message);
      } catch {
        return { kind: 'ignored', reason: 'sns.not_an_alarm' };
      }
      if (msg && typeof msg === 'object' && 'AlarmName' in msg) {
        const m = SnsAlarmMessageSchema.safeParse(msg);
        if (!m.success) throw new EventShapeError(`SNS alarm message: ${issues(m.error)}`);
        return { kind: 'alarm', change: fromSnsMessage(m.data, rec.Sns.TopicArn) };
      }
      if (msg && typeof msg === 'object' && 'detail-type' in msg) {
        const env = EventBridgeEnvelope.safeParse(msg);
        if (env.success) return fromEnvelope(env.data);
      }
      return { kind: 'ignored', reason: 'sns.not_an_alarm' };
    });
  }
  const env = EventBridgeEnvelope.safeParse(event);
  if (!env.success) throw new EventShapeError(`not an EventBridge or SNS event: ${issues(env.error)}`);
  return [fromEnvelope(env.data)];
}
