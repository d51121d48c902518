/**
 * Incoming events → what the responder should do. Pure: the EventBridge envelope is decoded with zod at the
 * boundary, and every event either becomes block requests, a sweep, or a named "ignored" reason (never silently
 * dropped). Handles: NetWatch findings (bus `netwatch`), GuardDuty findings (every remote IP, IPv4 and IPv6),
 * CloudWatch alarm state changes mapped to responses by `alarms.rules[].response`, and the scheduled sweep.
 */
import { z } from 'zod';
import { EventShapeError } from '../errors.ts';
import type { NetwatchConfig } from '../config/schema.ts';
import { ALARM_STATE_CHANGE, AlarmDetailSchema, EventBridgeEnvelope } from '../notify/events.ts';
import { alarmResponses, fromEventBridge } from '../notify/alarm.ts';
import { FINDING_DETAIL_TYPE, Finding, type FindingSeverity } from './finding.ts';
import type { BlockRequest, Direction } from './plan.ts';

export const IGNORES = {
  'finding.below_severity': 'finding severity is below responder.minSeverity',
  'finding.no_recommendation': 'finding recommends no nacl-deny',
  'guardduty.below_severity': 'GuardDuty severity is below responder.guardDutyMinSeverity',
  'guardduty.no_remote_ip': 'GuardDuty finding names no remote IP address',
  'alarm.no_response': 'no alarms.rules[].response matches this alarm state change',
  'alarm.top_talkers_unsupported': 'nacl-deny-top-talkers needs the lake query path, which the responder does not run',
  'responder.disabled': 'responder.enabled is false',
} as const;
export type IgnoreCode = keyof typeof IGNORES;

export type Intent =
  | { kind: 'block'; requests: BlockRequest[]; subject: { interfaceIds: string[]; instanceIds: string[] } }
  | { kind: 'sweep' }
  | { kind: 'unblock'; cidr: string }
  | { kind: 'ignore'; code: IgnoreCode; detail: string };

const SEVERITY_RANK: Record<FindingSeverity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Direction spellings used around the project: ours, the alarm config's, GuardDuty's. */
export function normaliseDirection(d: string | undefined): Direction {
  switch ((d ?? '').toLowerCase()) {
    case 'inbound':
    case 'ingress':
      return 'inbound';
    case 'outbound':
    case 'egress':
      return 'outbound';
    default:
      return 'both';
  }
}

