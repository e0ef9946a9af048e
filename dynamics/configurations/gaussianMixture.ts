/**
 * Gaussian mixture model fitted by expectation-maximisation, written for atomdyn (no well-kept npm
 * GMM exists). A port of scikit-learn's `sklearn.mixture.GaussianMixture` (Pedregosa et al., JMLR 12,
 * 2825 (2011)): full, diagonal and spherical covariances; k-means initialisation (k-means++ seeding
 * through `ml-kmeans`), random initialisation, or given weights/means/precisions; `nInit` restarts
 * keeping the best lower bound; covariance regularisation `regCovar`; log-likelihood, BIC and AIC
 * (Schwarz, Ann. Stat. 6, 461 (1978); Akaike, IEEE TAC 19, 716 (1974)); predict, predictProba,
 * score, scoreSamples and sampling. Linear algebra (Cholesky, triangular inverse) through `ml-matrix`.
 *
 * Shapes: data are `n` samples of `d` features, given as `number[][]` (rows) or as a row-major
 * Float64Array with `d` stated. Units are whatever the features carry (pm for neighbour vectors).
 *
 * Estimator/model split (deeptime, scikit-learn): `new GaussianMixture(options).fit(X)` returns an
 * immutable {@link GaussianMixtureModel}; the estimator keeps no results.
 *
 * The per-component building blocks ({@link WeightedMoments}, {@link precisionCholesky},
 * {@link logGaussianDensity}) are exported for the transformation-invariant mixture
 * (dynamics/configurations/symmetricMixture.ts), which uses the same covariance types.
 */
import { Matrix, CholeskyDecomposition, solve } from 'ml-matrix';
import { kmeans } from 'ml-kmeans';
import { Random } from '../../data/random.ts';

/** Covariance structure of each component. */
export type CovarianceType = 'full' | 'diag' | 'spherical';

/** Row-major samples: `n * d` values. */
export interface DataMatrix {
  /** Row-major values, `n * d`. */
  data: Float64Array;
  /** Number of samples. */
  n: number;
  /** Number of features. */
  d: number;
}

/** Thrown when a component's covariance is not positive definite (mirrors scikit-learn's message). */
export class IllDefinedCovarianceError extends Error {
  constructor() {
    super(
      'fitting the mixture model failed because some components have ill-defined empirical covariance ' +
        '(for instance caused by singleton or collapsed samples); decrease the number of components, ' +
        'increase the covariance regularisation, or scale the input data',
    );
    this.name = 'IllDefinedCovarianceError';
  }
}

const LOG_2PI = Math.log(2 * Math.PI);
/** scikit-learn adds 10 * machine epsilon to every component's weight sum. */
const EPS10 = 10 * 2.220446049250313e-16;

/**
 * Convert rows or a row-major array into a {@link DataMatrix}.
 * @throws RangeError on ragged rows, no rows, zero features, or a non-finite value
 */
export function toDataMatrix(X: ArrayLike<ArrayLike<number>> | DataMatrix): DataMatrix {
  if ((X as DataMatrix).data instanceof Float64Array && typeof (X as DataMatrix).d === 'number') {
    const m = X as DataMatrix;
    if (m.data.length !== m.n * m.d) throw new RangeError(`data has ${m.data.length} values, expected ${m.n} x ${m.d}`);
    for (let i = 0; i < m.data.length; i++) if (!Number.isFinite(m.data[i])) throw new RangeError('data contain NaN or infinite values');
    return m;
  }
  const rows = X as ArrayLike<ArrayLike<number>>;
  const n = rows.length;
  if (n === 0) throw new RangeError('no samples');
  const d = rows[0].length;
  if (d === 0) throw new RangeError('samples have no features');
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (r.length !== d) throw new RangeError(`sample ${i} has ${r.length} features, expected ${d}`);
    for (let j = 0; j < d; j++) {
      const v = r[j];
      if (!Number.isFinite(v)) throw new RangeError(`sample ${i} feature ${j} is not a finite number`);
      data[i * d + j] = v;
    }
  }
  return { data, n, d };
}

/** Number of free covariance parameters per component of dimension d. */
export function covarianceParameters(type: CovarianceType, d: number): number {
  return type === 'full' ? (d * (d + 1)) / 2 : type === 'diag' ? d : 1;
}

/**
 * Free parameters of a K-component mixture in d dimensions (scikit-learn's `_n_parameters`):
 * covariances + K*d means + K-1 weights.
 */
