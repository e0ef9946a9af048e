/**
 * Chapman-Kolmogorov test (Prinz et al., J. Chem. Phys. 134, 174105 (2011), section IV.B): a Markov
 * model at lag tau predicts the k-step matrix P(tau)^k, which must agree with the matrix P(k tau)
 * estimated directly from the data at lag k tau.
 *
 * The tolerance is statistical, not a fixed number: for every entry with data in both, the
 * difference is divided by the combined posterior standard deviation of the prediction (samples of
 * P(tau) raised to the k-th power) and of the direct estimate (samples at lag k tau),
 * z = (pred - est) / sqrt(sd_pred² + sd_est²). The model passes when every |z| stays below the
 * Bonferroni-corrected two-sided 95 % critical value over all compared entries, so that a true
 * Markov chain fails only about 5 % of the time however many entries are compared, while a
 * misclassified or non-Markovian state (flicker, hidden intermediates) fails clearly once the data
 * can resolve it.
 */
import type { CountingMode, TransitionCounts } from './countMatrix.ts';
import { countTransitions, maxObservedLag } from './countMatrix.ts';
import type { StateSequences } from './stateSequences.ts';
import { matPow } from './transitionMatrix.ts';
import { percentileInterval } from './transitionUncertainty.ts';
import { markovPosterior, type MarkovModel } from './markovModel.ts';
import type { MarkovModelEstimator } from './markovModelEstimator.ts';

/** Comparison at one multiple k of the lag. */
export interface CkStep {
  k: number;
  /** k * lag, frames. */
  lagFrames: number;
  predicted: number[][];
  estimated: number[][];
  predictedLow: number[][];
  predictedHigh: number[][];
  estimatedLow: number[][];
  estimatedHigh: number[][];
  /** Standardised differences (NaN where not compared). */
  z: number[][];
  /** Entries with |z| above the critical value. */
  failures: Array<{ from: number; to: number; z: number }>;
  passed: boolean;
}

/** Result of the test. */
export interface CkResult {
  lag: number;
  /** Critical |z| (two-sided, Bonferroni over `compared` entries, family level `level`). */
  criticalZ: number;
  compared: number;
  level: number;
  steps: CkStep[];
  /** null when no entry could be compared (too little data at k * lag). */
  passed: boolean | null;
}

/** What the test needs from the estimator. */
export interface CkOptions {
  lag: number;
  mode: CountingMode;
  /** Largest multiple k of the lag (default 4); fewer when the tracks are too short. */
  steps?: number;
  /** Family-wise level (default 0.95). */
  level?: number;
  /** Maximum-likelihood matrix from counts. */
  fit: (counts: TransitionCounts) => number[][];
  /** Posterior samples from counts (same estimator, e.g. Dirichlet). */
  sample: (counts: TransitionCounts, seed: number) => number[][][];
  seed?: number;
}

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9).
 * @param p probability in (0, 1)
 */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - pl) return -normalQuantile(1 - p);
  const q = p - 0.5, r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

function summarise(samples: number[][][], n: number) {
  const low = Array.from({ length: n }, () => new Array<number>(n).fill(NaN));
  const high = Array.from({ length: n }, () => new Array<number>(n).fill(NaN));
  const sd = Array.from({ length: n }, () => new Array<number>(n).fill(NaN));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const v = samples.map((P) => P[i][j]).filter((x) => Number.isFinite(x));
    if (!v.length) continue;
    [low[i][j], high[i][j]] = percentileInterval(v);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    sd[i][j] = Math.sqrt(v.reduce((a, b) => a + (b - m) * (b - m), 0) / Math.max(1, v.length - 1));
  }
  return { low, high, sd };
}

/**
 * Run the test for k = 1 .. steps (k = 1 compares the model with itself and is reported, not tested).
 * @param seqs state sequences the model was fitted to
 * @param P model transition matrix at `opts.lag`
 * @param lagSamples posterior samples of P (same estimator)
 * @param opts see {@link CkOptions}
 */
export function chapmanKolmogorovTest(seqs: StateSequences, P: number[][], lagSamples: number[][][], opts: CkOptions): CkResult {
  const n = P.length;
  const level = opts.level ?? 0.95;
  const maxK = Math.max(1, Math.min(opts.steps ?? 4, Math.floor(maxObservedLag(seqs) / opts.lag)));
  const steps: CkStep[] = [];
  let compared = 0;
  for (let k = 1; k <= maxK; k++) {
    const counts = countTransitions(seqs, k * opts.lag, opts.mode);
    const estimated = opts.fit(counts);
    const predicted = matPow(P, k);
    const predSamples = lagSamples.map((S) => matPow(S, k));
    const estSamples = opts.sample(counts, (opts.seed ?? 0) + 7919 * k);
    const sp = summarise(predSamples, n), se = summarise(estSamples, n);
    const z = Array.from({ length: n }, () => new Array<number>(n).fill(NaN));
    const step: CkStep = {
      k, lagFrames: k * opts.lag, predicted, estimated,
      predictedLow: sp.low, predictedHigh: sp.high, estimatedLow: se.low, estimatedHigh: se.high,
      z, failures: [], passed: true,
    };
    if (k > 1) {
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        if (!Number.isFinite(predicted[i][j]) || !Number.isFinite(estimated[i][j]) || !Number.isFinite(sp.sd[i][j]) || !Number.isFinite(se.sd[i][j])) continue;
        const d = predicted[i][j] - estimated[i][j];
        const s = Math.hypot(sp.sd[i][j], se.sd[i][j]);
        z[i][j] = s > 0 ? d / s : Math.abs(d) < 1e-12 ? 0 : Math.sign(d) * Infinity;
        compared++;
      }
    }
    steps.push(step);
  }
  const criticalZ = compared > 0 ? normalQuantile(1 - (1 - level) / (2 * compared)) : NaN;
  for (const step of steps) {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const zz = step.z[i][j];
      if (!Number.isNaN(zz) && Math.abs(zz) > criticalZ) step.failures.push({ from: i, to: j, z: zz });
    }
    step.passed = step.failures.length === 0;
  }
  return { lag: opts.lag, criticalZ, compared, level, steps, passed: compared > 0 ? steps.every((s) => s.passed) : null };
}

/**
 * The test of a fitted model (deeptime's ck_test): its matrix and posterior samples against models
 * refitted with the same estimator at k times its lag from the sequences it was fitted to.
 *
 * @param model the model at lag tau
 * @param seqs the state sequences it was fitted to
 * @param estimator the estimator that made it (its reversibility, prior and level)
 * @param opts.steps largest k (default 4); opts.seed (default 0); opts.samples posterior samples per
 *   step (default 300)
 */
export function chapmanKolmogorovOfModel(
  model: MarkovModel,
  seqs: StateSequences,
  estimator: MarkovModelEstimator,
  opts: { steps?: number; seed?: number; samples?: number } = {},
): CkResult {
  const seed = opts.seed ?? 0;
  const samples = opts.samples ?? 300;
  const post = (c: TransitionCounts, s: number) =>
    markovPosterior(c.uncertaintyCounts, { reversible: estimator.reversible, prior: estimator.prior, level: estimator.level, samples, seed: s }).samples;
  return chapmanKolmogorovTest(seqs, model.matrix, model.posterior(samples, seed).samples, {
    lag: model.lag, mode: model.counting, steps: opts.steps ?? 4, level: model.level, seed,
    fit: (c) => estimator.matrixOf(c.counts),
    sample: post,
  });
}
