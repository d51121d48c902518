/**
 * Property tests over random NACL states, states and requests: guardrails always hold, the quota is never exceeded,
 * rule numbers stay unique and inside the band, maxBlocks holds, no deny is written behind an allow-all rule that
 * shadows it, and applying a plan twice equals applying it once.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatCidr, overlaps, parseCidr, type Cidr } from '../../../shared/respond/cidr.ts';
import { checkCidr } from '../../../shared/respond/guardrails.ts';
import type { NaclView } from '../../../shared/respond/nacl.ts';
import { applyPlan, applyToNacls, planBlock, planSweep, shadowingAllows, type BlockRequest, type ResponderPolicy } from '../../../shared/respond/plan.ts';
import { emptyState } from '../../../shared/respond/state.ts';
import { NOW, policy } from './helpers.ts';

const v4 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([n, p]) => formatCidr(parseCidr(`${[24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.')}/${p}`)));
// mostly near the protected ranges so that guardrails are exercised, plus anything at all
const nearby = fc.constantFrom('10.0.0.0/8', '10.0.5.7/32', '192.0.2.0/25', '54.1.2.3/32', '52.216.0.0/15', '52.217.9.9/32', '203.0.113.7/32', '198.51.100.0/24', '0.0.0.0/0', '169.254.169.254/32', '::/0', '2600:1f18:aaaa:1::/64', '2001:db8:bad::/64', '2001:db8::/32', '2600:1f00:1::/48', 'fe80::1/128', 'junk');
const v6 = fc.tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 })).map(([n, p]) => {
  const network = p === 0 ? 0n : n & (((1n << BigInt(p)) - 1n) << BigInt(128 - p));
  return formatCidr({ family: 6, network, prefix: p });
});
const anyCidr = fc.oneof(nearby, v4, v6);

const entry = fc.record({
  ruleNumber: fc.integer({ min: 1, max: 120 }),
  egress: fc.boolean(),
  action: fc.constantFrom('allow' as const, 'deny' as const),
  cidr: fc.oneof(nearby, v4, v6).filter((c) => c !== 'junk'),
});

const naclArb = fc
  .record({ id: fc.constantFrom('acl-a', 'acl-b', 'acl-c'), entries: fc.array(entry, { maxLength: 30 }), opted: fc.boolean() })
  .map(({ id, entries, opted }): NaclView => {
    const seen = new Set<string>();
    const unique = entries.filter((e) => {
      const k = `${e.egress}:${e.ruleNumber}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    return {
      naclId: id,
      vpcId: 'vpc-1',
      isDefault: false,
      subnetIds: [],
      tags: opted ? { 'netwatch:responder': 'true' } : {},
      entries: unique.map((e) => ({ ruleNumber: e.ruleNumber, egress: e.egress, action: e.action, protocol: '-1', cidr: parseCidr(e.cidr) })),
    };
  });

const naclsArb = fc.uniqueArray(naclArb, { selector: (n) => n.naclId, minLength: 1, maxLength: 3 });

const policyArb = fc.record({
  lo: fc.integer({ min: 1, max: 60 }),
  width: fc.integer({ min: 0, max: 40 }),
  quota: fc.integer({ min: 1, max: 25 }),
  maxBlocks: fc.integer({ min: 1, max: 20 }),
  replaceOldest: fc.boolean(),
}).map(({ lo, width, quota, maxBlocks, replaceOldest }): ResponderPolicy => policy({ band: [lo, lo + width], quotaPerDirection: quota, maxBlocks, replaceOldest }));

const requestArb = fc.record({
  cidrs: fc.array(anyCidr, { minLength: 1, maxLength: 8 }),
  direction: fc.constantFrom('inbound' as const, 'outbound' as const, 'both' as const),
  ttlMinutes: fc.integer({ min: 1, max: 2000 }),
  key: fc.string({ minLength: 1, maxLength: 6 }),
}).map((r): BlockRequest => ({ ...r, findingId: `f-${r.key}`, source: 'test', summary: 's', vpcIds: [] }));

/**
 * A sequence of events as the responder receives them. A request's `key` names one event, and the product derives
 * it from the event's content (a NetWatch finding id hashes type, subject and window; a GuardDuty key lists the
 * remote IPs; an alarm key names CIDR and direction), so two different requests never share a key. Independent
 * random keys did collide ("k" twice, with different CIDRs), and the second request was then rightly skipped as
 * a duplicate of the first. What does share a key is a redelivery (EventBridge is at-least-once): some elements
 * repeat an earlier event verbatim.
 */
const eventsArb = fc
  .array(fc.tuple(requestArb, fc.oneof({ arbitrary: fc.constant(-1), weight: 3 }, { arbitrary: fc.nat({ max: 3 }), weight: 1 })), { minLength: 1, maxLength: 4 })
  .map((xs) => {
    const out: BlockRequest[] = [];
    xs.forEach(([req, redeliver], i) => {
      const earlier = redeliver >= 0 && i > 0 ? out[redeliver % i] : undefined;
      out.push(earlier ?? { ...req, key: `e${i}:${req.key}` });
    });
    return out;
  });

function familyCount(n: NaclView, egress: boolean, fam: 4 | 6): number {
  return n.entries.filter((e) => e.egress === egress && e.ruleNumber !== 32767 && e.cidr?.family === fam).length;
}

