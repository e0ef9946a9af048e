/**
 * removeHotPixels (linear-time medians) against the sorting implementation it replaced
 * (test/reference/hotPixelsBySorting.ts): bit-identical cleaned frames and the same replaced pixels on
 * random frames with planted hot and cold pixels and atoms, integer-valued (counting) frames full of ties,
 * tiny frames (all border) and frames holding NaN.
 */
import { describe, expect, it } from 'vitest';
import { removeHotPixels } from '../inference/hotPixels.ts';
import { Random } from '../data/random.ts';
import { removeHotPixelsBySorting } from './reference/hotPixelsBySorting.ts';

function frame(rnd: Random, h: number, w: number, kind: 'gauss' | 'counts'): { f: Float32Array; planted: number[] } {
  const f = new Float32Array(h * w);
  const atoms = Array.from({ length: Math.max(1, Math.floor((h * w) / 200)) }, () => [rnd.range(0, w), rnd.range(0, h), rnd.range(5, 40)]);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 10;
      for (const [ax, ay, a] of atoms) v += a * Math.exp(-((x - ax) ** 2 + (y - ay) ** 2) / (2 * 1.5 * 1.5));
      f[y * w + x] = kind === 'counts' ? rnd.poisson(v) : v + rnd.normal();
    }
  }
  const planted: number[] = [];
  for (let k = 0; k < Math.max(1, Math.floor((h * w) / 300)); k++) {
    const i = rnd.int(h * w);
    f[i] += (rnd.uniform() < 0.5 ? -1 : 1) * rnd.range(60, 200);
    planted.push(i);
  }
  return { f, planted };
}

function expectSame(f: Float32Array, h: number, w: number, threshold = 10): number[] {
  const a = removeHotPixels(f, h, w, threshold);
  const b = removeHotPixelsBySorting(f, h, w, threshold);
  expect(a.replaced).toEqual(b.replaced);
  expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
  return a.replaced;
}

describe('removeHotPixels matches the sorting implementation', () => {
  it('on random frames with planted outliers and atoms (float and integer counts)', () => {
    const rnd = new Random(24);
    let found = 0, planted = 0;
    for (let t = 0; t < 24; t++) {
      const h = 8 + rnd.int(90), w = 8 + rnd.int(90);
      const g = frame(rnd, h, w, t % 2 ? 'counts' : 'gauss');
      const replaced = expectSame(g.f, h, w);
      found += g.planted.filter((i) => replaced.includes(i)).length;
      planted += g.planted.length;
    }
    // the comparison is not vacuous: most planted outliers are found and replaced
    expect(found / planted).toBeGreaterThan(0.7);
  });

  it('at low thresholds, where many pixels sit near the cut and the exact residual median decides', () => {
    const rnd = new Random(7);
    for (let t = 0; t < 12; t++) {
      const h = 20 + rnd.int(60), w = 20 + rnd.int(60);
      const g = frame(rnd, h, w, t % 2 ? 'counts' : 'gauss');
      expect(expectSame(g.f, h, w, rnd.range(0.8, 2.5)).length).toBeGreaterThan(g.planted.length);
    }
  });

  it('on tiny frames (every pixel on the border), flat frames and frames holding NaN', () => {
    const rnd = new Random(5);
    for (const [h, w] of [[1, 1], [1, 7], [2, 2], [3, 3], [2, 9], [9, 3], [4, 5]]) expectSame(frame(rnd, h, w, 'counts').f, h, w);
    expectSame(new Float32Array(64).fill(3), 8, 8);
    const g = frame(rnd, 40, 30, 'gauss');
    g.f[7 * 30 + 11] = NaN;
    g.f[0] = NaN;
    expectSame(g.f, 40, 30);
  });
});
