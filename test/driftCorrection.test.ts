/**
 * Drift registration: sub-pixel accuracy, the lattice ambiguity (features, prior, the ambiguous
 * flag) on synthetic frames and coordinates, the slow-scan correction, and the real WSe2 movie.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import {
  chooseRegistration,
  correctPositions,
  driftAt,
  estimateDriftFromFrames,
  FrameDriftEstimator,
  zeroDrift,
  type DriftStep,
  type DriftTrack,
} from '../dynamics/registration/driftCorrection.ts';
import { PointDriftEstimator, estimateDriftFromPoints } from '../dynamics/registration/pointSetRegistration.ts';
import { removePeriodicPart, residualSpectrum } from '../dynamics/registration/latticeFilter.ts';
import { windowedSpectrum } from '../dynamics/registration/phaseCorrelation.ts';
import { removePeriodicPartBySorting } from './reference/latticeFilterBySorting.ts';
import { simulateLatticeMovie, latticeMoviePointFrames } from '../training/simulator/latticeMovie.ts';
import { Random } from '../data/random.ts';
import { openFrames } from '../data/openFrames.ts';
import { gaussianBlur } from '../numerics/gaussianBlur.ts';

const W = 96;
const H = 96;

/** Gaussian blobs (sigma 1.2 px) at the given positions, plus Gaussian noise. */
function render(points: Array<[number, number, number]>, noise: number, rng: Random): Float32Array {
  const img = new Float32Array(W * H);
  for (const [px, py, amp] of points) {
    for (let y = Math.max(0, Math.floor(py - 5)); y <= Math.min(H - 1, Math.ceil(py + 5)); y++) {
      for (let x = Math.max(0, Math.floor(px - 5)); x <= Math.min(W - 1, Math.ceil(px + 5)); x++) {
        img[y * W + x] += amp * Math.exp(-((x - px) ** 2 + (y - py) ** 2) / (2 * 1.2 * 1.2));
      }
    }
  }
  for (let i = 0; i < img.length; i++) img[i] += noise * rng.normal();
  return img;
}

/** A triangular lattice (spacing a px, rotated 10 degrees) shifted by (sx, sy), with defects. */
function latticeFrame(sx: number, sy: number, rng: Random, defects: boolean, noise = 0.05): Float32Array {
  const a = 8;
  const th = (10 * Math.PI) / 180;
  const a1 = [a * Math.cos(th), a * Math.sin(th)];
  const a2 = [a * Math.cos(th + Math.PI / 3), a * Math.sin(th + Math.PI / 3)];
  const pts: Array<[number, number, number]> = [];
  const vacancies = defects ? [[3, 4], [-2, 1], [5, -3]] : [];
  for (let i = -20; i <= 20; i++) {
    for (let j = -20; j <= 20; j++) {
      if (vacancies.some(([p, q]) => p === i && q === j)) continue;
      const x = 48 + i * a1[0] + j * a2[0] + sx;
      const y = 48 + i * a1[1] + j * a2[1] + sy;
      if (x > -6 && x < W + 6 && y > -6 && y < H + 6) pts.push([x, y, 1]);
    }
  }
  if (defects) {
    pts.push([30 + sx, 62 + sy, 1.2]); // adatoms off the lattice
    pts.push([66 + sx, 30 + sy, 1]);
  }
  return render(pts, noise, rng);
}

