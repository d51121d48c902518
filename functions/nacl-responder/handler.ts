/**
 * nacl-responder: findings (bus `netwatch`), GuardDuty findings, mapped alarms and the scheduled sweep → guarded
 * NACL deny entries with expiry, audit and notification. Thin: decode, build ports, call respond().
 * Works the same under `netwatch invoke nacl-responder --event e.json` (local mode prints the EC2 calls).
 */
import middy from '@middy/core';
import { emfLine } from '../../shared/athena/emf.ts';
import type { Context } from 'aws-lambda';
import { logger, withDefaults } from '../../shared/middleware.ts';
import { decodeEvent } from '../../shared/respond/requests.ts';
import { buildDeps, cachedConfig, configPath, isLocalMode } from './deps.ts';
import { respond, type Outcome } from './respond.ts';

export interface HandlerSummary {
  kind: Outcome['kind'];
  mode: Outcome['mode'];
  calls: number;
  extended: number;
  skipped: { code: string; cidr?: string; naclId?: string }[];
  drift: { code: string; naclId: string; ruleNumber?: number }[];
  ignored?: { code: string; detail: string };
}

export async function run(event: unknown): Promise<HandlerSummary> {
  const path = configPath();
  const cfg = await cachedConfig(path);
  const local = isLocalMode();
  const intent = decodeEvent(event, cfg);
  const built = buildDeps(cfg, path, { local });
  let outcome: Outcome;
  let active: number | undefined;
  try {
    outcome = await respond(intent, cfg, built.deps);
    // the dashboard's "active NACL blocks": the state after this run (one small read in AWS mode)
    if (!local && outcome.mode !== 'dry-run') active = (await built.deps.store.load()).state.blocks.length;
  } finally {
    await built.close();
  }
  if (active !== undefined) process.stdout.write(`${emfLine('ActiveNaclBlocks', active)}\n`);
  if (local) {
    // stdout carries only the planned calls (one JSON object a line); everything else goes to stderr
    for (const s of outcome.skipped) process.stderr.write(`${JSON.stringify({ skipped: s })}\n`);
    for (const d of outcome.drift) process.stderr.write(`${JSON.stringify({ drift: d })}\n`);
    if (outcome.ignored) process.stderr.write(`${JSON.stringify({ ignored: outcome.ignored })}\n`);
  } else {
    for (const s of outcome.applied) logger.info('nacl call', { call: s.call.call, ...s.call.input, mode: outcome.mode });
    for (const s of outcome.skipped) logger.warn('nacl block skipped', { ...s });
    for (const d of outcome.drift) logger.warn('nacl drift', { ...d });
    if (outcome.ignored) logger.info('event ignored', { ...outcome.ignored });
  }
  return {
    kind: outcome.kind,
    mode: outcome.mode,
    calls: outcome.applied.length,
    extended: outcome.extended.length,
    skipped: outcome.skipped.map((s) => ({ code: s.code, ...(s.cidr ? { cidr: s.cidr } : {}), ...(s.naclId ? { naclId: s.naclId } : {}) })),
    drift: outcome.drift.map((d) => ({ code: d.code, naclId: d.naclId, ...(d.ruleNumber !== undefined ? { ruleNumber: d.ruleNumber } : {}) })),
    ...(outcome.ignored ? { ignored: outcome.ignored } : {}),
  };
}

/**
 * In local mode stdout belongs to the planned calls (one JSON object a line, ARCHITECTURE.md "Local plans"): the
 * summary goes to stderr as one JSON line and the handler returns nothing. In Lambda it returns the summary.
 */
export const handler = withDefaults(middy<unknown, HandlerSummary | undefined, Error, Context>()).handler(async (event) => {
  const summary = await run(event);
  if (summary.mode !== 'local') return summary;
  process.stderr.write(`${JSON.stringify({ summary })}\n`);
  return undefined;
});
