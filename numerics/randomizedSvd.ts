/**
 * Truncated singular value decomposition by random projection (Halko, Martinsson & Tropp, SIAM Rev.
 * 53, 217 (2011), algorithms 4.4 and 5.1), as scikit-learn's `randomized_svd`: a Gaussian test
 * matrix of k + p columns, q power iterations re-orthonormalised (Gram-Schmidt, twice), then the
 * exact SVD (ml-matrix) of the small projected matrix. Used for PCA and the NMF start on large
 * [positions, features] matrices (a sliding-FFT stack of 15 000 windows x 400 frequencies), where a
 * full SVD costs O(n d min(n, d)). The products with A run on flat Float64Arrays (ml-matrix's
 * element accessors are ~10x slower at these sizes).
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { Random } from '../data/random.ts';
import type { DataMatrix } from '../dynamics/configurations/gaussianMixture.ts';

/** Settings of {@link randomizedSvd}. */
export interface RandomizedSvdOptions {
  /** Extra random directions beyond k (default 10, scikit-learn's). */
  oversamples?: number;
  /** Power iterations (default 7 when k < 0.1 min(n, d), else 4; scikit-learn's 'auto'). */
  powerIterations?: number;
  /** Seed of the Gaussian test matrix (default 0). */
  seed?: number;
}

/** A rank-k SVD: A ≈ U diag(s) Vᵀ. */
export interface TruncatedSvd {
  /** n x k left singular vectors, row-major (column c is the c-th vector). */
  U: Float64Array;
  /** k singular values, decreasing. */
  s: Float64Array;
  /** k right singular vectors as rows of d (row-major k x d). */
  Vt: Float64Array;
  k: number;
}

/** Orthonormalise the l columns of a row-major m x l matrix in place (modified Gram-Schmidt, two passes). */
function orthonormaliseColumns(Y: Float64Array, m: number, l: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let c = 0; c < l; c++) {
      for (let b = 0; b < c; b++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += Y[i * l + c] * Y[i * l + b];
        for (let i = 0; i < m; i++) Y[i * l + c] -= dot * Y[i * l + b];
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += Y[i * l + c] ** 2;
      norm = Math.sqrt(norm);
      for (let i = 0; i < m; i++) Y[i * l + c] = norm > 1e-300 ? Y[i * l + c] / norm : 0;
    }
  }
}

/** A (n x d) times M (d x l) -> n x l, all row-major. */
function times(A: DataMatrix, M: Float64Array, l: number): Float64Array {
  const { n, d, data } = A;
  const out = new Float64Array(n * l);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const a = data[i * d + j];
      if (a === 0) continue;
      for (let c = 0; c < l; c++) out[i * l + c] += a * M[j * l + c];
    }
  }
  return out;
}

/** Aᵀ (d x n) times M (n x l) -> d x l, all row-major. */
function transposeTimes(A: DataMatrix, M: Float64Array, l: number): Float64Array {
  const { n, d, data } = A;
  const out = new Float64Array(d * l);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const a = data[i * d + j];
      if (a === 0) continue;
      for (let c = 0; c < l; c++) out[j * l + c] += a * M[i * l + c];
    }
  }
  return out;
}

/**
 * Rank-k SVD of an n x d matrix by random projection.
 * @param A row-major n x d matrix (not modified)
 * @param k rank, 1 <= k <= min(n, d)
 * @throws RangeError for k out of range
 */
export function randomizedSvd(A: DataMatrix, k: number, options: RandomizedSvdOptions = {}): TruncatedSvd {
  const { n, d } = A;
  const r = Math.min(n, d);
  if (!Number.isInteger(k) || k < 1 || k > r) throw new RangeError(`randomizedSvd: rank ${k} outside 1..${r}`);
  const l = Math.min(r, k + (options.oversamples ?? 10));
  const q = options.powerIterations ?? (k < 0.1 * r ? 7 : 4);
  const rng = new Random(options.seed ?? 0);
  const omega = new Float64Array(d * l);
  for (let i = 0; i < omega.length; i++) omega[i] = rng.normal();
  let Q = times(A, omega, l);
  orthonormaliseColumns(Q, n, l);
  for (let it = 0; it < q; it++) {
    const Z = transposeTimes(A, Q, l);
    orthonormaliseColumns(Z, d, l);
    Q = times(A, Z, l);
    orthonormaliseColumns(Q, n, l);
  }
  const Bt = transposeTimes(A, Q, l); // d x l = (Qᵀ A)ᵀ
  const B = new Matrix(l, d);
  for (let j = 0; j < d; j++) for (let c = 0; c < l; c++) B.set(c, j, Bt[j * l + c]);
  const svd = new SingularValueDecomposition(B, { autoTranspose: true });
  const order = Array.from(svd.diagonal.keys()).sort((a, b) => svd.diagonal[b] - svd.diagonal[a]).slice(0, k);
  const Ub = svd.leftSingularVectors; // l x l'
  const Vb = svd.rightSingularVectors; // d x l'
  const U = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let a = 0; a < l; a++) s += Q[i * l + a] * Ub.get(a, order[c]);
      U[i * k + c] = s;
    }
  }
  const Vt = new Float64Array(k * d);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) Vt[c * d + j] = Vb.get(j, order[c]);
  return { U, s: Float64Array.from(order, (o) => svd.diagonal[o]), Vt, k };
}
