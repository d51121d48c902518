/**
 * nacl-responder in local mode (ARCHITECTURE.md "Local plans"): network state from Describe*-shaped JSON files,
 * the exact EC2 calls printed one JSON object a line on stdout, state persisted under local.stateDir.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../functions/nacl-responder/handler.ts';
import { buildDeps } from '../../functions/nacl-responder/deps.ts';
import { respond } from '../../functions/nacl-responder/respond.ts';
import { loadConfig } from '../../shared/config/load.ts';

const FIX = new URL('../fixtures/events/', import.meta.url).pathname;
const CORPUS = new URL('../../../shared/corpus/events/', import.meta.url).pathname;

let dir: string;
let out: string[];

async function event(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}

function calls(): unknown[] {
  return out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nw-responder-'));
  await cp(join(FIX, 'findings/local'), dir, { recursive: true });
  process.env.NETWATCH_CONFIG = join(dir, 'netwatch.config.yml');
  process.env.NETWATCH_LOCAL = '1';
  out = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(async () => {
  vi.restoreAllMocks();
  delete process.env.NETWATCH_CONFIG;
  delete process.env.NETWATCH_LOCAL;
  await rm(dir, { recursive: true, force: true });
});

describe('nacl-responder local mode', () => {
  it('prints the exact CreateNetworkAclEntry for a flood finding, and nothing the second time', async () => {
    // Prepare
    const ev = await event(join(FIX, 'findings/egress-flood-outbound.json'));
    // Act
    const first = await run(ev);
    const printed = calls();
    out = [];
    const second = await run(ev);
    // Assess
    expect(printed).toEqual([
      { call: 'CreateNetworkAclEntry', input: { NetworkAclId: 'acl-0a1b2c3d4e5f60001', RuleNumber: 1, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '203.0.113.7/32' } },
    ]);
    expect(first).toMatchObject({ kind: 'block', mode: 'local', calls: 1 });
    expect(calls()).toEqual([]);
    expect(second.skipped).toEqual([{ code: 'event.duplicate' }]);
    const state = JSON.parse(await readFile(join(dir, 'state/nacl-responder.json'), 'utf8'));
    expect(state.blocks).toMatchObject([{ naclId: 'acl-0a1b2c3d4e5f60001', ruleNumber: 1, egress: true, cidr: '203.0.113.7/32', findingId: 'abc123' }]);
    const audit = (await readFile(join(dir, 'state/audit.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.map((a) => a.kind)).toEqual(['action', 'notification', 'skipped']);
    expect(audit[0]).toMatchObject({ undo: 'netwatch nacl unblock 203.0.113.7/32', findingId: 'abc123', direction: 'outbound' });
    const events = (await readFile(join(dir, 'state/events.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ 'detail-type': 'NetWatch Response', source: 'netwatch.respond', detail: { kind: 'nacl-block', undo: ['netwatch nacl unblock 203.0.113.7/32'] } });
  });

  it('finds the VPC through the ENI inventory and blocks IPv6 both ways, skipping an inbound rule number in use', async () => {
    await run(await event(join(FIX, 'findings/port-scan-ipv6-both.json')));
    expect(calls()).toEqual([
      { call: 'CreateNetworkAclEntry', input: { NetworkAclId: 'acl-0a1b2c3d4e5f60001', RuleNumber: 2, Protocol: '-1', RuleAction: 'deny', Egress: false, Ipv6CidrBlock: '2001:db8:bad::/64' } },
      { call: 'CreateNetworkAclEntry', input: { NetworkAclId: 'acl-0a1b2c3d4e5f60001', RuleNumber: 1, Protocol: '-1', RuleAction: 'deny', Egress: true, Ipv6CidrBlock: '2001:db8:bad::/64' } },
    ]);
  });

  it('refuses to block a NAT gateway address and a low-severity finding, printing nothing', async () => {
    const nat = await run(await event(join(FIX, 'findings/recommends-nat-address.json')));
    const low = await run(await event(join(FIX, 'findings/low-severity.json')));
    expect(calls()).toEqual([]);
    expect(nat.skipped).toEqual([{ code: 'cidr.nat_or_elb', cidr: '54.210.1.2/32' }]);
    expect(low.ignored?.code).toBe('finding.below_severity');
  });

  it('blocks every remote address of a GuardDuty port probe inbound, once each', async () => {
    await run(await event(join(FIX, 'guardduty/port-probe-two-remotes.json')));
    expect(calls()).toEqual([
      { call: 'CreateNetworkAclEntry', input: { NetworkAclId: 'acl-0a1b2c3d4e5f60001', RuleNumber: 2, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '198.51.100.23/32' } },
      { call: 'CreateNetworkAclEntry', input: { NetworkAclId: 'acl-0a1b2c3d4e5f60001', RuleNumber: 3, Protocol: '-1', RuleAction: 'deny', Egress: false, Ipv6CidrBlock: '2001:db8:dead:beef::1/128' } },
    ]);
  });

  it('handles the corpus GuardDuty samples: an SSH brute force is blocked, the 0.0.0.0 sample is refused', async () => {
    // gd2acl_test_event: {region, detail} without the EventBridge envelope; severity 2 in the sample, so lower the bar
    const cfgPath = join(dir, 'netwatch.config.yml');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(cfgPath, (await readFile(cfgPath, 'utf8')).replace('minSeverity: medium', 'minSeverity: medium\n  guardDutyMinSeverity: 0'));
    const brute = await run(await event(join(CORPUS, 'guardduty/amazon-guardduty-waf-acl/gd2acl_test_event.json')));
    const ec2 = await run(await event(join(CORPUS, 'guardduty/amazon-guardduty-automated-response-sample/guardduty_ec2_event.json')));
    expect(calls()).toEqual([
      { call: 'CreateNetworkAclEntry', input: { NetworkAclId: 'acl-0a1b2c3d4e5f60001', RuleNumber: 2, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '198.51.100.0/32' } },
    ]);
    expect(brute.calls).toBe(1);
    expect(ec2.skipped).toEqual([{ code: 'cidr.reserved', cidr: '0.0.0.0/32' }]);
  });

  it('the sweep deletes expired blocks and reports an unknown entry in the band without touching it', async () => {
    const cfgPath = join(dir, 'netwatch.config.yml');
    const cfg = await loadConfig(cfgPath);
    await run(await event(join(FIX, 'findings/egress-flood-outbound.json')));
    out = [];
    const later = new Date(Date.now() + 61 * 60_000);
    const built = buildDeps(cfg, cfgPath, { local: true, now: () => later });
    const o = await respond({ kind: 'sweep' }, cfg, built.deps).finally(() => built.close());
    expect(calls()).toEqual([{ call: 'DeleteNetworkAclEntry', input: { NetworkAclId: 'acl-0a1b2c3d4e5f60001', RuleNumber: 1, Egress: true } }]);
    // inbound rule 1 (someone's SSH deny) sits in our band: drift, reported, left alone
    expect(o.drift.map((d) => [d.code, d.ruleNumber, d.egress])).toEqual([['band.unknown_entry', 1, false]]);
    const state = JSON.parse(await readFile(join(dir, 'state/nacl-responder.json'), 'utf8'));
    expect(state.blocks).toEqual([]);
  });

  it('two findings handled at the same time never pick the same rule number (state lock)', async () => {
    const a = (await event(join(FIX, 'findings/egress-flood-outbound.json'))) as { detail: { id: string; recommended: { cidr: string } } };
    const b = structuredClone(a);
    b.detail.id = 'other-finding';
    b.detail.recommended.cidr = '203.0.113.99/32';
    await Promise.all([run(a), run(b)]);
    const printed = calls() as { input: { RuleNumber: number; CidrBlock: string } }[];
    expect(printed.map((c) => c.input.RuleNumber).sort()).toEqual([1, 2]);
    expect(printed.map((c) => c.input.CidrBlock).sort()).toEqual(['203.0.113.7/32', '203.0.113.99/32']);
  });

  it('the Lambda handler keeps stdout for the calls in local mode (summary on stderr, nothing returned)', async () => {
    const { handler } = await import('../../functions/nacl-responder/handler.ts');
    const err: string[] = [];
    vi.mocked(process.stderr.write).mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
    const ctx = { functionName: 'nacl-responder', awsRequestId: 'local-1', getRemainingTimeInMillis: () => 60_000 };
    const r = await handler(await event(join(FIX, 'findings/egress-flood-outbound.json')), ctx as never);
    expect(r).toBeUndefined();
    expect(out.join('').trim().split('\n').map((l) => JSON.parse(l).call)).toEqual(['CreateNetworkAclEntry']);
    expect(JSON.parse(err.join('').trim().split('\n').pop()!)).toMatchObject({ summary: { kind: 'block', mode: 'local', calls: 1 } });
  });

  it('rejects an unknown event with a named error', async () => {
    await expect(run({ 'detail-type': 'Something Else', source: 'x.y', detail: {} })).rejects.toThrowError('unsupported event: source x.y, detail-type Something Else');
  });
});
