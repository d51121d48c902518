import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapFormatError, PcapReader } from '../../../shared/packet/pcap.ts';
import { readPcap, writePcap } from '../../helpers/pcap.ts';

const CORPUS = join(import.meta.dirname, '../../../../shared/corpus');
const files = [
  'suricata-verify/vxlan-decoder-03/vxlan.pcap',
  'suricata-verify/http-async-cli/input.pcap',
  'suricata-verify/dns-udp-eve-log-srv/input.pcap',
  'vxlan/zeek/geneve-vxlan-dns-truncated.pcap',
];

interface Got {
  ts: number;
  len: number;
  orig: number;
  lt: number;
  hex: string;
}

function readAll(bytes: Uint8Array, chunk: number): Got[] {
  const got: Got[] = [];
  const r = new PcapReader((p) => {
    got.push({ ts: p.tsMicros, len: p.capLen, orig: p.origLen, lt: p.linkType, hex: Buffer.from(p.data.subarray(p.off, p.off + p.capLen)).toString('hex') });
  });
  for (let o = 0; o < bytes.length; o += chunk) r.push(bytes.subarray(o, o + chunk));
  expect(r.finish()).toBe(0);
  return got;
}

function oracle(path: string): Got[] {
  const f = readPcap(path);
  return f.records.map((x) => ({ ts: x.tsSec * 1e6 + x.tsUsec, len: x.data.length, orig: x.origLen, lt: f.linkType, hex: Buffer.from(x.data).toString('hex') }));
}

const tshark = (() => {
  try {
    execFileSync('editcap', ['-h'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('PcapReader', () => {
  it.each(files)('reads classic pcap %s like the test oracle, whatever the chunk size', (f) => {
    const path = join(CORPUS, f);
    const want = oracle(path);
    const bytes = new Uint8Array(readFileSync(path));
    expect(readAll(bytes, 1 << 20)).toEqual(want);
    expect(readAll(bytes, 7)).toEqual(want);
    expect(readAll(bytes, 1)).toEqual(want);
  });

  it.runIf(tshark).each(files)('reads the pcapng and nanosecond-pcap conversions of %s (editcap) identically', (f) => {
    const path = join(CORPUS, f);
    const want = oracle(path);
    const dir = mkdtempSync(join(tmpdir(), 'pcapng-'));
    for (const fmt of ['pcapng', 'nsecpcap']) {
      const out = join(dir, `x.${fmt}`);
      execFileSync('editcap', ['-F', fmt, path, out]);
      expect(readAll(new Uint8Array(readFileSync(out)), 4096)).toEqual(want);
    }
  });

  it('reads a big-endian pcap', () => {
    const le = writePcap(101, [{ tsSec: 5, tsUsec: 6, origLen: 3, data: Uint8Array.from([0x45, 0, 0]) }]);
    const be = Uint8Array.from(le);
    const dv = new DataView(be.buffer);
    const sdv = new DataView(le.buffer);
    dv.setUint32(0, 0xa1b2c3d4, false);
    dv.setUint16(4, 2, false);
    dv.setUint16(6, 4, false);
    for (const o of [16, 20, 24, 28, 32, 36]) dv.setUint32(o, sdv.getUint32(o, true), false);
    expect(readAll(be, 5)).toEqual([{ ts: 5000006, len: 3, orig: 3, lt: 101, hex: '450000' }]);
  });

  it('throws PcapFormatError naming the magic for a non-capture', () => {
    const r = new PcapReader(() => {});
    expect(() => r.push(new TextEncoder().encode('hello, this is not a pcap file'))).toThrow(new PcapFormatError('not a pcap or pcapng file (magic 0x68656c6c)'));
  });

  it('reports the dangling bytes of a cut file', () => {
    const bytes = new Uint8Array(readFileSync(join(CORPUS, files[0] as string)));
    const r = new PcapReader(() => {});
    r.push(bytes.subarray(0, bytes.length - 10));
    expect(r.finish()).toBeGreaterThan(0);
  });
});
