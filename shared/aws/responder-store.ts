/**
 * S3 and EventBridge adapters for the nacl-responder: the state document (one JSON object, conditional writes on
 * its ETag so two writers cannot silently overwrite each other), the audit log (one JSON-lines object per invocation,
 * S3 has no append) and the `NetWatch Response` notification event.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { randomUUID } from 'node:crypto';
import { PipelineError } from '../errors.ts';
import { StateConflictError, type AuditSink, type Notifier, type StateStore } from '../respond/ports.ts';
import { emptyState, parseState, type ResponderState } from '../respond/state.ts';
import { errorCode } from './ec2-nacl.ts';

export class S3StateStore implements StateStore {
  private readonly s3: S3Client;
  private readonly bucket: string;
  private readonly key: string;
  constructor(s3: S3Client, bucket: string, key: string) {
    this.s3 = s3;
    this.bucket = bucket;
    this.key = key;
  }
  async load(): Promise<{ state: ResponderState; version: string | undefined }> {
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }));
      const text = (await r.Body?.transformToString('utf8')) ?? '';
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (err) {
        throw new PipelineError(`s3://${this.bucket}/${this.key}: responder state is not valid JSON`, { cause: err });
      }
      return { state: parseState(raw, `s3://${this.bucket}/${this.key}`), version: r.ETag };
    } catch (err) {
      if (errorCode(err) === 'NoSuchKey') return { state: emptyState(), version: undefined };
      throw err;
    }
  }
  async save(state: ResponderState, version: string | undefined): Promise<void> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          Body: `${JSON.stringify(state)}\n`,
          ContentType: 'application/json',
          ...(version ? { IfMatch: version } : { IfNoneMatch: '*' }),
        }),
      );
    } catch (err) {
      const code = errorCode(err);
      if (code === 'PreconditionFailed' || code === 'ConditionalRequestConflict') {
        throw new StateConflictError(`s3://${this.bucket}/${this.key}: state changed while we were planning`, { cause: err });
      }
      throw err;
    }
  }
}

/** `<prefix>audit/nacl-responder/dt=YYYY-MM-DD/<time>-<uuid>.jsonl`, one object per invocation. */
export function s3Audit(s3: S3Client, bucket: string, prefix: string, now: () => Date = () => new Date()): AuditSink {
  return {
    async append(lines) {
      if (lines.length === 0) return;
      const t = now().toISOString();
      const key = `${prefix}audit/nacl-responder/dt=${t.slice(0, 10)}/${t.replace(/[:.]/g, '')}-${randomUUID()}.jsonl`;
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: lines.map((l) => `${JSON.stringify(l)}\n`).join(''), ContentType: 'application/x-ndjson' }),
      );
    },
  };
}

export class NotificationError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NotificationError';
  }
}

export function eventBridgeNotifier(events: EventBridgeClient, busName: string, source = 'netwatch.respond'): Notifier {
  return {
    async publish(detailType, detail) {
      const r = await events.send(
        new PutEventsCommand({ Entries: [{ EventBusName: busName, Source: source, DetailType: detailType, Detail: JSON.stringify(detail) }] }),
      );
      if ((r.FailedEntryCount ?? 0) > 0) {
        const e = r.Entries?.find((x) => x.ErrorCode);
        throw new NotificationError(`PutEvents to ${busName} failed: ${e?.ErrorCode ?? 'unknown'} ${e?.ErrorMessage ?? ''}`.trim());
      }
    },
  };
}
