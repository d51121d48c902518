/**
 * Alarm tags for notification severity and routing rules (cloudwatch:ListTagsForResource), cached per alarm ARN for
 * five minutes. A lookup that fails (AccessDenied, throttling) yields no tags: a notification is never lost for them.
 */
import { ListTagsForResourceCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { arnParts } from '../notify/links.ts';
import { cloudWatchClient } from './clients.ts';

export const ALARM_TAGS_TTL_MS = 5 * 60_000;

const cache = new Map<string, { at: number; tags: Promise<Record<string, string>> }>();

export type AlarmTagLookup = (alarmArn: string) => Promise<Record<string, string>>;

export function alarmTagLookup(onError: (arn: string, err: unknown) => void, client?: CloudWatchClient, now: () => number = Date.now): AlarmTagLookup {
  return (arn) => {
    const hit = cache.get(arn);
    if (hit && now() - hit.at < ALARM_TAGS_TTL_MS) return hit.tags;
    const region = arnParts(arn).region;
    const c = client ?? cloudWatchClient(region);
    const tags = c
      .send(new ListTagsForResourceCommand({ ResourceARN: arn }))
      .then((r) => Object.fromEntries((r.Tags ?? []).flatMap((t) => (t.Key !== undefined && t.Value !== undefined ? [[t.Key, t.Value] as const] : []))))
      .catch((err: unknown) => {
        cache.delete(arn);
        onError(arn, err);
        return {} as Record<string, string>;
      });
    cache.set(arn, { at: now(), tags });
    return tags;
  };
}
