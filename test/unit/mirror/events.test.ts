import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeMirrorEvent } from '../../../shared/mirror/events.ts';

const CORPUS = new URL('../../../../shared/corpus/events/', import.meta.url).pathname;
const FIX = new URL('../../fixtures/events/workload/', import.meta.url).pathname;
const records = JSON.parse(readFileSync(`${CORPUS}panther-analysis/cloudtrail-ec2-network-records.json`, 'utf8')) as { test_name: string; log: Record<string, unknown> }[];
const envelope = (detail: unknown) => ({ version: '0', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', detail });
const record = (name: string) => records.find((r) => r.test_name === name)!.log;

describe('decodeMirrorEvent()', () => {
  it('a CloudTrail TerminateInstances (corpus) marks its instances as going away', () => {
    expect(decodeMirrorEvent(envelope(record('Terminate Instance from AssumedRole')))).toEqual({
      trigger: 'cloudtrail:TerminateInstances',
      hints: { goneInstanceIds: ['i-0d9853f67e40ab80b'], goneEniIds: [] },
    });
  });

  it('a CloudTrail RunInstances (corpus) is a plain reconcile', () => {
    expect(decodeMirrorEvent(envelope(record('RunInstance')))).toEqual({ trigger: 'cloudtrail:RunInstances', hints: { goneInstanceIds: [], goneEniIds: [] } });
  });

  it('forwarded workload changes and instance state changes', () => {
    const terminate = JSON.parse(readFileSync(`${FIX}terminate-web.json`, 'utf8'));
    expect(decodeMirrorEvent(terminate).hints.goneInstanceIds).toEqual(['i-0web0000000000001']);
    const eniDeleted = { ...terminate, detail: { ...terminate.detail, action: 'eni.deleted', instanceIds: [], networkInterfaceIds: ['eni-1'] } };
    expect(decodeMirrorEvent(eniDeleted).hints).toEqual({ goneInstanceIds: [], goneEniIds: ['eni-1'] });
    const state = JSON.parse(readFileSync(`${FIX}state-terminated.json`, 'utf8'));
    expect(decodeMirrorEvent(state)).toEqual({ trigger: 'state:terminated', hints: { goneInstanceIds: ['i-0web0000000000001'], goneEniIds: [] } });
    expect(decodeMirrorEvent({ ...state, detail: { 'instance-id': 'i-1', state: 'running' } }).hints.goneInstanceIds).toEqual([]);
    expect(decodeMirrorEvent({ version: '0', 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }).trigger).toBe('schedule');
  });

  it('names what is wrong with a malformed state change', () => {
    expect(() => decodeMirrorEvent({ 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2', detail: { state: 'running' } })).toThrowError(
      'EC2 Instance State-change Notification: detail needs instance-id and state',
    );
  });
});
