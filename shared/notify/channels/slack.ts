import type { NotifyMessage } from '../model.ts';
import { STATUS_EMOJI } from '../model.ts';
import { humanTime, truncateChars } from '../text.ts';
import { safeLink, slackEscape, slackPlain } from './escape.ts';

/**
 * Slack Block Kit payload (incoming webhook or chat.postMessage). Limits from the Block Kit reference: header text
 * 150 chars, section text 3000, field text 2000, at most 10 fields, message text 40 000 (we keep 3000).
 */

export const SLACK_LIMITS = { header: 150, section: 3000, field: 2000, fields: 10, text: 3000 } as const;

export interface SlackPayload {
  text: string;
  blocks: unknown[];
  channel?: string;
  thread_ts?: string;
  reply_broadcast?: boolean;
  unfurl_links: false;
  unfurl_media: false;
}

export function renderSlack(msg: NotifyMessage, opts: { channel?: string; threadTs?: string } = {}): SlackPayload {
  const header = truncateChars(slackPlain(`${STATUS_EMOJI[msg.status]} ${msg.title}`), SLACK_LIMITS.header);
  const blocks: unknown[] = [{ type: 'header', text: { type: 'plain_text', text: header, emoji: true } }];
  const summary = msg.summary.map(slackEscape).join('\n');
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncateChars(summary || ' ', SLACK_LIMITS.section) } });
  const shown = msg.fields.slice(0, SLACK_LIMITS.fields);
  if (shown.length) {
    blocks.push({
      type: 'section',
      fields: shown.map((f) => ({
        type: 'mrkdwn',
        text: truncateChars(`*${slackEscape(f.label)}*\n${slackEscape(f.value)}`, SLACK_LIMITS.field),
      })),
    });
  }
  const rest = msg.fields.slice(SLACK_LIMITS.fields);
  if (rest.length) {
    const more = rest.map((f) => `*${slackEscape(f.label)}:* ${slackEscape(f.value)}`).join('\n');
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncateChars(more, SLACK_LIMITS.section) } });
  }
  const context = [`*${msg.severity.toUpperCase()}*`, msg.source, slackEscape(humanTime(msg.time)), ...(msg.notes ?? []).map(slackEscape)];
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncateChars(context.join(' · '), SLACK_LIMITS.section) }] });
  const url = msg.link ? safeLink(msg.link.url) : undefined;
  if (msg.link && url && url.length <= 3000) {
    blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: slackPlain(msg.link.label) }, url }] });
  }
  const text = truncateChars(slackEscape(`${STATUS_EMOJI[msg.status]} ${msg.title} — ${msg.summary[0] ?? ''}`), SLACK_LIMITS.text);
  return {
    text,
    blocks,
    ...(opts.channel ? { channel: opts.channel } : {}),
    ...(opts.threadTs ? { thread_ts: opts.threadTs, reply_broadcast: msg.status === 'resolved' } : {}),
    unfurl_links: false,
    unfurl_media: false,
  };
}
