/**
 * The responder's pure core: (request | sweep | unblock) + config + *current* NACLs + state → the exact EC2 calls
 * (SDK inputs) and the state change they imply. No I/O: the handler reads the NACLs right before planning (so drift
 * is seen), executes or prints the calls, then stores `applyPlan(state, plan)`.
 */
import { type Cidr, type Family, contains, formatCidr, sameCidr, tryParseCidr } from './cidr.ts';
import { checkCidr, type GuardrailCode, type GuardrailPolicy } from './guardrails.ts';
import { DEFAULT_RULE_NUMBER, type NaclEntry, type NaclView } from './nacl.ts';
import { type BlockRecord, type ResponderState, sameSlot } from './state.ts';

export type Direction = 'inbound' | 'outbound' | 'both';

export interface ResponderPolicy {
  band: readonly [number, number];
  /** AWS "rules per network ACL", enforced per direction and separately for IPv4 and IPv6 */
  quotaPerDirection: number;
  /** most deny entries we own per NACL and direction */
  maxBlocks: number;
  replaceOldest: boolean;
  optInTag: string;
  requireOptIn: boolean;
  guard: GuardrailPolicy;
}

export interface BlockRequest {
  /** dedup key: the same event (retry, duplicate delivery) plans nothing the second time */
  key: string;
  findingId: string;
  source: string;
  summary: string;
  cidrs: string[];
  direction: Direction;
  /** limit to these VPCs; empty = every opted-in NACL */
  vpcIds: string[];
  ttlMinutes: number;
}

export interface EntryInput {
  NetworkAclId: string;
  RuleNumber: number;
  Protocol: '-1';
  RuleAction: 'deny';
  Egress: boolean;
  CidrBlock?: string;
  Ipv6CidrBlock?: string;
}

export type NaclCall =
  | { call: 'CreateNetworkAclEntry'; input: EntryInput }
  | { call: 'ReplaceNetworkAclEntry'; input: EntryInput }
  | { call: 'DeleteNetworkAclEntry'; input: { NetworkAclId: string; RuleNumber: number; Egress: boolean } };

export interface PlanStep {
  call: NaclCall;
  adds?: BlockRecord;
  removes?: BlockRecord;
}

export const SKIPS = {
  'event.duplicate': 'this event was already handled',
  'nacl.none_eligible': 'no opted-in network ACL in scope',
  'nacl.already_denied': 'an entry we do not own already denies this CIDR',
  'nacl.quota_exceeded': 'the per-direction rule quota of the network ACL is used up',
  'nacl.band_full': 'no free rule number left in the responder band',
  'nacl.max_blocks': 'responder.maxBlocks reached for this network ACL and direction',
  'nacl.shadowed': 'an allow-all rule with a lower number matches this CIDR first, so a deny in the band would never apply',
  'nacl.not_authorised': 'EC2 refused the call (UnauthorizedOperation): is the network ACL still tagged for the responder?',
} as const;
export type SkipCode = keyof typeof SKIPS | GuardrailCode;

export interface Skip {
  code: SkipCode;
  cidr?: string;
  naclId?: string;
  egress?: boolean;
  detail: string;
}

export const DRIFTS = {
  'state.nacl_missing': 'a network ACL we had an entry in no longer exists',
  'state.entry_missing': 'an entry we created is gone from the network ACL',
  'state.entry_changed': 'the rule number we own now holds a different entry',
  'band.unknown_entry': 'an entry in the responder band that we did not create',
} as const;
export type DriftCode = keyof typeof DRIFTS;

export interface Drift {
  code: DriftCode;
  naclId: string;
  ruleNumber?: number;
  egress?: boolean;
  cidr?: string;
  detail: string;
}

export interface Plan {
  steps: PlanStep[];
  skipped: Skip[];
  /** blocks hit again by a new event: expiry moved later, no EC2 call */
  extended: { from: BlockRecord; to: BlockRecord }[];
  drift: Drift[];
  /** records dropped from state without a call (drift) */
  forget: BlockRecord[];
  /** dedup keys to remember (key → forget-after) */
  remember: Record<string, string>;
  /** dedup keys to forget (expired) */
  forgetKeys: string[];
  /** sweep only: the complete set of foreign band entries now present (replaces state.driftSeen) */
  driftSeen?: Record<string, string>;
}