export function mixtureParameters(type: CovarianceType, k: number, d: number): number {
  return k * covarianceParameters(type, d) + k * d + k - 1;
}

/** log(sum(exp(a))) of a short array, stable. */
export function logSumExp(a: ArrayLike<number>, from = 0, to = a.length): number {
  let m = -Infinity;
  for (let i = from; i < to; i++) if (a[i] > m) m = a[i];
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = from; i < to; i++) s += Math.exp(a[i] - m);
  return m + Math.log(s);
}

/**
 * Weighted first and second moments of d-dimensional vectors, accumulated around a shift `c`
 * (for numerical stability, pass the previous estimate of the mean).
 */
export class WeightedMoments {
  readonly d: number;
  readonly shift: Float64Array;
  /** Sum of weights. */
  w = 0;
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;
  private readonly type: CovarianceType;

  /** @param type which second moments to keep: all d² for 'full', the d diagonal ones otherwise */
  constructor(d: number, type: CovarianceType, shift?: ArrayLike<number>) {
    this.d = d;
    this.type = type;
    this.shift = new Float64Array(d);
    if (shift) this.shift.set(shift);
    this.s1 = new Float64Array(d);
    this.s2 = new Float64Array(type === 'full' ? d * d : d);
  }

  /** Add vector `x` (at `offset` in its array) with weight `weight` >= 0. */
  add(x: ArrayLike<number>, weight: number, offset = 0): void {
    if (!(weight > 0)) return;
    const d = this.d;
    this.w += weight;
    const s1 = this.s1;
    const s2 = this.s2;
    const c = this.shift;
    if (this.type === 'full') {
      for (let i = 0; i < d; i++) {
        const ui = x[offset + i] - c[i];
        s1[i] += weight * ui;
        const wu = weight * ui;
        const row = i * d;
        for (let j = 0; j <= i; j++) s2[row + j] += wu * (x[offset + j] - c[j]);
      }
    } else {
      for (let i = 0; i < d; i++) {
        const ui = x[offset + i] - c[i];
        s1[i] += weight * ui;
        s2[i] += weight * ui * ui;
      }
    }
  }

  /** Weighted mean (length d). `eps` is added to the weight sum (scikit-learn adds 10 machine eps). */
  mean(eps = EPS10): Float64Array {
    const m = new Float64Array(this.d);
    const w = this.w + eps;
    for (let i = 0; i < this.d; i++) m[i] = this.shift[i] + this.s1[i] / w;
    return m;
  }

  /**
   * Weighted covariance (biased, divided by the weight sum) plus `reg` on the diagonal:
   * 'full' -> d*d row-major, 'diag' -> d, 'spherical' -> 1 (the mean of the diagonal).
   */
  covariance(type: CovarianceType, reg: number, eps = EPS10): Float64Array {
    const d = this.d;
    const w = this.w + eps;
    const mu = new Float64Array(d);
    for (let i = 0; i < d; i++) mu[i] = this.s1[i] / w;
    // a variance below 1e-12 of the second moment it was computed from is rounding noise: call it 0
    const zero = new Uint8Array(d);
    for (let i = 0; i < d; i++) {
      const m2 = (this.type === 'full' ? this.s2[i * d + i] : this.s2[i]) / w;
      if (m2 - mu[i] * mu[i] <= 1e-12 * m2) zero[i] = 1;
    }
    if (type === 'full') {
      if (this.type !== 'full') throw new Error('full covariance needs full moments');
      const c = new Float64Array(d * d);
      for (let i = 0; i < d; i++) {
        for (let j = 0; j <= i; j++) {
          const v = zero[i] || zero[j] ? 0 : this.s2[i * d + j] / w - mu[i] * mu[j];
          c[i * d + j] = v;
          c[j * d + i] = v;
        }
        c[i * d + i] += reg;
      }
      return c;
    }
    const diag = new Float64Array(d);
    for (let i = 0; i < d; i++) diag[i] = (zero[i] ? 0 : (this.type === 'full' ? this.s2[i * d + i] : this.s2[i]) / w - mu[i] * mu[i]) + reg;
    if (type === 'diag') return diag;
    let s = 0;
    for (let i = 0; i < d; i++) s += diag[i];
    return Float64Array.of(s / d);
  }
}

/** Cholesky factor of a component's precision and its log-determinant. */
export interface PrecisionFactor {
  /** 'full': d*d row-major upper-triangular U with precision = U Uᵀ (scikit-learn's precisions_cholesky_); 'diag': d values 1/sqrt(var); 'spherical': 1 value. */
  chol: Float64Array;
  /** log det of `chol` (= -0.5 log det covariance). */
  logDet: number;
}

