/**
 * The whole kinetics analysis of per-particle state sequences in one call:
 * `new MarkovEstimator(opts).fit(sequences)` -> a {@link KineticsAnalysis} (a {@link MarkovModel}
 * with its analyses). It composes the parts, each usable on its own as in deeptime:
 * optional core-set milestoning (coreSets.ts) -> {@link TransitionCountEstimator} (counts at the lag,
 * summed over particles, connected sets) -> {@link MarkovModelEstimator} (maximum-likelihood matrix,
 * non-reversible by default; Dirichlet posterior; with enough particles a bootstrap over particles;
 * stationary distribution) -> functions of the model: implied timescales of models refitted at a
 * spread of lags (impliedTimescales.ts), the Chapman-Kolmogorov test (chapmanKolmogorov.ts) and,
 * given the beam, rates per second, per dose and cross-sections (beamRates.ts); and of the data:
 * censoring-corrected dwell times (dwellTimes.ts) and the transition events (transitionEvents.ts).
 */
import { ratesOfModel, type BeamCalibration, type RateEstimate } from './beamRates.ts';
import { chapmanKolmogorovOfModel, type CkResult } from './chapmanKolmogorov.ts';
import { applyCoreSets, type CoreOptions } from './coreSets.ts';
import { maxObservedLag, type CountingMode } from './countMatrix.ts';
import { dwellTimes } from './dwellTimes.ts';
import { impliedTimescalesOfModels, type TimescalesVsLag } from './impliedTimescales.ts';
import { KineticsAnalysis } from './kineticsAnalysis.ts';
import { MarkovModelEstimator, type MarkovModelOptions } from './markovModelEstimator.ts';
import type { StateSequences } from './stateSequences.ts';
import { checkCountSettings, countModel, TransitionCountEstimator } from './transitionCountEstimator.ts';
import { findTransitionEvents } from './transitionEvents.ts';

export type { RateEstimate, TimescalesVsLag };
export { KineticsAnalysis };

/** Estimator settings: those of the counts and of the model (markovModelEstimator.ts) and of the analyses. Every field has a default. */
export interface MarkovOptions extends Omit<MarkovModelOptions, 'record'> {
  /** Lag time in frames (default 1). */
  lag?: number;
  /** Counting mode (default 'sliding'). */
  counting?: CountingMode;
  /** Lags (frames) for the implied timescales; default a spread up to half the longest track. */
  timescaleLags?: number[];
  /** Largest multiple of the lag in the Chapman-Kolmogorov test (default 4; 0 = skip). */
  ckSteps?: number;
  /** Core-set milestoning against flicker (off by default). */
  core?: CoreOptions;
  /** Frame time and beam, for rates and cross-sections (optional). */
  beam?: BeamCalibration | null;
}

function defaultTimescaleLags(maxLag: number, lag: number): number[] {
  const ladder = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150, 200, 300, 500];
  const limit = Math.max(lag, Math.floor(maxLag / 2));
  const out = new Set(ladder.filter((l) => l <= limit));
  out.add(lag);
  return [...out].sort((a, b) => a - b).slice(0, 12);
}

/** Estimator of {@link KineticsAnalysis}: the whole analysis; holds settings only. */
export class MarkovEstimator {
  readonly options: Readonly<Required<Omit<MarkovOptions, 'timescaleLags' | 'beam' | 'core' | 'bootstrap'>>> & Pick<MarkovOptions, 'timescaleLags' | 'beam' | 'core' | 'bootstrap'>;

  /**
   * @param opts settings (see {@link MarkovOptions})
   * @throws AtomdynError('lag' / 'counting') for an invalid lag or counting mode
   */
  constructor(opts: MarkovOptions = {}) {
    const lag = opts.lag ?? 1;
    const counting = opts.counting ?? 'sliding';
    checkCountSettings(lag, counting);
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

  /** The settings recorded in the model (transitions.json `settings`). */
  private record(): Record<string, unknown> {
    const o = this.options;
    return {
      lag: o.lag, counting: o.counting, reversible: o.reversible, seed: o.seed, posterior_samples: o.samples, prior: o.prior,
      ci_level: o.level, bootstrap: o.bootstrap, ck_steps: o.ckSteps, core: o.core ?? null, beam: o.beam,
    };
  }

  /**
   * Fit the model and run the analyses.
   * @param input state sequences (stateSequences.ts)
   * @throws AtomdynError when no pair of frames at the lag was observed on any particle
   */
  fit(input: StateSequences): KineticsAnalysis {
    const o = this.options;
    const seqs = o.core ? applyCoreSets(input, o.core) : input;
    const counts = new TransitionCountEstimator({ lag: o.lag, counting: o.counting }).fit(seqs);
    const settings = { reversible: o.reversible, seed: o.seed, prior: o.prior, level: o.level };
    const estimator = new MarkovModelEstimator({ ...settings, samples: o.samples, bootstrap: o.bootstrap, record: this.record() });
    const model = estimator.fit(counts, seqs);
    const warnings = [...model.warnings];
    // implied timescales of models refitted at a spread of lags (matrices only; their posterior is
    // drawn by impliedTimescalesOfModels)
    const maxLag = maxObservedLag(seqs);
    const lags = (o.timescaleLags ?? defaultTimescaleLags(maxLag, o.lag)).filter((l) => Number.isInteger(l) && l >= 1 && l <= maxLag);
    const matrixOnly = new MarkovModelEstimator({ ...settings, samples: 0, bootstrap: false });
    const atLags = lags.map((l) => countModel(seqs, l, o.counting)).filter((c) => c.pairs > 0).map((c) => matrixOnly.fit(c));
    const timescales = impliedTimescalesOfModels(atLags, { samples: 200, seed: o.seed, level: o.level });
    let ck: CkResult | null = null;
    if (o.ckSteps >= 2 && maxLag >= 2 * o.lag) {
      ck = chapmanKolmogorovOfModel(model, seqs, estimator, { steps: o.ckSteps, seed: o.seed, samples: Math.min(300, o.samples) });
      if (ck.passed === false) {
        const bad = ck.steps.filter((s) => !s.passed).map((s) => `${s.k}x lag`).join(', ');
        warnings.push(`Chapman-Kolmogorov test failed at ${bad}: the kinetics are not Markovian at lag ${o.lag} (try a longer lag, or --min-dwell against classification flicker)`);
      }
    }
    const rates: RateEstimate | null = o.beam ? ratesOfModel(model, o.beam, { samples: o.samples, seed: o.seed }) : null;
    const events = findTransitionEvents(seqs);
    if (events.length === 0) warnings.push('no change of state was observed on any particle');
    return new KineticsAnalysis({ ...model, warnings }, { dwell: dwellTimes(seqs, { seed: o.seed }), timescales, ck, rates, events });
  }
}
