/**
 * Principal component analysis by the singular value decomposition of the centred data (ml-matrix
 * SVD), as scikit-learn's `sklearn.decomposition.PCA` with the full solver: components are the
 * right singular vectors, explained variance `s² / (n - 1)`, and each component's sign fixed so that
 * its largest-magnitude entry is positive (deterministic output; scikit-learn >= 1.5 `svd_flip` on
 * the components). Used to reduce sub-images (hundreds of pixels) before a mixture is fitted, and as
 * the local-crystallography option on neighbour descriptors (Belianinov et al., Nat. Commun. 6, 7801
 * (2015)).
 *
 * Estimator/model split: `new PCA({ nComponents }).fit(X)` returns an immutable {@link PCAModel}.
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { toDataMatrix, type DataMatrix } from '../dynamics/configurations/gaussianMixture.ts';

/** Settings of {@link PCA}. */
export interface PCAOptions {
  /**
   * Components to keep: an integer >= 1, or a fraction in (0, 1) meaning "as many as needed to
   * explain this fraction of the variance". Default: min(n, d).
   */
  nComponents?: number;
  /** Scale each projected component to unit variance (scikit-learn `whiten`); default false. */
  whiten?: boolean;
}

/** Plain-data form of a fitted PCA. */
export interface PCAJSON {
  kind: 'atomdyn-pca/1';
  mean: number[];
  components: number[][];
  explainedVariance: number[];
  explainedVarianceRatio: number[];
  singularValues: number[];
  whiten: boolean;
  nSamples: number;
}

/** A fitted PCA. Immutable. */
export class PCAModel {
  /** Feature means, length d. */
  readonly mean: Float64Array;
  /** Principal axes, q rows of d (unit vectors). */
  readonly components: readonly Float64Array[];
  /** Variance along each kept component (`s² / (n-1)`), length q. */
  readonly explainedVariance: Float64Array;
  /** Fraction of the total variance along each kept component. */
  readonly explainedVarianceRatio: Float64Array;
  /** Singular values of the centred data for the kept components. */
  readonly singularValues: Float64Array;
  readonly whiten: boolean;
  readonly nSamples: number;

  constructor(p: { mean: ArrayLike<number>; components: ArrayLike<number>[]; explainedVariance: ArrayLike<number>; explainedVarianceRatio: ArrayLike<number>; singularValues: ArrayLike<number>; whiten: boolean; nSamples: number }) {
    this.mean = Float64Array.from(p.mean);
    this.components = Object.freeze(p.components.map((c) => Float64Array.from(c)));
    this.explainedVariance = Float64Array.from(p.explainedVariance);
    this.explainedVarianceRatio = Float64Array.from(p.explainedVarianceRatio);
    this.singularValues = Float64Array.from(p.singularValues);
    this.whiten = p.whiten;
    this.nSamples = p.nSamples;
  }

  /** Number of kept components q. */
  get nComponents(): number {
    return this.components.length;
  }

  /** Project samples: `[n][q]` scores `(x - mean) · components` (divided by sqrt(variance) when whitened). */
  transform(X: ArrayLike<ArrayLike<number>> | DataMatrix): number[][] {
    const m = toDataMatrix(X);
    if (m.d !== this.mean.length) throw new RangeError(`data have ${m.d} features, the PCA ${this.mean.length}`);
    const out: number[][] = [];
    for (let i = 0; i < m.n; i++) out.push(this.transformOne(m.data, i * m.d));
    return out;
  }

