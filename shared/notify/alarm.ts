import type { AlarmResponse, AlarmsConfig } from './config.ts';
import { asList } from './config.ts';
import type { AlarmDetail, EventBridgeEnvelope, SnsAlarmMessage } from './events.ts';
import { alarmConsoleUrl, arnParts, regionFromLabel } from './links.ts';
import { DIMENSIONS, dimensionValue, formatValue, metricInfo } from './metrics.ts';
import type { MetricInfo } from './metrics.ts';
import type { Field, NotifyMessage, Severity, Status } from './model.ts';
import { formatDuration, formatNumber, globMatch, normaliseTime } from './text.ts';

/**
 * CloudWatch alarm state changes (EventBridge "CloudWatch Alarm State Change", or the JSON an alarm action puts on
 * an SNS topic) → one normalised AlarmChange → a NotifyMessage a person reads in five seconds.
 */

export interface AlarmMetric {
  namespace?: string;
  name?: string;
  dimensions: Record<string, string>;
  stat?: string;
  period?: number;
}

export interface AlarmChange {
  alarmName: string;
  alarmArn?: string;
  /** the alarm's tags, when the handler could look them up (AWS mode) */
  tags?: Record<string, string>;
  description?: string;
  account: string;
  region: string;
  /** ISO time of the state change */
  time: string;
  state: string;
  previousState?: string;
  reason?: string;
  reasonData?: Record<string, unknown>;
  metrics: AlarmMetric[];
  /** the returned expression of a metric-math / anomaly / Metrics Insights alarm */
  expression?: { expression: string; label?: string };
  threshold?: number;
  comparison?: string;
  composite?: { rule: string; triggering: { name: string; state: string }[]; suppressor?: string; suppressedBy?: string };
  evaluationState?: string;
  /** stable id of this transition (state timestamp) */
  transitionId: string;
}

