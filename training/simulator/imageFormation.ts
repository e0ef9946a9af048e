/**
 * Incoherent image formation (annular dark field): the noise-free image is the sum over atomic
 * columns of the column's scattering weight times the probe intensity centred on the column,
 *   I(r) = sum_j w_j P(r - r_j),   w_j = sum over the column's atoms of (Z / 6)^n,
 * sampled at the probe position of each pixel (a STEM pixel is one probe position, so there is no
 * pixel-area integration). Scan distortions enter through the probe positions: pixel (i, j) samples
 * the specimen point (j - ox[i], i - oy[i]) (training/simulator/scanDistortion.ts). References: Pennycook &
 * Jesson, Ultramicroscopy 37, 14 (1991); Krivanek et al., Nature 464, 571 (2010).
 *
 * Also here: where a column appears in a distorted frame (the label position).
 */
import type { ProbeProfile } from './probe.ts';
import type { RowOffsets } from './scanDistortion.ts';

/** A column to render: position in specimen pixels (pm / pixel size) and scattering weight. */
export interface RenderColumn {
  /** Specimen x / pixel size (pixel coordinates of the undistorted first frame). */
  x: number;
  /** Specimen y / pixel size. */
  y: number;
  /** Scattering weight relative to one C atom (see training/simulator/atomModel.ts columnWeight). */
  weight: number;
}

/**
 * Render sum_j w_j P(r_pixel - r_j) into a `height x width` image.
 *
 * @param columns columns in specimen pixel coordinates; those farther than the render radius from
 *   the frame contribute nothing
 * @param profile probe intensity table (P in 1/pm^2); each column is drawn out to `profile.radiusPm`
 * @param pixelSizePm pixel size, pm
 * @param offsets per-row content displacement (none = undistorted)
 * @returns float64 `[height * width]`, row-major, in units of 1/pm^2 (multiply by the carbon
 *   cross-section in pm^2 and the electrons per pixel to get detected electrons)
 */
export function renderColumns(
  columns: ArrayLike<RenderColumn>,
  width: number,
  height: number,
  profile: ProbeProfile,
  pixelSizePm: number,
  offsets?: RowOffsets,
): Float64Array {
  const out = new Float64Array(width * height);
  const ox = offsets?.ox ?? new Float64Array(height);
  const oy = offsets?.oy ?? new Float64Array(height);
  const p = pixelSizePm;
  const R = profile.radiusPm;
  const R2 = R * R;
  const rpx = R / p;
  const tab = profile.intensity;
  const invStep = 1 / profile.stepPm;
  const tabLast = tab.length - 1;
  // rows whose sampled y lies within R of a column: i - oy[i] near y. `slack` bounds how far
  // oy can wander across the rows a column spans.
  const span = Math.ceil(2 * rpx) + 1;
  let slack = 0;
  for (let i = 0; i + span < height; i += Math.max(1, Math.floor(span / 2))) slack = Math.max(slack, Math.abs(oy[i + span] - oy[i]));
  if (height <= span) for (let i = 1; i < height; i++) slack = Math.max(slack, Math.abs(oy[i] - oy[0]));
  slack = Math.ceil(slack) + 1;
  let oxMin = Infinity;
  let oxMax = -Infinity;
  for (let i = 0; i < height; i++) {
    oxMin = Math.min(oxMin, ox[i]);
    oxMax = Math.max(oxMax, ox[i]);
  }
  for (let c = 0; c < columns.length; c++) {
    const col = columns[c];
    const w = col.weight;
    if (w === 0) continue;
    if (col.x + oxMax < -rpx - 1 || col.x + oxMin > width - 1 + rpx + 1) continue;
    // centre row: solve i - oy[i] = y by two fixed-point steps
    let ic = col.y + oy[clampInt(Math.round(col.y), 0, height - 1)];
    ic = col.y + oy[clampInt(Math.round(ic), 0, height - 1)];
    const i0 = Math.max(0, Math.floor(ic - rpx) - slack);
    const i1 = Math.min(height - 1, Math.ceil(ic + rpx) + slack);
    for (let i = i0; i <= i1; i++) {
      const dy = (i - oy[i] - col.y) * p;
      const dy2 = dy * dy;
      if (dy2 > R2) continue;
      const half = Math.sqrt(R2 - dy2) / p;
      const xc = col.x + ox[i];
      const j0 = Math.max(0, Math.ceil(xc - half));
      const j1 = Math.min(width - 1, Math.floor(xc + half));
      const row = i * width;
      for (let j = j0; j <= j1; j++) {
        const dx = (j - xc) * p;
        const t = Math.sqrt(dx * dx + dy2) * invStep;
        const k = t | 0;
        if (k >= tabLast) continue;
        const f = t - k;
        out[row + j] += w * (tab[k] + f * (tab[k + 1] - tab[k]));
      }
    }
  }
  return out;
}

/**
 * Where a column at specimen pixel position (x, y) appears in a frame with row offsets: the row y'
 * solving y' - oy(y') = y (oy linearly interpolated), and x' = x + ox averaged over the rows the
 * column covers, weighted by the probe profile (so line jitter moves a label by its mean shift).
 *
 * @param probeSigmaPx width (px) of the row weighting; about FWHM / 2.355 of the probe
 */
export function apparentPosition(x: number, y: number, offsets: RowOffsets, probeSigmaPx: number): { x: number; y: number } {
  const { ox, oy } = offsets;
  const h = oy.length;
  const interp = (a: Float64Array, t: number) => {
    if (t <= 0) return a[0];
    if (t >= h - 1) return a[h - 1];
    const k = Math.floor(t);
    return a[k] + (t - k) * (a[k + 1] - a[k]);
  };
  let yy = y + interp(oy, y);
  for (let it = 0; it < 4; it++) yy = y + interp(oy, yy);
  const s = Math.max(0.5, probeSigmaPx);
  const reach = Math.ceil(2.5 * s);
  let sw = 0;
  let sx = 0;
  for (let i = Math.floor(yy) - reach; i <= Math.ceil(yy) + reach; i++) {
    const ii = clampInt(i, 0, h - 1);
    const w = Math.exp(-((i - yy) * (i - yy)) / (2 * s * s));
    sw += w;
    sx += w * ox[ii];
  }
  return { x: x + sx / sw, y: yy };
}

function clampInt(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
