/**
 * Findings onto the `netwatch` bus (detail-type "NetWatch Finding", source "netwatch.detect"). In local mode the bus
 * is the audit log `<local.stateDir>/events.jsonl`, one EventBridge event (as delivered) per line.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isLocalMode, runtimeConfig } from '../config/runtime.ts';
import { FINDING_DETAIL_TYPE, FINDING_SOURCE, type Finding } from '../respond/finding.ts';
import { putEvents } from './eventbridge.ts';
import { eventBridgeEvent } from '../local/router.ts';

export async function publishFindings(findings: readonly Finding[], busName = process.env.EVENT_BUS_NAME ?? 'netwatch'): Promise<void> {
  if (findings.length === 0) return;
  const events = findings.map((f) => ({ source: FINDING_SOURCE, detailType: FINDING_DETAIL_TYPE, detail: f }));
  if (isLocalMode()) {
    const dir = (await runtimeConfig()).local.stateDir;
    await mkdir(dir, { recursive: true });
    // the same EventBridge event shape the bus delivers, so local consumers (alarm-notify, nacl-responder) read it as is
    const lines = events.map((e) => JSON.stringify(eventBridgeEvent(e.source, e.detailType, e.detail, { account: process.env.AWS_ACCOUNT_ID, region: process.env.AWS_REGION })));
    await appendFile(join(dir, 'events.jsonl'), `${lines.join('\n')}\n`);
    return;
  }
  await putEvents(busName, events);
}
