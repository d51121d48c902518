import { renderDingTalk } from './channels/dingtalk.ts';
import { renderFeishu } from './channels/feishu.ts';
import { renderSlack } from './channels/slack.ts';
import { renderSnsText } from './channels/sns-text.ts';
import { renderWeCom } from './channels/wecom.ts';
import { NotifierDeliveryError } from './errors.ts';
import type { NotifyMessage } from './model.ts';
import { dingtalkSignedUrl, feishuSign } from './sign.ts';
import type { StateStore } from './store.ts';

/**
 * Delivery: render per channel, sign, POST with per-endpoint rate limits, retries with exponential backoff for
 * 429/5xx/network errors (Retry-After honoured), and IM "too fast" error codes. One channel's failure never stops
 * another (Promise.allSettled in deliverAll).
 */

export type ResolvedChannel =
  | { type: 'slack'; name: string; webhookUrl?: string; token?: string; channel?: string; apiBaseUrl?: string }
  | { type: 'dingtalk'; name: string; webhookUrl: string; secret?: string; atMobiles?: string[] }
  | { type: 'feishu'; name: string; webhookUrl: string; secret?: string }
  | { type: 'wecom'; name: string; webhookUrl: string; mentionedList?: string[] }
  | { type: 'sns'; name: string; topicArn: string };

export interface SnsPublishInput {
  TopicArn: string;
  Subject: string;
  Message: string;
  MessageStructure: 'json';
}

/** Documented rate limits: Slack 1 msg/s per webhook; DingTalk and WeCom 20/min per robot; Feishu 5/s per bot. */
export const RATE_LIMITS = {
  slack: { capacity: 1, perSecond: 1 },
  dingtalk: { capacity: 20, perSecond: 20 / 60 },
  wecom: { capacity: 20, perSecond: 20 / 60 },
  feishu: { capacity: 5, perSecond: 5 },
} as const;
export type RateLimit = { capacity: number; perSecond: number };

export interface DeliveryDeps {
  fetch: typeof fetch;
  snsPublish: (input: SnsPublishInput) => Promise<{ MessageId?: string }>;
  store: StateStore;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  retries: number;
  timeoutMs: number;
  /** first backoff step; doubles each retry (full jitter is not used so tests are deterministic) */
  backoffBaseMs: number;
  /** a Retry-After longer than this is capped to it */
  maxRetryAfterMs: number;
  rateLimits: Record<'slack' | 'dingtalk' | 'wecom' | 'feishu', RateLimit>;
  /**
   * Epoch ms after which no retry is started (the handler sets it from the Lambda's remaining time): a wait that
   * would end past it fails the channel instead, so the invocation ends in time and Lambda's own retry takes over.
   */
  deadline?: number;
}

export function defaultDeliveryDeps(p: Pick<DeliveryDeps, 'snsPublish' | 'store'> & Partial<DeliveryDeps>): DeliveryDeps {
  return {
    fetch: globalThis.fetch,
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    retries: 3,
    timeoutMs: 10_000,
    backoffBaseMs: 500,
    maxRetryAfterMs: 20_000,
    rateLimits: { ...RATE_LIMITS },
    ...p,
  };
}

// ---- token buckets, module scope: they outlive one invocation in a warm Lambda ----
const buckets = new Map<string, { tokens: number; at: number }>();

/** Waits until the endpoint has a token. Keyed by endpoint (origin + path), not by query (DingTalk signs in the query). */
export async function takeToken(key: string, limit: RateLimit, deps: Pick<DeliveryDeps, 'now' | 'sleep'>): Promise<number> {
  let waited = 0;
  for (;;) {
    const now = deps.now();
    const b = buckets.get(key) ?? { tokens: limit.capacity, at: now };
    b.tokens = Math.min(limit.capacity, b.tokens + ((now - b.at) / 1000) * limit.perSecond);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      buckets.set(key, b);
      return waited;
    }
    buckets.set(key, b);
    const ms = Math.ceil(((1 - b.tokens) / limit.perSecond) * 1000);
    waited += ms;
    await deps.sleep(ms);
  }
}

