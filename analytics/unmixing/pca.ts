/**
 * Principal component analysis of a [positions, features] matrix with a scree curve. Small matrices
 * go through the exact SVD of numerics/pca.ts; large ones (scikit-learn's 'auto' rule: max(n, d) > 500
 * and K < 0.8 min(n, d)) through the randomised SVD of numerics/randomizedSvd.ts (Halko et al. 2011).
 * Components are unit vectors with their largest-magnitude entry positive (numerics/pca.ts's sign
 * rule); loadings are the scores (x - mean) · component.
 */
import { PCA } from '../../numerics/pca.ts';
import { randomizedSvd } from '../../numerics/randomizedSvd.ts';
import { asDataMatrix, checkComponents, FittedUnmixing, frozenRows, reconstructionError, type UnmixingFields, type UnmixingInput } from './unmixingModel.ts';

/** Settings of {@link PcaEstimator}. */
export interface PcaEstimatorOptions {
  /** Components K (integer >= 1). */
  nComponents: number;
  /** 'full' (exact SVD), 'randomized', or 'auto' (default: scikit-learn's rule above). */
  solver?: 'auto' | 'full' | 'randomized';
  /** Components of the scree curve (default max(K, 20), capped at min(n, d)). */
  screeComponents?: number;
  /** Seed of the randomised solver (default 0). */
  seed?: number;
}

/** A fitted PCA. Immutable. Loadings are the n x K scores; explained variance per kept component. */
export class PcaUnmixingModel extends FittedUnmixing {
  readonly method = 'pca' as const;
  /** Feature means, length d. */
  readonly mean: Float64Array;
  declare readonly explainedVariance: Float64Array;
  declare readonly explainedVarianceRatio: Float64Array;
  /** Explained-variance ratio of the first `screeComponents` components (the scree curve), decreasing. */
  readonly scree: Float64Array;
  /** The solver used. */
  readonly solver: 'full' | 'randomized';

  constructor(p: UnmixingFields & { mean: Float64Array; explainedVariance: Float64Array; explainedVarianceRatio: Float64Array; scree: Float64Array; solver: 'full' | 'randomized' }) {
    super(p);
    this.mean = p.mean;
    this.scree = p.scree;
    this.solver = p.solver;
    Object.freeze(this);
  }
}

/** The PCA estimator (`new PcaEstimator({ nComponents: 4 }).fit(X)`). */
export class PcaEstimator {
  readonly options: Readonly<PcaEstimatorOptions>;

  constructor(options: PcaEstimatorOptions) {
    this.options = Object.freeze({ ...options });
  }

  /**
   * Fit on n x d data (n >= 2).
   * @throws RangeError on bad input or K > min(n, d)
   */
  fit(X: UnmixingInput): PcaUnmixingModel {
    const m = asDataMatrix(X);
    const { n, d } = m;
    if (n < 2) throw new RangeError('PCA needs at least 2 samples');
    const r = Math.min(n, d);
    const K = this.options.nComponents;
    checkComponents(K, r, 'PCA');
    const nScree = Math.min(r, Math.max(K, this.options.screeComponents ?? 20));
    const solver = this.options.solver ?? 'auto';
    const randomized = solver === 'randomized' || (solver === 'auto' && Math.max(n, d) > 500 && nScree < 0.8 * r);
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += m.data[i * d + j] / n;
    let components: Float64Array[];
    let variance: Float64Array;
    let totalVar = 0;
    if (!randomized) {
      const full = new PCA({ nComponents: nScree }).fit(m);
      components = full.components.map((c) => Float64Array.from(c));
      variance = Float64Array.from(full.explainedVariance);
      totalVar = full.explainedVariance[0] / full.explainedVarianceRatio[0] || 0;
      if (!Number.isFinite(totalVar)) totalVar = 0;
    } else {
      const centred = new Float64Array(n * d);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < d; j++) {
          const v = m.data[i * d + j] - mean[j];
          centred[i * d + j] = v;
          totalVar += (v * v) / (n - 1);
        }
      }
      const svd = randomizedSvd({ data: centred, n, d }, nScree, { seed: this.options.seed ?? 0 });
      variance = Float64Array.from(svd.s, (s) => (s * s) / (n - 1));
      components = [];
      for (let k = 0; k < nScree; k++) {
        const v = new Float64Array(d);
        let best = 0;
        for (let j = 0; j < d; j++) {
          v[j] = svd.Vt[k * d + j];
          if (Math.abs(v[j]) > Math.abs(best) + 1e-12) best = v[j];
        }
        if (best < 0) for (let j = 0; j < d; j++) v[j] = -v[j];
        components.push(v);
      }
    }
    const scree = Float64Array.from(variance, (v) => (totalVar > 0 ? v / totalVar : 0));
    const kept = components.slice(0, K);
    const loadings = new Float64Array(n * K);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < K; k++) {
        let s = 0;
        const c = kept[k];
        for (let j = 0; j < d; j++) s += (m.data[i * d + j] - mean[j]) * c[j];
        loadings[i * K + k] = s;
      }
    }
    return new PcaUnmixingModel({
      nSamples: n,
      nFeatures: d,
      mean,
      components: frozenRows(kept),
      loadings,
      explainedVariance: variance.slice(0, K),
      explainedVarianceRatio: scree.slice(0, K),
      scree,
      reconstructionError: reconstructionError(m, loadings, kept, mean),
      solver: randomized ? 'randomized' : 'full',
    });
  }
}
