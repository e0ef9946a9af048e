/**
 * Maximum-likelihood transition matrices from a count matrix.
 *
 * - Non-reversible (the default): P_ij = C_ij / sum_k C_ik, the maximum of the likelihood
 *   prod_ij P_ij^C_ij over all stochastic matrices. Beam-driven kinetics need not obey detailed
 *   balance, and this estimate keeps every observed state and every one-way transition
 *   (Si-C3 -> Si-C4). A state never observed leaving (no pair starts in it) has an unknown row (NaN).
 * - Reversible (option): the maximum under detailed balance pi_i P_ij = pi_j P_ji, by the
 *   fixed-point iteration of Prinz et al., J. Chem. Phys. 134, 174105 (2011), eq. (26), as in
 *   deeptime's mle_trev. Detailed balance is only defined within a strongly connected set, so,
 *   like deeptime's MaximumLikelihoodMSM, each strongly connected set is estimated on its own;
 *   counts between sets (one-way transitions) cannot satisfy detailed balance and are returned in
 *   `dropped` so that the caller can say so.
 */
import { stronglyConnectedSets } from './connectedSets.ts';

/** A transition matrix: n x n, rows sum to 1; a row of NaN = unknown (no counts leave that state). */
export type TransitionMatrix = number[][];

/**
 * Row-normalised counts: the non-reversible maximum-likelihood estimate.
 * @param C count matrix (n x n, entries >= 0)
 * @returns P (rows with no counts are NaN)
 */
export function nonReversibleMle(C: ArrayLike<number>[]): TransitionMatrix {
  return Array.from(C, (row) => {
    const r = Array.from(row);
    const s = r.reduce((a, b) => a + b, 0);
    return s > 0 ? r.map((v) => v / s) : r.map(() => NaN);
  });
}

/** Result of the reversible estimate. */
export interface ReversibleEstimate {
  /** P, block-diagonal over strongly connected sets; NaN rows where a set has no internal counts. */
  matrix: TransitionMatrix;
  /** Stationary weights within each set (each set sums to 1), NaN outside any fitted set. */
  weights: number[];
  /** The strongly connected sets that were fitted separately. */
  sets: number[][];
  /** Counts between different sets, left out because they cannot satisfy detailed balance. */
  dropped: Array<{ from: number; to: number; count: number }>;
  /** Fixed-point iterations used (maximum over sets) and whether every set converged. */
  iterations: number;
  converged: boolean;
}

/**
 * Reversible maximum-likelihood transition matrix (Prinz et al. 2011, eq. 26; deeptime mle_trev):
 * iterate x_i <- sum_j (C_ij + C_ji) / (c_i / x_i + c_j / x_j), normalised, with c_i = sum_j C_ij,
 * until the relative change |(x_new - x) / (x_new + x)|_2 < tol; then X_ij = (C_ij + C_ji) /
 * (c_i / x_i + c_j / x_j) and P_ij = X_ij / sum_k X_ik.
 *
 * @param C count matrix (n x n, entries >= 0)
 * @param opts.tol convergence tolerance (default 1e-12); opts.maxIter iteration cap (default 1e6)
 */
export function reversibleMle(C: ArrayLike<number>[], opts: { tol?: number; maxIter?: number } = {}): ReversibleEstimate {
  const tol = opts.tol ?? 1e-12;
  const maxIter = opts.maxIter ?? 1_000_000;
  const n = C.length;
  const matrix: TransitionMatrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const weights = new Array<number>(n).fill(NaN);
  const sets = stronglyConnectedSets(C);
  const setOf = new Int32Array(n);
  sets.forEach((s, k) => s.forEach((i) => (setOf[i] = k)));
  const dropped: ReversibleEstimate['dropped'] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (C[i][j] > 0 && setOf[i] !== setOf[j]) dropped.push({ from: i, to: j, count: C[i][j] });
  let iterations = 0;
  let converged = true;
  for (const set of sets) {
    const m = set.length;
    const S = set.map((i) => set.map((j) => C[i][j] + C[j][i]));
    const c = set.map((i) => set.reduce((a, j) => a + C[i][j], 0));
    if (c.every((v) => v === 0)) {
      for (const i of set) matrix[i].fill(NaN);
      continue;
    }
    let x = S.map((r) => r.reduce((a, b) => a + b, 0));
    let norm = x.reduce((a, b) => a + b, 0);
    x = x.map((v) => v / norm);
    let it = 0;
    let ok = m === 1;
    while (!ok && it < maxIter) {
      const xn = new Array<number>(m).fill(0);
      for (let a = 0; a < m; a++) {
        for (let b = 0; b < m; b++) if (S[a][b] > 0) xn[a] += S[a][b] / (c[a] / x[a] + c[b] / x[b]);
      }
      norm = xn.reduce((p, q) => p + q, 0);
      let err = 0;
      for (let a = 0; a < m; a++) {
        xn[a] /= norm;
        const e = (xn[a] - x[a]) / (xn[a] + x[a]);
        err += e * e;
      }
      x = xn;
      it++;
      if (Math.sqrt(err) < tol) ok = true;
    }
    iterations = Math.max(iterations, it);
    converged &&= ok;
    for (let a = 0; a < m; a++) {
      const row = new Array<number>(m).fill(0);
      let sum = 0;
      for (let b = 0; b < m; b++) {
        if (S[a][b] > 0) row[b] = S[a][b] / (c[a] / x[a] + c[b] / x[b]);
        sum += row[b];
      }
      const i = set[a];
      if (!(sum > 0) || c[a] === 0) {
        matrix[i].fill(NaN);
        continue;
      }
      for (let b = 0; b < m; b++) matrix[i][set[b]] = row[b] / sum;
      weights[i] = x[a];
    }
  }
  return { matrix, weights, sets, dropped, iterations, converged };
}

/**
 * Matrix product A B of square matrices (NaN propagates).
 * @param A n x n
 * @param B n x n
 */
export function matMul(A: number[][], B: number[][]): number[][] {
  const n = A.length;
  const out = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const a = A[i][k];
      if (a === 0) continue;
      for (let j = 0; j < n; j++) out[i][j] += a * B[k][j];
    }
  }
  return out;
}

/**
 * k-th power of a square matrix (k >= 1). NaN rows stay NaN; a row that can reach a NaN row in
 * fewer than k steps becomes NaN, because its k-step probabilities are unknown.
 * @param P n x n
 * @param k integer >= 1
 */
export function matPow(P: number[][], k: number): number[][] {
  let R = P.map((r) => r.slice());
  for (let s = 1; s < k; s++) R = matMul(R, P);
  return R;
}
