import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnomalyCode } from '../../../shared/packet/anomalies.ts';
import { ReassemblyBudget, TcpStream } from '../../../shared/packet/reassembly.ts';
import { ascii } from '../../helpers/pcap-build.ts';

function harness(opts?: { depth: number; maxHeldPerDir: number; maxSegmentsPerDir: number }, budget = new ReassemblyBudget()) {
  const out: string[] = ['', ''];
  const gaps: number[][] = [[], []];
  const anomalies: AnomalyCode[] = [];
  const s = new TcpStream(
    {
      feed: (dir, buf, off, end) => {
        out[dir] += new TextDecoder().decode(buf.subarray(off, end));
      },
      gap: (dir, len) => gaps[dir]?.push(len),
    },
    (c) => anomalies.push(c),
    budget,
    opts,
  );
  const seg = (dir: 0 | 1, seq: number, text: string, flags = 0x18) => {
    const b = ascii(text);
    s.segment(dir, seq, flags, b, 0, b.length);
  };
  return { s, out, gaps, anomalies, seg, budget };
}

describe('TcpStream', () => {
  it('delivers in-order data after the SYN (seq + 1)', () => {
    const h = harness();
    h.seg(0, 1000, '', 0x02);
    h.seg(0, 1001, 'hello ');
    h.seg(0, 1007, 'world');
    expect(h.out[0]).toBe('hello world');
  });

  it('reorders out-of-order segments and drops retransmissions', () => {
    const h = harness();
    h.seg(0, 99, '', 0x02);
    h.seg(0, 106, 'world');
    h.seg(0, 100, 'hello ');
    h.seg(0, 100, 'hello ');
    h.seg(0, 103, 'lo wo');
    expect(h.out[0]).toBe('hello world');
    expect(h.anomalies).toEqual([]);
    expect(h.budget.used).toBe(0);
  });

  it('handles sequence wrap-around', () => {
    const h = harness();
    h.seg(1, 0xfffffffd, 'abc');
    h.seg(1, 0, 'def');
    expect(h.out[1]).toBe('abcdef');
  });

  it('joins mid-stream without a SYN (late mirror start, one-sided capture)', () => {
    const h = harness();
    h.seg(1, 555555, 'HTTP/1.1 200 OK\r\n');
    expect(h.out).toEqual(['', 'HTTP/1.1 200 OK\r\n']);
  });

  it('flags stream.overlap_different and keeps the first copy', () => {
    const h = harness();
    h.seg(0, 0, '', 0x02);
    h.seg(0, 10, 'AAAA');
    h.seg(0, 10, 'BBBB');
    h.seg(0, 1, '123456789');
    expect(h.out[0]).toBe('123456789AAAA');
    expect(h.anomalies).toEqual(['stream.overlap_different']);
  });

  it('declares a gap when the held bytes pass the per-direction bound, and resyncs', () => {
    const h = harness({ depth: 1 << 20, maxHeldPerDir: 8, maxSegmentsPerDir: 64 });
    h.seg(0, 0, '', 0x02);
    h.seg(0, 1, 'ab');
    h.seg(0, 10, 'xxxx'); // hole [3, 10)
    h.seg(0, 14, 'yyyyyy'); // 10 bytes held > 8: give up on the hole
    expect(h.out[0]).toBe('abxxxxyyyyyy');
    expect(h.gaps[0]).toEqual([7]);
    expect(h.anomalies).toEqual(['stream.gap']);
  });

  it('delivers held data across holes at finish()', () => {
    const h = harness();
    h.seg(0, 0, 'ab');
    h.seg(0, 5, 'cd');
    h.s.finish();
    expect(h.out[0]).toBe('abcd');
    expect(h.gaps[0]).toEqual([3]);
  });

  it('stops at the reassembly depth and says so once', () => {
    const h = harness({ depth: 5, maxHeldPerDir: 100, maxSegmentsPerDir: 10 });
    h.seg(0, 0, 'abc');
    h.seg(0, 3, 'defg');
    h.seg(0, 7, 'hij');
    expect(h.out[0]).toBe('abcde');
    expect(h.anomalies).toEqual(['stream.depth_reached']);
  });

  it('respects the global memcap', () => {
    const budget = new ReassemblyBudget(4);
    const h = harness(undefined, budget);
    h.seg(0, 0, 'a');
    h.seg(0, 10, 'bbbbbb');
    expect(h.anomalies).toEqual(['stream.memcap_reached', 'stream.gap']);
    expect(h.out[0]).toBe('abbbbbb');
    expect(budget.used).toBe(0);
  });

  it('reassembles any permutation of segments (with duplicates) into the original stream', () => {
    const text = 'The quick brown fox jumps over the lazy dog, twice over.';
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 20 }), fc.infiniteStream(fc.nat()), (cuts, rnd) => {
        const segs: [number, string][] = [];
        let o = 0;
        for (const c of cuts) {
          if (o >= text.length) break;
          segs.push([o, text.slice(o, o + c)]);
          o += c;
        }
        if (o < text.length) segs.push([o, text.slice(o)]);
        const it = rnd[Symbol.iterator]();
        const order = [...segs, ...segs.filter((_, i) => i % 3 === 0)];
        for (let i = order.length - 1; i > 0; i--) {
          const j = (it.next().value as number) % (i + 1);
          [order[i], order[j]] = [order[j] as [number, string], order[i] as [number, string]];
        }
        const h = harness();
        h.seg(0, 4999, '', 0x02);
        for (const [so, t] of order) h.seg(0, 5000 + so, t);
        h.s.finish();
        expect(h.out[0]).toBe(text);
        expect(h.gaps[0]).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
