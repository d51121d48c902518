/**
 * AWS service ranges for the `cidr.aws_service` guardrail: the ip-ranges.json snapshot shipped with the enrichment
 * code (bundled into the Lambda by the JSON import), or `responder.awsIpRanges` (a file path, or an https URL such as
 * https://ip-ranges.amazonaws.com/ip-ranges.json, fetched once per container).
 */
import snapshot from '../../shared/enrich/data/ip-ranges.json' with { type: 'json' };
import { awsIpRanges, type ProtectedRange } from '../../shared/respond/guardrails.ts';
import { NetworkStateError } from '../../shared/respond/nacl.ts';

let snapshotRanges: ProtectedRange[] | undefined;
export function snapshotAwsRanges(): ProtectedRange[] {
  snapshotRanges ??= awsIpRanges(snapshot);
  return snapshotRanges;
}

const fetched = new Map<string, ProtectedRange[]>();

/** Fetches an ip-ranges.json URL once per container; a failure is an error (fail closed: no ranges, no blocks). */
export async function urlAwsRanges(url: string): Promise<ProtectedRange[]> {
  const hit = fetched.get(url);
  if (hit) return hit;
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new NetworkStateError(`${url}: HTTP ${res.status} fetching AWS ip-ranges`);
  const list = awsIpRanges(await res.json());
  fetched.set(url, list);
  return list;
}
