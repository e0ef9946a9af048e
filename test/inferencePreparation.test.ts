import { describe, expect, it } from 'vitest';
import { resampleFrame, toInputCoordinate, toModelCoordinate } from '../inference/resample.ts';
import { planTiles, predictTiled } from '../inference/tiling.ts';
import { removeHotPixels } from '../inference/hotPixels.ts';
import { refineAtom } from '../inference/gaussianRefine.ts';
import { gaussianBlur } from '../numerics/gaussianBlur.ts';
import { Random } from '../data/random.ts';

function gaussianSpot(h: number, w: number, spots: Array<[number, number, number]>, sigma: number, bg = 0): Float32Array {
  const f = new Float32Array(h * w).fill(bg);
  for (const [x0, y0, a] of spots) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) f[y * w + x] += a * Math.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2 * sigma * sigma));
  return f;
}

function argmaxCentroid(f: Float32Array, h: number, w: number): [number, number] {
  let best = 0;
  for (let i = 1; i < f.length; i++) if (f[i] > f[best]) best = i;
  const bx = best % w, by = Math.floor(best / w);
  let sx = 0, sy = 0, s = 0;
  for (let y = by - 2; y <= by + 2; y++) for (let x = bx - 2; x <= bx + 2; x++) {
    if (x < 0 || y < 0 || x >= w || y >= h) continue;
    const v = f[y * w + x]; sx += v * x; sy += v * y; s += v;
  }
  return [sx / s, sy / s];
}

describe('resampleFrame', () => {
  it('maps coordinates back exactly: x = (x_model + 0.5) * s - 0.5', () => {
    expect(toInputCoordinate(toModelCoordinate(17.3, 2.5), 2.5)).toBeCloseTo(17.3, 12);
    expect(toInputCoordinate(0, 2)).toBe(0.5); // first model pixel covers input pixels 0 and 1
  });

  it('keeps a Gaussian atom at the mapped position when shrinking and enlarging', () => {
    const h = 120, w = 100;
    const x0 = 41.3, y0 = 57.8;
    const f = gaussianSpot(h, w, [[x0, y0, 1]], 6);
    for (const s of [2.5, 1.7, 0.5]) {
      const r = resampleFrame(f, h, w, s);
      expect(r.width).toBe(Math.round(w / s));
      const [mx, my] = argmaxCentroid(r.data, r.height, r.width);
      // centroid of a 5x5 window is biased towards the centre pixel a little; compare after mapping back
      expect(Math.abs(toInputCoordinate(mx, s) - x0)).toBeLessThan(0.35 * Math.max(1, s));
      expect(Math.abs(toInputCoordinate(my, s) - y0)).toBeLessThan(0.35 * Math.max(1, s));
    }
  });

  it('anti-aliases: a pixel-level checkerboard averages out when shrinking 4x', () => {
    const h = 64, w = 64;
    const f = new Float32Array(h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) f[y * w + x] = (x + y) % 2;
    const r = resampleFrame(f, h, w, 4);
    for (const v of r.data) expect(Math.abs(v - 0.5)).toBeLessThan(0.05);
  });
});

