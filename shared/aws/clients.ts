/**
 * The only place AWS SDK v3 clients are built. Clients are created once per process (module scope, lazily) and
 * reused across Lambda invocations. Local mode points S3 at a local S3-compatible server with
 * NETWATCH_S3_ENDPOINT (or the SDK's own AWS_ENDPOINT_URL_S3).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { AthenaClient } from '@aws-sdk/client-athena';

const cache = new Map<string, unknown>();

function once<T>(key: string, make: () => T): T {
  let c = cache.get(key) as T | undefined;
  if (!c) {
    c = make();
    cache.set(key, c);
  }
  return c;
}

export interface S3Options {
  /** e.g. http://127.0.0.1:4569 for s3rver; defaults to NETWATCH_S3_ENDPOINT / AWS_ENDPOINT_URL_S3 */
  endpoint?: string;
  region?: string;
}

export function s3Client(opts: S3Options = {}): S3Client {
  const endpoint = opts.endpoint ?? process.env.NETWATCH_S3_ENDPOINT ?? process.env.AWS_ENDPOINT_URL_S3;
  const region = opts.region ?? process.env.AWS_REGION ?? 'us-east-1';
  return once(`s3:${endpoint ?? ''}:${region}`, () => {
    const local = endpoint !== undefined;
    return new S3Client({
      region,
      ...(local
        ? {
            endpoint,
            forcePathStyle: true,
            // local servers (s3rver) do not accept the SDK's default CRC trailers on streamed uploads
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
            credentials: {
              accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'S3RVER',
              secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'S3RVER',
            },
          }
        : {}),
    });
  });
}

export function ec2Client(region = process.env.AWS_REGION ?? 'us-east-1'): EC2Client {
  return once(`ec2:${region}`, () => new EC2Client({ region }));
}

export function eventBridgeClient(region = process.env.AWS_REGION ?? 'us-east-1'): EventBridgeClient {
  return once(`events:${region}`, () => new EventBridgeClient({ region }));
}

export function snsClient(region = process.env.AWS_REGION ?? 'us-east-1'): SNSClient {
  return once(`sns:${region}`, () => new SNSClient({ region }));
}

export function athenaClient(region = process.env.AWS_REGION ?? 'us-east-1'): AthenaClient {
  return once(`athena:${region}`, () => new AthenaClient({ region }));
}

export function ssmClient(region = process.env.AWS_REGION ?? 'us-east-1'): SSMClient {
  return once(`ssm:${region}`, () => new SSMClient({ region }));
}

export function secretsManagerClient(region = process.env.AWS_REGION ?? 'us-east-1'): SecretsManagerClient {
  return once(`secretsmanager:${region}`, () => new SecretsManagerClient({ region }));
}

export function dynamoDbClient(region = process.env.AWS_REGION ?? 'us-east-1'): DynamoDBClient {
  return once(`dynamodb:${region}`, () => new DynamoDBClient({ region }));
}

export function cloudWatchClient(region = process.env.AWS_REGION ?? 'us-east-1'): CloudWatchClient {
  return once(`cloudwatch:${region}`, () => new CloudWatchClient({ region }));
}

/** Tests swap endpoints between servers; this forgets every cached client. */
export function resetClients(): void {
  cache.clear();
}
