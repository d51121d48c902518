/**
 * mirror-manager: CloudTrail workload changes (forwarded as `NetWatch Workload Change`), EC2 instance state changes,
 * a schedule and `netwatch mirror backfill` → one idempotent reconcile of traffic-mirror sessions → VNI map in S3.
 * Same env as the nacl-responder (NETWATCH_CONFIG, NETWATCH_LOCAL, LAKE_BUCKET, LAKE_PREFIX) plus
 * MIRROR_TARGET_ID / MIRROR_FILTER_ID (override mirroring.targetId / filterId; set from the stack).
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, withDefaults } from '../../shared/middleware.ts';
import { ec2Client, s3Client } from '../../shared/aws/clients.ts';
import { ec2MirrorExecutor, ec2MirrorReader, s3MapStore } from '../../shared/aws/ec2-mirror.ts';
import { ConfigError } from '../../shared/errors.ts';
import type { NetwatchConfig } from '../../shared/config/schema.ts';
import { decodeMirrorEvent } from '../../shared/mirror/events.ts';
import { cachedConfig, configPath, isLocalMode } from '../nacl-responder/deps.ts';
import { localMirror } from './local.ts';
import { manage, type MirrorDeps, type MirrorOutcome } from './manage.ts';

export interface MirrorSummary {
  trigger: string;
  mode: 'local' | 'aws';
  desired: number;
  calls: { call: string; target: string; reason: string }[];
  skipped: { code: string; eniId: string; instanceId?: string }[];
  mapChanged: boolean;
  mapLocation: string;
  mapSessions: number;
}

export function mirrorDeps(cfg: NetwatchConfig, cfgPath: string, local: boolean, write?: (line: string) => void): MirrorDeps {
  if (local) return localMirror(cfg, cfgPath, write);
  const bucket = process.env.LAKE_BUCKET ?? cfg.lake.bucket;
  if (!bucket) throw new ConfigError('LAKE_BUCKET (or lake.bucket) must name the bucket for the VNI map');
  const prefix = process.env.LAKE_PREFIX ?? cfg.lake.prefix;
  return {
    reader: ec2MirrorReader(ec2Client()),
    executor: ec2MirrorExecutor(ec2Client()),
    maps: s3MapStore(s3Client(), bucket, `${prefix}${cfg.mirroring.vniMapKey}`),
  };
}

function summarise(o: MirrorOutcome, local: boolean): MirrorSummary {
  return {
    trigger: o.trigger,
    mode: local ? 'local' : 'aws',
    desired: o.desired,
    calls: [
      ...o.filterCalls.map((c) => {
        const i = c.input as { TrafficMirrorFilterId?: string; TrafficMirrorFilterRuleId?: string };
        return { call: c.call, target: i.TrafficMirrorFilterId ?? i.TrafficMirrorFilterRuleId ?? o.filterId, reason: `filter preset ${o.filterPreset}` };
      }),
      ...o.actions.map((a) => {
        const i = a.call.input as { NetworkInterfaceId?: string; TrafficMirrorSessionId?: string };
        return { call: a.call.call, target: i.NetworkInterfaceId ?? i.TrafficMirrorSessionId ?? '', reason: a.reason };
      }),
    ],
    skipped: o.skipped.map((s) => ({ code: s.code, eniId: s.eniId, ...(s.instanceId ? { instanceId: s.instanceId } : {}) })),
    mapChanged: o.mapChanged,
    mapLocation: o.mapLocation,
    mapSessions: o.mapSessions,
  };
}

export async function run(event: unknown): Promise<MirrorSummary> {
  const path = configPath();
  const cfg = await cachedConfig(path);
  const local = isLocalMode();
  const intent = decodeMirrorEvent(event);
  const outcome = await manage(intent, cfg, mirrorDeps(cfg, path, local));
  if (local) {
    // stdout carries only the planned calls; skips go to stderr
    for (const s of outcome.skipped) process.stderr.write(`${JSON.stringify({ skipped: s })}\n`);
  } else {
    for (const c of outcome.filterCalls) logger.info('mirror filter call', { call: c.call, ...c.input });
    for (const a of outcome.actions) logger.info('mirror call', { call: a.call.call, reason: a.reason, ...a.call.input });
    for (const s of outcome.skipped) logger.warn('eni not mirrored', { ...s });
    if (outcome.mapChanged) logger.info('vni map published', { location: outcome.mapLocation, sessions: outcome.mapSessions });
  }
  return summarise(outcome, local);
}

/** As the nacl-responder: in local mode stdout carries only the planned calls; the summary goes to stderr. */
export const handler = withDefaults(middy<unknown, MirrorSummary | undefined, Error, Context>()).handler(async (event) => {
  const summary = await run(event);
  if (summary.mode !== 'local') return summary;
  process.stderr.write(`${JSON.stringify({ summary })}\n`);
  return undefined;
});
