/**
 * Mirror-manager inputs → a reconcile with hints. Every event leads to a full, idempotent reconcile of the region
 * (cheap, and it cannot miss a change); the event only tells which instances / ENIs are going away even though
 * Describe may still list them. Unknown shapes are an EventShapeError.
 */
import { z } from 'zod';
import { EventShapeError } from '../errors.ts';
import type { Hints } from './reconcile.ts';

export const WORKLOAD_CHANGE = 'NetWatch Workload Change' as const;

export interface MirrorIntent {
  trigger: string;
  hints: Hints;
}

const Envelope = z.object({ 'detail-type': z.string(), source: z.string(), detail: z.unknown() }).passthrough();
const WorkloadChange = z
  .object({
    action: z.string(),
    eventName: z.string().optional(),
    instanceIds: z.array(z.string()).default([]),
    networkInterfaceIds: z.array(z.string()).default([]),
  })
  .passthrough();
const StateChange = z.object({ 'instance-id': z.string().min(1), state: z.string().min(1) }).passthrough();
const Manual = z.object({ action: z.enum(['reconcile', 'backfill']) }).strict();

const GONE_INSTANCE_STATES = new Set(['shutting-down', 'terminated']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
function items(v: unknown): Obj[] {
  const list = Array.isArray(v) ? v : isObj(v) && Array.isArray(v.items) ? v.items : [];
  return list.filter(isObj);
}

/** Ids a raw CloudTrail EC2 record names for the lifecycle calls we act on. */
function fromCloudTrail(detail: unknown): MirrorIntent {
  const d = isObj(detail) ? detail : {};
  const name = typeof d.eventName === 'string' ? d.eventName : 'unknown';
  const req = isObj(d.requestParameters) ? d.requestParameters : {};
  const res = isObj(d.responseElements) ? d.responseElements : {};
  const hints: Hints = { goneInstanceIds: [], goneEniIds: [] };
  if (name === 'TerminateInstances') {
    for (const i of [...items(res.instancesSet), ...items(req.instancesSet)]) if (typeof i.instanceId === 'string') hints.goneInstanceIds.push(i.instanceId);
  }
  if (name === 'DeleteNetworkInterface' && typeof req.networkInterfaceId === 'string') hints.goneEniIds.push(req.networkInterfaceId);
  hints.goneInstanceIds = [...new Set(hints.goneInstanceIds)];
  return { trigger: `cloudtrail:${name}`, hints };
}

export function decodeMirrorEvent(event: unknown): MirrorIntent {
  const none: Hints = { goneInstanceIds: [], goneEniIds: [] };
  const manual = Manual.safeParse(event);
  if (manual.success) return { trigger: manual.data.action, hints: none };
  const env = Envelope.safeParse(event);
  if (!env.success) throw new EventShapeError('unsupported event: not an EventBridge event or {"action":"reconcile"|"backfill"}');
  const e = env.data;
  if (e.source === 'aws.events' && e['detail-type'] === 'Scheduled Event') return { trigger: 'schedule', hints: none };
  if (e['detail-type'] === WORKLOAD_CHANGE) {
    const w = WorkloadChange.safeParse(e.detail);
    if (!w.success) throw new EventShapeError(`${WORKLOAD_CHANGE}: ${w.error.issues[0]?.path.join('.') ?? ''}: ${w.error.issues[0]?.message ?? 'invalid'}`);
    const gone = w.data.action === 'instance.terminated';
    return {
      trigger: `workload:${w.data.action}`,
      hints: { goneInstanceIds: gone ? w.data.instanceIds : [], goneEniIds: w.data.action === 'eni.deleted' ? w.data.networkInterfaceIds : [] },
    };
  }
  if (e['detail-type'] === 'EC2 Instance State-change Notification') {
    const s = StateChange.safeParse(e.detail);
    if (!s.success) throw new EventShapeError('EC2 Instance State-change Notification: detail needs instance-id and state');
    return { trigger: `state:${s.data.state}`, hints: { goneInstanceIds: GONE_INSTANCE_STATES.has(s.data.state) ? [s.data['instance-id']] : [], goneEniIds: [] } };
  }
  if (e['detail-type'] === 'AWS API Call via CloudTrail') return fromCloudTrail(e.detail);
  throw new EventShapeError(`unsupported event: source ${e.source}, detail-type ${e['detail-type']}`);
}
