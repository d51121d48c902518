/** Runs a capture file through the sensor pipeline in-process (as `netwatch sensor decode` does) for tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EveRecord } from '../../shared/packet/eve.ts';
import { PcapReader } from '../../shared/packet/pcap.ts';
import { Sensor, type SensorOptions, type SensorStats } from '../../shared/packet/sensor.ts';
import { defaultStreamParsers } from '../../shared/packet/streams.ts';

export const CORPUS = join(import.meta.dirname, '../../../shared/corpus');

export function corpus(rel: string): string {
  return join(CORPUS, rel);
}

export interface Decoded {
  records: EveRecord[];
  stats: SensorStats;
}

export function decodeBytes(bytes: Uint8Array, opts: SensorOptions = {}): Decoded {
  const records: EveRecord[] = [];
  // round-trip every record through JSON, as the CLI writes them
  const s = new Sensor((r) => records.push(JSON.parse(JSON.stringify(r)) as EveRecord), { streamParsers: defaultStreamParsers, ...opts });
  const reader = new PcapReader((p) => s.frame(p.data, p.off, p.capLen, p.linkType, p.tsMicros));
  reader.push(bytes);
  if (reader.finish() > 0) s.countTruncatedCapture(1);
  s.finish();
  return { records, stats: s.stats() };
}

export function decodeFile(path: string, opts: SensorOptions = {}): Decoded {
  return decodeBytes(new Uint8Array(readFileSync(path)), opts);
}

/** Suricata-verify style filter: every dotted key must equal (deep) the record's value. */
export function matches(rec: Record<string, unknown>, match: Record<string, unknown>): boolean {
  return Object.entries(match).every(([k, v]) => JSON.stringify(get(rec, k)) === JSON.stringify(v));
}

export function get(rec: unknown, path: string): unknown {
  let cur: unknown = rec;
  for (const part of path.split('.')) {
    const m = /^([^[]+)(?:\[(\d+)\])?$/.exec(part);
    if (!m || cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[m[1] as string];
    if (m[2] !== undefined) cur = Array.isArray(cur) ? cur[Number(m[2])] : undefined;
  }
  return cur;
}

export function count(records: EveRecord[], match: Record<string, unknown>): number {
  return records.filter((r) => matches(r, match)).length;
}
