/**
 * scheduled-detections: on a schedule, run the SQL detections (shared/athena/detections/*.sql) over the last
 * `detections.scheduled.lookbackDays` of the lake on Athena, and publish their findings to the bus `netwatch`
 * (detail-type `NetWatch Finding`). Local mode runs the same SQL on DuckDB over NETWATCH_LAKE_DIR and appends the
 * findings to the audit log (<local.stateDir>/events.jsonl), like flow-log-ingest. Thin: config in, core call,
 * publish out; a failed query throws so the async retry / on-failure destination sees it.
 */
import middy from '@middy/core';
import { publishFindings } from '../../shared/aws/findings-bus.ts';
import { athenaClient } from '../../shared/aws/clients.ts';
import { emfLine } from '../../shared/athena/emf.ts';
import { runScheduledDetections } from '../../shared/athena/scheduled.ts';
import { isLocalMode, runtimeConfig } from '../../shared/config/runtime.ts';
import { PipelineError } from '../../shared/errors.ts';
import { logger, withDefaults } from '../../shared/middleware.ts';

export interface ScheduledResult {
  findings: number;
  types: Record<string, number>;
}

function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new PipelineError(`scheduled-detections: ${name} is not set`);
  return v;
}

/** The run's "today": the scheduled event's `time` (so a retried or replayed event reads the same days), else now. */
export function runTime(event: unknown): Date {
  const t = (event as { time?: unknown } | null)?.time;
  const d = typeof t === 'string' ? new Date(t) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : new Date();
}

export const handler = withDefaults(
  middy<unknown, ScheduledResult>().handler(async (event) => {
    const cfg = await runtimeConfig();
    const now = runTime(event);
    const findings = isLocalMode()
      ? await runScheduledDetections(cfg.detections, { engine: 'duckdb', lake: process.env.NETWATCH_LAKE_DIR ?? '.netwatch/lake', now })
      : await runScheduledDetections(cfg.detections, {
          engine: 'athena',
          now,
          athena: {
            client: athenaClient(),
            workGroup: requireEnv('ATHENA_WORKGROUP'),
            database: requireEnv('GLUE_DATABASE'),
            timeoutMs: Number(process.env.ATHENA_TIMEOUT_MS ?? 240_000),
          },
        });
    await publishFindings(findings);
    const types: Record<string, number> = {};
    for (const f of findings) types[f.type] = (types[f.type] ?? 0) + 1;
    logger.info('scheduled detections ran', { findings: findings.length, types });
    // NetWatch/Findings by Type (EMF on stdout): the dashboard's "findings by type"
    for (const [type, n] of Object.entries(types)) process.stdout.write(`${emfLine('Findings', n, { Type: type })}\n`);
    return { findings: findings.length, types };
  }),
);
