/**
 * Responder state: the deny entries we own (with their expiry) and the dedup keys of events already handled.
 * Persisted as one JSON document (a file under local.stateDir in local mode, an S3 object in AWS). The rule-number
 * band is the marker on the NACL itself: an entry is ours only when it sits in the band AND a record names it.
 */
import { z } from 'zod';
import { NetworkStateError } from './nacl.ts';

export const BlockRecord = z
  .object({
    naclId: z.string().min(1),
    vpcId: z.string().min(1),
    ruleNumber: z.number().int(),
    egress: z.boolean(),
    /** canonical CIDR text */
    cidr: z.string().min(1),
    createdAt: z.string().min(1),
    expiresAt: z.string().min(1),
    findingId: z.string().min(1),
    source: z.string().min(1),
    summary: z.string(),
  })
  .strict();
export type BlockRecord = z.infer<typeof BlockRecord>;

export const ResponderState = z
  .object({
    version: z.literal(1),
    blocks: z.array(BlockRecord),
    /** dedup key → ISO time after which the key is forgotten */
    seen: z.record(z.string(), z.string()),
    /** foreign entries in our band already reported (key → first seen), so each is reported once, not every sweep */
    driftSeen: z.record(z.string(), z.string()).default({}),
  })
  .strict();
export type ResponderState = z.infer<typeof ResponderState>;

export function emptyState(): ResponderState {
  return { version: 1, blocks: [], seen: {}, driftSeen: {} };
}

export function parseState(raw: unknown, source: string): ResponderState {
  const r = ResponderState.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new NetworkStateError(`${source}: responder state is corrupt: ${i ? `${i.path.join('.') || '(root)'}: ${i.message}` : ''}`);
  }
  return r.data;
}

export function sameSlot(a: Pick<BlockRecord, 'naclId' | 'egress' | 'ruleNumber'>, b: Pick<BlockRecord, 'naclId' | 'egress' | 'ruleNumber'>): boolean {
  return a.naclId === b.naclId && a.egress === b.egress && a.ruleNumber === b.ruleNumber;
}
