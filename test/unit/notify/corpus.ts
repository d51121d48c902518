/**
 * Loads every event under ../shared/corpus/events and turns each into the input shape our handlers receive
 * (EventBridge envelope or SNS event), the way AWS would deliver it. Shared by the notify tests.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const CORPUS = join(import.meta.dirname, '../../../../shared/corpus/events');
export const FIXTURES = join(import.meta.dirname, '../../fixtures/events');

export interface CorpusCase {
  /** stable name for snapshots: corpus-relative path (+ #index) */
  name: string;
  handler: 'alarm-notify' | 'cloudtrail-watch' | 'none';
  event: unknown;
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

type Obj = Record<string, any>;

function wrapCloudTrail(rec: Obj, i: number, file: string): Obj {
  const type = rec.eventType === 'AwsCloudTrailInsight' ? 'AWS Insight via CloudTrail' : rec.eventType === 'AwsConsoleSignIn' ? 'AWS Console Sign In via CloudTrail' : 'AWS API Call via CloudTrail';
  return {
    version: '0',
    id: `corpus-${file.replace(/\W+/g, '-')}-${i}`,
    'detail-type': type,
    source: `aws.${String(rec.eventSource ?? 'cloudtrail').split('.')[0]}`,
    account: rec.recipientAccountId ?? '123456789012',
    time: rec.eventTime,
    region: rec.awsRegion ?? 'us-east-1',
    resources: [],
    detail: rec,
  };
}

function wrapGuardDuty(d: Obj, name: string): Obj {
  return { version: '0', id: `corpus-${name}`, 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty', account: d.accountId, time: d.updatedAt ?? '2020-01-01T00:00:00Z', region: d.region ?? 'us-east-1', resources: [], detail: d };
}

export function corpusCases(): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const path of walk(CORPUS)) {
    const file = relative(CORPUS, path);
    if (!file.endsWith('.json')) continue;
    const data = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (file.startsWith('aws-docs/cloudwatch-alarm/') || file.startsWith('notify-slack/sns-records/') || file.startsWith('notify-slack/eventbridge-partial/')) {
      out.push({ name: file, handler: 'alarm-notify', event: data });
    } else if (file === 'notify-slack/sns-message-payload/cloudwatch_alarm.json') {
      out.push({ name: file, handler: 'alarm-notify', event: { Records: [{ EventSource: 'aws:sns', Sns: { TopicArn: 'arn:aws:sns:eu-west-1:000000000000:alarms', Message: JSON.stringify(data) } }] } });
    } else if (file.startsWith('aws-docs/cloudtrail-log-file/')) {
      (data as Obj).Records.forEach((r: Obj, i: number) => out.push({ name: `${file}#${i}`, handler: 'cloudtrail-watch', event: wrapCloudTrail(r, i, file) }));
    } else if (file.startsWith('stratus-red-team/')) {
      (data as Obj[]).forEach((r, i) => out.push({ name: `${file}#${i}`, handler: 'cloudtrail-watch', event: wrapCloudTrail(r, i, file) }));
    } else if (file === 'panther-analysis/cloudtrail-ec2-network-records.json') {
      (data as Obj[]).forEach((x, i) => out.push({ name: `${file}#${i}`, handler: 'cloudtrail-watch', event: wrapCloudTrail(x.log, i, file) }));
    } else if (file === 'panther-analysis/guardduty-findings.json') {
      (data as Obj[]).forEach((x, i) => out.push({ name: `${file}#${i}`, handler: 'alarm-notify', event: wrapGuardDuty(x.log, `pgd-${i}`) }));
    } else if (file.startsWith('guardduty/amazon-guardduty-automated-response-sample/')) {
      out.push({ name: file, handler: 'alarm-notify', event: wrapGuardDuty(data as Obj, file.replace(/\W+/g, '-')) });
    } else if (file === 'guardduty/amazon-guardduty-waf-acl/gd2acl_test_event.json') {
      out.push({ name: file, handler: 'alarm-notify', event: wrapGuardDuty((data as Obj).detail, 'gd2acl') });
    } else {
      // vpcflow-parsed-records.json is flow-log data, not an event
      out.push({ name: file, handler: 'none', event: data });
    }
  }
  return out;
}
