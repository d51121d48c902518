/**
 * Traffic-mirror session manager, pure core.
 *   desiredSessions(inventory, policy, nitro, hints) → which ENIs must be mirrored (and why others are not)
 *   reconcile(desired, actual, policy)              → the exact EC2 calls that make actual = desired
 *   vniMap(...)                                      → the VNI → session map the sensor reads
 * Only sessions carrying OWNER_TAG are ever modified or deleted; another tool's sessions are left alone and their
 * session numbers and VNIs are never reused.
 */
import { createHash } from 'node:crypto';
import type { Eni, Instance, Inventory, Session } from './inventory.ts';

export const OWNER_TAG = 'netwatch:managed';
export const OWNER_VALUE = 'mirror-manager';
/** AWS: a source ENI can have at most 3 mirror sessions */
export const MAX_SESSIONS_PER_ENI = 3;
export const MAX_VNI = 0xffffff;
export const MAX_SESSION_NUMBER = 32766;

/** ENI types Traffic Mirroring accepts as a source (plain instance interfaces); the rest are AWS-managed. */
const MIRRORABLE_TYPES = new Set(['interface']);
/** a stopped instance keeps its ENIs and its sessions (no churn, stable VNIs across stop/start) */
const LIVE_STATES = new Set(['pending', 'running', 'stopping', 'stopped']);

export interface MirrorPolicy {
  selectTag: string;
  excludeTag: string;
  targetId: string;
  /** the target's own ENI (the sensor NLB/ENI), never a source */
  targetEniIds: string[];
  filterId: string;
  packetLength: number | undefined;
  sessionNumber: number;
  vniBase: number;
}

export const MIRROR_SKIPS = {
  'eni.type_unsupported': 'ENI type cannot be a traffic-mirror source',
  'eni.not_attached': 'ENI is not attached to an instance',
  'eni.sensor': 'ENI belongs to the sensor fleet or is the mirror target',
  'eni.gone': 'ENI or its instance is being deleted',
  'instance.not_running': 'instance is shutting down, terminated or unknown',
  'instance.not_nitro': 'instance type does not run on the Nitro hypervisor (Traffic Mirroring needs Nitro)',
  'instance.type_unknown': 'instance type could not be checked for Nitro support',
  'eni.session_limit': 'ENI already has 3 mirror sessions owned by other tools',
  'vni.exhausted': 'no free VNI left in the configured range',
  'session.create_failed': 'EC2 refused to create the session for this ENI',
} as const;
export type MirrorSkipCode = keyof typeof MIRROR_SKIPS;

export interface MirrorSkip {
  code: MirrorSkipCode;
  eniId: string;
  instanceId?: string;
  detail: string;
}

export interface Desired {
  eniId: string;
  instanceId: string;
  vpcId: string | undefined;
  subnetId: string | undefined;
  tags: Record<string, string>;
}

export interface Hints {
  /** instances / ENIs an event says are going away (terminate, delete) even if Describe still lists them */
  goneInstanceIds: string[];
  goneEniIds: string[];
}

const TRUE_RE = /^(true|yes|1|on|enabled)$/i;

/** The selection tag's value, most specific first: ENI, instance, subnet, VPC. undefined when no level sets it. */
export function selection(eni: Eni, inst: Instance | undefined, inv: Pick<Inventory, 'subnetTags' | 'vpcTags'>, tag: string): boolean | undefined {
  const levels = [eni.tags, inst?.tags, eni.subnetId ? inv.subnetTags.get(eni.subnetId) : undefined, eni.vpcId ? inv.vpcTags.get(eni.vpcId) : undefined];
  for (const tags of levels) {
    const v = tags?.[tag];
    if (v !== undefined) return TRUE_RE.test(v);
  }
  return undefined;
}

