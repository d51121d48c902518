/**
 * behavesLikeADecoder(): the contract every layer decoder (and the whole-packet decoder) must keep.
 * - an empty buffer, every prefix of a valid packet and random bytes give anomalies, never exceptions;
 * - nothing is read outside [off, end) (a Proxy records every index read);
 * - a reused DecodeResult gives the same result as a fresh one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAnomalyCode } from '../../../shared/packet/anomalies.ts';
import { DecodeResult } from '../../../shared/packet/result.ts';

export type DecodeFn = (buf: Uint8Array, off: number, end: number, r: DecodeResult) => number;

/** Places `bytes` at offset 7 of a larger buffer whose other bytes are 0xEE, and watches every indexed read. */
export function guarded(bytes: Uint8Array): { buf: Uint8Array; off: number; end: number; reads: number[] } {
  const backing = new Uint8Array(bytes.length + 14).fill(0xee);
  backing.set(bytes, 7);
  const reads: number[] = [];
  const buf = new Proxy(backing, {
    get(target, prop, _recv) {
      if (typeof prop === 'string' && /^\d+$/.test(prop)) reads.push(Number(prop));
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { buf, off: 7, end: 7 + bytes.length, reads };
}

function checkOnce(decode: DecodeFn, bytes: Uint8Array): { ret: number; snap: ReturnType<DecodeResult['snapshot']> } {
  const g = guarded(bytes);
  const r = new DecodeResult();
  let ret = 0;
  expect(() => {
    ret = decode(g.buf, g.off, g.end, r);
  }).not.toThrow();
  for (const i of g.reads) {
    if (i < g.off || i >= g.end) throw new Error(`read at ${i - g.off} outside [0, ${g.end - g.off})`);
  }
  expect(ret === -1 || (ret >= g.off && ret <= g.end)).toBe(true);
  const snap = r.snapshot();
  for (const a of snap.anomalies) expect(isAnomalyCode(a)).toBe(true);
  if (ret === -1) expect(snap.anomalies.length).toBeGreaterThan(0);
  return { ret, snap };
}

export function behavesLikeADecoder(name: string, decode: DecodeFn, valid: Uint8Array[], opts: { runs?: number } = {}): void {
  describe(`${name} (decoder contract)`, () => {
    it('returns -1 with an anomaly on an empty buffer', () => {
      const { ret, snap } = checkOnce(decode, new Uint8Array(0));
      expect(ret).toBe(-1);
      expect(snap.anomalies.length).toBeGreaterThan(0);
    });

    it('decodes every prefix of a valid packet without throwing or reading outside [off, end)', () => {
      for (const v of valid) {
        for (let n = 0; n <= v.length; n++) checkOnce(decode, v.subarray(0, n));
      }
    });

    it('decodes random bytes into anomalies, never exceptions', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 128 }), (b) => {
          checkOnce(decode, b);
        }),
        { numRuns: opts.runs ?? 500 },
      );
    });

    it('decodes random mutations of the valid packets safely', () => {
      fc.assert(
        fc.property(fc.nat(valid.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), (vi, muts) => {
          const v = Uint8Array.from(valid[vi] as Uint8Array);
          for (const [i, val] of muts) if (v.length > 0) v[i % v.length] = val;
          checkOnce(decode, v);
        }),
        { numRuns: opts.runs ?? 500 },
      );
    });

    it('gives identical results with a reused DecodeResult', () => {
      const shared = new DecodeResult();
      const noise = Uint8Array.from({ length: 40 }, (_, i) => (i * 37) & 0xff);
      for (const v of valid) {
        const fresh = new DecodeResult();
        const a = decode(v, 0, v.length, fresh);
        decode(noise, 0, noise.length, shared);
        shared.reset();
        const b = decode(v, 0, v.length, shared);
        expect(b).toBe(a);
        expect(shared.snapshot()).toEqual(fresh.snapshot());
      }
    });
  });
}