function emptyPlan(): Plan {
  return { steps: [], skipped: [], extended: [], drift: [], forget: [], remember: {}, forgetKeys: [] };
}

function cidrText(e: NaclEntry): string {
  return e.cidr ? formatCidr(e.cidr) : '(none)';
}

/** The entry at a record's slot, if it still is exactly the deny we created. */
function entryMatches(nacl: NaclView, rec: BlockRecord): 'match' | 'missing' | 'changed' {
  const e = nacl.entries.find((x) => x.egress === rec.egress && x.ruleNumber === rec.ruleNumber);
  if (!e) return 'missing';
  const c = tryParseCidr(rec.cidr);
  return e.action === 'deny' && e.cidr && c && sameCidr(e.cidr, c) ? 'match' : 'changed';
}

export function isOptedIn(nacl: NaclView, policy: Pick<ResponderPolicy, 'optInTag' | 'requireOptIn'>): boolean {
  if (!policy.requireOptIn) return true;
  const v = nacl.tags[policy.optInTag];
  return v !== undefined && /^(true|enabled|yes|1)$/i.test(v);
}

function entryInput(naclId: string, ruleNumber: number, egress: boolean, cidr: Cidr): EntryInput {
  const base = { NetworkAclId: naclId, RuleNumber: ruleNumber, Protocol: '-1' as const, RuleAction: 'deny' as const, Egress: egress };
  return cidr.family === 4 ? { ...base, CidrBlock: formatCidr(cidr) } : { ...base, Ipv6CidrBlock: formatCidr(cidr) };
}

function addMinutes(now: Date, minutes: number): string {
  return new Date(now.getTime() + minutes * 60_000).toISOString();
}

function cloneNacl(n: NaclView): NaclView {
  return { ...n, entries: n.entries.map((e) => ({ ...e })) };
}

