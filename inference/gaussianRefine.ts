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

/** Invert a small symmetric positive matrix (Gauss-Jordan with partial pivoting); null if singular. */
function invert(a: number[][]): number[][] | null {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) < 1e-300) return null;
    [m[c], m[p]] = [m[p], m[c]];
    const d = m[c][c];
    for (let j = 0; j < 2 * n; j++) m[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      if (f !== 0) for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row) => row.slice(n));
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
  const xs: number[] = [], ys: number[] = [], vs: number[] = [];
  const r2 = radiusPx * radiusPx;
  for (let y = Math.max(0, Math.floor(y0 - radiusPx)); y <= Math.min(height - 1, Math.ceil(y0 + radiusPx)); y++) {
    for (let x = Math.max(0, Math.floor(x0 - radiusPx)); x <= Math.min(width - 1, Math.ceil(x0 + radiusPx)); x++) {
      if ((x - x0) ** 2 + (y - y0) ** 2 <= r2) {
        xs.push(x);
        ys.push(y);
        vs.push(frame[y * width + x]);
      }
    }
  }
  const n = vs.length;
  if (n < 8) return fail;
  let vmin = Infinity, vmax = -Infinity;
  for (const v of vs) {
    vmin = Math.min(vmin, v);
    vmax = Math.max(vmax, v);
  }
  // parameters: B, A, x0, y0, s
  let p = [vmin, Math.max(vmax - vmin, 1e-12), x0, y0, widthPx];
  const residuals = (q: number[], J: number[][] | null) => {
    let rss = 0;
    const res = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const dx = xs[i] - q[2], dy = ys[i] - q[3];
      const rr = dx * dx + dy * dy;
      const s2 = q[4] * q[4];
      const e = Math.exp(-rr / (2 * s2));
      const f = q[0] + q[1] * e;
      res[i] = vs[i] - f;
      rss += res[i] * res[i];
      if (J) J[i] = [1, e, (q[1] * e * dx) / s2, (q[1] * e * dy) / s2, (q[1] * e * rr) / (s2 * q[4])];
    }
    return { rss, res };
  };
  let lambda = 1e-3;
  const J: number[][] = new Array(n);
  let cur = residuals(p, J);
  let converged = false;
  for (let it = 0; it < 50; it++) {
    const JtJ = Array.from({ length: 5 }, () => new Array(5).fill(0));
    const Jtr = new Array(5).fill(0);
    for (let i = 0; i < n; i++) {
      const row = J[i];
      for (let a = 0; a < 5; a++) {
        Jtr[a] += row[a] * cur.res[i];
        for (let b = a; b < 5; b++) JtJ[a][b] += row[a] * row[b];
      }
    }
    for (let a = 0; a < 5; a++) for (let b = 0; b < a; b++) JtJ[a][b] = JtJ[b][a];
    let improved = false;
    for (let tries = 0; tries < 10; tries++) {
      const M = JtJ.map((row, a) => row.map((v, b) => (a === b ? v * (1 + lambda) + 1e-12 : v)));
      const inv = invert(M);
      if (!inv) break;
      const step = inv.map((row) => row.reduce((s, v, b) => s + v * Jtr[b], 0));
      const q = p.map((v, a) => v + step[a]);
      if (!(q[4] > 0)) {
        lambda *= 10;
        continue;
      }
      const Jn: number[][] = new Array(n);
      const next = residuals(q, Jn);
      if (next.rss < cur.rss) {
        const rel = (cur.rss - next.rss) / Math.max(cur.rss, 1e-300);
        const moved = Math.hypot(step[2], step[3]);
        p = q;
        cur = next;
        for (let i = 0; i < n; i++) J[i] = Jn[i];
        lambda = Math.max(lambda / 10, 1e-9);
        improved = true;
        if (rel < 1e-8 || moved < 1e-5) converged = true;
        break;
      }
      lambda *= 10;
    }
    if (!improved) {
      converged = true; // no step lowers the residual: at a minimum
      break;
    }
    if (converged) break;
  }
  if (!converged) return fail;
  const [, A, fx, fy, s] = p;
  if (!(A > 0) || Math.hypot(fx - x0, fy - y0) > maxShiftPx || s < 0.25 * widthPx || s > 4 * widthPx) return fail;
  const JtJ = Array.from({ length: 5 }, () => new Array(5).fill(0));
  for (let i = 0; i < n; i++) for (let a = 0; a < 5; a++) for (let b = 0; b < 5; b++) JtJ[a][b] += J[i][a] * J[i][b];
  const cov = invert(JtJ);
  if (!cov) return fail;
  const s2 = cur.rss / Math.max(1, n - 5);
  const sigma = Math.sqrt(Math.max(0, (s2 * (cov[2][2] + cov[3][3])) / 2));
  const seAmplitude = Math.sqrt(Math.max(0, s2 * cov[1][1]));
  if (!(A > 3 * seAmplitude) || !(sigma < maxShiftPx / 2)) return fail; // no significant peak, or no position
  return { x: fx, y: fy, sigma, width: s, amplitude: A, refined: true };
}