function parseJsonObject(s: string | undefined): Record<string, unknown> | undefined {
  if (!s) return undefined;
  try {
    const v: unknown = JSON.parse(s);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function alarmNameFromArn(arn: string): string {
  const i = arn.indexOf(':alarm:');
  return i >= 0 ? arn.slice(i + ':alarm:'.length) : arn;
}

export function fromEventBridge(env: EventBridgeEnvelope, d: AlarmDetail): AlarmChange {
  const cfg = d.configuration;
  const metrics: AlarmMetric[] = [];
  let expression: AlarmChange['expression'];
  for (const m of cfg?.metrics ?? []) {
    if (m.metricStat) {
      const mm = m.metricStat.metric;
      metrics.push({
        ...(mm.namespace ? { namespace: mm.namespace } : {}),
        ...(mm.name ? { name: mm.name } : {}),
        dimensions: mm.dimensions ?? {},
        ...(m.metricStat.stat ? { stat: m.metricStat.stat } : {}),
        ...(m.metricStat.period ? { period: m.metricStat.period } : {}),
      });
    } else if (m.expression && m.returnData !== false && !expression) {
      expression = { expression: m.expression, ...(m.label ? { label: m.label } : {}) };
    }
  }
  const reasonData = parseJsonObject(d.state.reasonData);
  let composite: AlarmChange['composite'];
  if (cfg?.alarmRule) {
    const trig = Array.isArray(reasonData?.triggeringAlarms) ? (reasonData.triggeringAlarms as unknown[]) : [];
    composite = {
      rule: cfg.alarmRule,
      triggering: trig.flatMap((t) => {
        const o = t as { arn?: unknown; state?: { value?: unknown } };
        return typeof o?.arn === 'string' ? [{ name: alarmNameFromArn(o.arn), state: String(o.state?.value ?? '?') }] : [];
      }),
      ...(cfg.actionsSuppressor ? { suppressor: cfg.actionsSuppressor } : {}),
      ...(d.state.actionsSuppressedBy ? { suppressedBy: d.state.actionsSuppressedBy } : {}),
    };
  }
  const arn = env.resources?.[0];
  const parts = arnParts(arn);
  const time = normaliseTime(d.state.timestamp ?? env.time ?? '');
  return {
    alarmName: d.alarmName,
    ...(arn ? { alarmArn: arn } : {}),
    ...(cfg?.description ? { description: cfg.description } : {}),
    account: env.account ?? parts.account ?? 'unknown',
    region: env.region ?? parts.region ?? 'unknown',
    time,
    state: d.state.value,
    ...(d.previousState ? { previousState: d.previousState.value } : {}),
    ...(d.state.reason ? { reason: d.state.reason } : {}),
    ...(reasonData ? { reasonData } : {}),
    metrics,
    ...(expression ? { expression } : {}),
    ...(typeof reasonData?.threshold === 'number' ? { threshold: reasonData.threshold } : cfg?.threshold !== undefined ? { threshold: cfg.threshold } : {}),
    ...(cfg?.comparisonOperator ? { comparison: cfg.comparisonOperator } : {}),
    ...(composite ? { composite } : {}),
    ...(d.state.evaluationState ? { evaluationState: d.state.evaluationState } : {}),
    transitionId: d.state.timestamp ?? env.time ?? env.id ?? '',
  };
}

/** `topicArn` supplies region/account when the message lacks AlarmArn (older messages). */
export function fromSnsMessage(m: SnsAlarmMessage, topicArn?: string): AlarmChange {
  const a = arnParts(m.AlarmArn);
  const t = arnParts(topicArn);
  const trig = m.Trigger ?? undefined;
  const metrics: AlarmMetric[] = [];
  if (trig?.MetricName || trig?.Namespace) {
    const dims: Record<string, string> = {};
    for (const d of trig.Dimensions ?? []) dims[d.name] = d.value;
    metrics.push({
      ...(trig.Namespace ? { namespace: trig.Namespace } : {}),
      ...(trig.MetricName ? { name: trig.MetricName } : {}),
      dimensions: dims,
      ...(trig.Statistic || trig.ExtendedStatistic ? { stat: (trig.Statistic ?? trig.ExtendedStatistic) as string } : {}),
      ...(trig.Period ? { period: trig.Period } : {}),
    });
  }
  return {
    alarmName: m.AlarmName,
    ...(m.AlarmArn ? { alarmArn: m.AlarmArn } : {}),
    ...(m.AlarmDescription ? { description: m.AlarmDescription } : {}),
    account: m.AWSAccountId ?? a.account ?? t.account ?? 'unknown',
    region: a.region ?? regionFromLabel(m.Region) ?? t.region ?? m.Region ?? 'unknown',
    time: normaliseTime(m.StateChangeTime ?? ''),
    state: m.NewStateValue,
    ...(m.OldStateValue ? { previousState: m.OldStateValue } : {}),
    ...(m.NewStateReason ? { reason: m.NewStateReason } : {}),
    metrics,
    ...(typeof trig?.Threshold === 'number' ? { threshold: trig.Threshold } : {}),
    ...(trig?.ComparisonOperator ? { comparison: trig.ComparisonOperator } : {}),
    transitionId: m.StateChangeTime ?? '',
  };
}

const COMPARISON_WORDS: Record<string, string> = {
  'greater than or equal to': 'at or above',
  'greater than': 'above',
  'less than or equal to': 'at or below',
  'less than': 'below',
};

const THRESHOLD_RE =
  /Threshold Crossed: (\d+) (?:out of the last (\d+) )?datapoints? \[([^\]]*)\] (?:was|were) (not )?(greater than or equal to|greater than|less than or equal to|less than) the threshold \(([^)]+)\)/;
const BAND_RE =
  /Thresholds Crossed: (\d+) (?:out of the last (\d+) )?datapoints? \[([^\]]*)\] (?:was|were) (not )?less than the lower thresholds \[([^\]]+)\] or (?:not )?greater than the upper thresholds \[([^\]]+)\]/;

function firstNumber(list: string): number | undefined {
  const m = /-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(list);
  return m ? Number(m[0]) : undefined;
}

/** "[1.0 (12/02/19 15:44:00), 2.5 (…)]" in a reason → [1, 2.5] (SNS alarm messages carry no reasonData). */
function datapointsFromReason(reason: string | undefined): number[] {
  const list = /datapoints? \[([^\]]*)\]/.exec(reason ?? '')?.[1] ?? '';
  return [...list.matchAll(/(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?) \(/g)].map((m) => Number(m[1]));
}

function capitalise(s: string): string {
  return s.length ? s[0]!.toUpperCase() + s.slice(1) : s;
}

function primaryMetric(c: AlarmChange): { metric?: AlarmMetric; info?: MetricInfo } {
  const metric = c.metrics[0];
  if (!metric) return {};
  const info = metricInfo(metric.namespace, metric.name);
  return info ? { metric, info } : { metric };
}

function subjectOf(c: AlarmChange): string {
  const { metric, info } = primaryMetric(c);
  if (c.expression) return c.expression.label ?? c.expression.expression;
  if (!metric) return 'The metric';
  const what = info ? capitalise(info.words) : `${metric.namespace ?? ''} ${metric.name ?? 'metric'}`.trim();
  const dims = Object.entries(metric.dimensions)
    .slice(0, 2)
    .map(([k, v]) => `${DIMENSIONS[k] ?? k} ${dimensionValue(k, v)}`);
  return dims.length ? `${what} on ${dims.join(', ')}` : what;
}

