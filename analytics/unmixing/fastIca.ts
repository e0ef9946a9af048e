/**
 * FastICA (Hyvärinen, IEEE Trans. Neural Netw. 10, 626 (1999); Hyvärinen & Oja, Neural Netw. 13, 411
 * (2000)), the parallel (symmetric) variant with the log-cosh contrast (g = tanh), as scikit-learn's
 * `FastICA(algorithm='parallel', fun='logcosh', whiten='unit-variance')`: the centred data are
 * whitened onto K principal components (analytics/unmixing/pca.ts), then W is iterated with
 * W ← E[g(W z) zᵀ] - diag(E[g'(W z)]) W and symmetric decorrelation W ← (W Wᵀ)^{-1/2} W until
 * max |diag(W_new W_oldᵀ)| is within `tol` of 1. Sources are the unit-variance signals (loadings);
 * components are the columns of the mixing matrix in feature space (X ≈ mean + S Aᵀ). Each source is
 * signed so that its skewness is non-negative (the ICA sign is arbitrary).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { Random } from '../../data/random.ts';
import { PcaEstimator } from './pca.ts';
import { asDataMatrix, checkComponents, FittedUnmixing, frozenRows, reconstructionError, type UnmixingFields, type UnmixingInput } from './unmixingModel.ts';

/** Settings of {@link FastIcaEstimator}. */
export interface FastIcaOptions {
  /** Independent components K (integer >= 1, <= min(n - 1, d)). */
  nComponents: number;
  /** Iterations; default 200 (scikit-learn's). */
  maxIter?: number;
  /** Convergence tolerance; default 1e-4. */
  tol?: number;
  /** Seed of the random start (default 0). */
  seed?: number;
}

/** A fitted FastICA. Immutable. Components are the K mixing vectors (columns of the mixing matrix, d features); loadings the n x K unit-variance sources; the error is ||X - mean - S Aᵀ||_F. */
export class FastIcaModel extends FittedUnmixing {
  readonly method = 'ica' as const;
  /** Feature means, length d. */
  readonly mean: Float64Array;
  /** Iterations run; equal to maxIter when it did not converge. */
  readonly iterations: number;
  readonly converged: boolean;

  constructor(p: Omit<UnmixingFields, 'explainedVariance' | 'explainedVarianceRatio'> & { mean: Float64Array; iterations: number; converged: boolean }) {
    super({ ...p, explainedVariance: null, explainedVarianceRatio: null });
    this.mean = p.mean;
    this.iterations = p.iterations;
    this.converged = p.converged;
    Object.freeze(this);
  }
}

/** (W Wᵀ)^{-1/2} W for a K x K matrix. */
function symmetricDecorrelation(W: Matrix): Matrix {
  const eig = new EigenvalueDecomposition(W.mmul(W.transpose()), { assumeSymmetric: true });
  const E = eig.eigenvectorMatrix;
  const s = eig.realEigenvalues;
  const D = Matrix.zeros(s.length, s.length);
  s.forEach((v, i) => D.set(i, i, 1 / Math.sqrt(Math.max(v, 1e-300))));
  return E.mmul(D).mmul(E.transpose()).mmul(W);
}

/** The FastICA estimator. */
export class FastIcaEstimator {
  readonly options: Readonly<FastIcaOptions>;

  constructor(options: FastIcaOptions) {
    this.options = Object.freeze({ ...options });
  }

  /**
   * Fit on n x d data.
   * @throws RangeError on bad input or K > min(n - 1, d)
   */
  fit(X: UnmixingInput): FastIcaModel {
    const m = asDataMatrix(X);
    const { n, d } = m;
    const K = this.options.nComponents;
    checkComponents(K, Math.min(n - 1, d), 'FastICA');
    const pca = new PcaEstimator({ nComponents: K, screeComponents: K, seed: this.options.seed }).fit(m);
    // whitened data z = scores / sqrt(variance): n x K
    const Z = new Matrix(n, K);
    const sd = Array.from(pca.explainedVariance, (v) => Math.sqrt(v));
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) Z.set(i, k, sd[k] > 0 ? pca.loadings[i * K + k] / sd[k] : 0);
    const rng = new Random(this.options.seed ?? 0);
    let W = new Matrix(K, K);
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) W.set(a, b, rng.normal());
    W = symmetricDecorrelation(W);
    const maxIter = this.options.maxIter ?? 200;
    const tol = this.options.tol ?? 1e-4;
    let iterations = 0;
    let converged = false;
    for (let it = 0; it < maxIter; it++) {
      iterations = it + 1;
      const WZ = Z.mmul(W.transpose()); // n x K
      const gMean = new Float64Array(K);
      const G = new Matrix(n, K);
      for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) {
        const t = Math.tanh(WZ.get(i, k));
        G.set(i, k, t);
        gMean[k] += (1 - t * t) / n;
      }
      const W1 = G.transpose().mmul(Z).div(n); // K x K
      for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) W1.set(a, b, W1.get(a, b) - gMean[a] * W.get(a, b));
      const Wn = symmetricDecorrelation(W1);
      const C = Wn.mmul(W.transpose());
      let lim = 0;
      for (let k = 0; k < K; k++) lim = Math.max(lim, Math.abs(Math.abs(C.get(k, k)) - 1));
      W = Wn;
      if (lim < tol) {
        converged = true;
        break;
      }
    }
    const S = Z.mmul(W.transpose()); // n x K unit-variance sources
    const sources = new Float64Array(n * K);
    const sign = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      let skew = 0;
      for (let i = 0; i < n; i++) skew += S.get(i, k) ** 3;
      sign[k] = skew < 0 ? -1 : 1;
    }
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) sources[i * K + k] = sign[k] * S.get(i, k);
    // mixing in feature space: A[:, k] = Σ_q component_q sd_q W[k, q]  (W is orthogonal)
    const components: Float64Array[] = [];
    for (let k = 0; k < K; k++) {
      const a = new Float64Array(d);
      for (let q = 0; q < K; q++) {
        const f = sign[k] * sd[q] * W.get(k, q);
        const c = pca.components[q];
        for (let j = 0; j < d; j++) a[j] += f * c[j];
      }
      components.push(a);
    }
    return new FastIcaModel({
      nSamples: n,
      nFeatures: d,
      mean: pca.mean,
      components: frozenRows(components),
      loadings: sources,
      reconstructionError: reconstructionError(m, sources, components, pca.mean),
      iterations,
      converged,
    });
  }
}
