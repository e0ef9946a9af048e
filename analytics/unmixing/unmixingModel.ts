/**
 * What every unmixing estimator returns, and the matrix helpers they share.
 *
 * Input everywhere is a [positions, features] matrix: n rows (image windows, atoms, pixels) of d
 * float64 features, row-major (`DataMatrix` of dynamics/configurations/gaussianMixture.ts) or an
 * array of rows. A fitted model is immutable and carries K components (principal axes, NMF
 * components, endmembers, independent components or cluster centroids, each of d features), the n x K
 * loadings (scores, abundances, sources or one-hot memberships), the explained variance where it
 * means something, and the reconstruction error ||X - X̂||_F of the model's own reconstruction.
 */
import { Matrix } from 'ml-matrix';
import { toDataMatrix, type DataMatrix } from '../../dynamics/configurations/gaussianMixture.ts';

/** The unmixing methods. */
export type UnmixingMethod = 'pca' | 'nmf' | 'nfindr' | 'ica' | 'kmeans' | 'agglomerative';

/** Input accepted by every estimator's `fit`. */
export type UnmixingInput = ArrayLike<ArrayLike<number>> | DataMatrix;

/**
 * The common part of every fitted unmixing model (the base class of the models). Subclasses set
 * `method`, add their own fields and freeze the object at the end of their constructor.
 */
export abstract class FittedUnmixing {
  abstract readonly method: UnmixingMethod;
  /** n samples fitted. */
  readonly nSamples: number;
  /** d features. */
  readonly nFeatures: number;
  /** K components, each d features (read-only views). */
  readonly components: readonly Float64Array[];
  /** n x K loadings, row-major: scores (PCA), activations (NMF), abundances (N-FINDR), sources (ICA), one-hot (clustering). */
  readonly loadings: Float64Array;
  /** Variance of the data along each component (PCA), or null where the method defines none. */
  readonly explainedVariance: Float64Array | null;
  /** Fraction of the total variance per component (PCA), or null. */
  readonly explainedVarianceRatio: Float64Array | null;
  /** Frobenius norm of X minus the model's reconstruction (feature units). */
  readonly reconstructionError: number;

  constructor(p: UnmixingFields) {
    this.nSamples = p.nSamples;
    this.nFeatures = p.nFeatures;
    this.components = p.components;
    this.loadings = p.loadings;
    this.explainedVariance = p.explainedVariance;
    this.explainedVarianceRatio = p.explainedVarianceRatio;
    this.reconstructionError = p.reconstructionError;
  }
}

/** Any fitted unmixing model. */
export type UnmixingModel = FittedUnmixing;

/** The common fields, as passed to {@link FittedUnmixing}'s constructor. */
export type UnmixingFields = Omit<FittedUnmixing, 'method'>;

/** Number of components K of a model. */
export function componentCount(m: UnmixingModel): number {
  return m.components.length;
}

/**
 * Validate and convert estimator input to a row-major matrix.
 * @throws RangeError on ragged rows, no rows, no features or non-finite values
 */
export function asDataMatrix(X: UnmixingInput): DataMatrix {
  return toDataMatrix(X);
}

/** An ml-matrix copy of a row-major matrix. */
export function toMlMatrix(m: DataMatrix): Matrix {
  const A = new Matrix(m.n, m.d);
  for (let i = 0; i < m.n; i++) for (let j = 0; j < m.d; j++) A.set(i, j, m.data[i * m.d + j]);
  return A;
}

/**
 * ||X - (offset + L C)||_F for loadings L (n x K, row-major) and components C (K rows of d).
 * @param offset optional length-d vector added to every reconstructed row (the PCA mean)
 */
export function reconstructionError(m: DataMatrix, loadings: ArrayLike<number>, components: readonly ArrayLike<number>[], offset?: ArrayLike<number>): number {
  const K = components.length;
  let ss = 0;
  for (let i = 0; i < m.n; i++) {
    for (let j = 0; j < m.d; j++) {
      let v = offset ? offset[j] : 0;
      for (let k = 0; k < K; k++) v += loadings[i * K + k] * components[k][j];
      const e = m.data[i * m.d + j] - v;
      ss += e * e;
    }
  }
  return Math.sqrt(ss);
}

/** Check a component count against the data. @throws RangeError when K is not an integer in 1..max */
export function checkComponents(K: number, max: number, what: string): void {
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`${what}: the number of components must be an integer >= 1, got ${K}`);
  if (K > max) throw new RangeError(`${what}: ${K} components requested, the data allow at most ${max}`);
}

/** Freeze an array of Float64Array copies. */
export function frozenRows(rows: ArrayLike<ArrayLike<number>>): readonly Float64Array[] {
  return Object.freeze(Array.from({ length: rows.length }, (_, i) => Float64Array.from(rows[i])));
}
