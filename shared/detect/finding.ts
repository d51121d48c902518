/**
 * Building findings: the deterministic id and the ARCHITECTURE.md "Findings" shape. The Finding schema and type live
 * with their consumer (shared/respond/finding.ts) so producer and consumer cannot drift.
 */
import { createHash } from 'node:crypto';
import type { Finding, FindingDirection, FindingSeverity } from '../respond/finding.ts';

export type { Finding, FindingDirection, FindingSeverity };
export type FindingSubject = Finding['subject'];

/** Unix seconds -> ISO 8601 UTC (`2026-11-21T10:05:00.000Z`). */
export function isoSeconds(s: number): string {
  return new Date(s * 1000).toISOString();
}

/**
 * The finding id: SHA-256 over (type, subject with sorted keys and no empty values, window), first 32 hex digits.
 * Callers pass the *identifying* part of the subject (the address the detection is keyed on, e.g. the scanning
 * source); descriptive extras (the single sender of a flood, the VPC) and evidence counts are deliberately not part
 * of it, so the same detection on the same address and window is one finding however many objects contributed to
 * it, in whatever order.
 */
export function findingId(type: string, subject: FindingSubject, window: { start: string; end: string }): string {
  const s = Object.keys(subject)
    .sort()
    .filter((k) => subject[k as keyof FindingSubject] != null && subject[k as keyof FindingSubject] !== '')
    .map((k) => [k, subject[k as keyof FindingSubject]]);
  return createHash('sha256')
    .update(JSON.stringify([type, s, window.start, window.end]))
    .digest('hex')
    .slice(0, 32);
}

export interface FindingParts {
  type: string;
  severity: FindingSeverity;
  subject: FindingSubject;
  /** the identifying part of the subject, hashed into the id (default: the whole subject) */
  key?: FindingSubject;
  /** window bounds, Unix seconds */
  windowStart: number;
  windowEnd: number;
  evidence: Record<string, unknown>;
  cidr: string;
  direction: FindingDirection;
}

const clean = (s: FindingSubject): FindingSubject => {
  const out: FindingSubject = {};
  for (const [k, v] of Object.entries(s)) if (v != null && v !== '') (out as Record<string, unknown>)[k] = v;
  return out;
};

export function makeFinding(p: FindingParts): Finding {
  const subject = clean(p.subject);
  const window = { start: isoSeconds(p.windowStart), end: isoSeconds(p.windowEnd) };
  return {
    id: findingId(p.type, clean(p.key ?? p.subject), window),
    type: p.type,
    severity: p.severity,
    subject,
    window,
    evidence: p.evidence,
    recommended: { action: 'nacl-deny', cidr: p.cidr, direction: p.direction },
  };
}
