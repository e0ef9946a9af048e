/**
 * Sliding-window Fourier analysis of an atomically resolved image, the first step of the phase and
 * defect maps of Vasudevan et al. (Appl. Phys. Lett. 106, 091601 (2015); "M2-phase catalyst" figure
 * of the ORNL seed work) and Belianinov et al. (Adv. Struct. Chem. Imaging 1, 6 (2015)).
 *
 * Each `window x window` patch (every `step` px) is mean-subtracted, multiplied by a 2-D Hann window
 * and Fourier transformed (numerics/fft.ts); its feature vector is log(1 + |F|) (the amplitude does not
 * depend on where the lattice sits in the window) at the frequencies that hold the lattice. Those
 * are chosen once per image from the mean spectrum of up to 400 sample windows: half the Fourier plane
 * (|F(k)| = |F(-k)| for a real patch), bins out to 1.3 x the radius of the farthest lattice peak
 * (among the 12 most prominent off-axis bins, those more than 4 standard deviations above the
 * median of their ring; the axes carry scan-line streaks), at most
 * `maxFeatures` of them (the most prominent). A 1024 x 1024 image at window 64, step 8 is then about
 * 15 000 windows x a few hundred features, not the 480 MB of the full 64² spectra.
 */
import { fft2d } from '../numerics/fft.ts';
import { silentProgress, type ProgressSink } from '../data/progress.ts';
import type { DataMatrix } from '../dynamics/configurations/gaussianMixture.ts';

/** Settings of {@link slidingFftStack}. */
export interface SlidingFftOptions {
  /** Window side, px (integer >= 8). */
  window: number;
  /** Step between windows, px (integer >= 1). */
  step: number;
  /** Most frequencies kept per window; default 1024. */
  maxFeatures?: number;
  progress?: ProgressSink;
}

/** The [windows, frequencies] matrix of an image and where its rows and columns are. */
export interface SlidingFftStack extends DataMatrix {
  /** Window side and step, px. */
  window: number;
  step: number;
  /** Windows along x (columns) and y (rows); row i of the matrix is window (i % gridWidth, floor(i / gridWidth)). */
  gridWidth: number;
  gridHeight: number;
  /** Window centres in input pixels (pixel centres at integers), length n. */
  centreX: Float64Array;
  centreY: Float64Array;
  /** Signed frequency index of each feature (cycles per window) along x and y, length d. */
  kx: Int32Array;
  ky: Int32Array;
  /** Mean log amplitude of the sample windows over the whole window² plane, DC at the centre (fftshift), row-major. */
  meanSpectrum: Float64Array;
}

/** Windows of a `size`-px axis at `step`: their first pixels. */
function starts(size: number, window: number, step: number): number[] {
  const out: number[] = [];
  for (let s = 0; s + window <= size; s += step) out.push(s);
  return out;
}

/** log(1 + |F|) of the Hann-windowed, mean-subtracted patch at (x0, y0), into `amp` (window², unshifted). */
function patchSpectrum(image: ArrayLike<number>, width: number, x0: number, y0: number, w: number, hann: Float64Array, re: Float64Array, im: Float64Array, amp: Float64Array): void {
  let mean = 0;
  for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) mean += image[(y0 + y) * width + x0 + x];
  mean /= w * w;
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      re[y * w + x] = (image[(y0 + y) * width + x0 + x] - mean) * hann[y] * hann[x];
      im[y * w + x] = 0;
    }
  }
  fft2d(re, im, w, w);
  for (let i = 0; i < w * w; i++) amp[i] = Math.log1p(Math.hypot(re[i], im[i]));
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
}

/**
 * Build the sliding-window log-amplitude matrix of a 2-D image.
 * @param image row-major `[height, width]` intensities (float32 or float64)
 * @throws RangeError when the window is not an integer >= 8, the step not an integer >= 1, the image
 *   smaller than one window, or the image has non-finite pixels
 */
