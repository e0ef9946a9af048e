/**
 * The Markov estimator: from per-particle state sequences to a fitted, immutable {@link MarkovModel}
 * (deeptime's Estimator.fit().fetch_model() shape: `new MarkovEstimator(opts).fit(sequences)`).
 *
 * Steps (each in its own module): optional core-set milestoning (coreSets.ts) -> counts at the lag,
 * summed over particles (countMatrix.ts) -> maximum-likelihood matrix, non-reversible by default
 * (transitionMatrix.ts) -> strongly connected and closed sets, reported, never used to drop states
 * (connectedSets.ts) -> Dirichlet posterior and, with enough particles, a bootstrap over particles
 * (transitionUncertainty.ts) -> stationary distribution where unique (stationaryDistribution.ts),
 * censoring-corrected dwell times (dwellTimes.ts), implied timescales against the lag
 * (impliedTimescales.ts), Chapman-Kolmogorov test (chapmanKolmogorov.ts), and, given the beam,
 * rates per second, per dose and cross-sections (beamRates.ts).
 */
import { AtomdynError } from '../../data/errors.ts';
import { beamRates, type BeamCalibration, type BeamRates } from './beamRates.ts';
import { chapmanKolmogorovTest, type CkResult } from './chapmanKolmogorov.ts';
import { closedSets, stronglyConnectedSets } from './connectedSets.ts';
import { applyCoreSets, type CoreOptions } from './coreSets.ts';
import { COUNTING_MODES, countTransitions, maxObservedLag, type CountingMode, type TransitionCounts } from './countMatrix.ts';
import { dwellTimes, type DwellStatistics } from './dwellTimes.ts';
import { impliedTimescales } from './impliedTimescales.ts';
import { observedFrameCount, type StateSequences } from './stateSequences.ts';
import { stationaryDistribution } from './stationaryDistribution.ts';
import { findTransitionEvents, type TransitionEvent } from './transitionEvents.ts';
import { nonReversibleMle, reversibleMle } from './transitionMatrix.ts';
import { bootstrapTrajectories, dirichletPosterior, matrixIntervals, percentileInterval, type MatrixInterval } from './transitionUncertainty.ts';

/** Estimator settings. Every field has a default. */
export interface MarkovOptions {
  /** Lag time in frames (default 1). */
  lag?: number;
  /** Counting mode (default 'sliding'). */
  counting?: CountingMode;
  /** Reversible (detailed-balance) estimate instead of the default non-reversible one. */
  reversible?: boolean;
  /** Seed of all sampling (default 0). */
  seed?: number;
  /** Posterior samples for the matrix intervals (default 1000). */
  samples?: number;
  /** Dirichlet pseudo-count (default 0.5). */
  prior?: number;
  /** Interval level (default 0.95). */
  level?: number;
  /** Bootstrap over particles when there are at least `minTrajectories` (default 10) of them; false = never. */
  bootstrap?: { minTrajectories?: number; resamples?: number } | false;
  /** Lags (frames) for the implied timescales; default a spread up to half the longest track. */
  timescaleLags?: number[];
  /** Largest multiple of the lag in the Chapman-Kolmogorov test (default 4; 0 = skip). */
  ckSteps?: number;
  /** Core-set milestoning against flicker (off by default). */
  core?: CoreOptions;
  /** Frame time and beam, for rates and cross-sections (optional). */
  beam?: BeamCalibration | null;
}

/** Implied timescales against the lag. */
export interface TimescalesVsLag {
  lags: number[];
  /** timescales[l][k]: k-th slowest timescale (frames) at lags[l] (missing entries: fewer eigenvalues). */
  timescales: number[][];
  low: number[][];
  high: number[][];
}

/** Rates with intervals (see beamRates.ts). */
export interface RateEstimate extends BeamRates {
  crossSectionLow: number[][];
  crossSectionHigh: number[][];
  ratePerSLow: number[][];
  ratePerSHigh: number[][];
}

