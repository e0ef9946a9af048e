/**
 * Truncated singular value decomposition by random projection (Halko, Martinsson & Tropp, SIAM Rev.
 * 53, 217 (2011), algorithms 4.4 and 5.1), as scikit-learn's `randomized_svd`: a Gaussian test
 * matrix of k + p columns, q power iterations re-orthonormalised by QR, then the exact SVD of the
 * small projected matrix. Used for PCA and NMF initialisation of large [positions, features]
 * matrices (a sliding-FFT stack of 15 000 windows x 400 frequencies), where a full SVD costs
 * O(n d min(n, d)).
 */
import { Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { Random } from '../data/random.ts';

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
  /** n x k left singular vectors (columns). */
  U: Matrix;
  /** k singular values, decreasing. */
  s: Float64Array;
  /** d x k right singular vectors (columns). */
  V: Matrix;
}

function orthonormalBasis(Y: Matrix): Matrix {
  return new QrDecomposition(Y).orthogonalMatrix.subMatrix(0, Y.rows - 1, 0, Math.min(Y.rows, Y.columns) - 1);
}

/**
 * Rank-k SVD of an n x d matrix by random projection.
 * @param A the matrix (not modified)
 * @param k rank, 1 <= k <= min(n, d)
 * @throws RangeError for k out of range
 */
export function randomizedSvd(A: Matrix, k: number, options: RandomizedSvdOptions = {}): TruncatedSvd {
  const n = A.rows;
  const d = A.columns;
  const r = Math.min(n, d);
  if (!Number.isInteger(k) || k < 1 || k > r) throw new RangeError(`randomizedSvd: rank ${k} outside 1..${r}`);
  const l = Math.min(r, k + (options.oversamples ?? 10));
  const q = options.powerIterations ?? (k < 0.1 * r ? 7 : 4);
  const rng = new Random(options.seed ?? 0);
  const omega = new Matrix(d, l);
  for (let i = 0; i < d; i++) for (let j = 0; j < l; j++) omega.set(i, j, rng.normal());
  let Q = orthonormalBasis(A.mmul(omega));
  const At = A.transpose();
  for (let it = 0; it < q; it++) {
    const Z = orthonormalBasis(At.mmul(Q));
    Q = orthonormalBasis(A.mmul(Z));
  }
  const B = Q.transpose().mmul(A); // l x d
  const svd = new SingularValueDecomposition(B, { autoTranspose: true });
  const order = Array.from(svd.diagonal.keys()).sort((a, b) => svd.diagonal[b] - svd.diagonal[a]).slice(0, k);
  const Ub = svd.leftSingularVectors;
  const Vb = svd.rightSingularVectors;
  const Uk = new Matrix(Ub.rows, k);
  for (let i = 0; i < Ub.rows; i++) for (let j = 0; j < k; j++) Uk.set(i, j, Ub.get(i, order[j]));
  const U = Q.mmul(Uk);
  const V = new Matrix(d, k);
  for (let i = 0; i < d; i++) for (let j = 0; j < k; j++) V.set(i, j, Vb.get(i, order[j]));
  return { U, s: Float64Array.from(order.map((o) => svd.diagonal[o])), V };
}
