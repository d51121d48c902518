/**
 * The sensor's text output (`emitText`, the CLI's stdout path) builds each record's JSON line without the record
 * object (eve.ts eveHeaderText / eveFlowText / eveAnomalyText, per-flow parts cached): it must be exactly
 * `JSON.stringify` of the record the object path makes, for every record of every corpus capture, with a VNI map
 * (strings that need escaping) and a Community ID seed too.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MirrorInfo } from '../../../shared/packet/eve.ts';
import { PcapReader } from '../../../shared/packet/pcap.ts';
import { Sensor, type SensorOptions } from '../../../shared/packet/sensor.ts';
import { defaultStreamParsers } from '../../../shared/packet/streams.ts';
import { CORPUS } from '../../helpers/pcap-sensor.ts';

const FILES = readdirSync(CORPUS, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && /\.(pcap|pcapng)$/.test(e.name))
  .map((e) => join(e.parentPath, e.name))
  .sort();

function run(bytes: Uint8Array, opts: SensorOptions, text: boolean): { lines: string[]; stats: unknown } {
  const lines: string[] = [];
  const s = new Sensor((r) => lines.push(JSON.stringify(r)), { streamParsers: defaultStreamParsers, ...opts, ...(text ? { emitText: (l: string) => lines.push(l) } : {}) });
  const reader = new PcapReader((p) => s.frame(p.data, p.off, p.capLen, p.linkType, p.tsMicros));
  reader.push(bytes);
  if (reader.finish() > 0) s.countTruncatedCapture(1);
  s.finish();
  return { lines, stats: s.stats() };
}

const odd: MirrorInfo = { session_id: 'tms-"quoted"\\', source_eni: 'eni-0aa\u00e9', instance_id: 'i-\n1' };

describe('Sensor emitText', () => {
  for (const opts of [{}, { communityIdSeed: 7, anomalyBurst: 1, mirror: (v: number) => (v % 2 === 1 ? odd : undefined) }] as SensorOptions[]) {
    it(`writes JSON.stringify(record), byte for byte, for every corpus record (${opts.mirror ? 'mirror map, seed 7' : 'defaults'})`, () => {
      let n = 0;
      for (const f of FILES) {
        // Prepare
        const bytes = new Uint8Array(readFileSync(f));
        // Act
        const objects = run(bytes, opts, false);
        const text = run(bytes, opts, true);
        // Assess
        expect(text.lines, f).toEqual(objects.lines);
        expect(text.stats, f).toEqual(objects.stats);
        n += text.lines.length;
      }
      expect(n).toBeGreaterThan(400);
    });
  }
});
