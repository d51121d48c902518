import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_EVENTS, notifyDemo, renderEvent } from '../../../cli/commands/notify.ts';
import { CORPUS } from './corpus.ts';
import { join } from 'node:path';

describe('netwatch notify demo', () => {
  it('delivers the sample alarm and SG change to Slack and signed DingTalk once, then deduplicates', async () => {
    // Prepare
    const lines: string[] = [];
    // Act
    const r = await notifyDemo((l) => lines.push(l));
    // Assess
    expect(r).toEqual({ received: 4, signaturesValid: true });
    const out = lines.join('');
    expect(out).toContain('[sink] dingtalk POST /dingtalk/robot/send signature=valid');
    expect(out).toContain('VPN tunnel 203.0.113.17 is down');
    expect(out).toContain('added inbound rule tcp/22 from 0.0.0.0/0 to sg-0123456789abcdef0 (web-prod)');
    expect(out).toContain('[notify] round 2: alarm sent=0 duplicates=1; cloudtrail sent=0 duplicates=1');
  });
});

describe('renderEvent()', () => {
  it('tells CloudTrail input from alarm input and reports what it ignored', async () => {
    const ct = await renderEvent(JSON.parse(readFileSync(DEMO_EVENTS.cloudtrail, 'utf8')));
    expect(ct.messages.map((m) => m.severity)).toEqual(['critical']);
    const stop = await renderEvent(JSON.parse(readFileSync(join(CORPUS, 'aws-docs/cloudtrail-log-file/ec2-StopInstances.json'), 'utf8')));
    expect(stop.messages).toEqual([]);
    expect(stop.notes[0]).toMatch(/^forwarded as NetWatch Workload Change: \{"action":"instance.stopped"/);
    const cfg = await renderEvent(JSON.parse(readFileSync(join(CORPUS, 'aws-docs/cloudwatch-alarm/config-change-create-composite-alarm.json'), 'utf8')));
    expect(cfg).toEqual({ messages: [], notes: ['ignored (alarm.configuration_change)'] });
  });
});
