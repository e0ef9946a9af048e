/**
 * A Markov model together with the analyses of the data it was fitted to: censoring-corrected dwell
 * times (dwellTimes.ts), implied timescales against the lag (impliedTimescales.ts), the
 * Chapman-Kolmogorov test (chapmanKolmogorov.ts), rates per second and per dose (beamRates.ts) and
 * the observed transition events (transitionEvents.ts). {@link KineticsAnalysis.toJSON} is the
 * content of transitions.json; {@link MarkovModel.fromJSON} reads the model part back.
 */
import { deepFreeze } from '../../data/deepFreeze.ts';
import { ratesToJSON, type RateEstimate } from './beamRates.ts';
import type { CkResult } from './chapmanKolmogorov.ts';
import type { DwellStatistics } from './dwellTimes.ts';
import type { TimescalesVsLag } from './impliedTimescales.ts';
import { MarkovModel, type MarkovModelFields } from './markovModel.ts';
import type { TransitionEvent } from './transitionEvents.ts';

/** The analyses held beside the model. */
export interface KineticsAnalysisFields {
  /** Censoring-corrected dwell times per state, from the data (dwellTimes.ts). */
  readonly dwell: DwellStatistics[];
  /** Implied timescales of models refitted at a spread of lags. */
  readonly timescales: TimescalesVsLag;
  /** Chapman-Kolmogorov test, or null when the tracks are too short or it was skipped. */
  readonly ck: CkResult | null;
  /** Rates per second and per dose, with a beam calibration; else null. */
  readonly rates: RateEstimate | null;
  /** Every observed change of state (events.csv). */
  readonly events: TransitionEvent[];
}

/** A fitted model and its analyses. Immutable in depth. */
export class KineticsAnalysis extends MarkovModel implements KineticsAnalysisFields {
  declare readonly dwell: DwellStatistics[];
  declare readonly timescales: TimescalesVsLag;
  declare readonly ck: CkResult | null;
  declare readonly rates: RateEstimate | null;
  declare readonly events: TransitionEvent[];

  /**
   * @param model the model's fields (a {@link MarkovModel} will do)
   * @param analyses the analyses; frozen in depth with the model
   * @throws AtomdynError as {@link MarkovModel}'s constructor
   */
  constructor(model: MarkovModelFields, analyses: KineticsAnalysisFields) {
    super(model);
    Object.assign(this, deepFreeze({ ...analyses }));
    Object.freeze(this);
  }

  /** The model alone (without the analyses), e.g. to save or to apply elsewhere. */
  model(): MarkovModel {
    return new MarkovModel(this);
  }

  /**
   * The content of transitions.json (docs/schema.md): the model's keys ({@link MarkovModel.toJSON})
   * and dwell times, implied timescales, Chapman-Kolmogorov test, rates and the number of events;
   * NaN and infinite numbers become null.
   */
  override toJSON(): Record<string, unknown> {
    const ck = this.ck;
    const out = {
      ...super.toJSON(),
      dwell_frames: this.dwell.map((d) => d.meanFrames),
      dwell_ci_low: this.dwell.map((d) => d.ciLowFrames),
      dwell_ci_high: this.dwell.map((d) => d.ciHighFrames),
      dwell_exits: this.dwell.map((d) => d.exits),
      dwell_trials: this.dwell.map((d) => d.trials),
      dwell_runs: this.dwell.map((d) => d.runs),
      implied_timescales: { lags: this.timescales.lags, timescales_frames: this.timescales.timescales, ci_low: this.timescales.low, ci_high: this.timescales.high },
      chapman_kolmogorov: ck
        ? {
            passed: ck.passed, critical_z: ck.criticalZ, compared: ck.compared, level: ck.level,
            steps: ck.steps.map((s) => ({
              k: s.k, lag: s.lagFrames, passed: s.passed, predicted: s.predicted, estimated: s.estimated,
              predicted_ci_low: s.predictedLow, predicted_ci_high: s.predictedHigh, estimated_ci_low: s.estimatedLow, estimated_ci_high: s.estimatedHigh,
              failures: s.failures.map((f) => ({ from: this.states[f.from], to: this.states[f.to], z: f.z })),
            })),
          }
        : null,
      rates: this.rates ? ratesToJSON(this.rates) : null,
      n_events: this.events.length,
    };
    return JSON.parse(JSON.stringify(out, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
  }
}