/** The reason in plain words; falls back to CloudWatch's own sentence when it is not a shape we know. */
export function reasonInWords(c: AlarmChange): string {
  const reason = c.reason ?? '';
  const { metric, info } = primaryMetric(c);
  const unit = c.expression ? undefined : info?.unit;
  const over = metric?.stat && metric.period && !c.expression ? ` (${metric.stat} over ${formatDuration(metric.period)})` : '';
  if (c.composite) {
    const firing = c.composite.triggering.map((t) => `${t.name} is ${t.state}`);
    const head = c.state === 'ALARM' ? `Composite rule ${c.composite.rule} is true` : `Composite rule ${c.composite.rule} is no longer true`;
    return firing.length ? `${head}: ${firing.join(', ')}.` : `${head}.`;
  }
  const t = THRESHOLD_RE.exec(reason);
  if (t) {
    const [, n, of, points, not, cmp, thrRaw] = t;
    const value = firstNumber(points ?? '');
    const thr = Number(thrRaw);
    const fmt = (v: number) => formatValue(v, unit);
    const count = of ? `${n} of the last ${of} datapoints` : `${n} datapoint${n === '1' ? '' : 's'}`;
    if (info?.unit === 'state' && info.states && value !== undefined) {
      const word = value >= 1 ? info.states[0] : info.states[1];
      return `${subjectOf(c)} is ${word} (value ${formatNumber(value)}, threshold ${formatNumber(thr)}; ${count}).`;
    }
    const words = COMPARISON_WORDS[cmp ?? ''] ?? cmp ?? '';
    const valueText = value === undefined ? '' : ` was ${fmt(value)},`;
    return `${subjectOf(c)}${over}${valueText} ${not ? 'no longer ' : ''}${words} the threshold of ${fmt(thr)} (${count}).`;
  }
  const b = BAND_RE.exec(reason);
  if (b) {
    const [, n, of, points, not, lower, upper] = b;
    const value = firstNumber(points ?? '');
    // the band is in the metric's own unit even though the alarm returns an expression
    const fmt = (v: number) => formatValue(v, info?.unit);
    const lo = firstNumber(lower ?? '');
    const hi = firstNumber(upper ?? '');
    const band = lo !== undefined && hi !== undefined ? `${fmt(lo)} – ${fmt(hi)}` : 'the expected band';
    const count = of ? `${n} of the last ${of} datapoints` : `${n} datapoints`;
    const mWords = metric ? capitalise(info?.words ?? metric.name ?? 'the metric') : subjectOf(c);
    return `${mWords}${over}${value === undefined ? '' : ` was ${fmt(value)},`} ${not ? 'back inside' : 'outside'} the expected band ${band} (${count}).`;
  }
  if (c.state === 'INSUFFICIENT_DATA') return `Not enough data to evaluate the alarm${reason ? `: ${reason}` : '.'}`;
  return reason || `The alarm is now ${c.state}.`;
}

const STATE_WORDS: Record<string, string> = { ALARM: 'ALARM', OK: 'OK', INSUFFICIENT_DATA: 'INSUFFICIENT_DATA' };

export function statusOf(c: AlarmChange): Status {
  if (c.state === 'ALARM') return 'alarm';
  if (c.state === 'OK') return c.previousState === 'ALARM' ? 'resolved' : 'info';
  if (c.state === 'INSUFFICIENT_DATA') return 'insufficient';
  return 'info';
}

const DESCRIPTION_SEVERITY = /\[severity[:=]\s*(low|medium|high|critical)\]|(?:^|\s)#severity[:=](low|medium|high|critical)\b/i;

function ruleMatches(rule: AlarmsConfig['rules'][number], c: AlarmChange): boolean {
  const names = asList(rule.match.alarmName);
  if (names && !names.some((g) => globMatch(g, c.alarmName))) return false;
  const ns = asList(rule.match.namespace);
  if (ns && !c.metrics.some((m) => m.namespace !== undefined && ns.some((g) => globMatch(g, m.namespace!)))) return false;
  const mn = asList(rule.match.metric);
  if (mn && !c.metrics.some((m) => m.name !== undefined && mn.some((g) => globMatch(g, m.name!)))) return false;
  for (const [k, g] of Object.entries(rule.match.tags ?? {})) {
    const v = c.tags?.[k];
    if (v === undefined || !globMatch(g, v)) return false;
  }
  return true;
}

/**
 * Config rule (first with a severity) → the alarm's severity tag (`alarms.severityTag`) → `[severity:x]` in the
 * alarm description → per-namespace default → config default.
 */
