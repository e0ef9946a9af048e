/**
 * Drift registration on coordinates (point sets), for when no frames are given.
 *
 * The cross-correlation of two point sets is the histogram of their pairwise displacements: every
 * pair (a_i, b_j) with b_j - a_i within `maxShift` of the predicted step votes for that displacement
 * (bins of `binFraction` x spacing, Gaussian-smoothed by `smoothFraction` x spacing). Its peaks are
 * the candidate steps; on a lattice there is one per lattice translation (the sublattice translations
 * of a honeycomb get half the votes and fall below `minRelativeHeight`). The choice among them is
 * dynamics/registration/driftCorrection.ts's {@link chooseRegistration}: the dopants (non-periodic features) vote
 * separately (each dopant of frame k-1 votes for the candidates that put a dopant of frame k within a
 * quarter spacing of it) and decide when at least `minDopantVotes` agree and outvote the next
 * candidate by `featureRatio`; otherwise the candidate nearest the constant-velocity prediction wins.
 * The chosen peak is refined by mean shift over all pair displacements (Gaussian kernel of
 * `refineFraction` x spacing): it converges to the mode of the displacement density, which the
 * symmetric ring of the other lattice peaks leaves unbiased (a nearest-neighbour ICP mean is pulled
 * towards its start by wrong matches when the jitter is large). `peak` reports the fraction of atoms
 * with a partner within half a spacing.
 *
 * Sign convention as drift.csv: the step (dx, dy) moves frame k-1's content onto frame k's.
 */
import { SpatialGrid, medianNearestNeighbourDistance } from '../../numerics/spatialGrid.ts';
import { chooseRegistration, DriftPrior, driftTrackFromSteps, type DriftPriorOptions, type DriftStep, type DriftTrack, type RegistrationCandidate } from './driftCorrection.ts';
import { AtomdynError } from '../../data/errors.ts';

/** One frame's coordinates. */
export interface PointFrame {
  frame: number;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Non-zero/true for dopants (non-periodic features); optional. */
  dopant?: ArrayLike<number | boolean>;
}

/** Settings for point-set registration. */
export interface PointDriftOptions extends DriftPriorOptions {
  /** Typical nearest-neighbour distance (bond length), same unit as the points. Default: measured on the first frame. */
  spacing?: number;
  /** Largest deviation of a step from the predicted step. Default 2 x spacing. */
  maxShift?: number;
  /** Histogram bin size as a fraction of the spacing. Default 0.1. */
  binFraction?: number;
  /** Kernel width of the mean-shift refinement as a fraction of the spacing. Default 0.25. */
  refineFraction?: number;
  /** Gaussian smoothing of the histogram (sigma) as a fraction of the spacing. Default 0.15. */
  smoothFraction?: number;
  /** Candidates must reach this fraction of the highest peak. Default 0.6. */
  minRelativeHeight?: number;
  /** At most this many candidates. Default 8. */
  maxPeaks?: number;
  /**
   * Dopants decide between lattice peaks only when at least this many of them agree (one dopant can
   * hop, or two can sit a lattice vector apart). Default 2.
   */
  minDopantVotes?: number;
}

/** Streaming point-set registration: push frames in order. */
export class PointDriftEstimator {
  private prev: { x: ArrayLike<number>; y: ArrayLike<number>; dop: Int32Array; grid: SpatialGrid } | null = null;
  private readonly prior: DriftPrior;
  private spacing: number;
  private cumX = 0;
  private cumY = 0;
  private pairDx = new Float64Array(4096);
  private pairDy = new Float64Array(4096);

  constructor(private readonly opts: PointDriftOptions = {}) {
    this.prior = new DriftPrior(opts.initialVelocity, opts.priorWindow);
    this.spacing = opts.spacing ?? NaN;
  }

