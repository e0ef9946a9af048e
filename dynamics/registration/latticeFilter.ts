/**
 * Removing the periodic part of a lattice image by Fourier filtering of its Bragg peaks, leaving
 * the non-periodic features (vacancies, dopants, contamination, scan glitches) that register a
 * periodic lattice without its one-lattice-vector ambiguity.
 *
 * Bragg peaks are found without a lattice model: a frequency bin is a Bragg peak when its power is
 * a local maximum and exceeds `threshold` times the median power of all bins at the same spatial
 * frequency (radial median). Shot noise gives exponentially distributed power, so a threshold of 20
 * has a false-alarm probability of about exp(-20 ln 2) ~ 1e-6 per bin. Each peak is zeroed in a disk
 * of `radius` bins (covering the spread of a slightly distorted lattice), together with every bin
 * above the threshold next to it. Frequencies below `minFrequency` (cycles per frame) are kept: that
 * is where contamination and thickness variations live.
 */
import { fft2d, signedFrequency } from '../../numerics/fft.ts';
import { windowedSpectrum, type Image2D, type Spectrum2D } from './phaseCorrelation.ts';
import { selectInPlace } from '../../numerics/select.ts';

/** A Bragg peak in the frame's Fourier transform. */
export interface BraggPeak {
  /** Frequency in x, cycles per frame width (signed). */
  kx: number;
  /** Frequency in y, cycles per frame height (signed). */
  ky: number;
  /** Power divided by the radial median power at that frequency. */
  contrast: number;
}

/** Settings for {@link removePeriodicPart}. */
export interface LatticeFilterOptions {
  /** Power / radial median above which a local maximum is a Bragg peak. Default 20. */
  threshold?: number;
  /** Mask disk radius in frequency bins. Default max(2, round(0.016 * max(width, height))). */
  radius?: number;
  /** Frequencies below this (cycles per frame) are never masked. Default 4. */
  minFrequency?: number;
  /** Tukey window alpha applied before the transform. Default 0.5. */
  windowAlpha?: number;
}

/** Result of {@link removePeriodicPart}. */
export interface LatticeFilterResult {
  /** The windowed frame minus its periodic part, Float64Array [height * width]. */
  residual: Float64Array;
  /** The Bragg peaks found (both halves of the spectrum), strongest first. */
  peaks: BraggPeak[];
  /** Fraction of the windowed frame's variance that was periodic (0..1). */
  periodicFraction: number;
}

/** The periodic part of a spectrum: which bins {@link periodicMask} zeroes, and why. */
export interface PeriodicMask {
  /** Per bin, row-major `[height * width]`: 0 kept, 1 within a peak's disk, 2 an above-threshold bin touching it. */
  mask: Uint8Array;
  /** The Bragg peaks found (both halves of the spectrum), strongest first. */
  peaks: BraggPeak[];
  /** Fraction of the spectrum's power (the windowed frame's variance) that is masked (0..1). */
  periodicFraction: number;
}

/** Radial frequency bins of a frame size: rounded radius in cycles per frame of the larger side. */
interface RadialBins {
  /** Radius in cycles per frame of the larger side, per bin. */
  radial: Float64Array;
  /** Its rounded value. */
  bin: Int32Array;
  /** Bins' start offsets into the bins' members sorted by bin (counting sort), length maxBin + 2. */
  start: Int32Array;
}

const radialCache = new Map<string, RadialBins>();

function radialBins(w: number, h: number): RadialBins {
  const key = `${w}x${h}`;
  const hit = radialCache.get(key);
  if (hit) return hit;
  const bin = new Int32Array(w * h);
  const radial = new Float64Array(w * h);
  let maxBin = 0;
  for (let y = 0; y < h; y++) {
    const fy = signedFrequency(y, h) / h;
    for (let x = 0; x < w; x++) {
      const fx = signedFrequency(x, w) / w;
      radial[y * w + x] = Math.hypot(fx, fy) * Math.max(w, h);
      const b = Math.round(radial[y * w + x]);
      bin[y * w + x] = b;
      if (b > maxBin) maxBin = b;
    }
  }
  const start = new Int32Array(maxBin + 2);
  for (let i = 0; i < bin.length; i++) start[bin[i] + 1]++;
  for (let b = 0; b <= maxBin; b++) start[b + 1] += start[b];
  const r = { radial, bin, start };
  if (radialCache.size > 8) radialCache.clear();
  radialCache.set(key, r);
  return r;
}


/**
 * Find the Bragg peaks of a frame's spectrum and the bins of its periodic part (the module comment's
 * test: local maxima above `threshold` times the radial median power, disks of `radius` bins around
 * them, and above-threshold/4 bins touching those disks; frequencies below `minFrequency` are kept).
 * @param s the spectrum of the windowed frame (phaseCorrelation.ts windowedSpectrum; not modified)
 */
