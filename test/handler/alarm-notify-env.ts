/** Shared set-up for the alarm-notify / cloudtrail-watch handler tests: temp config + state dir + local sink. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { logger } from '../../shared/middleware.ts';
import { resetRateLimits } from '../../shared/notify/deliver.ts';
import { startWebhookSink } from '../../shared/notify/sink.ts';
import type { WebhookSink } from '../../shared/notify/sink.ts';

export const DING_SECRET = 'SEC6f1d0c2a9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170';
export const FEISHU_SECRET = 'lark-secret-3Kq9';
export const FIXTURES = join(import.meta.dirname, '../fixtures/events');

export const context = {
  functionName: 'vpc-netwatch-dev-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:vpc-netwatch-dev-test',
  memoryLimitInMB: '512',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/test',
  logStreamName: 'test',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as unknown as Context;

export interface NotifyTestEnv {
  dir: string;
  sink: WebhookSink;
  configPath: string;
  writeConfig: (yaml: string) => Promise<void>;
  outbox: () => Promise<Record<string, any>[]>;
  close: () => Promise<void>;
}

/** Routes: critical/high → slack + dingtalk + feishu + wecom + sns; everything else → slack. */
export function defaultConfig(sink: WebhookSink, dir: string, extra = ''): string {
  return `
channels:
  ops-slack:  { type: slack,    webhookUrl: "${sink.url('/slack/services/T0/B0/x')}" }
  ops-ding:   { type: dingtalk, webhookUrl: "${sink.url('/dingtalk/robot/send?access_token=t1')}", secret: ${DING_SECRET} }
  ops-feishu: { type: feishu,   webhookUrl: "${sink.url('/feishu/open-apis/bot/v2/hook/h1')}", secret: ${FEISHU_SECRET} }
  ops-wecom:  { type: wecom,    webhookUrl: "${sink.url('/wecom/cgi-bin/webhook/send?key=k1')}" }
  ops-mail:   { type: sns,      topicArn: "arn:aws:sns:eu-west-1:111122223333:netwatch-ops" }
routes:
  - match: { severity: [critical, high] }
    channels: [ops-slack, ops-ding, ops-feishu, ops-wecom, ops-mail]
  - match: {}
    channels: [ops-slack]
local: { stateDir: "${join(dir, 'state')}" }
${extra}
`;
}

export async function notifyTestEnv(): Promise<NotifyTestEnv> {
  logger.setLogLevel('SILENT');
  resetRateLimits();
  const dir = await mkdtemp(join(tmpdir(), 'nw-notify-'));
  const sink = await startWebhookSink({ secrets: { dingtalk: DING_SECRET, feishu: FEISHU_SECRET } });
  const configPath = join(dir, 'netwatch.config.yml');
  await writeFile(configPath, defaultConfig(sink, dir));
  process.env.NETWATCH_CONFIG = configPath;
  process.env.NETWATCH_LOCAL = '1';
  return {
    dir,
    sink,
    configPath,
    writeConfig: (yaml) => writeFile(configPath, yaml),
    outbox: async () => {
      try {
        return (await readFile(join(dir, 'state', 'notify-outbox.jsonl'), 'utf8'))
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, any>);
      } catch {
        return [];
      }
    },
    close: async () => {
      await sink.close();
      await rm(dir, { recursive: true, force: true });
      delete process.env.NETWATCH_CONFIG;
      delete process.env.NETWATCH_LOCAL;
    },
  };
}

export async function fixture(path: string): Promise<unknown> {
  return JSON.parse(await readFile(join(FIXTURES, path), 'utf8'));
}
