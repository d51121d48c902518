import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdSet } from '../../../shared/detect/index.ts';

describe('IdSet (capped distinct counting behind the detections)', () => {
  it('counts distinct members exactly up to the cap, whatever the order and repeats', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 600 }), fc.integer({ min: 1, max: 300 }), (ids, cap) => {
        const s = new IdSet();
        const ref = new Set<number>();
        for (const id of ids) {
          s.add(id, cap);
          if (ref.size < cap) ref.add(id);
          expect(s.size).toBe(ref.size);
        }
        expect(s.only()).toBe(ref.size === 1 ? [...ref][0] : -1);
      }),
      { numRuns: 300 },
    );
  });

  it('passes from inline members to the packed, the sorted and the hashed forms without losing or double-counting members', () => {
    for (const n of [3, 4, 5, 16, 17, 100, 256, 257, 600]) {
      const s = new IdSet();
      // descending, then ascending, then scattered repeats: every insertion position of the sorted form
      for (let id = n - 1; id >= 0; id -= 2) s.add(id * 7919, 10_000);
      for (let id = 0; id < n; id++) s.add(id * 7919, 10_000);
      for (let round = 0; round < 2; round++) for (let id = 0; id < n; id += 3) s.add(id * 7919, 10_000);
      expect(s.size, `n=${n}`).toBe(n);
      s.add(n * 7919, 10_000);
      expect(s.size, `n=${n}`).toBe(n + 1);
    }
  });

  it('ignores new members once full, and reports the only member', () => {
    const s = new IdSet();
    s.add(5, 2);
    expect(s.only()).toBe(5);
    s.add(6, 2);
    s.add(7, 2);
    expect(s.size).toBe(2);
    expect(s.only()).toBe(-1);
  });
});
