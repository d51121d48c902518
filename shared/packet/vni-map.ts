/**
 * The VNI -> mirror session map that labels sensor records with `mirror: {session_id, source_eni, instance_id}`.
 * The mirror manager writes it (to S3 in AWS, to a file locally); the daemon reloads it periodically. Accepted shapes:
 *   { "<vni>": { "session_id": "tms-…", "source_eni": "eni-…", "instance_id": "i-…" }, … }
 *   [ { "vni": 123, "session_id": "tms-…", "source_eni": "eni-…", "instance_id": "i-…" }, … ]
 *   { "sessions": [ …the array shape… ] }
 */
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import type { MirrorInfo, VniLookup } from './eve.ts';

const Entry = z.object({
  session_id: z.string().min(1),
  source_eni: z.string().min(1),
  instance_id: z.string().min(1).optional(),
});
const Vni = z.coerce.number().int().min(0).max(0xffffff);
const ArrayShape = z.array(Entry.extend({ vni: Vni }));
const MapShape = z.record(z.string().regex(/^\d+$/, 'keys must be VNIs'), Entry);
const Wrapped = z.object({ sessions: ArrayShape });

export function parseVniMap(raw: unknown, source = 'VNI map'): Map<number, MirrorInfo> {
  const out = new Map<number, MirrorInfo>();
  const add = (vni: number, e: z.infer<typeof Entry>): void => {
    out.set(vni, { session_id: e.session_id, source_eni: e.source_eni, ...(e.instance_id ? { instance_id: e.instance_id } : {}) });
  };
  const w = Wrapped.safeParse(raw);
  const a = w.success ? { success: true as const, data: w.data.sessions } : ArrayShape.safeParse(raw);
  if (a.success) {
    for (const e of a.data) add(e.vni, e);
    return out;
  }
  const m = MapShape.safeParse(raw);
  if (m.success) {
    for (const [k, e] of Object.entries(m.data)) add(Number(k), e);
    return out;
  }
  const issue = m.error.issues[0];
  throw new ConfigError(`${source}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'not a VNI map'}`);
}

export function vniLookupFrom(raw: unknown, source?: string): VniLookup {
  const m = parseVniMap(raw, source);
  return (vni) => m.get(vni);
}
