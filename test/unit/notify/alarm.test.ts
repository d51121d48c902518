import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alarmResponses, alarmSeverity, formatAlarm, fromEventBridge, reasonInWords } from '../../../shared/notify/alarm.ts';
import { AlarmsConfig } from '../../../shared/notify/config.ts';
import { AlarmDetailSchema, EventBridgeEnvelope } from '../../../shared/notify/events.ts';
import { CORPUS, FIXTURES } from './corpus.ts';

function change(path: string) {
  const env = EventBridgeEnvelope.parse(JSON.parse(readFileSync(path, 'utf8')));
  return fromEventBridge(env, AlarmDetailSchema.parse(env.detail));
}
const defaults = AlarmsConfig.parse({});

describe('alarm formatting', () => {
  it('says the single-metric reason in words, with units', () => {
    const c = change(join(CORPUS, 'aws-docs/cloudwatch-alarm/state-change-single-metric-alarm.json'));
    expect(reasonInWords(c)).toBe('CPU utilisation on instance i-12345678901234567 (Average over 5 min) was 99.5%, above the threshold of 50% (1 of the last 1 datapoints).');
  });

  it('reads a Direct Connect bit rate in Gbit/s', () => {
    const m = formatAlarm(change(join(FIXTURES, 'cloudwatch-alarm/dx-connection-bps.json')), defaults);
    expect(m.summary[0]).toBe('Direct Connect egress bit rate on DX connection dxcon-fg5678gh (Average over 5 min) was 9.6 Gbit/s, above the threshold of 8 Gbit/s (2 of the last 2 datapoints).');
    expect(m.fields).toContainEqual({ label: 'Threshold vs observed', value: '8 Gbit/s vs 9.6 Gbit/s, 9.4 Gbit/s' });
  });

  it('composite alarms name the rule and the alarms that triggered it', () => {
    const m = formatAlarm(change(join(CORPUS, 'aws-docs/cloudwatch-alarm/state-change-composite-alarm-with-suppressor.json')), defaults);
    expect(m.fields).toContainEqual({ label: 'Triggered by', value: 'ServerCpuTooHigh (ALARM)' });
    expect(m.fields).toContainEqual({ label: 'Actions suppressed', value: 'by WaitPeriod (suppressor ServiceMaintenanceAlarm)' });
  });

  it('ALARM → OK is "resolved" and shares the thread key of the firing message', () => {
    const m = formatAlarm(change(join(FIXTURES, 'cloudwatch-alarm/network-in-resolved.json')), defaults);
    expect(m.status).toBe('resolved');
    expect(m.title).toBe('Resolved: web-1-network-in');
    expect(m.threadKey).toBe('alarm:111122223333:eu-west-1:web-1-network-in');
  });
});

describe('alarmSeverity() and alarmResponses()', () => {
  it('config rule first, then a [severity:x] tag in the description, then namespace defaults, then the default', () => {
    const tgw = change(join(FIXTURES, 'cloudwatch-alarm/tgw-blackhole-drops.json'));
    expect(alarmSeverity(tgw, defaults)).toBe('high');
    expect(alarmSeverity(tgw, AlarmsConfig.parse({ rules: [{ match: { namespace: 'AWS/TransitGateway' }, severity: 'low' }] }))).toBe('low');
    expect(alarmSeverity(change(join(FIXTURES, 'cloudwatch-alarm/ddos-detected.json')), defaults)).toBe('critical');
    expect(alarmSeverity(change(join(FIXTURES, 'cloudwatch-alarm/vpn-tunnel-down.json')), defaults)).toBe('high');
    expect(alarmSeverity(change(join(FIXTURES, 'cloudwatch-alarm/network-in-resolved.json')), AlarmsConfig.parse({ defaultSeverity: 'low' }))).toBe('low');
  });

  it('the alarm severity tag counts after config rules; rules can match tags (globs)', () => {
    const c = { ...change(join(FIXTURES, 'cloudwatch-alarm/network-in-resolved.json')), tags: { 'netwatch:severity': 'Critical', team: 'net-prod' } };
    expect(alarmSeverity(c, defaults)).toBe('critical');
    expect(alarmSeverity(c, AlarmsConfig.parse({ rules: [{ match: { tags: { team: 'net-*' } }, severity: 'low' }] }))).toBe('low');
    expect(alarmSeverity(c, AlarmsConfig.parse({ rules: [{ match: { tags: { team: 'db-*' } }, severity: 'low' }] }))).toBe('critical');
    expect(alarmSeverity({ ...c, tags: { 'netwatch:severity': 'urgent' } }, defaults)).toBe('medium');
  });

  it('responses come from every matching rule, only on entering ALARM', () => {
    const cfg = AlarmsConfig.parse({
      rules: [
        { match: { alarmName: 'shield-*' }, severity: 'critical', response: { action: 'nacl-deny-top-talkers' } },
        { match: { metric: 'DDoSDetected' }, response: { action: 'nacl-deny', cidr: '203.0.113.0/24', direction: 'ingress' } },
      ],
    });
    expect(alarmResponses(change(join(FIXTURES, 'cloudwatch-alarm/ddos-detected.json')), cfg)).toEqual([
      { action: 'nacl-deny-top-talkers', direction: 'ingress' },
      { action: 'nacl-deny', cidr: '203.0.113.0/24', direction: 'ingress' },
    ]);
    expect(alarmResponses(change(join(FIXTURES, 'cloudwatch-alarm/network-in-resolved.json')), AlarmsConfig.parse({ rules: [{ response: { action: 'nacl-deny-top-talkers' } }] }))).toEqual([]);
  });

  it('a nacl-deny response without a cidr is a config error', () => {
    expect(AlarmsConfig.safeParse({ rules: [{ response: { action: 'nacl-deny' } }] }).error?.issues[0]?.path).toEqual(['rules', 0, 'response', 'cidr']);
  });
});
