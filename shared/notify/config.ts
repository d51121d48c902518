import { z } from 'zod';

/**
 * The notification sections of netwatch.config.yml (`notify`, `alarms`, `cloudtrail`). Kept here, beside the code
 * that reads them; shared/config/schema.ts mounts them. No import from schema.ts (it imports us).
 */

const Sev = z.enum(['low', 'medium', 'high', 'critical']);
const OneOrMany = <T extends z.ZodTypeAny>(t: T) => z.union([t, z.array(t)]);
const Cidr = z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'must be a CIDR such as 203.0.113.0/24');

export const NotifySettings = z
  .object({
    /** how long a sent notification's key is remembered (EventBridge/Lambda redelivery window) */
    dedupTtlSeconds: z.number().int().positive().default(86_400),
    /** an alarm with more than maxTransitions sent transitions inside windowMinutes is "flapping": further ones are held */
    flapping: z
      .object({
        windowMinutes: z.number().int().positive().default(30),
        maxTransitions: z.number().int().positive().default(4),
      })
      .strict()
      .default({ windowMinutes: 30, maxTransitions: 4 }),
    /** delivery retries per channel for 429/5xx/network errors (exponential backoff, Retry-After honoured) */
    retries: z.number().int().min(0).max(10).default(3),
    /** per-request timeout */
    timeoutMs: z.number().int().positive().default(10_000),
  })
  .strict();
export type NotifySettings = z.infer<typeof NotifySettings>;

export const AlarmResponse = z
  .object({
    /** nacl-deny: deny `cidr`; nacl-deny-top-talkers: the responder blocks the top talkers of the latest window */
    action: z.enum(['nacl-deny', 'nacl-deny-top-talkers']),
    cidr: Cidr.optional(),
    direction: z.enum(['ingress', 'egress']).default('ingress'),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.action === 'nacl-deny' && !r.cidr) ctx.addIssue({ code: 'custom', path: ['cidr'], message: 'nacl-deny needs a cidr' });
  });
export type AlarmResponse = z.infer<typeof AlarmResponse>;

export const AlarmRule = z
  .object({
    match: z
      .object({
        alarmName: OneOrMany(z.string()).optional(),
        namespace: OneOrMany(z.string()).optional(),
        metric: OneOrMany(z.string()).optional(),
        /** alarm tags (looked up with cloudwatch:ListTagsForResource in AWS); values are globs */
        tags: z.record(z.string(), z.string()).optional(),
      })
      .strict()
      .default({}),
    severity: Sev.optional(),
    response: AlarmResponse.optional(),
  })
  .strict();
export type AlarmRule = z.infer<typeof AlarmRule>;

export const AlarmsConfig = z
  .object({
    /** first rule that matches and sets a severity wins; responses are collected from every matching rule */
    rules: z.array(AlarmRule).default([]),
    /** an alarm tag with this key and a value low|medium|high|critical sets the severity */
    severityTag: z.string().min(1).default('netwatch:severity'),
    defaultSeverity: Sev.default('medium'),
  })
  .strict();
export type AlarmsConfig = z.infer<typeof AlarmsConfig>;

export const CloudTrailRule = z
  .object({
    match: z
      .object({
        eventName: OneOrMany(z.string()).optional(),
        eventSource: OneOrMany(z.string()).optional(),
        /** glob on the principal ARN (userIdentity.arn or the session issuer's role ARN) */
        principal: OneOrMany(z.string()).optional(),
        account: OneOrMany(z.string()).optional(),
        region: OneOrMany(z.string()).optional(),
      })
      .strict()
      .default({}),
    action: z.enum(['notify', 'ignore', 'forward']).default('notify'),
    severity: Sev.optional(),
  })
  .strict();
export type CloudTrailRule = z.infer<typeof CloudTrailRule>;

export const DEFAULT_ADMIN_PORTS = [22, 23, 445, 1433, 3306, 3389, 5432, 5900, 6379, 9200, 27017] as const;

export const CloudTrailConfig = z
  .object({
    /** checked in order before the built-in rules; first match wins */
    rules: z.array(CloudTrailRule).default([]),
    /** the built-in network-change and tampering rules (cloudtrail-rules.ts) */
    builtinRules: z.boolean().default(true),
    adminPorts: z.array(z.number().int().min(0).max(65535)).default([...DEFAULT_ADMIN_PORTS]),
    /** failed calls (errorCode) of a watched event are reported as "attempt failed" */
    failedAttempts: z.boolean().default(true),
    consoleSignIn: z.enum(['failures-and-root', 'all', 'none']).default('failures-and-root'),
    insights: z.boolean().default(true),
    /** ENI/instance lifecycle calls are published as `NetWatch Workload Change` for the mirror manager */
    forwardWorkloadChanges: z.boolean().default(true),
  })
  .strict();
export type CloudTrailConfig = z.infer<typeof CloudTrailConfig>;

export function asList<T>(v: T | T[] | undefined): T[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}