/** A fitted Markov model. Immutable; {@link MarkovModel.toJSON} gives transitions.json's content. */
export class MarkovModel {
  /** State names (matrix order). */
  declare readonly states: readonly string[];
  /** The classifier's state labels, matrix order. */
  declare readonly labels: readonly number[];
  declare readonly lag: number;
  declare readonly counting: CountingMode;
  declare readonly reversible: boolean;
  /** Count matrix of the chosen mode. */
  declare readonly counts: number[][];
  /** Counts behind the error bars (not inflated by overlapping windows). */
  declare readonly uncertaintyCounts: number[][];
  /** Maximum-likelihood transition matrix (NaN rows: never observed leaving). */
  declare readonly matrix: number[][];
  /** Posterior interval (level `level`). */
  declare readonly interval: MatrixInterval;
  /** Bootstrap-over-particles interval, when there were enough particles. */
  declare readonly bootstrap: (MatrixInterval & { resamples: number }) | null;
  /** Strongly connected sets of the count matrix (indices). */
  declare readonly connectedSets: number[][];
  /** Closed sets of the transition matrix. */
  declare readonly closedSets: number[][];
  /** Stationary distribution where unique, with its interval and a note. */
  declare readonly stationary: number[] | null;
  declare readonly stationaryLow: number[] | null;
  declare readonly stationaryHigh: number[] | null;
  declare readonly stationaryNote: string;
  declare readonly dwell: DwellStatistics[];
  declare readonly timescales: TimescalesVsLag;
  declare readonly ck: CkResult | null;
  declare readonly rates: RateEstimate | null;
  declare readonly events: TransitionEvent[];
  declare readonly trajectories: number;
  declare readonly observedFrames: number;
  declare readonly pairs: number;
  declare readonly level: number;
  declare readonly warnings: readonly string[];
  /** The settings used (defaults filled in). */
  declare readonly settings: Readonly<Record<string, unknown>>;

  /** @internal built by {@link MarkovEstimator.fit} */
  constructor(fields: Omit<MarkovModel, 'toJSON' | 'stateIndex'>) {
    Object.assign(this, fields);
    Object.freeze(this);
  }

  /**
   * Index of a state by name.
   * @throws AtomdynError when there is no such state
   */
  stateIndex(name: string): number {
    const i = this.states.indexOf(name);
    if (i < 0) throw new AtomdynError('', `no state named '${name}' (states: ${this.states.join(', ')})`);
    return i;
  }

