/**
 * The scheduled side of the detections: every shared/athena/detections/*.sql over the last `lookbackDays` of the
 * lake, with thresholds from `detections.scheduled` in the config, results turned into findings. The same call
 * runs on Athena (a scheduled Lambda) or on DuckDB over a local lake.
 */
import { DetectionsConfig, type DetectionsConfigInput } from '../detect/config.ts';
import type { Finding } from '../respond/finding.ts';
import { runDetections, type RunOptions } from './index.ts';

const day = (d: Date) => d.toISOString().slice(0, 10);

/** from = today - lookbackDays, to = today (UTC dates, inclusive). */
export function detectionRange(now: Date, lookbackDays: number): { from: string; to: string } {
  return { from: day(new Date(now.getTime() - lookbackDays * 86_400_000)), to: day(now) };
}

/** The SQL parameters of the detection files, from the config. */
export function scheduledParams(cfg: DetectionsConfig): Record<string, string> {
  const s = cfg.scheduled;
  return {
    factor: String(s.egressOverBaseline.factor),
    min_bytes: String(s.egressOverBaseline.minBytes),
    min_ports: String(s.slowScan.minPorts),
    min_hosts: String(s.slowScan.minHosts),
    min_reject_ratio: String(s.slowScan.minRejectRatio),
    subnets: s.sensitiveSubnets.join(','),
  };
}

export async function runScheduledDetections(
  config: DetectionsConfigInput,
  o: Pick<RunOptions, 'engine' | 'lake' | 'athena'> & { now?: Date },
): Promise<Finding[]> {
  const cfg = DetectionsConfig.parse(config);
  if (!cfg.enabled || !cfg.scheduled.enabled) return [];
  const range = detectionRange(o.now ?? new Date(), cfg.scheduled.lookbackDays);
  // new-external-destination needs sensitive subnets; without any it would only scan for nothing
  const only = cfg.scheduled.sensitiveSubnets.length > 0 ? undefined : ['egress-over-baseline', 'slow-scan'];
  return runDetections({ ...o, ...range, params: scheduledParams(cfg), ...(only ? { only } : {}) });
}