export function resetRateLimits(): void {
  buckets.clear();
}

function endpointKey(url: string): string {
  const u = new URL(url);
  // DingTalk / WeCom identify the robot by a query token: keep it in the key, drop signing parameters
  u.searchParams.delete('timestamp');
  u.searchParams.delete('sign');
  return u.toString();
}

type Verdict = { ok: true; data?: unknown } | { ok: false; retry: boolean; reason: string };

/** How each platform says "ok", "slow down" and "no" in a 200 response body. */
function judge(type: ResolvedChannel['type'] | 'slack-api', status: number, text: string): Verdict {
  if (status === 429) return { ok: false, retry: true, reason: `HTTP 429 ${text.slice(0, 120)}` };
  if (status >= 500) return { ok: false, retry: true, reason: `HTTP ${status} ${text.slice(0, 120)}` };
  if (status < 200 || status >= 300) return { ok: false, retry: false, reason: `HTTP ${status} ${text.slice(0, 200)}` };
  let j: Record<string, unknown> = {};
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object') j = v as Record<string, unknown>;
  } catch {
    // Slack webhooks answer plain "ok"
  }
  switch (type) {
    case 'slack':
      return text.trim() === 'ok' || j.ok === true ? { ok: true } : { ok: false, retry: false, reason: `slack answered ${text.slice(0, 120)}` };
    case 'slack-api':
      if (j.ok === true) return { ok: true, data: j };
      return { ok: false, retry: j.error === 'ratelimited', reason: `slack error ${String(j.error ?? text.slice(0, 120))}` };
    case 'dingtalk':
    case 'wecom': {
      const code = Number(j.errcode ?? -1);
      if (code === 0) return { ok: true };
      // DingTalk 130101 "send too fast"; WeCom 45009 "api freq out of limit"
      return { ok: false, retry: code === 130101 || code === 45009, reason: `${type} errcode ${code} ${String(j.errmsg ?? '')}`.trim() };
    }
    case 'feishu': {
      const code = Number(j.code ?? j.StatusCode ?? -1);
      if (code === 0) return { ok: true };
      // 11232: frequency limited
      return { ok: false, retry: code === 11232, reason: `feishu code ${code} ${String(j.msg ?? j.StatusMessage ?? '')}`.trim() };
    }
    default:
      return { ok: true };
  }
}

