/**
 * numerics/select.ts: the k-th smallest by quickselect equals the sorted array's k-th value, on random
 * ranges with ties, and only the range is reordered; the radix selection on float32 arrays equals
 * Float32Array.prototype.sort's k-th value (negatives, signed zeros, infinities, NaN, subnormals, ties).
 */
import { describe, expect, it } from 'vitest';
import { selectFloat32, selectInPlace } from '../numerics/select.ts';
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

describe('selectFloat32', () => {
  it('gives Float32Array.prototype.sort\'s value at every rank, and leaves the array as it was', () => {
    const rng = new Random(11);
    const specials = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 3.4e38, -3.4e38, 1, -1];
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + Math.floor(rng.uniform() * 300);
      const v = Float32Array.from({ length: n }, () => {
        const u = rng.uniform();
        if (u < 0.1) return specials[Math.floor(rng.uniform() * specials.length)];
        if (u < 0.4) return Math.floor(rng.uniform() * 5) - 2; // ties
        return (rng.uniform() - 0.5) * 10 ** Math.floor(rng.uniform() * 12 - 6);
      });
      const before = Float32Array.from(v);
      const sorted = Float32Array.from(v).sort();
      for (let k = 0; k < n; k++) expect(Object.is(selectFloat32(v, k), sorted[k]), `trial ${trial}, k ${k}: ${selectFloat32(v, k)} vs ${sorted[k]}`).toBe(true);
      expect(Array.from(v)).toEqual(Array.from(before));
    }
    // a view into a larger buffer reads only its own values
    const big = Float32Array.from([9, 3, 1, 2, 8]);
    expect(selectFloat32(big.subarray(1, 4), 0)).toBe(1);
    expect(selectFloat32(big.subarray(1, 4), 2)).toBe(3);
    expect(() => selectFloat32(big, 5)).toThrow(RangeError);
    expect(() => selectFloat32(big, 1.5)).toThrow(RangeError);
  });

  it('equals selectInPlace on the float64 copy of a frame without NaN (the values it replaces)', () => {
    const rng = new Random(3);
    const f = Float32Array.from({ length: 20000 }, () => 100 * rng.normal());
    for (const k of [0, 1000, 10000, 19999]) expect(selectFloat32(f, k)).toBe(selectInPlace(Float64Array.from(f), 0, f.length, k));
  });
});