/**
 * Precision Cholesky factor of a covariance (scikit-learn `_compute_precision_cholesky`):
 * for 'full', `cov = L Lᵀ` (ml-matrix Cholesky) and the factor is `(L⁻¹)ᵀ`.
 *
 * @throws IllDefinedCovarianceError when the covariance is not positive definite
 */
export function precisionCholesky(cov: Float64Array, type: CovarianceType, d: number): PrecisionFactor {
  if (type === 'full') {
    const rows: number[][] = [];
    for (let i = 0; i < d; i++) {
      const r: number[] = [];
      for (let j = 0; j < d; j++) r.push(0.5 * (cov[i * d + j] + cov[j * d + i]));
      rows.push(r);
    }
    let L: Matrix;
    try {
      const ch = new CholeskyDecomposition(new Matrix(rows));
      if (!ch.isPositiveDefinite()) throw new IllDefinedCovarianceError();
      L = ch.lowerTriangularMatrix;
    } catch (e) {
      if (e instanceof IllDefinedCovarianceError) throw e;
      throw new IllDefinedCovarianceError();
    }
    for (let i = 0; i < d; i++) if (!(L.get(i, i) > 0) || !Number.isFinite(L.get(i, i))) throw new IllDefinedCovarianceError();
    const Linv = solve(L, Matrix.eye(d, d));
    const chol = new Float64Array(d * d);
    let logDet = 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) chol[i * d + j] = i <= j ? Linv.get(j, i) : 0; // transpose of lower-triangular inverse
      logDet += Math.log(chol[i * d + i]);
    }
    return { chol, logDet };
  }
  const chol = new Float64Array(cov.length);
  let logDet = 0;
  for (let i = 0; i < cov.length; i++) {
    if (!(cov[i] > 0) || !Number.isFinite(cov[i])) throw new IllDefinedCovarianceError();
    chol[i] = 1 / Math.sqrt(cov[i]);
    logDet += Math.log(chol[i]);
  }
  if (type === 'spherical') logDet *= d;
  return { chol, logDet };
}

/**
 * Covariance from a precision Cholesky factor (inverse of {@link precisionCholesky}).
 */
export function covarianceFromPrecisionCholesky(p: Float64Array, type: CovarianceType, d: number): Float64Array {
  if (type !== 'full') return p.map((v) => 1 / (v * v));
  // precision = U Uᵀ; covariance = (U Uᵀ)⁻¹
  const U = new Matrix(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) U.set(i, j, p[i * d + j]);
  const prec = U.mmul(U.transpose());
  const cov = solve(prec, Matrix.eye(d, d));
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] = 0.5 * (cov.get(i, j) + cov.get(j, i));
  return out;
}

/**
 * log N(x | mean, Σ) with Σ given by its precision Cholesky factor.
 * @param x vector (at `offset`), length d
 */
export function logGaussianDensity(
  x: ArrayLike<number>,
  mean: ArrayLike<number>,
  p: PrecisionFactor,
  type: CovarianceType,
  d: number,
  offset = 0,
): number {
  const c = p.chol;
  let q = 0;
  if (type === 'full') {
    // y = (x - mu)ᵀ U ; q = |y|²  (U upper triangular: column j uses rows 0..j)
    for (let j = 0; j < d; j++) {
      let y = 0;
      for (let i = 0; i <= j; i++) y += (x[offset + i] - mean[i]) * c[i * d + j];
      q += y * y;
    }
  } else if (type === 'diag') {
    for (let i = 0; i < d; i++) {
      const y = (x[offset + i] - mean[i]) * c[i];
      q += y * y;
    }
  } else {
    const s = c[0];
    for (let i = 0; i < d; i++) {
      const y = (x[offset + i] - mean[i]) * s;
      q += y * y;
    }
  }
  return -0.5 * (d * LOG_2PI + q) + p.logDet;
}

/** How the responsibilities of the first E-step are made. */
export type InitParams = 'kmeans' | 'k-means++' | 'random' | 'random_from_data';