export function alarmSeverity(c: AlarmChange, cfg: AlarmsConfig): Severity {
  for (const r of cfg.rules) if (r.severity && ruleMatches(r, c)) return r.severity;
  const tag = c.tags?.[cfg.severityTag]?.trim().toLowerCase();
  if (tag === 'low' || tag === 'medium' || tag === 'high' || tag === 'critical') return tag;
  const d = DESCRIPTION_SEVERITY.exec(c.description ?? '');
  const tagged = (d?.[1] ?? d?.[2])?.toLowerCase();
  if (tagged) return tagged as Severity;
  const m = c.metrics[0];
  if (m?.namespace === 'AWS/DDoSProtection') return 'critical';
  if ((m?.namespace === 'AWS/VPN' && m.name === 'TunnelState') || (m?.namespace === 'AWS/DX' && m.name === 'ConnectionState')) return 'high';
  return cfg.defaultSeverity;
}

/** Automatic responses configured for this alarm; only an entry into ALARM triggers them. */
export function alarmResponses(c: AlarmChange, cfg: AlarmsConfig): AlarmResponse[] {
  if (c.state !== 'ALARM') return [];
  return cfg.rules.filter((r) => r.response && ruleMatches(r, c)).map((r) => r.response as AlarmResponse);
}

export function formatAlarm(c: AlarmChange, cfg: AlarmsConfig): NotifyMessage {
  const status = statusOf(c);
  const severity = alarmSeverity(c, cfg);
  const head = status === 'resolved' ? 'Resolved' : status === 'insufficient' ? 'Insufficient data' : STATE_WORDS[c.state] ?? c.state;
  const summary = [reasonInWords(c)];
  if (c.description) summary.push(c.description);
  const fields: Field[] = [];
  fields.push({ label: 'State', value: `${c.previousState ?? '?'} → ${c.state}` });
  const metric = c.metrics[0];
  if (c.composite) {
    fields.push({ label: 'Composite rule', value: c.composite.rule });
    if (c.composite.triggering.length) fields.push({ label: 'Triggered by', value: c.composite.triggering.map((t) => `${t.name} (${t.state})`).join(', ') });
    if (c.composite.suppressedBy) fields.push({ label: 'Actions suppressed', value: `by ${c.composite.suppressedBy}${c.composite.suppressor ? ` (suppressor ${c.composite.suppressor})` : ''}` });
  } else if (c.expression) {
    fields.push({ label: 'Expression', value: c.expression.label ? `${c.expression.label} = ${c.expression.expression}` : c.expression.expression });
    const inputs = c.metrics.map((m) => `${m.namespace ?? '?'} ${m.name ?? '?'}`);
    if (inputs.length) fields.push({ label: 'Metrics', value: [...new Set(inputs)].join(', ') });
  } else if (metric) {
    fields.push({ label: 'Metric', value: `${metric.namespace ?? '?'} ${metric.name ?? '?'}${metric.stat ? ` (${metric.stat}${metric.period ? `, ${formatDuration(metric.period)}` : ''})` : ''}` });
  }
  const dims = new Map<string, string>();
  for (const m of c.metrics) for (const [k, v] of Object.entries(m.dimensions)) dims.set(`${DIMENSIONS[k] ?? k}`, dimensionValue(k, v));
  for (const [k, v] of dims) fields.push({ label: capitalise(k), value: v });
  if (c.threshold !== undefined && !c.composite) {
    const rd = c.reasonData;
    const observed = Array.isArray(rd?.recentDatapoints) ? (rd.recentDatapoints as unknown[]).filter((x): x is number => typeof x === 'number') : datapointsFromReason(c.reason);
    const unit = c.expression ? undefined : metricInfo(metric?.namespace, metric?.name)?.unit;
    const obs = observed.length ? observed.map((v) => formatValue(v, unit)).join(', ') : undefined;
    fields.push({ label: 'Threshold vs observed', value: `${formatValue(c.threshold, unit)} vs ${obs ?? 'n/a'}` });
  }
  if (c.evaluationState === 'PARTIAL_DATA') summary.push('Evaluated on partial data: the query returned more series than CloudWatch evaluates.');
  fields.push({ label: 'Account / region', value: `${c.account} / ${c.region}` });
  return {
    source: 'alarm',
    severity,
    status,
    title: `${head}: ${c.alarmName}`,
    summary,
    fields,
    link: { label: 'Open alarm in console', url: alarmConsoleUrl(c.region, c.alarmName) },
    account: c.account,
    region: c.region,
    time: c.time,
    dedupKey: `alarm:${c.account}:${c.region}:${c.alarmName}:${c.state}:${c.transitionId}`,
    threadKey: `alarm:${c.account}:${c.region}:${c.alarmName}`,
    alarmName: c.alarmName,
  };
}
