/**
 * Image statistics that compare simulated frames with real ones at matched signal-to-noise:
 * the white-noise level, the lattice signal and contrast, and the lattice period.
 *
 * - Noise (spectral): an incoherent STEM image carries no signal beyond twice the aperture cut-off,
 *   |k| > 2 alpha / lambda, so the power there is the noise. With the mean removed and a Hann window w,
 *   white noise of variance s^2 has E|F(k)|^2 = s^2 sum(w^2); averaging |F|^2 / sum(w^2) over that
 *   region (leaving out a band along each axis, where scan-line artefacts and edge leakage sit)
 *   estimates s^2.
 * - Noise (residual): the standard deviation of image - G(image) for a Gaussian of 1 px, divided by the
 *   factor sqrt(1 - 2 K(0) + sum K^2) it has for white noise (K the discrete 2-D kernel).
 * - Signal: signalStd = sqrt(var(image) - noise^2), snr = signalStd / noise.
 * - Lattice contrast: peak and valley are the 90th and 10th percentiles of the image smoothed by a
 *   Gaussian of `smoothPx` (columns vs. the empty hexagon centres); contrast = (peak - valley) / mean.
 * - Lattice period: the radius of the strongest ring of the power spectrum between `minPeriodPx` and
 *   `maxPeriodPx` (for a honeycomb of constant a, the first ring is the {100} spacing a sqrt(3) / 2).
 */
import { fft2d } from '../../numerics/fft.ts';

/** 2-D DFT of a real row-major `[height, width]` array (one FFT for the project: numerics/fft.ts). */
function fft2dReal(data: ArrayLike<number>, width: number, height: number): { re: Float64Array; im: Float64Array } {
  const re = Float64Array.from(data);
  const im = new Float64Array(re.length);
  fft2d(re, im, width, height);
  return { re, im };
}

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** Statistics of one image. */
export interface ImageStatistics {
  /** Mean intensity. */
  mean: number;
  /** White-noise standard deviation from the power spectrum beyond the cut-off. */
  noiseStd: number;
  /** White-noise standard deviation from the residual after a 1 px Gaussian smoothing. */
  noiseStdResidual: number;
  /** Standard deviation of the noise-free signal, sqrt(var - noiseStd^2). */
  signalStd: number;
  /** signalStd / noiseStd. */
  snr: number;
  /** 90th percentile of the smoothed image (columns). */
  peak: number;
  /** 10th percentile of the smoothed image (between columns). */
  valley: number;
  /** (peak - valley) / mean. */
  contrast: number;
  /** (peak - valley) / noiseStd. */
  latticeSnr: number;
  /** Period of the strongest power-spectrum ring in the search band, px (null when none). */
  latticePeriodPx: number | null;
}

/** Options of {@link measureImage}. */
export interface MeasureOptions {
  /** Spatial frequency above which the spectrum is noise only, cycles/px (2 alpha / lambda x pixel size, with margin). */
  noiseCutoffCyclesPerPx: number;
  /** Gaussian smoothing for peak/valley, px. */
  smoothPx: number;
  /** Search band for the lattice period, px. */
  minPeriodPx?: number;
  maxPeriodPx?: number;
}

/**
 * Separable Gaussian smoothing with edge clamping.
 * @param sigmaPx standard deviation, px (returns a copy when <= 0)
 */
export function gaussianSmooth(img: ArrayLike<number>, width: number, height: number, sigmaPx: number): Float64Array {
  const src = Float64Array.from(img as ArrayLike<number>);
  if (!(sigmaPx > 0)) return src;
  const g = gaussianKernel(sigmaPx);
  const r = (g.length - 1) / 2;
  const tmp = new Float64Array(width * height);
  const out = new Float64Array(width * height);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += g[k + r] * src[i * width + Math.min(width - 1, Math.max(0, j + k))];
      tmp[i * width + j] = s;
    }
  }
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += g[k + r] * tmp[Math.min(height - 1, Math.max(0, i + k)) * width + j];
      out[i * width + j] = s;
    }
  }
  return out;
}

function gaussianKernel(sigma: number): Float64Array {
  const r = Math.max(1, Math.ceil(3.5 * sigma));
  const g = new Float64Array(2 * r + 1);
  let s = 0;
  for (let k = -r; k <= r; k++) {
    g[k + r] = Math.exp(-(k * k) / (2 * sigma * sigma));
    s += g[k + r];
  }
  for (let k = 0; k < g.length; k++) g[k] /= s;
  return g;
}

