/**
 * Where is the lattice, and where did locate miss it? A lattice-area mask computed from the frame alone,
 * independent of the detections, and the share of that area that has no detected column nearby.
 *
 * Mask (lock-in demodulation, as in geometric phase analysis: Hÿtch, Snoeck & Kilaas, Ultramicroscopy
 * 74, 131 (1998)): for each first-order Fourier peak g of the lattice (inference/applicability.ts) the
 * frame is multiplied by exp(-2πi g·r) and low-pass filtered (block means over a third of a lattice
 * spacing, then a Gaussian of sigma = `sigmaSpacings` lattice spacings); the modulus is the local amplitude of that lattice fringe. The same is done at the peaks
 * rotated by half the angle between them (30° hexagonal, 45° square), where the lattice has no peak: that
 * is the local background amplitude at the same spatial frequency (noise, contamination). A pixel is
 * lattice where the mean lattice amplitude exceeds `contrast` (3) times the median background amplitude.
 *
 * Coverage: a lattice pixel is covered when a detected column lies within `coverRadiusPx` (1.5 bond
 * lengths: every point of an intact graphene or MX2 lattice is within one bond length of a column, so
 * only patches of several missing columns stay uncovered). A border of that width is left out of both.
 * Single missed columns are counted instead: the detected columns inside the lattice area against the
 * number the area should hold (its area times the lattice's column density).
 */
import { gaussianBlur } from '../numerics/gaussianBlur.ts';

/** Share of uncovered lattice above which a frame is flagged. */
export const MISSED_LATTICE_MAX = 0.2;

/** Result of {@link latticeAreaMask}. */
export interface LatticeArea {
  /** 1 where the frame shows the lattice, `[height * width]`. */
  mask: Uint8Array;
  /** Share of the frame's pixels that are lattice (0..1). */
  share: number;
  /** Median background amplitude and the threshold used (frame units). */
  backgroundAmplitude: number;
  threshold: number;
}

/** Background frequencies, as multiples of each lattice peak's: on no ring of the lattice (the next is at √3 or √2), nor of a rotated grain. */
const BACKGROUND_RADII = [0.8, 1.25];

function median(a: Float32Array): number {
  const s = Float32Array.from(a).sort();
  return s.length ? s[s.length >> 1] : 0;
}

/**
 * Local amplitude of the frame's fringe at frequency (fx, fy) cycles/px, on a grid binned by `bin`
 * (block means of the demodulated signal, then the Gaussian low-pass on the small grid: the same
 * low-pass to within the block size, at 1/bin² of the cost).
 * @returns float32 `[ceil(height / bin) * ceil(width / bin)]`
 */
function fringeAmplitude(frame: Float32Array, mean: number, height: number, width: number, fx: number, fy: number, sigma: number, bin: number): Float32Array {
  const bh = Math.ceil(height / bin), bw = Math.ceil(width / bin);
  const re = new Float32Array(bh * bw), im = new Float32Array(bh * bw), n = new Float32Array(bh * bw);
  // exp(2 pi i (fx x + fy y)) = exp(2 pi i fx x) exp(2 pi i fy y): one table per axis instead of a cosine
  // and a sine per pixel
  const cx = new Float64Array(width), sx = new Float64Array(width), col = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    cx[x] = Math.cos(2 * Math.PI * fx * x);
    sx[x] = Math.sin(2 * Math.PI * fx * x);
    col[x] = Math.floor(x / bin);
  }
  for (let y = 0; y < height; y++) {
    const by = Math.floor(y / bin) * bw;
    const cy = Math.cos(2 * Math.PI * fy * y), sy = Math.sin(2 * Math.PI * fy * y);
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const j = by + col[x];
      const v = frame[o + x] - mean;
      re[j] += v * (cx[x] * cy - sx[x] * sy);
      im[j] -= v * (sx[x] * cy + cx[x] * sy);
      n[j]++;
    }
  }
  for (let j = 0; j < n.length; j++) {
    re[j] /= n[j];
    im[j] /= n[j];
  }
  const bre = gaussianBlur(re, bh, bw, sigma / bin), bim = gaussianBlur(im, bh, bw, sigma / bin);
  const out = new Float32Array(bh * bw);
  for (let i = 0; i < out.length; i++) out[i] = 2 * Math.hypot(bre[i], bim[i]);
  return out;
}

/**
 * The lattice-area mask of a frame (see the module comment).
 * @param frame float32 `[height * width]` (not modified)
 * @param spotsPerPx first-order peak frequencies `[fx, fy]` in cycles per px (fy positive downwards),
 *   e.g. `LatticeVerdict.model.spotsPerPx`; 3 for hexagonal lattices, 2 for square ones
 * @param options.sigmaSpacings low-pass width in lattice spacings (default 1.5)
 * @param options.contrast lattice amplitude over median background amplitude (default 3)
 * @throws RangeError when no spot is given or the frame size does not match
 */
