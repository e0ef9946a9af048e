import { describe, expect, it } from 'vitest';
import { localCrystallography } from '../analytics/crystallography.ts';
import { adjustedRandIndex } from '../evaluation/adjustedRandIndex.ts';
import { Random } from '../data/random.ts';

/**
 * A tetragonally distorted lattice (a = 10 px, c = 11.5 px) with two ferroelastic variants: c along
 * y left of x = 200, c along x right of it (a 90° a/c domain wall), positions jittered by 0.1 px (sub-pixel fits).
 */
function twoVariants(seed = 4): { xs: number[]; ys: number[]; variant: number[] } {
  const rng = new Random(seed);
  const xs: number[] = [], ys: number[] = [], variant: number[] = [];
  const add = (x: number, y: number, v: number) => {
    xs.push(x + 0.1 * rng.normal());
    ys.push(y + 0.1 * rng.normal());
    variant.push(v);
  };
  for (let x = 5; x < 200; x += 10) for (let y = 5; y < 300; y += 11.5) add(x, y, 0);
  for (let x = 205; x < 400; x += 11.5) for (let y = 5; y < 300; y += 10) add(x, y, 1);
  return { xs, ys, variant };
}

describe('local crystallography (analytics/crystallography.ts)', () => {
  for (const method of ['kmeans', 'pca', 'gmm'] as const) {
    for (const order of ['angle', 'distance'] as const) {
      it(`${method}, neighbours by ${order}: separates two ferroelastic variants (ARI >= 0.9)`, () => {
        const { xs, ys, variant } = twoVariants();
        const r = localCrystallography(xs, ys, { neighbours: 4, classes: 2, method, order, seed: 1 });
        const kept = r.atoms.map((a, i) => i).filter((i) => r.atoms[i].label >= 0);
        expect(kept.length).toBeGreaterThan(0.75 * xs.length); // the outer rows and the wall
        expect(adjustedRandIndex(kept.map((i) => r.atoms[i].label), kept.map((i) => variant[i]))).toBeGreaterThanOrEqual(0.9);
      });
    }
  }

  it('class statistics give the lattice constants and directions of each variant', () => {
    const { xs, ys } = twoVariants();
    const r = localCrystallography(xs, ys, { neighbours: 4, classes: 2, order: 'angle', seed: 1 });
    expect(r.nearestNeighbourDistance).toBeGreaterThan(9);
    expect(r.nearestNeighbourDistance).toBeLessThan(10.6);
    for (const c of r.classes) {
      const d = c.slots.map((s) => s.meanDistance).sort((a, b) => a - b);
      // two neighbours at a = 10 and two at c = 11.5, within the jitter
      expect(d[0]).toBeCloseTo(10, 0);
      expect(d[1]).toBeCloseTo(10, 0);
      expect(d[2]).toBeCloseTo(11.5, 0);
      expect(d[3]).toBeCloseTo(11.5, 0);
      // slots are the four directions 0, 90, 180, 270 degrees
      for (const s of c.slots) {
        const off = s.meanAngleDeg % 90;
        expect(Math.min(off, 90 - off)).toBeLessThan(3);
        expect(s.sdAngleDeg).toBeLessThan(8); // the atoms at the domain wall widen it
      }
      expect(new Set(c.slots.map((s) => Math.round(s.meanAngleDeg / 90) % 4)).size).toBe(4);
    }
    // the variant with c along y: the neighbours at 90° and 270° are the far ones
    const [c0, c1] = r.classes;
    const far = (c: typeof c0) => c.slots.filter((s) => s.meanDistance > 10.75).map((s) => Math.round(s.meanAngleDeg / 90) % 2);
    expect(new Set([far(c0)[0], far(c1)[0]])).toEqual(new Set([0, 1]));
  });

  it('rejects too few atoms', () => {
    expect(() => localCrystallography([0, 1, 2], [0, 0, 1], { neighbours: 6 })).toThrow(/at least 7/);
  });
});
