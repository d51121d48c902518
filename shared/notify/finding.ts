import { guardDutyFindingUrl } from './links.ts';
import type { Field, NotifyMessage, Severity } from './model.ts';
import { normaliseTime, truncateChars } from './text.ts';

/**
 * Findings → messages: GuardDuty findings (EventBridge "GuardDuty Finding", or the bare finding object) and our own
 * `NetWatch Finding` (source netwatch.detect, ARCHITECTURE.md "Findings"). Routing source: "finding".
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const s = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : undefined);

/** GuardDuty numeric severity bands: 1.0–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10.0 critical. */
export function guardDutySeverity(n: number): Severity {
  if (n >= 9) return 'critical';
  if (n >= 7) return 'high';
  if (n >= 4) return 'medium';
  return 'low';
}

export function isGuardDutyFinding(d: unknown): d is Obj {
  return isObj(d) && typeof d.type === 'string' && typeof d.severity === 'number' && (typeof d.title === 'string' || typeof d.id === 'string');
}

export function formatGuardDuty(d: Obj, envelope: { account?: string; region?: string; time?: string } = {}): NotifyMessage {
  const sevNum = typeof d.severity === 'number' ? d.severity : 0;
  const account = s(d.accountId) ?? envelope.account ?? 'unknown';
  const region = s(d.region) ?? envelope.region ?? 'unknown';
  const id = s(d.id) ?? 'unknown';
  const fields: Field[] = [{ label: 'Finding type', value: s(d.type) ?? '?' }, { label: 'GuardDuty severity', value: String(sevNum) }];
  const res = isObj(d.resource) ? d.resource : {};
  const inst = isObj(res.instanceDetails) ? res.instanceDetails : undefined;
  if (inst) {
    fields.push({ label: 'Instance', value: s(inst.instanceId) ?? '?' });
    const ni = Array.isArray(inst.networkInterfaces) && isObj(inst.networkInterfaces[0]) ? inst.networkInterfaces[0] : undefined;
    if (ni) fields.push({ label: 'Network', value: [s(ni.vpcId), s(ni.subnetId), s(ni.privateIpAddress), s(ni.publicIp)].filter(Boolean).join(' · ') });
  } else if (s(res.resourceType)) fields.push({ label: 'Resource', value: s(res.resourceType)! });
  const svc = isObj(d.service) ? d.service : {};
  const action = isObj(svc.action) ? svc.action : {};
  const nca = isObj(action.networkConnectionAction) ? action.networkConnectionAction : undefined;
  if (nca) {
    const remote = isObj(nca.remoteIpDetails) ? s(nca.remoteIpDetails.ipAddressV4) : undefined;
    const port = isObj(nca.remotePortDetails) ? s(nca.remotePortDetails.port) : undefined;
    const local = isObj(nca.localPortDetails) ? s(nca.localPortDetails.port) : undefined;
    fields.push({ label: 'Connection', value: `${s(nca.connectionDirection) ?? '?'} ${s(nca.protocol) ?? ''} remote ${remote ?? '?'}${port ? `:${port}` : ''}${local ? ` → local port ${local}` : ''}`.replace(/\s+/g, ' ') });
  }
  if (s(svc.count)) fields.push({ label: 'Seen', value: `${s(svc.count)} times${s(svc.eventFirstSeen) ? `, first ${s(svc.eventFirstSeen)}` : ''}` });
  fields.push({ label: 'Account / region', value: `${account} / ${region}` });
  const summary = [truncateChars(s(d.description) ?? s(d.title) ?? 'GuardDuty finding', 1000)];
  return {
    source: 'finding',
    severity: guardDutySeverity(sevNum),
    status: 'alarm',
    title: `GuardDuty: ${s(d.title) ?? s(d.type) ?? id}`,
    summary,
    fields,
    link: { label: 'Open finding in GuardDuty', url: guardDutyFindingUrl(region, id) },
    account,
    region,
    time: normaliseTime(s(d.updatedAt) ?? s(svc.eventLastSeen) ?? envelope.time ?? ''),
    // one message per finding per dedup window (notify.dedupTtlSeconds), not one per GuardDuty update
    dedupKey: `guardduty:${id}`,
    threadKey: `guardduty:${id}`,
  };
}

/** Our `NetWatch Finding` detail (already schema-checked by the producer; read defensively here). */
export function formatNetwatchFinding(d: Obj, envelope: { account?: string; region?: string; time?: string } = {}): NotifyMessage {
  const subject = isObj(d.subject) ? d.subject : {};
  const window = isObj(d.window) ? d.window : {};
  const evidence = isObj(d.evidence) ? d.evidence : {};
  const rec = isObj(d.recommended) ? d.recommended : undefined;
  const sev = (['low', 'medium', 'high', 'critical'] as const).find((x) => x === d.severity) ?? 'medium';
  const who = [s(subject.srcaddr) && `from ${s(subject.srcaddr)}`, s(subject.dstaddr) && `to ${s(subject.dstaddr)}`, s(subject.instance_id) && `instance ${s(subject.instance_id)}`, s(subject.interface_id) && `ENI ${s(subject.interface_id)}`]
    .filter(Boolean)
    .join(', ');
  const fields: Field[] = [{ label: 'Window', value: `${s(window.start) ?? '?'} – ${s(window.end) ?? '?'}` }];
  for (const [k, v] of Object.entries(evidence).slice(0, 6)) fields.push({ label: k, value: truncateChars(typeof v === 'string' ? v : JSON.stringify(v), 200) });
  if (rec) fields.push({ label: 'Recommended', value: `${s(rec.action) ?? '?'} ${s(rec.cidr) ?? ''} ${s(rec.direction) ?? ''}`.trim() });
  const account = envelope.account ?? 'unknown';
  const region = envelope.region ?? 'unknown';
  fields.push({ label: 'Account / region', value: `${account} / ${region}` });
  const id = s(d.id) ?? 'unknown';
  return {
    source: 'finding',
    severity: sev,
    status: 'alarm',
    title: `Finding: ${s(d.type) ?? 'unknown'}`,
    summary: [`Detection ${s(d.type) ?? '?'} fired${who ? ` (${who})` : ''}.`],
    fields,
    account,
    region,
    time: normaliseTime(s(window.end) ?? envelope.time ?? ''),
    dedupKey: `finding:${id}`,
    threadKey: `finding:${id}`,
  };
}
