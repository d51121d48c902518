import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../../shared/config/load.ts';
import { EventShapeError } from '../../../shared/errors.ts';
import { decodeEvent } from '../../../shared/respond/requests.ts';
import { decodeMirrorEvent } from '../../../shared/mirror/events.ts';

const CORPUS = new URL('../../../../shared/corpus/events/', import.meta.url).pathname;
const cfg = parseConfig({
  responder: { enabled: true, guardDutyMinSeverity: 4 },
  alarms: { rules: [{ match: { alarmName: 'ServerCpu*' }, response: { action: 'nacl-deny', cidr: '198.51.100.0/24', direction: 'egress' } }] },
});

describe('decodeEvent()', () => {
  it('turns a CloudWatch alarm entering ALARM into the mapped block (corpus sample)', () => {
    const ev = JSON.parse(readFileSync(`${CORPUS}aws-docs/cloudwatch-alarm/state-change-single-metric-alarm.json`, 'utf8'));
    ev.detail.state.value = 'ALARM';
    const i = decodeEvent(ev, cfg);
    expect(i.kind).toBe('block');
    if (i.kind !== 'block') return;
    expect(i.requests.map((r) => [r.cidrs, r.direction, r.source])).toEqual([[['198.51.100.0/24'], 'outbound', 'aws.cloudwatch']]);
  });

  it('ignores an alarm no rule maps, with a named reason', () => {
    const ev = JSON.parse(readFileSync(`${CORPUS}aws-docs/cloudwatch-alarm/state-change-single-metric-alarm.json`, 'utf8'));
    ev.detail.alarmName = 'Unmapped';
    ev.detail.state.value = 'ALARM';
    expect(decodeEvent(ev, cfg)).toMatchObject({ kind: 'ignore', code: 'alarm.no_response' });
  });

  it('reads GuardDuty findings from the notify-slack corpus without remote IPs as ignorable, not as errors', () => {
    const ev = JSON.parse(readFileSync(`${CORPUS}notify-slack/eventbridge-partial/guardduty_finding_high.json`, 'utf8'));
    ev.source = 'aws.guardduty';
    expect(decodeEvent(ev, cfg)).toMatchObject({ kind: 'ignore', code: 'guardduty.no_remote_ip' });
    const low = JSON.parse(readFileSync(`${CORPUS}notify-slack/eventbridge-partial/guardduty_finding_low.json`, 'utf8'));
    low.source = 'aws.guardduty';
    expect(decodeEvent(low, cfg)).toMatchObject({ kind: 'ignore', code: 'guardduty.below_severity' });
  });

  it('takes GuardDuty direction from the connection direction (OUTBOUND → outbound)', () => {
    const f = JSON.parse(readFileSync(`${CORPUS}guardduty/amazon-guardduty-automated-response-sample/guardduty_ec2_event.json`, 'utf8'));
    f.severity = 8;
    const i = decodeEvent({ 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty', detail: f }, cfg);
    expect(i).toMatchObject({ kind: 'block', requests: [{ direction: 'outbound', cidrs: ['0.0.0.0/32'], vpcIds: ['vpc-34865123'] }] });
  });

  it('ignores everything but the sweep while responder.enabled is false', () => {
    const off = parseConfig({});
    expect(decodeEvent({ 'detail-type': 'NetWatch Finding', source: 'netwatch.detect', detail: {} }, off)).toMatchObject({ kind: 'ignore', code: 'responder.disabled' });
    expect(decodeEvent({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }, off)).toEqual({ kind: 'sweep' });
  });

  it('accepts a bare finding (as `netwatch flowlogs ingest --json` prints them) like an enveloped one', () => {
    const ev = JSON.parse(readFileSync(new URL('../../fixtures/events/findings/egress-flood-outbound.json', import.meta.url), 'utf8'));
    const bare = decodeEvent(ev.detail, cfg);
    expect(bare).toEqual(decodeEvent(ev, cfg));
    expect(bare).toMatchObject({ kind: 'block', requests: [{ key: 'netwatch:abc123', cidrs: ['203.0.113.7/32'], direction: 'outbound' }] });
  });

  it('names the bad field of a malformed finding', () => {
    expect(() => decodeEvent({ 'detail-type': 'NetWatch Finding', source: 'netwatch.detect', detail: { id: 'x' } }, cfg)).toThrowError(/^NetWatch finding: type: /);
  });
});

describe('event decoders never fail with anything but EventShapeError', () => {
  const json = fc.jsonValue({ maxDepth: 4 });
  const shaped = fc.record({
    'detail-type': fc.constantFrom('NetWatch Finding', 'GuardDuty Finding', 'CloudWatch Alarm State Change', 'Scheduled Event', 'NetWatch Workload Change', 'EC2 Instance State-change Notification', 'AWS API Call via CloudTrail', 'x'),
    source: fc.constantFrom('netwatch.detect', 'aws.guardduty', 'aws.cloudwatch', 'aws.events', 'netwatch.cloudtrail', 'aws.ec2'),
    detail: json,
  });
  it('random JSON and random EventBridge shapes', () => {
    fc.assert(
      fc.property(fc.oneof(json, shaped), (ev) => {
        for (const decode of [() => decodeEvent(ev, cfg), () => decodeMirrorEvent(ev)]) {
          try {
            decode();
          } catch (err) {
            expect(err).toBeInstanceOf(EventShapeError);
          }
        }
      }),
      { numRuns: 1500 },
    );
  });
});
