/**
 * Sharded decode (shared/packet/shard.ts): N sensors that each own the flows whose key hash modulo N is theirs, and
 * the merger, must log exactly what one sensor logs: the same lines (flow_id included), the same stats, on every
 * corpus capture; with the anomaly rate limit tight (burst 1) too, so the merger's throttling is exercised. The
 * threads are simulated here in one thread (fast, deterministic); cli-decode.test.ts runs the real worker threads.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapReader } from '../../../shared/packet/pcap.ts';
import { Sensor, type SensorOptions, type SensorStats } from '../../../shared/packet/sensor.ts';
import { AnomalyThrottle, ShardMerger, ShardOutput, combineShardStats } from '../../../shared/packet/shard.ts';
import { defaultStreamParsers } from '../../../shared/packet/streams.ts';
import { CORPUS } from '../../helpers/pcap-sensor.ts';

/** Every capture of the corpus (pcap and pcapng). */
const FILES = readdirSync(CORPUS, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && /\.(pcap|pcapng)$/.test(e.name))
  .map((e) => join(e.parentPath, e.name))
  .sort();

/** Small read chunks so that packets and flows straddle many chunk boundaries. */
const CHUNK = 4096;

function single(bytes: Uint8Array, opts: SensorOptions): { lines: string[]; stats: SensorStats } {
  const lines: string[] = [];
  const s = new Sensor((r) => lines.push(JSON.stringify(r)), { streamParsers: defaultStreamParsers, ...opts });
  const reader = new PcapReader((p) => s.frame(p.data, p.off, p.capLen, p.linkType, p.tsMicros));
  for (let o = 0; o < bytes.length; o += CHUNK) reader.push(bytes.subarray(o, o + CHUNK));
  if (reader.finish() > 0) s.countTruncatedCapture(1);
  s.finish();
  return { lines, stats: s.stats() };
}

/** N shard sensors fed chunk by chunk (in an order that varies), merged as the CLI merges its threads. */
function sharded(bytes: Uint8Array, count: number, opts: SensorOptions): { lines: string[]; stats: SensorStats } {
  const merger = new ShardMerger(count, undefined, new AnomalyThrottle(opts.anomalyBurst, opts.anomalyWindowSec));
  const sides = Array.from({ length: count }, (_, index) => {
    const out = new ShardOutput();
    const sensor = new Sensor(() => {}, { streamParsers: defaultStreamParsers, ...opts, shard: { index, count, sink: out } });
    const reader = new PcapReader((p) => sensor.frame(p.data, p.off, p.capLen, p.linkType, p.tsMicros));
    return { out, sensor, reader };
  });
  const text: string[] = [];
  const decoder = new TextDecoder();
  const take = (): void => {
    const b = merger.take();
    if (b !== null) text.push(decoder.decode(b));
  };
  let turn = 0;
  for (let o = 0; o < bytes.length; o += CHUNK) {
    // sides run ahead of each other by a chunk or two, as threads do
    for (let k = 0; k < count; k++) {
      const i = (k + turn) % count;
      const side = sides[i] as (typeof sides)[number];
      side.reader.push(bytes.subarray(o, o + CHUNK));
      merger.push(i, side.out.seal(side.sensor.packets + 1));
    }
    turn++;
    merger.merge();
    take();
  }
  sides.forEach((side, i) => {
    if (side.reader.finish() > 0 && i === 0) side.sensor.countTruncatedCapture(1);
    side.sensor.finish();
    merger.push(i, side.out.seal(Number.POSITIVE_INFINITY));
  });
  merger.merge();
  take();
  expect(merger.done).toBe(true);
  const lines = text.join('').split('\n');
  lines.pop();
  return { lines, stats: combineShardStats(sides.map((s) => s.sensor.stats()), merger) };
}

describe('sharded decode (shard.ts)', () => {
  it('finds the corpus captures', () => {
    expect(FILES.length).toBeGreaterThan(50);
  });

  for (const opts of [{}, { anomalyBurst: 1 }] as SensorOptions[]) {
    it(`logs what one sensor logs, line for line, on every corpus capture (2 and 3 shards, ${JSON.stringify(opts)})`, () => {
      let records = 0;
      for (const f of FILES) {
        // Prepare
        const bytes = new Uint8Array(readFileSync(f));
        const one = single(bytes, opts);
        for (const n of [2, 3]) {
          // Act
          const many = sharded(bytes, n, opts);
          // Assess: the same records (as a set: the order within one packet may differ) and the same stats
          expect([...many.lines].sort(), `${f} with ${n} shards`).toEqual([...one.lines].sort());
          expect(many.stats, `${f} stats with ${n} shards`).toEqual(one.stats);
        }
        records += one.lines.length;
      }
      expect(records).toBeGreaterThan(400);
    });
  }

  it('orders records by the packet that made them', () => {
    // Prepare: a capture with many flows
    const bytes = new Uint8Array(readFileSync(join(CORPUS, 'suricata-verify/dns-udp-eve-txt/input.pcap')));
    // Act
    const a = sharded(bytes, 2, {});
    const b = sharded(bytes, 2, {});
    // Assess: deterministic, and timestamps never go back except for flow records (stamped with their flow's start)
    expect(a.lines).toEqual(b.lines);
    const ts = a.lines.map((l) => JSON.parse(l) as { event_type: string; timestamp: string }).filter((r) => r.event_type !== 'flow').map((r) => r.timestamp);
    expect(ts).toEqual([...ts].sort());
  });
});
