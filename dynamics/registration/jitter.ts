/**
 * Drift jitter: how far each frame's rigid registration lies from a smooth drift. The drift track of
 * a stack (dx, dy per frame, px) is fitted by a least-squares polynomial in the frame index (the
 * smooth, thermal or stage drift); the residuals are the jitter (scan noise, vibrations, and the
 * registration's own error). Its standard deviation per axis is the residual standard deviation
 * sqrt(RSS / (n - p - 1)) with p the polynomial degree, and its standard error sd / sqrt(2 (n - p - 1))
 * (normal residuals). The seed lecture (Duscher & Chisholm's pycroscopy notebooks on drift correction)
 * reports such figures, e.g. "jitter standard deviation 2.98 pm in x". Jitter well above the
 * registration's precision (about 0.05 px for phase correlation on atomic-resolution frames) is real
 * motion of the image; jitter at that level is the registration's noise.
 */

/** The jitter of one drift track. */
export interface JitterFit {
  /** Polynomial degree of the smooth drift. */
  degree: number;
  /** Smooth drift per frame, px. */
  smoothDx: Float64Array;
  smoothDy: Float64Array;
  /** Registration minus smooth drift per frame, px. */
  jitterX: Float64Array;
  jitterY: Float64Array;
  /** Standard deviation of the jitter per axis, px, and its standard error. */
  sdX: number;
  sdY: number;
  sdXErr: number;
  sdYErr: number;
  /** Frames used. */
  n: number;
}

/** Least-squares polynomial fit of v(t), returning the fitted values; t is centred and scaled first. */
function polyFit(t: ArrayLike<number>, v: ArrayLike<number>, degree: number): Float64Array {
  const n = t.length, p = degree + 1;
  let tmin = Infinity, tmax = -Infinity;
  for (let i = 0; i < n; i++) {
    tmin = Math.min(tmin, t[i]);
    tmax = Math.max(tmax, t[i]);
  }
  const mid = (tmin + tmax) / 2, half = Math.max((tmax - tmin) / 2, 1e-12);
  const M = new Float64Array(p * (p + 1));
  for (let i = 0; i < n; i++) {
    const s = (t[i] - mid) / half;
    const pw = new Float64Array(p);
    pw[0] = 1;
    for (let k = 1; k < p; k++) pw[k] = pw[k - 1] * s;
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < p; b++) M[a * (p + 1) + b] += pw[a] * pw[b];
      M[a * (p + 1) + p] += pw[a] * v[i];
    }
  }
  // Gauss-Jordan with partial pivoting on the augmented normal equations
  const w = p + 1;
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(M[r * w + c]) > Math.abs(M[piv * w + c])) piv = r;
    for (let j = 0; j < w; j++) [M[c * w + j], M[piv * w + j]] = [M[piv * w + j], M[c * w + j]];
    const d = M[c * w + c] || 1e-300;
    for (let j = 0; j < w; j++) M[c * w + j] /= d;
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = M[r * w + c];
      if (f !== 0) for (let j = 0; j < w; j++) M[r * w + j] -= f * M[c * w + j];
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = (t[i] - mid) / half;
    let acc = 0, pw = 1;
    for (let k = 0; k < p; k++) {
      acc += M[k * w + p] * pw;
      pw *= s;
    }
    out[i] = acc;
  }
  return out;
}

/**
 * Fit a smooth drift and measure the jitter about it.
 * @param frames frame indices (the time axis; need not be consecutive)
 * @param dx, dy drift per frame, px (drift.csv's convention)
 * @param degree polynomial degree of the smooth drift (default 3, at most n - 3)
 * @throws RangeError for fewer than 4 frames or mismatched lengths
 */
export function jitterFromDrift(frames: ArrayLike<number>, dx: ArrayLike<number>, dy: ArrayLike<number>, degree = 3): JitterFit {
  const n = frames.length;
  if (dx.length !== n || dy.length !== n) throw new RangeError('frames, dx and dy differ in length');
  if (n < 4) throw new RangeError(`jitter needs at least 4 frames, got ${n}`);
  const p = Math.max(0, Math.min(degree, n - 3));
  const smoothDx = polyFit(frames, dx, p), smoothDy = polyFit(frames, dy, p);
  const jitterX = Float64Array.from(dx, (v, i) => v - smoothDx[i]);
  const jitterY = Float64Array.from(dy, (v, i) => v - smoothDy[i]);
  const dof = n - p - 1;
  const sd = (r: Float64Array) => Math.sqrt(r.reduce((s, v) => s + v * v, 0) / dof);
  const sdX = sd(jitterX), sdY = sd(jitterY);
  return { degree: p, smoothDx, smoothDy, jitterX, jitterY, sdX, sdY, sdXErr: sdX / Math.sqrt(2 * dof), sdYErr: sdY / Math.sqrt(2 * dof), n };
}
