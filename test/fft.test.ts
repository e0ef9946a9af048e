import { describe, expect, it } from 'vitest';
import { fft, fft2d, signedFrequency } from '../numerics/fft.ts';
import { Random } from '../data/random.ts';

function naiveDft(re: Float64Array, im: Float64Array, inverse: boolean): [Float64Array, Float64Array] {
  const n = re.length;
  const oRe = new Float64Array(n);
  const oIm = new Float64Array(n);
  const s = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) {
    for (let t = 0; t < n; t++) {
      const a = (s * 2 * Math.PI * k * t) / n;
      oRe[k] += re[t] * Math.cos(a) - im[t] * Math.sin(a);
      oIm[k] += re[t] * Math.sin(a) + im[t] * Math.cos(a);
    }
    if (inverse) {
      oRe[k] /= n;
      oIm[k] /= n;
    }
  }
  return [oRe, oIm];
}

describe('fft', () => {
  const rng = new Random(7);
  for (const n of [1, 2, 3, 5, 7, 8, 12, 16, 17, 30, 64, 100, 127]) {
    it(`matches the naive DFT for n = ${n} (forward and inverse)`, () => {
      const re = Float64Array.from({ length: n }, () => rng.normal());
      const im = Float64Array.from({ length: n }, () => rng.normal());
      for (const inverse of [false, true]) {
        const [eRe, eIm] = naiveDft(re, im, inverse);
        const aRe = Float64Array.from(re);
        const aIm = Float64Array.from(im);
        fft(aRe, aIm, inverse);
        for (let k = 0; k < n; k++) {
          expect(aRe[k]).toBeCloseTo(eRe[k], 9);
          expect(aIm[k]).toBeCloseTo(eIm[k], 9);
        }
      }
    });
  }

  it('round-trips in 2-D for a non-power-of-two frame', () => {
    const w = 24;
    const h = 18;
    const re = Float64Array.from({ length: w * h }, () => rng.normal());
    const im = new Float64Array(w * h);
    const orig = Float64Array.from(re);
    fft2d(re, im, w, h);
    fft2d(re, im, w, h, true);
    for (let i = 0; i < w * h; i++) {
      expect(re[i]).toBeCloseTo(orig[i], 10);
      expect(im[i]).toBeCloseTo(0, 10);
    }
  });

  it('puts a 2-D plane wave at its frequency bin', () => {
    const w = 20;
    const h = 12;
    const kx = 3;
    const ky = -2;
    const re = new Float64Array(w * h);
    const im = new Float64Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) re[y * w + x] = Math.cos(2 * Math.PI * (kx * x / w + ky * y / h));
    fft2d(re, im, w, h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const fx = signedFrequency(x, w);
        const fy = signedFrequency(y, h);
        const expected = (fx === kx && fy === ky) || (fx === -kx && fy === -ky) ? (w * h) / 2 : 0;
        expect(re[y * w + x]).toBeCloseTo(expected, 8);
      }
    }
  });

  it('rejects mismatched arrays', () => {
    expect(() => fft(new Float64Array(4), new Float64Array(3))).toThrow(RangeError);
    expect(() => fft2d(new Float64Array(6), new Float64Array(6), 4, 2)).toThrow(RangeError);
  });
});
