/**
 * The first estimator of the kinetics chain (deeptime's TransitionCountEstimator ->
 * TransitionCountModel): per-particle state sequences -> the count matrix at one lag, with the
 * counting mode, the counts behind the error bars and the strongly connected sets. A
 * {@link MarkovModelEstimator} (markovModelEstimator.ts) turns the counts into a Markov model.
 */
import { AtomdynError } from '../../data/errors.ts';
import { deepFreeze } from '../../data/deepFreeze.ts';
import { stronglyConnectedSets } from './connectedSets.ts';
import { COUNTING_MODES, countTransitions, maxObservedLag, type CountingMode, type TransitionCounts } from './countMatrix.ts';
import { observedFrameCount, type StateSequences } from './stateSequences.ts';

/** Counts at one lag with what they were counted from. Frozen in depth. */
export interface TransitionCountModel extends TransitionCounts {
  /** State names, matrix order. */
  readonly states: readonly string[];
  /** The classifier's state label of each matrix index. */
  readonly labels: readonly number[];
  /** Strongly connected sets of `counts` (state indices, largest first). */
  readonly connectedSets: readonly (readonly number[])[];
  /** Number of particles (trajectories). */
  readonly trajectories: number;
  /** Observed (particle, frame) pairs. */
  readonly observedFrames: number;
}

/**
 * Check a lag and a counting mode as the flags give them.
 * @throws AtomdynError('lag') for a lag that is not an integer >= 1; ('counting') for an unknown mode
 */
export function checkCountSettings(lag: number, counting: string): asserts counting is CountingMode {
  if (!Number.isInteger(lag) || lag < 1) throw AtomdynError.forOption('lag', `lag must be an integer >= 1 (frames), found ${lag}`);
  if (!COUNTING_MODES.includes(counting as CountingMode)) throw AtomdynError.forOption('counting', `unknown counting mode '${counting}' (use ${COUNTING_MODES.join(', ')})`);
}

/**
 * Counts of `seqs` at `lag` as a {@link TransitionCountModel}, also when no pair was observed
 * (`pairs` = 0); the estimator's `fit` refuses that case.
 *
 * @param seqs state sequences
 * @param lag lag time in frames (integer >= 1)
 * @param counting counting mode (countMatrix.ts)
 */
export function countModel(seqs: StateSequences, lag: number, counting: CountingMode): TransitionCountModel {
  const c = countTransitions(seqs, lag, counting);
  return deepFreeze({
    lag: c.lag, mode: c.mode, counts: c.counts, uncertaintyCounts: c.uncertaintyCounts, pairs: c.pairs,
    states: [...seqs.names], labels: [...seqs.labels], connectedSets: stronglyConnectedSets(c.counts),
    trajectories: seqs.trajectories.length, observedFrames: observedFrameCount(seqs),
  });
}

/** Estimator of {@link TransitionCountModel}s; holds the lag and counting mode only. */
export class TransitionCountEstimator {
  /** Lag time in frames. */
  readonly lag: number;
  /** Counting mode. */
  readonly counting: CountingMode;

  /**
   * @param opts.lag lag time in frames (default 1); opts.counting counting mode (default 'sliding')
   * @throws AtomdynError('lag' / 'counting') for an invalid lag or counting mode
   */
  constructor(opts: { lag?: number; counting?: CountingMode } = {}) {
    const lag = opts.lag ?? 1;
    const counting = opts.counting ?? 'sliding';
    checkCountSettings(lag, counting);
    this.lag = lag;
    this.counting = counting;
    Object.freeze(this);
  }

  /**
   * Count transitions at the lag, summed over particles.
   * @param seqs state sequences (stateSequences.ts)
   * @throws AtomdynError('lag') when no particle was observed at two frames `lag` apart
   */
  fit(seqs: StateSequences): TransitionCountModel {
    const model = countModel(seqs, this.lag, this.counting);
    if (model.pairs === 0) {
      const longest = maxObservedLag(seqs);
      throw AtomdynError.forOption('lag', `no particle was observed at two frames ${this.lag} apart (longest track spans ${longest} frame${longest === 1 ? '' : 's'}); use a shorter \`lag\` or longer tracks`);
    }
    return model;
  }
}
