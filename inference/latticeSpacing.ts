/**
 * Lattice spacing measured from a frame's Fourier transform, used to check (or supply) the pixel size.
 *
 * The power spectrum is averaged over overlapping windows of up to 512 x 512 pixels (Welch's method,
 * which lowers the noise of the estimate), each windowed (Hann) and zero-padded 2x;
 * the first-order Bragg spots of the lattice lie on a ring at radius `N / d` (d = spacing in pixels).
 * A template of those spots (3 spots 60° apart in one half plane for hexagonal lattices, 2 spots 90°
 * apart for square ones) is scanned over radius and angle; its score is the mean log power at the
 * spots minus the ring's mean log power. At the best radius in the allowed band each spot is then
 * moved to the centroid of its power (scan distortion moves spots independently) and the spacing
 * is their mean radius. Using the lattice's symmetry makes it robust to noise peaks and to isotropic rings.
 * For a hexagonal lattice of constant a (graphene 246 pm, WSe2 328 pm) the first-order spacing is
 * d100 = a·√3/2 (inference/latticeScale.ts turns a spacing into a pixel size).
 */
import { realFft2d } from '../numerics/fft.ts';

/** Result of {@link measureLatticeSpacing}. */
export interface LatticeSpacing {
  /** First-order lattice-plane spacing in pixels of the input frame. */
  spacingPx: number;
  /** Peak-to-background ratio of the ring in the radial profile (>~3 means a clear lattice). */
  strength: number;
  /** Angle (degrees, counter-clockwise on screen) of the first-order spots, in [0, 60) for hexagonal, [0, 90) for square lattices. */
  orientationDeg: number;
}

/**
 * Add the power |X|^2 of the 2-D DFT of a real `[n, n]` image to `power`: `re` holds the image on entry
 * (rows at and after `rows` are read as zero, the zero padding) and its transform's real parts on return;
 * `im` is scratch.
 */
function addFft2Power(re: Float64Array, im: Float64Array, n: number, rows: number, power: Float64Array): void {
  realFft2d(re, im, n, n, rows);
  for (let i = 0; i < power.length; i++) power[i] += re[i] * re[i] + im[i] * im[i];
}

/** Radius bin (rounded |frequency|) of every bin of an `[N, N]` spectrum, per N (the same for every frame). */
const radiusMaps = new Map<number, Int32Array>();

function radiusMap(N: number): Int32Array {
  let m = radiusMaps.get(N);
  if (m) return m;
  m = new Int32Array(N * N);
  for (let ky = 0; ky < N; ky++) {
    const fy = ky <= N / 2 ? ky : ky - N;
    for (let kx = 0; kx < N; kx++) {
      const fx = kx <= N / 2 ? kx : kx - N;
      // integer frequencies: sqrt of the exact sum of squares is never within rounding of a half
      m[ky * N + kx] = Math.round(Math.sqrt(fx * fx + fy * fy));
    }
  }
  radiusMaps.set(N, m);
  return m;
}

/**
 * Welch-averaged power spectrum of a frame (see the module comment) with the helpers the template
 * searches need. Frequencies are in bins of the padded transform: a lattice spacing of d input pixels
 * lies at radius `N / d`.
 */
export interface PowerSpectrum {
  /** Side of the zero-padded transform (bins). */
  N: number;
  /** Side of the windows (input pixels). */
  n: number;
  /** Power, `[N * N]`, row-major, DC at index 0. */
  power: Float64Array;
  /** Mean log power on the ring of radius r (linear interpolation between integer radii). */
  ringMean(r: number): number;
  /** Log power at frequency (fx, fy) (bilinear, periodic). */
  logp(fx: number, fy: number): number;
}

/**
 * The Welch power spectrum of a frame: overlapping Hann-windowed tiles of n x n pixels (n the largest
 * power of two up to min(height, width, 512)), at most 4 x 4 of them, centred, zero-padded 2x (4x for
 * n <= 128), their power averaged.
 * @param frame float32 `[height * width]`
 * @returns null when the frame is smaller than 32 x 32
 */
