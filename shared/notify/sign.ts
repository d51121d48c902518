import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Request signing for the Chinese IM robots, exactly as their docs describe, plus the verifiers the local sink uses.
 *
 * DingTalk custom robot ("加签"): stringToSign = timestamp + "\n" + secret, where timestamp is milliseconds;
 *   sign = urlEncode(base64(HmacSHA256(key = secret, data = stringToSign))); sent as `&timestamp=…&sign=…` on the URL.
 * Feishu/Lark custom bot: stringToSign = timestamp + "\n" + secret, where timestamp is seconds;
 *   sign = base64(HmacSHA256(key = stringToSign, data = "")); sent as `timestamp` and `sign` in the JSON body.
 * Both reject timestamps more than an hour away from their clock.
 */

export const SIGNATURE_MAX_SKEW_MS = 60 * 60 * 1000;

export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** The webhook URL with `timestamp` and `sign` query parameters appended (sign URL-encoded once). */
export function dingtalkSignedUrl(webhookUrl: string, secret: string, timestampMs: number): string {
  const sep = webhookUrl.includes('?') ? '&' : '?';
  return `${webhookUrl}${sep}timestamp=${timestampMs}&sign=${encodeURIComponent(dingtalkSign(secret, timestampMs))}`;
}

export function feishuSign(secret: string, timestampSec: number): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update('', 'utf8').digest('base64');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type SignatureCheck = 'valid' | 'invalid' | 'missing' | 'expired';

/** `query` is the parsed query string (URLSearchParams decodes `sign` once, as DingTalk does). */
export function verifyDingtalk(secret: string, query: URLSearchParams, nowMs = Date.now()): SignatureCheck {
  const ts = query.get('timestamp');
  const sign = query.get('sign');
  if (!ts || !sign) return 'missing';
  const t = Number(ts);
  if (!Number.isInteger(t)) return 'invalid';
  if (Math.abs(nowMs - t) > SIGNATURE_MAX_SKEW_MS) return 'expired';
  return same(dingtalkSign(secret, t), sign) ? 'valid' : 'invalid';
}

export function verifyFeishu(secret: string, body: { timestamp?: unknown; sign?: unknown }, nowMs = Date.now()): SignatureCheck {
  if (body.timestamp === undefined || typeof body.sign !== 'string') return 'missing';
  const t = Number(body.timestamp);
  if (!Number.isInteger(t)) return 'invalid';
  if (Math.abs(nowMs - t * 1000) > SIGNATURE_MAX_SKEW_MS) return 'expired';
  return same(feishuSign(secret, t), body.sign) ? 'valid' : 'invalid';
}
