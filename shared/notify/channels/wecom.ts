import type { NotifyMessage } from '../model.ts';
import { STATUS_EMOJI } from '../model.ts';
import { humanTime, truncateBytes } from '../text.ts';
import { imMarkdownEscape, safeLink } from './escape.ts';

/** WeCom (企业微信) group robot markdown; content is limited to 4096 UTF-8 bytes. */
export const WECOM_MAX_BYTES = 4096;

export interface WeComPayload {
  msgtype: 'markdown';
  markdown: { content: string };
}

const COLOUR: Record<string, string> = { critical: 'warning', high: 'warning', medium: 'comment', low: 'info' };

export function renderWeCom(msg: NotifyMessage, opts: { mentionedList?: string[] } = {}): WeComPayload {
  const e = imMarkdownEscape;
  const colour = msg.status === 'resolved' ? 'info' : COLOUR[msg.severity] ?? 'comment';
  const lines = [`### ${STATUS_EMOJI[msg.status]} ${e(msg.title)}`, `<font color="${colour}">${msg.severity.toUpperCase()}</font> · ${msg.source} · ${e(humanTime(msg.time))}`, ''];
  for (const s of msg.summary) lines.push(e(s));
  lines.push('');
  for (const f of msg.fields) lines.push(`> **${e(f.label)}**: ${e(f.value)}`);
  for (const n of msg.notes ?? []) lines.push(`> ${e(n)}`);
  const url = msg.link ? safeLink(msg.link.url) : undefined;
  if (msg.link && url) lines.push('', `[${e(msg.link.label)}](${url})`);
  const mentions = (opts.mentionedList ?? []).filter((u) => /^[A-Za-z0-9_.@-]{1,64}$/.test(u)).map((u) => `<@${u}>`);
  const tail = mentions.length ? `\n${mentions.join(' ')}` : '';
  return { msgtype: 'markdown', markdown: { content: truncateBytes(lines.join('\n'), WECOM_MAX_BYTES - Buffer.byteLength(tail)) + tail } };
}
