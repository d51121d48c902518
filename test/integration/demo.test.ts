/** `netwatch demo` end to end: the README's main-job command must keep doing everything it promises. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../shared/demo/run.ts';

describe('netwatch demo', () => {
  it('ingests, detects, notifies, plans blocks once, and answers the analyst queries', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'nw-demo-'));
    const out: string[] = [];
    try {
      // Act
      const { summaries } = await runDemo({
        dir,
        out: (s) => out.push(s),
        writeFile: async (p, b) => (await mkdir(dirname(p), { recursive: true }), writeFile(p, b)),
        join,
      });
      const text = out.join('');
      // Assess: two objects, every record landed, gaps kept
      expect(summaries.map((s) => [s.records, s.malformed])).toEqual([[507, 0], [440, 0]]);
      expect(summaries[0]).toMatchObject({ nodata: 1, skipdata: 1 });
      // three incidents → three findings with block recommendations
      expect(summaries.flatMap((s) => s.findings.map((f) => `${f.type} ${f.recommended?.cidr} ${f.recommended?.direction}`)).sort()).toEqual([
        'egress-flood 198.51.100.77/32 outbound',
        'port-scan 203.0.113.66/32 inbound',
        'ssh-brute-force 192.0.2.200/32 inbound',
      ]);
      // chat: high findings reach Slack and DingTalk (signed), the medium one only Slack; then the three
      // responder actions (high) reach both; then a VPN alarm and a security-group change, once each
      expect(text.match(/\[sink\] slack POST/g)).toHaveLength(8);
      expect(text.match(/\[sink\] dingtalk POST \S+ signature=valid/g)).toHaveLength(7);
      expect(text).toContain('ALARM: vpn-tunnel-1-down');
      expect(text).toContain('added inbound rule tcp/22 from 0.0.0.0/0 to sg-0123456789abcdef0 (web-prod)');
      expect(text).toContain('round 2: alarm sent 0, duplicates 1; CloudTrail sent 0, duplicates 1');
      for (const cidr of ['203.0.113.66/32', '192.0.2.200/32', '198.51.100.77/32']) {
        expect(text).toContain(`NACL block: ${cidr}`);
        expect(text).toContain(`netwatch nacl unblock ${cidr}`);
      }
      // the responder's exact plan, once
      const calls = text.split('\n').filter((l) => l.startsWith('{"call":')).map((l) => JSON.parse(l));
      expect(calls.map((c) => [c.call, c.input.CidrBlock, c.input.Egress, c.input.RuleAction])).toEqual([
        ['CreateNetworkAclEntry', '203.0.113.66/32', false, 'deny'],
        ['CreateNetworkAclEntry', '192.0.2.200/32', false, 'deny'],
        ['CreateNetworkAclEntry', '198.51.100.77/32', true, 'deny'],
      ]);
      expect(text).toContain('same findings again: no calls');
      // the analyst SQL over the lake
      expect(text).toMatch(/10\.0\.1\.10\s+198\.51\.100\.77\s+1600000000/);
      expect(text).toMatch(/203\.0\.113\.66\s+60/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
