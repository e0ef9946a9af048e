/**
 * Column amplitudes at known positions: one frame-wide linear least-squares fit of
 *
 *   f(p) = B(p) + sum_k A_k exp(-|p - c_k|^2 / (2 s^2))
 *
 * to every pixel p of the frame, with the columns' positions c_k (px) and the probe width s (px)
 * given, one amplitude A_k per column and a smooth background B: bilinear interpolation between
 * nodes of a square grid of spacing about `backgroundSpacingPx` whose outer nodes lie on the frame's
 * border. Because all columns and the background are fitted together, overlapping tails are
 * modelled rather than absorbed by a local constant, and the background under a column is set by
 * the pixels of a whole background cell, not by the few pixels around the column (a local fit of a
 * constant and a Gaussian in a half-bond aperture cannot tell a wide Gaussian from the constant: its
 * amplitudes scatter 2-4 times more; see inference/latticeSites.ts).
 *
 * Solver: conjugate gradients on the normal equations (A^T A + D) x = A^T f, preconditioned by their
 * diagonal (Jacobi), each Gaussian truncated at 3.5 s. D is a numerical ridge of {@link RIDGE} x the
 * part of the squared Gaussian's sum over the plane (pi s^2) that lies outside the frame, so a column
 * with no pixel in the frame has a defined amplitude (0). Nothing larger: a ridge that shrinks
 * amplitudes lets the background, which the nearly flat sum of a lattice's Gaussians resembles, take
 * up the difference, and biases every column (1e-3 x pi s^2 on all columns: -0.3 % on a synthetic
 * lattice, test/siteOccupancy.test.ts). A column mostly outside the frame is set by its few visible
 * pixels; it is not read (inference/latticeSites.ts leaves columns within half a bond of the edge out).
 *
 * Probe width: {@link fitProbeWidth} picks the s of least residual sum of squares (golden-section
 * search), the width at which the Gaussian model explains the frame best.
 */
import { AtomdynError } from '../data/errors.ts';

/** Numerical ridge on a column's amplitude per unit of its Gaussian's squared norm lying outside the frame (module comment). */
export const RIDGE = 1e-6;

/** Options of {@link fitColumnAmplitudes}. */
export interface ColumnAmplitudeOptions {
  /** Gaussian standard deviation of every column, px (> 0). */
  sigmaPx: number;
  /** Wanted spacing of the background nodes, px (>= 2; the grid fits a whole number of cells in the frame). */
  backgroundSpacingPx: number;
  /** Conjugate-gradient iterations at most; default 500. */
  maxIterations?: number;
  /** Stop when the preconditioned residual norm has fallen by this factor; default 1e-7. */
  tolerance?: number;
  /** Per-pixel weights `[height * width]` (>= 0; the inverse noise variance, up to a factor), for a weighted least-squares fit; default all 1. */
  weights?: ArrayLike<number>;
  /** true: also return the fitted model image (`model`); default false. */
  keepModel?: boolean;
}

/** Result of {@link fitColumnAmplitudes}. */
export interface ColumnAmplitudeFit {
  /** Fitted amplitude of each column above the background, frame units, aligned with the input columns. */
  amplitudes: Float64Array;
  /** The background at each column's position, frame units. */
  backgroundAt: Float64Array;
  /** Mean of the background over the frame, frame units. */
  backgroundMean: number;
  /** Residual sum of squares over the frame's pixels. */
  rss: number;
  /** Conjugate-gradient iterations used. */
  iterations: number;
  /** The fitted model image (background plus every column), float32 `[height * width]`; only with `keepModel`. */
  model?: Float32Array;
}

/**
 * Fit every column's amplitude and a smooth background to the whole frame (module comment).
 *
 * @param frame float32 `[height * width]`, row-major
 * @param columns column positions, px (columns outside the frame are allowed: their visible tails count)
 * @throws AtomdynError('sigmaPx' / 'backgroundSpacingPx') for a width <= 0 or a spacing < 2 px
 */
