/**
 * Publishes findings to the EventBridge bus (detail-type "NetWatch Finding", source "netwatch.detect"), in
 * batches of 10 (the PutEvents limit). Failed entries are an error: findings are never silently lost.
 */
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PipelineError } from '../errors.ts';
import { eventBridgeClient } from './clients.ts';

export const PUT_EVENTS_BATCH = 10;

export class EventPublishError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EventPublishError';
  }
}

export interface BusEvent {
  source: string;
  detailType: string;
  detail: unknown;
  resources?: string[];
}

export async function putEvents(busName: string, events: BusEvent[], client: EventBridgeClient = eventBridgeClient()): Promise<number> {
  let sent = 0;
  for (let i = 0; i < events.length; i += PUT_EVENTS_BATCH) {
    const Entries: PutEventsRequestEntry[] = events.slice(i, i + PUT_EVENTS_BATCH).map((e) => ({
      EventBusName: busName,
      Source: e.source,
      DetailType: e.detailType,
      Detail: JSON.stringify(e.detail),
      ...(e.resources ? { Resources: e.resources } : {}),
    }));
    const r = await client.send(new PutEventsCommand({ Entries }));
    if (r.FailedEntryCount) {
      const first = r.Entries?.find((x) => x.ErrorCode);
      throw new EventPublishError(`PutEvents: ${r.FailedEntryCount} of ${Entries.length} events failed (${first?.ErrorCode}: ${first?.ErrorMessage})`);
    }
    sent += Entries.length;
  }
  return sent;
}