export function latticeAreaMask(
  frame: Float32Array,
  height: number,
  width: number,
  spotsPerPx: Array<[number, number]>,
  options: { sigmaSpacings?: number; contrast?: number } = {},
): LatticeArea {
  if (spotsPerPx.length === 0) throw new RangeError('latticeAreaMask: no lattice peak given');
  if (frame.length !== height * width) throw new RangeError(`latticeAreaMask: frame has ${frame.length} pixels, expected ${height} x ${width}`);
  let mean = 0;
  for (let i = 0; i < frame.length; i++) mean += frame[i];
  mean /= frame.length;
  const spacing = 1 / Math.hypot(...spotsPerPx[0]);
  const sigma = (options.sigmaSpacings ?? 1.5) * spacing;
  const bin = Math.max(1, Math.floor(spacing / 3)); // the low-pass is >= 4.5 bins wide
  const bh = Math.ceil(height / bin), bw = Math.ceil(width / bin);
  const lat = new Float32Array(bh * bw), bg = new Float32Array(bh * bw);
  for (const [fx, fy] of spotsPerPx) {
    const a = fringeAmplitude(frame, mean, height, width, fx, fy, sigma, bin);
    for (let i = 0; i < lat.length; i++) lat[i] += a[i] / spotsPerPx.length;
    for (const k of BACKGROUND_RADII) {
      const b = fringeAmplitude(frame, mean, height, width, k * fx, k * fy, sigma, bin);
      for (let i = 0; i < bg.length; i++) bg[i] += b[i] / (spotsPerPx.length * BACKGROUND_RADII.length);
    }
  }
  const backgroundAmplitude = median(bg);
  const threshold = (options.contrast ?? 3) * backgroundAmplitude;
  const mask = new Uint8Array(frame.length);
  let n = 0;
  for (let y = 0; y < height; y++) {
    const by = Math.floor(y / bin) * bw;
    for (let x = 0; x < width; x++) {
      if (lat[by + Math.floor(x / bin)] > threshold) {
        mask[y * width + x] = 1;
        n++;
      }
    }
  }
  return { mask, share: n / mask.length, backgroundAmplitude, threshold };
}

/** Result of {@link uncoveredLattice}. */
export interface LatticeCoverage {
  /** Lattice pixels considered (inside the border). */
  latticePixels: number;
  /** Share of them with no detected column within the cover radius (0..1); null without lattice pixels. */
  uncoveredShare: number | null;
  /** 1 where lattice has no detection nearby, `[height * width]`. */
  uncovered: Uint8Array;
  /** Columns the lattice area should hold (area x column density), or null without a density. */
  expectedColumns: number | null;
  /** Detected columns inside that area. */
  detectedColumns: number;
  /** 1 - detected / expected, clamped to [0, 1]: the share of the lattice's columns that were missed; null without a density or lattice. */
  missedColumnShare: number | null;
}

/**
 * The share of a lattice mask with no detected column nearby (see the module comment).
 * @param mask lattice mask `[height * width]` from {@link latticeAreaMask}
 * @param atoms detected columns, px (x = column, y = row)
 * @param coverRadiusPx radius around each column that counts as explained, px
 * @param columnsPerPx2 the lattice's column density, columns per px² (inference/latticeScale.ts
 *   `columnDensityPerPm2` times the pixel area); when given, the detected columns inside the lattice
 *   area are also compared with the number it should hold (single missed columns do not leave an
 *   uncovered patch, but they do lower this count)
 */
export function uncoveredLattice(
  mask: Uint8Array,
  height: number,
  width: number,
  atoms: Array<{ x: number; y: number }>,
  coverRadiusPx: number,
  columnsPerPx2?: number,
): LatticeCoverage {
  const covered = new Uint8Array(mask.length);
  const r = coverRadiusPx, r2 = r * r;
  for (const a of atoms) {
    if (!Number.isFinite(a.x) || !Number.isFinite(a.y)) continue;
    for (let y = Math.max(0, Math.ceil(a.y - r)); y <= Math.min(height - 1, Math.floor(a.y + r)); y++) {
      const dy2 = (y - a.y) ** 2;
      for (let x = Math.max(0, Math.ceil(a.x - r)); x <= Math.min(width - 1, Math.floor(a.x + r)); x++) if ((x - a.x) ** 2 + dy2 <= r2) covered[y * width + x] = 1;
    }
  }
  const b = Math.ceil(r);
  const uncovered = new Uint8Array(mask.length);
  let lattice = 0, missed = 0;
  for (let y = b; y < height - b; y++) {
    for (let x = b; x < width - b; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      lattice++;
      if (!covered[i]) {
        uncovered[i] = 1;
        missed++;
      }
    }
  }
  let detected = 0;
  for (const a of atoms) {
    const x = Math.round(a.x), y = Math.round(a.y);
    if (x >= b && y >= b && x < width - b && y < height - b && mask[y * width + x]) detected++;
  }
  const expected = columnsPerPx2 !== undefined ? lattice * columnsPerPx2 : null;
  const missedColumnShare = expected ? Math.min(1, Math.max(0, 1 - detected / expected)) : null;
  return { latticePixels: lattice, uncoveredShare: lattice ? missed / lattice : null, uncovered, expectedColumns: expected, detectedColumns: detected, missedColumnShare };
}
