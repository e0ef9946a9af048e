import { describe, expect, it } from 'vitest';
import { fft, fft2d, inverseFft2dToReal, realFft2d, signedFrequency } from '../numerics/fft.ts';
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

  it('transforms real images like the complex 2-D DFT (even, odd and power-of-two sizes), and back to the same image', () => {
    for (const [w, h] of [[16, 8], [24, 18], [15, 7], [9, 1], [1, 5], [32, 33]]) {
      const img = Float64Array.from({ length: w * h }, () => rng.normal());
      const eRe = Float64Array.from(img);
      const eIm = new Float64Array(w * h);
      fft2d(eRe, eIm, w, h);
      const re = Float64Array.from(img);
      const im = Float64Array.from({ length: w * h }, () => rng.normal()); // ignored on entry
      realFft2d(re, im, w, h);
      let scale = 0;
      for (let i = 0; i < w * h; i++) scale = Math.max(scale, Math.abs(eRe[i]), Math.abs(eIm[i]));
      for (let i = 0; i < w * h; i++) {
        expect(Math.abs(re[i] - eRe[i])).toBeLessThan(1e-12 * scale);
        expect(Math.abs(im[i] - eIm[i])).toBeLessThan(1e-12 * scale);
      }
      inverseFft2dToReal(re, im, w, h);
      for (let i = 0; i < w * h; i++) expect(Math.abs(re[i] - img[i])).toBeLessThan(1e-12 * scale);
    }
  });

  it('skips the zero rows of a zero-padded real image (rows) and gives the same spectrum as the complex 2-D DFT', () => {
    for (const [w, h, rows] of [[16, 16, 8], [16, 16, 7], [12, 10, 1], [8, 8, 0], [32, 32, 32]]) {
      const img = new Float64Array(w * h);
      for (let i = 0; i < rows * w; i++) img[i] = rng.normal();
      const eRe = Float64Array.from(img), eIm = new Float64Array(w * h);
      fft2d(eRe, eIm, w, h);
      // the rows at and after `rows` hold garbage on entry: they must be read as the zeros they stand for
      const re = Float64Array.from(img, (v, i) => (i >= rows * w ? rng.normal() : v));
      const im = Float64Array.from({ length: w * h }, () => rng.normal());
      realFft2d(re, im, w, h, rows);
      let scale = 1e-300;
      for (let i = 0; i < w * h; i++) scale = Math.max(scale, Math.abs(eRe[i]), Math.abs(eIm[i]));
      for (let i = 0; i < w * h; i++) {
        expect(Math.abs(re[i] - eRe[i])).toBeLessThanOrEqual(1e-12 * scale);
        expect(Math.abs(im[i] - eIm[i])).toBeLessThanOrEqual(1e-12 * scale);
      }
    }
  });

  it('inverts a Hermitian product spectrum (a cross-correlation) like the complex inverse', () => {
    const w = 20, h = 14;
    const a = Float64Array.from({ length: w * h }, () => rng.normal());
    const b = Float64Array.from({ length: w * h }, () => rng.normal());
    const aIm = new Float64Array(w * h), bIm = new Float64Array(w * h);
    realFft2d(a, aIm, w, h);
    realFft2d(b, bIm, w, h);
    const re = Float64Array.from(a, (v, i) => v * b[i] + aIm[i] * bIm[i]);
    const im = Float64Array.from(a, (v, i) => v * bIm[i] - aIm[i] * b[i]);
    const eRe = Float64Array.from(re), eIm = Float64Array.from(im);
    fft2d(eRe, eIm, w, h, true);
    inverseFft2dToReal(re, im, w, h);
    for (let i = 0; i < w * h; i++) {
      expect(Math.abs(eIm[i])).toBeLessThan(1e-9);
      expect(re[i]).toBeCloseTo(eRe[i], 9);
    }
  });

  it('rejects mismatched arrays', () => {
    expect(() => fft(new Float64Array(4), new Float64Array(3))).toThrow(RangeError);
    expect(() => fft2d(new Float64Array(6), new Float64Array(6), 4, 2)).toThrow(RangeError);
    expect(() => realFft2d(new Float64Array(8), new Float64Array(6), 4, 2)).toThrow(RangeError);
    expect(() => inverseFft2dToReal(new Float64Array(6), new Float64Array(8), 4, 2)).toThrow(RangeError);
  });
});

