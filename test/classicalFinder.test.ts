import { describe, expect, it } from 'vitest';
import { findAtomsClassical, otsuThreshold } from '../inference/classicalFinder.ts';
import { Random } from '../data/random.ts';
import { honeycombColumns, renderColumns } from '../training/simulator/lattices/honeycombImage.ts';

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
    const h = 160, w = 160, px = 12, bond = 142, sig = 70 / px / 2.355;
    const truth: Array<[number, number, number]> = honeycombColumns({ h, w, pxPm: px })
      .filter((c) => c.x > 6 && c.y > 6 && c.x < w - 7 && c.y < h - 7).map((c) => [c.x, c.y, 1]);
    truth[Math.floor(truth.length / 2)][2] = 4; // Si-like column, (14/6)^1.7 brighter
    const f = renderColumns(truth.map(([x, y, amp]) => ({ x, y, amp })), h, w, sig, 10);
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
