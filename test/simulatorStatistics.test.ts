import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { bandSignalVariance, directionalNoisePower, gaussianSmooth, latticePeriodPx, measureImage } from '../training/simulator/imageStatistics.ts';

describe('image statistics for the realism check', () => {
  it('estimate the white-noise level both ways and the period of a lattice', () => {
    const w = 128;
    const h = 128;
    const rng = new Random(3);
    const period = 9.5;
    const img = new Float64Array(w * h);
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) img[i * w + j] = 100 + 5 * Math.cos((2 * Math.PI * (j * 0.8 + i * 0.6)) / period) + 2 * rng.normal();
    const st = measureImage(img, w, h, { noiseCutoffCyclesPerPx: 0.25, smoothPx: 2 });
    expect(Math.abs(st.noiseStd - 2)).toBeLessThan(0.06);
    // the residual estimate also catches the part of the fringe a 1 px Gaussian removes; on pure noise it is unbiased
    const noise = Float64Array.from({ length: w * h }, () => 2 * rng.normal());
    expect(Math.abs(measureImage(noise, w, h, { noiseCutoffCyclesPerPx: 0.25, smoothPx: 2 }).noiseStdResidual - 2)).toBeLessThan(0.05);
    expect(Math.abs(st.signalStd - 5 / Math.SQRT2)).toBeLessThan(0.15);
    expect(Math.abs(latticePeriodPx(img, w, h, 5, 20)! - period)).toBeLessThan(0.2);
    // the fringe's variance sits in the band around 1 / period
    expect(Math.abs(bandSignalVariance(img, w, h, 0.85 / period, 1.15 / period, st.noiseStd ** 2) - 12.5)).toBeLessThan(1.2);
    expect(Math.abs(st.mean - 100)).toBeLessThan(0.05);
  });

  it('sees noise correlated along x as less power along kx than along ky', () => {
    const w = 128;
    const rng = new Random(4);
    const img = new Float64Array(w * w);
    for (let i = 0; i < w; i++) {
      let prev = 0;
      for (let j = 0; j < w; j++) img[i * w + j] = prev = 0.6 * prev + 0.4 * rng.normal();
    }
    const d = directionalNoisePower(img, w, w, 0.3);
    expect(d.x / d.y).toBeLessThan(0.5);
    const white = Float64Array.from({ length: w * w }, () => rng.normal());
    const dw = directionalNoisePower(white, w, w, 0.3);
    expect(Math.abs(dw.x / dw.y - 1)).toBeLessThan(0.15);
  });

  it('smooths with a normalised Gaussian (constant images stay constant)', () => {
    const s = gaussianSmooth(new Float64Array(100).fill(3), 10, 10, 1.7);
    for (const v of s) expect(v).toBeCloseTo(3, 12);
  });
});