/** Plans the deny entries for one request. `nacls` must be the current state of the NACLs (re-read, not cached). */
export function planBlock(req: BlockRequest, nacls: readonly NaclView[], state: ResponderState, policy: ResponderPolicy, now: Date): Plan {
  const plan = emptyPlan();
  const seenUntil = state.seen[req.key];
  if (seenUntil !== undefined && Date.parse(seenUntil) > now.getTime()) {
    plan.skipped.push({ code: 'event.duplicate', detail: `${SKIPS['event.duplicate']} (key ${req.key})` });
    return plan;
  }
  plan.remember[req.key] = addMinutes(now, req.ttlMinutes);

  // guardrails first, once per distinct CIDR
  const accepted: Cidr[] = [];
  for (const raw of req.cidrs) {
    const v = checkCidr(raw, policy.guard);
    if (!v.ok) {
      plan.skipped.push({ code: v.code, cidr: raw, detail: v.detail });
      continue;
    }
    if (!accepted.some((c) => sameCidr(c, v.cidr))) accepted.push(v.cidr);
  }
  if (accepted.length === 0) return plan;

  const scope = nacls.filter((n) => isOptedIn(n, policy) && (req.vpcIds.length === 0 || req.vpcIds.includes(n.vpcId)));
  if (scope.length === 0) {
    plan.skipped.push({ code: 'nacl.none_eligible', detail: `${SKIPS['nacl.none_eligible']} (vpcs: ${req.vpcIds.join(',') || 'any'}, tag ${policy.optInTag})` });
    return plan;
  }

  const expiresAt = addMinutes(now, req.ttlMinutes);
  const records = state.blocks.map((b) => ({ ...b }));
  const egressList = req.direction === 'both' ? [false, true] : [req.direction === 'outbound'];
  const [lo, hi] = policy.band;

  for (const original of scope) {
    const nacl = cloneNacl(original);
    for (const egress of egressList) {
      for (const cidr of accepted) {
        const text = formatCidr(cidr);
        const dirEntries = (): NaclEntry[] => nacl.entries.filter((e) => e.egress === egress);
        const owned = (): BlockRecord[] =>
          records.filter((r) => r.naclId === nacl.naclId && r.egress === egress && entryMatches(nacl, r) === 'match');

        const existing = dirEntries().find((e) => e.action === 'deny' && e.cidr && sameCidr(e.cidr, cidr));
        if (existing) {
          const mine = owned().find((r) => r.ruleNumber === existing.ruleNumber);
          if (!mine) {
            plan.skipped.push({ code: 'nacl.already_denied', cidr: text, naclId: nacl.naclId, egress, detail: `rule ${existing.ruleNumber} already denies ${text}` });
          } else if (Date.parse(mine.expiresAt) < Date.parse(expiresAt)) {
            const to = { ...mine, expiresAt, findingId: req.findingId, source: req.source, summary: req.summary };
            plan.extended.push({ from: { ...mine }, to });
            Object.assign(mine, to);
          }
          continue;
        }

        const used = new Set(dirEntries().map((e) => e.ruleNumber));
        let free: number | undefined;
        for (let n = lo; n <= hi; n++) {
          if (!used.has(n)) {
            free = n;
            break;
          }
        }
        const familyCount = (f: Family): number =>
          dirEntries().filter((e) => e.ruleNumber < DEFAULT_RULE_NUMBER && e.cidr?.family === f).length;
        const quotaFull = familyCount(cidr.family) >= policy.quotaPerDirection;
        const maxFull = owned().length >= policy.maxBlocks;
        const bandFull = free === undefined;

        const record: BlockRecord = {
          naclId: nacl.naclId,
          vpcId: nacl.vpcId,
          ruleNumber: 0,
          egress,
          cidr: text,
          createdAt: now.toISOString(),
          expiresAt,
          findingId: req.findingId,
          source: req.source,
          summary: req.summary,
        };

        // An allow-all rule numbered below the slot we write would match first: the deny would never apply, and
        // would be dead weight in the quota. The slot is the free number for a Create and the victim's number for a
        // Replace, so each is checked where it is written (a shadowed Replace would also evict a deny that works).
        const shadowAt = (slot: number): { rule: NaclEntry; slot: number } | undefined => {
          const rule = shadowingAllows(nacl, egress, slot, cidr)[0];
          return rule && { rule, slot };
        };
        let shadowed: { rule: NaclEntry; slot: number } | undefined;

        if (!quotaFull && !maxFull && free !== undefined) {
          shadowed = shadowAt(free);
          if (!shadowed) {
            record.ruleNumber = free;
            plan.steps.push({ call: { call: 'CreateNetworkAclEntry', input: entryInput(nacl.naclId, free, egress, cidr) }, adds: record });
            nacl.entries.push({ ruleNumber: free, egress, action: 'deny', protocol: '-1', cidr });
            records.push(record);
            continue;
          }
        }
        // Full, or every free number is shadowed (shadowing only grows with the number, so the lowest free one
        // decides): for this CIDR the NACL is full either way. Deciding both alike keeps one plan a fixpoint: a CIDR
        // skipped while a shadowed slot was free would otherwise evict a block in the next event, once later CIDRs
        // of the same request had taken the last free numbers.
        if (policy.replaceOldest) {
          // oldest-expiring first; when the family quota binds, only a same-family entry frees a slot
          const victims = owned()
            .filter((r) => !quotaFull || tryParseCidr(r.cidr)?.family === cidr.family)
            .filter((r) => Date.parse(r.expiresAt) < Date.parse(expiresAt))
            .sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt) || a.ruleNumber - b.ruleNumber);
          let victim: BlockRecord | undefined;
          for (const r of victims) {
            const s = shadowAt(r.ruleNumber);
            if (!s) {
              victim = r;
              break;
            }
            shadowed ??= s;
          }
          if (victim) {
            record.ruleNumber = victim.ruleNumber;
            plan.steps.push({
              call: { call: 'ReplaceNetworkAclEntry', input: entryInput(nacl.naclId, victim.ruleNumber, egress, cidr) },
              adds: record,
              removes: { ...victim },
            });
            const e = nacl.entries.find((x) => x.egress === egress && x.ruleNumber === victim.ruleNumber);
            if (e) e.cidr = cidr;
            records.splice(records.indexOf(victim), 1, record);
            continue;
          }
        }
        // nothing written: a free slot an allow-all rule precedes is the more useful reason to report than a full quota
        if (!shadowed && (free !== undefined || !policy.replaceOldest)) shadowed = shadowAt(free ?? lo);
        if (shadowed) {
          const { rule, slot } = shadowed;
          plan.skipped.push({ code: 'nacl.shadowed', cidr: text, naclId: nacl.naclId, egress, detail: `allow rule ${rule.ruleNumber} (${cidrText(rule)}, all protocols) is evaluated before rule ${slot}; lower responder.ruleBand` });
          continue;
        }
        const code = quotaFull ? 'nacl.quota_exceeded' : maxFull ? 'nacl.max_blocks' : 'nacl.band_full';
        const detail = bandFull && !quotaFull && !maxFull ? `band ${lo}-${hi} is full` : SKIPS[code];
        plan.skipped.push({ code, cidr: text, naclId: nacl.naclId, egress, detail });
      }
    }
  }
  return plan;
}

