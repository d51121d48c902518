/**
 * The `NetWatch Response` event (source `netwatch.respond`, bus `netwatch`) that the nacl-responder publishes after
 * acting, and its readable message for the notification channels: what was blocked, why, where, until when, and how
 * to undo. The notifier (alarm-notify) can route it with `formatResponse()`; the schema is the contract.
 */
import { z } from 'zod';
import type { Field, NotifyMessage } from '../notify/model.ts';

export const RESPONSE_DETAIL_TYPE = 'NetWatch Response' as const;
export const RESPONSE_SOURCE = 'netwatch.respond' as const;

const Action = z
  .object({
    call: z.string(),
    naclId: z.string(),
    vpcId: z.string().optional(),
    ruleNumber: z.number(),
    direction: z.enum(['inbound', 'outbound']),
    cidr: z.string().optional(),
    expiresAt: z.string().optional(),
    replaced: z.string().optional(),
  })
  .passthrough();

export const ResponseDetail = z
  .object({
    kind: z.enum(['nacl-block', 'nacl-sweep', 'nacl-unblock']),
    mode: z.enum(['aws', 'dry-run', 'local']),
    severity: z.enum(['low', 'medium', 'high', 'critical']),
    findingId: z.string().optional(),
    findingSource: z.string().optional(),
    summary: z.string().optional(),
    actions: z.array(Action),
    skipped: z.array(z.object({ code: z.string(), cidr: z.string().optional(), naclId: z.string().optional(), detail: z.string() }).passthrough()),
    drift: z.array(z.object({ code: z.string(), naclId: z.string(), ruleNumber: z.number().optional(), cidr: z.string().optional(), detail: z.string() }).passthrough()),
    undo: z.array(z.string()),
  })
  .passthrough();
export type ResponseDetail = z.infer<typeof ResponseDetail>;

function verb(call: string): string {
  return call === 'CreateNetworkAclEntry' ? 'deny added' : call === 'ReplaceNetworkAclEntry' ? 'deny replaced' : call === 'DeleteNetworkAclEntry' ? 'deny removed' : call;
}

/** Readable message for a `NetWatch Response` detail (validated here: it crossed a bus). */
export function formatResponse(raw: unknown, envelope: { account?: string; region?: string; time?: string; id?: string } = {}): NotifyMessage {
  const d = ResponseDetail.parse(raw);
  const adds = d.actions.filter((a) => a.call !== 'DeleteNetworkAclEntry');
  const cidrs = [...new Set(d.actions.flatMap((a) => (a.cidr ? [a.cidr] : [])))];
  const prefix = d.mode === 'dry-run' ? '[dry run] ' : d.mode === 'local' ? '[local plan] ' : '';
  const title =
    d.kind === 'nacl-block'
      ? adds.length > 0
        ? `${prefix}NACL block: ${cidrs.join(', ')}`
        : `${prefix}NACL block refused or not needed`
      : d.kind === 'nacl-unblock'
        ? `${prefix}NACL unblock: ${cidrs.join(', ') || 'nothing'}`
        : `${prefix}NACL sweep: ${d.actions.length} expired, ${d.drift.length} drift`;
  const summary: string[] = [];
  if (d.summary) summary.push(`Why: ${d.summary}.`);
  for (const a of d.actions) {
    summary.push(
      `${verb(a.call)}: ${a.cidr ?? '?'} ${a.direction} in ${a.naclId}${a.vpcId ? ` (${a.vpcId})` : ''}, rule ${a.ruleNumber}` +
        `${a.expiresAt ? `, until ${a.expiresAt}` : ''}${a.replaced ? `, replacing ${a.replaced}` : ''}.`,
    );
  }
  for (const s of d.skipped) summary.push(`Not blocked${s.cidr ? ` ${s.cidr}` : ''}: ${s.detail} (${s.code}).`);
  for (const x of d.drift) summary.push(`Drift in ${x.naclId}${x.ruleNumber !== undefined ? ` rule ${x.ruleNumber}` : ''}: ${x.detail} (${x.code}).`);
  const fields: Field[] = [];
  if (d.undo.length > 0) fields.push({ label: 'Undo', value: d.undo.join('\n') });
  if (d.findingId) fields.push({ label: 'Finding', value: `${d.findingSource ?? ''} ${d.findingId}`.trim() });
  fields.push({ label: 'Mode', value: d.mode });
  const account = envelope.account ?? 'unknown';
  const region = envelope.region ?? 'unknown';
  const key = `response:${d.kind}:${d.findingId ?? ''}:${d.actions.map((a) => `${a.naclId}/${a.direction}/${a.ruleNumber}/${a.cidr ?? ''}`).join(',')}`;
  return {
    source: 'finding',
    severity: d.severity,
    status: d.actions.length > 0 ? 'change' : 'info',
    title,
    summary,
    fields,
    account,
    region,
    time: envelope.time ?? new Date(0).toISOString(),
    dedupKey: envelope.id ? `response:${envelope.id}` : key,
    threadKey: d.findingId ? `finding:${d.findingId}` : key,
  };
}