/** Settings of {@link GaussianMixture}; defaults follow scikit-learn. */
export interface GaussianMixtureOptions {
  /** Number of components K (>= 1). */
  nComponents: number;
  /** Covariance structure; default 'full'. */
  covarianceType?: CovarianceType;
  /** Convergence threshold on the change of the mean log-likelihood per sample; default 1e-3. */
  tol?: number;
  /** Added to the diagonal of every covariance (feature units squared); default 1e-6. */
  regCovar?: number;
  /** EM iterations per initialisation; default 100. */
  maxIter?: number;
  /** Initialisations; the one with the highest lower bound is kept; default 1. */
  nInit?: number;
  /** Initialisation: 'kmeans' (k-means++ seeded k-means through ml-kmeans; default), 'k-means++' (seeding only), 'random', 'random_from_data'. */
  initParams?: InitParams;
  /** Initial weights (K, summing to 1); overrides the initialisation's. */
  weightsInit?: ArrayLike<number>;
  /** Initial means (K rows of d). */
  meansInit?: ArrayLike<ArrayLike<number>>;
  /**
   * Initial precisions (inverse covariances): 'full' K matrices d x d (row arrays), 'diag' K rows of
   * d, 'spherical' K numbers.
   */
  precisionsInit?: ArrayLike<ArrayLike<ArrayLike<number>>> | ArrayLike<ArrayLike<number>> | ArrayLike<number>;
  /** Seed of every random step; default 0. */
  seed?: number;
  /** Called after every M-step with the initialisation number, iteration (1-based) and lower bound. */
  onIteration?: (init: number, iteration: number, lowerBound: number) => void;
}

/** Plain-data form of a fitted model (JSON). */
export interface GaussianMixtureJSON {
  kind: 'atomdyn-gaussian-mixture/1';
  covarianceType: CovarianceType;
  nComponents: number;
  nFeatures: number;
  weights: number[];
  means: number[][];
  /** 'full': K d x d matrices; 'diag': K rows of d; 'spherical': K numbers. */
  covariances: number[][][] | number[][] | number[];
  converged: boolean;
  nIter: number;
  lowerBound: number;
  lowerBounds: number[];
  nSamples: number;
  settings: Record<string, unknown>;
}

/** A fitted Gaussian mixture. Immutable. */
export class GaussianMixtureModel {
  readonly covarianceType: CovarianceType;
  readonly nComponents: number;
  readonly nFeatures: number;
  /** Mixing weights, length K, summing to 1. */
  readonly weights: Float64Array;
  /** Component means, K vectors of d. */
  readonly means: readonly Float64Array[];
  /** Covariances: 'full' K of d*d row-major; 'diag' K of d; 'spherical' K of 1. */
  readonly covariances: readonly Float64Array[];
  /** True when EM met the tolerance in the kept initialisation. */
  readonly converged: boolean;
  /** EM iterations of the kept initialisation. */
  readonly nIter: number;
  /** Mean log-likelihood per sample at convergence (scikit-learn `lower_bound_`). */
  readonly lowerBound: number;
  /** Lower bound after every EM iteration of the kept initialisation. */
  readonly lowerBounds: readonly number[];
  /** Samples the model was fitted to. */
  readonly nSamples: number;
  /** The settings that produced it. */
  readonly settings: Readonly<Record<string, unknown>>;
  private readonly factors: PrecisionFactor[];

  constructor(p: {
    covarianceType: CovarianceType;
    weights: ArrayLike<number>;
    means: ArrayLike<number>[];
    covariances: ArrayLike<number>[];
    converged?: boolean;
    nIter?: number;
    lowerBound?: number;
    lowerBounds?: number[];
    nSamples?: number;
    settings?: Record<string, unknown>;
  }) {
    this.covarianceType = p.covarianceType;
    this.nComponents = p.weights.length;
    this.nFeatures = p.means[0]?.length ?? 0;
    this.weights = Float64Array.from(p.weights);
    this.means = p.means.map((m) => Float64Array.from(m));
    this.covariances = p.covariances.map((c) => Float64Array.from(c));
    this.converged = p.converged ?? true;
    this.nIter = p.nIter ?? 0;
    this.lowerBound = p.lowerBound ?? NaN;
    this.lowerBounds = Object.freeze([...(p.lowerBounds ?? [])]);
    this.nSamples = p.nSamples ?? 0;
    this.settings = Object.freeze({ ...(p.settings ?? {}) });
    this.factors = this.covariances.map((c) => precisionCholesky(c, this.covarianceType, this.nFeatures));
    Object.freeze(this.means);
    Object.freeze(this.covariances);
  }

  /** Precision Cholesky factors (scikit-learn `precisions_cholesky_`), one per component. */
  get precisionFactors(): readonly PrecisionFactor[] {
    return this.factors;
  }