export function periodicMask(s: Spectrum2D, opts: LatticeFilterOptions = {}): PeriodicMask {
  const { width: w, height: h } = s;
  const threshold = opts.threshold ?? 20;
  const radius = opts.radius ?? Math.max(2, Math.round(0.016 * Math.max(w, h)));
  const minFreq = opts.minFrequency ?? 4;
  const n = w * h;
  const { radial, bin, start } = radialBins(w, h);
  const power = new Float64Array(n);
  for (let i = 0; i < n; i++) power[i] = s.re[i] * s.re[i] + s.im[i] * s.im[i];
  // radial medians: the powers grouped by bin (counting sort), each group sorted numerically
  const nb = start.length - 1;
  const grouped = new Float64Array(n);
  const fill = Int32Array.from(start.subarray(0, nb));
  for (let i = 0; i < n; i++) grouped[fill[bin[i]]++] = power[i];
  const median = new Float64Array(nb);
  for (let b = 0; b < nb; b++) {
    const len = start[b + 1] - start[b];
    median[b] = len ? selectInPlace(grouped, start[b], start[b + 1], start[b] + (len >> 1)) : 0;
  }
  // frequencies below minFreq are never masked
  const low = (i: number) => radial[i] < minFreq;
  const contrast = (i: number) => power[i] / (median[bin[i]] || Infinity);
  const mask = new Uint8Array(n);
  const peaks: BraggPeak[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const c = contrast(i);
      if (c < threshold || low(i)) continue;
      let isMax = true;
      for (let oy = -1; oy <= 1 && isMax; oy++) {
        for (let ox = -1; ox <= 1; ox++) {
          if (!ox && !oy) continue;
          if (power[((y + oy + h) % h) * w + ((x + ox + w) % w)] > power[i]) {
            isMax = false;
            break;
          }
        }
      }
      if (isMax) {
        peaks.push({ kx: signedFrequency(x, w), ky: signedFrequency(y, h), contrast: c });
        for (let oy = -radius; oy <= radius; oy++) {
          for (let ox = -radius; ox <= radius; ox++) {
            if (ox * ox + oy * oy > radius * radius + 0.5) continue;
            const j = ((y + oy + h) % h) * w + ((x + ox + w) % w);
            if (!low(j)) mask[j] = 1;
          }
        }
      }
    }
  }
  // also every above-threshold bin touching the mask (smeared spots)
  for (let i = 0; i < n; i++) {
    if (mask[i] || contrast(i) < threshold / 4 || low(i)) continue;
    const y = Math.floor(i / w);
    const x = i % w;
    let touches = false;
    for (let oy = -1; oy <= 1 && !touches; oy++) for (let ox = -1; ox <= 1; ox++) if (mask[((y + oy + h) % h) * w + ((x + ox + w) % w)] === 1) touches = true;
    if (touches) mask[i] = 2;
  }
  let total = 0;
  let removed = 0;
  for (let i = 0; i < n; i++) {
    total += power[i];
    if (mask[i]) removed += power[i];
  }
  peaks.sort((p, q) => q.contrast - p.contrast);
  return { mask, peaks, periodicFraction: total > 0 ? removed / total : 0 };
}

/**
 * The spectrum of {@link removePeriodicPart}'s residual with its mean removed, straight from the frame's
 * spectrum (no transform): the masked spectrum, made Hermitian ((M[k] + conj M[-k]) / 2, the transform
 * of the real part the residual keeps) and with the DC bin zeroed (the mean). Equal to
 * windowedSpectrum(residual, 0) up to rounding, at the cost of one pass instead of three 2-D FFTs.
 * @param s the spectrum of the windowed frame (not modified)
 * @returns the residual's spectrum and the mask's peaks
 */
export function residualSpectrum(s: Spectrum2D, opts: LatticeFilterOptions = {}): { spectrum: Spectrum2D; peaks: BraggPeak[] } {
  const { width: w, height: h } = s;
  const { mask, peaks } = periodicMask(s, opts);
  const re = new Float64Array(w * h);
  const im = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    const my = y === 0 ? 0 : h - y;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const j = my * w + (x === 0 ? 0 : w - x);
      const ar = mask[i] ? 0 : s.re[i], ai = mask[i] ? 0 : s.im[i];
      const br = mask[j] ? 0 : s.re[j], bi = mask[j] ? 0 : s.im[j];
      re[i] = 0.5 * (ar + br);
      im[i] = 0.5 * (ai - bi);
    }
  }
  re[0] = 0;
  im[0] = 0;
  return { spectrum: { re, im, width: w, height: h }, peaks };
}

/**
 * Subtract the periodic (lattice) part of a frame.
 * @param image the frame, row-major [height, width]
 * @returns the residual, the Bragg peaks and the periodic fraction of the variance
 * @throws RangeError when image.data does not hold width*height values
 */
export function removePeriodicPart(image: Image2D, opts: LatticeFilterOptions = {}): LatticeFilterResult {
  const { width: w, height: h } = image;
  const s = windowedSpectrum(image, opts.windowAlpha ?? 0.5);
  const { mask, peaks, periodicFraction } = periodicMask(s, opts);
  for (let i = 0; i < w * h; i++) {
    if (mask[i]) {
      s.re[i] = 0;
      s.im[i] = 0;
    }
  }
  fft2d(s.re, s.im, w, h, true);
  return { residual: s.re, peaks, periodicFraction };
}
