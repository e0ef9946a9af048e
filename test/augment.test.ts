import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { augmentSample, dihedral, prepareValidationPatch, type Patch } from '../training/augment.ts';
import { syntheticSample, SYNTHETIC_DEFAULTS } from '../training/simulator/syntheticSource.ts';

const classOf: Record<string, number> = { C: 1, Si: 2 };
const sample = (seed: number, size = 48) =>
  syntheticSample(new Random(seed), { ...SYNTHETIC_DEFAULTS, size, dopantFraction: 0.1, labelRadiusPx: 1.6 });

/** Fraction of atoms (away from the edge) whose label pixel carries their class. */
function labelAgreement(p: Patch): number {
  const inner = p.atoms.filter((a) => a.x > 2 && a.y > 2 && a.x < p.size - 3 && a.y < p.size - 3);
  const ok = inner.filter((a) => p.labels[Math.round(a.y) * p.size + Math.round(a.x)] === classOf[a.species]);
  return ok.length / inner.length;
}

describe('augmentation', () => {
  it('transforms labels and atoms with the image', () => {
    for (let seed = 0; seed < 6; seed++) {
      const p = augmentSample(sample(seed), 32, new Random(seed), {}, { zoom: [0.85, 1.15] });
      expect(p.image).toHaveLength(32 * 32);
      expect(p.atoms.length).toBeGreaterThan(10);
      expect(labelAgreement(p)).toBeGreaterThan(0.95);
      // columns are bright in the augmented, normalised image: the mean at atoms exceeds the mean elsewhere
      const at = p.atoms.filter((a) => a.x > 1 && a.y > 1 && a.x < 30 && a.y < 30)
        .map((a) => p.image[Math.round(a.y) * 32 + Math.round(a.x)]);
      const mean = p.image.reduce((s, v) => s + v, 0) / p.image.length;
      expect(at.reduce((s, v) => s + v, 0) / at.length).toBeGreaterThan(mean + 0.3);
    }
  });

  it('is reproducible for a seed and varies between seeds', () => {
    const s = sample(1);
    const a = augmentSample(s, 32, new Random(7), {});
    const b = augmentSample(s, 32, new Random(7), {});
    const c = augmentSample(s, 32, new Random(8), {});
    expect(Array.from(b.image)).toEqual(Array.from(a.image));
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(Array.from(c.image)).not.toEqual(Array.from(a.image));
  });

  it('dihedral elements: a quarter turn moves right to top; four turns and two mirrors are the identity', () => {
    const n = 4;
    const image = Float32Array.from({ length: 16 }, (_, i) => i);
    const p: Patch = { image, labels: Uint8Array.from(image), size: n, atoms: [{ x: 3, y: 1, species: 'C', element: 'C', z: 6 }] };
    const r = dihedral(p, 1);
    // pixel (x=3, y=1) (value 7) goes to (x=1, y=0)
    expect(r.image[0 * n + 1]).toBe(7);
    expect(r.atoms[0]).toMatchObject({ x: 1, y: 0 });
    let q = p;
    for (let i = 0; i < 4; i++) q = dihedral(q, 1);
    expect(Array.from(q.image)).toEqual(Array.from(image));
    expect(Array.from(dihedral(dihedral(p, 4), 4).image)).toEqual(Array.from(image));
    const all = new Set(Array.from({ length: 8 }, (_, k) => Array.from(dihedral(p, k).image).join()));
    expect(all.size).toBe(8);
    expect(Array.from(dihedral(p, 5).labels)).toEqual(Array.from(dihedral(p, 5).image));
  });

  it('validation patches are the central crop, normalised, unaugmented', () => {
    const s = sample(3, 40);
    const p = prepareValidationPatch(s, 32, {});
    expect(Array.from(p.labels.subarray(0, 32))).toEqual(Array.from(s.labels.subarray(4 * 40 + 4, 4 * 40 + 36)));
    expect(labelAgreement(p)).toBe(1);
    expect(() => prepareValidationPatch(s, 64, {})).toThrow(/patch: .*smaller than the 64 px patch/);
  });
});
