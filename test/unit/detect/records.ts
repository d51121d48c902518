import { ENRICHMENT_COLUMNS, type FlowRecord } from '../../../shared/flowlog/record.ts';
import { FLOW_LOG_FIELDS } from '../../../shared/flowlog/fields.ts';

/** A FlowRecord with every column null except the ones given (a crafted record for detection tests). */
export function rec(p: Partial<FlowRecord>): FlowRecord {
  const r: Record<string, unknown> = { extra_fields: null };
  for (const f of FLOW_LOG_FIELDS) r[f.column] = null;
  for (const c of ENRICHMENT_COLUMNS) r[c] = null;
  return { ...(r as unknown as FlowRecord), version: 2, log_status: 'OK', protocol: 6, packets: 1, bytes: 60, ...p };
}

/** 2026-11-21T10:00:00Z, a window boundary for every window length that divides an hour */
export const T0 = Date.UTC(2026, 10, 21, 10, 0, 0) / 1000;