describe('tiling', () => {
  it('covers a frame of any size with patches inside the padded frame', () => {
    for (const [h, w] of [[100, 300], [37, 41], [512, 512], [8, 800]]) {
      const p = planTiles(h, w, 128, 32);
      expect(p.paddedHeight % 8).toBe(0);
      expect(p.paddedWidth).toBeGreaterThanOrEqual(w);
      const covered = new Uint8Array(p.paddedHeight * p.paddedWidth);
      for (const t of p.tiles) {
        expect(t.y0 + p.patchHeight).toBeLessThanOrEqual(p.paddedHeight);
        expect(t.x0 + p.patchWidth).toBeLessThanOrEqual(p.paddedWidth);
        for (let y = 0; y < p.patchHeight; y++) for (let x = 0; x < p.patchWidth; x++) covered[(t.y0 + y) * p.paddedWidth + t.x0 + x] = 1;
      }
      expect(covered.every((c) => c === 1)).toBe(true);
    }
  });

  it('stitches a pointwise network exactly, and a local one seamlessly', async () => {
    const rnd = new Random(5);
    const h = 150, w = 211;
    const f = new Float32Array(h * w).map(() => rnd.uniform());
    // pointwise "network": 2 channels (v, 1 - v)
    const pointwise = async (patches: Float32Array) => {
      const out = new Float32Array(patches.length * 2);
      patches.forEach((v, i) => { out[2 * i] = v; out[2 * i + 1] = 1 - v; });
      return out;
    };
    const p = await predictTiled(f, h, w, pointwise, 2, { patch: 64, overlap: 16, batchSize: 3 });
    for (let i = 0; i < h * w; i++) {
      expect(p[2 * i]).toBeCloseTo(f[i], 5);
      expect(p[2 * i + 1]).toBeCloseTo(1 - f[i], 5);
    }
    // local network (3x3 mean): away from the frame border the tiled result equals the whole-frame one
    const local = async (patches: Float32Array, k: number, ph: number, pw: number) => {
      const out = new Float32Array(patches.length);
      for (let n = 0; n < k; n++) {
        const b = gaussianBlur(patches.subarray(n * ph * pw, (n + 1) * ph * pw), ph, pw, 0.8);
        out.set(b, n * ph * pw);
      }
      return out;
    };
    const whole = gaussianBlur(f, h, w, 0.8);
    const tiled = await predictTiled(f, h, w, local, 1, { patch: 64, overlap: 16 });
    let maxErr = 0;
    for (let y = 8; y < h - 8; y++) for (let x = 8; x < w - 8; x++) maxErr = Math.max(maxErr, Math.abs(tiled[y * w + x] - whole[y * w + x]));
    expect(maxErr).toBeLessThan(1e-3);
  });
});

describe('removeHotPixels', () => {
  it('replaces isolated outliers and keeps atoms, even sharp bright ones', () => {
    const rnd = new Random(9);
    const h = 64, w = 64;
    const f = gaussianSpot(h, w, [[20, 20, 50], [40, 45, 200]], 1.3, 10);
    for (let i = 0; i < f.length; i++) f[i] += rnd.normal();
    const hot = [5 * w + 7, 50 * w + 30, 33 * w + 60];
    for (const i of hot) f[i] += 80;
    const cold = 12 * w + 50;
    f[cold] -= 60;
    const r = removeHotPixels(f, h, w);
    expect(r.replaced.sort((a, b) => a - b)).toEqual([...hot, cold].sort((a, b) => a - b));
    expect(r.data[45 * w + 40]).toBe(f[45 * w + 40]);
  });
});

describe('refineAtom (2-D Gaussian fit)', () => {
  it('finds sub-pixel positions and its uncertainty matches the scatter', () => {
    const rnd = new Random(11);
    const h = 31, w = 31;
    const errs: number[] = [], sig: number[] = [];
    for (let t = 0; t < 60; t++) {
      const x0 = 15 + rnd.range(-0.5, 0.5), y0 = 15 + rnd.range(-0.5, 0.5);
      const f = gaussianSpot(h, w, [[x0, y0, 20]], 2.2, 5);
      for (let i = 0; i < f.length; i++) f[i] += 2 * rnd.normal();
      const r = refineAtom(f, h, w, 15, 15, 6, 2, 3);
      expect(r.refined).toBe(true);
      errs.push(Math.hypot(r.x - x0, r.y - y0) / Math.SQRT2);
      sig.push(r.sigma);
    }
    const rms = Math.sqrt(errs.reduce((s, e) => s + e * e, 0) / errs.length);
    const meanSigma = sig.reduce((s, v) => s + v, 0) / sig.length;
    expect(rms).toBeLessThan(0.15);
    expect(meanSigma / rms).toBeGreaterThan(0.6);
    expect(meanSigma / rms).toBeLessThan(1.6);
  });

  it('refuses a fit that wanders to a neighbour or fits pure noise', () => {
    const rnd = new Random(2);
    const h = 41, w = 41;
    const f = gaussianSpot(h, w, [[28, 20, 30]], 2, 0);
    const r = refineAtom(f, h, w, 14, 20, 10, 2, 3);
    expect(r.refined).toBe(false);
    expect(r.x).toBe(14);
    const noise = new Float32Array(h * w).map(() => rnd.normal());
    const n = refineAtom(noise, h, w, 20, 20, 5, 2, 1);
    if (n.refined) expect(Math.hypot(n.x - 20, n.y - 20)).toBeLessThanOrEqual(1);
  });
});