export function welchPowerSpectrum(frame: Float32Array, height: number, width: number): PowerSpectrum | null {
  let n = 1;
  while (n * 2 <= Math.min(height, width, 512)) n *= 2;
  if (n < 32) return null;
  const N = n <= 128 ? 4 * n : 2 * n; // zero-padding: finer sampling of the spots for small windows
  // Welch's method: average the power of overlapping windows (step n/2, at most 4 x 4 of them, centred)
  const starts = (len: number) => {
    const k = Math.min(4, Math.floor((len - n) / (n / 2)) + 1);
    const off = Math.floor((len - (n + ((k - 1) * n) / 2)) / 2);
    return Array.from({ length: k }, (_, i) => off + (i * n) / 2);
  };
  const power = new Float64Array(N * N);
  // the windowed tile, transformed in place (rows n..N-1 are the zero padding, which realFft2d zeroes itself)
  const re = new Float64Array(N * N);
  const im = new Float64Array(N * N);
  const hann = Float64Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n));
  for (const y0 of starts(height)) {
    for (const x0 of starts(width)) {
      let mean = 0;
      for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) mean += frame[(y0 + y) * width + x0 + x];
      mean /= n * n;
      for (let y = 0; y < n; y++) {
        const o = y * N;
        for (let x = 0; x < n; x++) re[o + x] = (frame[(y0 + y) * width + x0 + x] - mean) * hann[x] * hann[y];
        re.fill(0, o + n, o + N);
      }
      addFft2Power(re, im, N, n, power);
    }
  }
  // mean log power per radius (bins of one frequency pixel of the padded transform): the ring background
  const rmax = N / 2;
  const prof = new Float64Array(rmax + 2), cnt = new Float64Array(rmax + 2);
  // the log power once per bin: the ring profile and every template lookup below read it
  const logPower = new Float64Array(N * N);
  for (let i = 0; i < logPower.length; i++) logPower[i] = Math.log(power[i] + 1e-30);
  const radius = radiusMap(N);
  for (let i = 0; i < radius.length; i++) {
    const r = radius[i];
    if (r <= rmax) {
      prof[r] += logPower[i];
      cnt[r]++;
    }
  }
  for (let r = 0; r <= rmax; r++) prof[r] = cnt[r] ? prof[r] / cnt[r] : 0;
  const ringMean = (r: number) => {
    const i = Math.min(rmax, Math.max(0, Math.floor(r))), t = r - i;
    return (1 - t) * prof[i] + t * prof[Math.min(rmax, i + 1)];
  };
  const logp = (fx: number, fy: number) => {
    const x0 = Math.floor(fx), y0 = Math.floor(fy);
    const tx = fx - x0, ty = fy - y0;
    const g = (kx: number, ky: number) => logPower[(((ky % N) + N) % N) * N + (((kx % N) + N) % N)];
    return (1 - ty) * ((1 - tx) * g(x0, y0) + tx * g(x0 + 1, y0)) + ty * ((1 - tx) * g(x0, y0 + 1) + tx * g(x0 + 1, y0 + 1));
  };
  return { N, n, power, ringMean, logp };
}

/**
 * Log power ratio of each first-order spot of a lattice template over its ring's mean log power:
 * 3 spots 60° apart (hexagonal point groups) or 2 spots 90° apart (square, '4...'), the first at
 * `thetaDeg` (counter-clockwise on screen), at radius r (bins).
 * @returns one natural-log ratio per spot (0 = ring background)
 */
export function spotLogRatios(spec: PowerSpectrum, r: number, thetaDeg: number, pointGroup: string): number[] {
  const square = /^4/.test(pointGroup);
  const step = square ? 90 : 60;
  const out: number[] = [];
  for (let k = 0; k < (square ? 2 : 3); k++) {
    const t = ((thetaDeg + k * step) * Math.PI) / 180;
    out.push(spec.logp(r * Math.cos(t), -r * Math.sin(t)) - spec.ringMean(r));
  }
  return out;
}

/**
 * Measure the first-order lattice spacing of a frame.
 * @param frame float32 `[height * width]`
 * @param options.expectedPx expected spacing in pixels (from the lattice and a pixel size); the search
 *   is limited to [expectedPx / 1.5, expectedPx * 1.5]. Without it, the whole range 2.5 px to N/4 is
 *   searched: the strongest ring wins, unless a lower-order ring of the same lattice (at √3 times its
 *   spacing for hexagonal point groups, √2 or 2 for square ones) is also clearly present, which is
 *   then the first order.
 * @param options.pointGroup the lattice's point group ('6mm' default; '4mm' for square lattices)
 * @param options.spectrum a spectrum of this frame from {@link welchPowerSpectrum}, to reuse
 * @returns null when the frame is smaller than 32 x 32 or shows no lattice peak
 */
