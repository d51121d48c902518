/**
 * The responder's one straight walk: intent → (re-read state and NACLs → plan → execute → save) with retry on
 * conflicts → audit → notify. I/O only through the ports, so local mode, AWS mode and the CLI share it.
 */
import type { NetwatchConfig } from '../../shared/config/schema.ts';
import { ranges, type GuardrailPolicy, type ProtectedRange } from '../../shared/respond/guardrails.ts';
import { canonicalCidr } from '../../shared/respond/cidr.ts';
import {
  SKIPS,
  applyPlan,
  planBlock,
  planSweep,
  planUnblock,
  type BlockRequest,
  type Drift,
  type Plan,
  type PlanStep,
  type ResponderPolicy,
  type Skip,
} from '../../shared/respond/plan.ts';
import type { Intent } from '../../shared/respond/requests.ts';
import { StateConflictError, type AuditSink, type Executor, type NetworkReader, type Notifier, type StateStore } from '../../shared/respond/ports.ts';
import type { BlockRecord } from '../../shared/respond/state.ts';

import { RESPONSE_DETAIL_TYPE, RESPONSE_SOURCE } from '../../shared/respond/response-message.ts';
export { RESPONSE_DETAIL_TYPE, RESPONSE_SOURCE };
/** re-plan after a rule-number race (NetworkAclEntryAlreadyExists) or a state write conflict */
const MAX_ATTEMPTS = 4;

export type Mode = 'aws' | 'dry-run' | 'local';

export interface ResponderDeps {
  network: NetworkReader;
  executor: Executor;
  store: StateStore;
  audit: AuditSink;
  notifier: Notifier;
  awsRanges: () => Promise<ProtectedRange[]>;
  mode: Mode;
  now: () => Date;
}

export interface Outcome {
  kind: Intent['kind'];
  mode: Mode;
  applied: PlanStep[];
  extended: { from: BlockRecord; to: BlockRecord }[];
  skipped: Skip[];
  drift: Drift[];
  ignored?: { code: string; detail: string };
  attempts: number;
}

export function policyFromConfig(cfg: NetwatchConfig, guard: GuardrailPolicy): ResponderPolicy {
  const r = cfg.responder;
  return {
    band: r.ruleBand,
    quotaPerDirection: r.quotaPerDirection,
    maxBlocks: r.maxBlocks,
    replaceOldest: r.replaceOldest,
    optInTag: r.optInTag,
    requireOptIn: r.requireOptIn,
    guard,
  };
}

async function guardPolicy(cfg: NetwatchConfig, deps: ResponderDeps): Promise<GuardrailPolicy> {
  const [vpcs, natElb, aws] = await Promise.all([
    deps.network.vpcCidrs(),
    deps.network.natElbAddresses(),
    cfg.responder.allowAwsServices ? Promise.resolve([]) : deps.awsRanges(),
  ]);
  return {
    minPrefix: { 4: cfg.responder.minPrefixV4, 6: cfg.responder.minPrefixV6 },
    allowAwsServices: cfg.responder.allowAwsServices,
    allowlist: ranges(cfg.responder.allowlist, 'responder.allowlist'),
    vpcCidrs: vpcs.flatMap((v) => ranges(v.cidrs, v.vpcId)),
    natElb: natElb.flatMap((a) => ranges([a.address], a.label)),
    awsRanges: aws,
  };
}

function directionOf(egress: boolean): 'inbound' | 'outbound' {
  return egress ? 'outbound' : 'inbound';
}

function describeStep(s: PlanStep): Record<string, unknown> {
  const i = s.call.input;
  const rec = s.adds ?? s.removes;
  return {
    call: s.call.call,
    naclId: i.NetworkAclId,
    vpcId: rec?.vpcId,
    ruleNumber: i.RuleNumber,
    direction: directionOf(i.Egress),
    cidr: s.adds?.cidr ?? s.removes?.cidr,
    ...(s.adds ? { expiresAt: s.adds.expiresAt } : {}),
    ...(s.removes && s.adds ? { replaced: s.removes.cidr } : {}),
  };
}

