/**
 * Beam-induced rates, rates per dose and cross-sections from transition probabilities.
 *
 * The electron flux phi (e-/Å²/s) is given directly (`--dose-rate`) or from the beam current and the
 * scanned field of view: phi = (I / e) / A. From the transition matrix at lag tau (frames) with frame
 * time dt, the probability of leaving state i within one lag is 1 - P_ii, so the total exit rate is
 * k_i = -ln(P_ii) / (tau dt), shared between destinations in proportion to P_ij (competing risks):
 * k_ij = k_i P_ij / (1 - P_ii). This first-order conversion is exact for a single exit per lag and
 * accurate while returns within one lag are rare (P_ii not small). Dividing by the flux gives the rate
 * per dose, i.e. the cross-section sigma_ij = k_ij / phi in Å², reported in barn
 * (1 Å² = 1e-20 m² = 1e8 b), as in Susi et al., Phys. Rev. Lett. 113, 115501 (2014).
 */
import { AtomdynError } from '../../data/errors.ts';
import { matrixIntervals } from './transitionUncertainty.ts';

/** Elementary charge, C. */
export const ELEMENTARY_CHARGE = 1.602176634e-19;
/** Barn per Å². */
export const BARN_PER_A2 = 1e8;

/** Beam and timing settings. */
export interface BeamCalibration {
  /** Seconds per frame. */
  frameTimeS: number;
  /** Electron flux, e-/Å²/s (takes precedence over the beam current). */
  doseRate?: number | null;
  /** Beam current, pA (needs `fieldOfViewA2`). */
  beamCurrentPa?: number | null;
  /** Scanned area, Å² (width x height x pixel size²). */
  fieldOfViewA2?: number | null;
}

/**
 * Electron flux in e-/Å²/s.
 * @throws AtomdynError naming the flag when neither a dose rate nor a beam current with a field of view is usable
 */
export function electronFlux(cal: BeamCalibration): number {
  if (cal.doseRate !== undefined && cal.doseRate !== null) {
    if (!(cal.doseRate > 0)) throw AtomdynError.forOption('doseRate', `must be > 0 e-/Å²/s, found ${cal.doseRate}`);
    return cal.doseRate;
  }
  if (cal.beamCurrentPa !== undefined && cal.beamCurrentPa !== null) {
    if (!(cal.beamCurrentPa > 0)) throw AtomdynError.forOption('beamCurrentPa', `must be > 0 pA, found ${cal.beamCurrentPa}`);
    if (!(cal.fieldOfViewA2 && cal.fieldOfViewA2 > 0)) {
      throw AtomdynError.forOption('beamCurrentPa', 'needs the field of view: the frame size and pixel size must be known (run.json or `pixelSizePm`)');
    }
    return (cal.beamCurrentPa * 1e-12) / ELEMENTARY_CHARGE / cal.fieldOfViewA2;
  }
  throw AtomdynError.forOption('doseRate', 'give `doseRate` (e-/Å²/s) or `beamCurrentPa` (pA)');
}

/** Off-diagonal rates (diagonal entries are 0; NaN where unknown). */
export interface BeamRates {
  /** Electron flux used, e-/Å²/s. */
  flux: number;
  /** Dose per frame, e-/Å². */
  dosePerFrame: number;
  /** k_ij, 1/s. */
  ratePerS: number[][];
  /** k_ij / phi: events per unit dose, Å² per electron (= cross-section in Å²). */
  ratePerDose: number[][];
  /** Cross-section, barn. */
  crossSectionBarn: number[][];
}

/**
 * Rates from a transition matrix at lag `lag` (frames).
 * @param P transition matrix (NaN rows unknown)
 * @param lag lag time in frames
 * @param cal frame time and beam
 * @throws AtomdynError as {@link electronFlux}, or ('frameTimeS') when the frame time is not > 0
 */
export function beamRates(P: number[][], lag: number, cal: BeamCalibration): BeamRates {
  if (!(cal.frameTimeS > 0)) throw AtomdynError.forOption('frameTimeS', `rates need the frame time in s (> 0), found ${cal.frameTimeS}`);
  const flux = electronFlux(cal);
  const dt = lag * cal.frameTimeS;
  const ratePerS = P.map((row, i) => {
    const pii = row[i];
    const ki = pii > 0 ? -Math.log(pii) / dt : NaN; // P_ii = 0: every particle leaves within one lag; too fast to resolve
    return row.map((pij, j) => (j === i ? 0 : pii >= 1 ? 0 : (ki * pij) / (1 - pii)));
  });
  const ratePerDose = ratePerS.map((r) => r.map((k) => k / flux));
  const crossSectionBarn = ratePerDose.map((r) => r.map((s) => s * BARN_PER_A2));
  return { flux, dosePerFrame: flux * cal.frameTimeS, ratePerS, ratePerDose, crossSectionBarn };
}

/** Rates with intervals. */
export interface RateEstimate extends BeamRates {
  crossSectionLow: number[][];
  crossSectionHigh: number[][];
  ratePerSLow: number[][];
  ratePerSHigh: number[][];
}

/**
 * Rates of a Markov model with intervals over its posterior samples; a transition never observed
 * has lower bound 0 (as its probability).
 *
 * @param model the model (matrix at `lag`, counts, posterior)
 * @param cal frame time and beam
 * @param opts.samples posterior samples (default 1000); opts.seed (default 0)
 * @throws AtomdynError as {@link beamRates}
 */
export function ratesOfModel(
  model: { matrix: number[][]; counts: number[][]; lag: number; level: number; posterior(samples: number, seed: number): { samples: number[][][] } },
  cal: BeamCalibration,
  opts: { samples?: number; seed?: number } = {},
): RateEstimate {
  const r = beamRates(model.matrix, model.lag, cal);
  const rs = model.posterior(opts.samples ?? 1000, opts.seed ?? 0).samples.map((P) => beamRates(P, model.lag, cal));
  const cs = matrixIntervals(rs.map((x) => x.crossSectionBarn), model.level);
  const ks = matrixIntervals(rs.map((x) => x.ratePerS), model.level);
  const n = model.matrix.length;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (model.counts[i][j] === 0) cs.low[i][j] = ks.low[i][j] = 0;
  return { ...r, crossSectionLow: cs.low, crossSectionHigh: cs.high, ratePerSLow: ks.low, ratePerSHigh: ks.high };
}

/**
 * The `rates` object of transitions.json and pooled.json (docs/schema.md): snake_case keys with
 * units (NaN stays NaN; the writers turn it into null).
 * @param r rates with intervals
 */
export function ratesToJSON(r: RateEstimate): Record<string, unknown> {
  return {
    flux_e_per_A2_s: r.flux, dose_per_frame_e_per_A2: r.dosePerFrame,
    rate_per_s: r.ratePerS, rate_per_s_ci_low: r.ratePerSLow, rate_per_s_ci_high: r.ratePerSHigh,
    rate_per_dose_A2: r.ratePerDose,
    cross_section_barn: r.crossSectionBarn, cross_section_ci_low: r.crossSectionLow, cross_section_ci_high: r.crossSectionHigh,
  };
}
