/**
 * UDP sender for bench/sensor-udp.bench.ts: sends `count` VXLAN datagrams (real corpus frames wrapped as Traffic
 * Mirroring does) to 127.0.0.1:<port> at `rate` datagrams/s, paced per millisecond; prints {"sent": n}.
 * Usage: node bench/sensor-udp-send.ts <port> <rate> <count>
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [port, rate, count] = process.argv.slice(2).map(Number) as [number, number, number];
const CORPUS = join(import.meta.dirname, '../../shared/corpus');
const frames: Buffer[] = [];
for (const f of ['suricata-verify/bug-130/input.pcap', 'suricata-verify/dns-udp-eve-txt/input.pcap', 'suricata-verify/community-id-ipv4/input.pcap']) {
  const b = readFileSync(join(CORPUS, f));
  let o = 24;
  while (o + 16 <= b.length) {
    const len = b.readUInt32LE(o + 8);
    const inner = b.subarray(o + 16, o + 16 + len);
    frames.push(Buffer.concat([Buffer.from([0x08, 0, 0, 0, 0, 0x10, 0x01, 0]), inner]));
    o += 16 + len;
  }
}
const sock = createSocket('udp4');
let sent = 0;
const perMs = Math.max(1, Math.round(rate / 1000));
const start = performance.now();
function burst(): void {
  const due = Math.min(count, Math.floor((performance.now() - start) * (rate / 1000)) + perMs);
  while (sent < due) {
    sock.send(frames[sent % frames.length] as Buffer, port, '127.0.0.1');
    sent++;
  }
  if (sent < count) setTimeout(burst, 1);
  else setTimeout(() => {
    process.stdout.write(`${JSON.stringify({ sent, seconds: (performance.now() - start) / 1000 })}\n`);
    sock.close();
  }, 200);
}
burst();
