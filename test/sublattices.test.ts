import { describe, expect, it } from 'vitest';
import { splitSublattices } from '../analytics/cells/sublattices.ts';
import { Random } from '../data/random.ts';

/** A perovskite [001] projection: A at (i, j) a, B at (i + 1/2, j + 1/2) a, with noisy positions. */
function perovskite(n: number, intensity: (site: 'A' | 'B', y: number) => number, seed: number) {
  const rng = new Random(seed);
  const x: number[] = [], y: number[] = [], v: number[] = [], site: Array<'A' | 'B'> = [];
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      for (const [s, dx] of [['A', 0], ['B', 0.5]] as const) {
        const yy = (j + dx) * 20;
        x.push((i + dx) * 20 + 0.3 * rng.normal());
        y.push(yy + 0.3 * rng.normal());
        v.push(intensity(s, yy) * (1 + 0.1 * rng.normal()));
        site.push(s);
      }
    }
  }
  return { x, y, v, site };
}

describe('sublattices from the geometry', () => {
  it('keeps the A sublattice whole where the brighter column changes from A (PbTiO3) to B (SrRuO3)', () => {
    // bottom layer: Pb (A) 10 vs Ti (B) 2; top layer: Sr (A) 4 vs Ru (B) 5
    const p = perovskite(16, (s, y) => (y > 160 ? (s === 'A' ? 10 : 2) : s === 'A' ? 4 : 5), 1);
    const r = splitSublattices(p.x, p.y, p.v);
    expect(r.parity).not.toBeNull();
    expect(r.conflicts).toBe(0);
    const a = new Set(p.site.map((s, i) => (s === 'A' ? r.sublattice[i] : -9)).filter((c) => c !== -9));
    const b = new Set(p.site.map((s, i) => (s === 'B' ? r.sublattice[i] : -9)).filter((c) => c !== -9));
    expect(a.size).toBe(1);
    expect(b.size).toBe(1);
    expect([...a][0]).toBe(0); // A is the brighter by median over the whole image
    expect([...b][0]).toBe(1);
    // a per-atom brightness threshold would have mislabelled the top layer
    const t = [...p.v].sort((m, n) => m - n)[p.v.length >> 1];
    const wrongByBrightness = p.site.filter((s, i) => p.y[i] <= 160 && (s === 'A') !== (p.v[i] > t)).length;
    expect(wrongByBrightness).toBeGreaterThan(100);
  });

  it('finds one lattice when the two classes do not differ', () => {
    const p = perovskite(10, () => 5, 2);
    const r = splitSublattices(p.x, p.y, p.v);
    expect(r.parity).toBeNull();
    expect(r.contrast).toBeLessThan(5);
    expect(r.sublattice.every((c) => c === 0)).toBe(true);
  });
});