const RemoteIp = z.object({ ipAddressV4: z.string().optional(), ipAddressV6: z.string().optional() }).passthrough();
const GuardDutyDetail = z
  .object({
    id: z.string().min(1),
    type: z.string().min(1),
    severity: z.number(),
    title: z.string().optional(),
    updatedAt: z.string().optional(),
    resource: z
      .object({
        instanceDetails: z
          .object({
            instanceId: z.string().optional(),
            networkInterfaces: z
              .array(z.object({ vpcId: z.string().optional(), networkInterfaceId: z.string().optional() }).passthrough())
              .nullish(),
          })
          .passthrough()
          .nullish(),
      })
      .passthrough()
      .optional(),
    service: z
      .object({
        action: z
          .object({
            actionType: z.string().optional(),
            networkConnectionAction: z.object({ connectionDirection: z.string().optional(), remoteIpDetails: RemoteIp.optional() }).passthrough().optional(),
            awsApiCallAction: z.object({ remoteIpDetails: RemoteIp.optional() }).passthrough().optional(),
            kubernetesApiCallAction: z.object({ remoteIpDetails: RemoteIp.optional() }).passthrough().optional(),
            rdsLoginAttemptAction: z.object({ remoteIpDetails: RemoteIp.optional() }).passthrough().optional(),
            portProbeAction: z.object({ portProbeDetails: z.array(z.object({ remoteIpDetails: RemoteIp.optional() }).passthrough()).optional() }).passthrough().optional(),
          })
          .passthrough()
          .optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
type GuardDutyDetail = z.infer<typeof GuardDutyDetail>;

/** Every remote address of a GuardDuty finding, in order, without repeats. */
export function guardDutyRemoteIps(d: GuardDutyDetail): string[] {
  const a = d.service?.action;
  const details = [
    a?.networkConnectionAction?.remoteIpDetails,
    a?.awsApiCallAction?.remoteIpDetails,
    a?.kubernetesApiCallAction?.remoteIpDetails,
    a?.rdsLoginAttemptAction?.remoteIpDetails,
    ...(a?.portProbeAction?.portProbeDetails ?? []).map((p) => p.remoteIpDetails),
  ];
  const out: string[] = [];
  for (const r of details) {
    for (const ip of [r?.ipAddressV4, r?.ipAddressV6]) if (ip && !out.includes(ip)) out.push(ip);
  }
  return out;
}

function guardDutyDirection(d: GuardDutyDetail): Direction {
  const a = d.service?.action;
  if (a?.networkConnectionAction) return normaliseDirection(a.networkConnectionAction.connectionDirection);
  if (a?.portProbeAction || a?.awsApiCallAction || a?.kubernetesApiCallAction || a?.rdsLoginAttemptAction) return 'inbound';
  return 'both';
}

function hostCidrText(ip: string): string {
  return ip.includes('/') ? ip : ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}

function describeIssues(e: z.ZodError): string {
  const i = e.issues[0];
  return i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid';
}

function fromGuardDuty(raw: unknown, cfg: NetwatchConfig): Intent {
  const r = GuardDutyDetail.safeParse(raw);
  if (!r.success) throw new EventShapeError(`GuardDuty finding: ${describeIssues(r.error)}`);
  const d = r.data;
  if (d.severity < cfg.responder.guardDutyMinSeverity) {
    return { kind: 'ignore', code: 'guardduty.below_severity', detail: `severity ${d.severity} < ${cfg.responder.guardDutyMinSeverity} (${d.type})` };
  }
  const ips = guardDutyRemoteIps(d);
  if (ips.length === 0) return { kind: 'ignore', code: 'guardduty.no_remote_ip', detail: `${d.type} ${d.id}` };
  const enis = d.resource?.instanceDetails?.networkInterfaces ?? [];
  const vpcIds = [...new Set(enis.map((n) => n.vpcId).filter((v): v is string => !!v && /^vpc-[0-9a-f]+$/.test(v)))];
  return {
    kind: 'block',
    requests: [
      {
        key: `guardduty:${d.id}:${[...ips].sort().join(',')}`,
        findingId: d.id,
        source: 'aws.guardduty',
        summary: `${d.type}${d.title ? `: ${d.title}` : ''}`,
        cidrs: ips.map(hostCidrText),
        direction: guardDutyDirection(d),
        vpcIds,
        ttlMinutes: cfg.responder.ttlMinutes,
      },
    ],
    subject: {
      interfaceIds: enis.map((n) => n.networkInterfaceId).filter((v): v is string => !!v && v.startsWith('eni-')),
      instanceIds: [d.resource?.instanceDetails?.instanceId].filter((v): v is string => !!v && v.startsWith('i-')),
    },
  };
}

function fromFinding(raw: unknown, cfg: NetwatchConfig): Intent {
  const r = Finding.safeParse(raw);
  if (!r.success) throw new EventShapeError(`NetWatch finding: ${describeIssues(r.error)}`);
  const f = r.data;
  if (SEVERITY_RANK[f.severity] < SEVERITY_RANK[cfg.responder.minSeverity]) {
    return { kind: 'ignore', code: 'finding.below_severity', detail: `${f.type} is ${f.severity}, minimum ${cfg.responder.minSeverity}` };
  }
  if (!f.recommended) return { kind: 'ignore', code: 'finding.no_recommendation', detail: `${f.type} ${f.id}` };
  const s = f.subject;
  const who = s.srcaddr && s.dstaddr ? ` ${s.srcaddr} → ${s.dstaddr}` : '';
  return {
    kind: 'block',
    requests: [
      {
        key: `netwatch:${f.id}`,
        findingId: f.id,
        source: 'netwatch.detect',
        summary: `${f.type} (${f.severity})${who}, window ${f.window.start} – ${f.window.end}`,
        cidrs: [f.recommended.cidr],
        direction: normaliseDirection(f.recommended.direction),
        vpcIds: s.vpc_id ? [s.vpc_id] : [],
        ttlMinutes: cfg.responder.ttlMinutes,
      },
    ],
    subject: { interfaceIds: s.interface_id ? [s.interface_id] : [], instanceIds: s.instance_id ? [s.instance_id] : [] },
  };
}

function fromAlarm(env: EventBridgeEnvelope, cfg: NetwatchConfig): Intent {
  const r = AlarmDetailSchema.safeParse(env.detail);
  if (!r.success) throw new EventShapeError(`CloudWatch alarm state change: ${describeIssues(r.error)}`);
  const change = fromEventBridge(env, r.data);
  const responses = alarmResponses(change, cfg.alarms);
  if (responses.length === 0) return { kind: 'ignore', code: 'alarm.no_response', detail: `${change.alarmName} → ${change.state}` };
  const requests: BlockRequest[] = [];
  for (const resp of responses) {
    if (resp.action !== 'nacl-deny' || !resp.cidr) continue;
    requests.push({
      key: `alarm:${change.alarmName}:${change.transitionId}:${resp.cidr}:${resp.direction}`,
      findingId: `alarm:${change.alarmName}`,
      source: 'aws.cloudwatch',
      summary: `alarm ${change.alarmName} entered ALARM${change.reason ? `: ${change.reason}` : ''}`,
      cidrs: [resp.cidr],
      direction: normaliseDirection(resp.direction),
      vpcIds: [],
      ttlMinutes: cfg.responder.ttlMinutes,
    });
  }
  if (requests.length === 0) return { kind: 'ignore', code: 'alarm.top_talkers_unsupported', detail: change.alarmName };
  return { kind: 'block', requests, subject: { interfaceIds: [], instanceIds: [] } };
}

const Manual = z.union([
  z.object({ action: z.literal('sweep') }).strict(),
  z.object({ action: z.literal('unblock'), cidr: z.string().min(1) }).strict(),
]);

/** Decodes one event. Unknown shapes are an EventShapeError (the Lambda fails and the event goes to the DLQ). */
export function decodeEvent(event: unknown, cfg: NetwatchConfig): Intent {
  const manual = Manual.safeParse(event);
  if (manual.success) return manual.data.action === 'sweep' ? { kind: 'sweep' } : { kind: 'unblock', cidr: manual.data.cidr };

  const env = EventBridgeEnvelope.safeParse(event);
  if (env.success) {
    const e = env.data;
    if (e.source === 'aws.events' && e['detail-type'] === 'Scheduled Event') return { kind: 'sweep' };
    if (!cfg.responder.enabled) return { kind: 'ignore', code: 'responder.disabled', detail: `${e.source} ${e['detail-type']}` };
    if (e['detail-type'] === FINDING_DETAIL_TYPE) return fromFinding(e.detail, cfg);
    if (e['detail-type'] === 'GuardDuty Finding' || e.source === 'aws.guardduty') return fromGuardDuty(e.detail, cfg);
    if (e['detail-type'] === ALARM_STATE_CHANGE) return fromAlarm(e, cfg);
    throw new EventShapeError(`unsupported event: source ${e.source}, detail-type ${e['detail-type']}`);
  }
  // a bare NetWatch finding (e.g. one of the `findings` of `netwatch flowlogs ingest --json`)
  if (Finding.safeParse(event).success) {
    if (!cfg.responder.enabled) return { kind: 'ignore', code: 'responder.disabled', detail: 'NetWatch finding' };
    return fromFinding(event, cfg);
  }
  // sample files without the EventBridge envelope: a bare GuardDuty finding, or {region, detail: finding}
  const o = event as { detail?: { service?: { serviceName?: unknown } }; service?: { serviceName?: unknown } } | null;
  if (o?.service?.serviceName === 'guardduty' || o?.detail?.service?.serviceName === 'guardduty') {
    if (!cfg.responder.enabled) return { kind: 'ignore', code: 'responder.disabled', detail: 'GuardDuty finding' };
    return fromGuardDuty(o.detail ?? o, cfg);
  }
  throw new EventShapeError('unsupported event: not an EventBridge event, a NetWatch or GuardDuty finding, or {"action":"sweep"|"unblock"}');
}
