/** Phase correlation building blocks: window, peaks (signed, wrapped), refinement, overlap r. */
import { describe, expect, it } from 'vitest';
import { correlationSurface, cropSpectrum, crossPowerSpectrum, findCorrelationPeaks, overlapCorrelation, refinePeak, refineShiftUnbiased, registerImages, surfaceAt, tukeyAt, tukeyWindow, windowedSpectrum } from '../dynamics/registration/phaseCorrelation.ts';
import { Random } from '../data/random.ts';
import { realFft2d } from '../numerics/fft.ts';
import { FrameDriftEstimator } from '../dynamics/registration/driftCorrection.ts';

function blobs(w: number, h: number, pts: Array<[number, number]>, sx = 0, sy = 0): Float64Array {
  const img = new Float64Array(w * h);
  for (const [px, py] of pts) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img[y * w + x] += Math.exp(-((x - px - sx) ** 2 + (y - py - sy) ** 2) / 4);
  return img;
}

describe('phase correlation', () => {
  it('builds Tukey windows between a rectangle and a Hann window', () => {
    expect(Array.from(tukeyWindow(5, 0))).toEqual([1, 1, 1, 1, 1]);
    const hann = tukeyWindow(9, 1);
    for (let i = 0; i < 9; i++) expect(hann[i]).toBeCloseTo(0.5 * (1 - Math.cos((2 * Math.PI * i) / 8)), 12);
    const t = tukeyWindow(101, 0.5);
    expect(t[50]).toBe(1);
    expect(t[0]).toBeCloseTo(0, 12);
    for (let i = 0; i < 101; i++) expect(tukeyAt(i, 101, 0.5)).toBeCloseTo(t[i], 12);
    expect(tukeyAt(-0.5, 101)).toBe(0);
  });

  it('finds negative and positive integer shifts, on a non-square, non-power-of-two frame', () => {
    const rng = new Random(3);
    const pts: Array<[number, number]> = Array.from({ length: 25 }, () => [8 + 44 * rng.uniform(), 8 + 24 * rng.uniform()]);
    for (const [sx, sy] of [[-4, 3], [6, -2], [0, 0]]) {
      const r = registerImages({ data: blobs(60, 40, pts), width: 60, height: 40 }, { data: blobs(60, 40, pts, sx, sy), width: 60, height: 40 });
      expect(r.candidates[0]).toMatchObject({ dx: sx, dy: sy, height: 1 });
      const fine = refinePeak(r.spectrum, sx, sy, 50);
      expect(Math.hypot(fine.dx - sx, fine.dy - sy)).toBeLessThan(0.15); // the window pulls towards 0
      const a = { data: blobs(60, 40, pts), width: 60, height: 40 };
      const u = refineShiftUnbiased(windowedSpectrum(a), { data: blobs(60, 40, pts, sx, sy), width: 60, height: 40 }, fine, { upsample: 50 });
      expect(u.dx).toBeCloseTo(sx, 2);
      expect(u.dy).toBeCloseTo(sy, 2);
    }
  });

  it('refines in a narrow window to the same value as in the full 1.5 px window, and says when the peak is past its border', () => {
    const rng = new Random(11);
    const pts: Array<[number, number]> = Array.from({ length: 25 }, () => [8 + 44 * rng.uniform(), 8 + 24 * rng.uniform()]);
    for (const [sx, sy] of [[2.37, -1.62], [-0.41, 0.88]]) {
      const r = registerImages({ data: blobs(60, 40, pts), width: 60, height: 40 }, { data: blobs(60, 40, pts, sx, sy), width: 60, height: 40 });
      const full = refinePeak(r.spectrum, sx + 0.03, sy - 0.02, 20);
      const narrow = refinePeak(r.spectrum, sx + 0.03, sy - 0.02, 20, 0.4);
      expect(narrow.atEdge).toBe(false);
      expect(narrow.dx).toBe(full.dx); // the same grid points and sums: bit for bit
      expect(narrow.dy).toBe(full.dy);
      // started 0.5 px away, the narrow window's maximum is on its border
      expect(refinePeak(r.spectrum, sx + 0.5, sy, 20, 0.4).atEdge).toBe(true);
    }
  });

  it('lists local maxima highest first, as signed shifts', () => {
    const w = 8;
    const h = 6;
    const s = new Float64Array(w * h);
    s[0] = 1; // shift (0, 0)
    s[2 * w + 7] = 0.8; // (-1, 2)
    s[5 * w + 3] = 0.3; // (3, -1), below 0.5
    const p = findCorrelationPeaks(s, w, h, { radius: 1 });
    expect(p).toEqual([{ dx: 0, dy: 0, height: 1 }, { dx: -1, dy: 2, height: 0.8 }]);
    expect(surfaceAt(s, w, h, -0.5, 0)).toBeCloseTo(0.5, 12);
  });

  it('reports the Pearson correlation of the overlap at a shift', () => {
    const rng = new Random(4);
    const a = Float64Array.from({ length: 400 }, () => rng.normal());
    const b = new Float64Array(400);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) b[y * 20 + x] = x >= 2 && y >= 1 ? 3 * a[(y - 1) * 20 + x - 2] + 1 : 0;
    expect(overlapCorrelation({ data: a, width: 20, height: 20 }, { data: b, width: 20, height: 20 }, 2, 1)).toBeCloseTo(1, 12);
    expect(Math.abs(overlapCorrelation({ data: a, width: 20, height: 20 }, { data: b, width: 20, height: 20 }, 0, 0))).toBeLessThan(0.3);
  });

  it('crops a band-limited image\'s spectrum to the spectrum of the image sampled every 2nd px (cropSpectrum)', () => {
    const W = 32, H = 16;
    // cosines below a quarter cycle per px: band-limited for the crop
    const img = (x: number, y: number) => 1.5 + Math.cos((2 * Math.PI * 3 * x) / W + 0.4) + 0.7 * Math.cos(2 * Math.PI * ((2 * x) / W + (3 * y) / H) + 1.1) + 0.5 * Math.sin((2 * Math.PI * 2 * y) / H);
    const full = { re: Float64Array.from({ length: W * H }, (_, i) => img(i % W, Math.floor(i / W))), im: new Float64Array(W * H), width: W, height: H };
    realFft2d(full.re, full.im, W, H);
    const w = W / 2, h = H / 2;
    const sub = { re: Float64Array.from({ length: w * h }, (_, i) => img(2 * (i % w), 2 * Math.floor(i / w))), im: new Float64Array(w * h) };
    realFft2d(sub.re, sub.im, w, h);
    const c = cropSpectrum(full, 2);
    expect([c.width, c.height]).toEqual([w, h]);
    let big = 0;
    for (let i = 0; i < w * h; i++) {
      expect(c.re[i] / 4).toBeCloseTo(sub.re[i], 9); // the full sum runs over 4x the pixels
      expect(c.im[i] / 4).toBeCloseTo(sub.im[i], 9);
      if (Math.hypot(sub.re[i], sub.im[i]) > 1) big++;
    }
    expect(big).toBeGreaterThan(4); // the test spectrum is not all zero
    expect(cropSpectrum(full, 1)).toBe(full);
    expect(() => cropSpectrum({ ...full, width: 30, re: new Float64Array(30 * H), im: new Float64Array(30 * H) }, 2)).toThrow(/does not divide 30x16 into even sizes/);
  });

  it('writes into reused spectra exactly what it writes into new ones (windowedSpectrum, cropSpectrum, crossPowerSpectrum also in place, correlationSurface)', () => {
    const W = 32, H = 16;
    const a = { data: Float64Array.from({ length: W * H }, (_, i) => Math.sin(0.3 * i) + (i % 5)), width: W, height: H };
    const b = { data: Float64Array.from({ length: W * H }, (_, i) => Math.cos(0.2 * i) + (i % 3)), width: W, height: H };
    // scratch full of garbage: every value must be overwritten (the crop's zeroed Nyquist row and column too)
    const dirty = (w: number, h: number) => ({ re: new Float64Array(w * h).fill(7.5), im: new Float64Array(w * h).fill(-3.25), width: w, height: h });
    const same = (x: { re: Float64Array; im: Float64Array }, y: { re: Float64Array; im: Float64Array }) => {
      expect(Array.from(x.re)).toEqual(Array.from(y.re));
      expect(Array.from(x.im)).toEqual(Array.from(y.im));
    };
    const sa = windowedSpectrum(a), sb = windowedSpectrum(b, 0.5, [1.3, -0.4]);
    const ra = dirty(W, H);
    expect(windowedSpectrum(a, 0.5, undefined, ra)).toBe(ra);
    same(ra, sa);
    const rb = dirty(W, H);
    same(windowedSpectrum(b, 0.5, [1.3, -0.4], rb), sb);
    const crop = dirty(W / 2, H / 2);
    expect(cropSpectrum(sa, 2, crop)).toBe(crop);
    same(crop, cropSpectrum(sa, 2));
    const cross = dirty(W, H);
    expect(crossPowerSpectrum(sa, sb, {}, cross)).toBe(cross);
    same(cross, crossPowerSpectrum(sa, sb));
    // in place over the moved frame's spectrum (refineShiftUnbiased's scratch)
    const inPlace = { re: Float64Array.from(sb.re), im: Float64Array.from(sb.im), width: W, height: H };
    expect(crossPowerSpectrum(sa, inPlace, {}, inPlace)).toBe(inPlace);
    same(inPlace, cross);
    const scratch = dirty(W, H);
    const surface = correlationSurface(cross, scratch);
    expect(surface).toBe(scratch.re);
    expect(Array.from(surface)).toEqual(Array.from(correlationSurface(crossPowerSpectrum(sa, sb))));
    // a buffer of another size is not used
    const small = dirty(4, 4);
    expect(windowedSpectrum(a, 0.5, undefined, small)).not.toBe(small);
  });

  it('registers 256 x 256 frames on the coarse spectrum (the default) to within 0.01 px of the full-spectrum registration and 0.05 px of the truth', () => {
    const rng = new Random(21);
    const pts: Array<[number, number]> = Array.from({ length: 160 }, () => [10 + 236 * rng.uniform(), 10 + 236 * rng.uniform()]);
    const drift: Array<[number, number]> = [[0, 0], [1.37, -0.62], [2.91, -1.18], [4.2, -1.9]];
    const noise = new Random(4);
    const frames = drift.map(([dx, dy]) => {
      const f = new Float32Array(256 * 256);
      for (const [px, py] of pts) {
        for (let y = Math.max(0, Math.floor(py + dy - 8)); y < Math.min(256, py + dy + 8); y++) {
          for (let x = Math.max(0, Math.floor(px + dx - 8)); x < Math.min(256, px + dx + 8); x++) f[y * 256 + x] += Math.exp(-((x - px - dx) ** 2 + (y - py - dy) ** 2) / 6);
        }
      }
      for (let i = 0; i < f.length; i++) f[i] += 0.05 * noise.normal();
      return f;
    });
    const coarse = new FrameDriftEstimator(256, 256);
    const full = new FrameDriftEstimator(256, 256, { coarse: 1 });
    expect(coarse.coarse).toBe(2);
    expect(full.coarse).toBe(1);
    expect(new FrameDriftEstimator(128, 128).coarse).toBe(1); // a 64 px grid is below COARSE_MIN_PX
    for (let k = 0; k < frames.length; k++) {
      const a = coarse.push(frames[k], k);
      const b = full.push(frames[k], k);
      expect(Math.hypot(a.dx - b.dx, a.dy - b.dy)).toBeLessThan(0.01);
      expect(Math.hypot(a.dx - drift[k][0], a.dy - drift[k][1])).toBeLessThan(0.05);
    }
    // the estimator reuses its spectra from frame to frame: each step is bit for bit the step of a fresh
    // estimator given only that pair of frames (one correlation peak: no history enters the choice)
    for (const opts of [{}, { coarse: 1 }]) {
      const movie = new FrameDriftEstimator(256, 256, opts);
      const steps = frames.map((f, k) => movie.push(f, k));
      for (let k = 1; k < frames.length; k++) {
        const pair = new FrameDriftEstimator(256, 256, opts);
        pair.push(frames[k - 1]);
        const p = pair.push(frames[k]);
        expect([steps[k].stepDx, steps[k].stepDy], `frame ${k}, ${JSON.stringify(opts)}`).toEqual([p.stepDx, p.stepDy]);
      }
    }
  });
});