/** Runs one plan-execute-save cycle, re-planning on races. `makePlan` sees freshly read state and NACLs. */
async function cycle(
  deps: ResponderDeps,
  vpcIds: readonly string[],
  makePlan: (nacls: Awaited<ReturnType<NetworkReader['nacls']>>, state: Awaited<ReturnType<StateStore['load']>>['state'], now: Date) => Plan,
): Promise<{ plan: Plan; applied: PlanStep[]; skipped: Skip[]; attempts: number }> {
  const dryRun = deps.mode === 'dry-run';
  const skipped: Skip[] = [];
  // calls that succeeded in an attempt whose state save then lost a race: their records must not be lost
  let carried: PlanStep[] = [];
  // calls of earlier attempts that were saved before a rule-number race made us re-plan
  const appliedBefore: PlanStep[] = [];
  for (let attempt = 1; ; attempt++) {
    const loaded = await deps.store.load();
    const state = carried.length > 0 ? applyPlan(loaded.state, stepsOnly(carried)) : loaded.state;
    const nacls = await deps.network.nacls(vpcIds);
    const now = deps.now();
    const plan = makePlan(nacls, state, now);
    const applied: PlanStep[] = [];
    let raced = false;
    for (const step of plan.steps) {
      const r = await deps.executor.execute(step.call, dryRun);
      if (r === 'ok') applied.push(step);
      else if (r === 'already_exists') {
        raced = true; // someone took the rule number: save what is done, re-read, re-plan
        break;
      } else if (r === 'limit_exceeded') {
        skipped.push({
          code: 'nacl.quota_exceeded',
          cidr: step.adds?.cidr,
          naclId: step.call.input.NetworkAclId,
          egress: step.call.input.Egress,
          detail: 'EC2 NetworkAclEntryLimitExceeded: the account quota is lower than responder.quotaPerDirection',
        });
      } else if (r === 'unauthorized') {
        skipped.push({
          code: 'nacl.not_authorised',
          cidr: step.adds?.cidr ?? step.removes?.cidr,
          naclId: step.call.input.NetworkAclId,
          egress: step.call.input.Egress,
          detail: `${step.call.call} rule ${step.call.input.RuleNumber}: ${SKIPS['nacl.not_authorised']}`,
        });
      } else if (step.removes && !step.adds) {
        applied.push(step); // not_found on delete: the entry is already gone, which is what we wanted
      } else {
        throw new Error(`${step.call.call} on ${step.call.input.NetworkAclId} rule ${step.call.input.RuleNumber}: entry not found`);
      }
    }
    if (dryRun) return { plan, applied, skipped, attempts: attempt };
    const done: Plan = { ...plan, steps: applied, remember: raced ? {} : plan.remember };
    try {
      await deps.store.save(applyPlan(state, done), loaded.version);
    } catch (err) {
      if (err instanceof StateConflictError && attempt < MAX_ATTEMPTS) {
        carried = [...carried, ...applied];
        continue;
      }
      throw err;
    }
    const all = [...carried, ...applied];
    if (!raced || attempt >= MAX_ATTEMPTS) {
      if (raced) skipped.push({ code: 'nacl.band_full', detail: `rule numbers kept being taken concurrently; gave up after ${attempt} attempts` });
      return { plan, applied: [...appliedBefore, ...all], skipped, attempts: attempt };
    }
    carried = [];
    appliedBefore.push(...all);
  }
}

function stepsOnly(steps: PlanStep[]): Plan {
  return { steps, skipped: [], extended: [], drift: [], forget: [], remember: {}, forgetKeys: [] };
}

