/**
 * The mirror manager's straight walk: read inventory and sessions → desired → reconcile → execute → publish the
 * VNI map if it changed. I/O only through the ports (local files/stdout or EC2/S3).
 */
import type { NetwatchConfig } from '../../shared/config/schema.ts';
import { ConfigError } from '../../shared/errors.ts';
import type { MirrorIntent } from '../../shared/mirror/events.ts';
import type { MapStore, MirrorExecutor, MirrorReader } from '../../shared/mirror/ports.ts';
import { applyActions, desiredSessions, MIRROR_SKIPS, OWNER_TAG, OWNER_VALUE, reconcile, vniMap, type MirrorAction, type MirrorPolicy, type MirrorSkip } from '../../shared/mirror/reconcile.ts';
import type { MirrorFilter, Session } from '../../shared/mirror/inventory.ts';
import { createFilterCall, FILTER_PRESET_TAG, presetRules, reconcileFilterRules, type ActualRule, type FilterCall } from '../../shared/mirror/filters.ts';

export interface MirrorDeps {
  reader: MirrorReader;
  executor: MirrorExecutor;
  maps: MapStore;
  /** local mode: remember sessions and filters as they are after the planned calls */
  saveState?: (state: { sessions: Session[]; filters: MirrorFilter[] }) => Promise<void>;
}

export interface MirrorOutcome {
  trigger: string;
  actions: MirrorAction[];
  /** calls that created or corrected the filter we own (when mirroring.filterId is not given) */
  filterCalls: FilterCall[];
  filterId: string;
  filterPreset: string;
  skipped: MirrorSkip[];
  desired: number;
  mapChanged: boolean;
  mapLocation: string;
  mapSessions: number;
}

/** The session policy; filterId is undefined when the manager should own a filter for mirroring.filterPreset. */
export function mirrorPolicy(cfg: NetwatchConfig, env: NodeJS.ProcessEnv = process.env): Omit<MirrorPolicy, 'targetEniIds' | 'filterId'> & { filterId: string | undefined } {
  const m = cfg.mirroring;
  const targetId = env.MIRROR_TARGET_ID || m.targetId;
  const filterId = env.MIRROR_FILTER_ID || m.filterId || undefined;
  if (!targetId) throw new ConfigError('mirroring.targetId (or MIRROR_TARGET_ID) must name the traffic-mirror target (tmt-…)');
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

/**
 * Without mirroring.filterId the manager owns one filter per preset (tagged), creating it when missing and keeping
 * its rules equal to the preset's. Returns the filter id and the calls made.
 */
async function ensureFilter(cfg: NetwatchConfig, vpcCidrs: string[], deps: MirrorDeps): Promise<{ filterId: string; calls: FilterCall[]; filters: MirrorFilter[] }> {
  const preset = cfg.mirroring.filterPreset;
  const desired = presetRules(preset, vpcCidrs, cfg.mirroring.customRules);
  const filters = await deps.reader.filters();
  const calls: FilterCall[] = [];
  let mine = filters
    .filter((f) => f.tags[OWNER_TAG] === OWNER_VALUE && f.tags[FILTER_PRESET_TAG] === preset)
    .sort((a, b) => a.filterId.localeCompare(b.filterId))[0];
  if (!mine) {
    const create = createFilterCall(preset, OWNER_TAG, OWNER_VALUE);
    const r = await deps.executor.execute(create);
    if (!r.filterId) throw new ConfigError(`CreateTrafficMirrorFilter for preset ${preset} returned no filter id`);
    calls.push(create);
    mine = { filterId: r.filterId, tags: { [OWNER_TAG]: OWNER_VALUE, [FILTER_PRESET_TAG]: preset }, rules: [] };
    filters.push(mine);
  }
  let rules: ActualRule[] = [...mine.rules];
  for (const c of reconcileFilterRules(mine.filterId, desired, mine.rules)) {
    const r = await deps.executor.execute(c);
    calls.push(c);
    if (c.call === 'DeleteTrafficMirrorFilterRule') rules = rules.filter((x) => x.ruleId !== c.input.TrafficMirrorFilterRuleId);
    else if (c.call === 'CreateTrafficMirrorFilterRule') {
      const { TrafficMirrorFilterId: _f, ClientToken: _t, ...rule } = c.input;
      rules.push({ ...rule, ruleId: r.ruleId ?? `${mine.filterId}:${rule.TrafficDirection}:${rule.RuleNumber}` });
    }
  }
  mine.rules = rules;
  return { filterId: mine.filterId, calls, filters };
}

export async function manage(intent: MirrorIntent, cfg: NetwatchConfig, deps: MirrorDeps): Promise<MirrorOutcome> {
  const base = mirrorPolicy(cfg);
  const [inv, targetEniIds] = await Promise.all([deps.reader.inventory(), deps.reader.targetEniIds(base.targetId)]);
  const managed = base.filterId ? undefined : await ensureFilter(cfg, inv.vpcCidrs, deps);
  const filterId = base.filterId ?? (managed?.filterId as string);
  const policy: MirrorPolicy = { ...base, filterId, targetEniIds };
  const types = [...new Set([...inv.instances.values()].flatMap((i) => (i.instanceType ? [i.instanceType] : [])))];
  const hv = await deps.reader.hypervisors(types);
  const { desired, skipped } = desiredSessions(inv, policy, (t) => hv.get(t), intent.hints);
  const plan = reconcile(desired, inv.sessions, policy);
  const created = new Map<string, string>();
  const failed: MirrorSkip[] = [];
  for (const a of plan.actions) {
    const r = await deps.executor.execute(a.call);
    if (a.call.call !== 'CreateTrafficMirrorSession') continue;
    if (r.sessionId) created.set(a.call.input.NetworkInterfaceId, r.sessionId);
    else {
      const d = a.desired;
      failed.push({
        code: 'session.create_failed',
        eniId: a.call.input.NetworkInterfaceId,
        ...(d?.instanceId ? { instanceId: d.instanceId } : {}),
        detail: `${MIRROR_SKIPS['session.create_failed']}: ${r.failed ?? 'no session id returned'}`,
      });
    }
  }
  const after = applyActions(inv.sessions, plan.actions, created);
  await deps.saveState?.({ sessions: after, filters: managed?.filters ?? [] });
  const map = vniMap(after, desired);
  const text = `${JSON.stringify(map, null, 2)}\n`;
  const current = await deps.maps.read();
  const mapChanged = current !== text;
  if (mapChanged) await deps.maps.write(text);
  return {
    trigger: intent.trigger,
    actions: plan.actions,
    filterCalls: managed?.calls ?? [],
    filterId,
    filterPreset: base.filterId ? 'configured' : cfg.mirroring.filterPreset,
    skipped: [...skipped, ...plan.skipped, ...failed],
    desired: desired.length,
    mapChanged,
    mapLocation: deps.maps.describe(),
    mapSessions: Object.keys(map).length,
  };
}
