/**
 * Sub-pixel refinement of atom positions by 2-D Gaussian fits on the raw frame (as Atomap does:
 * Nord et al., Adv. Struct. Chem. Imaging 3, 9 (2017)). Each atom is fitted inside a disk of radius
 * `radiusPx` with f(x, y) = B + A exp(-((x - x0)² + (y - y0)²) / (2 s²)) by Levenberg-Marquardt
 * (Marquardt 1963). A fit is used only when it converges, stays within `maxShiftPx` of the start,
 * has an amplitude A above 3 standard errors, a width within [0.25, 4] x the starting width and a
 * position error below half of `maxShiftPx`; otherwise the input position is kept.
 * The position uncertainty is the standard error from the fit's covariance, s² (JᵀJ)⁻¹ with
 * s² = RSS / (n - 5), averaged over x and y.
 */

/** One refined position. */
export interface RefinedPosition {
  x: number;
  y: number;
  /** Standard error of the position, pixels (NaN when not refined). */
  sigma: number;
  /** Fitted Gaussian width s, pixels (NaN when not refined). */
  width: number;
  /** Fitted amplitude above background (NaN when not refined). */
  amplitude: number;
  /** True when the fit was accepted. */
  refined: boolean;
}

/**
 * Invert a small matrix (Gauss-Jordan with partial pivoting).
 * @param a row-major float64 `n x n` (not modified)
 * @returns the inverse, row-major float64 `n x n`; null if singular
 */
export function invert(a: Float64Array, n: number): Float64Array | null {
  const m = new Float64Array(n * 2 * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) m[i * 2 * n + j] = a[i * n + j];
    m[i * 2 * n + n + i] = 1;
  }
  const w = 2 * n;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * w + c]) > Math.abs(m[p * w + c])) p = r;
    if (Math.abs(m[p * w + c]) < 1e-300) return null;
    if (p !== c) for (let j = 0; j < w; j++) { const t = m[c * w + j]; m[c * w + j] = m[p * w + j]; m[p * w + j] = t; }
    const d = m[c * w + c];
    for (let j = 0; j < w; j++) m[c * w + j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * w + c];
      if (f !== 0) for (let j = 0; j < w; j++) m[r * w + j] -= f * m[c * w + j];
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = m[i * w + n + j];
  return out;
}

/**
 * Fit one atom.
 * @param frame raw float32 `[height * width]`
 * @param x0 starting column (px), y0 starting row (px)
 * @param radiusPx fit window radius (px), about 0.4-0.5 of the nearest-neighbour distance
 * @param widthPx starting Gaussian width s (px)
 * @param maxShiftPx largest accepted move from the start (px)
 */