describe('radix-2 stages taken in pairs', () => {
  /** Textbook iterative radix-2 DIT, one stage at a time, with the same twiddle tables and operations. */
  function oneStageAtATime(re: Float64Array, im: Float64Array, sign: number): void {
    const n = re.length;
    const bits = Math.round(Math.log2(n));
    for (let i = 0; i < n; i++) {
      let j = 0;
      for (let b = 0; b < bits; b++) j |= ((i >> b) & 1) << (bits - 1 - b);
      if (j > i) {
        [re[i], re[j]] = [re[j], re[i]];
        [im[i], im[j]] = [im[j], im[i]];
      }
    }
    for (let size = 2; size <= n; size <<= 1) {
      const half = size >> 1;
      const step = n / size;
      for (let k = 0; k < half; k++) {
        // the first two stages' twiddles are exactly 1 and -+i
        const wr = size === 2 ? 1 : size === 4 ? (k === 0 ? 1 : 0) : Math.cos((2 * Math.PI * (k * step)) / n);
        const wi = size === 2 ? 0 : size === 4 ? (k === 0 ? 0 : sign) : sign * Math.sin((2 * Math.PI * (k * step)) / n);
        for (let a = k; a < n; a += size) {
          const b = a + half;
          const xr = size === 4 && k === 1 ? -sign * im[b] : re[b] * wr - im[b] * wi;
          const xi = size === 4 && k === 1 ? sign * re[b] : re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    }
  }

  it('gives the one-stage-at-a-time transform bit for bit, forward and inverse, at every power of two to 4096', () => {
    for (let n = 2; n <= 4096; n <<= 1) {
      for (const inverse of [false, true]) {
        const re = Float64Array.from({ length: n }, (_, i) => Math.sin(1.3 * i + n) * 3 + (i % 7));
        const im = Float64Array.from({ length: n }, (_, i) => Math.cos(0.7 * i) - (i % 3));
        const r2 = Float64Array.from(re), i2 = Float64Array.from(im);
        fft(re, im, inverse);
        oneStageAtATime(r2, i2, inverse ? 1 : -1);
        if (inverse) for (let k = 0; k < n; k++) { r2[k] /= n; i2[k] /= n; }
        expect(Array.from(re), `n = ${n}`).toEqual(Array.from(r2));
        expect(Array.from(im), `n = ${n}`).toEqual(Array.from(i2));
      }
    }
  });
});

describe('2-D column pass on whole rows', () => {
  it('gives bit for bit the 1-D transforms of the columns one by one (power-of-two heights, forward and inverse, part of the columns)', () => {
    for (const [W, H] of [[6, 2], [5, 8], [12, 64], [33, 256]]) {
      for (const inverse of [false, true]) {
        const re = Float64Array.from({ length: W * H }, (_, i) => Math.sin(0.37 * i + W) * 2 + (i % 5));
        const im = Float64Array.from({ length: W * H }, (_, i) => Math.cos(0.11 * i * H) - (i % 3));
        const r2 = Float64Array.from(re), i2 = Float64Array.from(im);
        fft2d(re, im, W, H, inverse);
        // the reference: rows, then each column gathered into its own array
        for (let y = 0; y < H; y++) fft(r2.subarray(y * W, (y + 1) * W), i2.subarray(y * W, (y + 1) * W), inverse);
        for (let x = 0; x < W; x++) {
          const cr = Float64Array.from({ length: H }, (_, y) => r2[y * W + x]);
          const ci = Float64Array.from({ length: H }, (_, y) => i2[y * W + x]);
          fft(cr, ci, inverse);
          for (let y = 0; y < H; y++) {
            r2[y * W + x] = cr[y];
            i2[y * W + x] = ci[y];
          }
        }
        expect(Array.from(re), `${W}x${H} inverse ${inverse}`).toEqual(Array.from(r2));
        expect(Array.from(im), `${W}x${H} inverse ${inverse}`).toEqual(Array.from(i2));
      }
    }
  });
});