  /** Project one sample stored at `offset` in `x`. */
  transformOne(x: ArrayLike<number>, offset = 0): number[] {
    const d = this.mean.length;
    return this.components.map((c, q) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x[offset + j] - this.mean[j]) * c[j];
      return this.whiten ? s / Math.sqrt(this.explainedVariance[q]) : s;
    });
  }

  /** Map scores back to feature space: `[n][d]`. */
  inverseTransform(Z: ArrayLike<ArrayLike<number>>): number[][] {
    const d = this.mean.length;
    const out: number[][] = [];
    for (let i = 0; i < Z.length; i++) {
      const z = Z[i];
      const x = Array.from(this.mean);
      this.components.forEach((c, q) => {
        const s = this.whiten ? z[q] * Math.sqrt(this.explainedVariance[q]) : z[q];
        for (let j = 0; j < d; j++) x[j] += s * c[j];
      });
      out.push(x);
    }
    return out;
  }

  toJSON(): PCAJSON {
    return {
      kind: 'atomdyn-pca/1',
      mean: Array.from(this.mean),
      components: this.components.map((c) => Array.from(c)),
      explainedVariance: Array.from(this.explainedVariance),
      explainedVarianceRatio: Array.from(this.explainedVarianceRatio),
      singularValues: Array.from(this.singularValues),
      whiten: this.whiten,
      nSamples: this.nSamples,
    };
  }

  /** @throws RangeError when the object is not a serialised PCA */
  static fromJSON(j: PCAJSON): PCAModel {
    if (!j || j.kind !== 'atomdyn-pca/1') throw new RangeError('not a serialised atomdyn PCA');
    return new PCAModel(j);
  }
}

/** The PCA estimator. */
export class PCA {
  readonly options: Readonly<PCAOptions>;

  /** @throws RangeError for a non-positive nComponents */
  constructor(options: PCAOptions = {}) {
    if (options.nComponents !== undefined && !(options.nComponents > 0)) throw new RangeError('nComponents must be > 0');
    if (options.nComponents !== undefined && options.nComponents >= 1 && !Number.isInteger(options.nComponents)) {
      throw new RangeError('nComponents must be an integer >= 1 or a fraction in (0, 1)');
    }
    this.options = Object.freeze({ ...options });
  }

  /**
   * Fit on n samples of d features (n >= 2).
   * @throws RangeError on fewer than 2 samples, non-finite values, or more components than min(n, d)
   */
  fit(X: ArrayLike<ArrayLike<number>> | DataMatrix): PCAModel {
    const m = toDataMatrix(X);
    const { n, d } = m;
    if (n < 2) throw new RangeError('PCA needs at least 2 samples');
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += m.data[i * d + j] / n;
    const A = new Matrix(n, d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) A.set(i, j, m.data[i * d + j] - mean[j]);
    const svd = new SingularValueDecomposition(A, { computeLeftSingularVectors: false, computeRightSingularVectors: true, autoTranspose: true });
    const s = svd.diagonal;
    const V = svd.rightSingularVectors; // d x r, columns are right singular vectors
    const r = Math.min(n, d, s.length);
    // order by decreasing singular value (ml-matrix returns them sorted, but be explicit)
    const order = Array.from({ length: r }, (_, i) => i).sort((a, b) => s[b] - s[a]);
    const variance = order.map((i) => (s[i] * s[i]) / (n - 1));
    let totalVar = 0;
    for (let j = 0; j < d; j++) {
      let t = 0;
      for (let i = 0; i < n; i++) t += A.get(i, j) ** 2;
      totalVar += t / (n - 1);
    }
    let q = this.options.nComponents ?? r;
    if (q < 1) {
      let c = 0;
      let k = 0;
      while (k < r && c / totalVar < q) c += variance[k++];
      q = Math.max(1, k);
    }
    if (q > r) throw new RangeError(`nComponents=${q} exceeds min(n_samples, n_features)=${r}`);
    const components: Float64Array[] = [];
    for (let c = 0; c < q; c++) {
      const col = order[c];
      const v = new Float64Array(d);
      let maxAbs = 0;
      let sign = 1;
      for (let j = 0; j < d; j++) {
        v[j] = V.get(j, col);
        if (Math.abs(v[j]) > maxAbs + 1e-12) {
          maxAbs = Math.abs(v[j]);
          sign = Math.sign(v[j]) || 1;
        }
      }
      if (sign < 0) for (let j = 0; j < d; j++) v[j] = -v[j];
      components.push(v);
    }
    const ev = variance.slice(0, q);
    return new PCAModel({
      mean,
      components,
      explainedVariance: ev,
      explainedVarianceRatio: ev.map((v) => (totalVar > 0 ? v / totalVar : 0)),
      singularValues: order.slice(0, q).map((i) => s[i]),
      whiten: this.options.whiten ?? false,
      nSamples: n,
    });
  }
}
