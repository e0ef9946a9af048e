import { describe, expect, it } from 'vitest';
import { gaussianBlur } from '../numerics/gaussianBlur.ts';

/** The definition, pixel by pixel: reflected borders (scipy 'reflect'), kernel truncated at 4 sigma, rows then columns, float32 between passes. */
function blurByDefinition(f: Float32Array, h: number, w: number, sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(4 * sigma));
  const k: number[] = [];
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    k.push(Math.exp((-0.5 * i * i) / (sigma * sigma)));
    sum += k[k.length - 1];
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const refl = (i: number, n: number) => {
    if (n === 1) return 0;
    let m = ((i % (2 * n)) + 2 * n) % (2 * n);
    if (m >= n) m = 2 * n - 1 - m;
    return m;
  };
  const tmp = new Float32Array(h * w), out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let a = 0;
    for (let j = 0; j < k.length; j++) a += k[j] * f[y * w + refl(x + j - r, w)];
    tmp[y * w + x] = a;
  }
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let a = 0;
    for (let j = 0; j < k.length; j++) a += k[j] * tmp[refl(y + j - r, h) * w + x];
    out[y * w + x] = a;
  }
  return out;
}

describe('gaussianBlur', () => {
  it('equals the pixel-by-pixel definition to the bit, frames smaller and larger than the kernel', () => {
    let s = 11;
    const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    for (const [h, w, sigma] of [[64, 48, 1.3], [37, 23, 2.6], [5, 40, 3], [40, 2, 0.8], [1, 9, 2], [9, 1, 0.4], [128, 128, 0.5]] as const) {
      const f = Float32Array.from({ length: h * w }, () => 100 * rnd());
      expect(Array.from(gaussianBlur(f, h, w, sigma))).toEqual(Array.from(blurByDefinition(f, h, w, sigma)));
    }
  });
});
