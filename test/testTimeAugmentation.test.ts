import { describe, expect, it } from 'vitest';
import { dihedralAveraged } from '../inference/testTimeAugmentation.ts';
import type { Segmenter } from '../inference/segmenter.ts';
import { exampleCard } from './helpers/card.ts';

/** Per-pixel segmenter: p(C) = v, p(Si) = 0, p(background) = 1 - v for v in [0, 1] (equivariant under any pixel permutation). */
const perPixel: Segmenter = {
  card: exampleCard(),
  async predict(p, k, ph, pw) {
    const out = new Float32Array(k * ph * pw * 3);
    for (let i = 0; i < k * ph * pw; i++) {
      out[i * 3] = 1 - p[i];
      out[i * 3 + 1] = p[i];
    }
    return out;
  },
};

/** A segmenter that is not equivariant: p(C) = x / (w - 1), the column of the pixel in the patch it was given. */
const leftToRight: Segmenter = {
  card: exampleCard(),
  async predict(_p, k, ph, pw) {
    const out = new Float32Array(k * ph * pw * 3);
    for (let b = 0; b < k; b++) for (let y = 0; y < ph; y++) for (let x = 0; x < pw; x++) {
      const i = (b * ph + y) * pw + x;
      out[i * 3 + 1] = x / (pw - 1);
      out[i * 3] = 1 - out[i * 3 + 1];
    }
    return out;
  },
};

describe('dihedralAveraged (test-time augmentation over D4)', () => {
  it('leaves an equivariant segmenter unchanged, pixel for pixel, on non-square patches in a batch', async () => {
    const k = 2, ph = 5, pw = 8;
    const patches = new Float32Array(k * ph * pw);
    for (let i = 0; i < patches.length; i++) patches[i] = ((i * 37) % 11) / 10; // asymmetric pattern
    const plain = await perPixel.predict(patches, k, ph, pw);
    const tta = await dihedralAveraged(perPixel).predict(patches, k, ph, pw);
    expect(tta.length).toBe(plain.length);
    for (let i = 0; i < plain.length; i++) expect(tta[i]).toBeCloseTo(plain[i], 6);
  });

  it('averages out what depends on orientation: x / (w - 1) becomes 1/2 everywhere', async () => {
    const ph = 4, pw = 6;
    const tta = await dihedralAveraged(leftToRight).predict(new Float32Array(ph * pw), 1, ph, pw);
    for (let i = 0; i < ph * pw; i++) {
      expect(tta[i * 3 + 1]).toBeCloseTo(0.5, 6);
      expect(tta[i * 3] + tta[i * 3 + 1] + tta[i * 3 + 2]).toBeCloseTo(1, 6);
    }
    // without averaging the map is not flat (the test can fail)
    const plain = await leftToRight.predict(new Float32Array(ph * pw), 1, ph, pw);
    expect(plain[1]).toBe(0);
    expect(plain[(pw - 1) * 3 + 1]).toBe(1);
  });
});