  /**
   * The content of transitions.json (docs/schema.md): NaN and infinite numbers become null,
   * sets are given by state names.
   */
  toJSON(): Record<string, unknown> {
    const names = (set: number[]) => set.map((i) => this.states[i]);
    const out: Record<string, unknown> = {
      lag: this.lag,
      counting: this.counting,
      reversible: this.reversible,
      states: this.states,
      labels: this.labels,
      counts: this.counts,
      uncertainty_counts: this.uncertaintyCounts,
      matrix: this.matrix,
      ci_level: this.level,
      ci_low: this.interval.low,
      ci_high: this.interval.high,
      bootstrap: this.bootstrap ? { resamples: this.bootstrap.resamples, ci_low: this.bootstrap.low, ci_high: this.bootstrap.high } : null,
      stationary: this.stationary,
      stationary_ci_low: this.stationaryLow,
      stationary_ci_high: this.stationaryHigh,
      stationary_note: this.stationaryNote,
      dwell_frames: this.dwell.map((d) => d.meanFrames),
      dwell_ci_low: this.dwell.map((d) => d.ciLowFrames),
      dwell_ci_high: this.dwell.map((d) => d.ciHighFrames),
      dwell_exits: this.dwell.map((d) => d.exits),
      dwell_trials: this.dwell.map((d) => d.trials),
      dwell_runs: this.dwell.map((d) => d.runs),
      connected_sets: this.connectedSets.map(names),
      closed_sets: this.closedSets.map(names),
      implied_timescales: { lags: this.timescales.lags, timescales_frames: this.timescales.timescales, ci_low: this.timescales.low, ci_high: this.timescales.high },
      chapman_kolmogorov: this.ck
        ? {
            passed: this.ck.passed, critical_z: this.ck.criticalZ, compared: this.ck.compared, level: this.ck.level,
            steps: this.ck.steps.map((s) => ({
              k: s.k, lag: s.lagFrames, passed: s.passed, predicted: s.predicted, estimated: s.estimated,
              predicted_ci_low: s.predictedLow, predicted_ci_high: s.predictedHigh, estimated_ci_low: s.estimatedLow, estimated_ci_high: s.estimatedHigh,
              failures: s.failures.map((f) => ({ from: this.states[f.from], to: this.states[f.to], z: f.z })),
            })),
          }
        : null,
      rates: this.rates
        ? {
            flux_e_per_A2_s: this.rates.flux, dose_per_frame_e_per_A2: this.rates.dosePerFrame,
            rate_per_s: this.rates.ratePerS, rate_per_s_ci_low: this.rates.ratePerSLow, rate_per_s_ci_high: this.rates.ratePerSHigh,
            rate_per_dose_A2: this.rates.ratePerDose,
            cross_section_barn: this.rates.crossSectionBarn, cross_section_ci_low: this.rates.crossSectionLow, cross_section_ci_high: this.rates.crossSectionHigh,
          }
        : null,
      n_trajectories: this.trajectories,
      n_observed_frames: this.observedFrames,
      n_pairs: this.pairs,
      n_events: this.events.length,
      warnings: this.warnings,
      settings: this.settings,
    };
    return JSON.parse(JSON.stringify(out, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
  }
}

function defaultTimescaleLags(maxLag: number, lag: number): number[] {
  const ladder = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150, 200, 300, 500];
  const limit = Math.max(lag, Math.floor(maxLag / 2));
  const out = new Set(ladder.filter((l) => l <= limit));
  out.add(lag);
  return [...out].sort((a, b) => a - b).slice(0, 12);
}

/** Estimator of {@link MarkovModel}s; holds settings only. */
export class MarkovEstimator {
  readonly options: Readonly<Required<Omit<MarkovOptions, 'timescaleLags' | 'beam' | 'core' | 'bootstrap'>>> & Pick<MarkovOptions, 'timescaleLags' | 'beam' | 'core' | 'bootstrap'>;

  /**
   * @param opts settings (see {@link MarkovOptions})
   * @throws AtomdynError('--lag' / '--counting') for an invalid lag or counting mode
   */
  constructor(opts: MarkovOptions = {}) {
    const lag = opts.lag ?? 1;
    if (!Number.isInteger(lag) || lag < 1) throw new AtomdynError('--lag', `lag must be an integer >= 1 (frames), found ${lag}`);
    const counting = opts.counting ?? 'sliding';
    if (!COUNTING_MODES.includes(counting)) throw new AtomdynError('--counting', `unknown counting mode '${counting}' (use ${COUNTING_MODES.join(', ')})`);
    this.options = Object.freeze({
      lag, counting,
      reversible: opts.reversible ?? false,
      seed: opts.seed ?? 0,
      samples: opts.samples ?? 1000,
      prior: opts.prior ?? 0.5,
      level: opts.level ?? 0.95,
      ckSteps: opts.ckSteps ?? 4,
      bootstrap: opts.bootstrap === undefined ? { minTrajectories: 10, resamples: 200 } : opts.bootstrap,
      timescaleLags: opts.timescaleLags,
      beam: opts.beam ?? null,
      core: opts.core,
    });
  }

  /** Maximum-likelihood matrix of counts with this estimator's reversibility. */
  private fitCounts(c: TransitionCounts): number[][] {
    return this.options.reversible ? reversibleMle(c.counts).matrix : nonReversibleMle(c.counts);
  }