  /**
   * Register the next frame's coordinates against the previous frame's.
   * @throws AtomdynError when the spacing cannot be measured (fewer than 2 points in the first frame)
   */
  push(f: PointFrame): DriftStep {
    const n = f.x.length;
    if (!(this.spacing > 0)) {
      this.spacing = medianNearestNeighbourDistance(f.x, f.y);
      if (!(this.spacing > 0)) throw new AtomdynError('atoms', `frame ${f.frame}: cannot register coordinates: fewer than 2 distinct atoms to measure their spacing`);
    }
    const dop: number[] = [];
    if (f.dopant) for (let i = 0; i < n; i++) if (f.dopant[i]) dop.push(i);
    const cur = { x: f.x, y: f.y, dop: Int32Array.from(dop), grid: new SpatialGrid(f.x, f.y, this.spacing) };
    const prev = this.prev;
    this.prev = cur;
    if (!prev) return { frame: f.frame, dx: 0, dy: 0, stepDx: 0, stepDy: 0, peak: NaN, ambiguous: false, chosenBy: 'reference', candidates: [], featuresDisagreeWithPrior: false };

    const s = this.spacing;
    const maxShift = this.opts.maxShift ?? 2 * s;
    const bin = (this.opts.binFraction ?? 0.1) * s;
    const nb = 2 * Math.ceil(maxShift / bin) + 1;
    const half = (nb - 1) / 2;
    const [px, py] = this.prior.predict();
    let pairDx = this.pairDx;
    let pairDy = this.pairDy;
    const hist = new Float64Array(nb * nb);
    let nPairs = 0;
    for (let i = 0; i < prev.x.length; i++) {
      const qx = prev.x[i] + px;
      const qy = prev.y[i] + py;
      const c = cur.grid.query(qx, qy, maxShift);
      for (let k = 0; k < c; k++) {
        const j = cur.grid.resultIndex[k];
        if (nPairs === pairDx.length) {
          const gx = new Float64Array(2 * nPairs);
          gx.set(pairDx);
          pairDx = gx;
          const gy = new Float64Array(2 * nPairs);
          gy.set(pairDy);
          pairDy = gy;
        }
        pairDx[nPairs] = cur.x[j] - prev.x[i];
        pairDy[nPairs] = cur.y[j] - prev.y[i];
        nPairs++;
        const bx = Math.round((cur.x[j] - qx) / bin) + half;
        const by = Math.round((cur.y[j] - qy) / bin) + half;
        if (bx >= 0 && bx < nb && by >= 0 && by < nb) hist[by * nb + bx] += 1;
      }
    }
    const sm = gaussianSmooth(hist, nb, (this.opts.smoothFraction ?? 0.15) * s / bin);
    let gmax = 0;
    for (const v of sm) gmax = Math.max(gmax, v);
    const minRel = this.opts.minRelativeHeight ?? 0.6;
    const peaks: RegistrationCandidate[] = [];
    // a peak is the highest point within half a spacing (distinct candidates are >= 1 spacing apart)
    const r = Math.max(1, Math.round((0.5 * s) / bin));
    for (let by = 0; by < nb; by++) {
      for (let bx = 0; bx < nb; bx++) {
        const v = sm[by * nb + bx];
        if (!(v > 0) || v < minRel * gmax) continue;
        let isMax = true;
        for (let oy = -r; oy <= r && isMax; oy++) {
          for (let ox = -r; ox <= r; ox++) {
            if (!ox && !oy) continue;
            const yy = by + oy;
            const xx = bx + ox;
            if (yy < 0 || yy >= nb || xx < 0 || xx >= nb) continue;
            const u = sm[yy * nb + xx];
            if (u > v || (u === v && (oy < 0 || (oy === 0 && ox < 0)))) {
              isMax = false;
              break;
            }
          }
        }
        if (isMax) peaks.push({ dx: px + (bx - half) * bin, dy: py + (by - half) * bin, height: v / gmax });
      }
    }
    peaks.sort((a, b) => b.height - a.height);
    const candidates = peaks.slice(0, this.opts.maxPeaks ?? 8);
    const rRef = 0.25 * s;
    if (candidates.length > 1 && prev.dop.length && cur.dop.length) {
      for (const c of candidates) {
        let votes = 0;
        for (const i of prev.dop) {
          for (const j of cur.dop) {
            if (Math.hypot(cur.x[j] - prev.x[i] - c.dx, cur.y[j] - prev.y[i] - c.dy) <= rRef) {
              votes++;
              break;
            }
          }
        }
        c.feature = votes;
      }
    }
    const choice = chooseRegistration(candidates, [px, py], { minFeature: this.opts.minDopantVotes ?? 2, ...this.opts });
    let sx = px;
    let sy = py;
    let matched = NaN;
    if (choice.index >= 0) {
      // mean shift (Gaussian kernel of width h) over all pair displacements: converges to the mode,
      // which the symmetric arrangement of the other lattice peaks leaves unbiased
      sx = candidates[choice.index].dx;
      sy = candidates[choice.index].dy;
      const h = (this.opts.refineFraction ?? 0.25) * s;
      const lim = 9 * h * h;
      for (let it = 0; it < 100; it++) {
        let wx = 0;
        let wy = 0;
        let ws = 0;
        for (let k = 0; k < nPairs; k++) {
          const ex = pairDx[k] - sx;
          const ey = pairDy[k] - sy;
          const d2 = ex * ex + ey * ey;
          if (d2 > lim) continue;
          const w = Math.exp((-0.5 * d2) / (h * h));
          wx += w * pairDx[k];
          wy += w * pairDy[k];
          ws += w;
        }
        if (!(ws > 0)) break;
        const moved = Math.hypot(wx / ws - sx, wy / ws - sy);
        sx = wx / ws;
        sy = wy / ws;
        if (moved < 1e-5 * s) break;
      }
      let m = 0;
      for (let i = 0; i < prev.x.length; i++) if (cur.grid.nearest(prev.x[i] + sx, prev.y[i] + sy, 0.5 * s) >= 0) m++;
      matched = m / Math.max(1, Math.min(prev.x.length, n));
    }
    this.pairDx = pairDx;
    this.pairDy = pairDy;
    this.prior.add(sx, sy);
    this.cumX += sx;
    this.cumY += sy;
    return {
      frame: f.frame,
      dx: this.cumX,
      dy: this.cumY,
      stepDx: sx,
      stepDy: sy,
      peak: matched,
      ambiguous: choice.ambiguous,
      chosenBy: choice.chosenBy,
      candidates,
      rival: choice.rival >= 0 ? candidates[choice.rival] : undefined,
      featuresDisagreeWithPrior: choice.featuresDisagreeWithPrior,
    };
  }
}

