/** Tests of numerics/pca.ts against scikit-learn 1.2 (test/fixtures/make_mixture_reference.py) and by round trips. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { PCA, PCAModel } from '../numerics/pca.ts';
import { Random } from '../data/random.ts';

const ref = JSON.parse(readFileSync(new URL('./fixtures/sklearn_mixture_reference.json', import.meta.url), 'utf8')).pca;

describe('PCA', () => {
  it('matches scikit-learn: components (up to sign), variances, scores', () => {
    const m = new PCA({ nComponents: 4 }).fit(ref.X);
    ref.explained_variance.forEach((v: number, i: number) => expect(m.explainedVariance[i]).toBeCloseTo(v, 9));
    ref.explained_variance_ratio.forEach((v: number, i: number) => expect(m.explainedVarianceRatio[i]).toBeCloseTo(v, 9));
    ref.singular_values.forEach((v: number, i: number) => expect(m.singularValues[i]).toBeCloseTo(v, 9));
    ref.mean.forEach((v: number, i: number) => expect(m.mean[i]).toBeCloseTo(v, 12));
    const z = m.transform(ref.X.slice(0, 5));
    ref.components.forEach((c: number[], q: number) => {
      // scikit-learn 1.2 fixes signs from U, we from the components: compare up to one sign per component
      const sign = Math.sign(c.reduce((s, v, j) => s + v * m.components[q][j], 0));
      c.forEach((v, j) => expect(sign * m.components[q][j]).toBeCloseTo(v, 9));
      ref.transform.forEach((row: number[], i: number) => expect(sign * z[i][q]).toBeCloseTo(row[q], 8));
    });
  });

  it('reconstructs exactly with all components, fixes signs, and chooses components by variance fraction', () => {
    const rng = new Random(2);
    const X = Array.from({ length: 30 }, () => {
      const a = rng.normal() * 5;
      const b = rng.normal();
      return [a + 0.01 * rng.normal(), 2 * a + b, -a + 0.01 * rng.normal(), b];
    });
    const full = new PCA().fit(X);
    const back = full.inverseTransform(full.transform(X));
    back.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(X[i][j], 9)));
    for (const c of full.components) {
      const maxAbs = c.reduce((m, v) => (Math.abs(v) > Math.abs(m) ? v : m), 0);
      expect(maxAbs).toBeGreaterThan(0);
    }
    for (const frac of [0.5, 0.99, 0.99999]) {
      const part = new PCA({ nComponents: frac }).fit(X);
      const cum = (q: number) => Array.from(full.explainedVarianceRatio).slice(0, q).reduce((a, b) => a + b, 0);
      expect(cum(part.nComponents)).toBeGreaterThanOrEqual(frac);
      if (part.nComponents > 1) expect(cum(part.nComponents - 1)).toBeLessThan(frac);
    }
    const part = new PCA({ nComponents: 2 }).fit(X);
    const w = new PCA({ nComponents: 2, whiten: true }).fit(X);
    const z = w.transform(X);
    const v0 = z.reduce((s, r) => s + r[0] * r[0], 0) / (X.length - 1);
    expect(v0).toBeCloseTo(1, 9);
    expect(PCAModel.fromJSON(JSON.parse(JSON.stringify(part.toJSON()))).transform(X)).toEqual(part.transform(X));
    expect(() => new PCA({ nComponents: 9 }).fit(X)).toThrow(/exceeds/);
    expect(() => new PCA().fit([[1, 2]])).toThrow(/at least 2 samples/);
  });
});
