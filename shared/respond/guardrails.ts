/**
 * Guardrails: the addresses the responder must never deny, whatever a finding says. One pure check per candidate
 * CIDR; a refusal is named data (a GuardrailCode from one `as const` table), never an exception, so the plan can
 * report it and tests can assert that every emitted code is known.
 */
import { type Cidr, type Family, formatCidr, overlaps, parseCidr, tryParseCidr } from './cidr.ts';

export const GUARDRAILS = {
  'cidr.invalid': 'not a valid IPv4/IPv6 CIDR',
  'cidr.any': '0.0.0.0/0 or ::/0 would cut the whole network',
  'cidr.prefix_too_short': 'prefix shorter than the configured minimum',
  'cidr.reserved': 'unspecified, loopback, link-local (instance metadata, Amazon DNS), multicast or reserved range',
  'cidr.allowlisted': 'overlaps a CIDR on responder.allowlist',
  'cidr.vpc_own': "overlaps one of the VPC's own CIDR blocks",
  'cidr.nat_or_elb': 'overlaps a NAT gateway or load balancer address',
  'cidr.aws_service': 'overlaps an AWS service range (set responder.allowAwsServices to permit)',
} as const;
export type GuardrailCode = keyof typeof GUARDRAILS;

/** Ranges no deny rule may touch regardless of config (RFC 6890 special-purpose blocks that matter in a VPC). */
const RESERVED = [
  '0.0.0.0/8',
  '127.0.0.0/8',
  '169.254.0.0/16', // IMDS 169.254.169.254, Amazon DNS 169.254.169.253, NTP 169.254.169.123
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  'fe80::/10',
  'ff00::/8',
  'fd00:ec2::/32', // IPv6 IMDS / Amazon DNS / NTP (fd00:ec2::254, ::253, ::123)
].map(parseCidr);

export interface ProtectedRange {
  cidr: Cidr;
  /** where the protection comes from, for the report: "allowlist", "vpc-0abc", "nat-0123 (eni-…)", "S3 us-east-1" */
  label: string;
}

export interface GuardrailPolicy {
  minPrefix: Record<Family, number>;
  allowAwsServices: boolean;
  allowlist: ProtectedRange[];
  vpcCidrs: ProtectedRange[];
  natElb: ProtectedRange[];
  awsRanges: ProtectedRange[];
}

export type GuardrailVerdict =
  | { ok: true; cidr: Cidr; text: string }
  | { ok: false; input: string; code: GuardrailCode; detail: string };

function firstOverlap(c: Cidr, list: ProtectedRange[]): ProtectedRange | undefined {
  return list.find((p) => overlaps(c, p.cidr));
}

/** Decides whether `input` may be denied. Overlap (not only containment) refuses: a /16 that covers the VPC is out. */
export function checkCidr(input: string, policy: GuardrailPolicy): GuardrailVerdict {
  const c = tryParseCidr(input);
  const no = (code: GuardrailCode, detail: string = GUARDRAILS[code]): GuardrailVerdict => ({ ok: false, input, code, detail });
  if (!c) return no('cidr.invalid');
  if (c.prefix === 0) return no('cidr.any');
  const min = policy.minPrefix[c.family];
  if (c.prefix < min) return no('cidr.prefix_too_short', `/${c.prefix} is shorter than the minimum /${min} for IPv${c.family}`);
  const reserved = RESERVED.find((r) => overlaps(c, r));
  if (reserved) return no('cidr.reserved', `overlaps reserved ${formatCidr(reserved)}`);
  const checks: [GuardrailCode, ProtectedRange[]][] = [
    ['cidr.allowlisted', policy.allowlist],
    ['cidr.vpc_own', policy.vpcCidrs],
    ['cidr.nat_or_elb', policy.natElb],
  ];
  if (!policy.allowAwsServices) checks.push(['cidr.aws_service', policy.awsRanges]);
  for (const [code, list] of checks) {
    const hit = firstOverlap(c, list);
    if (hit) return no(code, `overlaps ${formatCidr(hit.cidr)} (${hit.label})`);
  }
  return { ok: true, cidr: c, text: formatCidr(c) };
}

/** Builds protected ranges from strings, skipping nothing silently: a bad entry throws CidrError naming it. */
export function ranges(cidrs: readonly string[], label: string): ProtectedRange[] {
  return cidrs.map((s) => ({ cidr: parseCidr(s), label }));
}

/**
 * AWS ip-ranges.json (https://ip-ranges.amazonaws.com/ip-ranges.json) → protected ranges. The "AMAZON" superset is
 * kept too: it is what makes a public address "an AWS address" at all.
 */
export function awsIpRanges(doc: unknown): ProtectedRange[] {
  const out: ProtectedRange[] = [];
  const d = doc as { prefixes?: unknown; ipv6_prefixes?: unknown };
  const v4 = Array.isArray(d?.prefixes) ? (d.prefixes as Record<string, unknown>[]) : [];
  const v6 = Array.isArray(d?.ipv6_prefixes) ? (d.ipv6_prefixes as Record<string, unknown>[]) : [];
  if (v4.length === 0 && v6.length === 0) throw new TypeError('ip-ranges document has no prefixes/ipv6_prefixes');
  for (const p of v4) {
    const c = typeof p.ip_prefix === 'string' ? tryParseCidr(p.ip_prefix) : undefined;
    if (c) out.push({ cidr: c, label: `AWS ${String(p.service)} ${String(p.region)}` });
  }
  for (const p of v6) {
    const c = typeof p.ipv6_prefix === 'string' ? tryParseCidr(p.ipv6_prefix) : undefined;
    if (c) out.push({ cidr: c, label: `AWS ${String(p.service)} ${String(p.region)}` });
  }
  return out;
}
