/**
 * Input normalisation shared by training and inference ('background-column/1').
 *
 * A HAADF frame's absolute scale (detector gain, dose, dwell time) and offset (dark level,
 * contamination haze) vary from session to session, but the ratio of column intensities does not:
 * under incoherent Z^n imaging a Si column stays about 3-4x brighter than a C column above the
 * background. The normalisation therefore maps two robust levels of the frame to fixed values and
 * is otherwise linear, so species contrast is kept and nothing is clipped:
 *
 *   1. s = the frame smoothed by a Gaussian of `smoothSigmaPx` (reflecting edges);
 *   2. background b = the `backgroundPercentile`-th percentile of s (hexagon centres / vacuum);
 *   3. local maxima of s within a (2 `peakRadiusPx` + 1)^2 window that rise above
 *      b + `minProminence` * (P99(s) - b) are the column candidates;
 *      column level c = their trimmed mean (the values between the `columnTrim` and
 *      1 - `columnTrim` quantiles): the majority columns, C in graphene (dopants and contamination
 *      are in the trimmed top); in MX2 the mean of the metal and chalcogen levels, which unlike a
 *      median does not jump from one to the other when their counts are nearly equal;
 *   4. out = (frame - b) / (c - b), so background -> 0 and a typical column's smoothed peak -> 1
 *      (its raw peak lands a little above 1, by the smoothing's loss of peak height).
 *
 * Properties (tested): out(a * frame + k) = out(frame) for a > 0 (scale/offset invariance); a
 * dopant column's brightness relative to the lattice columns survives; deterministic (no random
 * step). When no column candidate rises above the background (a flat frame), the scale falls back
 * to the frame's root-mean-square deviation from b, and `fallback` is set in the result.
 *
 * Parameters are in pixels of the frame given, i.e. the model's pixel size (frames are resampled to
 * the model's pixel size first); the model card records them (`normalisation.parameters`).
 */
import { AtomdynError } from '../data/errors.ts';
import { gaussianBlur } from '../numerics/gaussianBlur.ts';
import { selectFloat32 } from '../numerics/select.ts';

/** Method tag stored in the model card. */
export const NORMALISATION_METHOD = 'background-column/1';

/** Parameters of the normalisation, in pixels of the frame normalised. */
export interface NormalisationParameters {
  /** Gaussian smoothing sigma before the level estimates, px. Default 1. */
  smoothSigmaPx: number;
  /** Percentile (0-100) of the smoothed frame taken as background. Default 5. */
  backgroundPercentile: number;
  /** Half-width of the local-maximum window, px (about 0.35 of the nearest-neighbour distance). Default 3. */
  peakRadiusPx: number;
  /** Maxima below b + minProminence * (P99 - b) are ignored as background noise. Default 0.15. */
  minProminence: number;
  /** Fraction of the column candidates trimmed at each end before averaging. Default 0.2. */
  columnTrim: number;
}

/** Defaults (graphene at about 16 pm/px); use {@link normalisationForPixelSize} for a model. */
export const NORMALISATION_DEFAULTS: Readonly<NormalisationParameters> = Object.freeze({
  smoothSigmaPx: 1,
  backgroundPercentile: 5,
  peakRadiusPx: 3,
  minProminence: 0.15,
  columnTrim: 0.2,
});

/**
 * Parameters for a model: peak radius 0.35 x the shortest projected nearest-neighbour distance,
 * smoothing 0.12 x that distance (at least 0.5 px), both in model pixels.
 *
 * @param pixelSizePm model pixel size, pm/px
 * @param nearestNeighbourPm shortest projected column distance, pm (142 for graphene)
 */
export function normalisationForPixelSize(pixelSizePm: number, nearestNeighbourPm: number): NormalisationParameters {
  const d = nearestNeighbourPm / pixelSizePm;
  return {
    ...NORMALISATION_DEFAULTS,
    smoothSigmaPx: Math.round(Math.max(0.5, 0.12 * d) * 100) / 100,
    peakRadiusPx: Math.max(1, Math.round(0.35 * d)),
  };
}

/** Levels found by {@link normalisationLevels}. */
export interface NormalisationLevels {
  /** Background level b, input units. */
  background: number;
  /** Typical column level c, input units (c > b). */
  column: number;
  /** Column candidates (local maxima) used for c. */
  peaks: number;
  /** True when c could not be estimated and b + std was used instead. */
  fallback: boolean;
}

/** Separable Gaussian blur (one implementation for the whole project: numerics/gaussianBlur.ts). */
export { gaussianBlur };

