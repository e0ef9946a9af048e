/**
 * numerics/select.ts: the k-th smallest by quickselect equals the sorted array's k-th value, on random
 * ranges with ties, and only the range is reordered.
 */
import { describe, expect, it } from 'vitest';
import { selectInPlace } from '../numerics/select.ts';
import { Random } from '../data/random.ts';

describe('selectInPlace', () => {
  it('gives the value at rank k of the sorted range, with ties, for every k of random ranges', () => {
    const rng = new Random(7);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rng.uniform() * 40);
      const base = Float64Array.from({ length: n }, () => Math.floor(rng.uniform() * 10) + (trial % 2 ? rng.uniform() : 0));
      const lo = Math.floor(rng.uniform() * n);
      const hi = lo + 1 + Math.floor(rng.uniform() * (n - lo));
      const sorted = Array.from(base.subarray(lo, hi)).sort((a, b) => a - b);
      for (let k = lo; k < hi; k++) {
        const a = base.slice();
        expect(selectInPlace(a, lo, hi, k)).toBe(sorted[k - lo]);
        // outside the range nothing moves; inside, the same multiset
        for (let i = 0; i < n; i++) if (i < lo || i >= hi) expect(a[i]).toBe(base[i]);
        expect(Array.from(a.subarray(lo, hi)).sort((x, y) => x - y)).toEqual(sorted);
      }
    }
  });
});