export function slidingFftStack(image: ArrayLike<number>, width: number, height: number, options: SlidingFftOptions): SlidingFftStack {
  const w = options.window;
  const step = options.step;
  if (!Number.isInteger(w) || w < 8) throw new RangeError(`window must be an integer >= 8 px, got ${w}`);
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`step must be an integer >= 1 px, got ${step}`);
  if (w > width || w > height) throw new RangeError(`the ${w} px window does not fit the ${width} x ${height} px image`);
  if (image.length !== width * height) throw new RangeError(`image has ${image.length} pixels, expected ${width} x ${height}`);
  for (let i = 0; i < image.length; i++) if (!Number.isFinite(image[i])) throw new RangeError('image has NaN or infinite pixels');
  const xs = starts(width, w, step);
  const ys = starts(height, w, step);
  const n = xs.length * ys.length;
  const hann = Float64Array.from({ length: w }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / w));
  const re = new Float64Array(w * w);
  const im = new Float64Array(w * w);
  const amp = new Float64Array(w * w);

  // 1. mean spectrum of up to 400 evenly spread windows
  const mean = new Float64Array(w * w);
  const sampleStride = Math.max(1, Math.floor(n / 400));
  let samples = 0;
  for (let i = 0; i < n; i += sampleStride) {
    patchSpectrum(image, width, xs[i % xs.length], ys[Math.floor(i / xs.length)], w, hann, re, im, amp);
    for (let k = 0; k < w * w; k++) mean[k] += amp[k];
    samples++;
  }
  for (let k = 0; k < w * w; k++) mean[k] /= samples;

  // 2. the half plane, ring medians, prominence, the lattice radius
  const half = Math.floor(w / 2);
  const bins: { k: number; fx: number; fy: number; r: number; prom: number }[] = [];
  const rings = new Map<number, number[]>();
  for (let fy = 0; fy <= half; fy++) {
    for (let fx = -half + 1; fx <= half; fx++) {
      if (fy === 0 && fx <= 0) continue; // half plane without DC
      if (fy === half && fx < 0) continue;
      const k = fy * w + ((fx + w) % w);
      const r = Math.hypot(fx, fy);
      if (r > half) continue;
      const ring = Math.round(r);
      if (!rings.has(ring)) rings.set(ring, []);
      rings.get(ring)!.push(mean[k]);
      bins.push({ k, fx, fy, r, prom: 0 });
    }
  }
  const ringMedian = new Map<number, number>();
  for (const [ring, v] of rings) ringMedian.set(ring, median(v));
  for (const b of bins) b.prom = mean[b.k] - ringMedian.get(Math.round(b.r))!;
  // the lattice radius: the farthest of the 12 most prominent off-axis bins (the first-order peaks
  // and their leakage) that also stand more than 4 standard deviations above their ring; bins on the axes are left
  // out of this choice because scan-line and edge artefacts make streaks there
  const proms = bins.map((b) => b.prom);
  const pm = proms.reduce((s, v) => s + v, 0) / proms.length;
  const psd = Math.sqrt(proms.reduce((s, v) => s + (v - pm) ** 2, 0) / proms.length);
  const strongest = bins.filter((b) => b.r >= 2 && b.fx !== 0 && b.fy !== 0).sort((a, b) => b.prom - a.prom).slice(0, 12);
  let rLattice = 0;
  for (const b of strongest) if (b.prom > pm + 4 * psd) rLattice = Math.max(rLattice, b.r);
  const rMax = rLattice > 0 ? Math.min(half, Math.ceil(1.3 * rLattice + 1)) : half;
  let kept = bins.filter((b) => b.r <= rMax);
  const maxFeatures = options.maxFeatures ?? 1024;
  if (kept.length > maxFeatures) kept = [...kept].sort((a, b) => b.prom - a.prom).slice(0, maxFeatures);
  kept.sort((a, b) => a.k - b.k);
  const d = kept.length;

  // 3. the matrix
  const progress = options.progress ?? silentProgress;
  progress.start('windows', n);
  const data = new Float64Array(n * d);
  const centreX = new Float64Array(n);
  const centreY = new Float64Array(n);
  for (let gy = 0, i = 0; gy < ys.length; gy++) {
    for (let gx = 0; gx < xs.length; gx++, i++) {
      patchSpectrum(image, width, xs[gx], ys[gy], w, hann, re, im, amp);
      for (let j = 0; j < d; j++) data[i * d + j] = amp[kept[j].k];
      centreX[i] = xs[gx] + (w - 1) / 2;
      centreY[i] = ys[gy] + (w - 1) / 2;
    }
    progress.tick(xs.length);
  }
  progress.stop();
  const shifted = new Float64Array(w * w);
  for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) shifted[((y + half) % w) * w + ((x + half) % w)] = mean[y * w + x];
  return {
    data, n, d, window: w, step, gridWidth: xs.length, gridHeight: ys.length, centreX, centreY,
    kx: Int32Array.from(kept, (b) => b.fx), ky: Int32Array.from(kept, (b) => b.fy), meanSpectrum: shifted,
  };
}

/**
 * A feature vector (an endmember, a component) back on the window² Fourier plane for display:
 * DC at the centre, each kept bin and its point-symmetric partner set, the rest 0.
 * @returns row-major `window x window` float64
 */
export function featurePlane(stack: Pick<SlidingFftStack, 'window' | 'kx' | 'ky'>, vector: ArrayLike<number>): Float64Array {
  const w = stack.window;
  const half = Math.floor(w / 2);
  const out = new Float64Array(w * w);
  for (let j = 0; j < stack.kx.length; j++) {
    for (const s of [1, -1]) {
      const x = s * stack.kx[j] + half;
      const y = s * stack.ky[j] + half;
      if (x >= 0 && y >= 0 && x < w && y < w) out[y * w + x] = vector[j];
    }
  }
  return out;
}