export async function respond(intent: Intent, cfg: NetwatchConfig, deps: ResponderDeps): Promise<Outcome> {
  const base = { kind: intent.kind, mode: deps.mode, applied: [], extended: [], skipped: [], drift: [], attempts: 0 };
  if (intent.kind === 'ignore') {
    const out: Outcome = { ...base, ignored: { code: intent.code, detail: intent.detail } };
    await deps.audit.append([{ time: deps.now().toISOString(), mode: deps.mode, kind: 'ignored', code: intent.code, detail: intent.detail }]);
    return out;
  }

  let vpcIds: string[] = [];
  let requests: BlockRequest[] = [];
  if (intent.kind === 'block') {
    requests = intent.requests;
    const fromSubject = requests.every((r) => r.vpcIds.length === 0) ? await deps.network.vpcsOf(intent.subject) : [];
    if (fromSubject.length > 0) requests = requests.map((r) => ({ ...r, vpcIds: fromSubject }));
    vpcIds = [...new Set(requests.flatMap((r) => r.vpcIds))];
    if (requests.some((r) => r.vpcIds.length === 0)) vpcIds = [];
  }
  const policy = policyFromConfig(cfg, intent.kind === 'block' ? await guardPolicy(cfg, deps) : emptyGuard(cfg));

  const outcome: Outcome = { ...base };
  const runs: { plan: Plan; applied: PlanStep[]; request?: BlockRequest }[] = [];
  if (intent.kind === 'block') {
    for (const req of requests) {
      const r = await cycle(deps, vpcIds, (nacls, state, now) => planBlock(req, nacls, state, policy, now));
      runs.push({ ...r, request: req });
      outcome.skipped.push(...r.skipped);
      outcome.attempts += r.attempts;
    }
  } else if (intent.kind === 'sweep') {
    const r = await cycle(deps, [], (nacls, state, now) => planSweep(nacls, state, policy, now));
    runs.push(r);
    outcome.skipped.push(...r.skipped);
    outcome.attempts += r.attempts;
  } else {
    const cidr = canonicalCidr(intent.cidr);
    const r = await cycle(deps, [], (nacls, state) => planUnblock(cidr, nacls, state));
    runs.push(r);
    outcome.skipped.push(...r.skipped);
    outcome.attempts += r.attempts;
  }
  for (const r of runs) {
    outcome.applied.push(...r.applied);
    outcome.extended.push(...r.plan.extended);
    outcome.skipped.push(...r.plan.skipped);
    outcome.drift.push(...r.plan.drift);
  }

  const time = deps.now().toISOString();
  const lines: Record<string, unknown>[] = [];
  for (const r of runs) {
    const why = r.request ? { findingId: r.request.findingId, source: r.request.source, summary: r.request.summary } : { source: intent.kind };
    for (const s of r.applied) {
      lines.push({ time, mode: deps.mode, kind: 'action', ...describeStep(s), input: s.call.input, ...why, ...(s.adds ? { undo: `netwatch nacl unblock ${s.adds.cidr}` } : {}) });
    }
    for (const e of r.plan.extended) lines.push({ time, mode: deps.mode, kind: 'extended', naclId: e.to.naclId, ruleNumber: e.to.ruleNumber, cidr: e.to.cidr, expiresAt: e.to.expiresAt, ...why });
  }
  for (const s of outcome.skipped) lines.push({ time, mode: deps.mode, kind: 'skipped', ...s });
  for (const d of outcome.drift) lines.push({ time, mode: deps.mode, kind: 'drift', ...d });

  // a sweep notifies only about what it did or newly found; a block also about what it refused
  const notable =
    outcome.applied.length > 0 ||
    outcome.drift.length > 0 ||
    (intent.kind === 'block' && outcome.skipped.some((s) => s.code.startsWith('cidr.') || s.code.startsWith('nacl.')));
  if (notable) {
    const detail = notificationDetail(intent, outcome, runs.map((r) => r.request).filter((r): r is BlockRequest => !!r));
    await deps.notifier.publish(RESPONSE_DETAIL_TYPE, detail);
    lines.push({ time, mode: deps.mode, kind: 'notification', detailType: RESPONSE_DETAIL_TYPE, source: RESPONSE_SOURCE, detail });
  }
  if (lines.length > 0) await deps.audit.append(lines);
  return outcome;
}

/** Guardrail inputs that are not needed when only removing entries (sweep, unblock, list). */
export function emptyGuard(cfg: NetwatchConfig): GuardrailPolicy {
  return {
    minPrefix: { 4: cfg.responder.minPrefixV4, 6: cfg.responder.minPrefixV6 },
    allowAwsServices: cfg.responder.allowAwsServices,
    allowlist: [],
    vpcCidrs: [],
    natElb: [],
    awsRanges: [],
  };
}

/** The `NetWatch Response` event: what, why, where, until when, and how to undo. */
export function notificationDetail(intent: Intent, o: Outcome, requests: BlockRequest[]): Record<string, unknown> {
  const actions = o.applied.map(describeStep);
  const undo = [...new Set(o.applied.flatMap((s) => (s.adds ? [`netwatch nacl unblock ${s.adds.cidr}`] : [])))];
  const first = requests[0];
  const severity = o.applied.some((s) => s.adds) ? 'high' : o.drift.length > 0 ? 'medium' : 'low';
  return {
    kind: `nacl-${intent.kind}`,
    mode: o.mode,
    severity,
    ...(first ? { findingId: first.findingId, findingSource: first.source, summary: first.summary } : {}),
    actions,
    skipped: o.skipped,
    drift: o.drift,
    undo,
  };
}