describe('frame registration', () => {
  it('recovers a sub-pixel shift of a non-periodic frame to 0.02 px (upsampled DFT, window bias removed)', () => {
    const rng = new Random(1);
    const blobs: Array<[number, number, number]> = Array.from({ length: 40 }, () => [10 + 76 * rng.uniform(), 10 + 76 * rng.uniform(), 0.5 + rng.uniform()]);
    for (const [sx, sy] of [[3.3, -1.7], [-0.45, 2.85]]) {
      const est = new FrameDriftEstimator(W, H);
      est.push(render(blobs, 0.02, rng));
      const s = est.push(render(blobs.map(([x, y, a]) => [x + sx, y + sy, a]), 0.02, rng));
      expect(s.chosenBy).toBe('single-peak');
      expect(Math.abs(s.stepDx - sx)).toBeLessThan(0.02);
      expect(Math.abs(s.stepDy - sy)).toBeLessThan(0.02);
      expect(s.peak).toBeGreaterThan(0.9);
    }
  });

  it('lets non-periodic features pick the right lattice peak when the prior points at the wrong one', () => {
    const rng = new Random(2);
    // a step longer than half a lattice vector: the peak nearest the zero prior is one lattice vector off
    // low noise makes the true peak stand out, so admit weaker peaks as candidates: the one nearest
    // the zero prior is then the alias at (-3, 1)
    const est = new FrameDriftEstimator(W, H, { minRelativeHeight: 0.2 });
    est.push(latticeFrame(0, 0, rng, true));
    const s = est.push(latticeFrame(4.6, 2.3, rng, true));
    expect(s.candidates.length).toBeGreaterThan(1);
    expect(s.chosenBy).toBe('features');
    expect(s.ambiguous).toBe(false);
    expect(s.featuresDisagreeWithPrior).toBe(true);
    expect(Math.abs(s.stepDx - 4.6)).toBeLessThan(0.1);
    expect(Math.abs(s.stepDy - 2.3)).toBeLessThan(0.1);
  });

  it('on a perfect lattice follows the drift prior, and flags the choice ambiguous when the prior does not decide', () => {
    const rng = new Random(3);
    const f0 = latticeFrame(0, 0, rng, false);
    const f1 = latticeFrame(4.6, 2.3, rng, false);
    const good = new FrameDriftEstimator(W, H, { initialVelocity: [4.4, 2.5] });
    good.push(f0);
    const g = good.push(f1);
    expect(g.chosenBy).toBe('prior');
    expect(g.ambiguous).toBe(false);
    expect(Math.hypot(g.stepDx - 4.6, g.stepDy - 2.3)).toBeLessThan(0.1);
    const blind = new FrameDriftEstimator(W, H);
    blind.push(f0);
    const b = blind.push(f1);
    expect(b.chosenBy).toBe('prior');
    expect(b.ambiguous).toBe(true);
    expect(b.rival).toBeDefined();
    // the wrong choice is off by one lattice vector (8 px)
    expect(Math.hypot(b.stepDx - 4.6, b.stepDy - 2.3)).toBeGreaterThan(7);
    expect(Math.hypot(b.stepDx - 4.6, b.stepDy - 2.3)).toBeLessThan(9);
  });

  it('accumulates steps into a drift track over a stack and reports ambiguity as warnings', async () => {
    const rng = new Random(4);
    const truth = [[0, 0], [1.2, 0.4], [2.5, 0.7], [3.6, 1.2]];
    const frames = truth.map(([x, y]) => latticeFrame(x, y, rng, true));
    const track = await estimateDriftFromFrames({ count: 4, width: W, height: H, readFrame: async (i) => frames[i] });
    expect(track.method).toBe('frames');
    for (let k = 0; k < 4; k++) {
      expect(Math.abs(track.dx[k] - truth[k][0])).toBeLessThan(0.05);
      expect(Math.abs(track.dy[k] - truth[k][1])).toBeLessThan(0.05);
    }
    expect(Number.isNaN(track.peak[0])).toBe(true);
    expect(track.chosenBy[0]).toBe('reference');
    expect(track.warnings).toEqual([]);
  });
});

