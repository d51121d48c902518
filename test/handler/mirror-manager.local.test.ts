/** mirror-manager in local mode: Describe*-shaped files in, exact EC2 calls out (one JSON line each), VNI map file. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../functions/mirror-manager/handler.ts';
import { chooseVni } from '../../shared/mirror/reconcile.ts';
import { parseVniMap } from '../../shared/packet/vni-map.ts';

const FIX = new URL('../fixtures/events/workload/', import.meta.url).pathname;
let dir: string;
let out: string[];
const ev = async (name: string) => JSON.parse(await readFile(join(FIX, name), 'utf8'));
const calls = () => out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nw-mirror-'));
  await cp(join(FIX, 'local'), dir, { recursive: true });
  process.env.NETWATCH_CONFIG = join(dir, 'netwatch.config.yml');
  process.env.NETWATCH_LOCAL = '1';
  out = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(async () => {
  vi.restoreAllMocks();
  delete process.env.NETWATCH_CONFIG;
  delete process.env.NETWATCH_LOCAL;
  await rm(dir, { recursive: true, force: true });
});

function create(eni: string, instance: string, sessionNumber: number) {
  const vni = chooseVni(eni, 1000, new Set([4242, 777]));
  return {
    call: 'CreateTrafficMirrorSession',
    input: {
      NetworkInterfaceId: eni,
      TrafficMirrorTargetId: 'tmt-0sensor0000000001',
      TrafficMirrorFilterId: 'tmf-0internet00000001',
      SessionNumber: sessionNumber,
      VirtualNetworkId: vni,
      PacketLength: 192,
      Description: `netwatch mirror of ${eni} (${instance})`,
      TagSpecifications: [{ ResourceType: 'traffic-mirror-session', Tags: [{ Key: 'netwatch:managed', Value: 'mirror-manager' }, { Key: 'netwatch:source-eni', Value: eni }, { Key: 'netwatch:instance-id', Value: instance }] }],
      ClientToken: expect.stringMatching(/^[0-9a-f]{64}$/),
    },
  };
}

describe('mirror-manager local mode', () => {
  it('mirrors every ENI of the tagged instance, deletes our session of a gone ENI, and writes the VNI map', async () => {
    // Act
    const summary = await run(await ev('run-instances.json'));
    // Assess
    expect(calls()).toEqual([
      { call: 'DeleteTrafficMirrorSession', input: { TrafficMirrorSessionId: 'tms-0gone000000000001' } },
      // session number 10 is taken on the primary ENI by another tool's session: next free is 1
      create('eni-0web00000000000000', 'i-0web0000000000001', 1),
      create('eni-0web00000000000001', 'i-0web0000000000001', 10),
    ]);
    // the batch ENI is tagged netwatch:mirror=false itself (most specific wins), so it is simply not selected
    expect(summary.skipped).toEqual([
      { code: 'instance.not_nitro', eniId: 'eni-0db000000000000000', instanceId: 'i-0db00000000000001' },
      { code: 'eni.type_unsupported', eniId: 'eni-0nat000000000000001' },
      { code: 'eni.sensor', eniId: 'eni-0sensor00000000000', instanceId: 'i-0sensor0000000001' },
    ]);
    const map = JSON.parse(await readFile(join(dir, 'state/vni-map.json'), 'utf8'));
    const parsed = parseVniMap(map);
    expect([...parsed.values()].map((m) => [m.source_eni, m.instance_id])).toEqual(
      expect.arrayContaining([['eni-0web00000000000000', 'i-0web0000000000001'], ['eni-0web00000000000001', 'i-0web0000000000001']]),
    );
    expect(parsed.size).toBe(2);
    expect(Object.values(map)[0]).toMatchObject({ vpc_id: 'vpc-0123456789abcdef0', subnet_id: 'subnet-0aaa0000000000001', tags: { Name: 'web', 'netwatch:mirror': 'true' } });
    expect(summary).toMatchObject({ mapChanged: true, mapSessions: 2, desired: 2 });
  });

  it('plans nothing the second time and leaves the map unchanged', async () => {
    await run(await ev('run-instances.json'));
    out = [];
    const again = await run({ action: 'reconcile' });
    expect(calls()).toEqual([]);
    expect(again.mapChanged).toBe(false);
  });

  it('deletes the sessions of a terminated instance (all its ENIs) even while Describe still lists it', async () => {
    await run(await ev('run-instances.json'));
    const map1 = JSON.parse(await readFile(join(dir, 'state/vni-map.json'), 'utf8'));
    const ids = Object.values(map1).map((m) => (m as { session_id: string }).session_id).sort();
    out = [];
    const s = await run(await ev('terminate-web.json'));
    expect(calls().map((c) => c.input.TrafficMirrorSessionId).sort()).toEqual(ids);
    expect(calls().every((c) => c.call === 'DeleteTrafficMirrorSession')).toBe(true);
    expect(JSON.parse(await readFile(join(dir, 'state/vni-map.json'), 'utf8'))).toEqual({});
    expect(s.mapSessions).toBe(0);
    // the instance state-change for the same termination changes nothing more
    out = [];
    await run(await ev('state-terminated.json'));
    expect(calls()).toEqual([]);
  });

  it('rejects an event it does not know with a named error', async () => {
    await expect(run({ 'detail-type': 'Other', source: 'x', detail: {} })).rejects.toThrowError('unsupported event: source x, detail-type Other');
  });
});

describe('netwatch mirror backfill', () => {
  it('prints the same calls as the handler and reports what it skipped', async () => {
    const { Command } = await import('commander');
    const { registerMirror } = await import('../../cli/commands/mirror.ts');
    const errs: string[] = [];
    vi.mocked(process.stderr.write).mockImplementation((c: string | Uint8Array) => (errs.push(String(c)), true));
    const program = new Command('netwatch').exitOverride();
    registerMirror(program);
    await program.parseAsync(['mirror', 'backfill', '--config', join(dir, 'netwatch.config.yml')], { from: 'user' });
    expect(calls().map((c) => [c.call, c.input.NetworkInterfaceId ?? c.input.TrafficMirrorSessionId])).toEqual([
      ['DeleteTrafficMirrorSession', 'tms-0gone000000000001'],
      ['CreateTrafficMirrorSession', 'eni-0web00000000000000'],
      ['CreateTrafficMirrorSession', 'eni-0web00000000000001'],
    ]);
    expect(errs.join('')).toContain('not mirrored eni-0db000000000000000 (i-0db00000000000001): instance.not_nitro');
    expect(errs.join('')).toContain('2 ENI(s) selected, 3 call(s), VNI map written to');
  });
});

describe('mirror-manager owns a filter when mirroring.filterId is not given', () => {
  it('creates the internet-only filter with its rules, uses it for the sessions, and plans nothing the second time', async () => {
    const { writeFile } = await import('node:fs/promises');
    const cfgPath = join(dir, 'netwatch.config.yml');
    await writeFile(cfgPath, (await readFile(cfgPath, 'utf8')).replace('  filterId: tmf-0internet00000001\n', '  filterPreset: internet-only\n'));
    const s = await run({ action: 'backfill' });
    const printed = calls() as { call: string; input: Record<string, unknown> }[];
    expect(printed[0]).toEqual({
      call: 'CreateTrafficMirrorFilter',
      input: {
        Description: 'netwatch internet-only mirror filter',
        TagSpecifications: [{ ResourceType: 'traffic-mirror-filter', Tags: [{ Key: 'netwatch:managed', Value: 'mirror-manager' }, { Key: 'netwatch:filter-preset', Value: 'internet-only' }] }],
        ClientToken: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    });
    const rules = printed.filter((c) => c.call === 'CreateTrafficMirrorFilterRule');
    // the fixture VPC has one IPv4 CIDR: 1 reject + 2 accepts per direction
    expect(rules.map((r) => [r.input.TrafficDirection, r.input.RuleNumber, r.input.RuleAction])).toEqual([
      ['ingress', 10, 'reject'], ['ingress', 100, 'accept'], ['ingress', 101, 'accept'],
      ['egress', 10, 'reject'], ['egress', 100, 'accept'], ['egress', 101, 'accept'],
    ]);
    const filterId = rules[0]!.input.TrafficMirrorFilterId;
    expect(filterId).toMatch(/^tmf-[0-9a-f]{17}$/);
    const creates = printed.filter((c) => c.call === 'CreateTrafficMirrorSession');
    expect(creates.map((c) => c.input.TrafficMirrorFilterId)).toEqual([filterId, filterId]);
    expect(s.calls.slice(0, 7).every((c) => c.reason === 'filter preset internet-only')).toBe(true);
    out = [];
    await run({ action: 'reconcile' });
    expect(calls()).toEqual([]);
  });
});