describe('checkCidr() properties', () => {
  it('an accepted CIDR overlaps no protected range, is not /0 and is at least the minimum prefix', () => {
    const pol = policy();
    const protectedList = [...pol.guard.allowlist, ...pol.guard.vpcCidrs, ...pol.guard.natElb, ...pol.guard.awsRanges];
    let accepted = 0;
    fc.assert(
      fc.property(anyCidr, (text) => {
        const v = checkCidr(text, pol.guard);
        if (!v.ok) return;
        accepted++;
        expect(v.cidr.prefix).toBeGreaterThanOrEqual(v.cidr.family === 4 ? 24 : 48);
        for (const p of protectedList) expect(overlaps(v.cidr, p.cidr)).toBe(false);
      }),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(10);
  });
});

describe('planBlock() properties', () => {
  it('guardrails, quota, unique numbers in band, maxBlocks, idempotence', () => {
    let created = 0;
    let replaced = 0;
    fc.assert(
      fc.property(naclsArb, policyArb, eventsArb, fc.integer({ min: 0, max: 3000 }), (nacls0, pol, reqs, minutes) => {
        let nacls = nacls0;
        let state = emptyState();
        let now = NOW;
        for (const req of reqs) {
          const before = nacls;
          const seenUntil = state.seen[req.key];
          const redelivered = seenUntil !== undefined && Date.parse(seenUntil) > now.getTime();
          const plan = planBlock(req, nacls, state, pol, now);
          // a redelivery inside the dedup window plans nothing; anything else is planned afresh
          expect(plan.skipped.some((s) => s.code === 'event.duplicate')).toBe(redelivered);
          if (redelivered) expect(plan.steps).toEqual([]);
          for (const step of plan.steps) {
            const i = step.call.input;
            expect(step.call.call).not.toBe('DeleteNetworkAclEntry');
            if (step.call.call === 'DeleteNetworkAclEntry') continue;
            const c = (step.call.input as { CidrBlock?: string; Ipv6CidrBlock?: string });
            const text = c.CidrBlock ?? c.Ipv6CidrBlock ?? '';
            // guardrails hold for every entry we write
            expect(checkCidr(text, pol.guard).ok).toBe(true);
            expect(i.RuleNumber).toBeGreaterThanOrEqual(pol.band[0]);
            expect(i.RuleNumber).toBeLessThanOrEqual(pol.band[1]);
            // only opted-in NACLs are written
            const target = nacls.find((n) => n.naclId === i.NetworkAclId);
            expect(target?.tags['netwatch:responder']).toBe('true');
            // no deny is written where an allow-all rule numbered below it would match first (Create or Replace)
            if (target) expect(shadowingAllows(target, i.Egress, i.RuleNumber, parseCidr(text))).toEqual([]);
            // a Create never takes a number already in use in that direction
            if (step.call.call === 'CreateNetworkAclEntry') {
              const n = nacls.find((x) => x.naclId === i.NetworkAclId);
              expect(n?.entries.some((e) => e.egress === i.Egress && e.ruleNumber === i.RuleNumber)).toBe(false);
            }
          }
          created += plan.steps.filter((x) => x.call.call === 'CreateNetworkAclEntry').length;
          replaced += plan.steps.filter((x) => x.call.call === 'ReplaceNetworkAclEntry').length;
          const after = applyToNacls(nacls, plan);
          state = applyPlan(state, plan);
          for (const n of after) {
            const old = before.find((b) => b.naclId === n.naclId);
            for (const egress of [false, true]) {
              const nums = n.entries.filter((e) => e.egress === egress).map((e) => e.ruleNumber);
              expect(new Set(nums).size).toBe(nums.length);
              for (const fam of [4, 6] as const) {
                const prev = old ? familyCount(old, egress, fam) : 0;
                expect(familyCount(n, egress, fam)).toBeLessThanOrEqual(Math.max(pol.quotaPerDirection, prev));
              }
              const ours = state.blocks.filter((b) => b.naclId === n.naclId && b.egress === egress).length;
              expect(ours).toBeLessThanOrEqual(pol.maxBlocks);
            }
          }
          // applying the same plan again (a retried event) changes nothing more
          const again = planBlock(req, after, state, pol, now);
          expect(again.steps).toEqual([]);
          // and a fresh event for the same CIDRs adds no entry either, once this event has been planned (a skipped
          // redelivery planned nothing now, and a new event may rightly replace an entry the earlier one could not)
          if (!redelivered) {
            const fresh = planBlock({ ...req, key: `${req.key}-again` }, after, state, pol, now);
            expect(fresh.steps).toEqual([]);
          }
          nacls = after;
          now = new Date(now.getTime() + minutes * 1000);
        }
        // every record in state names a real deny entry in the band
        for (const b of state.blocks) {
          const n = nacls.find((x) => x.naclId === b.naclId);
          const e = n?.entries.find((x) => x.egress === b.egress && x.ruleNumber === b.ruleNumber);
          expect(e?.action).toBe('deny');
          expect(e?.cidr && formatCidr(e.cidr as Cidr)).toBe(b.cidr);
        }
        // a sweep far in the future removes every block we own and nothing else
        const end = new Date(now.getTime() + 3 * 24 * 3600_000);
        const sweep = planSweep(nacls, state, pol, end);
        expect(sweep.steps).toHaveLength(state.blocks.length);
        expect(sweep.steps.every((s) => s.call.call === 'DeleteNetworkAclEntry')).toBe(true);
        expect(applyPlan(state, sweep).blocks).toEqual([]);
      }),
      { numRuns: 300 },
    );
    // the generators must actually exercise writes, or the properties above prove nothing
    expect(created).toBeGreaterThan(50);
    expect(replaced).toBeGreaterThan(0);
  });
});
