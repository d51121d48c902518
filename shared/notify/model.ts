/**
 * The readable message model every event is turned into before it is rendered for a channel.
 * Pure data: formatters (alarm.ts, cloudtrail.ts, finding.ts) build it, renderers (channels/*.ts) consume it.
 * Every string in here is plain text that may have come from an event; renderers escape it for their markup.
 */

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SOURCES = ['alarm', 'cloudtrail', 'finding'] as const;
export type Source = (typeof SOURCES)[number];

/**
 * alarm: an alarm entered ALARM; resolved: it went back to OK (or an Insight ended); insufficient: INSUFFICIENT_DATA;
 * change: a network-relevant API call succeeded; attempt-failed: the call failed (errorCode); info: anything else.
 */
export const STATUSES = ['alarm', 'resolved', 'insufficient', 'change', 'attempt-failed', 'info'] as const;
export type Status = (typeof STATUSES)[number];

export interface Field {
  label: string;
  value: string;
}

export interface NotifyMessage {
  source: Source;
  severity: Severity;
  status: Status;
  /** one line, no markup: "ALARM: ServerCpuTooHigh" */
  title: string;
  /** plain sentences, most important first: what happened, in words */
  summary: string[];
  /** ordered label/value pairs (metric, dimensions, who, from where, ...) */
  fields: Field[];
  link?: { label: string; url: string };
  account: string;
  region: string;
  /** ISO-8601 time of the event */
  time: string;
  /** same key = same notification (EventBridge/Lambda redelivery) */
  dedupKey: string;
  /** messages about the same thing (an alarm's firing and its resolve) share it: threads, flapping */
  threadKey: string;
  alarmName?: string;
  /** extra notes appended by the pipeline (e.g. "4 flapping transitions were not sent") */
  notes?: string[];
}

export const STATUS_EMOJI: Record<Status, string> = {
  alarm: '🔴',
  resolved: '✅',
  insufficient: '⚪',
  change: '🟠',
  'attempt-failed': '⚠️',
  info: 'ℹ️',
};

export const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}