function retryAfterMs(h: string | null, now: number): number | undefined {
  if (!h) return undefined;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(h);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

export interface Attempted {
  attempts: number;
  data?: unknown;
}

/**
 * POSTs JSON, retrying what is retryable. `makeRequest` is called per attempt so signatures get a fresh timestamp.
 */
class OutOfTime extends Error {}

/** Sleeps `ms` unless that would cross the deadline. */
async function waitOrGiveUp(ms: number, deps: DeliveryDeps): Promise<void> {
  if (deps.deadline !== undefined && deps.now() + ms > deps.deadline) throw new OutOfTime(`no time left to wait ${ms} ms before retrying`);
  await deps.sleep(ms);
}

async function postWithRetry(
  channel: string,
  type: ResolvedChannel['type'] | 'slack-api',
  limit: RateLimit | undefined,
  makeRequest: () => { url: string; body: unknown; headers?: Record<string, string> },
  deps: DeliveryDeps,
): Promise<Attempted> {
  let last: NotifierDeliveryError | undefined;
  for (let attempt = 0; attempt <= deps.retries; attempt++) {
    const req = makeRequest();
    if (limit) await takeToken(endpointKey(req.url), limit, deps);
    let res: Response;
    let text: string;
    try {
      res = await deps.fetch(req.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', ...req.headers },
        body: JSON.stringify(req.body),
        signal: AbortSignal.timeout(deps.timeoutMs),
        redirect: 'error',
      });
      text = await res.text();
    } catch (err) {
      last = new NotifierDeliveryError(channel, `request failed: ${(err as Error).message}`, { permanent: false }, { cause: err });
      if (attempt < deps.retries) {
        try {
          await waitOrGiveUp(deps.backoffBaseMs * 2 ** attempt, deps);
        } catch (e) {
          throw new NotifierDeliveryError(channel, `${(e as Error).message}: ${last.message}`, { permanent: false }, { cause: last });
        }
      }
      continue;
    }
    const v = judge(type, res.status, text);
    if (v.ok) return { attempts: attempt + 1, ...(v.data !== undefined ? { data: v.data } : {}) };
    last = new NotifierDeliveryError(channel, v.reason, { status: res.status, permanent: !v.retry });
    if (!v.retry) throw last;
    if (attempt < deps.retries) {
      const ra = retryAfterMs(res.headers.get('retry-after'), deps.now());
      try {
        await waitOrGiveUp(Math.min(deps.maxRetryAfterMs, ra ?? deps.backoffBaseMs * 2 ** attempt), deps);
      } catch (e) {
        throw new NotifierDeliveryError(channel, `${(e as Error).message}: ${last.message}`, { ...(last.status !== undefined ? { status: last.status } : {}), permanent: false }, { cause: last });
      }
    }
  }
  throw new NotifierDeliveryError(channel, `gave up after ${deps.retries + 1} attempts: ${last?.message ?? 'unknown error'}`, { ...(last?.status !== undefined ? { status: last.status } : {}), permanent: false }, { cause: last });
}

const THREAD_TTL_SECONDS = 14 * 86_400;

export interface ChannelResult {
  channel: string;
  type: ResolvedChannel['type'];
  attempts: number;
  /** Slack chat.postMessage ts / SNS MessageId */
  id?: string;
  /** Slack bot: whether the firing message was edited to show the resolve (chat.update) */
  edited?: boolean;
}