export function fitColumnAmplitudes(frame: Float32Array, height: number, width: number, columns: ArrayLike<{ x: number; y: number }>, opts: ColumnAmplitudeOptions): ColumnAmplitudeFit {
  const s = opts.sigmaPx;
  if (!(s > 0 && Number.isFinite(s))) throw AtomdynError.forOption('sigmaPx', `the column width must be a positive number of px, got ${s}`);
  if (!(opts.backgroundSpacingPx >= 2)) throw AtomdynError.forOption('backgroundSpacingPx', `the background node spacing must be at least 2 px, got ${opts.backgroundSpacingPx}`);
  const n = columns.length;
  // background grid: nx x ny nodes, outer nodes on the frame's border
  const nx = Math.max(2, Math.round((width - 1) / opts.backgroundSpacingPx) + 1), ny = Math.max(2, Math.round((height - 1) / opts.backgroundSpacingPx) + 1);
  const hx = (width - 1) / (nx - 1) || 1, hy = (height - 1) / (ny - 1) || 1;
  const nb = nx * ny;
  // sparse Gaussian columns: per column the pixel indices and values within 3.5 s
  const R = 3.5 * s, inv2s2 = 1 / (2 * s * s);
  const start = new Int32Array(n + 1);
  const pixList: number[] = [], valList: number[] = [];
  for (let k = 0; k < n; k++) {
    const { x: cx, y: cy } = columns[k];
    const ylo = Math.max(0, Math.ceil(cy - R)), yhi = Math.min(height - 1, Math.floor(cy + R));
    const xlo = Math.max(0, Math.ceil(cx - R)), xhi = Math.min(width - 1, Math.floor(cx + R));
    for (let y = ylo; y <= yhi; y++) {
      const dy2 = (y - cy) ** 2;
      for (let x = xlo; x <= xhi; x++) {
        const d2 = dy2 + (x - cx) ** 2;
        if (d2 > R * R) continue;
        pixList.push(y * width + x);
        valList.push(Math.exp(-d2 * inv2s2));
      }
    }
    start[k + 1] = pixList.length;
  }
  const pix = Int32Array.from(pixList), val = Float64Array.from(valList);
  // bilinear background weights per pixel: node index of the lower-left node and the fractions
  const bx0 = new Int32Array(width), bfx = new Float64Array(width), by0 = new Int32Array(height), bfy = new Float64Array(height);
  for (let x = 0; x < width; x++) { const t = x / hx; const i = Math.min(nx - 2, Math.floor(t)); bx0[x] = i; bfx[x] = t - i; }
  for (let y = 0; y < height; y++) { const t = y / hy; const j = Math.min(ny - 2, Math.floor(t)); by0[y] = j; bfy[y] = t - j; }
  const m = n + nb;
  const full = Math.PI * s * s; // the sum of the squared Gaussian over the plane
  const img = new Float64Array(width * height);
  /** img = A v */
  const apply = (v: Float64Array) => {
    img.fill(0);
    for (let k = 0; k < n; k++) {
      const a = v[k];
      if (a === 0) continue;
      for (let q = start[k]; q < start[k + 1]; q++) img[pix[q]] += a * val[q];
    }
    for (let y = 0; y < height; y++) {
      const j = by0[y], fy = bfy[y];
      for (let x = 0; x < width; x++) {
        const i = bx0[x], fx = bfx[x];
        const b = n + j * nx + i;
        img[y * width + x] += (1 - fy) * ((1 - fx) * v[b] + fx * v[b + 1]) + fy * ((1 - fx) * v[b + nx] + fx * v[b + nx + 1]);
      }
    }
  };
  /** out = A^T r (r over pixels) */
  const applyT = (r: ArrayLike<number>, out: Float64Array) => {
    out.fill(0);
    for (let k = 0; k < n; k++) {
      let t = 0;
      for (let q = start[k]; q < start[k + 1]; q++) t += val[q] * r[pix[q]];
      out[k] = t;
    }
    for (let y = 0; y < height; y++) {
      const j = by0[y], fy = bfy[y];
      for (let x = 0; x < width; x++) {
        const i = bx0[x], fx = bfx[x], v = r[y * width + x];
        const b = n + j * nx + i;
        out[b] += (1 - fy) * (1 - fx) * v;
        out[b + 1] += (1 - fy) * fx * v;
        out[b + nx] += fy * (1 - fx) * v;
        out[b + nx + 1] += fy * fx * v;
      }
    }
  };
  const wts = opts.weights;
  if (wts && wts.length !== width * height) throw AtomdynError.forOption('weights', `expected ${width * height} pixel weights, got ${wts.length}`);
  let wMean = 1;
  if (wts) {
    wMean = 0;
    for (let k = 0; k < wts.length; k++) {
      if (!(wts[k] >= 0 && Number.isFinite(wts[k]))) throw AtomdynError.forOption('weights', `pixel weight ${k} is ${wts[k]}, not a finite number >= 0`);
      wMean += wts[k] / wts.length;
    }
    if (!(wMean > 0)) throw AtomdynError.forOption('weights', 'every pixel weight is 0');
  }
  const wAt = (k: number) => (wts ? wts[k] : 1);
  // diagonal of A^T W A + D (Jacobi preconditioner); the ridge scales with the mean weight
  const diag = new Float64Array(m), ridge = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let t = 0, tw = 0;
    for (let q = start[k]; q < start[k + 1]; q++) { t += val[q] * val[q]; tw += wAt(pix[q]) * val[q] * val[q]; }
    ridge[k] = wMean * (RIDGE * Math.max(0, full - t) + 1e-12 * full);
    diag[k] = tw + ridge[k];
  }
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const b = n + by0[y] * nx + bx0[x], fx = bfx[x], fy = bfy[y], w = wAt(y * width + x);
    diag[b] += w * ((1 - fy) * (1 - fx)) ** 2;
    diag[b + 1] += w * ((1 - fy) * fx) ** 2;
    diag[b + nx] += w * (fy * (1 - fx)) ** 2;
    diag[b + nx + 1] += w * (fy * fx) ** 2;
  }
  for (let k = 0; k < m; k++) if (!(diag[k] > 0)) diag[k] = 1;
  const normal = (v: Float64Array, out: Float64Array) => {
    apply(v);
    if (wts) for (let k = 0; k < img.length; k++) img[k] *= wts[k];
    applyT(img, out);
    for (let k = 0; k < n; k++) out[k] += ridge[k] * v[k];
  };
  // preconditioned conjugate gradients from x = 0
  const xs = new Float64Array(m), r = new Float64Array(m), z = new Float64Array(m), p = new Float64Array(m), q = new Float64Array(m);
  if (wts) {
    const wf = new Float64Array(width * height);
    for (let k = 0; k < wf.length; k++) wf[k] = frame[k] * wts[k];
    applyT(wf, r);
  } else applyT(frame, r);
  for (let k = 0; k < m; k++) { z[k] = r[k] / diag[k]; p[k] = z[k]; }
  let rz = 0;
  for (let k = 0; k < m; k++) rz += r[k] * z[k];
  const rz0 = rz;
  const maxIt = opts.maxIterations ?? 500, tol = opts.tolerance ?? 1e-7;
  let it = 0;
  while (it < maxIt && rz > tol * tol * rz0 && rz > 0) {
    normal(p, q);
    let pq = 0;
    for (let k = 0; k < m; k++) pq += p[k] * q[k];
    if (!(pq > 0)) break;
    const alpha = rz / pq;
    for (let k = 0; k < m; k++) { xs[k] += alpha * p[k]; r[k] -= alpha * q[k]; z[k] = r[k] / diag[k]; }
    let rzNew = 0;
    for (let k = 0; k < m; k++) rzNew += r[k] * z[k];
    const beta = rzNew / rz;
    rz = rzNew;
    for (let k = 0; k < m; k++) p[k] = z[k] + beta * p[k];
    it++;
  }
  apply(xs);
  let rss = 0;
  for (let k = 0; k < img.length; k++) rss += (frame[k] - img[k]) ** 2;
  const bgAt = (x: number, y: number) => {
    const tx = Math.min(nx - 1, Math.max(0, x / hx)), ty = Math.min(ny - 1, Math.max(0, y / hy));
    const i = Math.min(nx - 2, Math.floor(tx)), j = Math.min(ny - 2, Math.floor(ty));
    const fx = tx - i, fy = ty - j, b = n + j * nx + i;
    return (1 - fy) * ((1 - fx) * xs[b] + fx * xs[b + 1]) + fy * ((1 - fx) * xs[b + nx] + fx * xs[b + nx + 1]);
  };
  let bgSum = 0;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) bgSum += bgAt(x, y);
  const backgroundAt = new Float64Array(n);
  for (let k = 0; k < n; k++) backgroundAt[k] = bgAt(columns[k].x, columns[k].y);
  return { amplitudes: xs.slice(0, n), backgroundAt, backgroundMean: bgSum / (width * height), rss, iterations: it, ...(opts.keepModel ? { model: Float32Array.from(img) } : {}) };
}

