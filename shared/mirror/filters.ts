/**
 * Traffic-mirror filter presets and their reconcile. Pure. A preset expands to at most 10 rules per direction
 * (the AWS limit per filter); the manager keeps a filter it owns (tagged) in line with the preset:
 *   all           accept everything (IPv4 and IPv6)
 *   internet-only reject traffic whose remote side is inside a VPC CIDR (ingress: source, egress: destination),
 *                 accept the rest: east-west traffic is not mirrored
 *   dns-only      TCP and UDP port 53 (ingress: source port, egress: destination port)
 *   web           TCP 80 and 443 (ingress: source port, egress: destination port)
 *   custom        mirroring.customRules as given
 */
import { createHash } from 'node:crypto';
import { PipelineError } from '../errors.ts';
import { canonicalCidr, parseCidr } from '../respond/cidr.ts';

export class MirrorFilterError extends PipelineError {
  constructor(message: string) {
    super(message);
    this.name = 'MirrorFilterError';
  }
}

export const FILTER_PRESETS = ['all', 'internet-only', 'dns-only', 'web', 'custom'] as const;
export type FilterPreset = (typeof FILTER_PRESETS)[number];
export const MAX_RULES_PER_DIRECTION = 10;
export const FILTER_PRESET_TAG = 'netwatch:filter-preset';

export interface PortRange {
  FromPort: number;
  ToPort: number;
}

export interface FilterRule {
  TrafficDirection: 'ingress' | 'egress';
  RuleNumber: number;
  RuleAction: 'accept' | 'reject';
  Protocol?: number;
  SourceCidrBlock: string;
  DestinationCidrBlock: string;
  SourcePortRange?: PortRange;
  DestinationPortRange?: PortRange;
}

export interface ActualRule extends FilterRule {
  ruleId: string;
}

const ANY4 = '0.0.0.0/0';
const ANY6 = '::/0';
const TCP = 6;
const UDP = 17;

function both(fn: (dir: 'ingress' | 'egress') => Omit<FilterRule, 'TrafficDirection'>[]): FilterRule[] {
  return (['ingress', 'egress'] as const).flatMap((d) => fn(d).map((r) => ({ TrafficDirection: d, ...r })));
}

function portRules(ports: [number, number][], startAt: number): FilterRule[] {
  return both((dir) => {
    const out: Omit<FilterRule, 'TrafficDirection'>[] = [];
    let n = startAt;
    for (const [proto, port] of ports) {
      for (const any of [ANY4, ANY6]) {
        const range = { FromPort: port, ToPort: port };
        out.push({ RuleNumber: n++, RuleAction: 'accept', Protocol: proto, SourceCidrBlock: any, DestinationCidrBlock: any, ...(dir === 'ingress' ? { SourcePortRange: range } : { DestinationPortRange: range }) });
      }
    }
    return out;
  });
}

/** The rules of a preset. Throws MirrorFilterError when it would exceed 10 rules in a direction. */
export function presetRules(preset: string, vpcCidrs: readonly string[], custom: readonly FilterRule[] = []): FilterRule[] {
  let rules: FilterRule[];
  switch (preset) {
    case 'all':
      rules = both(() => [
        { RuleNumber: 100, RuleAction: 'accept', SourceCidrBlock: ANY4, DestinationCidrBlock: ANY4 },
        { RuleNumber: 101, RuleAction: 'accept', SourceCidrBlock: ANY6, DestinationCidrBlock: ANY6 },
      ]);
      break;
    case 'internet-only': {
      const cidrs = [...new Set(vpcCidrs.map(canonicalCidr))].sort();
      rules = both((dir) => [
        ...cidrs.map((c, i) => {
          const any = parseCidr(c).family === 4 ? ANY4 : ANY6;
          return { RuleNumber: 10 + i, RuleAction: 'reject' as const, SourceCidrBlock: dir === 'ingress' ? c : any, DestinationCidrBlock: dir === 'ingress' ? any : c };
        }),
        { RuleNumber: 100, RuleAction: 'accept', SourceCidrBlock: ANY4, DestinationCidrBlock: ANY4 },
        { RuleNumber: 101, RuleAction: 'accept', SourceCidrBlock: ANY6, DestinationCidrBlock: ANY6 },
      ]);
      break;
    }
    case 'dns-only':
      rules = portRules([[UDP, 53], [TCP, 53]], 10);
      break;
    case 'web':
      rules = portRules([[TCP, 80], [TCP, 443]], 10);
      break;
    case 'custom':
      rules = [...custom];
      break;
    default:
      throw new MirrorFilterError(`mirroring.filterPreset: unknown preset "${preset}" (one of ${FILTER_PRESETS.join(', ')})`);
  }
  for (const dir of ['ingress', 'egress'] as const) {
    const list = rules.filter((r) => r.TrafficDirection === dir);
    if (list.length > MAX_RULES_PER_DIRECTION) {
      throw new MirrorFilterError(`filter preset ${preset} needs ${list.length} ${dir} rules; a traffic-mirror filter allows ${MAX_RULES_PER_DIRECTION} per direction`);
    }
    const nums = list.map((r) => r.RuleNumber);
    if (new Set(nums).size !== nums.length) throw new MirrorFilterError(`filter preset ${preset}: duplicate ${dir} rule numbers`);
  }
  return rules;
}

