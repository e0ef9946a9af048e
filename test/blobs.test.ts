import { describe, expect, it } from 'vitest';
import { findBlobs } from '../inference/blobs.ts';

/** A probability map with every pixel background (class 0) except those set. */
function map(h: number, w: number, c: number) {
  const p = new Float32Array(h * w * c);
  for (let i = 0; i < h * w; i++) p[i * c] = 1;
  const set = (x: number, y: number, probs: number[]) => probs.forEach((v, k) => (p[(y * w + x) * c + k] = v));
  return { p, set };
}

describe('findBlobs', () => {
  it('finds probability-weighted centroids, classes and confidences', () => {
    const { p, set } = map(10, 12, 3);
    // blob A (class 1): a plus sign around (4, 3) with a heavier right arm -> centroid pulled right
    set(4, 3, [0, 0.9, 0.1]);
    set(3, 3, [0.2, 0.7, 0.1]);
    set(5, 3, [0, 1, 0]);
    set(4, 2, [0.2, 0.8, 0]);
    set(4, 4, [0.2, 0.8, 0]);
    // blob B (class 2): two pixels
    set(9, 7, [0.1, 0.2, 0.7]);
    set(10, 7, [0.3, 0.1, 0.6]);
    // a lone pixel (dropped by minArea 2) and a diagonal neighbour of blob B (separate, also lone)
    set(0, 9, [0, 1, 0]);
    set(11, 8, [0, 0, 1]);
    const blobs = findBlobs(p, 10, 12, 3);
    expect(blobs).toHaveLength(2);
    const [a, b] = blobs;
    // weights 1 - p0: (4,3) 1, (3,3) 0.8, (5,3) 1, (4,2) 0.8, (4,4) 0.8 -> x = (4 + 2.4 + 5 + 3.2 + 3.2) / 4.4
    expect(a.x).toBeCloseTo(17.8 / 4.4, 6);
    expect(a.y).toBeCloseTo(3, 6);
    expect(a.classIndex).toBe(1);
    expect(a.area).toBe(5);
    expect(a.confidence).toBeCloseTo((0.9 + 0.7 + 1 + 0.8 + 0.8) / 5, 6);
    // B: weights 0.9, 0.7 -> x = (9 * 0.9 + 10 * 0.7) / 1.6
    expect(b.x).toBeCloseTo(15.1 / 1.6, 6);
    expect(b.y).toBe(7);
    expect(b.classIndex).toBe(2);
    expect(findBlobs(p, 10, 12, 3, { minArea: 1 })).toHaveLength(4);
  });

  it('joins U-shaped components that meet late in raster order', () => {
    const { p, set } = map(4, 5, 2);
    for (const [x, y] of [[0, 0], [0, 1], [0, 2], [1, 2], [2, 2], [3, 2], [4, 2], [4, 1], [4, 0]]) set(x, y, [0, 1]);
    const blobs = findBlobs(p, 4, 5, 2);
    expect(blobs).toHaveLength(1);
    expect(blobs[0].area).toBe(9);
  });

  it('rejects a size mismatch', () => {
    expect(() => findBlobs(new Float32Array(5), 2, 2, 2)).toThrow(/2 x 2 x 2/);
  });
});