/** `nitro(type)`: true / false / undefined (unknown). */
export function desiredSessions(inv: Inventory, policy: MirrorPolicy, nitro: (instanceType: string) => boolean | undefined, hints: Hints): { desired: Desired[]; skipped: MirrorSkip[] } {
  const desired: Desired[] = [];
  const skipped: MirrorSkip[] = [];
  for (const eni of [...inv.enis].sort((a, b) => a.eniId.localeCompare(b.eniId))) {
    const inst = eni.instanceId ? inv.instances.get(eni.instanceId) : undefined;
    if (selection(eni, inst, inv, policy.selectTag) !== true) continue;
    const skip = (code: MirrorSkipCode, detail: string = MIRROR_SKIPS[code]): void => {
      skipped.push({ code, eniId: eni.eniId, ...(eni.instanceId ? { instanceId: eni.instanceId } : {}), detail });
    };
    if (!MIRRORABLE_TYPES.has(eni.interfaceType)) {
      skip('eni.type_unsupported', `${MIRROR_SKIPS['eni.type_unsupported']} (${eni.interfaceType})`);
      continue;
    }
    if (policy.targetEniIds.includes(eni.eniId) || eni.tags[policy.excludeTag] !== undefined || (inst && inst.tags[policy.excludeTag] !== undefined)) {
      skip('eni.sensor');
      continue;
    }
    if (hints.goneEniIds.includes(eni.eniId) || (eni.instanceId && hints.goneInstanceIds.includes(eni.instanceId))) {
      skip('eni.gone');
      continue;
    }
    if (!eni.instanceId || eni.status !== 'in-use') {
      skip('eni.not_attached');
      continue;
    }
    if (!inst || !inst.state || !LIVE_STATES.has(inst.state)) {
      skip('instance.not_running', `${MIRROR_SKIPS['instance.not_running']} (${inst?.state ?? 'not found'})`);
      continue;
    }
    const isNitro = inst.instanceType ? nitro(inst.instanceType) : undefined;
    if (isNitro === false) {
      skip('instance.not_nitro', `${inst.instanceType} ${MIRROR_SKIPS['instance.not_nitro'].replace('instance type ', '')}`);
      continue;
    }
    if (isNitro === undefined) {
      skip('instance.type_unknown', `${inst.instanceType ?? '(no type)'}: ${MIRROR_SKIPS['instance.type_unknown']}`);
      continue;
    }
    desired.push({ eniId: eni.eniId, instanceId: eni.instanceId, vpcId: eni.vpcId, subnetId: eni.subnetId, tags: { ...inst.tags, ...eni.tags } });
  }
  return { desired, skipped };
}

export interface CreateSessionInput {
  NetworkInterfaceId: string;
  TrafficMirrorTargetId: string;
  TrafficMirrorFilterId: string;
  SessionNumber: number;
  VirtualNetworkId: number;
  PacketLength?: number;
  Description: string;
  TagSpecifications: { ResourceType: 'traffic-mirror-session'; Tags: { Key: string; Value: string }[] }[];
  ClientToken: string;
}

export interface ModifySessionInput {
  TrafficMirrorSessionId: string;
  TrafficMirrorTargetId?: string;
  TrafficMirrorFilterId?: string;
  PacketLength?: number;
  RemoveFields?: 'packet-length'[];
}

export type MirrorCall =
  | { call: 'CreateTrafficMirrorSession'; input: CreateSessionInput }
  | { call: 'ModifyTrafficMirrorSession'; input: ModifySessionInput }
  | { call: 'DeleteTrafficMirrorSession'; input: { TrafficMirrorSessionId: string } };

export interface MirrorAction {
  call: MirrorCall;
  desired?: Desired;
  /** the session this call acts on (modify/delete) */
  session?: Session;
  reason: string;
}

export function isOwned(s: Session): boolean {
  return s.tags[OWNER_TAG] === OWNER_VALUE;
}

