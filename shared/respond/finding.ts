/**
 * The NetWatch finding: what detections put on the EventBridge bus `netwatch` (detail-type `NetWatch Finding`,
 * source `netwatch.detect`) and what the nacl-responder consumes. Shape fixed by ARCHITECTURE.md "Findings".
 * Detections import the schema and type from here so producer and consumer cannot drift.
 */
import { z } from 'zod';

export const FINDING_DETAIL_TYPE = 'NetWatch Finding' as const;
export const FINDING_SOURCE = 'netwatch.detect' as const;

export const FindingSeverity = z.enum(['low', 'medium', 'high', 'critical']);
export type FindingSeverity = z.infer<typeof FindingSeverity>;

/** Which way the recommended deny applies, relative to the VPC: inbound (from the CIDR) / outbound (to it) / both. */
export const FindingDirection = z.enum(['inbound', 'outbound', 'both']);
export type FindingDirection = z.infer<typeof FindingDirection>;

const CIDR_RE = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)\/\d{1,3}$/;

export const FindingSubject = z
  .object({
    srcaddr: z.string().min(1).optional(),
    dstaddr: z.string().min(1).optional(),
    interface_id: z.string().min(1).optional(),
    instance_id: z.string().min(1).optional(),
    vpc_id: z.string().min(1).optional(),
  })
  .passthrough();

export const FindingRecommendation = z
  .object({
    action: z.literal('nacl-deny'),
    cidr: z.string().regex(CIDR_RE, 'must be a CIDR such as 203.0.113.7/32 or 2001:db8::1/128'),
    direction: FindingDirection,
  })
  .passthrough();

export const Finding = z
  .object({
    /** deterministic hash of (type, subject, window): the same evidence always yields the same id */
    id: z.string().min(1),
    type: z.string().min(1),
    severity: FindingSeverity,
    subject: FindingSubject,
    window: z.object({ start: z.string().min(1), end: z.string().min(1) }).passthrough(),
    evidence: z.record(z.string(), z.unknown()),
    recommended: FindingRecommendation.optional(),
  })
  .passthrough();
export type Finding = z.infer<typeof Finding>;

/** The EventBridge envelope of a finding as it arrives at a Lambda target. */
export const FindingEvent = z
  .object({
    'detail-type': z.literal(FINDING_DETAIL_TYPE),
    source: z.literal(FINDING_SOURCE),
    detail: Finding,
  })
  .passthrough();
export type FindingEvent = z.infer<typeof FindingEvent>;
