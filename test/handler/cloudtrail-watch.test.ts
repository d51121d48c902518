import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler, run } from '../../functions/cloudtrail-watch/handler.ts';
import { resetClients } from '../../shared/aws/clients.ts';
import { FileStateStore } from '../../shared/notify/store.ts';
import { context, fixture, notifyTestEnv } from './alarm-notify-env.ts';
import type { NotifyTestEnv } from './alarm-notify-env.ts';

const CORPUS = join(import.meta.dirname, '../../../shared/corpus/events');

let env: NotifyTestEnv;
beforeEach(async () => {
  env = await notifyTestEnv();
});
afterEach(async () => {
  await env.close();
  delete process.env.EVENT_BUS_NAME;
});

const slackText = (i = 0) => (env.sink.received.filter((r) => r.kind === 'slack')[i]?.body as { text: string } | undefined)?.text;

describe('cloudtrail-watch handler (local mode)', () => {
  it('reports ssh opened to the world as critical, in words, to every critical channel, once', async () => {
    // Prepare
    const event = await fixture('cloudtrail/sg-open-ssh-world.json');
    // Act
    const first = await handler(event, context);
    const again = await handler(event, context);
    // Assess
    expect(first).toMatchObject({ records: 1, sent: 1, forwarded: 0 });
    expect(again).toMatchObject({ records: 1, sent: 0, duplicates: 1 });
    expect(env.sink.received.map((r) => r.kind).sort()).toEqual(['dingtalk', 'feishu', 'slack', 'wecom']);
    expect(slackText()).toBe(
      '🟠 Security group change: AuthorizeSecurityGroupIngress — Role SSO NetworkAdmin (session alice@example.com) added inbound rule tcp/22 from 0.0.0.0/0 to sg-0123456789abcdef0 (web-prod); added inbound rule tcp/22 from ::/0 to sg-0123456789abcdef0 (web-prod); added inbound rule tcp/443 from 0.0.0.0/0 to sg-0123456789abcdef0 (web-prod).',
    );
    const ding = (env.sink.received.find((r) => r.kind === 'dingtalk')!.body as { markdown: { text: string } }).markdown.text;
    expect(ding).toContain('⚠ 0.0.0.0/0 (the whole internet) can reach admin port 22.');
    expect(ding).toContain('⚠ ::/0 (the whole internet) can reach admin port 22.');
    expect(ding).toContain('- **From**: from 198.51.100.23 using AWS CLI');
    expect(ding).toContain('[Open event in CloudTrail](https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/e1f2a3b4-0001-4c5d-8e9f-000000000001)');
    const [sns] = await env.outbox();
    expect(sns).toMatchObject({ kind: 'sns.publish', input: { Subject: '[CRITICAL] Security group change: AuthorizeSecurityGroupIngress' } });
  });

  it('forwards an ENI lifecycle call to the mirror manager as NetWatch Workload Change, without a message', async () => {
    // Act
    const out = await handler(await fixture('cloudtrail/create-network-interface.json'), context);
    // Assess
    expect(out).toMatchObject({ records: 1, sent: 0, forwarded: 1 });
    expect(env.sink.received).toHaveLength(0);
    const [rec] = await env.outbox();
    expect(rec).toEqual({
      time: expect.any(String),
      kind: 'events.putEvents',
      input: {
        EventBusName: 'netwatch',
        Source: 'netwatch.cloudtrail',
        DetailType: 'NetWatch Workload Change',
        Detail: {
          action: 'eni.created',
          eventId: 'e1f2a3b4-0006-4c5d-8e9f-000000000006',
          eventName: 'CreateNetworkInterface',
          eventTime: '2026-11-20T10:09:00.000Z',
          account: '111122223333',
          region: 'eu-west-1',
          instanceIds: [],
          networkInterfaceIds: ['eni-0e1d2c3b4a5968778'],
          attachmentIds: [],
          principal: 'role SSO NetworkAdmin (session alice@example.com)',
        },
      },
    });
  });

  it('flags StopLogging as critical tampering, made from the console', async () => {
    const out = await handler(await fixture('cloudtrail/stop-logging.json'), context);
    expect(out.sent).toBe(1);
    expect(slackText()).toBe(
      '🟠 Monitoring tampering: StopLogging — Role SSO NetworkAdmin (session alice@example.com) stopped CloudTrail logging for trail arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail.',
    );
    const wecom = (env.sink.received.find((r) => r.kind === 'wecom')!.body as { markdown: { content: string } }).markdown.content;
    expect(wecom).toContain('<font color="warning">CRITICAL</font>');
    expect(wecom).toContain('> **From**: from 198.51.100.23 using console');
  });

  it('console sign-ins: root is critical, a failure is medium, a routine sign-in is ignored', async () => {
    const root = await handler(await fixture('cloudtrail/console-root-signin.json'), context);
    const failed = await handler(await fixture('cloudtrail/console-failed-signin.json'), context);
    const routine = await handler(await fixture('cloudtrail/console-routine-signin.json'), context);
    expect(root.sent).toBe(1);
    expect(failed.sent).toBe(1);
    expect(routine).toMatchObject({ sent: 0, ignored: { 'sign-in-routine': 1 } });
    expect(slackText(0)).toBe('ℹ️ Root console sign-in: root account — Root account signed in to the AWS console without MFA.');
    expect(slackText(1)).toBe('⚠️ Failed console sign-in: user bob — Failed console sign-in for user bob: Failed authentication.');
    expect(env.sink.received.filter((r) => r.kind === 'dingtalk')).toHaveLength(1);
  });

  it('counts read-only calls as ignored and sends nothing', async () => {
    const out = await handler(await fixture('cloudtrail/describe-read-only.json'), context);
    expect(out).toMatchObject({ records: 1, sent: 0, forwarded: 0, ignored: { 'read-only': 1 } });
    expect(env.sink.received).toHaveLength(0);
    expect(await env.outbox()).toEqual([]);
  });

  it('takes a CloudTrail log file ({Records}) for local runs: Insights start and end', async () => {
    const file = JSON.parse(await readFile(join(CORPUS, 'aws-docs/cloudtrail-log-file/insights-UpdateInstanceInformation.json'), 'utf8'));
    const out = await handler(file, context);
    expect(out).toMatchObject({ records: 2, sent: 2 });
    expect(slackText(0)).toBe(
      '🔴 Unusual API activity: UpdateInstanceInformation — The API call rate of ssm.amazonaws.com UpdateInstanceInformation is unusually high (7.77× its baseline: 664 vs 85.4 per minute).',
    );
    expect(slackText(1)).toMatch(/^✅ Insight ended: UpdateInstanceInformation — The unusual API call rate .* is over after 1 min/);
  });

  it('config rules come first: ignore a principal, or raise a severity', async () => {
    await env.writeConfig(
      (await readFile(env.configPath, 'utf8')) +
        `
cloudtrail:
  rules:
    - match: { principal: "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_NetworkAdmin_*", eventName: StopLogging }
      action: ignore
    - match: { eventName: CreateNetworkInterface }
      action: notify
      severity: high
`,
    );
    const stop = await handler(await fixture('cloudtrail/stop-logging.json'), context);
    const eni = await handler(await fixture('cloudtrail/create-network-interface.json'), context);
    expect(stop).toMatchObject({ sent: 0, ignored: { 'rule-ignore': 1 } });
    expect(eni).toMatchObject({ sent: 1, forwarded: 1 });
    expect(slackText()).toBe('🟠 API call: CreateNetworkInterface — Role SSO NetworkAdmin (session alice@example.com) created network interface eni-0e1d2c3b4a5968778 in subnet-0aa11bb22cc33dd44, sg-0123456789abcdef0.');
  });

  it('rejects an unrelated detail-type with a named error', async () => {
    await expect(handler({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }, context)).rejects.toThrow(/^unhandled detail-type "Scheduled Event"$/);
  });
});

