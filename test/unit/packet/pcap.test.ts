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

/** A hand-built little-endian pcapng: SHB, IDB (optional if_tsresol), then the given blocks. */
function block(type: number, body: number[]): number[] {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  return [...le32(type), ...le32(len), ...body, ...new Array<number>(pad).fill(0), ...le32(len)];
}
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const le16 = (v: number) => [v & 0xff, (v >>> 8) & 0xff];
const shb = () => block(0x0a0d0d0a, [...le32(0x1a2b3c4d), ...le16(1), ...le16(0), ...le32(0xffffffff), ...le32(0xffffffff)]);
const idb = (linkType: number, tsresol?: number) =>
  block(1, [...le16(linkType), 0, 0, ...le32(65535), ...(tsresol === undefined ? [] : [...le16(9), ...le16(1), tsresol, 0, 0, 0, ...le16(0), ...le16(0)])]);
const epb = (iface: number, ts: number, data: number[]) =>
  block(6, [...le32(iface), ...le32(Math.floor(ts / 2 ** 32)), ...le32(ts % 2 ** 32), ...le32(data.length), ...le32(data.length), ...data]);

describe('PcapReader (pcapng details)', () => {
  it('honours if_tsresol (nanoseconds), reads simple packet blocks and skips other blocks', () => {
    const bytes = Uint8Array.from([
      ...shb(),
      ...idb(101, 9),
      ...epb(0, 1_500_000_000_123_456_789, [0x45, 1, 2]),
      ...block(5, [1, 2, 3, 4]), // interface statistics: skipped
      ...block(3, [...le32(2), 0x60, 0x00]), // simple packet block, interface 0
    ]);
    const got: { ts: number; hex: string; lt: number }[] = [];
    const r = new PcapReader((p) => got.push({ ts: p.tsMicros, hex: Buffer.from(p.data.subarray(p.off, p.off + p.capLen)).toString('hex'), lt: p.linkType }));
    r.push(bytes);
    expect(r.finish()).toBe(0);
    expect(got).toEqual([
      { ts: 1_500_000_000_123_456, hex: '450102', lt: 101 },
      { ts: 0, hex: '6000', lt: 101 },
    ]);
    expect(r.skippedBlocks).toBe(1);
    expect(r.fileLinkType).toBe(101);
  });

  it.each([
    ['a packet before any interface', () => [...shb(), ...epb(0, 1, [1])], 'pcapng packet refers to unknown interface 0'],
    ['a bad byte-order magic', () => [...block(0x0a0d0d0a, [...le32(0x12345678), 0, 0, 0, 0]), 0, 0, 0, 0], 'pcapng section header has a bad byte-order magic'],
    ['a bad block length', () => [...shb(), ...le32(1), ...le32(13), 0, 0, 0, 0, 0], 'pcapng block of type 1 has a bad length 13'],
    ['packet data past its block', () => [...shb(), ...idb(1), ...block(6, [...le32(0), ...le32(0), ...le32(0), ...le32(99), ...le32(99), 1, 2, 3, 4])], 'pcapng packet data runs past its block'],
    ['a simple packet before any interface', () => [...shb(), ...block(3, [...le32(1), 0])], 'pcapng simple packet block before any interface'],
  ])('throws PcapFormatError for %s', (_name, make, message) => {
    const r = new PcapReader(() => {});
    expect(() => r.push(Uint8Array.from(make()))).toThrow(new PcapFormatError(message));
  });

  it('throws for a classic record that claims an absurd length, and for a short non-capture at finish', () => {
    const b = writePcap(1, [{ tsSec: 1, tsUsec: 0, origLen: 4, data: Uint8Array.from([1, 2, 3, 4]) }]);
    new DataView(b.buffer).setUint32(24 + 8, 0x7fffffff, true);
    expect(() => new PcapReader(() => {}).push(b)).toThrow(/claims 2147483647 bytes/);
    const r = new PcapReader(() => {});
    r.push(Uint8Array.from([1, 2]));
    expect(() => r.finish()).toThrow(new PcapFormatError('not a pcap or pcapng file (short header)'));
  });
});