  /** Free parameters (scikit-learn `_n_parameters`). */
  nParameters(): number {
    return mixtureParameters(this.covarianceType, this.nComponents, this.nFeatures);
  }

  /** `[n * K]` row-major log(weight_k) + log N(x | k). */
  weightedLogProb(X: ArrayLike<ArrayLike<number>> | DataMatrix): Float64Array {
    const m = toDataMatrix(X);
    if (m.d !== this.nFeatures) throw new RangeError(`data have ${m.d} features, the model ${this.nFeatures}`);
    const K = this.nComponents;
    const out = new Float64Array(m.n * K);
    const lw = Array.from(this.weights, (w) => Math.log(w));
    for (let i = 0; i < m.n; i++) {
      for (let k = 0; k < K; k++) {
        out[i * K + k] = lw[k] + logGaussianDensity(m.data, this.means[k], this.factors[k], this.covarianceType, m.d, i * m.d);
      }
    }
    return out;
  }

  /** Log-likelihood of each sample, length n (scikit-learn `score_samples`). */
  scoreSamples(X: ArrayLike<ArrayLike<number>> | DataMatrix): Float64Array {
    const K = this.nComponents;
    const w = this.weightedLogProb(X);
    const n = w.length / K;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = logSumExp(w, i * K, (i + 1) * K);
    return out;
  }

  /** Mean log-likelihood per sample (scikit-learn `score`). */
  score(X: ArrayLike<ArrayLike<number>> | DataMatrix): number {
    const s = this.scoreSamples(X);
    let t = 0;
    for (const v of s) t += v;
    return t / s.length;
  }

  /** Posterior probabilities `[n][K]` (scikit-learn `predict_proba`). */
  predictProba(X: ArrayLike<ArrayLike<number>> | DataMatrix): Float64Array[] {
    const K = this.nComponents;
    const w = this.weightedLogProb(X);
    const n = w.length / K;
    const out: Float64Array[] = [];
    for (let i = 0; i < n; i++) {
      const l = logSumExp(w, i * K, (i + 1) * K);
      const r = new Float64Array(K);
      for (let k = 0; k < K; k++) r[k] = Math.exp(w[i * K + k] - l);
      out.push(r);
    }
    return out;
  }

