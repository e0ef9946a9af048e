/**
 * Detector model: turns expected detected electrons per pixel into recorded counts.
 *   N ~ Poisson(expected)                                 (shot noise of the beam electrons)
 *   S | N ~ Gamma(N * shape, gain / shape)  or  gain * N  (pulse-height spread of a scintillator +
 *                                                          photomultiplier: each electron gives a pulse
 *                                                          of mean `gain` and relative variance 1/shape)
 *   counts = S + offset + Normal(0, readNoise)            (dark level and amplifier/ADC noise)
 * Optionally the shot noise (S - gain * expected) is correlated along the fast-scan direction x by a
 * first-order filter with unit DC gain, e[j] = e[j-1] + (1 - a)(n[j] - e[j-1]), a = exp(-1 / noiseCorrelationPx).
 * This reproduces what the real frames show: noise power falling off along kx but not along ky,
 * while the lattice fringes along x are not attenuated (so it is not a low-pass of the whole signal;
 * the physical origin, e.g. detector afterglow of single-electron pulses or processing upstream, is
 * not known, and the model is empirical).
 * so mean = gain * expected + offset and variance = gain^2 (1 + 1/shape) expected + readNoise^2.
 * Optionally rounded to integers (the ADC). Single-electron pulse statistics of HAADF detectors:
 * Sang & LeBeau, Ultramicroscopy 161, 3 (2016).
 */
import { AtomdynError } from '../../data/errors.ts';
import type { Random } from '../../data/random.ts';

/** Detector settings. */
export interface DetectorParams {
  /** Mean counts per detected electron. Default 1. */
  gain: number;
  /** Gamma shape of the single-electron pulse height (Infinity = every electron gives exactly `gain`). Default Infinity. */
  pulseShape: number;
  /** Standard deviation of additive Gaussian read noise, counts. Default 0. */
  readNoise: number;
  /** Dark level added to every pixel, counts. Default 0. */
  offset: number;
  /** Round counts to integers. Default false. */
  quantise: boolean;
  /** Correlation length of the shot noise along the scan line, px (0 = white noise). Default 0. */
  noiseCorrelationPx?: number;
}

/** An ideal electron counter: counts = detected electrons. */
export const IDEAL_DETECTOR: Readonly<DetectorParams> = { gain: 1, pulseShape: Infinity, readNoise: 0, offset: 0, quantise: false };

/**
 * @throws AtomdynError naming the parameter when a setting is out of range
 */
export function validateDetector(p: DetectorParams): void {
  if (!(p.gain > 0 && Number.isFinite(p.gain))) throw AtomdynError.forOption('gain', `gain must be a positive number of counts per electron, got ${p.gain}`);
  if (!(p.pulseShape > 0)) throw AtomdynError.forOption('pulseShape', `pulse-height shape must be positive (Infinity for none), got ${p.pulseShape}`);
  if (!(p.readNoise >= 0 && Number.isFinite(p.readNoise))) throw AtomdynError.forOption('readNoise', `read noise must be >= 0 counts, got ${p.readNoise}`);
  if (!Number.isFinite(p.offset)) throw AtomdynError.forOption('offset', `offset must be a number of counts, got ${p.offset}`);
  const c = p.noiseCorrelationPx ?? 0;
  if (!(c >= 0 && c < 100)) throw AtomdynError.forOption('noiseCorrelationPx', `noise correlation must be in [0, 100) px, got ${c}`);
}

/**
 * Record one frame.
 * @param expectedElectrons expected detected electrons per pixel, `[height * width]` (>= 0)
 * @param width row length (needed only for the noise correlation along x)
 * @returns counts, float32 `[height * width]`
 */
export function detect(expectedElectrons: ArrayLike<number>, p: DetectorParams, rng: Random, width = 0): Float32Array {
  const n = expectedElectrons.length;
  const out = new Float32Array(n);
  const spread = Number.isFinite(p.pulseShape);
  const tau = p.noiseCorrelationPx ?? 0;
  const a = tau > 0 && width > 0 ? Math.exp(-1 / tau) : 0;
  let e = 0;
  for (let i = 0; i < n; i++) {
    const lam = expectedElectrons[i] > 0 ? expectedElectrons[i] : 0;
    const electrons = rng.poisson(lam);
    const signal = spread ? (electrons > 0 ? (rng.gamma(electrons * p.pulseShape) * p.gain) / p.pulseShape : 0) : electrons * p.gain;
    let noise = signal - p.gain * lam;
    if (a > 0) {
      e = i % width === 0 ? noise : e + (1 - a) * (noise - e);
      noise = e;
    }
    let s = p.gain * lam + noise + p.offset;
    if (p.readNoise > 0) s += p.readNoise * rng.normal();
    out[i] = p.quantise ? Math.round(s) : s;
  }
  return out;
}

/** Expected counts (no noise): gain * expected + offset. */
export function expectedCounts(expectedElectrons: ArrayLike<number>, p: DetectorParams): Float32Array {
  const out = new Float32Array(expectedElectrons.length);
  for (let i = 0; i < out.length; i++) out[i] = p.gain * expectedElectrons[i] + p.offset;
  return out;
}
