/**
 * Implied timescales t_k = -tau / ln|lambda_k| of a transition matrix at lag tau (Swope, Pitera &
 * Suits, J. Phys. Chem. B 108, 6571 (2004); Prinz et al. 2011). For a Markovian process they do not
 * depend on tau, so plotting them against the lag is the usual check of the lag choice.
 * Non-reversible matrices can have complex eigenvalues; the modulus is used. Eigenvalues of modulus
 * 1 (one per closed set) carry no timescale and are left out. Eigenvalues come from ml-matrix's
 * EigenvalueDecomposition (Hessenberg + shifted QR, as JAMA/EISPACK hqr2).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { percentileInterval } from './transitionUncertainty.ts';

/**
 * Moduli of the eigenvalues of P restricted to the states whose row is known (rows of NaN and their
 * columns are removed; the remaining block may be sub-stochastic), sorted descending.
 * @param P transition matrix (n x n)
 */
export function eigenvalueModuli(P: number[][]): number[] {
  const keep = P.map((r, i) => (r.some((v) => Number.isNaN(v)) ? -1 : i)).filter((i) => i >= 0);
  if (keep.length === 0) return [];
  const M = new Matrix(keep.map((i) => keep.map((j) => P[i][j])));
  const e = new EigenvalueDecomposition(M);
  const re = e.realEigenvalues, im = e.imaginaryEigenvalues;
  return re.map((r, k) => Math.hypot(r, im[k])).sort((a, b) => b - a);
}

/**
 * Implied timescales in frames, slowest first.
 * @param P transition matrix at lag `lag`
 * @param lag lag time in frames
 * @param tolerance eigenvalues with |lambda| > 1 - tolerance count as stationary (default 1e-10)
 * @returns t_k = -lag / ln|lambda_k| for every eigenvalue with 0 < |lambda_k| < 1 - tolerance
 */
export function impliedTimescales(P: number[][], lag: number, tolerance = 1e-10): number[] {
  return eigenvalueModuli(P)
    .filter((m) => m > 1e-300 && m < 1 - tolerance)
    .map((m) => -lag / Math.log(m));
}

/** Implied timescales against the lag. */
export interface TimescalesVsLag {
  lags: number[];
  /** timescales[l][k]: k-th slowest timescale (frames) at lags[l] (missing entries: fewer eigenvalues). */
  timescales: number[][];
  low: number[][];
  high: number[][];
}

/**
 * Implied timescales of Markov models fitted at different lags (deeptime's implied_timescales of a
 * list of models), with equal-tailed intervals over posterior samples of each model.
 *
 * @param models one model per lag, in the order wanted (usually ascending lag)
 * @param opts.samples posterior samples per model (default 200); opts.seed (default 0; the model at
 *   lag l draws with seed + 104729 l); opts.level interval level (default 0.95)
 */
export function impliedTimescalesOfModels(
  models: ReadonlyArray<{ matrix: number[][]; lag: number; posterior(samples: number, seed: number): { samples: number[][][] } }>,
  opts: { samples?: number; seed?: number; level?: number } = {},
): TimescalesVsLag {
  const level = opts.level ?? 0.95;
  const out: TimescalesVsLag = { lags: [], timescales: [], low: [], high: [] };
  for (const m of models) {
    const l = m.lag;
    const ts = impliedTimescales(m.matrix, l);
    const draws = m.posterior(opts.samples ?? 200, (opts.seed ?? 0) + 104729 * l).samples.map((P) => impliedTimescales(P, l));
    const low: number[] = [], high: number[] = [];
    for (let k = 0; k < ts.length; k++) {
      const [lo, hi] = percentileInterval(draws.map((d) => (k < d.length ? d[k] : NaN)), level);
      low.push(lo);
      high.push(hi);
    }
    out.lags.push(l);
    out.timescales.push(ts);
    out.low.push(low);
    out.high.push(high);
  }
  return out;
}
