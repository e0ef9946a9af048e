/**
 * The second estimator of the kinetics chain (deeptime's MaximumLikelihoodMSM): a count model
 * (transitionCountEstimator.ts) -> a {@link MarkovModel}: the maximum-likelihood transition matrix,
 * non-reversible by default (transitionMatrix.ts), its Dirichlet posterior interval
 * (transitionUncertainty.ts), with the state sequences a bootstrap over particles, closed sets
 * (connectedSets.ts) and the stationary distribution where unique (stationaryDistribution.ts) with
 * its interval.
 */
import { bootstrapTrajectories, dirichletPosterior, percentileInterval } from './transitionUncertainty.ts';
import { closedSets } from './connectedSets.ts';
import { countTransitions } from './countMatrix.ts';
import { MarkovModel, markovPosterior, type MarkovModelFields } from './markovModel.ts';
import type { StateSequences } from './stateSequences.ts';
import { stationaryDistribution } from './stationaryDistribution.ts';
import type { TransitionCountModel } from './transitionCountEstimator.ts';
import { nonReversibleMle, reversibleMle } from './transitionMatrix.ts';

/** Settings of {@link MarkovModelEstimator}. Every field has a default. */
export interface MarkovModelOptions {
  /** Reversible (detailed-balance) estimate instead of the default non-reversible one. */
  reversible?: boolean;
  /** Seed of all sampling (default 0). */
  seed?: number;
  /** Posterior samples for the matrix intervals (default 1000; 0 = no intervals, NaN). */
  samples?: number;
  /** Dirichlet pseudo-count (default 0.5, Jeffreys). */
  prior?: number;
  /** Interval level (default 0.95). */
  level?: number;
  /** Bootstrap over particles when there are at least `minTrajectories` (default 10) of them; false = never. */
  bootstrap?: { minTrajectories?: number; resamples?: number } | false;
  /** Settings recorded in the model (`settings`, transitions.json); default the ones above. */
  record?: Record<string, unknown>;
}

/** Estimator of {@link MarkovModel}s from counts; holds settings only. */
export class MarkovModelEstimator {
  /** Settings after defaults (see {@link MarkovModelOptions}). */
  readonly reversible: boolean;
  /** Seed of all sampling. */
  readonly seed: number;
  /** Posterior samples for the intervals (0 = none). */
  readonly samples: number;
  /** Dirichlet pseudo-count. */
  readonly prior: number;
  /** Interval level. */
  readonly level: number;
  /** Bootstrap over particles, or false. */
  readonly bootstrap: { minTrajectories?: number; resamples?: number } | false;
  private readonly record: Record<string, unknown> | undefined;

  /** @param opts settings (see {@link MarkovModelOptions}) */
  constructor(opts: MarkovModelOptions = {}) {
    this.reversible = opts.reversible ?? false;
    this.seed = opts.seed ?? 0;
    this.samples = opts.samples ?? 1000;
    this.prior = opts.prior ?? 0.5;
    this.level = opts.level ?? 0.95;
    this.bootstrap = opts.bootstrap === undefined ? { minTrajectories: 10, resamples: 200 } : opts.bootstrap;
    this.record = opts.record;
    Object.freeze(this);
  }

  /**
   * Maximum-likelihood matrix of a count matrix with this estimator's reversibility.
   * @param counts n x n
   */
  matrixOf(counts: ArrayLike<number>[]): number[][] {
    return this.reversible ? reversibleMle(counts).matrix : nonReversibleMle(counts);
  }

  /**
   * Fit the model.
   * @param counts the count model (TransitionCountEstimator.fit)
   * @param sequences the state sequences the counts came from, for the bootstrap over particles
   *   (optional; without them `bootstrap` is null)
   */
  fit(counts: TransitionCountModel, sequences?: StateSequences): MarkovModel {
    const names = counts.states;
    const n = names.length;
    const warnings: string[] = [];
    let matrix: number[][];
    if (this.reversible) {
      const rev = reversibleMle(counts.counts);
      matrix = rev.matrix;
      if (rev.dropped.length) {
        warnings.push(`reversible estimate: ${rev.dropped.length} one-way transition(s) between strongly connected sets cannot obey detailed balance and were left out (${rev.dropped
          .map((d) => `${names[d.from]} -> ${names[d.to]}: ${+d.count.toFixed(3)}`).join(', ')}); the default non-reversible estimate keeps them`);
      }
      if (!rev.converged) warnings.push('reversible estimate: the fixed-point iteration did not converge');
    } else matrix = nonReversibleMle(counts.counts);
    matrix.forEach((row, i) => {
      if (row.every((v) => Number.isNaN(v))) warnings.push(`state ${names[i]} was never observed leaving at lag ${counts.lag} (no pair starts in it): its row is unknown`);
    });
    const post = markovPosterior(counts.uncertaintyCounts, { reversible: this.reversible, prior: this.prior, level: this.level, samples: this.samples, seed: this.seed });
    let bootstrap: MarkovModelFields['bootstrap'] = null;
    if (sequences && this.bootstrap && sequences.trajectories.length >= (this.bootstrap.minTrajectories ?? 10)) {
      const resamples = this.bootstrap.resamples ?? 200;
      const b = bootstrapTrajectories(sequences, (s) => this.matrixOf(countTransitions(s, counts.lag, counts.mode).counts), { resamples, seed: this.seed, level: this.level });
      bootstrap = { ...b.interval, resamples };
    }
    // stationary distribution and its interval over posterior samples
    const st = stationaryDistribution(matrix, names);
    let stationaryLow: number[] | null = null, stationaryHigh: number[] | null = null;
    if (st.distribution && this.samples > 0) {
      // samples on the observed pattern of transitions only, so that they share the estimate's closed
      // set (with a pseudo-count on every entry an unobserved return would make every state recurrent)
      const structural = this.reversible ? post : dirichletPosterior(counts.uncertaintyCounts, { samples: Math.min(this.samples, 500), prior: this.prior, seed: this.seed + 1, sparsePrior: true });
      const draws = structural.samples.map((P) => stationaryDistribution(P).distribution).filter((d): d is number[] => d !== null);
      if (draws.length >= 0.5 * structural.samples.length) {
        stationaryLow = [];
        stationaryHigh = [];
        for (let i = 0; i < n; i++) {
          const [lo, hi] = percentileInterval(draws.map((d) => d[i]), this.level);
          stationaryLow.push(lo);
          stationaryHigh.push(hi);
        }
      }
    }
    return new MarkovModel({
      states: [...names], labels: [...counts.labels], lag: counts.lag, counting: counts.mode, reversible: this.reversible,
      counts: counts.counts, uncertaintyCounts: counts.uncertaintyCounts, matrix, interval: post.interval, bootstrap,
      connectedSets: counts.connectedSets.map((s) => [...s]), closedSets: closedSets(matrix),
      stationary: st.distribution, stationaryLow, stationaryHigh, stationaryNote: st.note,
      trajectories: counts.trajectories, observedFrames: counts.observedFrames, pairs: counts.pairs,
      level: this.level, prior: this.prior, warnings,
      settings: this.record ?? { lag: counts.lag, counting: counts.mode, reversible: this.reversible, seed: this.seed, posterior_samples: this.samples, prior: this.prior, ci_level: this.level, bootstrap: this.bootstrap },
    });
  }
}
