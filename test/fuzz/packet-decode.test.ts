/**
 * Fuzzing the sensor with mutated real packets (corpus captures): ≥ 100k per run through the whole pipeline
 * (decode, flows, reassembly, app parsers). Never an exception (the sensor's last-resort catch counts
 * internal.decoder_exception, which must stay 0), never an unknown anomaly code, never a hang (a time budget).
 * The mutation stream is seeded (FUZZ_SEED), so a failure can be replayed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAnomalyCode } from '../../shared/packet/anomalies.ts';
import { PacketDecoder } from '../../shared/packet/decode.ts';
import { Sensor } from '../../shared/packet/sensor.ts';
import { defaultStreamParsers } from '../../shared/packet/streams.ts';
import { readPcap } from '../helpers/pcap.ts';
import { corpus } from '../helpers/pcap-sensor.ts';

const SOURCES = [
  'suricata-verify/vxlan-decoder-03/vxlan.pcap',
  'vxlan/zeek/vxlan-encapsulated-http.pcap',
  'vxlan/zeek/geneve-vxlan-dns-truncated.pcap',
  'vxlan/zeek/vxlan-triple-v2.pcap',
  'suricata-verify/bug-814/input.pcap',
  'suricata-verify/tls-ja3s/input.pcap',
  'suricata-verify/dns-udp-eve-txt/input.pcap',
  'suricata-verify/bug-6887-defrag-eth-vlan-ipv6-tcp/frag-eth-vlan-ipv6-tcp.pcap',
  'suricata-verify/dns-udp-eve-log-srv/input.pcap',
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

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const RUNS = Number(process.env.FUZZ_RUNS ?? 120_000);

describe('fuzz: mutated corpus packets through the sensor', () => {
  it(`survives ${RUNS} mutated packets (seed ${SEED}) with no exception and only known anomalies`, () => {
    const rnd = xorshift(SEED);
    const sensor = new Sensor(() => {}, { streamParsers: defaultStreamParsers, anomalyBurst: 1 });
    const scratch = new Uint8Array(70_000);
    const started = performance.now();
    let ts = 1_600_000_000e6;
    for (let i = 0; i < RUNS; i++) {
      const f = frames[rnd() % frames.length] as (typeof frames)[number];
      let len = f.data.length;
      scratch.set(f.data);
      const kind = rnd() & 7;
      const flips = 1 + (rnd() & 3);
      for (let k = 0; k < flips; k++) {
        // bias mutations toward the headers, where the decoders branch
        const pos = kind < 5 ? rnd() % Math.min(len, 128) : rnd() % len;
        scratch[pos] = kind === 3 ? 0xff : kind === 4 ? 0 : rnd() & 0xff;
      }
      if ((rnd() & 3) === 0) len = rnd() % (len + 1); // truncation, as a mirror PacketLength does
      ts += rnd() % 2_000_000;
      sensor.frame(scratch, 0, len, rnd() % 16 === 0 ? [0, 1, 101, 113, 228, 229, 276][rnd() % 7] as number : f.linkType, ts);
    }
    sensor.finish();
    const ms = performance.now() - started;
    const st = sensor.stats();
    // Assess
    expect(st.internal_errors).toBe(0);
    expect(st.packets).toBe(RUNS);
    for (const code of Object.keys(st.anomalies)) expect(isAnomalyCode(code)).toBe(true);
    expect(Object.keys(st.anomalies).length).toBeGreaterThan(10); // the mutations really reach the error paths
    expect(ms).toBeLessThan(30_000);
  });

  it('decodes arbitrary splices of corpus packets without throwing (fast-check, shrinkable)', () => {
    const d = new PacketDecoder();
    fc.assert(
      fc.property(fc.nat(frames.length - 1), fc.nat(), fc.uint8Array({ maxLength: 64 }), fc.nat(), (fi, cut, insert, at) => {
        const f = frames[fi] as (typeof frames)[number];
        const c = cut % (f.data.length + 1);
        const a = at % (c + 1);
        const b = new Uint8Array(c + insert.length);
        b.set(f.data.subarray(0, a));
        b.set(insert, a);
        b.set(f.data.subarray(a, c), a + insert.length);
        const r = d.decodeFrame(b, 0, b.length, f.linkType);
        for (let i = 0; i < r.anomalyCount; i++) expect(isAnomalyCode(r.anomalies[i] as string)).toBe(true);
        expect(d.payloadOff + d.payloadLen).toBeLessThanOrEqual(b.length);
      }),
      { numRuns: 3000, seed: SEED },
    );
  });
});
