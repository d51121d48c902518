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

  it('passes from the packed array to the hash table without losing or double-counting members', () => {
    const s = new IdSet();
    for (let round = 0; round < 3; round++) for (let id = 0; id < 100; id++) s.add(id * 7919, 1000);
    expect(s.size).toBe(100);
    s.add(0, 1000);
    s.add(100 * 7919, 1000);
    expect(s.size).toBe(101);
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