/**
 * The probe width of least residual: golden-section search of the residual sum of squares of
 * {@link fitColumnAmplitudes} over s in [lo, hi] (px), to a bracket of 1 % of the start value.
 * @returns the width and the fit at it
 * @throws AtomdynError('sigmaPx') when the bracket is not 0 < lo < hi
 */
export function fitProbeWidth(frame: Float32Array, height: number, width: number, columns: ArrayLike<{ x: number; y: number }>, lo: number, hi: number, backgroundSpacingPx: number): { sigmaPx: number; fit: ColumnAmplitudeFit } {
  if (!(lo > 0 && hi > lo)) throw AtomdynError.forOption('sigmaPx', `the probe width bracket must satisfy 0 < lo < hi, got [${lo}, ${hi}]`);
  const g = (Math.sqrt(5) - 1) / 2;
  const cache = new Map<number, ColumnAmplitudeFit>();
  const f = (sig: number) => {
    let hit = cache.get(sig);
    if (!hit) { hit = fitColumnAmplitudes(frame, height, width, columns, { sigmaPx: sig, backgroundSpacingPx }); cache.set(sig, hit); }
    return hit.rss;
  };
  let a = lo, b = hi;
  let c = b - g * (b - a), d = a + g * (b - a);
  let fc = f(c), fd = f(d);
  const stop = 0.02 * (lo + hi) / 2;
  while (b - a > stop) {
    if (fc < fd) { b = d; d = c; fd = fc; c = b - g * (b - a); fc = f(c); } else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = f(d); }
  }
  const sigmaPx = fc < fd ? c : d;
  return { sigmaPx, fit: cache.get(sigmaPx)! };
}