describe('lattice filter', () => {
  it('removes most of a lattice image and keeps its defects', () => {
    const rng = new Random(5);
    const img = latticeFrame(0, 0, rng, true);
    const r = removePeriodicPart({ data: img, width: W, height: H });
    expect(r.peaks.length).toBeGreaterThanOrEqual(6); // first-order spots of a triangular lattice
    expect(r.periodicFraction).toBeGreaterThan(0.5);
    // the strongest residual is at the heavy adatom (30, 62)
    let best = 0;
    for (let i = 1; i < r.residual.length; i++) if (r.residual[i] > r.residual[best]) best = i;
    expect(Math.hypot((best % W) - 30, Math.floor(best / W) - 62)).toBeLessThan(2);
  });

  it('finds the same peaks, mask and residual as the sorting implementation it replaced (test/reference)', () => {
    const rng = new Random(15);
    for (let t = 0; t < 4; t++) {
      const img = latticeFrame(rng.range(-4, 4), rng.range(-4, 4), rng, t % 2 === 0, 0.05 + 0.1 * t);
      const a = removePeriodicPart({ data: img, width: W, height: H });
      const b = removePeriodicPartBySorting({ data: img, width: W, height: H });
      expect(a.peaks.length).toBeGreaterThanOrEqual(6);
      expect(a.peaks).toEqual(b.peaks);
      expect(a.periodicFraction).toBe(b.periodicFraction);
      expect(Array.from(a.residual)).toEqual(Array.from(b.residual));
    }
  });

  it("gives the residual's spectrum straight from the frame's spectrum (no transforms), as transforming the residual does", () => {
    const rng = new Random(16);
    const img = latticeFrame(1.3, -2.2, rng, true);
    const direct = residualSpectrum(windowedSpectrum({ data: img, width: W, height: H }));
    const viaImage = windowedSpectrum({ data: removePeriodicPart({ data: img, width: W, height: H }).residual, width: W, height: H }, 0);
    let scale = 0;
    for (let i = 0; i < W * H; i++) scale = Math.max(scale, Math.hypot(viaImage.re[i], viaImage.im[i]));
    expect(scale).toBeGreaterThan(0);
    for (let i = 0; i < W * H; i++) {
      expect(Math.abs(direct.spectrum.re[i] - viaImage.re[i])).toBeLessThan(1e-9 * scale);
      expect(Math.abs(direct.spectrum.im[i] - viaImage.im[i])).toBeLessThan(1e-9 * scale);
    }
  });
});

describe('chooseRegistration', () => {
  const c = [
    { dx: 0, dy: 0, height: 1 },
    { dx: 8, dy: 0, height: 0.95 },
    { dx: -8, dy: 0, height: 0.7 },
  ];
  it('takes the peak nearest the prediction and flags it when the prediction is near the middle', () => {
    expect(chooseRegistration(c, [7, 0])).toMatchObject({ index: 1, chosenBy: 'prior', ambiguous: false });
    expect(chooseRegistration(c, [3.5, 0])).toMatchObject({ index: 0, chosenBy: 'prior', ambiguous: true, rival: 1 });
    // a much lower peak is no rival; a higher one is
    const low = [c[0], { ...c[1], height: 0.5 }, c[2]];
    expect(chooseRegistration(low, [3.5, 0])).toMatchObject({ index: 0, ambiguous: false, rival: -1 });
    expect(chooseRegistration(c, [-4.5, 0])).toMatchObject({ index: 2, ambiguous: true, rival: 0 });
  });
  it('lets decisive features overrule the prior, and ignores undecided ones', () => {
    const f = c.map((x, i) => ({ ...x, feature: [0.2, 1, 0.1][i] }));
    expect(chooseRegistration(f, [0, 0])).toMatchObject({ index: 1, chosenBy: 'features', ambiguous: false, featuresDisagreeWithPrior: true });
    const g = c.map((x, i) => ({ ...x, feature: [0.95, 1, 0.1][i] }));
    expect(chooseRegistration(g, [0, 0])).toMatchObject({ index: 0, chosenBy: 'prior' });
  });
  it('handles no or one candidate', () => {
    expect(chooseRegistration([], [0, 0])).toMatchObject({ index: -1, chosenBy: 'none', ambiguous: true });
    expect(chooseRegistration([c[0]], [5, 5])).toMatchObject({ index: 0, chosenBy: 'single-peak', ambiguous: false });
  });
});

