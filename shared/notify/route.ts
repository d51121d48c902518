import type { NotifyMessage } from './model.ts';
import { globMatch } from './text.ts';

/**
 * Routing: the first route whose every given key matches decides the channels (ARCHITECTURE.md "Config").
 * Match keys: severity, source, account, region (exact or glob), alarmName (glob). An empty match is the default route.
 */

export interface RouteLike {
  match: {
    severity?: string | string[];
    source?: string | string[];
    account?: string | string[];
    region?: string | string[];
    alarmName?: string | string[];
  };
  channels: string[];
}

const list = (v: string | string[] | undefined): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

function keyMatches(want: string | string[] | undefined, have: string | undefined): boolean {
  const l = list(want);
  if (!l) return true;
  if (have === undefined) return false;
  return l.some((g) => globMatch(g, have));
}

export function routeMatches(r: RouteLike, msg: NotifyMessage): boolean {
  const m = r.match;
  return (
    keyMatches(m.severity, msg.severity) &&
    keyMatches(m.source, msg.source) &&
    keyMatches(m.account, msg.account) &&
    keyMatches(m.region, msg.region) &&
    keyMatches(m.alarmName, msg.alarmName)
  );
}

/** Channel names for this message (deduplicated, in route order), and which route index matched (-1: none). */
export function route(routes: RouteLike[], msg: NotifyMessage): { channels: string[]; routeIndex: number } {
  for (const [i, r] of routes.entries()) {
    if (routeMatches(r, msg)) return { channels: [...new Set(r.channels)], routeIndex: i };
  }
  return { channels: [], routeIndex: -1 };
}
