/**
 * Generates a realistic VPC Flow Logs S3 object (.log.gz with a header line) for benchmarks: a v5 custom format,
 * a pool of ENIs and peers so enrichment caches behave as in production, ~1% NODATA/SKIPDATA.
 */
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

export const BENCH_FORMAT =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id flow-direction traffic-path';

/** xorshift32: deterministic, fast */
function rng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

export async function generateFlowLog(path: string, lines: number, seed = 7): Promise<void> {
  const r = rng(seed);
  const enis = Array.from({ length: 200 }, (_, i) => ({
    eni: `eni-${(0x1000000000000 + i * 7919).toString(16).padStart(17, '0')}`,
    ip: `10.${(i >> 8) & 255}.${i & 255}.${10 + (i % 200)}`,
    inst: `i-${(0x2000000000000 + i * 104729).toString(16).padStart(17, '0')}`,
    subnet: `subnet-${(0x3000000 + (i % 8)).toString(16).padStart(17, '0')}`,
  }));
  const peers = Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? `10.${i % 250}.${(i * 7) % 250}.${(i * 13) % 250}` : `${20 + (i % 200)}.${(i * 7) % 256}.${(i * 13) % 256}.${(i * 17) % 256}`));
  const ports = [443, 80, 22, 53, 3306, 5432, 8080, 6379];
  const t0 = 1_700_000_000;
  function* gen() {
    yield `${BENCH_FORMAT}\n`;
    let buf = '';
    for (let i = 0; i < lines; i++) {
      const e = enis[Math.floor(r() * enis.length)]!;
      const start = t0 + Math.floor((i / lines) * 600);
      let line: string;
      if (r() < 0.01) {
        line = `5 123456789012 ${e.eni} - - - - - - - ${start} ${start + 60} - ${r() < 0.5 ? 'NODATA' : 'SKIPDATA'} vpc-0abc1234def567890 ${e.subnet} ${e.inst} - - - - us-east-1 use1-az1 - -`;
      } else {
        const peer = peers[Math.floor(r() * peers.length)]!;
        const egress = r() < 0.5;
        const [src, dst] = egress ? [e.ip, peer] : [peer, e.ip];
        const port = ports[Math.floor(r() * ports.length)]!;
        const eph = 1024 + Math.floor(r() * 60000);
        const [sp, dp] = egress ? [eph, port] : [eph, port];
        const proto = port === 53 ? 17 : 6;
        const pk = 1 + Math.floor(r() * 2000);
        line = `5 123456789012 ${e.eni} ${src} ${dst} ${sp} ${dp} ${proto} ${pk} ${pk * (40 + Math.floor(r() * 1400))} ${start} ${start + 60} ${r() < 0.05 ? 'REJECT' : 'ACCEPT'} OK vpc-0abc1234def567890 ${e.subnet} ${e.inst} ${proto === 6 ? [2, 18, 19, 3, 1][Math.floor(r() * 5)] : 0} IPv4 ${src} ${dst} us-east-1 use1-az1 ${egress ? 'egress' : 'ingress'} ${egress ? 8 : '-'}`;
      }
      buf += `${line}\n`;
      if (buf.length > 1 << 20) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  await pipeline(Readable.from(gen()), createGzip({ level: 6 }), createWriteStream(path));
}
