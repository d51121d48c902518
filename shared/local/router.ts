/**
 * Local mode's event router: builds the real event shapes AWS would deliver (S3 ObjectCreated notifications,
 * EventBridge events) and hands them to the same handlers Lambda runs.
 */
import type { Context } from 'aws-lambda';

export function s3ObjectCreatedEvent(bucket: string, key: string, opts: { etag?: string; size?: number; region?: string; time?: Date } = {}) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: opts.region ?? 'us-east-1',
        eventTime: (opts.time ?? new Date()).toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:delivery.logs.amazonaws.com' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'LOCAL', 'x-amz-id-2': 'LOCAL' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'netwatch-local',
          bucket: { name: bucket, ownerIdentity: { principalId: 'LOCAL' }, arn: `arn:aws:s3:::${bucket}` },
          // S3 notifications carry URL-encoded keys with '+' for spaces
          object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'), size: opts.size ?? 0, eTag: opts.etag ?? '', sequencer: '0' },
        },
      },
    ],
  };
}

export function eventBridgeEvent<D>(source: string, detailType: string, detail: D, opts: { account?: string; region?: string; resources?: string[] } = {}) {
  return {
    version: '0',
    id: globalThis.crypto.randomUUID(),
    'detail-type': detailType,
    source,
    account: opts.account ?? '000000000000',
    time: new Date().toISOString(),
    region: opts.region ?? 'us-east-1',
    resources: opts.resources ?? [],
    detail,
  };
}

/** A Lambda context good enough for middy and Powertools when a handler runs locally. */
export function localContext(functionName: string): Context {
  const deadline = Date.now() + 15 * 60_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: globalThis.crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