describe('cloudtrail-watch handler (AWS mode)', () => {
  const events = mockClient(EventBridgeClient);
  beforeEach(() => {
    events.reset();
    resetClients();
    process.env.NETWATCH_LOCAL = '0';
    process.env.EVENT_BUS_NAME = 'netwatch-dev';
  });

  it('puts the workload change on the bus with the exact PutEvents input', async () => {
    // Prepare
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'ev-1' }] });
    const panther = JSON.parse(await readFile(join(CORPUS, 'panther-analysis/cloudtrail-ec2-network-records.json'), 'utf8')) as { test_name: string; log: Record<string, unknown> }[];
    const stop = panther.find((x) => x.test_name === 'CloudTrail Instances Were Stopped')!.log;
    const event = { version: '0', id: 'evb-1', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', account: '777788889999', time: '2023-07-19T21:14:20Z', region: 'us-east-1', resources: [], detail: stop };
    // Act
    const out = await run(event, { store: new FileStateStore(join(env.dir, 'aws-state')) });
    // Assess
    expect(out).toMatchObject({ forwarded: 1, sent: 0 });
    const calls = events.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    const entry = calls[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({ EventBusName: 'netwatch-dev', Source: 'netwatch.cloudtrail', DetailType: 'NetWatch Workload Change' });
    expect(JSON.parse(entry.Detail!)).toEqual({
      action: 'instance.stopped',
      eventId: '9357a8cc-a0eb-46a1-b67e-EXAMPLE19b14',
      eventName: 'StopInstances',
      eventTime: '2023-07-19T21:14:20.000Z',
      account: '777788889999',
      region: 'us-east-1',
      instanceIds: ['i-EXAMPLE56126103cb', 'i-EXAMPLEaff4840c22'],
      networkInterfaceIds: [],
      attachmentIds: [],
      principal: 'user Nikki',
    });
  });
});