function percentile(sorted: Float64Array, q: number): number {
  const t = q * (sorted.length - 1);
  const i = Math.floor(t);
  return i + 1 < sorted.length ? sorted[i] + (t - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

/**
 * White-noise variance from the power spectrum beyond `cutoff` (cycles/px), see the file header.
 * Uses the largest centred power-of-two crop. Returns NaN when no frequencies lie beyond the cut-off.
 */
export function spectralNoiseVariance(img: ArrayLike<number>, width: number, height: number, cutoff: number): number {
  const { power, w, h } = windowedPowerSpectrum(img, width, height);
  let acc = 0;
  let n = 0;
  for (let i = 0; i < h; i++) {
    const ky = (i <= h / 2 ? i : i - h) / h;
    if (Math.abs(ky) * h < 3) continue;
    for (let j = 0; j < w; j++) {
      const kx = (j <= w / 2 ? j : j - w) / w;
      if (Math.abs(kx) * w < 3) continue;
      if (Math.hypot(kx, ky) <= cutoff) continue;
      acc += power[i * w + j];
      n++;
    }
  }
  return n > 0 ? acc / n : NaN;
}

/**
 * Period (px) of the strongest ring of the power spectrum with period in [minPx, maxPx], refined
 * by a parabola through the radial profile; null when the band holds no frequency.
 */
export function latticePeriodPx(img: ArrayLike<number>, width: number, height: number, minPx: number, maxPx: number): number | null {
  const n = 1 << Math.floor(Math.log2(Math.min(width, height)));
  const x0 = (width - n) >> 1;
  const y0 = (height - n) >> 1;
  const crop = new Float64Array(n * n);
  let mean = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) mean += crop[i * n + j] = img[(i + y0) * width + j + x0];
  mean /= n * n;
  for (let i = 0; i < n; i++) {
    const wy = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n);
    for (let j = 0; j < n; j++) crop[i * n + j] = (crop[i * n + j] - mean) * wy * (0.5 - 0.5 * Math.cos((2 * Math.PI * (j + 0.5)) / n));
  }
  const { re, im } = fft2dReal(crop, n, n);
  const binsPerUnit = 4;
  const nb = Math.ceil((n / 2) * Math.SQRT2 * binsPerUnit) + 2;
  const acc = new Float64Array(nb);
  const cnt = new Float64Array(nb);
  for (let i = 0; i < n; i++) {
    const ky = i <= n / 2 ? i : i - n;
    for (let j = 0; j < n; j++) {
      const kx = j <= n / 2 ? j : j - n;
      const b = Math.round(Math.hypot(kx, ky) * binsPerUnit);
      acc[b] += re[i * n + j] ** 2 + im[i * n + j] ** 2;
      cnt[b]++;
    }
  }
  const prof = new Float64Array(nb);
  for (let b = 0; b < nb; b++) prof[b] = cnt[b] ? acc[b] / cnt[b] : 0;
  // smooth the profile over one frequency bin
  const sm = new Float64Array(nb);
  for (let b = 0; b < nb; b++) {
    let s = 0;
    let c = 0;
    for (let d = -binsPerUnit; d <= binsPerUnit; d++) {
      if (b + d >= 0 && b + d < nb && cnt[b + d]) {
        s += prof[b + d];
        c++;
      }
    }
    sm[b] = c ? s / c : 0;
  }
  const bLo = Math.max(1, Math.ceil(((n / maxPx) * binsPerUnit)));
  const bHi = Math.min(nb - 2, Math.floor((n / minPx) * binsPerUnit));
  let best = -1;
  for (let b = bLo; b <= bHi; b++) if (best < 0 || sm[b] > sm[best]) best = b;
  if (best < 0) return null;
  let off = 0;
  if (best > 0 && best < nb - 1) {
    const d = sm[best - 1] - 2 * sm[best] + sm[best + 1];
    if (d < 0) off = (0.5 * (sm[best - 1] - sm[best + 1])) / d;
  }
  const kBins = (best + off) / binsPerUnit;
  return n / kBins;
}

/**
 * Measure an image (any size; spectral figures use the largest centred power-of-two crop).
 */
