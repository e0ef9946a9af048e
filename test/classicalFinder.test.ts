import { describe, expect, it } from 'vitest';
import { findAtomsClassical, otsuThreshold } from '../inference/classicalFinder.ts';
import { Random } from '../data/random.ts';

describe('otsuThreshold', () => {
  it('splits two well-separated groups between them', () => {
    const t = otsuThreshold([1, 1.1, 0.9, 1.05, 5, 5.2, 4.9]);
    expect(t).toBeGreaterThan(1.1);
    expect(t).toBeLessThan(4.9);
  });
});

describe('findAtomsClassical', () => {
  it('finds every column of a noisy honeycomb and the one bright dopant', () => {
    const rnd = new Random(21);
    const h = 160, w = 160, px = 12, bond = 142, a = bond * Math.sqrt(3), sig = 70 / px / 2.355;
    const truth: Array<[number, number, number]> = [];
    for (let i = -12; i <= 12; i++) for (let j = -12; j <= 12; j++) for (const [bx, by] of [[0, 0], [0, bond]]) {
      const X = i * a + j * (a / 2) + bx, Y = j * ((a * Math.sqrt(3)) / 2) + by;
      const x = X / px + w / 2, y = Y / px + h / 2;
      if (x > 6 && y > 6 && x < w - 7 && y < h - 7) truth.push([x, y, 1]);
    }
    truth[Math.floor(truth.length / 2)][2] = 4; // Si-like column, (14/6)^1.7 brighter
    const f = new Float32Array(h * w);
    for (const [x0, y0, amp] of truth) {
      for (let y = Math.max(0, Math.floor(y0 - 5 * sig)); y <= Math.min(h - 1, y0 + 5 * sig); y++)
        for (let x = Math.max(0, Math.floor(x0 - 5 * sig)); x <= Math.min(w - 1, x0 + 5 * sig); x++)
          f[y * w + x] += 10 * amp * Math.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2 * sig * sig));
    }
    for (let i = 0; i < f.length; i++) f[i] = rnd.poisson(f[i] + 2);
    const atoms = findAtomsClassical(f, h, w, { atomSigmaPx: sig, minDistancePx: (0.7 * bond) / px });
    // every true column inside the frame found within a quarter bond
    let found = 0;
    for (const [x, y] of truth) if (atoms.some((t) => Math.hypot(t.x - x, t.y - y) < bond / px / 4)) found++;
    expect(found / truth.length).toBeGreaterThan(0.97);
    const heavy = atoms.filter((t) => t.speciesIndex === 1);
    expect(heavy).toHaveLength(1);
    const si = truth[Math.floor(truth.length / 2)];
    expect(Math.hypot(heavy[0].x - si[0], heavy[0].y - si[1])).toBeLessThan(0.5);
  });
});
