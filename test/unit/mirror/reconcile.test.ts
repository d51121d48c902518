import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Eni, Instance, Inventory, Session } from '../../../shared/mirror/inventory.ts';
import { applyActions, chooseVni, desiredSessions, isOwned, OWNER_TAG, OWNER_VALUE, reconcile, vniMap, type MirrorPolicy } from '../../../shared/mirror/reconcile.ts';
import { parseVniMap } from '../../../shared/packet/vni-map.ts';

const POLICY: MirrorPolicy = { selectTag: 'netwatch:mirror', excludeTag: 'netwatch:sensor', targetId: 'tmt-0sensor', targetEniIds: ['eni-target'], filterId: 'tmf-0internet', packetLength: undefined, sessionNumber: 10, vniBase: 1000 };
const NITRO = new Map([['m5.large', true], ['t2.micro', false]]);
const nitro = (t: string) => NITRO.get(t);
const NO_HINTS = { goneInstanceIds: [], goneEniIds: [] };

function eni(id: string, over: Partial<Eni> = {}): Eni {
  return { eniId: id, interfaceType: 'interface', status: 'in-use', vpcId: 'vpc-1', subnetId: 'subnet-1', instanceId: 'i-1', deviceIndex: 0, tags: {}, ...over };
}
function inst(id: string, over: Partial<Instance> = {}): [string, Instance] {
  return [id, { instanceId: id, instanceType: 'm5.large', state: 'running', tags: {}, ...over }];
}
function inventory(enis: Eni[], instances: [string, Instance][], over: Partial<Inventory> = {}): Inventory {
  return { enis, instances: new Map(instances), subnetTags: new Map(), vpcTags: new Map(), vpcCidrs: [], sessions: [], ...over };
}
function session(id: string, eniId: string, over: Partial<Session> = {}): Session {
  return { sessionId: id, eniId, targetId: POLICY.targetId, filterId: POLICY.filterId, sessionNumber: 10, vni: 5000, packetLength: undefined, tags: { [OWNER_TAG]: OWNER_VALUE }, ...over };
}

describe('desiredSessions()', () => {
  it('selects every ENI of a tagged instance (not only the primary) and lets the most specific tag win', () => {
    // Prepare
    const inv = inventory(
      [
        eni('eni-a0', { instanceId: 'i-1', deviceIndex: 0 }),
        eni('eni-a1', { instanceId: 'i-1', deviceIndex: 1 }),
        eni('eni-a2', { instanceId: 'i-1', deviceIndex: 2, tags: { 'netwatch:mirror': 'false' } }),
        eni('eni-b0', { instanceId: 'i-2', subnetId: 'subnet-2' }),
        eni('eni-c0', { instanceId: 'i-3', vpcId: 'vpc-2', subnetId: 'subnet-3' }),
      ],
      [inst('i-1', { tags: { 'netwatch:mirror': 'true' } }), inst('i-2'), inst('i-3')],
      { subnetTags: new Map([['subnet-2', { 'netwatch:mirror': 'yes' }], ['subnet-3', { 'netwatch:mirror': 'false' }]]), vpcTags: new Map([['vpc-2', { 'netwatch:mirror': 'true' }]]) },
    );
    // Act
    const { desired, skipped } = desiredSessions(inv, POLICY, nitro, NO_HINTS);
    // Assess
    expect(desired.map((d) => d.eniId)).toEqual(['eni-a0', 'eni-a1', 'eni-b0']);
    expect(skipped).toEqual([]);
  });

  it('names why a selected ENI is not mirrored', () => {
    const tagged = { 'netwatch:mirror': 'true' };
    const inv = inventory(
      [
        eni('eni-nat', { interfaceType: 'nat_gateway', instanceId: undefined, tags: tagged }),
        eni('eni-target', { instanceId: 'i-1', tags: tagged }),
        eni('eni-sensor', { instanceId: 'i-sensor', tags: tagged }),
        eni('eni-loose', { instanceId: undefined, status: 'available', tags: tagged }),
        eni('eni-t2', { instanceId: 'i-t2', tags: tagged }),
        eni('eni-stopped', { instanceId: 'i-stopped', tags: tagged }),
        eni('eni-odd', { instanceId: 'i-odd', tags: tagged }),
        eni('eni-dying', { instanceId: 'i-dying', tags: tagged }),
      ],
      [inst('i-1'), inst('i-sensor', { tags: { 'netwatch:sensor': 'fleet' } }), inst('i-t2', { instanceType: 't2.micro' }), inst('i-stopped', { state: 'shutting-down' }), inst('i-odd', { instanceType: 'x9.huge' }), inst('i-dying')],
    );
    const { desired, skipped } = desiredSessions(inv, POLICY, nitro, { goneInstanceIds: ['i-dying'], goneEniIds: [] });
    expect(desired).toEqual([]);
    expect(skipped.map((s) => [s.eniId, s.code])).toEqual([
      ['eni-dying', 'eni.gone'],
      ['eni-loose', 'eni.not_attached'],
      ['eni-nat', 'eni.type_unsupported'],
      ['eni-odd', 'instance.type_unknown'],
      ['eni-sensor', 'eni.sensor'],
      ['eni-stopped', 'instance.not_running'],
      ['eni-t2', 'instance.not_nitro'],
      ['eni-target', 'eni.sensor'],
    ]);
  });
});

