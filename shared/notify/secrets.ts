import { ConfigError } from '../errors.ts';
import { isAllowedWebhookUrl } from '../config/schema.ts';
import type { Channel, SecretRef } from '../config/schema.ts';
import type { ResolvedChannel } from './deliver.ts';
import { SecretResolutionError } from './errors.ts';

/**
 * Secrets (webhook URLs, bot tokens, signing secrets) by reference: `{ssm: name}` (SSM SecureString, decrypted) or
 * `{secret: arn-or-name}` (Secrets Manager). Each reference is fetched once and cached for the life of the process
 * (the fetchers add their own max-age). Literal strings are allowed only in local mode.
 */

export interface SecretFetchers {
  ssm: (name: string) => Promise<string>;
  secret: (id: string) => Promise<string>;
}

export interface SecretResolver {
  (key: string, ref: SecretRef): Promise<string>;
}

export function createSecretResolver(fetchers: SecretFetchers, opts: { allowLiterals: boolean }): SecretResolver {
  const cache = new Map<string, Promise<string>>();
  return async (key, ref) => {
    if (typeof ref === 'string') {
      if (!opts.allowLiterals) {
        throw new SecretResolutionError(key, 'literal secrets are allowed only in local mode; use {ssm: /netwatch/...} or {secret: ...}');
      }
      return ref;
    }
    const id = 'ssm' in ref ? `ssm:${ref.ssm}` : `secret:${ref.secret}`;
    let p = cache.get(id);
    if (!p) {
      p = ('ssm' in ref ? fetchers.ssm(ref.ssm) : fetchers.secret(ref.secret)).then((v) => {
        if (typeof v !== 'string' || v.length === 0) throw new SecretResolutionError(key, `${id} is empty`);
        return v.trim();
      });
      cache.set(id, p);
      // a failed fetch is not cached: the next invocation tries again
      p.catch(() => cache.delete(id));
    }
    try {
      return await p;
    } catch (err) {
      if (err instanceof SecretResolutionError) throw err;
      throw new SecretResolutionError(key, `cannot resolve ${id}: ${(err as Error).message}`, { cause: err });
    }
  };
}

async function url(resolve: SecretResolver, key: string, ref: SecretRef): Promise<string> {
  const v = await resolve(key, ref);
  if (!isAllowedWebhookUrl(v)) throw new ConfigError(`${key}: webhook URL must be https (or http on a loopback address)`);
  return v;
}

/** A configured channel with its secrets resolved and URLs re-validated (a resolved reference is checked too). */
export async function resolveChannel(name: string, ch: Channel, resolve: SecretResolver): Promise<ResolvedChannel> {
  const k = (f: string) => `channels.${name}.${f}`;
  switch (ch.type) {
    case 'slack':
      if (!ch.webhookUrl && !ch.token) throw new ConfigError(`${k('webhookUrl')}: a Slack channel needs webhookUrl or token`);
      return {
        type: 'slack',
        name,
        ...(ch.webhookUrl ? { webhookUrl: await url(resolve, k('webhookUrl'), ch.webhookUrl) } : {}),
        ...(ch.token ? { token: await resolve(k('token'), ch.token) } : {}),
        ...(ch.channel ? { channel: ch.channel } : {}),
        ...(ch.apiBaseUrl ? { apiBaseUrl: ch.apiBaseUrl } : {}),
      };
    case 'dingtalk':
      return {
        type: 'dingtalk',
        name,
        webhookUrl: await url(resolve, k('webhookUrl'), ch.webhookUrl),
        ...(ch.secret ? { secret: await resolve(k('secret'), ch.secret) } : {}),
        ...(ch.atMobiles ? { atMobiles: ch.atMobiles } : {}),
      };
    case 'feishu':
      return {
        type: 'feishu',
        name,
        webhookUrl: await url(resolve, k('webhookUrl'), ch.webhookUrl),
        ...(ch.secret ? { secret: await resolve(k('secret'), ch.secret) } : {}),
      };
    case 'wecom':
      return { type: 'wecom', name, webhookUrl: await url(resolve, k('webhookUrl'), ch.webhookUrl), ...(ch.mentionedList ? { mentionedList: ch.mentionedList } : {}) };
    case 'sns':
      return { type: 'sns', name, topicArn: ch.topicArn };
  }
}
