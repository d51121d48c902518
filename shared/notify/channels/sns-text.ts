import type { NotifyMessage } from '../model.ts';
import { humanTime, truncateBytes, truncateChars } from '../text.ts';

/**
 * SNS email/SMS text. One publish with MessageStructure "json" serves both subscriber kinds: `email` gets a plain
 * body that reads well in a mail client, `sms` one short line, `default` everything else (HTTPS, SQS, Lambda).
 * SNS subjects must be ASCII, no line breaks, under 100 characters.
 */

export const SNS_SUBJECT_MAX = 99;
export const SMS_MAX = 160;
export const SNS_MESSAGE_MAX_BYTES = 256 * 1024 - 1024;

export interface SnsText {
  subject: string;
  email: string;
  sms: string;
}

/** Replace what SNS subjects/SMS cannot carry (non-ASCII, control chars) with ASCII look-alikes or nothing. */
export function toAscii(s: string): string {
  return s
    .replace(/→/g, '->')
    .replace(/↔/g, '<->')
    .replace(/[–—]/g, '-')
    .replace(/…/g, '...')
    .replace(/×/g, 'x')
    .replace(/⚠\s?/g, '! ')
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function renderSnsText(msg: NotifyMessage): SnsText {
  const subject = truncateChars(toAscii(`[${msg.severity.toUpperCase()}] ${msg.title}`), SNS_SUBJECT_MAX, '...');
  const width = Math.max(...msg.fields.map((f) => f.label.length), 8);
  const lines = [msg.title, `Severity: ${msg.severity}    Source: ${msg.source}    Time: ${humanTime(msg.time)}`, ''];
  for (const s of msg.summary) lines.push(s, '');
  for (const f of msg.fields) lines.push(`${`${f.label}:`.padEnd(width + 2)}${f.value}`);
  if (msg.notes?.length) lines.push('', ...msg.notes);
  if (msg.link) lines.push('', `${msg.link.label}: ${msg.link.url}`);
  lines.push('', '-- ', 'Sent by vpc-netwatch');
  const sms = truncateChars(toAscii(`[${msg.severity.toUpperCase()}] ${msg.title}: ${msg.summary[0] ?? ''}`), SMS_MAX, '...');
  return { subject, email: truncateBytes(lines.join('\n'), SNS_MESSAGE_MAX_BYTES), sms };
}