export function measureImage(img: ArrayLike<number>, width: number, height: number, o: MeasureOptions): ImageStatistics {
  const n = width * height;
  let mean = 0;
  for (let k = 0; k < n; k++) mean += img[k];
  mean /= n;
  let v = 0;
  for (let k = 0; k < n; k++) v += (img[k] - mean) ** 2;
  v /= n;
  const noiseVar = spectralNoiseVariance(img, width, height, o.noiseCutoffCyclesPerPx);
  const s1 = gaussianSmooth(img, width, height, 1);
  let rv = 0;
  for (let k = 0; k < n; k++) rv += (img[k] - s1[k]) ** 2;
  rv /= n;
  const g = gaussianKernel(1);
  let g2 = 0;
  for (const x of g) g2 += x * x;
  const g0 = g[(g.length - 1) / 2];
  const factor = 1 - 2 * g0 * g0 + g2 * g2;
  const sm = gaussianSmooth(img, width, height, o.smoothPx);
  const sorted = Float64Array.from(sm).sort();
  const peak = percentile(sorted, 0.9);
  const valley = percentile(sorted, 0.1);
  const noiseStd = Math.sqrt(noiseVar);
  const signalStd = Math.sqrt(Math.max(0, v - noiseVar));
  return {
    mean,
    noiseStd,
    noiseStdResidual: Math.sqrt(rv / factor),
    signalStd,
    snr: signalStd / noiseStd,
    peak,
    valley,
    contrast: (peak - valley) / mean,
    latticeSnr: (peak - valley) / noiseStd,
    latticePeriodPx: latticePeriodPx(img, width, height, o.minPeriodPx ?? 4, o.maxPeriodPx ?? Math.min(width, height) / 4),
  };
}

/** Windowed (Hann) power spectrum |F|^2 / sum(w^2) of the largest centred power-of-two crop, mean removed. */
export function windowedPowerSpectrum(img: ArrayLike<number>, width: number, height: number): { power: Float64Array; w: number; h: number } {
  const w = 1 << Math.floor(Math.log2(width));
  const h = 1 << Math.floor(Math.log2(height));
  const x0 = (width - w) >> 1;
  const y0 = (height - h) >> 1;
  const crop = new Float64Array(w * h);
  let mean = 0;
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) mean += crop[i * w + j] = img[(i + y0) * width + j + x0];
  mean /= w * h;
  let sw2 = 0;
  for (let i = 0; i < h; i++) {
    const wy = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / h);
    for (let j = 0; j < w; j++) {
      const ww = wy * (0.5 - 0.5 * Math.cos((2 * Math.PI * (j + 0.5)) / w));
      crop[i * w + j] = (crop[i * w + j] - mean) * ww;
      sw2 += ww * ww;
    }
  }
  const { re, im } = fft2dReal(crop, w, h);
  const power = new Float64Array(w * h);
  for (let k = 0; k < power.length; k++) power[k] = (re[k] * re[k] + im[k] * im[k]) / sw2;
  return { power, w, h };
}

/**
 * Variance of the signal in a band of spatial frequencies kLo <= |k| < kHi (cycles/px): the band's
 * power minus the noise power `noiseVar` per frequency, over the number of pixels. Summed over all
 * bands it gives the image variance. With the lattice period d px, the band around 1/d holds the
 * first-order ({100}) lattice fringes, around sqrt(3)/d the {110} fringes.
 */
export function bandSignalVariance(img: ArrayLike<number>, width: number, height: number, kLo: number, kHi: number, noiseVar: number): number {
  const { power, w, h } = windowedPowerSpectrum(img, width, height);
  let acc = 0;
  for (let i = 0; i < h; i++) {
    const ky = (i <= h / 2 ? i : i - h) / h;
    for (let j = 0; j < w; j++) {
      const kx = (j <= w / 2 ? j : j - w) / w;
      const k = Math.hypot(kx, ky);
      if (k >= kLo && k < kHi && k > 0) acc += power[i * w + j] - noiseVar;
    }
  }
  return acc / (w * h);
}

/**
 * Mean noise power (per pixel variance units) in two strips beyond |k| = kMin: along kx (|ky| < 0.1)
 * and along ky (|kx| < 0.1), axes themselves excluded. A fast-scan (x) low-pass makes `x` < `y`.
 */
export function directionalNoisePower(img: ArrayLike<number>, width: number, height: number, kMin: number): { x: number; y: number } {
  const { power, w, h } = windowedPowerSpectrum(img, width, height);
  let sx = 0;
  let nx = 0;
  let sy = 0;
  let ny = 0;
  for (let i = 0; i < h; i++) {
    const ky = Math.abs((i <= h / 2 ? i : i - h) / h);
    for (let j = 0; j < w; j++) {
      const kx = Math.abs((j <= w / 2 ? j : j - w) / w);
      if (kx * w < 3 || ky * h < 3) continue;
      if (kx >= kMin && ky < 0.1) {
        sx += power[i * w + j];
        nx++;
      }
      if (ky >= kMin && kx < 0.1) {
        sy += power[i * w + j];
        ny++;
      }
    }
  }
  return { x: nx ? sx / nx : NaN, y: ny ? sy / ny : NaN };
}
