import type { NotifyMessage } from '../model.ts';
import { STATUS_EMOJI } from '../model.ts';
import { humanTime, truncateBytes, truncateChars } from '../text.ts';
import { larkEscape, larkPlain, safeLink } from './escape.ts';

/**
 * Feishu / Lark custom bot interactive card. Request bodies are limited to 30 KB; `timestamp` and `sign` are added
 * at delivery (sign.ts) when the bot has a signing secret.
 */
export const FEISHU_MAX_BODY_BYTES = 30_000;

export interface FeishuPayload {
  msg_type: 'interactive';
  card: {
    config: { wide_screen_mode: true };
    header: { title: { tag: 'plain_text'; content: string }; template: string };
    elements: unknown[];
  };
  timestamp?: string;
  sign?: string;
}

function template(msg: NotifyMessage): string {
  if (msg.status === 'resolved') return 'green';
  if (msg.status === 'insufficient') return 'grey';
  if (msg.severity === 'critical' || msg.severity === 'high') return 'red';
  return msg.severity === 'medium' ? 'orange' : 'blue';
}

export function renderFeishu(msg: NotifyMessage): FeishuPayload {
  const e = larkEscape;
  const per = Math.floor(FEISHU_MAX_BODY_BYTES / (msg.fields.length + msg.summary.length + 4));
  const elements: unknown[] = [{ tag: 'div', text: { tag: 'lark_md', content: truncateBytes(msg.summary.map(e).join('\n'), per * 2) } }];
  if (msg.fields.length) {
    elements.push({
      tag: 'div',
      fields: msg.fields.map((f) => ({ is_short: f.value.length <= 40, text: { tag: 'lark_md', content: truncateBytes(`**${e(f.label)}**\n${e(f.value)}`, per) } })),
    });
  }
  const url = msg.link ? safeLink(msg.link.url) : undefined;
  if (msg.link && url) {
    elements.push({ tag: 'action', actions: [{ tag: 'button', text: { tag: 'plain_text', content: msg.link.label }, url, type: 'primary' }] });
  }
  const notes = [`${msg.severity.toUpperCase()} · ${msg.source} · ${humanTime(msg.time)}`, ...(msg.notes ?? [])];
  elements.push({ tag: 'note', elements: [{ tag: 'plain_text', content: truncateChars(larkPlain(notes.join(' · ')), 500) }] });
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: { title: { tag: 'plain_text', content: truncateChars(larkPlain(`${STATUS_EMOJI[msg.status]} ${msg.title}`), 200) }, template: template(msg) },
      elements,
    },
  };
}
