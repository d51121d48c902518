import { z } from 'zod';
import { AlarmsConfig, CloudTrailConfig, NotifySettings } from '../notify/config.ts';
import { DetectionsConfig } from '../detect/config.ts';

/**
 * netwatch.config.yml, validated at the boundary (ARCHITECTURE.md "Config"). Each section has defaults so an
 * empty file is a valid config; a bad key or value is a ConfigError naming the key path (see load.ts).
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Webhook URLs must be https, except loopback addresses (local use). */
export function isAllowedWebhookUrl(raw: string): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (u.protocol === 'https:') return true;
  return u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname);
}

/** A secret given by reference in AWS ({ssm: name} / {secret: arn}); literals are allowed for local runs. */
export const SecretRef = z.union([
  z.string().min(1),
  z.object({ ssm: z.string().min(1) }).strict(),
  z.object({ secret: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof SecretRef>;

const WebhookUrl = z.union([
  z.string().refine(isAllowedWebhookUrl, { message: 'webhook URL must be https (or http on a loopback address)' }),
  z.object({ ssm: z.string().min(1) }).strict(),
  z.object({ secret: z.string().min(1) }).strict(),
]);

export const Severity = z.enum(['low', 'medium', 'high', 'critical']);
export type Severity = z.infer<typeof Severity>;

export const Channel = z.discriminatedUnion('type', [
  z.object({ type: z.literal('slack'), webhookUrl: WebhookUrl.optional(), token: SecretRef.optional(), channel: z.string().optional(), apiBaseUrl: z.string().refine(isAllowedWebhookUrl, { message: 'must be https (or http on a loopback address)' }).optional() }).strict(),
  z.object({ type: z.literal('dingtalk'), webhookUrl: WebhookUrl, secret: SecretRef.optional(), atMobiles: z.array(z.string()).optional() }).strict(),
  z.object({ type: z.literal('feishu'), webhookUrl: WebhookUrl, secret: SecretRef.optional() }).strict(),
  z.object({ type: z.literal('wecom'), webhookUrl: WebhookUrl, mentionedList: z.array(z.string()).optional() }).strict(),
  z.object({ type: z.literal('sns'), topicArn: z.string().regex(/^arn:aws[a-z-]*:sns:/, 'must be an SNS topic ARN') }).strict(),
]);
export type Channel = z.infer<typeof Channel>;

const OneOrMany = <T extends z.ZodTypeAny>(t: T) => z.union([t, z.array(t)]);

export const Route = z
  .object({
    match: z
      .object({
        severity: OneOrMany(Severity).optional(),
        source: OneOrMany(z.string()).optional(),
        account: OneOrMany(z.string()).optional(),
        region: OneOrMany(z.string()).optional(),
        alarmName: OneOrMany(z.string()).optional(),
      })
      .strict()
      .default({}),
    channels: z.array(z.string().min(1)).min(1),
  })
  .strict();

const Cidr = z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'must be a CIDR such as 10.0.0.0/8 or 2001:db8::/32');

export const ResponderConfig = z
  .object({
    enabled: z.boolean().default(false),
    dryRun: z.boolean().default(true),
    allowlist: z.array(Cidr).default([]),
    ruleBand: z.tuple([z.number().int().min(1).max(32766), z.number().int().min(1).max(32766)]).default([1, 90]),
    maxBlocks: z.number().int().positive().default(15),
    ttlMinutes: z.number().int().positive().default(720),
    // issue 6 (nacl-responder): quotas, guardrails and inputs; see docs/responses.md
    quotaPerDirection: z.number().int().min(1).max(40).default(20),
    minPrefixV4: z.number().int().min(0).max(32).default(24),
    minPrefixV6: z.number().int().min(0).max(128).default(48),
    allowAwsServices: z.boolean().default(false),
    awsIpRanges: z.string().min(1).optional(),
    replaceOldest: z.boolean().default(false),
    optInTag: z.string().min(1).default('netwatch:responder'),
    requireOptIn: z.boolean().default(true),
    minSeverity: Severity.default('high'),
    guardDutyMinSeverity: z.number().min(0).max(10).default(7),
  })
  .passthrough();

export const MirroringConfig = z
  .object({
    targetId: z.string().optional(),
    filterPreset: z.string().default('internet-only'),
    selectTag: z.string().default('netwatch:mirror'),
    // issue 6 (mirror-manager); see docs/responses.md
    filterId: z.string().optional(),
    packetLength: z.number().int().min(1).max(8947).optional(),
    sessionNumber: z.number().int().min(1).max(32766).default(10),
    vniBase: z.number().int().min(1).max(16777215).default(1000),
    excludeTag: z.string().default('netwatch:sensor'),
    vniMapKey: z.string().default('mirror/vni-map.json'),
    // filterPreset: custom — the rules as CreateTrafficMirrorFilterRule takes them (at most 10 per direction)
    customRules: z
      .array(
        z
          .object({
            TrafficDirection: z.enum(['ingress', 'egress']),
            RuleNumber: z.number().int().min(1).max(32766),
            RuleAction: z.enum(['accept', 'reject']),
            Protocol: z.number().int().min(0).max(255).optional(),
            SourceCidrBlock: Cidr,
            DestinationCidrBlock: Cidr,
            SourcePortRange: z.object({ FromPort: z.number().int(), ToPort: z.number().int() }).strict().optional(),
            DestinationPortRange: z.object({ FromPort: z.number().int(), ToPort: z.number().int() }).strict().optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .passthrough();

export const LakeConfig = z
  .object({
    bucket: z.string().optional(),
    prefix: z.string().default(''),
  })
  .strict();

export const LocalConfig = z
  .object({
    networkAcls: z.string().optional(),
    inventory: z.string().optional(),
    vpcs: z.string().optional(),
    // issue 6 (mirror-manager, optional): DescribeInstances / DescribeSubnets / DescribeTrafficMirrorSessions /
    // DescribeInstanceTypes output files
    instances: z.string().optional(),
    subnets: z.string().optional(),
    mirrorSessions: z.string().optional(),
    instanceTypes: z.string().optional(),
    stateDir: z.string().default('.netwatch/state'),
  })
  .passthrough();

export const NetwatchConfig = z
  .object({
    channels: z.record(z.string(), Channel).default({}),
    routes: z.array(Route).default([]),
    detections: DetectionsConfig.default(DetectionsConfig.parse({})),
    responder: ResponderConfig.default(ResponderConfig.parse({})),
    mirroring: MirroringConfig.default(MirroringConfig.parse({})),
    lake: LakeConfig.default(LakeConfig.parse({})),
    local: LocalConfig.default(LocalConfig.parse({})),
    notify: NotifySettings.default(NotifySettings.parse({})),
    alarms: AlarmsConfig.default(AlarmsConfig.parse({})),
    cloudtrail: CloudTrailConfig.default(CloudTrailConfig.parse({})),
  })
  .passthrough()
  .superRefine((cfg, ctx) => {
    cfg.routes.forEach((r, i) =>
      r.channels.forEach((name, j) => {
        if (!(name in cfg.channels)) {
          ctx.addIssue({ code: 'custom', path: ['routes', i, 'channels', j], message: `unknown channel "${name}"` });
        }
      }),
    );
  });
export type NetwatchConfig = z.infer<typeof NetwatchConfig>;