  /** Most probable component of each sample, Int32Array of length n. */
  predict(X: ArrayLike<ArrayLike<number>> | DataMatrix): Int32Array {
    const K = this.nComponents;
    const w = this.weightedLogProb(X);
    const n = w.length / K;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (w[i * K + k] > w[i * K + best]) best = k;
      out[i] = best;
    }
    return out;
  }

  /** Bayesian information criterion on X: `-2 n score + p ln n` (lower is better). */
  bic(X: ArrayLike<ArrayLike<number>> | DataMatrix): number {
    const m = toDataMatrix(X);
    return -2 * this.score(m) * m.n + this.nParameters() * Math.log(m.n);
  }

  /** Akaike information criterion on X: `-2 n score + 2 p`. */
  aic(X: ArrayLike<ArrayLike<number>> | DataMatrix): number {
    const m = toDataMatrix(X);
    return -2 * this.score(m) * m.n + 2 * this.nParameters();
  }

  /**
   * Draw `n` samples (scikit-learn `sample`): component counts from a multinomial on the weights,
   * then Gaussian draws through the covariance's Cholesky factor.
   * @returns samples as rows and their component labels (grouped by component, as scikit-learn)
   */
  sample(n: number, seed = 0): { X: number[][]; labels: Int32Array } {
    const rng = new Random(seed);
    const K = this.nComponents;
    const d = this.nFeatures;
    const counts = new Array<number>(K).fill(0);
    for (let i = 0; i < n; i++) {
      let u = rng.uniform();
      let k = 0;
      while (k < K - 1 && u >= this.weights[k]) {
        u -= this.weights[k];
        k++;
      }
      counts[k]++;
    }
    const X: number[][] = [];
    const labels = new Int32Array(n);
    let row = 0;
    for (let k = 0; k < K; k++) {
      const L = this.covarianceType === 'full' ? choleskyLower(this.covariances[k], d) : null;
      for (let c = 0; c < counts[k]; c++) {
        const z = Array.from({ length: d }, () => rng.normal());
        const x = new Array<number>(d);
        for (let i = 0; i < d; i++) {
          let v = this.means[k][i];
          if (L) for (let j = 0; j <= i; j++) v += L[i * d + j] * z[j];
          else v += Math.sqrt(this.covarianceType === 'diag' ? this.covariances[k][i] : this.covariances[k][0]) * z[i];
          x[i] = v;
        }
        X.push(x);
        labels[row++] = k;
      }
    }
    return { X, labels };
  }

  /** Plain data for JSON. */
  toJSON(): GaussianMixtureJSON {
    const d = this.nFeatures;
    const cov =
      this.covarianceType === 'full'
        ? this.covariances.map((c) => Array.from({ length: d }, (_, i) => Array.from(c.subarray(i * d, (i + 1) * d))))
        : this.covarianceType === 'diag'
          ? this.covariances.map((c) => Array.from(c))
          : this.covariances.map((c) => c[0]);
    return {
      kind: 'atomdyn-gaussian-mixture/1',
      covarianceType: this.covarianceType,
      nComponents: this.nComponents,
      nFeatures: d,
      weights: Array.from(this.weights),
      means: this.means.map((m) => Array.from(m)),
      covariances: cov,
      converged: this.converged,
      nIter: this.nIter,
      lowerBound: this.lowerBound,
      lowerBounds: [...this.lowerBounds],
      nSamples: this.nSamples,
      settings: { ...this.settings },
    };
  }

  /**
   * Rebuild a model from {@link toJSON} output.
   * @throws RangeError when the object is not a serialised Gaussian mixture
   */
  static fromJSON(j: GaussianMixtureJSON): GaussianMixtureModel {
    if (!j || j.kind !== 'atomdyn-gaussian-mixture/1') throw new RangeError('not a serialised atomdyn Gaussian mixture');
    const d = j.nFeatures;
    const covs: Float64Array[] =
      j.covarianceType === 'full'
        ? (j.covariances as number[][][]).map((c) => Float64Array.from(c.flat()))
        : j.covarianceType === 'diag'
          ? (j.covariances as number[][]).map((c) => Float64Array.from(c))
          : (j.covariances as number[]).map((c) => Float64Array.of(c));
    if (covs.some((c) => c.length !== (j.covarianceType === 'full' ? d * d : j.covarianceType === 'diag' ? d : 1))) {
      throw new RangeError('covariance shapes do not match nFeatures');
    }
    return new GaussianMixtureModel({
      covarianceType: j.covarianceType,
      weights: j.weights,
      means: j.means,
      covariances: covs,
      converged: j.converged,
      nIter: j.nIter,
      lowerBound: j.lowerBound,
      lowerBounds: j.lowerBounds,
      nSamples: j.nSamples,
      settings: j.settings,
    });
  }
}

/** Lower Cholesky factor (row-major) of a covariance, via ml-matrix. */
function choleskyLower(cov: Float64Array, d: number): Float64Array {
  const rows = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => 0.5 * (cov[i * d + j] + cov[j * d + i])));
  const ch = new CholeskyDecomposition(new Matrix(rows));
  if (!ch.isPositiveDefinite()) throw new IllDefinedCovarianceError();
  const L = ch.lowerTriangularMatrix;
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) out[i * d + j] = L.get(i, j);
  return out;
}

interface Params {
  weights: Float64Array;
  means: Float64Array[];
  covariances: Float64Array[];
  factors: PrecisionFactor[];
}

/**
 * The estimator: settings only. `fit` returns a {@link GaussianMixtureModel}.
 */
export class GaussianMixture {
  readonly options: Readonly<Required<Omit<GaussianMixtureOptions, 'weightsInit' | 'meansInit' | 'precisionsInit' | 'onIteration'>>> &
    Pick<GaussianMixtureOptions, 'weightsInit' | 'meansInit' | 'precisionsInit' | 'onIteration'>;

  /** @throws RangeError on invalid settings */
  constructor(options: GaussianMixtureOptions) {
    const o = {
      covarianceType: 'full' as CovarianceType,
      tol: 1e-3,
      regCovar: 1e-6,
      maxIter: 100,
      nInit: 1,
      initParams: 'kmeans' as InitParams,
      seed: 0,
      ...options,
    };
    if (!Number.isInteger(o.nComponents) || o.nComponents < 1) throw new RangeError(`nComponents must be an integer >= 1, got ${o.nComponents}`);
    if (!['full', 'diag', 'spherical'].includes(o.covarianceType)) throw new RangeError(`unknown covariance type '${o.covarianceType}' (full, diag or spherical)`);
    if (!(o.tol >= 0)) throw new RangeError('tol must be >= 0');
    if (!(o.regCovar >= 0)) throw new RangeError('regCovar must be >= 0');
    if (!(Number.isInteger(o.maxIter) && o.maxIter >= 1)) throw new RangeError('maxIter must be an integer >= 1');
    if (!(Number.isInteger(o.nInit) && o.nInit >= 1)) throw new RangeError('nInit must be an integer >= 1');
    if (!['kmeans', 'k-means++', 'random', 'random_from_data'].includes(o.initParams)) throw new RangeError(`unknown initParams '${o.initParams}'`);
    this.options = Object.freeze(o);
  }