function sameRule(a: FilterRule, b: FilterRule): boolean {
  const port = (p: PortRange | undefined) => (p ? `${p.FromPort}-${p.ToPort}` : '');
  return (
    a.TrafficDirection === b.TrafficDirection &&
    a.RuleNumber === b.RuleNumber &&
    a.RuleAction === b.RuleAction &&
    (a.Protocol ?? 0) === (b.Protocol ?? 0) &&
    canonicalCidr(a.SourceCidrBlock) === canonicalCidr(b.SourceCidrBlock) &&
    canonicalCidr(a.DestinationCidrBlock) === canonicalCidr(b.DestinationCidrBlock) &&
    port(a.SourcePortRange) === port(b.SourcePortRange) &&
    port(a.DestinationPortRange) === port(b.DestinationPortRange)
  );
}

export type FilterCall =
  | { call: 'CreateTrafficMirrorFilter'; input: { Description: string; TagSpecifications: { ResourceType: 'traffic-mirror-filter'; Tags: { Key: string; Value: string }[] }[]; ClientToken: string } }
  | { call: 'CreateTrafficMirrorFilterRule'; input: FilterRule & { TrafficMirrorFilterId: string; ClientToken: string } }
  | { call: 'DeleteTrafficMirrorFilterRule'; input: { TrafficMirrorFilterRuleId: string } };

/** Rules to delete (changed or unwanted) then create, so a rule number is free before it is reused. */
export function reconcileFilterRules(filterId: string, desired: readonly FilterRule[], actual: readonly ActualRule[]): FilterCall[] {
  const deletes = actual.filter((a) => !desired.some((d) => sameRule(d, a))).sort((a, b) => a.ruleId.localeCompare(b.ruleId));
  const creates = desired.filter((d) => !actual.some((a) => sameRule(d, a)));
  return [
    ...deletes.map((a): FilterCall => ({ call: 'DeleteTrafficMirrorFilterRule', input: { TrafficMirrorFilterRuleId: a.ruleId } })),
    ...creates.map((d): FilterCall => ({
      call: 'CreateTrafficMirrorFilterRule',
      input: { TrafficMirrorFilterId: filterId, ...d, ClientToken: createHash('sha256').update(JSON.stringify([filterId, d])).digest('hex').slice(0, 64) },
    })),
  ];
}

export function createFilterCall(preset: string, ownerTag: string, ownerValue: string, account = ''): FilterCall {
  return {
    call: 'CreateTrafficMirrorFilter',
    input: {
      Description: `netwatch ${preset} mirror filter`,
      TagSpecifications: [{ ResourceType: 'traffic-mirror-filter', Tags: [{ Key: ownerTag, Value: ownerValue }, { Key: FILTER_PRESET_TAG, Value: preset }] }],
      ClientToken: createHash('sha256').update(`filter|${preset}|${account}`).digest('hex').slice(0, 64),
    },
  };
}
