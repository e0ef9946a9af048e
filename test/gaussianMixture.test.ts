/**
 * Tests of dynamics/configurations/gaussianMixture.ts, ported from scikit-learn's
 * sklearn/mixture/tests/test_gaussian_mixture.py (parameter counts, recovery of known parameters,
 * monotone likelihood, AIC/BIC closed forms, BIC choosing the true K, regularisation, predict vs
 * predict_proba, sampling, bad input), plus agreement with scikit-learn 1.2 reference numbers
 * (test/fixtures/make_mixture_reference.py).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  GaussianMixture,
  GaussianMixtureModel,
  IllDefinedCovarianceError,
  mixtureParameters,
  type CovarianceType,
} from '../dynamics/configurations/gaussianMixture.ts';
import { adjustedRandIndex } from '../evaluation/adjustedRandIndex.ts';
import { solveSquareAssignment } from '../numerics/linearAssignment.ts';
import { Random } from '../data/random.ts';

const ref = JSON.parse(readFileSync(new URL('./fixtures/sklearn_mixture_reference.json', import.meta.url), 'utf8'));
const TYPES: CovarianceType[] = ['full', 'diag', 'spherical'];

/** scikit-learn's RandomData: K components in d dimensions, well separated. */
function randomModel(type: CovarianceType, seed: number, d = 2, K = 2, scale = 7): GaussianMixtureModel {
  const rng = new Random(seed);
  const w = Array.from({ length: K }, () => 0.2 + rng.uniform());
  const s = w.reduce((a, b) => a + b, 0);
  const means = Array.from({ length: K }, () => Array.from({ length: d }, () => rng.range(-0.5, 0.5) * 2 * scale));
  const covariances = Array.from({ length: K }, () => {
    if (type === 'spherical') return [0.5 + rng.uniform()];
    if (type === 'diag') return Array.from({ length: d }, () => 0.5 + rng.uniform());
    // A Aᵀ + 0.5 I
    const A = Array.from({ length: d * d }, () => rng.normal() * 0.7);
    const C = new Array<number>(d * d).fill(0);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      for (let t = 0; t < d; t++) C[i * d + j] += A[i * d + t] * A[j * d + t];
      if (i === j) C[i * d + j] += 0.5;
    }
    return C;
  });
  return new GaussianMixtureModel({ covarianceType: type, weights: w.map((x) => x / s), means, covariances });
}

/** Match fitted components to true ones by their means (Hungarian). */
function matchComponents(truth: GaussianMixtureModel, fit: GaussianMixtureModel): Int32Array {
  const K = truth.nComponents;
  const cost = new Float64Array(K * K);
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) cost[i * K + j] = truth.means[i].reduce((s, v, t) => s + (v - fit.means[j][t]) ** 2, 0);
  return solveSquareAssignment(cost, K);
}

describe('GaussianMixture: parameter counts (sklearn test_gaussian_mixture_n_parameters)', () => {
  it('counts covariances, means and weights per covariance type', () => {
    // n_features = 5, n_components = 2: {spherical: 13, diag: 21, full: 41} in scikit-learn
    expect(mixtureParameters('spherical', 2, 5)).toBe(13);
    expect(mixtureParameters('diag', 2, 5)).toBe(21);
    expect(mixtureParameters('full', 2, 5)).toBe(41);
    const rng = new Random(0);
    const X = Array.from({ length: 50 }, () => Array.from({ length: 5 }, () => rng.normal()));
    for (const t of TYPES) {
      const m = new GaussianMixture({ nComponents: 2, covarianceType: t, seed: 0 }).fit(X);
      expect(m.nParameters()).toBe(mixtureParameters(t, 2, 5));
    }
  });
});

describe('GaussianMixture: agreement with scikit-learn', () => {
  for (const t of TYPES) {
    it(`reproduces 5 EM steps from a fixed start (${t})`, () => {
      const r = ref.gmm[t];
      const m = new GaussianMixture({
        nComponents: 3,
        covarianceType: t,
        weightsInit: ref.weights_init,
        meansInit: ref.means_init,
        precisionsInit: r.precisions_init,
        maxIter: 5,
        tol: 0,
        regCovar: 1e-6,
      }).fit(ref.X);
      const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-7 * (1 + Math.abs(b)));
      expect(m.nIter).toBe(r.n_iter);
      r.weights.forEach((w: number, k: number) => close(m.weights[k], w));
      r.means.forEach((mu: number[], k: number) => mu.forEach((v, j) => close(m.means[k][j], v)));
      (r.covariances as unknown[]).forEach((c, k) => {
        const flat = [c].flat(2) as number[];
        const mine = Array.from(m.covariances[k]);
        expect(mine.length).toBe(flat.length);
        flat.forEach((v, j) => close(mine[j], v));
      });
      close(m.lowerBound, r.lower_bound);
      const ss = m.scoreSamples(ref.X.slice(0, 10));
      r.score_samples.forEach((v: number, i: number) => close(ss[i], v));
      const pp = m.predictProba(ref.X.slice(0, 5));
      r.predict_proba.forEach((row: number[], i: number) => row.forEach((v, k) => expect(Math.abs(pp[i][k] - v)).toBeLessThan(1e-7)));
      close(m.score(ref.X), r.score);
      close(m.bic(ref.X), r.bic);
      close(m.aic(ref.X), r.aic);
      expect(m.nParameters()).toBe(r.n_parameters);
    });
  }
});

