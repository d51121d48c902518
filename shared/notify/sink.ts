import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyDingtalk, verifyFeishu } from './sign.ts';
import type { SignatureCheck } from './sign.ts';

/**
 * A local webhook sink on 127.0.0.1 for the demo and the tests: it accepts what Slack, DingTalk, Feishu and WeCom
 * accept, answers the way they answer, verifies DingTalk/Feishu signatures when given the secrets, and records
 * (and optionally prints) every request.
 */

export type SinkKind = 'slack' | 'slack-api' | 'dingtalk' | 'feishu' | 'wecom' | 'unknown';

export interface SinkRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: unknown;
  kind: SinkKind;
  signature: SignatureCheck | 'unchecked';
  at: number;
}

export interface SinkReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface WebhookSinkOptions {
  port?: number;
  /** verification secrets; a request of that kind whose signature does not verify gets the platform's error */
  secrets?: { dingtalk?: string; feishu?: string };
  /** print a readable line per request (true: to stdout) */
  print?: boolean | ((line: string) => void);
  /** override the reply (e.g. 429 / 500 in tests); undefined keeps the platform's normal answer */
  respond?: (req: SinkRequest) => SinkReply | undefined;
  /** request bodies above this are rejected with 413 */
  maxBodyBytes?: number;
}

export interface WebhookSink {
  url(path?: string): string;
  close(): Promise<void>;
  received: SinkRequest[];
}

function kindOf(path: string, body: unknown): SinkKind {
  const b = (body ?? {}) as Record<string, unknown>;
  if (path.endsWith('/chat.postMessage') || path.endsWith('/chat.update')) return 'slack-api';
  if (path.startsWith('/slack')) return 'slack';
  if (path.startsWith('/dingtalk')) return 'dingtalk';
  if (path.startsWith('/feishu') || path.startsWith('/lark')) return 'feishu';
  if (path.startsWith('/wecom')) return 'wecom';
  if (typeof b.msg_type === 'string') return 'feishu';
  if (b.msgtype === 'markdown' && typeof (b.markdown as Record<string, unknown> | undefined)?.content === 'string') return 'wecom';
  if (typeof b.msgtype === 'string') return 'dingtalk';
  if (Array.isArray(b.blocks) || typeof b.text === 'string') return 'slack';
  return 'unknown';
}

function normalReply(r: SinkRequest, tsCounter: number): SinkReply {
  switch (r.kind) {
    case 'slack':
      return { status: 200, body: 'ok' };
    case 'slack-api': {
      const b = (r.body ?? {}) as { channel?: string; ts?: string };
      // chat.update answers with the ts it edited; chat.postMessage with a new one
      const ts = r.path.endsWith('/chat.update') && b.ts ? b.ts : `1700000000.${String(tsCounter).padStart(6, '0')}`;
      return { status: 200, body: { ok: true, channel: b.channel ?? 'C0', ts } };
    }
    case 'dingtalk':
      if (r.signature === 'invalid' || r.signature === 'missing' || r.signature === 'expired') return { status: 200, body: { errcode: 310000, errmsg: `sign not match (${r.signature})` } };
      return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
    case 'feishu':
      if (r.signature === 'invalid' || r.signature === 'missing' || r.signature === 'expired') return { status: 200, body: { code: 19021, msg: `sign match fail (${r.signature})`, data: {} } };
      return { status: 200, body: { code: 0, msg: 'success', data: {} } };
    case 'wecom':
      return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
    default:
      return { status: 404, body: { error: 'unknown webhook kind' } };
  }
}

function describe(r: SinkRequest): string {
  const b = (r.body ?? {}) as Record<string, any>;
  let text = '';
  if (r.kind === 'slack' || r.kind === 'slack-api') text = String(b.text ?? '');
  else if (r.kind === 'dingtalk') text = String(b.markdown?.text ?? b.text?.content ?? '');
  else if (r.kind === 'wecom') text = String(b.markdown?.content ?? '');
  else if (r.kind === 'feishu') text = `${b.card?.header?.title?.content ?? ''}\n${(b.card?.elements ?? []).map((e: any) => e?.text?.content ?? '').filter(Boolean).join('\n')}`;
  const sig = r.signature === 'unchecked' ? '' : ` signature=${r.signature}`;
  return `[sink] ${r.kind} ${r.method} ${r.path}${sig}\n${text}\n`;
}

export async function startWebhookSink(opts: WebhookSinkOptions = {}): Promise<WebhookSink> {
  const received: SinkRequest[] = [];
  const max = opts.maxBodyBytes ?? 1024 * 1024;
  const print = opts.print === true ? (l: string) => process.stdout.write(l) : typeof opts.print === 'function' ? opts.print : undefined;
  let counter = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= max) chunks.push(c);
    });
    req.on('end', () => {
      const reply = (r: SinkReply) => {
        const payload = typeof r.body === 'string' ? r.body : JSON.stringify(r.body ?? {});
        res.writeHead(r.status, { 'content-type': typeof r.body === 'string' ? 'text/plain' : 'application/json', ...r.headers });
        res.end(payload);
      };
      if (size > max) return reply({ status: 413, body: 'too large' });
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const kind = kindOf(u.pathname, body);
      let signature: SinkRequest['signature'] = 'unchecked';
      if (kind === 'dingtalk' && opts.secrets?.dingtalk) signature = verifyDingtalk(opts.secrets.dingtalk, u.searchParams);
      if (kind === 'feishu' && opts.secrets?.feishu) signature = verifyFeishu(opts.secrets.feishu, (body ?? {}) as { timestamp?: unknown; sign?: unknown });
      const r: SinkRequest = { method: req.method ?? '?', path: u.pathname, query: u.searchParams, headers: req.headers, raw, body, kind, signature, at: Date.now() };
      received.push(r);
      print?.(describe(r));
      counter += 1;
      if (body === undefined && kind !== 'unknown') return reply({ status: 400, body: 'invalid_payload' });
      reply(opts.respond?.(r) ?? normalReply(r, counter));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path = '/') => `http://127.0.0.1:${port}${path.startsWith('/') ? path : `/${path}`}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    received,
  };
}
