import { describe, expect, it } from 'vitest';
import { jitterFromDrift } from '../dynamics/registration/jitter.ts';
import { estimateDriftFromFrames } from '../dynamics/registration/driftCorrection.ts';
import { columnImage } from '../training/simulator/strainFields.ts';
import { Random } from '../data/random.ts';

describe('jitter about a smooth drift', () => {
  it('a cubic drift has no jitter; added residuals come back exactly', () => {
    const t = Array.from({ length: 30 }, (_, i) => i);
    const dx = t.map((k) => 0.5 * k - 0.01 * k * k + 1e-4 * k ** 3), dy = t.map((k) => -0.2 * k);
    const clean = jitterFromDrift(t, dx, dy);
    expect(clean.degree).toBe(3);
    expect(clean.sdX).toBeLessThan(1e-9);
    expect(clean.sdY).toBeLessThan(1e-9);
    // residuals orthogonal to cubics (a high-frequency alternation has a small cubic component): recovered nearly exactly
    const wig = t.map((k) => (k % 2 ? 0.3 : -0.3));
    const j = jitterFromDrift(t, dx.map((v, k) => v + wig[k]), dy);
    for (let k = 3; k < 27; k++) expect(j.jitterX[k]).toBeCloseTo(wig[k], 1);
    expect(() => jitterFromDrift([0, 1, 2], [0, 0, 0], [0, 0, 0])).toThrow(/at least 4 frames/);
  });

  it('a simulated stack with known drift and jitter: the jitter standard deviation within 10 %', async () => {
    const n = 48, H = 96, W = 96, sdJ = 0.6;
    const rng = new Random(4);
    // a non-periodic specimen: 120 random columns over a larger field
    const bx = Array.from({ length: 160 }, () => rng.range(-20, W + 20)), by = Array.from({ length: 160 }, () => rng.range(-20, H + 20));
    const truthX: number[] = [], truthY: number[] = [];
    for (let k = 0; k < n; k++) {
      truthX.push(0.25 * k + 0.004 * k * k + (k ? sdJ * rng.normal() : 0));
      truthY.push(-0.15 * k + (k ? sdJ * rng.normal() : 0));
    }
    const frames = truthX.map((_, k) => columnImage(bx.map((v) => v + truthX[k]), by.map((v) => v + truthY[k]), H, W, 1.5, 300, 20, 100 + k));
    const track = await estimateDriftFromFrames({ count: n, width: W, height: H, readFrame: async (i) => frames[i] });
    const t = Array.from({ length: n }, (_, i) => i);
    const est = jitterFromDrift(t, Array.from(track.dx, (v) => v - track.dx[0]), Array.from(track.dy, (v) => v - track.dy[0]));
    const truth = jitterFromDrift(t, truthX, truthY);
    // the realised jitter of this stack is the known answer (its sample deviation, not the nominal 0.6 px)
    expect(Math.abs(est.sdX / truth.sdX - 1)).toBeLessThan(0.1);
    expect(Math.abs(est.sdY / truth.sdY - 1)).toBeLessThan(0.1);
    // and the smooth drift follows the true one
    for (let k = 0; k < n; k++) expect(Math.abs(est.smoothDx[k] - truth.smoothDx[k])).toBeLessThan(0.3);
  });
});