describe('GaussianMixture: recovery of known parameters (sklearn test_gaussian_mixture_fit)', () => {
  for (const t of TYPES) {
    it(`recovers weights, means and covariances from sampled data (${t})`, () => {
      const truth = randomModel(t, 11, 2, 2);
      const { X } = truth.sample(3000, 5);
      const fit = new GaussianMixture({ nComponents: 2, covarianceType: t, nInit: 3, seed: 1 }).fit(X);
      const perm = matchComponents(truth, fit);
      for (let k = 0; k < 2; k++) {
        const j = perm[k];
        expect(Math.abs(fit.weights[j] - truth.weights[k])).toBeLessThan(0.03);
        truth.means[k].forEach((v, i) => expect(Math.abs(fit.means[j][i] - v)).toBeLessThan(0.12));
        const tc = truth.covariances[k];
        const fc = fit.covariances[j];
        // relative Frobenius error of the covariance (scikit-learn uses an error norm < 0.15 at decimal 1)
        let num = 0;
        let den = 0;
        tc.forEach((v, i) => {
          num += (fc[i] - v) ** 2;
          den += v * v;
        });
        expect(Math.sqrt(num / den)).toBeLessThan(0.1);
      }
    });
  }
});

describe('GaussianMixture: EM never decreases the likelihood (sklearn test_monotonic_likelihood)', () => {
  for (const t of TYPES) {
    it(`lower bound is non-decreasing over 40 iterations (${t})`, () => {
      const truth = randomModel(t, 3, 3, 3, 2); // overlapping components: slow convergence
      const { X } = truth.sample(400, 9);
      const bounds: number[] = [];
      new GaussianMixture({ nComponents: 3, covarianceType: t, maxIter: 40, tol: 0, initParams: 'random', seed: 2, onIteration: (_i, _it, lb) => bounds.push(lb) }).fit(X);
      expect(bounds.length).toBe(40);
      for (let i = 1; i < bounds.length; i++) expect(bounds[i]).toBeGreaterThanOrEqual(bounds[i - 1] - 1e-10);
      expect(bounds[bounds.length - 1]).toBeGreaterThan(bounds[0]);
    });
  }
});

describe('GaussianMixture: AIC and BIC', () => {
  it('match the closed form for one component (sklearn test_gaussian_mixture_aic_bic)', () => {
    const rng = new Random(0);
    const n = 500;
    const d = 3;
    const X = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal() * 2 + 1));
    // sgh = 0.5 (log det cov(X, bias) + d (1 + log 2π))
    const mean = Array.from({ length: d }, (_, j) => X.reduce((s, r) => s + r[j], 0) / n);
    const C = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => X.reduce((s, r) => s + (r[i] - mean[i]) * (r[j] - mean[j]), 0) / n));
    const det = C[0][0] * (C[1][1] * C[2][2] - C[1][2] * C[2][1]) - C[0][1] * (C[1][0] * C[2][2] - C[1][2] * C[2][0]) + C[0][2] * (C[1][0] * C[2][1] - C[1][1] * C[2][0]);
    const sgh = 0.5 * (Math.log(det) + d * (1 + Math.log(2 * Math.PI)));
    for (const t of TYPES) {
      const m = new GaussianMixture({ nComponents: 1, covarianceType: t, seed: 0, maxIter: 200 }).fit(X);
      const p = m.nParameters();
      const bic = 2 * n * sgh + p * Math.log(n);
      const aic = 2 * n * sgh + 2 * p;
      const bound = d / Math.sqrt(n);
      expect(Math.abs(m.aic(X) - aic) / n).toBeLessThan(bound);
      expect(Math.abs(m.bic(X) - bic) / n).toBeLessThan(bound);
    }
  });

  it('gives the same BIC for every covariance type in 1-D with one component (sklearn test_bic_1d_1component)', () => {
    const rng = new Random(4);
    const X = Array.from({ length: 300 }, () => [rng.normal() * 3 + 2]);
    const bics = TYPES.map((t) => new GaussianMixture({ nComponents: 1, covarianceType: t }).fit(X).bic(X));
    expect(Math.abs(bics[0] - bics[1])).toBeLessThan(1e-6);
    expect(Math.abs(bics[0] - bics[2])).toBeLessThan(1e-6);
  });

  for (const t of TYPES) {
    it(`chooses the true number of components (${t})`, () => {
      const truth = randomModel(t, 21, 2, 3, 8);
      const { X } = truth.sample(600, 3);
      const bics = [1, 2, 3, 4, 5].map((k) => new GaussianMixture({ nComponents: k, covarianceType: t, nInit: 2, seed: 7 }).fit(X).bic(X));
      expect(bics.indexOf(Math.min(...bics)) + 1).toBe(3);
    });
  }
});

