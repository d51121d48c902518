import { describe, expect, it } from 'vitest';
import { imMarkdownEscape, larkEscape, slackEscape } from '../../../shared/notify/channels/escape.ts';
import { byteLength, formatBytes, normaliseTime, truncateBytes, truncateChars, TRUNCATION_MARKER } from '../../../shared/notify/text.ts';

describe('truncation', () => {
  it('keeps short text and marks cut text', () => {
    expect(truncateChars('short', 10)).toBe('short');
    const cut = truncateChars('x'.repeat(100), 50);
    expect(cut).toHaveLength(50);
    expect(cut.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('never splits a surrogate pair or a UTF-8 sequence', () => {
    const s = '🔴'.repeat(40);
    const c = truncateChars(s, 21);
    expect(c).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    const b = truncateBytes('告警'.repeat(1000), 4096);
    expect(byteLength(b)).toBeLessThanOrEqual(4096);
    expect(b.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(b).not.toContain('\ufffd');
  });
});

describe('escaping event text', () => {
  it('Slack: &, <, > become entities, so <!channel> and <url|text> are inert', () => {
    expect(slackEscape('<!channel> & <https://x|y>')).toBe('&lt;!channel&gt; &amp; &lt;https://x|y&gt;');
  });

  it('DingTalk/WeCom: links, mentions and tags are neutralised', () => {
    const e = imMarkdownEscape('[a](https://x) <@u1> @138 `c` *b*');
    expect(e).not.toMatch(/\[a\]\(|<@u1>|@138|`|\*/);
  });

  it('Feishu lark_md: <at> tags are entities', () => {
    expect(larkEscape('<at id=all></at> [x](y)')).toBe('&lt;at id=all&gt;&lt;/at&gt; ［x］(y)');
  });
});

describe('formatting', () => {
  it('normalises CloudWatch and Panther time spellings to ISO', () => {
    expect(normaliseTime('2019-10-02T17:04:40.989+0000')).toBe('2019-10-02T17:04:40.989Z');
    expect(normaliseTime('2022-11-15 22:58:13')).toBe('2022-11-15T22:58:13.000Z');
    expect(normaliseTime('2024-12-16 18:41:07.000000000')).toBe('2024-12-16T18:41:07.000Z');
    expect(normaliseTime('garbage')).toBe('garbage');
  });

  it('prints decimal byte sizes', () => {
    expect(formatBytes(1_250_000)).toBe('1.25 MB');
    expect(formatBytes(999)).toBe('999 B');
  });
});
