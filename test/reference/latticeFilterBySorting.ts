/**
 * Reference for dynamics/registration/latticeFilter.ts: the implementation it replaced (radial medians
 * by sorting JS arrays per radius, the mask built inline), kept as the answer the faster code must
 * reproduce. Same contract as removePeriodicPart there.
 */
import { fft2d, signedFrequency } from '../../numerics/fft.ts';
import { windowedSpectrum, type Image2D } from '../../dynamics/registration/phaseCorrelation.ts';

/** A Bragg peak in the frame's Fourier transform. */
interface BraggPeak {
  /** Frequency in x, cycles per frame width (signed). */
  kx: number;
  /** Frequency in y, cycles per frame height (signed). */
  ky: number;
  /** Power divided by the radial median power at that frequency. */
  contrast: number;
}

/** Settings for {@link removePeriodicPart}. */
interface LatticeFilterOptions {
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
interface LatticeFilterResult {
  /** The windowed frame minus its periodic part, Float64Array [height * width]. */
  residual: Float64Array;
  /** The Bragg peaks found (both halves of the spectrum), strongest first. */
  peaks: BraggPeak[];
  /** Fraction of the windowed frame's variance that was periodic (0..1). */
  periodicFraction: number;
}

/**
 * Subtract the periodic (lattice) part of a frame.
 * @param image the frame, row-major [height, width]
 * @returns the residual, the Bragg peaks and the periodic fraction of the variance
 * @throws RangeError when image.data does not hold width*height values
 */
export function removePeriodicPartBySorting(image: Image2D, opts: LatticeFilterOptions = {}): LatticeFilterResult {
  const { width: w, height: h } = image;
  const threshold = opts.threshold ?? 20;
  const radius = opts.radius ?? Math.max(2, Math.round(0.016 * Math.max(w, h)));
  const minFreq = opts.minFrequency ?? 4;
  const s = windowedSpectrum(image, opts.windowAlpha ?? 0.5);
  const n = w * h;
  const power = new Float64Array(n);
  const radial = new Float64Array(n);
  let maxBin = 0;
  for (let y = 0; y < h; y++) {
    const fy = signedFrequency(y, h) / h;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      power[i] = s.re[i] * s.re[i] + s.im[i] * s.im[i];
      const fx = signedFrequency(x, w) / w;
      // radius in cycles per frame of the larger side
      radial[i] = Math.hypot(fx, fy) * Math.max(w, h);
      maxBin = Math.max(maxBin, Math.round(radial[i]));
    }
  }
  // radial medians
  const bins: number[][] = Array.from({ length: maxBin + 1 }, () => []);
  for (let i = 0; i < n; i++) bins[Math.round(radial[i])].push(power[i]);
  const median = new Float64Array(maxBin + 1);
  for (let b = 0; b <= maxBin; b++) {
    const v = bins[b].sort((p, q) => p - q);
    median[b] = v.length ? v[v.length >> 1] : 0;
  }
  const contrast = (i: number) => power[i] / (median[Math.round(radial[i])] || Infinity);
  const mask = new Uint8Array(n);
  const peaks: BraggPeak[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (radial[i] < minFreq) continue;
      const c = contrast(i);
      if (c < threshold) continue;
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
            if (radial[j] >= minFreq) mask[j] = 1;
          }
        }
      }
    }
  }
  // also every above-threshold bin touching the mask (smeared spots)
  for (let i = 0; i < n; i++) {
    if (mask[i] || radial[i] < minFreq || contrast(i) < threshold / 4) continue;
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
    if (mask[i]) {
      removed += power[i];
      s.re[i] = 0;
      s.im[i] = 0;
    }
  }
  fft2d(s.re, s.im, w, h, true);
  peaks.sort((p, q) => q.contrast - p.contrast);
  return { residual: s.re, peaks, periodicFraction: total > 0 ? removed / total : 0 };
}