describe('reconcile()', () => {
  const d = (eniId: string) => ({ eniId, instanceId: 'i-1', vpcId: 'vpc-1', subnetId: 'subnet-1', tags: { Name: 'web' } });

  it('creates a tagged session with a deterministic VNI and an idempotency token', () => {
    const { actions } = reconcile([d('eni-a0')], [], POLICY);
    const vni = chooseVni('eni-a0', 1000, new Set());
    expect(actions.map((a) => a.call)).toEqual([
      {
        call: 'CreateTrafficMirrorSession',
        input: {
          NetworkInterfaceId: 'eni-a0',
          TrafficMirrorTargetId: 'tmt-0sensor',
          TrafficMirrorFilterId: 'tmf-0internet',
          SessionNumber: 10,
          VirtualNetworkId: vni,
          Description: 'netwatch mirror of eni-a0 (i-1)',
          TagSpecifications: [{ ResourceType: 'traffic-mirror-session', Tags: [{ Key: 'netwatch:managed', Value: 'mirror-manager' }, { Key: 'netwatch:source-eni', Value: 'eni-a0' }, { Key: 'netwatch:instance-id', Value: 'i-1' }] }],
          ClientToken: expect.stringMatching(/^[0-9a-f]{64}$/),
        },
      },
    ]);
    expect(reconcile([d('eni-a0')], [], POLICY).actions[0]?.call).toEqual(actions[0]?.call);
  });

  it('never steals a session number or VNI another tool uses, and skips an ENI with 3 foreign sessions', () => {
    const vni = chooseVni('eni-a0', 1000, new Set())!;
    const foreign = { tags: {} };
    const actual = [
      session('tms-x1', 'eni-a0', { ...foreign, sessionNumber: 10, vni }),
      session('tms-x2', 'eni-a0', { ...foreign, sessionNumber: 1, vni: 7 }),
      session('tms-y1', 'eni-b0', { ...foreign, sessionNumber: 1, vni: 8 }),
      session('tms-y2', 'eni-b0', { ...foreign, sessionNumber: 2, vni: 9 }),
      session('tms-y3', 'eni-b0', { ...foreign, sessionNumber: 3, vni: 11 }),
    ];
    const { actions, skipped } = reconcile([d('eni-a0'), d('eni-b0')], actual, POLICY);
    expect(actions).toHaveLength(1);
    const input = actions[0]!.call.input as { SessionNumber: number; VirtualNetworkId: number };
    expect(input.SessionNumber).toBe(2);
    expect(input.VirtualNetworkId).toBe(vni + 1);
    expect(skipped.map((s) => [s.eniId, s.code])).toEqual([['eni-b0', 'eni.session_limit']]);
  });

  it('deletes our sessions of gone ENIs and duplicates, modifies drifted ones, and leaves foreign sessions alone', () => {
    const actual = [
      session('tms-1', 'eni-a0', { vni: 5001, packetLength: 128 }),
      session('tms-2', 'eni-a0', { vni: 5002 }),
      session('tms-3', 'eni-gone', { vni: 5003 }),
      session('tms-4', 'eni-other', { vni: 5004, tags: { team: 'secops' } }),
    ];
    const { actions } = reconcile([d('eni-a0')], actual, { ...POLICY, filterId: 'tmf-new' });
    expect(actions.map((a) => a.call)).toEqual([
      { call: 'DeleteTrafficMirrorSession', input: { TrafficMirrorSessionId: 'tms-2' } },
      { call: 'DeleteTrafficMirrorSession', input: { TrafficMirrorSessionId: 'tms-3' } },
      { call: 'ModifyTrafficMirrorSession', input: { TrafficMirrorSessionId: 'tms-1', TrafficMirrorFilterId: 'tmf-new', RemoveFields: ['packet-length'] } },
    ]);
  });
});

