import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderDingTalk } from '../../../shared/notify/channels/dingtalk.ts';
import { renderFeishu } from '../../../shared/notify/channels/feishu.ts';
import { renderSlack, SLACK_LIMITS } from '../../../shared/notify/channels/slack.ts';
import { renderSnsText, SMS_MAX } from '../../../shared/notify/channels/sns-text.ts';
import { renderWeCom, WECOM_MAX_BYTES } from '../../../shared/notify/channels/wecom.ts';
import type { NotifyMessage } from '../../../shared/notify/model.ts';
import { SEVERITIES, STATUSES } from '../../../shared/notify/model.ts';
import { byteLength } from '../../../shared/notify/text.ts';

/** Whatever text an event carries, renderers stay inside platform limits and never emit live markup from it. */

const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.constantFrom('<!channel>', '<!here|here>', '<@U123>', '<https://evil.example|click>', '[x](https://evil.example)', '<at id=all></at>', '@13800000000', '<font color="warning">'),
  fc.string({ maxLength: 5000 }),
);

const message = fc.record({
  source: fc.constantFrom('alarm' as const, 'cloudtrail' as const, 'finding' as const),
  severity: fc.constantFrom(...SEVERITIES),
  status: fc.constantFrom(...STATUSES),
  title: hostile,
  summary: fc.array(hostile, { maxLength: 6 }),
  fields: fc.array(fc.record({ label: hostile, value: hostile }), { maxLength: 14 }),
  account: fc.string({ maxLength: 20 }),
  region: fc.string({ maxLength: 20 }),
  time: fc.constant('2026-11-20T10:00:00.000Z'),
  dedupKey: fc.constant('k'),
  threadKey: fc.constant('k'),
}) as fc.Arbitrary<NotifyMessage>;

const LIVE_SLACK = /<[!@#]|<https?:/;

describe('renderers under hostile input', () => {
  it('Slack: no live mention or link from event text; block limits hold', () => {
    fc.assert(
      fc.property(message, (m) => {
        const p = renderSlack(m);
        const json = JSON.stringify(p.blocks);
        expect(json).not.toMatch(LIVE_SLACK);
        expect(p.text).not.toMatch(LIVE_SLACK);
        expect(p.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
        for (const b of p.blocks as { type: string; text?: { text: string }; fields?: { text: string }[] }[]) {
          if (b.type === 'header') expect(b.text!.text.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
          if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.section);
          for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.field);
          expect(b.fields?.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.fields);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('DingTalk / WeCom / Feishu: no mention, tag or link syntax from event text; byte limits hold', () => {
    fc.assert(
      fc.property(message, (m) => {
        const noLinks = { ...m };
        delete (noLinks as { link?: unknown }).link;
        const ding = renderDingTalk(noLinks);
        expect(ding.markdown.text).not.toMatch(/\]\(|<[@a-z]|@\d/);
        expect(byteLength(ding.markdown.text)).toBeLessThanOrEqual(18_000);
        const wecom = renderWeCom(noLinks).markdown.content;
        // our own <font color> tag is the only tag
        expect(wecom.replace(/^<font color="(warning|comment|info)">[A-Z]+<\/font>/m, '')).not.toMatch(/<|\]\(/);
        expect(byteLength(wecom)).toBeLessThanOrEqual(WECOM_MAX_BYTES);
        const feishu = JSON.stringify(renderFeishu(noLinks).card);
        expect(feishu).not.toMatch(/<at|\]\(/);
      }),
      { numRuns: 300 },
    );
  });

  it('SNS: ASCII subject under 100 chars, SMS within 160', () => {
    fc.assert(
      fc.property(message, (m) => {
        const t = renderSnsText(m);
        expect(t.subject).toMatch(/^[\x20-\x7e]{1,99}$/);
        expect(t.sms.length).toBeLessThanOrEqual(SMS_MAX);
        expect(t.sms).toMatch(/^[\x20-\x7e]*$/);
      }),
      { numRuns: 300 },
    );
  });
});