/** FNV-1a 32-bit: a stable starting point for an ENI's VNI. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Deterministic VNI for an ENI: hash into [base, MAX_VNI], then the next free one (linear probe). */
export function chooseVni(eniId: string, base: number, used: ReadonlySet<number>): number | undefined {
  const span = MAX_VNI - base + 1;
  if (span <= 0) return undefined;
  const start = fnv1a(eniId) % span;
  for (let i = 0; i < Math.min(span, used.size + 1); i++) {
    const v = base + ((start + i) % span);
    if (!used.has(v)) return v;
  }
  return undefined;
}

function clientToken(parts: (string | number | undefined)[]): string {
  return createHash('sha256').update(parts.map((p) => String(p ?? '')).join('|')).digest('hex').slice(0, 64);
}

export function reconcile(desired: readonly Desired[], actual: readonly Session[], policy: MirrorPolicy): { actions: MirrorAction[]; skipped: MirrorSkip[] } {
  const actions: MirrorAction[] = [];
  const skipped: MirrorSkip[] = [];
  const wanted = new Map(desired.map((d) => [d.eniId, d]));
  const usedVnis = new Set(actual.flatMap((s) => (s.vni !== undefined ? [s.vni] : [])));
  const keep = new Map<string, Session>();

  // our sessions: keep one per wanted ENI, delete the rest (gone ENIs, deselected, duplicates)
  for (const s of [...actual].filter(isOwned).sort((a, b) => a.sessionId.localeCompare(b.sessionId))) {
    if (wanted.has(s.eniId) && !keep.has(s.eniId)) {
      keep.set(s.eniId, s);
      continue;
    }
    const reason = wanted.has(s.eniId) ? 'duplicate session for this ENI' : 'source ENI no longer selected or gone';
    actions.push({ call: { call: 'DeleteTrafficMirrorSession', input: { TrafficMirrorSessionId: s.sessionId } }, session: s, reason });
  }

  for (const d of [...desired].sort((a, b) => a.eniId.localeCompare(b.eniId))) {
    const have = keep.get(d.eniId);
    if (have) {
      const input: ModifySessionInput = { TrafficMirrorSessionId: have.sessionId };
      if (have.targetId !== policy.targetId) input.TrafficMirrorTargetId = policy.targetId;
      if (have.filterId !== policy.filterId) input.TrafficMirrorFilterId = policy.filterId;
      if (policy.packetLength !== undefined && have.packetLength !== policy.packetLength) input.PacketLength = policy.packetLength;
      if (policy.packetLength === undefined && have.packetLength !== undefined) input.RemoveFields = ['packet-length'];
      if (Object.keys(input).length > 1) actions.push({ call: { call: 'ModifyTrafficMirrorSession', input }, desired: d, session: have, reason: 'target, filter or packet length changed' });
      continue;
    }
    // our own sessions on this ENI (if any) are deleted above, before any create runs
    const others = actual.filter((s) => s.eniId === d.eniId && !isOwned(s));
    if (others.length >= MAX_SESSIONS_PER_ENI) {
      skipped.push({ code: 'eni.session_limit', eniId: d.eniId, instanceId: d.instanceId, detail: MIRROR_SKIPS['eni.session_limit'] });
      continue;
    }
    const usedNumbers = new Set(others.map((s) => s.sessionNumber));
    let sessionNumber = policy.sessionNumber;
    if (usedNumbers.has(sessionNumber)) {
      sessionNumber = 1;
      while (usedNumbers.has(sessionNumber)) sessionNumber++;
    }
    const vni = chooseVni(d.eniId, policy.vniBase, usedVnis);
    if (vni === undefined) {
      skipped.push({ code: 'vni.exhausted', eniId: d.eniId, instanceId: d.instanceId, detail: MIRROR_SKIPS['vni.exhausted'] });
      continue;
    }
    usedVnis.add(vni);
    const input: CreateSessionInput = {
      NetworkInterfaceId: d.eniId,
      TrafficMirrorTargetId: policy.targetId,
      TrafficMirrorFilterId: policy.filterId,
      SessionNumber: sessionNumber,
      VirtualNetworkId: vni,
      ...(policy.packetLength !== undefined ? { PacketLength: policy.packetLength } : {}),
      Description: `netwatch mirror of ${d.eniId} (${d.instanceId})`,
      TagSpecifications: [
        {
          ResourceType: 'traffic-mirror-session',
          Tags: [
            { Key: OWNER_TAG, Value: OWNER_VALUE },
            { Key: 'netwatch:source-eni', Value: d.eniId },
            { Key: 'netwatch:instance-id', Value: d.instanceId },
          ],
        },
      ],
      ClientToken: clientToken([d.eniId, policy.targetId, policy.filterId, vni, sessionNumber]),
    };
    actions.push({ call: { call: 'CreateTrafficMirrorSession', input }, desired: d, reason: 'selected ENI has no session' });
  }
  return { actions, skipped };
}