describe('coordinate (point-set) registration', () => {
  const pointFrames = latticeMoviePointFrames;

  it('follows the simulated drift of a graphene movie to 0.01 bond length per step', () => {
    const m = simulateLatticeMovie({ atoms: 400, frames: 12, jitter: 0.05, seed: 11, dopants: 2 });
    const track = estimateDriftFromPoints(pointFrames(m));
    expect(track.method).toBe('coordinates');
    for (let t = 1; t < 12; t++) {
      expect(Math.abs(track.dx[t] - track.dx[t - 1] - (m.driftX[t] - m.driftX[t - 1]))).toBeLessThan(0.1);
      expect(Math.abs(track.dy[t] - track.dy[t - 1] - (m.driftY[t] - m.driftY[t - 1]))).toBeLessThan(0.1);
      expect(track.peak[t]).toBeGreaterThan(0.9);
    }
  });

  it('uses dopants to resolve a step of more than half a lattice vector, and flags it without them', () => {
    // bond 10 px: lattice vectors are 17.3 px; a first step of 11 px is nearer a wrong peak than zero
    const m = simulateLatticeMovie({ atoms: 400, frames: 2, jitter: 0.03, seed: 12, dopants: 3, driftVelocity: [11, 3], driftWander: 0 });
    const frames = pointFrames(m);
    const withDopants = new PointDriftEstimator();
    withDopants.push(frames[0]);
    const s = withDopants.push(frames[1]);
    expect(s.chosenBy).toBe('features');
    expect(Math.hypot(s.stepDx - 11, s.stepDy - 3)).toBeLessThan(0.05);
    const blind = new PointDriftEstimator();
    blind.push({ ...frames[0], dopant: undefined });
    const b = blind.push({ ...frames[1], dopant: undefined });
    expect(b.ambiguous).toBe(true);
    expect(Math.hypot(b.stepDx - 11, b.stepDy - 3)).toBeGreaterThan(10);
  });
});

describe('applying the drift', () => {
  const track: DriftTrack = { ...zeroDrift([0, 1, 2, 3]), dx: Float64Array.from([0, 2, 4, 6]), dy: Float64Array.from([0, -1, -2, -3]) };
  it('interpolates between frames and extrapolates linearly beyond the ends', () => {
    expect(driftAt(track, 1.5)).toEqual([3, -1.5]);
    expect(driftAt(track, -1)).toEqual([-2, 1]);
    expect(driftAt(track, 4)).toEqual([8, -4]);
  });
  it('subtracts the drift of the frame, or of the moment a row was scanned', () => {
    const { xCorr, yCorr } = correctPositions(track, [2, 2], [10, 10], [0, 99]);
    expect(Array.from(xCorr)).toEqual([6, 6]);
    expect(Array.from(yCorr)).toEqual([2, 101]);
    // 100 rows: row 0 is scanned at t = 2 - 0.495, row 99 at t = 2 + 0.495
    const s = correctPositions(track, [2, 2], [10, 10], [0, 99], { height: 100 });
    expect(s.xCorr[0]).toBeCloseTo(10 - 2 * 1.505, 12);
    expect(s.xCorr[1]).toBeCloseTo(10 - 2 * 2.495, 12);
  });
});