  /**
   * Fit by EM.
   * @param X n samples of d features (n >= nComponents)
   * @throws RangeError on bad data (too few samples, non-finite values, shape mismatch with the
   *   *Init arrays); IllDefinedCovarianceError when a covariance collapses
   */
  fit(X: ArrayLike<ArrayLike<number>> | DataMatrix): GaussianMixtureModel {
    const m = toDataMatrix(X);
    const o = this.options;
    const K = o.nComponents;
    if (m.n < K) throw new RangeError(`expected n_samples >= n_components, got n_samples=${m.n}, n_components=${K}`);
    const rng = new Random(o.seed);
    const resp = new Float64Array(m.n * K);
    let best: { params: Params; lowerBound: number; nIter: number; converged: boolean; history: number[] } | null = null;
    for (let init = 0; init < o.nInit; init++) {
      let params = this.initialize(m, rng);
      let lowerBound = -Infinity;
      let converged = false;
      let nIter = 0;
      const history: number[] = [];
      for (let it = 1; it <= o.maxIter; it++) {
        nIter = it;
        const prev = lowerBound;
        const lpn = eStep(m, params, o.covarianceType, resp);
        params = mStep(m, resp, K, o.covarianceType, o.regCovar);
        lowerBound = lpn;
        history.push(lowerBound);
        o.onIteration?.(init, it, lowerBound);
        if (Math.abs(lowerBound - prev) < o.tol) {
          converged = true;
          break;
        }
      }
      if (best === null || lowerBound > best.lowerBound) best = { params, lowerBound, nIter, converged, history };
    }
    const b = best!;
    return new GaussianMixtureModel({
      covarianceType: o.covarianceType,
      weights: b.params.weights,
      means: b.params.means,
      covariances: b.params.covariances,
      converged: b.converged,
      nIter: b.nIter,
      lowerBound: b.lowerBound,
      lowerBounds: b.history,
      nSamples: m.n,
      settings: {
        nComponents: K,
        covarianceType: o.covarianceType,
        tol: o.tol,
        regCovar: o.regCovar,
        maxIter: o.maxIter,
        nInit: o.nInit,
        initParams: o.initParams,
        seed: o.seed,
      },
    });
  }