export interface VniMapEntry {
  session_id: string;
  source_eni: string;
  instance_id?: string;
  vpc_id?: string;
  subnet_id?: string;
  tags: Record<string, string>;
}

/**
 * The VNI map the sensor reads (shared/packet/vni-map.ts map shape): `{"<vni>": {session_id, source_eni,
 * instance_id, vpc_id, subnet_id, tags}}`, keys in ascending VNI order so equal maps serialise identically.
 */
export function vniMap(sessions: readonly Session[], desired: readonly Desired[]): Record<string, VniMapEntry> {
  const byEni = new Map(desired.map((d) => [d.eniId, d]));
  const rows = sessions
    .filter((s) => isOwned(s) && s.vni !== undefined && byEni.has(s.eniId))
    .sort((a, b) => (a.vni ?? 0) - (b.vni ?? 0));
  const out: Record<string, VniMapEntry> = {};
  for (const s of rows) {
    const d = byEni.get(s.eniId);
    out[String(s.vni)] = {
      session_id: s.sessionId,
      source_eni: s.eniId,
      ...(d?.instanceId ? { instance_id: d.instanceId } : {}),
      ...(d?.vpcId ? { vpc_id: d.vpcId } : {}),
      ...(d?.subnetId ? { subnet_id: d.subnetId } : {}),
      tags: d?.tags ?? {},
    };
  }
  return out;
}

/** The sessions after the actions ran; `created` gives the ids EC2 returned (or local ids) per ENI. */
export function applyActions(actual: readonly Session[], actions: readonly MirrorAction[], created: ReadonlyMap<string, string>): Session[] {
  let out = actual.map((s) => ({ ...s, tags: { ...s.tags } }));
  for (const a of actions) {
    const c = a.call;
    if (c.call === 'DeleteTrafficMirrorSession') out = out.filter((s) => s.sessionId !== c.input.TrafficMirrorSessionId);
    else if (c.call === 'ModifyTrafficMirrorSession') {
      const s = out.find((x) => x.sessionId === c.input.TrafficMirrorSessionId);
      if (!s) continue;
      if (c.input.TrafficMirrorTargetId) s.targetId = c.input.TrafficMirrorTargetId;
      if (c.input.TrafficMirrorFilterId) s.filterId = c.input.TrafficMirrorFilterId;
      if (c.input.PacketLength !== undefined) s.packetLength = c.input.PacketLength;
      if (c.input.RemoveFields?.includes('packet-length')) s.packetLength = undefined;
    } else {
      const id = created.get(c.input.NetworkInterfaceId);
      if (!id) continue;
      out.push({
        sessionId: id,
        eniId: c.input.NetworkInterfaceId,
        targetId: c.input.TrafficMirrorTargetId,
        filterId: c.input.TrafficMirrorFilterId,
        sessionNumber: c.input.SessionNumber,
        vni: c.input.VirtualNetworkId,
        packetLength: c.input.PacketLength,
        tags: Object.fromEntries(c.input.TagSpecifications.flatMap((t) => t.Tags).map((t) => [t.Key, t.Value])),
      });
    }
  }
  return out;
}
