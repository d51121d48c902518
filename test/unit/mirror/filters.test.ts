import { describe, expect, it } from 'vitest';
import { presetRules, reconcileFilterRules, type ActualRule } from '../../../shared/mirror/filters.ts';

describe('presetRules()', () => {
  it('internet-only rejects each VPC CIDR as the remote side in both directions, then accepts all', () => {
    const rules = presetRules('internet-only', ['10.20.0.0/16', '2600:1f18:1234:5600::/56']);
    expect(rules.map((r) => [r.TrafficDirection, r.RuleNumber, r.RuleAction, r.SourceCidrBlock, r.DestinationCidrBlock])).toEqual([
      ['ingress', 10, 'reject', '10.20.0.0/16', '0.0.0.0/0'],
      ['ingress', 11, 'reject', '2600:1f18:1234:5600::/56', '::/0'],
      ['ingress', 100, 'accept', '0.0.0.0/0', '0.0.0.0/0'],
      ['ingress', 101, 'accept', '::/0', '::/0'],
      ['egress', 10, 'reject', '0.0.0.0/0', '10.20.0.0/16'],
      ['egress', 11, 'reject', '::/0', '2600:1f18:1234:5600::/56'],
      ['egress', 100, 'accept', '0.0.0.0/0', '0.0.0.0/0'],
      ['egress', 101, 'accept', '::/0', '::/0'],
    ]);
  });

  it('dns-only matches port 53 on the remote side (source port inbound, destination port outbound)', () => {
    const rules = presetRules('dns-only', []);
    expect(rules.filter((r) => r.TrafficDirection === 'ingress').map((r) => [r.Protocol, r.SourcePortRange?.FromPort, r.DestinationPortRange])).toEqual([
      [17, 53, undefined], [17, 53, undefined], [6, 53, undefined], [6, 53, undefined],
    ]);
    expect(rules.filter((r) => r.TrafficDirection === 'egress').every((r) => r.DestinationPortRange?.FromPort === 53 && !r.SourcePortRange)).toBe(true);
  });

  it('web has 4 rules a direction, all has 2', () => {
    expect(presetRules('web', []).filter((r) => r.TrafficDirection === 'egress').map((r) => r.DestinationPortRange?.FromPort)).toEqual([80, 80, 443, 443]);
    expect(presetRules('all', [])).toHaveLength(4);
  });

  it('refuses a preset that needs more than 10 rules in a direction, and unknown presets', () => {
    const cidrs = Array.from({ length: 9 }, (_, i) => `10.${i}.0.0/16`);
    expect(() => presetRules('internet-only', cidrs)).toThrowError('filter preset internet-only needs 11 ingress rules; a traffic-mirror filter allows 10 per direction');
    expect(() => presetRules('everything', [])).toThrowError('mirroring.filterPreset: unknown preset "everything"');
  });
});

describe('reconcileFilterRules()', () => {
  it('deletes changed and unwanted rules before creating, and is a no-op once equal', () => {
    const desired = presetRules('internet-only', ['10.20.0.0/16']);
    const actual: ActualRule[] = [
      { ruleId: 'tmfr-1', TrafficDirection: 'ingress', RuleNumber: 10, RuleAction: 'reject', SourceCidrBlock: '10.99.0.0/16', DestinationCidrBlock: '0.0.0.0/0' },
      { ruleId: 'tmfr-2', TrafficDirection: 'ingress', RuleNumber: 100, RuleAction: 'accept', SourceCidrBlock: '0.0.0.0/0', DestinationCidrBlock: '0.0.0.0/0' },
    ];
    const calls = reconcileFilterRules('tmf-1', desired, actual);
    expect(calls.map((c) => [c.call, 'RuleNumber' in c.input ? `${c.input.TrafficDirection}:${c.input.RuleNumber}` : (c.input as { TrafficMirrorFilterRuleId: string }).TrafficMirrorFilterRuleId])).toEqual([
      ['DeleteTrafficMirrorFilterRule', 'tmfr-1'],
      ['CreateTrafficMirrorFilterRule', 'ingress:10'],
      ['CreateTrafficMirrorFilterRule', 'ingress:101'],
      ['CreateTrafficMirrorFilterRule', 'egress:10'],
      ['CreateTrafficMirrorFilterRule', 'egress:100'],
      ['CreateTrafficMirrorFilterRule', 'egress:101'],
    ]);
    const same = desired.map((d, i) => ({ ...d, ruleId: `r${i}` }));
    expect(reconcileFilterRules('tmf-1', desired, same)).toEqual([]);
  });
});