  /** Posterior samples for counts `c` (non-reversible Dirichlet; reversible: refit of each draw). */
  private posterior(c: TransitionCounts, seed: number, samples: number): { samples: number[][][]; interval: MatrixInterval } {
    const o = this.options;
    if (!o.reversible) return dirichletPosterior(c.uncertaintyCounts, { samples, prior: o.prior, seed, level: o.level });
    // reversible: draw P from the Dirichlet on the observed pattern, turn it back into expected
    // counts with the same row totals, and take the reversible estimate of those
    const rowTotals = c.uncertaintyCounts.map((r) => r.reduce((a, b) => a + b, 0));
    return dirichletPosterior(
      c.uncertaintyCounts,
      { samples, prior: o.prior, seed, level: o.level, sparsePrior: true },
      (P) => reversibleMle(P.map((r, i) => r.map((p) => (Number.isFinite(p) ? p * rowTotals[i] : 0)))).matrix,
    );
  }

  /**
   * Fit the model.
   * @param input state sequences (stateSequences.ts)
   * @throws AtomdynError when no pair of frames at the lag was observed on any particle
   */
  fit(input: StateSequences): MarkovModel {
    const o = this.options;
    const warnings: string[] = [];
    const seqs = o.core ? applyCoreSets(input, o.core) : input;
    const names = seqs.names;
    const n = names.length;
    const counts = countTransitions(seqs, o.lag, o.counting);
    if (counts.pairs === 0) {
      const longest = maxObservedLag(seqs);
      throw new AtomdynError('--lag', `no particle was observed at two frames ${o.lag} apart (longest track spans ${longest} frame${longest === 1 ? '' : 's'}); use a shorter --lag or longer tracks`);
    }
    let matrix: number[][];
    if (o.reversible) {
      const rev = reversibleMle(counts.counts);
      matrix = rev.matrix;
      if (rev.dropped.length) {
        warnings.push(`reversible estimate: ${rev.dropped.length} one-way transition(s) between strongly connected sets cannot obey detailed balance and were left out (${rev.dropped
          .map((d) => `${names[d.from]} -> ${names[d.to]}: ${+d.count.toFixed(3)}`).join(', ')}); the default non-reversible estimate keeps them`);
      }
      if (!rev.converged) warnings.push('reversible estimate: the fixed-point iteration did not converge');
    } else matrix = nonReversibleMle(counts.counts);
    matrix.forEach((row, i) => {
      if (row.every((v) => Number.isNaN(v))) warnings.push(`state ${names[i]} was never observed leaving at lag ${o.lag} (no pair starts in it): its row is unknown`);
    });
    const post = this.posterior(counts, o.seed, o.samples);
    let bootstrap: MarkovModel['bootstrap'] = null;
    if (o.bootstrap && seqs.trajectories.length >= (o.bootstrap.minTrajectories ?? 10)) {
      const resamples = o.bootstrap.resamples ?? 200;
      const b = bootstrapTrajectories(seqs, (s) => this.fitCounts(countTransitions(s, o.lag, o.counting)), { resamples, seed: o.seed, level: o.level });
      bootstrap = { ...b.interval, resamples };
    }
    // stationary distribution and its interval over posterior samples
    const st = stationaryDistribution(matrix, names);
    let stationaryLow: number[] | null = null, stationaryHigh: number[] | null = null;
    if (st.distribution) {
      // samples on the observed pattern of transitions only, so that they share the estimate's closed
      // set (with a pseudo-count on every entry an unobserved return would make every state recurrent)
      const structural = o.reversible ? post : dirichletPosterior(counts.uncertaintyCounts, { samples: Math.min(o.samples, 500), prior: o.prior, seed: o.seed + 1, sparsePrior: true });
      const draws = structural.samples.map((P) => stationaryDistribution(P).distribution).filter((d): d is number[] => d !== null);
      if (draws.length >= 0.5 * structural.samples.length) {
        stationaryLow = [];
        stationaryHigh = [];
        for (let i = 0; i < n; i++) {
          const [lo, hi] = percentileInterval(draws.map((d) => d[i]), o.level);
          stationaryLow.push(lo);
          stationaryHigh.push(hi);
        }
      }
    }
    // implied timescales against the lag
    const maxLag = maxObservedLag(seqs);
    const lags = (o.timescaleLags ?? defaultTimescaleLags(maxLag, o.lag)).filter((l) => Number.isInteger(l) && l >= 1 && l <= maxLag);
    const timescales: TimescalesVsLag = { lags: [], timescales: [], low: [], high: [] };
    for (const l of lags) {
      const c = countTransitions(seqs, l, o.counting);
      if (c.pairs === 0) continue;
      const ts = impliedTimescales(this.fitCounts(c), l);
      const draws = this.posterior(c, o.seed + 104729 * l, 200).samples.map((P) => impliedTimescales(P, l));
      const low: number[] = [], high: number[] = [];
      for (let k = 0; k < ts.length; k++) {
        const [lo, hi] = percentileInterval(draws.map((d) => (k < d.length ? d[k] : NaN)), o.level);
        low.push(lo);
        high.push(hi);
      }
      timescales.lags.push(l);
      timescales.timescales.push(ts);
      timescales.low.push(low);
      timescales.high.push(high);
    }
    // Chapman-Kolmogorov
    let ck: CkResult | null = null;
    if (o.ckSteps >= 2 && maxLag >= 2 * o.lag) {
      const ckSamples = post.samples.slice(0, Math.min(300, post.samples.length));
      ck = chapmanKolmogorovTest(seqs, matrix, ckSamples, {
        lag: o.lag, mode: o.counting, steps: o.ckSteps, level: o.level, seed: o.seed,
        fit: (c) => this.fitCounts(c),
        sample: (c, seed) => this.posterior(c, seed, ckSamples.length).samples,
      });
      if (ck.passed === false) {
        const bad = ck.steps.filter((s) => !s.passed).map((s) => `${s.k}x lag`).join(', ');
        warnings.push(`Chapman-Kolmogorov test failed at ${bad}: the kinetics are not Markovian at lag ${o.lag} (try a longer lag, or --min-dwell against classification flicker)`);
      }
    }
    // rates
    let rates: RateEstimate | null = null;
    if (o.beam) {
      const r = beamRates(matrix, o.lag, o.beam);
      const rs = post.samples.map((P) => beamRates(P, o.lag, o.beam!));
      const cs = matrixIntervals(rs.map((x) => x.crossSectionBarn), o.level);
      const ks = matrixIntervals(rs.map((x) => x.ratePerS), o.level);
      // a transition never observed has lower bound 0 (as its probability)
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (counts.counts[i][j] === 0) cs.low[i][j] = ks.low[i][j] = 0;
      rates = { ...r, crossSectionLow: cs.low, crossSectionHigh: cs.high, ratePerSLow: ks.low, ratePerSHigh: ks.high };
    }
    const events = findTransitionEvents(seqs);
    if (events.length === 0) warnings.push('no change of state was observed on any particle');
    return new MarkovModel({
      states: names, labels: seqs.labels, lag: o.lag, counting: o.counting, reversible: o.reversible,
      counts: counts.counts, uncertaintyCounts: counts.uncertaintyCounts, matrix, interval: post.interval, bootstrap,
      connectedSets: stronglyConnectedSets(counts.counts), closedSets: closedSets(matrix),
      stationary: st.distribution, stationaryLow, stationaryHigh, stationaryNote: st.note,
      dwell: dwellTimes(seqs, { seed: o.seed }), timescales, ck, rates, events,
      trajectories: seqs.trajectories.length, observedFrames: observedFrameCount(seqs), pairs: counts.pairs, level: o.level,
      warnings: Object.freeze(warnings),
      settings: Object.freeze({
        lag: o.lag, counting: o.counting, reversible: o.reversible, seed: o.seed, posterior_samples: o.samples, prior: o.prior,
        ci_level: o.level, bootstrap: o.bootstrap, ck_steps: o.ckSteps, core: o.core ?? null, beam: o.beam,
      }),
    });
  }
}
