/**
 * Mean dwell (residence) times per state, corrected for censoring.
 *
 * Every pair of consecutive observed frames (t, t + 1) of one particle that starts in state s is a
 * trial in which the particle may leave s. With e exits in m trials, the maximum-likelihood per-frame
 * exit probability of the geometric dwell-time law is q = e / m, also when some dwell periods are cut
 * short by the end of a track or by a gap (right censoring: those periods contribute trials but no
 * exit; the estimator is exits / total observed time at risk, Kalbfleisch & Prentice, The Statistical
 * Analysis of Failure Time Data, 2002). The mean dwell time is 1 / q frames. Simply averaging the
 * observed run lengths would be biased short, because long dwells are the ones most often censored.
 * The 95 % interval uses Jeffreys' posterior q ~ Beta(e + 1/2, m - e + 1/2). When no exit was
 * observed the mean is unknown and `lowerBoundFrames` gives the time already observed.
 */
import { Random } from '../../data/random.ts';
import type { StateSequences } from './stateSequences.ts';
import { percentileInterval } from './transitionUncertainty.ts';

/** Dwell statistics of one state. */
export interface DwellStatistics {
  /** Observed exits (consecutive frames t, t + 1 in different states, starting in this state). */
  exits: number;
  /** Trials: consecutive observed frame pairs starting in this state. */
  trials: number;
  /** Mean dwell time in frames (trials / exits); NaN when no exit was seen. */
  meanFrames: number;
  /** 95 % interval of the mean dwell time in frames (high is Infinity when no exit was seen). */
  ciLowFrames: number;
  ciHighFrames: number;
  /** Frames observed in this state (trials), a lower bound on the mean when no exit was seen. */
  lowerBoundFrames: number;
  /** Run lengths in frames: ended by an observed change (`complete`) or by the end of the track (`censored`). */
  runs: { complete: number[]; censored: number[] };
}

/**
 * Dwell statistics for every state of `seqs` (independent of the Markov lag).
 * @param seqs state sequences
 * @param opts.seed seed for the interval's Beta sampling (default 0); opts.samples (default 4000)
 */
export function dwellTimes(seqs: StateSequences, opts: { seed?: number; samples?: number } = {}): DwellStatistics[] {
  const n = seqs.names.length;
  const exits = new Array<number>(n).fill(0);
  const trials = new Array<number>(n).fill(0);
  const runs = Array.from({ length: n }, () => ({ complete: [] as number[], censored: [] as number[] }));
  for (const traj of seqs.trajectories) {
    const s = traj.states;
    for (let t = 0; t + 1 < s.length; t++) {
      if (s[t] >= 0 && s[t + 1] >= 0) {
        trials[s[t]]++;
        if (s[t + 1] !== s[t]) exits[s[t]]++;
      }
    }
    // runs over observed frames; a gap with the same state on both sides continues the run
    let runState = -1, runStart = 0, lastSeen = 0;
    for (let t = 0; t < s.length; t++) {
      if (s[t] < 0) continue;
      if (runState < 0) {
        runState = s[t];
        runStart = t;
      } else if (s[t] !== runState) {
        runs[runState].complete.push(t - runStart);
        runState = s[t];
        runStart = t;
      }
      lastSeen = t;
    }
    if (runState >= 0) runs[runState].censored.push(lastSeen - runStart + 1);
  }
  const rng = new Random(opts.seed ?? 0);
  const S = opts.samples ?? 4000;
  return Array.from({ length: n }, (_, i) => {
    const e = exits[i], m = trials[i];
    let lo = NaN, hi = NaN;
    if (m > 0) {
      const draws = new Float64Array(S);
      for (let k = 0; k < S; k++) {
        const a = rng.gamma(e + 0.5), b = rng.gamma(m - e + 0.5);
        draws[k] = (a + b) / a; // 1 / q
      }
      [lo, hi] = percentileInterval(draws);
      if (e === 0) hi = Infinity;
    }
    return { exits: e, trials: m, meanFrames: e > 0 ? m / e : NaN, ciLowFrames: lo, ciHighFrames: hi, lowerBoundFrames: m, runs: runs[i] };
  });
}

/** Mean dwell time of each state implied by a Markov model, with its interval. */
export interface ModelDwellTimes {
  /** lag / (1 - P_ii), frames: Infinity for an absorbing state, NaN for an unknown row. */
  meanFrames: number[];
  ciLowFrames: number[];
  ciHighFrames: number[];
}

/**
 * Mean dwell times implied by a Markov model: a state is left within one lag with probability
 * 1 - P_ii, so the dwell time is geometric in units of the lag with mean lag / (1 - P_ii) frames
 * (exact for lag 1; at longer lags it counts returns within a lag as staying). Unlike
 * {@link dwellTimes}, which counts the observed exits of the data, this is a function of the model,
 * so it also applies to a saved model (MarkovModel.fromJSON) and to a model at another lag.
 *
 * @param model the model (matrix at `lag`, posterior, interval level)
 * @param opts.samples posterior samples for the interval (default 1000); opts.seed (default 0)
 */
export function modelDwellTimes(
  model: { matrix: number[][]; lag: number; level: number; posterior(samples: number, seed: number): { samples: number[][][] } },
  opts: { samples?: number; seed?: number } = {},
): ModelDwellTimes {
  const dwell = (P: number[][]) => P.map((row, i) => (Number.isNaN(row[i]) ? NaN : model.lag / (1 - row[i])));
  const meanFrames = dwell(model.matrix);
  const draws = model.posterior(opts.samples ?? 1000, opts.seed ?? 0).samples.map(dwell);
  const ciLowFrames: number[] = [], ciHighFrames: number[] = [];
  meanFrames.forEach((m, i) => {
    // an absorbing state's draws are finite (the prior leaves it sometimes); its bound above is Infinity
    const [lo, hi] = percentileInterval(draws.map((d) => d[i]), model.level);
    ciLowFrames.push(Number.isNaN(m) ? NaN : lo);
    ciHighFrames.push(Number.isNaN(m) ? NaN : m === Infinity ? Infinity : hi);
  });
  return { meanFrames, ciLowFrames, ciHighFrames };
}
