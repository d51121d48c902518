/**
 * Wiring for alarm-notify and cloudtrail-watch: config, secrets, state store, SNS and EventBridge, chosen by mode.
 *
 * Config, first found: NETWATCH_CONFIG_JSON (the whole config inline); in Lambda NETWATCH_CONFIG_PARAM (an SSM String
 * parameter holding the YAML, cached 5 min); the file NETWATCH_CONFIG (default ./netwatch.config.yml; serverless.yml
 * packages it).
 * State: local mode `<local.stateDir>/notify/`; Lambda the DynamoDB table NOTIFY_STATE_TABLE.
 * SNS / EventBridge: local mode appends to `<local.stateDir>/notify-outbox.jsonl`; Lambda publishes (bus EVENT_BUS_NAME).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { loadConfig } from '../config/load.ts';
import type { NetwatchConfig } from '../config/schema.ts';
import { defaultDeliveryDeps } from '../notify/deliver.ts';
import type { DeliveryDeps, ResolvedChannel, SnsPublishInput } from '../notify/deliver.ts';
import { appendOutbox, isLocalMode, stateDir } from '../notify/local.ts';
import type { PipelineCtx } from '../notify/pipeline.ts';
import { createSecretResolver, resolveChannel } from '../notify/secrets.ts';
import type { SecretFetchers, SecretResolver } from '../notify/secrets.ts';
import { FileStateStore } from '../notify/store.ts';
import type { StateStore } from '../notify/store.ts';
import { alarmTagLookup } from './cloudwatch-tags.ts';
import type { AlarmTagLookup } from './cloudwatch-tags.ts';
import { DynamoStateStore } from './dynamodb-state.ts';
import { putEvents } from './eventbridge.ts';
import type { BusEvent } from './eventbridge.ts';
import { awsSecretFetchers, configFromSsm } from './parameters.ts';
import { configFromEnvironment } from '../config/environment.ts';
import { snsPublisher } from './sns.ts';

export interface NotifyRuntime {
  config: NetwatchConfig;
  local: boolean;
  /** local mode: absolute state directory */
  stateDir?: string;
  ctx: PipelineCtx;
  /** EventBridge (bus EVENT_BUS_NAME, default "netwatch") or, locally, the outbox file */
  publish: (events: BusEvent[]) => Promise<void>;
  /** alarm tags by ARN (AWS mode); local mode has none */
  alarmTags: AlarmTagLookup;
  /** EMF documents: one stdout line each in Lambda (CloudWatch extracts the metrics); dropped in local mode */
  emitMetrics: (docs: Record<string, unknown>[]) => void;
}

export interface RuntimeOverrides {
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  secretFetchers?: SecretFetchers;
  store?: StateStore;
  snsPublish?: (input: SnsPublishInput) => Promise<{ MessageId?: string }>;
  publish?: (events: BusEvent[]) => Promise<void>;
  alarmTags?: AlarmTagLookup;
  emitMetrics?: (docs: Record<string, unknown>[]) => void;
  /** called when an alarm-tag lookup fails (the notification goes on without tags) */
  onTagLookupError?: (arn: string, err: unknown) => void;
  backoffBaseMs?: number;
  maxRetryAfterMs?: number;
  rateLimits?: DeliveryDeps['rateLimits'];
  /** epoch ms: no delivery retry starts after it (handlers derive it from the Lambda's remaining time) */
  deadline?: number;
}

async function readConfig(env: NodeJS.ProcessEnv, local: boolean): Promise<NetwatchConfig> {
  return (await configFromEnvironment(env, { local, fromSsm: configFromSsm })) ?? loadConfig(env.NETWATCH_CONFIG ?? './netwatch.config.yml');
}

// resolvers cache secrets for the life of the process; one per mode
const resolvers = new Map<string, SecretResolver>();

export async function notifyRuntime(env: NodeJS.ProcessEnv = process.env, o: RuntimeOverrides = {}): Promise<NotifyRuntime> {
  const local = isLocalMode(env);
  const config = await readConfig(env, local);
  const dir = local ? stateDir(config.local.stateDir) : undefined;

  let resolve: SecretResolver;
  if (o.secretFetchers) resolve = createSecretResolver(o.secretFetchers, { allowLiterals: local });
  else {
    const k = local ? 'local' : 'aws';
    resolve = resolvers.get(k) ?? createSecretResolver(awsSecretFetchers(), { allowLiterals: local });
    resolvers.set(k, resolve);
  }

  let store = o.store;
  if (!store) {
    if (dir) store = new FileStateStore(join(dir, 'notify'), o.now);
    else {
      const table = env.NOTIFY_STATE_TABLE;
      if (!table) throw new ConfigError('NOTIFY_STATE_TABLE: environment variable not set (the DynamoDB dedup table)');
      store = new DynamoStateStore(table, undefined, o.now);
    }
  }

  const snsPublish =
    o.snsPublish ??
    (dir
      ? async (input: SnsPublishInput) => {
          await appendOutbox(dir, 'sns.publish', input);
          return { MessageId: `local-${createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 16)}` };
        }
      : snsPublisher());

  const busName = env.EVENT_BUS_NAME ?? 'netwatch';
  const publish =
    o.publish ??
    (dir
      ? async (events: BusEvent[]) => {
          for (const e of events) await appendOutbox(dir, 'events.putEvents', { EventBusName: busName, Source: e.source, DetailType: e.detailType, Detail: e.detail });
        }
      : async (events: BusEvent[]) => {
          await putEvents(busName, events);
        });

  const deps = defaultDeliveryDeps({
    snsPublish,
    store,
    retries: config.notify.retries,
    timeoutMs: config.notify.timeoutMs,
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.now ? { now: o.now } : {}),
    ...(o.sleep ? { sleep: o.sleep } : {}),
    ...(o.backoffBaseMs !== undefined ? { backoffBaseMs: o.backoffBaseMs } : {}),
    ...(o.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: o.maxRetryAfterMs } : {}),
    ...(o.rateLimits ? { rateLimits: o.rateLimits } : {}),
    ...(o.deadline !== undefined ? { deadline: o.deadline } : {}),
  });

  const channelCache = new Map<string, Promise<ResolvedChannel>>();
  const ctx: PipelineCtx = {
    routes: config.routes,
    store,
    settings: config.notify,
    deps,
    channel: (name) => {
      let p = channelCache.get(name);
      if (!p) {
        const ch = config.channels[name];
        p = ch ? resolveChannel(name, ch, resolve) : Promise.reject(new ConfigError(`routes: unknown channel "${name}"`));
        channelCache.set(name, p);
      }
      return p;
    },
  };
  const alarmTags = o.alarmTags ?? (dir ? async () => ({}) : alarmTagLookup(o.onTagLookupError ?? (() => undefined)));
  const emitMetrics =
    o.emitMetrics ?? (dir ? () => undefined : (docs: Record<string, unknown>[]) => docs.forEach((d) => process.stdout.write(`${JSON.stringify(d)}\n`)));
  return { config, local, ...(dir ? { stateDir: dir } : {}), ctx, publish, alarmTags, emitMetrics };
}