const wse2 = '/work/shared/data/WSe2_movie/HAADF.tif';
describe.skipIf(!existsSync(wse2))('the real WSe2 movie (5 frames, 128 x 128, periodic lattice)', () => {
  let width = 0;
  let height = 0;
  let frames: Float32Array[] = [];
  let steps: DriftStep[] = [];
  beforeAll(async () => {
    const stack = await openFrames(wse2);
    width = stack.width;
    height = stack.height;
    frames = [];
    for (let i = 0; i < stack.count; i++) frames.push(await stack.readFrame(i));
    await stack.close();
    const est = new FrameDriftEstimator(width, height);
    steps = frames.map((f, i) => est.push(f, i));
  });

  it('registers the 5 frames along a smooth drift path', () => {
    expect(steps).toHaveLength(5);
    for (let k = 1; k < 5; k++) {
      // drifting right by 2-5 px per frame, a little in y, and never jumping by a lattice vector (~8.7 px)
      expect(steps[k].stepDx).toBeGreaterThan(1);
      expect(steps[k].stepDx).toBeLessThan(6);
      expect(Math.abs(steps[k].stepDy)).toBeLessThan(2);
      if (k > 1) expect(Math.hypot(steps[k].stepDx - steps[k - 1].stepDx, steps[k].stepDy - steps[k - 1].stepDy)).toBeLessThan(3);
      expect(steps[k].peak).toBeGreaterThan(0.5);
    }
  });

  it('faces the lattice ambiguity: near-equal peaks one lattice vector apart, resolved by features or the prior', () => {
    // frame 3: the highest peak is one lattice vector from the chosen one and nearly as high
    const s = steps[3];
    const top = s.candidates[0];
    expect(Math.hypot(top.dx - s.stepDx, top.dy - s.stepDy)).toBeGreaterThan(6);
    const chosen = s.candidates.find((c) => Math.hypot(c.dx - s.stepDx, c.dy - s.stepDy) < 1)!;
    expect(chosen.height).toBeGreaterThan(0.9);
    expect(s.chosenBy).toBe('prior');
    for (const k of [1, 2, 4]) expect(steps[k].chosenBy).toBe('features');
  });

  it('agrees with the non-periodic features: dark defects reappear where the chosen step puts them, and not where the other peaks would', () => {
    // standardised, smoothed residuals (lattice removed) of each frame
    const z = frames.map((f) => {
      const r = removePeriodicPart({ data: f, width, height }).residual;
      const b = Float64Array.from(gaussianBlur(Float32Array.from(r), height, width, 1.5));
      let s = 0;
      let ss = 0;
      let n = 0;
      for (let y = 16; y < height - 16; y++) for (let x = 16; x < width - 16; x++) {
        s += b[y * width + x];
        ss += b[y * width + x] ** 2;
        n++;
      }
      const m = s / n;
      const sd = Math.sqrt(ss / n - m * m);
      return b.map((v) => (v - m) / sd);
    });
    const dark = (zk: Float64Array, x: number, y: number) => {
      for (let oy = -2; oy <= 2; oy++) for (let ox = -2; ox <= 2; ox++) {
        const xx = Math.round(x) + ox;
        const yy = Math.round(y) + oy;
        if (xx >= 0 && yy >= 0 && xx < width && yy < height && zk[yy * width + xx] < -2.5) return true;
      }
      return false;
    };
    // dark local minima (z < -3) of every frame, as drift-corrected positions
    const minima = (k: number) => {
      const out: Array<[number, number]> = [];
      for (let y = 12; y < height - 12; y++) for (let x = 12; x < width - 12; x++) {
        const v = z[k][y * width + x];
        if (v > -3) continue;
        let isMin = true;
        for (let oy = -4; oy <= 4 && isMin; oy++) for (let ox = -4; ox <= 4; ox++) if (z[k][(y + oy) * width + x + ox] < v) isMin = false;
        if (isMin) out.push([x, y]);
      }
      return out;
    };
    const all = frames.map((_, k) => minima(k));

    // a defect: a dark spot seen at the same drift-corrected position in at least 3 of the 5 frames
    const D = steps.map((s) => [s.dx, s.dy] as [number, number]);
    const defects: Array<[number, number]> = [];
    for (let k = 0; k < 5; k++) {
      for (const [x, y] of all[k]) {
        const p: [number, number] = [x - D[k][0], y - D[k][1]];
        if (defects.some((q) => Math.hypot(q[0] - p[0], q[1] - p[1]) < 3)) continue;
        if (D.filter(([dx, dy], j) => dark(z[j], p[0] + dx, p[1] + dy)).length >= 3) defects.push(p);
      }
    }
    expect(defects.length).toBeGreaterThanOrEqual(2);
    // every step carries at least one defect from frame k-1 to frame k; putting that step on any other
    // correlation peak (a lattice vector away) loses them
    for (let k = 1; k < 5; k++) {
      const s = steps[k];
      const carried = (ox: number, oy: number) =>
        defects.filter((p) => dark(z[k - 1], p[0] + D[k - 1][0], p[1] + D[k - 1][1]) && dark(z[k], p[0] + D[k][0] + ox, p[1] + D[k][1] + oy)).length;
      const n = carried(0, 0);
      expect(n).toBeGreaterThanOrEqual(1);
      for (const c of s.candidates) {
        if (Math.hypot(c.dx - s.stepDx, c.dy - s.stepDy) < 3) continue;
        expect(carried(c.dx - s.stepDx, c.dy - s.stepDy)).toBeLessThan(n);
      }
    }
  });
});