export function measureLatticeSpacing(
  frame: Float32Array,
  height: number,
  width: number,
  options: { expectedPx?: number; pointGroup?: string; spectrum?: PowerSpectrum } = {},
): LatticeSpacing | null {
  const spec = options.spectrum ?? welchPowerSpectrum(frame, height, width);
  if (!spec) return null;
  const { N, n, power, ringMean, logp } = spec;
  const rmax = N / 2;
  // template of the lattice's first-order spots in one half plane (the power is centro-symmetric):
  // 3 spots 60° apart for hexagonal point groups, 2 spots 90° apart for square ones. Its score at
  // (radius r, angle θ) is the mean log power at the spots minus the ring's mean log power, so it
  // rewards the lattice's symmetry and ignores isolated noise peaks and isotropic rings.
  const square = /^4/.test(options.pointGroup ?? '6mm');
  const step = square ? 90 : 60;
  const nSpots = square ? 2 : 3;
  const score = (r: number, thDeg: number) => {
    let sc = 0;
    for (let k = 0; k < nSpots; k++) {
      const t = ((thDeg + k * step) * Math.PI) / 180;
      sc += logp(r * Math.cos(t), -r * Math.sin(t));
    }
    return sc / nSpots - ringMean(r);
  };
  const bestAt = (r: number, th0 = 0, th1 = step, dth = 1) => {
    let b = -Infinity, bt = 0;
    for (let th = th0; th < th1; th += dth) {
      const sc = score(r, th);
      if (sc > b) {
        b = sc;
        bt = th;
      }
    }
    return { score: b, theta: bt };
  };
  // spacing d px <-> radius N / d
  const dMin = options.expectedPx ? options.expectedPx / 1.5 : 2.5;
  const dMax = Math.min(options.expectedPx ? options.expectedPx * 1.5 : Infinity, n / 4); // at least 4 periods in the window
  const rLo = Math.max(3, N / dMax), rHi = Math.min(rmax - 2, N / dMin);
  const rs: number[] = [], scores: number[] = [];
  for (let r = rLo; r <= rHi; r += 0.25) {
    rs.push(r);
    scores.push(bestAt(r).score);
  }
  if (rs.length === 0) return null;
  let bi = 0;
  for (let i = 1; i < rs.length; i++) if (scores[i] > scores[bi]) bi = i;
  if (!options.expectedPx) {
    // step down to a lower-order ring of the same lattice when one is clearly present: at r/√3
    // (hexagonal {110} -> {100}) or r/√2, r/2 (square), with at least 40 % of the best score
    for (let changed = true; changed; ) {
      changed = false;
      for (const factor of square ? [Math.SQRT2, 2] : [Math.sqrt(3)]) {
        const target = rs[bi] / factor;
        let cand = -1;
        for (let i = 0; i < bi; i++) if (Math.abs(rs[i] - target) <= Math.max(1, 0.03 * target) && (cand < 0 || scores[i] > scores[cand])) cand = i;
        if (cand >= 0 && scores[cand] >= 0.4 * scores[bi]) {
          bi = cand;
          changed = true;
          break;
        }
      }
    }
  }
  if (!(scores[bi] > Math.log(5))) return null; // spots under 5x the ring's mean power: no lattice (noise maxima stay below)
  // polish: each spot moves to the centroid of its power near the template position (scan distortion
  // shifts spots independently); the spacing is their mean radius
  const { score: bestScore, theta: topAngDeg } = bestAt(rs[bi], 0, step, 0.5);
  let radius = 0;
  for (let k = 0; k < nSpots; k++) {
    const t = ((topAngDeg + k * step) * Math.PI) / 180;
    const cx = rs[bi] * Math.cos(t), cy = -rs[bi] * Math.sin(t);
    // centroid of the power above the disk's minimum, in a disk of one padding factor (the spot's
    // half-width in bins) around the spot, re-centred three times
    const R = N / n;
    let bx = cx, by = cy;
    for (let iter = 0; iter < 3; iter++) {
      const pts: Array<[number, number, number]> = [];
      let pmin = Infinity;
      for (let ky = Math.floor(by - R); ky <= Math.ceil(by + R); ky++) {
        for (let kx = Math.floor(bx - R); kx <= Math.ceil(bx + R); kx++) {
          if ((kx - bx) ** 2 + (ky - by) ** 2 > R * R) continue;
          const p = power[(((ky % N) + N) % N) * N + (((kx % N) + N) % N)];
          pts.push([kx, ky, p]);
          pmin = Math.min(pmin, p);
        }
      }
      let sw = 0, sx = 0, sy = 0;
      for (const [kx, ky, p] of pts) {
        sw += p - pmin;
        sx += (p - pmin) * kx;
        sy += (p - pmin) * ky;
      }
      if (!(sw > 0)) break;
      bx = sx / sw;
      by = sy / sw;
    }
    radius += Math.hypot(bx, by) / nSpots;
  }
  const deg = ((topAngDeg % step) + step) % step;
  return { spacingPx: N / radius, strength: Math.exp(bestScore), orientationDeg: deg };
}