export function refineAtom(frame: Float32Array, height: number, width: number, x0: number, y0: number, radiusPx: number, widthPx: number, maxShiftPx: number): RefinedPosition {
  const fail: RefinedPosition = { x: x0, y: y0, sigma: NaN, width: NaN, amplitude: NaN, refined: false };
  const r2 = radiusPx * radiusPx;
  const ylo = Math.max(0, Math.floor(y0 - radiusPx)), yhi = Math.min(height - 1, Math.ceil(y0 + radiusPx));
  const xlo = Math.max(0, Math.floor(x0 - radiusPx)), xhi = Math.min(width - 1, Math.ceil(x0 + radiusPx));
  const cap = (yhi - ylo + 1) * (xhi - xlo + 1);
  const xs = new Float64Array(cap), ys = new Float64Array(cap), vs = new Float64Array(cap);
  let n = 0;
  for (let y = ylo; y <= yhi; y++) {
    for (let x = xlo; x <= xhi; x++) {
      if ((x - x0) ** 2 + (y - y0) ** 2 <= r2) {
        xs[n] = x;
        ys[n] = y;
        vs[n] = frame[y * width + x];
        n++;
      }
    }
  }
  if (n < 8) return fail;
  let vmin = Infinity, vmax = -Infinity;
  for (let i = 0; i < n; i++) {
    vmin = Math.min(vmin, vs[i]);
    vmax = Math.max(vmax, vs[i]);
  }
  // parameters: B, A, x0, y0, s; normal equations accumulated directly (no Jacobian stored)
  let p = Float64Array.of(vmin, Math.max(vmax - vmin, 1e-12), x0, y0, widthPx);
  const JtJ = new Float64Array(25), Jtr = new Float64Array(5), row = new Float64Array(5);
  const evaluate = (q: Float64Array, normal: boolean): number => {
    let rss = 0;
    if (normal) {
      JtJ.fill(0);
      Jtr.fill(0);
    }
    const s2 = q[4] * q[4];
    for (let i = 0; i < n; i++) {
      const dx = xs[i] - q[2], dy = ys[i] - q[3];
      const rr = dx * dx + dy * dy;
      const e = Math.exp(-rr / (2 * s2));
      const res = vs[i] - (q[0] + q[1] * e);
      rss += res * res;
      if (normal) {
        row[0] = 1;
        row[1] = e;
        row[2] = (q[1] * e * dx) / s2;
        row[3] = (q[1] * e * dy) / s2;
        row[4] = (q[1] * e * rr) / (s2 * q[4]);
        for (let a = 0; a < 5; a++) {
          Jtr[a] += row[a] * res;
          for (let b = a; b < 5; b++) JtJ[a * 5 + b] += row[a] * row[b];
        }
      }
    }
    if (normal) for (let a = 0; a < 5; a++) for (let b = 0; b < a; b++) JtJ[a * 5 + b] = JtJ[b * 5 + a];
    return rss;
  };
  let lambda = 1e-3;
  let rss = evaluate(p, true);
  let converged = false;
  const M = new Float64Array(25), q = new Float64Array(5);
  for (let it = 0; it < 20 && !converged; it++) { // a fit that needs more does not converge nearby
    let improved = false;
    for (let tries = 0; tries < 10; tries++) {
      for (let k = 0; k < 25; k++) M[k] = JtJ[k];
      for (let a = 0; a < 5; a++) M[a * 5 + a] = JtJ[a * 5 + a] * (1 + lambda) + 1e-12;
      const inv = invert(M, 5);
      if (!inv) break;
      let moved = 0;
      for (let a = 0; a < 5; a++) {
        let st = 0;
        for (let b = 0; b < 5; b++) st += inv[a * 5 + b] * Jtr[b];
        q[a] = p[a] + st;
        if (a === 2 || a === 3) moved += st * st;
      }
      if (!(q[4] > 0)) {
        lambda *= 10;
        continue;
      }
      const next = evaluate(q, false);
      if (next < rss) {
        const rel = (rss - next) / Math.max(rss, 1e-300);
        p = Float64Array.from(q);
        rss = evaluate(p, true);
        lambda = Math.max(lambda / 10, 1e-9);
        improved = true;
        if (rel < 1e-7 || Math.sqrt(moved) < 1e-3) converged = true; // a thousandth of a pixel is enough
        break;
      }
      lambda *= 10;
    }
    if (!improved) converged = true; // no step lowers the residual: at a minimum
  }
  if (!converged) return fail;
  const A = p[1], fx = p[2], fy = p[3], s = p[4];
  if (!(A > 0) || Math.hypot(fx - x0, fy - y0) > maxShiftPx || s < 0.25 * widthPx || s > 4 * widthPx) return fail;
  const cov = invert(JtJ, 5);
  if (!cov) return fail;
  const s2 = rss / Math.max(1, n - 5);
  const sigma = Math.sqrt(Math.max(0, (s2 * (cov[2 * 5 + 2] + cov[3 * 5 + 3])) / 2));
  const seAmplitude = Math.sqrt(Math.max(0, s2 * cov[1 * 5 + 1]));
  if (!(A > 3 * seAmplitude) || !(sigma < maxShiftPx / 2)) return fail; // no significant peak, or no position
  return { x: fx, y: fy, sigma, width: s, amplitude: A, refined: true };
}
