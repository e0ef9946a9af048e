/**
 * Column amplitudes at known positions (inference/columnAmplitudes.ts) and the Z-contrast mixture that
 * reads each column's content (inference/siteOccupancy.ts): known answers on synthetic images and
 * draws, the noise against the Cramér-Rao bound, the decision rule against its likelihood-ratio
 * threshold.
 */
import { describe, expect, it } from 'vitest';
import { fitColumnAmplitudes, fitProbeWidth } from '../inference/columnAmplitudes.ts';
import { fitOccupancyMixture, fitReadableMixture, likelihoodRatioThreshold, mostProbableLevel, MIN_LEVEL_SEPARATION_SD, type OccupancyLevel } from '../inference/siteOccupancy.ts';
import { Random } from '../data/random.ts';

/** A honeycomb-like set of columns on a 9 px grid, some centres outside the frame. */
function columnsAndImage(width: number, height: number, sigma: number, amp: (k: number) => number, bg: (x: number, y: number) => number) {
  const cols: Array<{ x: number; y: number }> = [];
  for (let j = -1; j * 7.8 < height + 8; j++) for (let i = -1; i * 9 < width + 8; i++) cols.push({ x: i * 9 + (j % 2 ? 4.5 : 0) + 0.3, y: j * 7.8 + 0.2 });
  const img = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    let v = bg(x, y);
    cols.forEach((c, k) => { v += amp(k) * Math.exp(-((x - c.x) ** 2 + (y - c.y) ** 2) / (2 * sigma * sigma)); });
    img[y * width + x] = v;
  }
  return { cols, img };
}

describe('fitColumnAmplitudes: one frame-wide fit of every column over a smooth background', () => {
  const W = 72, H = 64, sigma = 1.8;
  const amp = (k: number) => (k % 7 === 3 ? 0 : k % 5 === 1 ? 5 : 10); // empty columns, half columns, full columns
  const plane = (x: number, y: number) => 20 + 0.05 * x - 0.03 * y; // exactly bilinear
  const { cols, img } = columnsAndImage(W, H, sigma, amp, plane);
  const inside = (c: { x: number; y: number }) => c.x >= 0 && c.y >= 0 && c.x <= W - 1 && c.y <= H - 1;

  it('noise-free: every amplitude inside the frame and the background come back (known answer)', () => {
    const f = fitColumnAmplitudes(img, H, W, cols, { sigmaPx: sigma, backgroundSpacingPx: 18, tolerance: 1e-10, maxIterations: 3000 });
    let worst = 0;
    cols.forEach((c, k) => { if (inside(c)) worst = Math.max(worst, Math.abs(f.amplitudes[k] - amp(k))); });
    expect(worst).toBeLessThan(0.02); // the ridge changes a whole column by 0.1 %
    cols.forEach((c, k) => { if (inside(c)) expect(f.backgroundAt[k]).toBeCloseTo(plane(c.x, c.y), 1); });
    expect(f.backgroundMean).toBeCloseTo(20 + 0.05 * (W - 1) / 2 - 0.03 * (H - 1) / 2, 1);
    expect(f.rss).toBeLessThan(0.3); // what the Gaussians' truncation at 3.5 s leaves over the 4608 pixels
  });

  it('leaving out the columns just outside the frame biases the edge columns (why they are fitted)', () => {
    const inOnly = cols.filter(inside);
    const f = fitColumnAmplitudes(img, H, W, inOnly, { sigmaPx: sigma, backgroundSpacingPx: 18, tolerance: 1e-10, maxIterations: 3000 });
    let worst = 0;
    inOnly.forEach((c, k) => { worst = Math.max(worst, Math.abs(f.amplitudes[k] - amp(cols.indexOf(c)))); });
    expect(worst).toBeGreaterThan(0.5);
  });

  it('the probe width of least residual is the true width', () => {
    const w = fitProbeWidth(img, H, W, cols, 1.2, 3, 18);
    expect(w.sigmaPx).toBeGreaterThan(0.98 * sigma);
    expect(w.sigmaPx).toBeLessThan(1.02 * sigma);
  });

  it('with shot noise the amplitudes scatter as the Cramér-Rao bound sqrt(b / (pi s^2)) of a background-limited column', () => {
    const rng = new Random(5);
    const b = 50;
    const { cols: c2, img: clean } = columnsAndImage(W, H, sigma, () => 10, () => b);
    const noisy = clean.map((v) => rng.poisson(v));
    const f = fitColumnAmplitudes(Float32Array.from(noisy), H, W, c2, { sigmaPx: sigma, backgroundSpacingPx: 18 });
    const a = c2.map((c, k) => (c.x > 4 && c.y > 4 && c.x < W - 5 && c.y < H - 5 ? f.amplitudes[k] : NaN)).filter(Number.isFinite);
    const m = a.reduce((s, v) => s + v, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1));
    const bound = Math.sqrt((b + 10) / (Math.PI * sigma * sigma)); // the column's own counts add to the background's
    expect(Math.abs(m - 10)).toBeLessThan(3 * sd / Math.sqrt(a.length) + 0.05);
    expect(sd).toBeGreaterThan(0.8 * Math.sqrt(b / (Math.PI * sigma * sigma)));
    expect(sd).toBeLessThan(1.6 * bound); // neighbours 9 px apart share a little of each other's pixels
  });

  it('refuses a width <= 0 and a background spacing under 2 px, naming the option', () => {
    expect(() => fitColumnAmplitudes(img, H, W, cols, { sigmaPx: 0, backgroundSpacingPx: 18 })).toThrow(/^sigmaPx: /);
    expect(() => fitColumnAmplitudes(img, H, W, cols, { sigmaPx: 2, backgroundSpacingPx: 1 })).toThrow(/^backgroundSpacingPx: /);
    expect(() => fitProbeWidth(img, H, W, cols, 2, 1, 18)).toThrow(/^sigmaPx: /);
  });
});

