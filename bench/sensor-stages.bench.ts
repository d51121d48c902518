/**
 * In-process throughput of the sensor by stage on the bench capture (no process start, no JSON): decode only,
 * decode + flows + UDP DNS, and the full pipeline with TCP reassembly and app parsers.
 * `node bench/sensor-stages.bench.ts [pcap]` (default: bench/out/sensor-500000.pcap made by sensor.bench.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcapReader } from '../shared/packet/pcap.ts';
import { Sensor } from '../shared/packet/sensor.ts';
import { defaultStreamParsers } from '../shared/packet/streams.ts';

const file = process.argv[2] ?? join(import.meta.dirname, 'out', 'sensor-500000.pcap');
const b = new Uint8Array(readFileSync(file));
const result: Record<string, { ms: number; pps: number; records: number }> = {};
for (const mode of (process.env.MODES ?? 'decode,flows,full').split(',')) {
  let records = 0;
  const s = new Sensor(() => {
    records++;
  }, mode === 'full' ? { streamParsers: defaultStreamParsers } : {});
  const t = performance.now();
  const r = new PcapReader(
    mode === 'decode' ? (p) => void s.dec.decodeFrame(p.data, p.off, p.off + p.capLen, p.linkType) : (p) => s.frame(p.data, p.off, p.capLen, p.linkType, p.tsMicros),
  );
  for (let o = 0; o < b.length; o += 1 << 20) r.push(b.subarray(o, o + (1 << 20)));
  s.finish();
  const ms = performance.now() - t;
  result[mode] = { ms: Math.round(ms), pps: Math.round(r.packets / (ms / 1000)), records };
}
process.stdout.write(`${JSON.stringify(result)}\n`);
