import type { NotifySettings } from './config.ts';
import { deliverAll } from './deliver.ts';
import type { ChannelResult, DeliveryDeps, ResolvedChannel } from './deliver.ts';
import { AllChannelsFailedError } from './errors.ts';
import type { NotifyMessage } from './model.ts';
import { route } from './route.ts';
import type { RouteLike } from './route.ts';
import type { StateStore } from './store.ts';

/**
 * message → route → dedup / flapping gate → deliver to every routed channel → remember it was sent.
 * Redelivery of the same event (same dedupKey) sends nothing. If every channel fails, the dedup claim is released
 * and AllChannelsFailedError is thrown, so the Lambda retry (or `netwatch invoke` run again) sends it.
 */

/** A claim that stays "pending" longer than this (crashed or timed-out invocation) may be taken over. */
export const PENDING_TTL_SECONDS = 150;

export type NotifyOutcome =
  | { outcome: 'sent'; dedupKey: string; channels: string[]; delivered: ChannelResult[]; failed: { channel: string; error: string }[]; notes: string[] }
  | { outcome: 'duplicate'; dedupKey: string }
  | { outcome: 'held-flapping'; dedupKey: string; held: number }
  | { outcome: 'no-route'; dedupKey: string };

interface FlapState {
  sent: number[];
  held: number;
}

export interface PipelineCtx {
  routes: RouteLike[];
  /** resolves a channel name to its delivery settings (secrets resolved); called only for routed channels */
  channel: (name: string) => Promise<ResolvedChannel>;
  store: StateStore;
  settings: NotifySettings;
  deps: DeliveryDeps;
}

export async function notifyMessage(msg: NotifyMessage, ctx: PipelineCtx): Promise<NotifyOutcome> {
  const { channels } = route(ctx.routes, msg);
  if (!channels.length) return { outcome: 'no-route', dedupKey: msg.dedupKey };
  const seenKey = `seen:${msg.dedupKey}`;
  if (!(await ctx.store.claim(seenKey, 'pending', PENDING_TTL_SECONDS))) return { outcome: 'duplicate', dedupKey: msg.dedupKey };

  const notes = [...(msg.notes ?? [])];
  const now = ctx.deps.now();
  // undone if nothing could be delivered, so a failed send does not count towards flapping
  let undoFlap: (() => Promise<void>) | undefined;
  if (msg.source === 'alarm') {
    const flapKey = `flap:${msg.threadKey}`;
    const windowMs = ctx.settings.flapping.windowMinutes * 60_000;
    const before = await ctx.store.get<FlapState>(flapKey);
    const st: FlapState = before ? { sent: [...before.sent], held: before.held } : { sent: [], held: 0 };
    st.sent = st.sent.filter((t) => now - t < windowMs);
    const ttl = ctx.settings.flapping.windowMinutes * 60 * 4;
    if (st.sent.length >= ctx.settings.flapping.maxTransitions) {
      st.held += 1;
      await ctx.store.put(flapKey, st, ttl);
      await ctx.store.put(seenKey, 'held', ctx.settings.dedupTtlSeconds);
      return { outcome: 'held-flapping', dedupKey: msg.dedupKey, held: st.held };
    }
    if (st.held > 0) {
      notes.push(`${st.held} earlier transition${st.held === 1 ? ' was' : 's were'} not sent: the alarm was flapping (over ${ctx.settings.flapping.maxTransitions} changes in ${ctx.settings.flapping.windowMinutes} min)`);
    }
    st.sent.push(now);
    st.held = 0;
    await ctx.store.put(flapKey, st, ttl);
    undoFlap = () => (before ? ctx.store.put(flapKey, before, ttl) : ctx.store.delete(flapKey));
  }

  const out = notes.length ? { ...msg, notes } : msg;
  let resolved: ResolvedChannel[];
  try {
    resolved = await Promise.all(channels.map((n) => ctx.channel(n)));
  } catch (err) {
    await ctx.store.delete(seenKey);
    await undoFlap?.();
    throw err;
  }
  const report = await deliverAll(out, resolved, ctx.deps);
  if (!report.delivered.length) {
    await ctx.store.delete(seenKey);
    await undoFlap?.();
    throw new AllChannelsFailedError(report.failed);
  }
  await ctx.store.put(seenKey, 'sent', ctx.settings.dedupTtlSeconds);
  return {
    outcome: 'sent',
    dedupKey: msg.dedupKey,
    channels,
    delivered: report.delivered,
    failed: report.failed.map((f) => ({ channel: f.channel, error: f.message })),
    notes,
  };
}
