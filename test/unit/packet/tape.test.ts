/**
 * The two-stage sensor (shared/packet/tape.ts): a front (decode + flow table) writing the tape and a back
 * (`Sensor.applyTape`) replaying it must log exactly what one sensor logs: the same lines in the same order and the
 * same stats, on every corpus capture, however far the front runs ahead of the back. The threads are simulated in
 * one thread here; cli-decode.test.ts runs the real worker thread.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapReader } from '../../../shared/packet/pcap.ts';
import { Sensor, type SensorOptions, type SensorStats, combineTapeStats } from '../../../shared/packet/sensor.ts';
import { defaultStreamParsers } from '../../../shared/packet/streams.ts';
import { SensorFront, type TapeBatch, TapeEvent, UNPARSED_SLOTS } from '../../../shared/packet/tape.ts';
import { CORPUS } from '../../helpers/pcap-sensor.ts';

const FILES = readdirSync(CORPUS, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && /\.(pcap|pcapng)$/.test(e.name))
  .map((e) => join(e.parentPath, e.name))
  .sort();

/** Small read chunks: packets and flows straddle many batches. */
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

/** Front and back as the CLI runs them, the back `lag` batches behind the front. */
function staged(bytes: Uint8Array, opts: SensorOptions, lag: number, share = true, dnsOnFront = true): { lines: string[]; stats: SensorStats; packetEvents: number } {
  const lines: string[] = [];
  const unparsed = share ? new Int32Array(UNPARSED_SLOTS).fill(-1) : null;
  const back = new Sensor((r) => lines.push(JSON.stringify(r)), { streamParsers: defaultStreamParsers, ...opts });
  const text = new TextDecoder();
  back.useTape(unparsed, (b, off, len) => lines.push(text.decode(b.subarray(off, off + len))));
  const dns = dnsOnFront ? { mirror: opts.mirror, seed: opts.communityIdSeed } : null;
  const front = new SensorFront({ parseTcp: true, unparsed, flow: opts.flow, logTunnelCarriers: opts.logTunnelCarriers, dns });
  const reader = new PcapReader((p) => front.frame(p.data, p.off, p.capLen, p.linkType, p.tsMicros));
  const pending: TapeBatch[] = [];
  let packetEvents = 0;
  const apply = (b: TapeBatch): void => {
    packetEvents += countPackets(b);
    back.applyTape(b);
    front.tape.recycle(b);
  };
  for (let o = 0; o < bytes.length; o += CHUNK) {
    reader.push(bytes.subarray(o, o + CHUNK));
    if (!front.tape.empty) pending.push(front.tape.take());
    while (pending.length > lag) apply(pending.shift() as TapeBatch);
  }
  if (reader.finish() > 0) front.countTruncatedCapture();
  front.finish();
  pending.push(front.tape.take());
  for (const b of pending) apply(b);
  return { lines, stats: combineTapeStats(front.stats(), back.stats()), packetEvents };
}

/** Packet events on a batch (walks the events by their sizes). */
function countPackets(b: TapeBatch): number {
  let n = 0;
  for (let i = 0; i < b.n32; ) {
    const k = b.i32[i];
    if (k === TapeEvent.now) i += 1;
    else if (k === TapeEvent.flowNew) i += 24;
    else if (k === TapeEvent.flowEnd) i += 12;
    else if (k === TapeEvent.packet) {
      n++;
      i += 10 + (b.i32[i + 9] as number);
    } else if (k === TapeEvent.dns) i += 5 + (b.i32[i + 4] as number);
    else throw new Error(`unknown event ${k}`);
  }
  return n;
}

describe('two-stage sensor (tape.ts)', () => {
  it('finds the corpus captures', () => {
    expect(FILES.length).toBeGreaterThan(50);
  });

  const mirror = (vni: number) => ({ session_id: `tms-${vni}`, source_eni: 'eni-0abc' });
  const variants: [string, SensorOptions][] = [
    ['defaults', {}],
    ['a community ID seed and a VNI map', { communityIdSeed: 7, mirror }],
    ['anomaly burst 1', { anomalyBurst: 1 }],
    ['a 4-flow table (memcap evictions)', { flow: { maxFlows: 4 } }],
    ['no tunnel carriers', { logTunnelCarriers: false }],
  ];
  for (const [name, opts] of variants) {
    it(`logs what one sensor logs, line for line and in order, on every corpus capture (${name})`, () => {
      let records = 0;
      for (const f of FILES) {
        // Prepare
        const bytes = new Uint8Array(readFileSync(f));
        const one = single(bytes, opts);
        for (const [lag, dnsOnFront] of [[0, true], [3, true], [3, false]] as const) {
          // Act
          const two = staged(bytes, opts, lag, true, dnsOnFront);
          // Assess
          const how = `${f}, back ${lag} batches behind, DNS on the ${dnsOnFront ? 'front' : 'back'}`;
          expect(two.lines, how).toEqual(one.lines);
          expect(two.stats, `${how}: stats`).toEqual(one.stats);
        }
        records += one.lines.length;
      }
      expect(records).toBeGreaterThan(400);
    });
  }

  it('leaves the segments of flows the back stopped parsing off the tape, changing nothing in the output', () => {
    // Prepare: TLS 1.3 and TLS 1.2 sessions with application data after the handshake (parsing stops there)
    const files = ['suricata-verify/community-id-ipv4/input.pcap', 'suricata-verify/bug-2646-01/input.pcap'].map((f) => join(CORPUS, f));
    for (const f of files) {
      const bytes = new Uint8Array(readFileSync(f));
      // Act: the back right behind the front, with and without telling it which flows are done
      const told = staged(bytes, {}, 0, true);
      const untold = staged(bytes, {}, 0, false);
      // Assess
      expect(told.lines, f).toEqual(untold.lines);
      expect(told.stats, f).toEqual(untold.stats);
      expect(told.packetEvents, f).toBeLessThan(untold.packetEvents);
    }
  });
});
