/**
 * Decodes the two trigger shapes of flow-log-ingest into object references: S3 event notifications
 * (Records[].s3) and EventBridge "Object Created" events from S3. Keys in S3 notifications are URL-encoded
 * with '+' for a space (AWS docs); we decode EventBridge keys the same way and keep the raw key as a fallback.
 */
import { z } from 'zod';
import { EventShapeError } from '../../shared/errors.ts';

export interface ObjectRef {
  bucket: string;
  key: string;
  /** the key exactly as the event carried it (used if the decoded key does not exist) */
  rawKey: string;
  etag?: string;
  versionId?: string;
  size?: number;
}

const S3Record = z.object({
  eventSource: z.string().optional(),
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      eTag: z.string().optional(),
      versionId: z.string().optional(),
      size: z.number().optional(),
    }),
  }),
});
const S3Notification = z.object({ Records: z.array(S3Record).min(1) });

const ObjectCreated = z.object({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      etag: z.string().optional(),
      'version-id': z.string().optional(),
      size: z.number().optional(),
    }),
  }),
});

/** 'AWSLogs/1/a+b%3Dc' → 'AWSLogs/1/a b=c' */
export function decodeS3Key(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    throw new EventShapeError(`object key is not valid URL encoding: ${JSON.stringify(key)}`);
  }
}

export interface DecodedEvent {
  objects: ObjectRef[];
  /** records that are not ObjectCreated (e.g. s3:TestEvent, deletions): counted, not errors */
  ignored: number;
}

export function decodeIngestEvent(event: unknown): DecodedEvent {
  const s3 = S3Notification.safeParse(event);
  if (s3.success) {
    const objects: ObjectRef[] = [];
    let ignored = 0;
    for (const r of s3.data.Records) {
      if (!r.eventName.startsWith('ObjectCreated:')) {
        ignored++;
        continue;
      }
      const o = r.s3.object;
      objects.push({
        bucket: r.s3.bucket.name,
        key: decodeS3Key(o.key),
        rawKey: o.key,
        etag: o.eTag,
        versionId: o.versionId,
        size: o.size,
      });
    }
    return { objects, ignored };
  }
  const eb = ObjectCreated.safeParse(event);
  if (eb.success) {
    const o = eb.data.detail.object;
    return {
      objects: [
        { bucket: eb.data.detail.bucket.name, key: decodeS3Key(o.key), rawKey: o.key, etag: o.etag, versionId: o['version-id'], size: o.size },
      ],
      ignored: 0,
    };
  }
  // S3's test event when a notification is configured: nothing to do
  if (event && typeof event === 'object' && (event as { Event?: unknown }).Event === 's3:TestEvent') return { objects: [], ignored: 1 };
  const issue = s3.error.issues[0];
  throw new EventShapeError(
    `flow-log-ingest: not an S3 notification or EventBridge "Object Created" event (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown shape'})`,
  );
}
