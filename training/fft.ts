/**
 * Fast Fourier transforms for the simulator's image statistics: an in-place iterative radix-2
 * Cooley-Tukey transform (Cooley & Tukey, Math. Comp. 19, 297 (1965)) and the 2-D transform of a real
 * image built from it (row transforms, then column transforms). Sides must be powers of two (callers
 * crop).
 */
import { AtomdynError } from '../data/errors.ts';

/** True when n is a power of two (>= 1). */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/**
 * In-place forward (sign -1) or inverse (sign +1, unnormalised) DFT of a complex vector
 * X[k] = sum_n x[n] exp(sign 2 pi i k n / N).
 * @throws AtomdynError when the length is not a power of two
 */
export function fft1d(re: Float64Array, im: Float64Array, sign: -1 | 1 = -1): void {
  const n = re.length;
  if (!isPowerOfTwo(n) || im.length !== n) throw new AtomdynError('fft', `length must be a power of two (got ${n})`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (sign * 2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b] * cr - im[b] * ci;
        const xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

/**
 * Forward 2-D DFT of a real `height x width` image (row-major); both sides powers of two.
 * @returns real and imaginary parts, `[height * width]`, unshifted (zero frequency at index 0)
 * @throws AtomdynError when a side is not a power of two
 */
export function fft2dReal(data: ArrayLike<number>, width: number, height: number): { re: Float64Array; im: Float64Array } {
  if (!isPowerOfTwo(width) || !isPowerOfTwo(height)) throw new AtomdynError('fft', `image sides must be powers of two (got ${width}x${height})`);
  const re = Float64Array.from(data as ArrayLike<number>);
  const im = new Float64Array(width * height);
  const rr = new Float64Array(width);
  const ri = new Float64Array(width);
  for (let i = 0; i < height; i++) {
    rr.set(re.subarray(i * width, (i + 1) * width));
    ri.fill(0);
    fft1d(rr, ri);
    re.set(rr, i * width);
    im.set(ri, i * width);
  }
  const cr = new Float64Array(height);
  const ci = new Float64Array(height);
  for (let j = 0; j < width; j++) {
    for (let i = 0; i < height; i++) {
      cr[i] = re[i * width + j];
      ci[i] = im[i * width + j];
    }
    fft1d(cr, ci);
    for (let i = 0; i < height; i++) {
      re[i * width + j] = cr[i];
      im[i * width + j] = ci[i];
    }
  }
  return { re, im };
}