/** Expiry sweep + reconcile: deletes our expired entries, forgets records whose entry vanished, reports drift. */
export function planSweep(nacls: readonly NaclView[], state: ResponderState, policy: ResponderPolicy, now: Date): Plan {
  const plan = emptyPlan();
  const byId = new Map(nacls.map((n) => [n.naclId, n]));
  for (const rec of state.blocks) {
    const nacl = byId.get(rec.naclId);
    if (!nacl) {
      plan.drift.push({ code: 'state.nacl_missing', naclId: rec.naclId, ruleNumber: rec.ruleNumber, egress: rec.egress, cidr: rec.cidr, detail: DRIFTS['state.nacl_missing'] });
      plan.forget.push(rec);
      continue;
    }
    const m = entryMatches(nacl, rec);
    if (m !== 'match') {
      const code = m === 'missing' ? 'state.entry_missing' : 'state.entry_changed';
      plan.drift.push({ code, naclId: rec.naclId, ruleNumber: rec.ruleNumber, egress: rec.egress, cidr: rec.cidr, detail: DRIFTS[code] });
      plan.forget.push(rec);
      continue;
    }
    if (Date.parse(rec.expiresAt) <= now.getTime()) {
      plan.steps.push({ call: { call: 'DeleteNetworkAclEntry', input: { NetworkAclId: rec.naclId, RuleNumber: rec.ruleNumber, Egress: rec.egress } }, removes: rec });
    }
  }
  const [lo, hi] = policy.band;
  const driftSeen: Record<string, string> = {};
  for (const nacl of nacls) {
    if (!isOptedIn(nacl, policy)) continue;
    for (const e of nacl.entries) {
      if (e.ruleNumber < lo || e.ruleNumber > hi) continue;
      if (state.blocks.some((r) => sameSlot(r, { naclId: nacl.naclId, egress: e.egress, ruleNumber: e.ruleNumber }))) continue;
      const key = `${nacl.naclId}:${e.egress ? 'egress' : 'ingress'}:${e.ruleNumber}:${e.action}:${cidrText(e)}`;
      const first = state.driftSeen[key];
      driftSeen[key] = first ?? now.toISOString();
      if (first !== undefined) continue; // reported by an earlier sweep; still there, still left alone
      plan.drift.push({
        code: 'band.unknown_entry',
        naclId: nacl.naclId,
        ruleNumber: e.ruleNumber,
        egress: e.egress,
        cidr: cidrText(e),
        detail: `${DRIFTS['band.unknown_entry']}: ${e.action} ${cidrText(e)} (left alone)`,
      });
    }
  }
  for (const [k, until] of Object.entries(state.seen)) if (Date.parse(until) <= now.getTime()) plan.forgetKeys.push(k);
  plan.driftSeen = driftSeen;
  return plan;
}

