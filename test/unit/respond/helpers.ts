import { parseCidr } from '../../../shared/respond/cidr.ts';
import { ranges } from '../../../shared/respond/guardrails.ts';
import type { NaclView } from '../../../shared/respond/nacl.ts';
import type { BlockRequest, ResponderPolicy } from '../../../shared/respond/plan.ts';

export const NOW = new Date('2026-11-21T12:00:00.000Z');

export function policy(over: Partial<ResponderPolicy> = {}): ResponderPolicy {
  return {
    band: [1, 90],
    quotaPerDirection: 20,
    maxBlocks: 15,
    replaceOldest: false,
    optInTag: 'netwatch:responder',
    requireOptIn: true,
    guard: {
      minPrefix: { 4: 24, 6: 48 },
      allowAwsServices: false,
      allowlist: ranges(['192.0.2.0/24'], 'allowlist'),
      vpcCidrs: ranges(['10.0.0.0/16', '2600:1f18:aaaa::/56'], 'vpc-1'),
      natElb: ranges(['54.1.2.3/32'], 'nat_gateway eni-nat'),
      awsRanges: ranges(['52.216.0.0/15', '2600:1f00::/24'], 'AWS S3 us-east-1'),
    },
    ...over,
  };
}

export function nacl(id: string, entries: [number, boolean, 'allow' | 'deny', string][] = [], tags: Record<string, string> = { 'netwatch:responder': 'enabled' }): NaclView {
  return {
    naclId: id,
    vpcId: 'vpc-1',
    isDefault: false,
    subnetIds: ['subnet-1'],
    tags,
    entries: [
      ...entries.map(([ruleNumber, egress, action, c]) => ({ ruleNumber, egress, action, protocol: '-1', cidr: parseCidr(c) })),
      { ruleNumber: 32767, egress: false, action: 'deny' as const, protocol: '-1', cidr: parseCidr('0.0.0.0/0') },
      { ruleNumber: 32767, egress: true, action: 'deny' as const, protocol: '-1', cidr: parseCidr('0.0.0.0/0') },
    ],
  };
}

export function request(cidrs: string[], over: Partial<BlockRequest> = {}): BlockRequest {
  return { key: `k:${cidrs.join(',')}`, findingId: 'f-1', source: 'netwatch.detect', summary: 'flood', cidrs, direction: 'outbound', vpcIds: [], ttlMinutes: 60, ...over };
}
