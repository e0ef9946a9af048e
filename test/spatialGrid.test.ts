/** The uniform grid against brute force. */
import { describe, expect, it } from 'vitest';
import { SpatialGrid, medianNearestNeighbourDistance } from '../numerics/spatialGrid.ts';
import { Random } from '../data/random.ts';

describe('SpatialGrid', () => {
  it('finds exactly the points within r (inclusive) of 200 random queries, as brute force does', () => {
    const rng = new Random(8);
    const n = 500;
    const x = Float64Array.from({ length: n }, () => rng.range(-50, 150));
    const y = Float64Array.from({ length: n }, () => rng.range(0, 80));
    const g = new SpatialGrid(x, y, 3);
    for (let q = 0; q < 200; q++) {
      const qx = rng.range(-60, 160);
      const qy = rng.range(-10, 90);
      const r = rng.range(0.5, 12);
      const c = g.query(qx, qy, r);
      const got = Array.from(g.resultIndex.subarray(0, c)).sort((a, b) => a - b);
      const want: number[] = [];
      for (let i = 0; i < n; i++) if ((x[i] - qx) ** 2 + (y[i] - qy) ** 2 <= r * r) want.push(i);
      expect(got).toEqual(want);
      for (let k = 0; k < c; k++) expect(g.resultD2[k]).toBeCloseTo((x[g.resultIndex[k]] - qx) ** 2 + (y[g.resultIndex[k]] - qy) ** 2, 9);
      // nearest, unlimited
      const j = g.nearest(qx, qy);
      let best = 0;
      for (let i = 1; i < n; i++) if (Math.hypot(x[i] - qx, y[i] - qy) < Math.hypot(x[best] - qx, y[best] - qy)) best = i;
      expect(Math.hypot(x[j] - qx, y[j] - qy)).toBeCloseTo(Math.hypot(x[best] - qx, y[best] - qy), 12);
    }
  });

  it('includes a point at exactly r, honours a subset, skips NaN and handles an empty set', () => {
    const g = new SpatialGrid([0, 3, NaN, 10], [0, 4, 0, 0], 1, [0, 1, 2]);
    expect(g.size).toBe(2);
    expect(g.query(0, 0, 5)).toBe(2);
    expect(g.query(0, 0, 4.999999)).toBe(1);
    expect(g.nearest(9, 0, 1)).toBe(-1); // point 3 is not in the subset
    const empty = new SpatialGrid([], [], 1);
    expect(empty.query(0, 0, 10)).toBe(0);
    expect(empty.nearest(0, 0)).toBe(-1);
    expect(() => new SpatialGrid([0], [0], 0)).toThrow(RangeError);
  });

  it('measures the spacing of a square lattice', () => {
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) {
      x.push(2.5 * i);
      y.push(2.5 * j);
    }
    expect(medianNearestNeighbourDistance(x, y)).toBeCloseTo(2.5, 12);
    expect(Number.isNaN(medianNearestNeighbourDistance([1], [1]))).toBe(true);
  });

  it('within and nearestK agree with brute force (ties by index, the excluded point left out)', () => {
    const rnd = new Random(7);
    const x = Array.from({ length: 300 }, () => rnd.uniform() * 50);
    const y = Array.from({ length: 300 }, () => rnd.uniform() * 30);
    const g = new SpatialGrid(x, y, 2);
    for (let q = 0; q < 40; q++) {
      const i = q * 7;
      const brute = x.map((_, j) => ({ index: j, d2: (x[j] - x[i]) ** 2 + (y[j] - y[i]) ** 2 })).filter((e) => e.index !== i)
        .sort((a, b) => a.d2 - b.d2 || a.index - b.index);
      const inR = g.within(x[i], y[i], 3.5, i).map((e) => e.index).sort((a, b) => a - b);
      expect(inR).toEqual(brute.filter((e) => e.d2 <= 3.5 * 3.5).map((e) => e.index).sort((a, b) => a - b));
      expect(g.nearestK(x[i], y[i], 6, Infinity, i)).toEqual(brute.slice(0, 6));
      expect(g.nearestK(x[i], y[i], 6, 1.5, i)).toEqual(brute.filter((e) => e.d2 <= 2.25).slice(0, 6));
    }
  });
});
