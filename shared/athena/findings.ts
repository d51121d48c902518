/**
 * Scheduled detections (shared/athena/detections/*.sql) return one row per finding. The row contract:
 *   type, severity, direction ('inbound' | 'outbound'),
 *   srcaddr / dstaddr / interface_id / instance_id / vpc_id (the subject; NULLs are left out),
 *   the window: window_start + window_end (Unix seconds), or dt + hour (that hour), or dt alone (that day),
 *   optionally `finding_key`: extra text that tells findings of the same type, address and window apart,
 *   everything else is evidence.
 * The recommended block is the host route of the source (inbound) or the destination (outbound). The id hashes the
 * type, that address (+ finding_key) and the window, like the streaming detections.
 */
import { hostCidr } from '../detect/cidr.ts';
import { makeFinding } from '../detect/finding.ts';
import { Finding, FindingDirection, FindingSeverity } from '../respond/finding.ts';
import { PipelineError } from '../errors.ts';
import type { Row, Value } from './results.ts';

/** A detection row that does not follow the row contract (a bug in a detection's SQL). */
export class DetectionRowError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DetectionRowError';
  }
}

const SUBJECT_KEYS = ['srcaddr', 'dstaddr', 'interface_id', 'instance_id', 'vpc_id'] as const;
const CONTROL_KEYS = new Set(['type', 'severity', 'direction', 'window_start', 'window_end', 'finding_key', ...SUBJECT_KEYS]);

const str = (v: Value | undefined): string | undefined => (v === null || v === undefined ? undefined : String(v));

function windowOf(row: Row, where: string): [number, number] {
  if (row.window_start != null && row.window_end != null) return [Number(row.window_start), Number(row.window_end)];
  const dt = str(row.dt);
  if (!dt || !/^\d{4}-\d{2}-\d{2}$/.test(dt)) throw new DetectionRowError(`${where}: no window (window_start/window_end or dt)`);
  const hour = str(row.hour);
  if (hour !== undefined) {
    if (!/^\d{1,2}$/.test(hour)) throw new DetectionRowError(`${where}: bad hour "${hour}"`);
    const s = Date.parse(`${dt}T${hour.padStart(2, '0')}:00:00Z`) / 1000;
    return [s, s + 3600];
  }
  const s = Date.parse(`${dt}T00:00:00Z`) / 1000;
  return [s, s + 86_400];
}

/** Turns detection rows into findings (validated against the Finding schema). */
export function rowsToFindings(detection: string, rows: Row[]): Finding[] {
  return rows.map((row, i) => {
    const where = `${detection} row ${i + 1}`;
    const severity = FindingSeverity.safeParse(row.severity);
    const direction = FindingDirection.safeParse(row.direction);
    if (!row.type || !severity.success || !direction.success) {
      throw new DetectionRowError(`${where}: needs type, severity (low|medium|high|critical) and direction (inbound|outbound)`);
    }
    const target = direction.data === 'inbound' ? str(row.srcaddr) : str(row.dstaddr);
    const cidr = target ? hostCidr(target) : null;
    if (cidr === null) throw new DetectionRowError(`${where}: ${direction.data === 'inbound' ? 'srcaddr' : 'dstaddr'} is not an address`);
    const [windowStart, windowEnd] = windowOf(row, where);
    const evidence: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) if (!CONTROL_KEYS.has(k) && v !== null) evidence[k] = v;
    const subject: Record<string, string | undefined> = {};
    for (const k of SUBJECT_KEYS) subject[k] = str(row[k]);
    return Finding.parse(
      makeFinding({
        type: String(row.type),
        severity: severity.data,
        subject,
        key: {
          ...(direction.data === 'inbound' ? { srcaddr: target } : { dstaddr: target }),
          ...(row.finding_key != null ? { finding_key: String(row.finding_key) } : {}),
        },
        windowStart,
        windowEnd,
        evidence: { ...evidence, detection },
        cidr,
        direction: direction.data,
      }),
    );
  });
}
