import { createHash } from 'node:crypto';
import { EventShapeError } from '../../shared/errors.ts';
import { CLOUDTRAIL_DETAIL_TYPES, CloudTrailRecordSchema, EventBridgeEnvelope } from '../../shared/notify/events.ts';
import type { CloudTrailRecord } from '../../shared/notify/events.ts';

/**
 * cloudtrail-watch input → CloudTrail records. Accepted: EventBridge "AWS API Call via CloudTrail", "AWS Console
 * Sign In via CloudTrail", "AWS Insight via CloudTrail"; for local runs also a CloudTrail log file
 * (`{"Records": [...]}`) or a bare array of records.
 */

export interface DecodedRecord {
  record: CloudTrailRecord;
  detailType: string;
}

function issues(e: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return e.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * A record without eventID (some documentation samples) gets the EventBridge envelope id, or else a content hash,
 * so dedup still has a stable key.
 */
function parseRecord(raw: unknown, where: string, fallbackId?: string): CloudTrailRecord {
  const missing = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && !('eventID' in raw);
  const id = fallbackId ?? `sha256-${createHash('sha256').update(JSON.stringify(raw)).digest('hex').slice(0, 32)}`;
  const withId = missing ? { ...(raw as object), eventID: id } : raw;
  const r = CloudTrailRecordSchema.safeParse(withId);
  if (!r.success) throw new EventShapeError(`${where}: ${issues(r.error)}`);
  return r.data;
}

function detailTypeOf(r: CloudTrailRecord): string {
  if (r.eventType === 'AwsCloudTrailInsight') return 'AWS Insight via CloudTrail';
  if (r.eventType === 'AwsConsoleSignIn') return 'AWS Console Sign In via CloudTrail';
  return 'AWS API Call via CloudTrail';
}

export function decodeCloudTrailEvent(event: unknown): DecodedRecord[] {
  if (Array.isArray(event)) {
    return event.map((raw, i) => {
      const record = parseRecord(raw, `record ${i}`);
      return { record, detailType: detailTypeOf(record) };
    });
  }
  if (event && typeof event === 'object' && 'Records' in event && Array.isArray((event as { Records: unknown }).Records)) {
    return (event as { Records: unknown[] }).Records.map((raw, i) => {
      const record = parseRecord(raw, `Records[${i}]`);
      return { record, detailType: detailTypeOf(record) };
    });
  }
  const env = EventBridgeEnvelope.safeParse(event);
  if (!env.success) throw new EventShapeError(`not an EventBridge CloudTrail event: ${issues(env.error)}`);
  const dt = env.data['detail-type'];
  if (!(CLOUDTRAIL_DETAIL_TYPES as readonly string[]).includes(dt)) throw new EventShapeError(`unhandled detail-type "${dt}"`);
  return [{ record: parseRecord(env.data.detail, dt, env.data.id), detailType: dt }];
}