export async function deliverOne(msg: NotifyMessage, ch: ResolvedChannel, deps: DeliveryDeps): Promise<ChannelResult> {
  switch (ch.type) {
    case 'slack': {
      if (ch.token) {
        if (!ch.channel) throw new NotifierDeliveryError(ch.name, 'a Slack bot token needs a channel', { permanent: true });
        const threadKey = `slack-thread:${ch.name}:${ch.channel}:${msg.threadKey}`;
        const threadTs = msg.status === 'resolved' ? await deps.store.get<string>(threadKey) : undefined;
        const base = (ch.apiBaseUrl ?? 'https://slack.com/api').replace(/\/$/, '');
        const body = renderSlack(msg, { channel: ch.channel, ...(threadTs ? { threadTs } : {}) });
        const r = await postWithRetry(ch.name, 'slack-api', deps.rateLimits.slack, () => ({ url: `${base}/chat.postMessage`, body, headers: { authorization: `Bearer ${ch.token}` } }), deps);
        const ts = (r.data as { ts?: unknown } | undefined)?.ts;
        if (typeof ts === 'string' && msg.status === 'alarm') await deps.store.put(threadKey, ts, THREAD_TTL_SECONDS);
        let edited: boolean | undefined;
        if (threadTs) {
          // edit the firing message in place so the channel shows the alarm as resolved; the thread keeps the history
          const update = { ...renderSlack(msg, { channel: ch.channel }), ts: threadTs };
          edited = await postWithRetry(ch.name, 'slack-api', deps.rateLimits.slack, () => ({ url: `${base}/chat.update`, body: update, headers: { authorization: `Bearer ${ch.token}` } }), deps).then(
            () => true,
            () => false,
          );
        }
        return { channel: ch.name, type: ch.type, attempts: r.attempts, ...(typeof ts === 'string' ? { id: ts } : {}), ...(edited !== undefined ? { edited } : {}) };
      }
      if (!ch.webhookUrl) throw new NotifierDeliveryError(ch.name, 'a Slack channel needs webhookUrl or token', { permanent: true });
      const url = ch.webhookUrl;
      const body = renderSlack(msg);
      const r = await postWithRetry(ch.name, 'slack', deps.rateLimits.slack, () => ({ url, body }), deps);
      return { channel: ch.name, type: ch.type, attempts: r.attempts };
    }
    case 'dingtalk': {
      const body = renderDingTalk(msg, ch.atMobiles ? { atMobiles: ch.atMobiles } : {});
      const r = await postWithRetry(ch.name, 'dingtalk', deps.rateLimits.dingtalk, () => ({ url: ch.secret ? dingtalkSignedUrl(ch.webhookUrl, ch.secret, deps.now()) : ch.webhookUrl, body }), deps);
      return { channel: ch.name, type: ch.type, attempts: r.attempts };
    }
    case 'feishu': {
      const card = renderFeishu(msg);
      const r = await postWithRetry(
        ch.name,
        'feishu',
        deps.rateLimits.feishu,
        () => {
          if (!ch.secret) return { url: ch.webhookUrl, body: card };
          const ts = Math.floor(deps.now() / 1000);
          return { url: ch.webhookUrl, body: { timestamp: String(ts), sign: feishuSign(ch.secret, ts), ...card } };
        },
        deps,
      );
      return { channel: ch.name, type: ch.type, attempts: r.attempts };
    }
    case 'wecom': {
      const body = renderWeCom(msg, ch.mentionedList ? { mentionedList: ch.mentionedList } : {});
      const r = await postWithRetry(ch.name, 'wecom', deps.rateLimits.wecom, () => ({ url: ch.webhookUrl, body }), deps);
      return { channel: ch.name, type: ch.type, attempts: r.attempts };
    }
    case 'sns': {
      const t = renderSnsText(msg);
      let attempts = 0;
      for (;;) {
        attempts += 1;
        try {
          const out = await deps.snsPublish({
            TopicArn: ch.topicArn,
            Subject: t.subject,
            MessageStructure: 'json',
            Message: JSON.stringify({ default: t.email, email: t.email, sms: t.sms }),
          });
          return { channel: ch.name, type: ch.type, attempts, ...(out.MessageId ? { id: out.MessageId } : {}) };
        } catch (err) {
          const name = (err as { name?: string }).name ?? '';
          const retryable = /Throttl|InternalError|ServiceUnavailable|TimeoutError|ECONNRESET/.test(name);
          if (!retryable || attempts > deps.retries) {
            throw new NotifierDeliveryError(ch.name, `SNS publish failed: ${name} ${(err as Error).message}`.trim(), { permanent: !retryable }, { cause: err });
          }
          try {
            await waitOrGiveUp(deps.backoffBaseMs * 2 ** (attempts - 1), deps);
          } catch (e) {
            throw new NotifierDeliveryError(ch.name, `${(e as Error).message}: SNS publish failed: ${name}`, { permanent: false }, { cause: err });
          }
        }
      }
    }
  }
}

export interface DeliveryReport {
  delivered: ChannelResult[];
  failed: NotifierDeliveryError[];
}

/** Every channel settles; nothing here throws. */
export async function deliverAll(msg: NotifyMessage, channels: ResolvedChannel[], deps: DeliveryDeps): Promise<DeliveryReport> {
  const settled = await Promise.allSettled(channels.map((c) => deliverOne(msg, c, deps)));
  const report: DeliveryReport = { delivered: [], failed: [] };
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') report.delivered.push(s.value);
    else {
      const name = channels[i]?.name ?? '?';
      report.failed.push(s.reason instanceof NotifierDeliveryError ? s.reason : new NotifierDeliveryError(name, String((s.reason as Error)?.message ?? s.reason), { permanent: false }, { cause: s.reason }));
    }
  });
  return report;
}