  private initialize(m: DataMatrix, rng: Random): Params {
    const o = this.options;
    const K = o.nComponents;
    const { n, d } = m;
    const resp = new Float64Array(n * K);
    const rows = (): number[][] => Array.from({ length: n }, (_, i) => Array.from(m.data.subarray(i * d, (i + 1) * d)));
    if (o.initParams === 'kmeans') {
      const r = kmeans(rows(), K, { initialization: 'kmeans++', seed: rng.nextUint32(), maxIterations: 300 });
      r.clusters.forEach((c, i) => (resp[i * K + c] = 1));
    } else if (o.initParams === 'k-means++') {
      const r = kmeans(rows(), K, { initialization: 'kmeans++', seed: rng.nextUint32(), maxIterations: 1 });
      // seeding only: assign each sample to its nearest seed
      const seeds = r.centroids;
      for (let i = 0; i < n; i++) resp[i * K + nearest(m.data, i * d, d, seeds)] = 1;
    } else if (o.initParams === 'random') {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += resp[i * K + k] = rng.uniform();
        for (let k = 0; k < K; k++) resp[i * K + k] /= s;
      }
    } else {
      const idx = rng.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, K);
      const seeds = idx.map((i) => Array.from(m.data.subarray(i * d, (i + 1) * d)));
      for (let i = 0; i < n; i++) resp[i * K + nearest(m.data, i * d, d, seeds)] = 1;
    }
    let params: Params;
    const needEstimate = !(o.weightsInit && o.meansInit && o.precisionsInit);
    params = needEstimate ? mStep(m, resp, K, o.covarianceType, o.regCovar) : { weights: new Float64Array(K), means: [], covariances: [], factors: [] };
    if (o.weightsInit) {
      if (o.weightsInit.length !== K) throw new RangeError(`weightsInit has ${o.weightsInit.length} entries, expected ${K}`);
      params.weights = Float64Array.from(o.weightsInit);
    }
    if (o.meansInit) {
      if (o.meansInit.length !== K) throw new RangeError(`meansInit has ${o.meansInit.length} rows, expected ${K}`);
      params.means = Array.from({ length: K }, (_, k) => {
        const r = o.meansInit![k];
        if (r.length !== d) throw new RangeError(`meansInit row ${k} has ${r.length} values, expected ${d}`);
        return Float64Array.from(r);
      });
    }
    if (o.precisionsInit) {
      const pi = o.precisionsInit;
      if (pi.length !== K) throw new RangeError(`precisionsInit has ${pi.length} entries, expected ${K}`);
      params.covariances = [];
      params.factors = [];
      for (let k = 0; k < K; k++) {
        let prec: Float64Array;
        if (o.covarianceType === 'full') prec = Float64Array.from((Array.from(pi[k] as ArrayLike<ArrayLike<number>>) as ArrayLike<number>[]).flatMap((r) => Array.from(r)));
        else if (o.covarianceType === 'diag') prec = Float64Array.from(pi[k] as ArrayLike<number>);
        else prec = Float64Array.of(pi[k] as number);
        const expect = o.covarianceType === 'full' ? d * d : o.covarianceType === 'diag' ? d : 1;
        if (prec.length !== expect) throw new RangeError(`precisionsInit[${k}] has ${prec.length} values, expected ${expect}`);
        const cov = o.covarianceType === 'full' ? invertSymmetric(prec, d) : prec.map((v) => 1 / v);
        params.covariances.push(cov);
        params.factors.push(precisionCholesky(cov, o.covarianceType, d));
      }
    }
    return params;
  }
}

function invertSymmetric(a: Float64Array, d: number): Float64Array {
  const M = new Matrix(Array.from({ length: d }, (_, i) => Array.from(a.subarray(i * d, (i + 1) * d))));
  const inv = solve(M, Matrix.eye(d, d));
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] = 0.5 * (inv.get(i, j) + inv.get(j, i));
  return out;
}

function nearest(data: Float64Array, off: number, d: number, seeds: number[][]): number {
  let best = 0;
  let bestD = Infinity;
  seeds.forEach((s, k) => {
    let t = 0;
    for (let j = 0; j < d; j++) t += (data[off + j] - s[j]) ** 2;
    if (t < bestD) {
      bestD = t;
      best = k;
    }
  });
  return best;
}

/** E-step: fills `resp` (n*K, probabilities) and returns the mean log-likelihood. */
function eStep(m: DataMatrix, p: Params, type: CovarianceType, resp: Float64Array): number {
  const K = p.weights.length;
  const lw = Array.from(p.weights, (w) => Math.log(w));
  const row = new Float64Array(K);
  let total = 0;
  for (let i = 0; i < m.n; i++) {
    for (let k = 0; k < K; k++) row[k] = lw[k] + logGaussianDensity(m.data, p.means[k], p.factors[k], type, m.d, i * m.d);
    const l = logSumExp(row);
    total += l;
    for (let k = 0; k < K; k++) resp[i * K + k] = Math.exp(row[k] - l);
  }
  return total / m.n;
}

/** M-step (scikit-learn `_estimate_gaussian_parameters` + precision Cholesky). */
function mStep(m: DataMatrix, resp: Float64Array, K: number, type: CovarianceType, reg: number): Params {
  const { n, d } = m;
  // column means as the shift for stable moments
  const shift = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) shift[j] += m.data[i * d + j] / n;
  const weights = new Float64Array(K);
  const means: Float64Array[] = [];
  const covariances: Float64Array[] = [];
  const factors: PrecisionFactor[] = [];
  for (let k = 0; k < K; k++) {
    const mo = new WeightedMoments(d, type, shift);
    for (let i = 0; i < n; i++) mo.add(m.data, resp[i * K + k], i * d);
    weights[k] = (mo.w + EPS10) / n;
    means.push(mo.mean());
    const cov = mo.covariance(type, reg);
    covariances.push(cov);
    factors.push(precisionCholesky(cov, type, d));
  }
  let s = 0;
  for (const w of weights) s += w;
  for (let k = 0; k < K; k++) weights[k] /= s;
  return { weights, means, covariances, factors };
}
