/**
 * Transition count matrices at lag time tau, pooled over trajectories.
 *
 * Counts from all particles are **summed** into one matrix (never per-trajectory probabilities
 * averaged). A pair (t, t + tau) counts only when both frames carry an observed state on the same
 * particle; gaps and the end of a track (the dopant left the field of view or was lost) are
 * censoring, never transitions. Counting modes follow deeptime's TransitionCountEstimator
 * (Prinz et al., J. Chem. Phys. 134, 174105 (2011); Noé 2015 for effective counts):
 *
 * - `sliding`: every pair (t, t + tau). Best for the maximum-likelihood matrix, but at tau > 1 it
 *   holds about tau times more counts than are statistically independent, so for error bars it is
 *   divided by tau (deeptime's "sliding-effective", Trendelkamp-Schroer et al., J. Chem. Phys. 143,
 *   174101 (2015)).
 * - `sample`: pairs (t0, t0 + tau), (t0 + tau, t0 + 2 tau), ... from each track's first frame t0.
 * - `effective`: sliding counts scaled row by row by the statistical inefficiency of the
 *   conditional target sequences (deeptime's effective_count_matrix, average='row', mact=1).
 *
 * Matrices are dense `number[][]` (rows = from, columns = to), indexed like
 * {@link StateSequences.names}.
 */
import { AtomdynError } from '../../data/errors.ts';
import type { StateSequences, StateTrajectory } from './stateSequences.ts';
import { statisticalInefficiency } from './statisticalInefficiency.ts';

/** How pairs of frames are turned into counts (deeptime's count_mode). */
export type CountingMode = 'sliding' | 'sample' | 'effective';

/** The counting modes, for flag validation. */
export const COUNTING_MODES: readonly CountingMode[] = ['sliding', 'sample', 'effective'];

/** Result of counting at one lag. */
export interface TransitionCounts {
  /** Lag time in frames. */
  readonly lag: number;
  readonly mode: CountingMode;
  /** Count matrix of the chosen mode (n x n); used for the maximum-likelihood estimate. */
  readonly counts: number[][];
  /**
   * Counts that are not inflated by overlapping windows (n x n), used for error bars:
   * sliding / lag for `sliding`, the counts themselves for `sample`, and for `effective` the smaller
   * of the effective counts and sliding / lag (deeptime's effective counts run high at lag > 1).
   */
  readonly uncertaintyCounts: number[][];
  /** Number of observed (t, t + lag) pairs behind `counts` (before any effective scaling). */
  readonly pairs: number;
}

/**
 * A square matrix of zeros.
 * @param n size
 */
export function zeros(n: number): number[][] {
  return Array.from({ length: n }, () => new Array<number>(n).fill(0));
}

function checkLag(lag: number): void {
  if (!Number.isInteger(lag) || lag < 1) throw AtomdynError.forOption('lag', `lag must be an integer >= 1 (frames), found ${lag}`);
}

/**
 * Add one trajectory's pairs at `lag` to `C` (in place). Streaming core of {@link countTransitions}.
 *
 * @param C n x n matrix to add to
 * @param traj the trajectory
 * @param lag lag time in frames (>= 1)
 * @param sliding true: every pair; false: pairs at t0, t0 + lag, ... (sample counting)
 * @returns number of pairs added
 */
export function addTrajectoryCounts(C: number[][], traj: StateTrajectory, lag: number, sliding: boolean): number {
  const s = traj.states;
  const step = sliding ? 1 : lag;
  let pairs = 0;
  for (let t = 0; t + lag < s.length; t += step) {
    const a = s[t], b = s[t + lag];
    if (a >= 0 && b >= 0) {
      C[a][b] += 1;
      pairs++;
    }
  }
  return pairs;
}

/**
 * deeptime's effective counts: for each start state i, the time-ordered sequence of target states
 * Y(i) = {x_{t+lag} : x_t = i} (per trajectory, observed pairs only) gives indicator series
 * a_t = 1(Y(i)_t = j) whose statistical inefficiency I_ij scales the count; rows are then averaged:
 * C_eff_ij = C_ij * sum_k(I_ik C_ik) / max(1, sum_k C_ik).
 *
 * @param C sliding count matrix at `lag`
 */
function effectiveCounts(seqs: StateSequences, lag: number, C: number[][]): number[][] {
  const n = C.length;
  // conditional target sequences per start state, one per trajectory
  const split: number[][][] = Array.from({ length: n }, () => []);
  for (const traj of seqs.trajectories) {
    const per: number[][] = Array.from({ length: n }, () => []);
    const s = traj.states;
    for (let t = 0; t + lag < s.length; t++) if (s[t] >= 0 && s[t + lag] >= 0) per[s[t]].push(s[t + lag]);
    for (let i = 0; i < n; i++) if (per[i].length) split[i].push(per[i]);
  }
  const out = zeros(n);
  for (let i = 0; i < n; i++) {
    const rowSum = C[i].reduce((a, b) => a + b, 0);
    let eff = 0;
    for (let j = 0; j < n; j++) {
      if (C[i][j] <= 0) continue;
      const indicators = split[i].map((seq) => Float64Array.from(seq, (v) => (v === j ? 1 : 0)));
      eff += C[i][j] * statisticalInefficiency(indicators, true, 1);
    }
    const factor = eff / Math.max(1, rowSum);
    for (let j = 0; j < n; j++) out[i][j] = C[i][j] * factor;
  }
  return out;
}

/**
 * Count transitions at `lag` over all trajectories, summed.
 *
 * @param seqs state sequences (frame-indexed; gaps are -1)
 * @param lag lag time in frames, integer >= 1
 * @param mode counting mode (default 'sliding')
 * @returns counts (n x n, n = seqs.names.length), counts for error bars, and the number of pairs
 * @throws AtomdynError('lag') for a lag that is not an integer >= 1; AtomdynError('counting') for an unknown mode
 */
export function countTransitions(seqs: StateSequences, lag: number, mode: CountingMode = 'sliding'): TransitionCounts {
  checkLag(lag);
  if (!COUNTING_MODES.includes(mode)) throw AtomdynError.forOption('counting', `unknown counting mode '${mode}' (use ${COUNTING_MODES.join(', ')})`);
  const n = seqs.names.length;
  const C = zeros(n);
  let pairs = 0;
  for (const t of seqs.trajectories) pairs += addTrajectoryCounts(C, t, lag, mode !== 'sample');
  let counts = C;
  let uncertaintyCounts: number[][];
  if (mode === 'sliding') uncertaintyCounts = C.map((r) => r.map((v) => v / lag));
  else if (mode === 'sample') uncertaintyCounts = C.map((r) => r.slice());
  else {
    counts = effectiveCounts(seqs, lag, C);
    // deeptime's effective counts tend to be too high (the truncated autocorrelation function
    // underestimates the correlation time), so error bars use the smaller of the two estimates of
    // independent counts: effective or sliding / lag
    uncertaintyCounts = counts.map((r, i) => r.map((v, j) => Math.min(v, C[i][j] / lag)));
  }
  return Object.freeze({ lag, mode, counts, uncertaintyCounts, pairs });
}

/**
 * The longest lag at which at least one observed pair exists (0 when none does).
 * @param seqs state sequences
 */
export function maxObservedLag(seqs: StateSequences): number {
  let m = 0;
  for (const t of seqs.trajectories) {
    const s = t.states;
    let first = -1, last = -1;
    for (let k = 0; k < s.length; k++) if (s[k] >= 0) { if (first < 0) first = k; last = k; }
    if (first >= 0) m = Math.max(m, last - first);
  }
  return m;
}