describe('vniMap()', () => {
  it('writes the map shape the sensor parses', () => {
    const map = vniMap([session('tms-1', 'eni-a0', { vni: 4242 }), session('tms-9', 'eni-z', { vni: 1, tags: {} })], [{ eniId: 'eni-a0', instanceId: 'i-1', vpcId: 'vpc-1', subnetId: 'subnet-1', tags: { Name: 'web' } }]);
    expect(map).toEqual({ '4242': { session_id: 'tms-1', source_eni: 'eni-a0', instance_id: 'i-1', vpc_id: 'vpc-1', subnet_id: 'subnet-1', tags: { Name: 'web' } } });
    expect(parseVniMap(JSON.parse(JSON.stringify(map))).get(4242)).toEqual({ session_id: 'tms-1', source_eni: 'eni-a0', instance_id: 'i-1' });
  });
});

describe('reconcile() properties', () => {
  const eniIds = fc.constantFrom<string>('eni-a', 'eni-b', 'eni-c', 'eni-d', 'eni-e');
  const sessionArb = fc.record({
    eniId: eniIds,
    owned: fc.boolean(),
    sessionNumber: fc.integer({ min: 1, max: 12 }),
    vni: fc.integer({ min: 995, max: 1010 }),
    filterId: fc.constantFrom('tmf-0internet', 'tmf-old'),
  });
  it('applying the actions reaches a fixed point: one owned session per desired ENI, foreign ones untouched, numbers and VNIs unique', () => {
    fc.assert(
      fc.property(fc.uniqueArray(eniIds, { maxLength: 5 }), fc.array(sessionArb, { maxLength: 12 }), (want, raw) => {
        // at most 3 sessions per ENI in any real account
        const perEni = new Map<string, number>();
        const seenNum = new Set<string>();
        const seenVni = new Set<number>();
        const actual: Session[] = [];
        raw.forEach((r, i) => {
          const n = perEni.get(r.eniId) ?? 0;
          if (n >= 3 || seenNum.has(`${r.eniId}:${r.sessionNumber}`) || seenVni.has(r.vni)) return;
          perEni.set(r.eniId, n + 1);
          seenNum.add(`${r.eniId}:${r.sessionNumber}`);
          seenVni.add(r.vni);
          actual.push(session(`tms-${i}`, r.eniId, { sessionNumber: r.sessionNumber, vni: r.vni, filterId: r.filterId, tags: r.owned ? { [OWNER_TAG]: OWNER_VALUE } : {} }));
        });
        const desired = want.map((e) => ({ eniId: e, instanceId: 'i-1', vpcId: 'vpc-1', subnetId: 's-1', tags: {} }));
        const { actions, skipped } = reconcile(desired, actual, POLICY);
        for (const a of actions) {
          if (a.call.call !== 'CreateTrafficMirrorSession') expect(a.session && isOwned(a.session)).toBe(true);
        }
        const created = new Map(actions.flatMap((a) => (a.call.call === 'CreateTrafficMirrorSession' ? [[a.call.input.NetworkInterfaceId, `tms-new-${a.call.input.NetworkInterfaceId}`] as const] : [])));
        const after = applyActions(actual, actions, created);
        // foreign sessions are exactly as before
        expect(after.filter((s) => !isOwned(s))).toEqual(actual.filter((s) => !isOwned(s)));
        for (const e of new Set(after.map((s) => s.eniId))) {
          const on = after.filter((s) => s.eniId === e);
          expect(on.length).toBeLessThanOrEqual(3);
          expect(new Set(on.map((s) => s.sessionNumber)).size).toBe(on.length);
        }
        const vnis = after.map((s) => s.vni);
        expect(new Set(vnis).size).toBe(vnis.length);
        const skippedEnis = new Set(skipped.map((s) => s.eniId));
        for (const e of want) expect(after.filter((s) => s.eniId === e && isOwned(s)).length).toBe(skippedEnis.has(e) ? 0 : 1);
        expect(after.filter((s) => isOwned(s) && !want.includes(s.eniId))).toEqual([]);
        // twice = once
        expect(reconcile(desired, after, POLICY).actions).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });
});
