/**
 * The orchestrator with in-memory ports (the port contracts, not AWS mocks): state write conflicts re-plan, a
 * rule-number race re-reads the NACL, and every applied action is audited and notified.
 */
import { describe, expect, it } from 'vitest';
import { respond, type ResponderDeps } from '../../../functions/nacl-responder/respond.ts';
import { parseConfig } from '../../../shared/config/load.ts';
import { formatCidr } from '../../../shared/respond/cidr.ts';
import type { NaclView } from '../../../shared/respond/nacl.ts';
import { applyToNacls, type NaclCall } from '../../../shared/respond/plan.ts';
import type { Intent } from '../../../shared/respond/requests.ts';
import { StateConflictError, type ExecResult } from '../../../shared/respond/ports.ts';
import { emptyState, type ResponderState } from '../../../shared/respond/state.ts';
import { NOW, nacl } from './helpers.ts';

const cfg = parseConfig({ responder: { enabled: true, dryRun: false, ttlMinutes: 60 } });
const intent = (cidr: string, key = `k-${cidr}`): Intent => ({
  kind: 'block',
  subject: { interfaceIds: [], instanceIds: [] },
  requests: [{ key, findingId: key, source: 'test', summary: 'flood', cidrs: [cidr], direction: 'outbound', vpcIds: [], ttlMinutes: 60 }],
});

function world(opts: { conflicts?: number; raceOnce?: boolean } = {}) {
  let nacls: NaclView[] = [nacl('acl-1')];
  let state: ResponderState = emptyState();
  let version = 0;
  let conflicts = opts.conflicts ?? 0;
  let race = opts.raceOnce ?? false;
  const executed: NaclCall[] = [];
  const audit: Record<string, unknown>[] = [];
  const notes: Record<string, unknown>[] = [];
  const deps: ResponderDeps = {
    mode: 'aws',
    now: () => NOW,
    awsRanges: async () => [],
    network: {
      nacls: async () => nacls,
      vpcCidrs: async () => [{ vpcId: 'vpc-1', cidrs: ['10.0.0.0/16'] }],
      natElbAddresses: async () => [],
      vpcsOf: async () => [],
    },
    executor: {
      async execute(call): Promise<ExecResult> {
        executed.push(call);
        if (race && call.call === 'CreateNetworkAclEntry') {
          // another writer takes this number just before us
          race = false;
          nacls = nacls.map((n) => ({ ...n, entries: [...n.entries, { ruleNumber: call.input.RuleNumber, egress: call.input.Egress, action: 'deny', protocol: '6', cidr: undefined }] }));
          return 'already_exists';
        }
        nacls = applyToNacls(nacls, { steps: [{ call }], skipped: [], extended: [], drift: [], forget: [], remember: {}, forgetKeys: [] });
        return 'ok';
      },
    },
    store: {
      load: async () => ({ state, version: String(version) }),
      async save(s, v) {
        if (conflicts > 0) {
          conflicts--;
          version++;
          throw new StateConflictError('changed');
        }
        if (v !== String(version)) throw new StateConflictError('stale');
        state = s;
        version++;
      },
    },
    audit: { append: async (l) => void audit.push(...l) },
    notifier: { publish: async (_t, d) => void notes.push(d) },
  };
  return { deps, executed, audit, notes, state: () => state, nacls: () => nacls };
}

describe('respond()', () => {
  it('re-plans after a state write conflict and ends with one block in state', async () => {
    const w = world({ conflicts: 1 });
    const o = await respond(intent('203.0.113.7/32'), cfg, w.deps);
    expect(o.attempts).toBe(2);
    expect(w.state().blocks.map((b) => b.cidr)).toEqual(['203.0.113.7/32']);
    // the first attempt created the entry; the second saw it in the re-read NACL (not ours yet) and did not add it again
    expect(w.executed.filter((c) => c.call === 'CreateNetworkAclEntry')).toHaveLength(1);
  });

  it('re-reads the NACL after NetworkAclEntryAlreadyExists and takes the next number', async () => {
    const w = world({ raceOnce: true });
    const o = await respond(intent('203.0.113.7/32'), cfg, w.deps);
    expect(w.executed.map((c) => c.input.RuleNumber)).toEqual([1, 2]);
    expect(o.applied.map((s) => s.call.input.RuleNumber)).toEqual([2]);
    expect(w.state().blocks.map((b) => [b.ruleNumber, b.cidr])).toEqual([[2, '203.0.113.7/32']]);
    expect(w.notes).toHaveLength(1);
    expect(w.audit.filter((a) => a.kind === 'action')).toHaveLength(1);
  });

  it('a guardrail refusal is audited and notified, and changes nothing', async () => {
    const w = world();
    const o = await respond(intent('10.0.5.5/32'), cfg, w.deps);
    expect(w.executed).toEqual([]);
    expect(o.skipped.map((s) => s.code)).toEqual(['cidr.vpc_own']);
    expect(w.audit.map((a) => a.kind)).toEqual(['skipped', 'notification']);
    expect(w.notes[0]).toMatchObject({ kind: 'nacl-block', actions: [], skipped: [{ code: 'cidr.vpc_own' }] });
    expect(formatCidr(w.nacls()[0]!.entries[0]!.cidr!)).toBe('0.0.0.0/0');
  });
});