describe('GaussianMixture: regularisation (sklearn test_regularisation)', () => {
  it('fails with a clear error without regularisation on collapsed data, and fits with it', () => {
    const X = Array.from({ length: 20 }, (_, i) => Array.from({ length: 3 }, () => (i < 10 ? 1 : 0)));
    for (const t of TYPES) {
      expect(() => new GaussianMixture({ nComponents: 2, covarianceType: t, regCovar: 0, seed: 0 }).fit(X)).toThrow(IllDefinedCovarianceError);
      expect(() => new GaussianMixture({ nComponents: 2, covarianceType: t, regCovar: 0, seed: 0 }).fit(X)).toThrow(/ill-defined empirical covariance/);
      const m = new GaussianMixture({ nComponents: 2, covarianceType: t, regCovar: 1e-6, seed: 0 }).fit(X);
      expect(new Set(m.predict(X)).size).toBe(2);
    }
  });
});

describe('GaussianMixture: predictions, sampling, persistence', () => {
  it('predict is the argmax of predictProba and recovers the components (sklearn test_gaussian_mixture_predict_predict_proba)', () => {
    for (const t of TYPES) {
      const truth = randomModel(t, 5, 2, 2);
      const { X, labels } = truth.sample(500, 1);
      const m = new GaussianMixture({ nComponents: 2, covarianceType: t, seed: 0 }).fit(X);
      const pred = m.predict(X);
      const proba = m.predictProba(X);
      pred.forEach((p, i) => {
        expect(proba[i][p]).toBe(Math.max(...proba[i]));
        expect(proba[i].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      });
      expect(adjustedRandIndex(labels, pred)).toBeGreaterThan(0.95);
    }
  });

  it('samples with the model weights, means and covariances (sklearn test_sample)', () => {
    for (const t of TYPES) {
      const truth = randomModel(t, 8, 2, 2);
      const { X, labels } = truth.sample(20000, 2);
      expect(X.length).toBe(20000);
      for (let k = 0; k < 2; k++) {
        const rows = X.filter((_, i) => labels[i] === k);
        expect(Math.abs(rows.length / X.length - truth.weights[k])).toBeLessThan(0.015);
        const mu = [0, 1].map((j) => rows.reduce((s, r) => s + r[j], 0) / rows.length);
        mu.forEach((v, j) => expect(Math.abs(v - truth.means[k][j])).toBeLessThan(0.05));
        const v0 = rows.reduce((s, r) => s + (r[0] - mu[0]) ** 2, 0) / rows.length;
        const expected = t === 'spherical' ? truth.covariances[k][0] : truth.covariances[k][0];
        expect(Math.abs(v0 / expected - 1)).toBeLessThan(0.08);
      }
    }
  });

  it('round-trips through JSON with identical scores', () => {
    const truth = randomModel('full', 2, 3, 2);
    const { X } = truth.sample(200, 4);
    const m = new GaussianMixture({ nComponents: 2, seed: 3 }).fit(X);
    const back = GaussianMixtureModel.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    expect(Array.from(back.scoreSamples(X))).toEqual(Array.from(m.scoreSamples(X)));
    expect(back.nIter).toBe(m.nIter);
    expect(() => GaussianMixtureModel.fromJSON({ kind: 'other' } as never)).toThrow(/not a serialised/);
  });

  it('is deterministic for a seed, and the lower bound at convergence is close to the score', () => {
    const truth = randomModel('diag', 6, 2, 3);
    const { X } = truth.sample(300, 6);
    const a = new GaussianMixture({ nComponents: 3, covarianceType: 'diag', nInit: 2, seed: 5 }).fit(X);
    const b = new GaussianMixture({ nComponents: 3, covarianceType: 'diag', nInit: 2, seed: 5 }).fit(X);
    expect(Array.from(a.means[0])).toEqual(Array.from(b.means[0]));
    expect(a.converged).toBe(true);
    expect(Math.abs(a.lowerBound - a.score(X))).toBeLessThan(1e-2);
  });

  it('rejects bad input with clear errors (sklearn test_check_X, test_check_weights, ...)', () => {
    expect(() => new GaussianMixture({ nComponents: 5 }).fit([[1], [2]])).toThrow(/n_samples >= n_components/);
    expect(() => new GaussianMixture({ nComponents: 1 }).fit([[1, 2], [3]])).toThrow(/sample 1 has 1 features/);
    expect(() => new GaussianMixture({ nComponents: 1 }).fit([[1, NaN]])).toThrow(/not a finite number/);
    expect(() => new GaussianMixture({ nComponents: 0 })).toThrow(/nComponents/);
    expect(() => new GaussianMixture({ nComponents: 1, covarianceType: 'tied' as never })).toThrow(/covariance type/);
    expect(() => new GaussianMixture({ nComponents: 2, weightsInit: [1] }).fit([[0], [1], [2]])).toThrow(/weightsInit has 1/);
    const m = new GaussianMixture({ nComponents: 1 }).fit([[0, 0], [1, 1], [0, 1]]);
    expect(() => m.predict([[1, 2, 3]])).toThrow(/3 features, the model 2/);
  });
});