describe('fitOccupancyMixture: Z-contrast levels fixed, scale, noise and abundances fitted', () => {
  const levels: OccupancyLevel[] = [{ defect: 'vac_S2', level: 0 }, { defect: 'vac_S', level: 0.5 }, { defect: null, level: 1 }];
  const draw = (n: number, w: number[], mu: number, sd: number, seed: number) => {
    const rng = new Random(seed);
    const truth: number[] = [], a: number[] = [];
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      const k = u < w[0] ? 0 : u < w[0] + w[1] ? 1 : 2;
      truth.push(k);
      a.push(mu * levels[k].level + sd * rng.normal());
    }
    return { truth, a };
  };

  it('recovers the host amplitude, the noise and the abundances of known draws', () => {
    const { a } = draw(3000, [0.02, 0.06, 0.92], 12, 1.3, 1);
    const m = fitOccupancyMixture(a, levels)!;
    expect(m.scale).toBeGreaterThan(0.99 * 12);
    expect(m.scale).toBeLessThan(1.01 * 12);
    expect(m.noise).toBeGreaterThan(0.95 * 1.3);
    expect(m.noise).toBeLessThan(1.05 * 1.3);
    expect(m.weights[0]).toBeCloseTo(0.02, 1);
    expect(Math.abs(m.weights[1] - 0.06)).toBeLessThan(0.015);
    expect(m.weights.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 10);
  });

  it('the decision is the likelihood-ratio test against the host at the fitted prior odds', () => {
    const { a } = draw(1500, [0.02, 0.05, 0.93], 10, 1.2, 2);
    const m = fitOccupancyMixture(a, levels)!;
    // host vs vac_S: log LR(a) = ((a - mu)^2 - (a - mu/2)^2) / (2 v) = t  at the boundary, solved for a
    const t = likelihoodRatioThreshold(m, 1), mu = m.scale, v = m.noise ** 2;
    const boundary = (mu * mu - (mu / 2) ** 2 - 2 * v * t) / (2 * (mu - mu / 2));
    expect(boundary).toBeLessThan(0.75 * mu); // a rare defect needs more than the midpoint
    expect(mostProbableLevel(m, boundary + 1e-6).index).toBe(2);
    expect(mostProbableLevel(m, boundary - 1e-6).index).toBe(1);
    expect(mostProbableLevel(m, boundary - 1e-6).logLikelihoodRatio).toBeCloseTo(t, 4);
    expect(mostProbableLevel(m, 0.02 * mu).index).toBe(0);
  });

  it('reads well-separated draws without error and more defects in a defect-rich frame', () => {
    const { truth, a } = draw(2000, [0.01, 0.2, 0.79], 10, 0.7, 3); // (1 - 0.5) / s = 7
    const m = fitOccupancyMixture(a, levels)!;
    const wrong = a.filter((x, i) => mostProbableLevel(m, x).index !== truth[i]).length;
    expect(wrong).toBeLessThanOrEqual(2);
    expect(m.weights[1]).toBeGreaterThan(0.17);
  });

  it('sites far from every level (contamination) do not move the fit; too few sites give null', () => {
    const { a } = draw(1000, [0.02, 0.04, 0.94], 10, 1, 4);
    const clean = fitOccupancyMixture(a, levels)!;
    const dirty = fitOccupancyMixture([...a, ...Array.from({ length: 30 }, (_, k) => 40 + k)], levels)!;
    expect(Math.abs(dirty.scale - clean.scale) / clean.scale).toBeLessThan(0.005);
    expect(Math.abs(dirty.noise - clean.noise) / clean.noise).toBeLessThan(0.01);
    expect(dirty.fitted).toBe(clean.fitted);
    expect(fitOccupancyMixture([1, 2], levels)).toBeNull();
    expect(fitOccupancyMixture([-1, -2, -3, -1], levels)).toBeNull();
  });

  it('a frame without defects keeps only the prior abundance for them, and the priors set it', () => {
    const { a } = draw(900, [0, 0, 1], 10, 0.8, 6);
    const m = fitOccupancyMixture(a, levels)!;
    expect(m.weights[1]).toBeLessThan(0.004); // 100 x 0.02 pseudo-sites over 1000
    expect(a.filter((x) => mostProbableLevel(m, x).index !== 2).length).toBe(0);
    const rare = fitOccupancyMixture(a, levels, { priors: { vac_S: 0.001, vac_S2: 0.001 } })!;
    expect(rare.weights[1]).toBeLessThan(m.weights[1] / 5);
  });

  it('a level the noise cannot tell from the host is not read; separable levels are kept', () => {
    // noise 0.25 of the host: one S of two lies 2 standard deviations from a full column, both S 4
    const noisy = draw(2000, [0.03, 0.06, 0.91], 10, 2.5, 7).a;
    const r = fitReadableMixture(noisy, levels)!;
    expect(r.dropped).toEqual(['vac_S']);
    expect(r.mixture.levels.map((l) => l.defect)).toEqual(['vac_S2', null]);
    expect(r.mixture.scale * 1 / r.mixture.noise).toBeGreaterThanOrEqual(MIN_LEVEL_SEPARATION_SD);
    const clean = fitReadableMixture(draw(2000, [0.03, 0.06, 0.91], 10, 1.2, 7).a, levels)!;
    expect(clean.dropped).toEqual([]);
    expect(clean.mixture.levels).toHaveLength(3);
  });
});