/** Operator unblock: deletes every entry we own for exactly this CIDR (never someone else's). */
export function planUnblock(cidrInput: string, nacls: readonly NaclView[], state: ResponderState): Plan {
  const plan = emptyPlan();
  const c = tryParseCidr(cidrInput);
  if (!c) {
    plan.skipped.push({ code: 'cidr.invalid', cidr: cidrInput, detail: 'not a valid IPv4/IPv6 CIDR' });
    return plan;
  }
  const byId = new Map(nacls.map((n) => [n.naclId, n]));
  for (const rec of state.blocks) {
    const rc = tryParseCidr(rec.cidr);
    if (!rc || !sameCidr(rc, c)) continue;
    const nacl = byId.get(rec.naclId);
    const m = nacl ? entryMatches(nacl, rec) : 'missing';
    if (m === 'match') {
      plan.steps.push({ call: { call: 'DeleteNetworkAclEntry', input: { NetworkAclId: rec.naclId, RuleNumber: rec.ruleNumber, Egress: rec.egress } }, removes: rec });
    } else {
      const code = !nacl ? 'state.nacl_missing' : m === 'missing' ? 'state.entry_missing' : 'state.entry_changed';
      plan.drift.push({ code, naclId: rec.naclId, ruleNumber: rec.ruleNumber, egress: rec.egress, cidr: rec.cidr, detail: DRIFTS[code] });
      plan.forget.push(rec);
    }
  }
  return plan;
}

/** The state after the plan's calls succeeded. */
export function applyPlan(state: ResponderState, plan: Plan): ResponderState {
  const drop = (b: BlockRecord, r: BlockRecord): boolean => sameSlot(b, r) && b.cidr === r.cidr;
  let blocks = state.blocks.filter((b) => !plan.forget.some((r) => drop(b, r)));
  for (const { from, to } of plan.extended) blocks = blocks.map((b) => (drop(b, from) ? to : b));
  for (const s of plan.steps) {
    if (s.removes) {
      const rm = s.removes;
      blocks = blocks.filter((b) => !drop(b, rm));
    }
    if (s.adds) blocks.push(s.adds);
  }
  const seen = { ...state.seen, ...plan.remember };
  for (const k of plan.forgetKeys) delete seen[k];
  return { version: 1, blocks, seen, driftSeen: plan.driftSeen ?? state.driftSeen };
}

/** The NACLs after the plan's calls succeeded (used by local mode, and by tests to check "twice = once"). */
export function applyToNacls(nacls: readonly NaclView[], plan: Plan): NaclView[] {
  const out = nacls.map(cloneNacl);
  for (const { call } of plan.steps) {
    const n = out.find((x) => x.naclId === call.input.NetworkAclId);
    if (!n) continue;
    const i = n.entries.findIndex((e) => e.egress === call.input.Egress && e.ruleNumber === call.input.RuleNumber);
    if (call.call === 'DeleteNetworkAclEntry') {
      if (i >= 0) n.entries.splice(i, 1);
      continue;
    }
    const cidr = tryParseCidr(call.input.CidrBlock ?? call.input.Ipv6CidrBlock ?? '');
    const entry: NaclEntry = { ruleNumber: call.input.RuleNumber, egress: call.input.Egress, action: 'deny', protocol: '-1', cidr };
    if (i >= 0) n.entries[i] = entry;
    else n.entries.push(entry);
  }
  return out;
}

/**
 * Local mode has no real NACL to write to: overlay the entries our state says we own onto the NACLs read from the
 * local file, so later plans see them (and the second run of an event plans nothing).
 */
export function overlayState(nacls: readonly NaclView[], state: ResponderState): NaclView[] {
  const out = nacls.map(cloneNacl);
  for (const r of state.blocks) {
    const n = out.find((x) => x.naclId === r.naclId);
    const cidr = tryParseCidr(r.cidr);
    if (!n || !cidr) continue;
    if (n.entries.some((e) => e.egress === r.egress && e.ruleNumber === r.ruleNumber)) continue;
    n.entries.push({ ruleNumber: r.ruleNumber, egress: r.egress, action: 'deny', protocol: '-1', cidr });
  }
  return out;
}

/** Allow rules for all protocols, numbered below `ruleNumber`, that match all of `cidr`: a deny there never applies. */
export function shadowingAllows(nacl: NaclView, egress: boolean, ruleNumber: number, cidr: Cidr): NaclEntry[] {
  return nacl.entries.filter((e) => e.egress === egress && e.action === 'allow' && e.protocol === '-1' && e.ruleNumber < ruleNumber && e.cidr !== undefined && contains(e.cidr, cidr));
}
