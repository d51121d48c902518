import type { NotifyMessage } from '../model.ts';
import { STATUS_EMOJI } from '../model.ts';
import { humanTime, truncateBytes } from '../text.ts';
import { imMarkdownEscape, safeLink } from './escape.ts';

/** DingTalk custom robot markdown message. The whole message is capped at 20 000 bytes (we keep 18 000 for text). */
export const DINGTALK_TEXT_MAX_BYTES = 18_000;

export interface DingTalkPayload {
  msgtype: 'markdown';
  markdown: { title: string; text: string };
  at: { atMobiles: string[]; isAtAll: false };
}

export function renderDingTalk(msg: NotifyMessage, opts: { atMobiles?: string[] } = {}): DingTalkPayload {
  const e = imMarkdownEscape;
  const lines = [`### ${STATUS_EMOJI[msg.status]} ${e(msg.title)}`, ''];
  for (const s of msg.summary) lines.push(e(s), '');
  for (const f of msg.fields) lines.push(`- **${e(f.label)}**: ${e(f.value)}`);
  lines.push('');
  const url = msg.link ? safeLink(msg.link.url) : undefined;
  if (msg.link && url) lines.push(`[${e(msg.link.label)}](${url})`, '');
  lines.push(`> ${msg.severity.toUpperCase()} · ${msg.source} · ${e(humanTime(msg.time))}`);
  for (const n of msg.notes ?? []) lines.push(`> ${e(n)}`);
  const mobiles = (opts.atMobiles ?? []).filter((m) => /^\+?[0-9-]{5,20}$/.test(m));
  if (mobiles.length) lines.push('', mobiles.map((m) => `@${m}`).join(' '));
  return {
    msgtype: 'markdown',
    // the title is what the notification banner shows
    markdown: { title: truncateBytes(`${STATUS_EMOJI[msg.status]} ${e(msg.title)}`, 200), text: truncateBytes(lines.join('\n'), DINGTALK_TEXT_MAX_BYTES) },
    at: { atMobiles: mobiles, isAtAll: false },
  };
}
