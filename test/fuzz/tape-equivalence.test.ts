/**
 * Fuzzing the two-stage sensor (shared/packet/tape.ts) against the one-thread sensor: the same stream of mutated
 * corpus packets (broken headers, truncations, odd link types, time jumps that expire flows, a tiny flow table
 * that evicts) must give the same records, in the same order, and the same stats, whichever stage decodes DNS and
 * however far the front runs ahead. Seeded (FUZZ_SEED) so a failure can be replayed.
 */
import { describe, expect, it } from 'vitest';
import { Sensor, type SensorOptions, combineTapeStats } from '../../shared/packet/sensor.ts';
import { defaultStreamParsers } from '../../shared/packet/streams.ts';
import { SensorFront, type TapeBatch, UNPARSED_SLOTS } from '../../shared/packet/tape.ts';
import { readPcap } from '../helpers/pcap.ts';
import { corpus } from '../helpers/pcap-sensor.ts';

const SOURCES = [
  'suricata-verify/vxlan-decoder-03/vxlan.pcap',
  'vxlan/zeek/vxlan-encapsulated-http.pcap',
  'vxlan/zeek/geneve-vxlan-dns-truncated.pcap',
  'suricata-verify/bug-814/input.pcap',
  'suricata-verify/tls-ja3s/input.pcap',
  'suricata-verify/community-id-ipv4/input.pcap',
  'suricata-verify/dns-udp-eve-txt/input.pcap',
  'suricata-verify/dns-udp-eve-log-srv/input.pcap',
  'suricata-verify/http-all-headers/input.pcap',
];

const frames: { data: Uint8Array; linkType: number }[] = [];
for (const s of SOURCES) {
  const f = readPcap(corpus(s));
  for (const r of f.records) frames.push({ data: r.data, linkType: f.linkType });
}

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 0x7a9e);
const PACKETS = Number(process.env.FUZZ_TAPE_PACKETS ?? 20_000);

/** The mutated packet stream: every call yields the same stream for a seed. */
function* stream(seed: number, count: number): Generator<{ data: Uint8Array; len: number; linkType: number; ts: number }> {
  const rnd = xorshift(seed);
  let ts = 1_600_000_000e6;
  for (let i = 0; i < count; i++) {
    const f = frames[rnd() % frames.length] as (typeof frames)[number];
    const data = f.data.slice();
    let len = data.length;
    // a third of the packets are left intact, so flows and app parsers get far
    if (rnd() % 3 !== 0) {
      const flips = 1 + (rnd() & 3);
      for (let k = 0; k < flips; k++) data[rnd() % Math.min(len, 128)] = rnd() & 0xff;
      if ((rnd() & 3) === 0) len = rnd() % (len + 1);
    }
    // mostly small steps; now and then a jump past the flow timeouts
    ts += rnd() % 64 === 0 ? 700_000_000 : rnd() % 50_000;
    yield { data, len, linkType: rnd() % 32 === 0 ? ([0, 1, 101, 113][rnd() % 4] as number) : f.linkType, ts };
  }
}

describe('fuzz: the two-stage sensor against one thread', () => {
  const variants: [string, SensorOptions][] = [
    ['defaults', {}],
    ['a 16-flow table and an anomaly burst of 1', { flow: { maxFlows: 16 }, anomalyBurst: 1, communityIdSeed: 3 }],
  ];
  for (const [name, opts] of variants) {
    it(`logs the same records and stats on ${PACKETS} mutated packets (seed ${SEED}, ${name})`, () => {
      // Prepare / Act: one thread
      const one: string[] = [];
      const single = new Sensor((r) => one.push(JSON.stringify(r)), { streamParsers: defaultStreamParsers, ...opts });
      for (const p of stream(SEED, PACKETS)) single.frame(p.data, 0, p.len, p.linkType, p.ts);
      single.finish();
      for (const [lag, dnsOnFront] of [[0, true], [5, false]] as const) {
        // Act: two stages, the back `lag` batches behind
        const two: string[] = [];
        const unparsed = new Int32Array(UNPARSED_SLOTS).fill(-1);
        const back = new Sensor((r) => two.push(JSON.stringify(r)), { streamParsers: defaultStreamParsers, ...opts });
        const text = new TextDecoder();
        back.useTape(unparsed, (b, off, len) => two.push(text.decode(b.subarray(off, off + len))));
        const front = new SensorFront({ parseTcp: true, unparsed, flow: opts.flow, dns: dnsOnFront ? { seed: opts.communityIdSeed } : null });
        const pending: TapeBatch[] = [];
        let n = 0;
        for (const p of stream(SEED, PACKETS)) {
          front.frame(p.data, 0, p.len, p.linkType, p.ts);
          if (++n % 97 === 0 && !front.tape.empty) pending.push(front.tape.take());
          while (pending.length > lag) back.applyTape(pending.shift() as TapeBatch);
        }
        front.finish();
        pending.push(front.tape.take());
        for (const b of pending) back.applyTape(b);
        // Assess
        const how = `back ${lag} batches behind, DNS on the ${dnsOnFront ? 'front' : 'back'}`;
        expect(two.length, how).toBe(one.length);
        expect(two, how).toEqual(one);
        expect(combineTapeStats(front.stats(), back.stats()), how).toEqual(single.stats());
      }
      expect(one.length).toBeGreaterThan(1000);
      expect(single.stats().internal_errors).toBe(0);
    });
  }
});