/** Separable Gaussian smoothing (sigma in bins, zero outside) of an nb x nb histogram. */
function gaussianSmooth(h: Float64Array, nb: number, sigma: number): Float64Array {
  const rad = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * rad + 1);
  for (let i = -rad; i <= rad; i++) k[i + rad] = Math.exp((-0.5 * i * i) / (sigma * sigma));
  const tmp = new Float64Array(h.length);
  const out = new Float64Array(h.length);
  for (let y = 0; y < nb; y++) {
    for (let x = 0; x < nb; x++) {
      let acc = 0;
      for (let i = -rad; i <= rad; i++) if (x + i >= 0 && x + i < nb) acc += k[i + rad] * h[y * nb + x + i];
      tmp[y * nb + x] = acc;
    }
  }
  for (let y = 0; y < nb; y++) {
    for (let x = 0; x < nb; x++) {
      let acc = 0;
      for (let i = -rad; i <= rad; i++) if (y + i >= 0 && y + i < nb) acc += k[i + rad] * tmp[(y + i) * nb + x];
      out[y * nb + x] = acc;
    }
  }
  return out;
}

/**
 * Register a whole coordinate movie (table-level wrapper of {@link PointDriftEstimator}).
 * @param frames frames in increasing order
 * @throws AtomdynError as the estimator
 */
export function estimateDriftFromPoints(frames: Iterable<PointFrame>, opts: PointDriftOptions = {}, onFrame?: () => void): DriftTrack {
  const est = new PointDriftEstimator(opts);
  const steps: DriftStep[] = [];
  for (const f of frames) {
    steps.push(est.push(f));
    onFrame?.();
  }
  return driftTrackFromSteps(steps, 'coordinates');
}
