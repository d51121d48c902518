/**
 * The mirror manager's straight walk: read inventory and sessions → desired → reconcile → execute → publish the
 * VNI map if it changed. I/O only through the ports (local files/stdout or EC2/S3).
 */
import type { NetwatchConfig } from '../../shared/config/schema.ts';
import { ConfigError } from '../../shared/errors.ts';
import type { MirrorIntent } from '../../shared/mirror/events.ts';
import type { MapStore, MirrorExecutor, MirrorReader } from '../../shared/mirror/ports.ts';
import { applyActions, desiredSessions, reconcile, vniMap, type MirrorAction, type MirrorPolicy, type MirrorSkip } from '../../shared/mirror/reconcile.ts';
import type { Session } from '../../shared/mirror/inventory.ts';

export interface MirrorDeps {
  reader: MirrorReader;
  executor: MirrorExecutor;
  maps: MapStore;
  /** local mode: remember the sessions as they are after the planned calls */
  saveSessions?: (sessions: Session[]) => Promise<void>;
}

export interface MirrorOutcome {
  trigger: string;
  actions: MirrorAction[];
  skipped: MirrorSkip[];
  desired: number;
  mapChanged: boolean;
  mapLocation: string;
  mapSessions: number;
}

export function mirrorPolicy(cfg: NetwatchConfig, env: NodeJS.ProcessEnv = process.env): Omit<MirrorPolicy, 'targetEniIds'> {
  const m = cfg.mirroring;
  const targetId = env.MIRROR_TARGET_ID || m.targetId;
  const filterId = env.MIRROR_FILTER_ID || m.filterId;
  if (!targetId) throw new ConfigError('mirroring.targetId (or MIRROR_TARGET_ID) must name the traffic-mirror target (tmt-…)');
  if (!filterId) throw new ConfigError('mirroring.filterId (or MIRROR_FILTER_ID) must name the traffic-mirror filter (tmf-…)');
  return {
    selectTag: m.selectTag,
    excludeTag: m.excludeTag,
    targetId,
    filterId,
    packetLength: m.packetLength,
    sessionNumber: m.sessionNumber,
    vniBase: m.vniBase,
  };
}

export async function manage(intent: MirrorIntent, cfg: NetwatchConfig, deps: MirrorDeps): Promise<MirrorOutcome> {
  const base = mirrorPolicy(cfg);
  const [inv, targetEniIds] = await Promise.all([deps.reader.inventory(), deps.reader.targetEniIds(base.targetId)]);
  const policy: MirrorPolicy = { ...base, targetEniIds };
  const types = [...new Set([...inv.instances.values()].flatMap((i) => (i.instanceType ? [i.instanceType] : [])))];
  const hv = await deps.reader.hypervisors(types);
  const { desired, skipped } = desiredSessions(inv, policy, (t) => hv.get(t), intent.hints);
  const plan = reconcile(desired, inv.sessions, policy);
  const created = new Map<string, string>();
  for (const a of plan.actions) {
    const r = await deps.executor.execute(a.call);
    if (a.call.call === 'CreateTrafficMirrorSession' && r.sessionId) created.set(a.call.input.NetworkInterfaceId, r.sessionId);
  }
  const after = applyActions(inv.sessions, plan.actions, created);
  await deps.saveSessions?.(after);
  const map = vniMap(after, desired);
  const text = `${JSON.stringify(map, null, 2)}\n`;
  const current = await deps.maps.read();
  const mapChanged = current !== text;
  if (mapChanged) await deps.maps.write(text);
  return {
    trigger: intent.trigger,
    actions: plan.actions,
    skipped: [...skipped, ...plan.skipped],
    desired: desired.length,
    mapChanged,
    mapLocation: deps.maps.describe(),
    mapSessions: Object.keys(map).length,
  };
}