/**
 * The q-th percentile (0-100, clamped) of `values`, linear interpolation between order statistics: the two
 * ranks around it by radix selection (numerics/select.ts selectFloat32, O(n), no copy), the values a sort
 * of `values` would put there.
 * @param values float32 values (not modified)
 * @returns the percentile, NaN when `values` is empty
 */
export function percentile(values: Float32Array, q: number): number {
  if (values.length === 0) return NaN;
  const pos = (Math.min(100, Math.max(0, q)) / 100) * (values.length - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  const vLo = selectFloat32(values, lo), vHi = hi === lo ? vLo : selectFloat32(values, hi);
  return vLo + (vHi - vLo) * (pos - lo);
}

/** Grey-scale dilation (maximum filter) over a (2r+1)^2 square, edges clamped. */
function maxFilter(img: Float32Array, height: number, width: number, r: number): Float32Array {
  const tmp = new Float32Array(img.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let m = -Infinity;
      for (let j = Math.max(0, x - r); j <= Math.min(width - 1, x + r); j++) m = Math.max(m, img[y * width + j]);
      tmp[y * width + x] = m;
    }
  }
  const out = new Float32Array(img.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let m = -Infinity;
      for (let i = Math.max(0, y - r); i <= Math.min(height - 1, y + r); i++) m = Math.max(m, tmp[i * width + x]);
      out[y * width + x] = m;
    }
  }
  return out;
}

/** Mean of the sorted values between the `trim` and 1 - `trim` quantiles (at least the middle one). */
function trimmedMean(sorted: number[], trim: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const t = Math.min(0.49, Math.max(0, trim));
  let lo = Math.floor(t * n), hi = n - lo;
  if (hi <= lo) { lo = Math.floor((n - 1) / 2); hi = lo + 1; }
  let s = 0;
  for (let i = lo; i < hi; i++) s += sorted[i];
  return s / (hi - lo);
}

function check(img: Float32Array, height: number, width: number, source: string): void {
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0) || img.length !== height * width) {
    throw new AtomdynError(source, `frame of ${img.length} values does not match ${height} x ${width}`);
  }
  for (let i = 0; i < img.length; i++) {
    if (!Number.isFinite(img[i])) throw new AtomdynError(source, `frame has a non-finite pixel (${img[i]}) at row ${Math.floor(i / width)}, column ${i % width}`);
  }
}

/**
 * Background and column levels of a frame (steps 1-3 of the module description).
 *
 * @param img float32 `[height * width]`, row-major, raw detector units
 * @param source name used in errors
 * @throws AtomdynError(source, ...) on a size mismatch or a NaN/Inf pixel
 */
export function normalisationLevels(
  img: Float32Array, height: number, width: number, params: Partial<NormalisationParameters> = {}, source = 'frame',
): NormalisationLevels {
  check(img, height, width, source);
  const p = { ...NORMALISATION_DEFAULTS, ...params };
  const s = gaussianBlur(img, height, width, p.smoothSigmaPx);
  // percentiles by selection of the two ranks around each instead of sorting the frame: the same values
  // as the sorted array's, exactly
  const background = percentile(s, p.backgroundPercentile);
  const p99 = percentile(s, 99);
  const threshold = background + p.minProminence * (p99 - background);
  const m = maxFilter(s, height, width, Math.max(1, Math.round(p.peakRadiusPx)));
  const peaks: number[] = [];
  for (let i = 0; i < s.length; i++) if (s[i] === m[i] && s[i] > threshold) peaks.push(s[i]);
  peaks.sort((a, b) => a - b);
  let column = trimmedMean(peaks, p.columnTrim);
  let fallback = false;
  if (!(column - background > 1e-9 * Math.max(1, Math.abs(background)))) {
    let v = 0;
    for (let i = 0; i < img.length; i++) v += (img[i] - background) ** 2;
    const sd = Math.sqrt(v / img.length);
    column = background + (sd > 0 ? sd : 1);
    fallback = true;
  }
  return { background, column, peaks: peaks.length, fallback };
}

/**
 * Normalise a frame: (img - background) / (column - background) (see the module description).
 *
 * @param img float32 `[height * width]`, row-major
 * @returns a new float32 array of the same size, and the levels used
 * @throws AtomdynError(source, ...) as {@link normalisationLevels}
 */
export function normaliseFrame(
  img: Float32Array, height: number, width: number, params: Partial<NormalisationParameters> = {}, source = 'frame',
): { image: Float32Array; levels: NormalisationLevels } {
  const levels = normalisationLevels(img, height, width, params, source);
  const scale = 1 / (levels.column - levels.background);
  const out = new Float32Array(img.length);
  for (let i = 0; i < img.length; i++) out[i] = (img[i] - levels.background) * scale;
  return { image: out, levels };
}
