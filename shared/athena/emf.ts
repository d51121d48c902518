/**
 * CloudWatch Embedded Metric Format: one JSON log line per metric set, which Lambda's log pipeline turns into
 * metrics in the `NetWatch` namespace (the names in monitoring.ts NETWATCH_METRICS). No SDK call, no agent.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import { NETWATCH_NAMESPACE, NETWATCH_METRICS } from './monitoring.ts';

export type NetwatchMetric = keyof typeof NETWATCH_METRICS;

/** An EMF log line for one metric value with its dimensions (values must name every dimension the metric has). */
export function emfLine(metric: NetwatchMetric, value: number, dimensions: Record<string, string> = {}, now = Date.now()): string {
  const def = NETWATCH_METRICS[metric];
  const dims = [...def.dimensions] as string[];
  for (const d of dims) if (dimensions[d] === undefined) throw new Error(`EMF ${metric}: dimension ${d} missing`);
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [{ Namespace: NETWATCH_NAMESPACE, Dimensions: [dims], Metrics: [{ Name: metric, Unit: def.unit }] }],
    },
    ...Object.fromEntries(dims.map((d) => [d, dimensions[d]])),
    [metric]: value,
  });
}
