/**
 * Discrete Fourier transforms of any length, in place on split real/imaginary Float64Arrays.
 *
 * Powers of two use the iterative radix-2 Cooley-Tukey algorithm (bit-reversal permutation, then
 * butterflies); any other length uses Bluestein's chirp-z algorithm (Bluestein, IEEE Trans. Audio
 * Electroacoust. 18, 451 (1970)), which turns a length-n DFT into a cyclic convolution of a
 * power-of-two length >= 2n - 1. Twiddle factors and chirps are cached per length.
 *
 * Written here rather than taken from npm because the drift registration needs 2-D transforms of
 * arbitrary frame sizes (Bluestein) on Float64 data, and the whole thing is ~150 lines.
 *
 * Conventions (numpy's): forward `X[k] = sum_n x[n] exp(-2 pi i k n / N)`; the inverse carries the 1/N.
 */

interface Radix2Plan {
  n: number;
  cos: Float64Array;
  sin: Float64Array;
  rev: Uint32Array;
}

interface BluesteinPlan {
  n: number;
  m: number;
  /** chirp w[k] = exp(-i pi k^2 / n) */
  wRe: Float64Array;
  wIm: Float64Array;
  /** FFT of the conjugate chirp, zero-padded and wrapped to length m */
  bRe: Float64Array;
  bIm: Float64Array;
  /** scratch */
  aRe: Float64Array;
  aIm: Float64Array;
}

const radix2Plans = new Map<number, Radix2Plan>();
const bluesteinPlans = new Map<number, BluesteinPlan>();

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

function radix2Plan(n: number): Radix2Plan {
  let p = radix2Plans.get(n);
  if (p) return p;
  const half = n >> 1;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = Math.sin((2 * Math.PI * k) / n);
  }
  const rev = new Uint32Array(n);
  const bits = Math.round(Math.log2(n));
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    rev[i] = r;
  }
  p = { n, cos, sin, rev };
  radix2Plans.set(n, p);
  return p;
}

/** Unnormalised radix-2 transform; `sign` -1 forward, +1 inverse. */
function radix2(re: Float64Array, im: Float64Array, sign: number): void {
  const n = re.length;
  if (n <= 1) return;
  const { cos, sin, rev } = radix2Plan(n);
  for (let i = 0; i < n; i++) {
    const j = rev[i];
    if (j > i) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const halfSize = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0, t = 0; k < halfSize; k++, t += step) {
        const wr = cos[t];
        const wi = sign * sin[t];
        const a = start + k;
        const b = a + halfSize;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

function bluesteinPlan(n: number): BluesteinPlan {
  let p = bluesteinPlans.get(n);
  if (p) return p;
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const wRe = new Float64Array(n);
  const wIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // k^2 mod 2n keeps the angle small and exact for large n
    const k2 = (k * k) % (2 * n);
    const ang = (Math.PI * k2) / n;
    wRe[k] = Math.cos(ang);
    wIm[k] = -Math.sin(ang);
  }
  const bRe = new Float64Array(m);
  const bIm = new Float64Array(m);
  bRe[0] = wRe[0];
  bIm[0] = -wIm[0];
  for (let k = 1; k < n; k++) {
    bRe[k] = bRe[m - k] = wRe[k];
    bIm[k] = bIm[m - k] = -wIm[k];
  }
  radix2(bRe, bIm, -1);
  p = { n, m, wRe, wIm, bRe, bIm, aRe: new Float64Array(m), aIm: new Float64Array(m) };
  bluesteinPlans.set(n, p);
  return p;
}

/** Unnormalised Bluestein transform; `sign` -1 forward, +1 inverse. */
function bluestein(re: Float64Array, im: Float64Array, sign: number): void {
  const n = re.length;
  const { m, wRe, wIm, bRe, bIm, aRe, aIm } = bluesteinPlan(n);
  aRe.fill(0);
  aIm.fill(0);
  // the inverse is the forward transform with the chirp conjugated: conjugate in and out
  for (let k = 0; k < n; k++) {
    const xr = re[k];
    const xi = sign * -im[k];
    aRe[k] = xr * wRe[k] - xi * wIm[k];
    aIm[k] = xr * wIm[k] + xi * wRe[k];
  }
  radix2(aRe, aIm, -1);
  for (let k = 0; k < m; k++) {
    const r = aRe[k] * bRe[k] - aIm[k] * bIm[k];
    const i = aRe[k] * bIm[k] + aIm[k] * bRe[k];
    aRe[k] = r;
    aIm[k] = i;
  }
  radix2(aRe, aIm, 1);
  for (let k = 0; k < n; k++) {
    const cr = aRe[k] / m;
    const ci = aIm[k] / m;
    const yr = cr * wRe[k] - ci * wIm[k];
    const yi = cr * wIm[k] + ci * wRe[k];
    re[k] = yr;
    im[k] = sign * -yi;
  }
}

/**
 * In-place 1-D DFT of any length >= 1.
 *
 * @param re real parts, length n (overwritten)
 * @param im imaginary parts, length n (overwritten)
 * @param inverse when true computes the inverse transform, including the 1/n factor
 * @throws RangeError when re and im differ in length
 */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (im.length !== n) throw new RangeError(`fft: re has ${n} values, im has ${im.length}`);
  if (n <= 1) return;
  const sign = inverse ? 1 : -1;
  if (isPowerOfTwo(n)) radix2(re, im, sign);
  else bluestein(re, im, sign);
  if (inverse) {
    for (let k = 0; k < n; k++) {
      re[k] /= n;
      im[k] /= n;
    }
  }
}

/**
 * In-place 2-D DFT of a row-major `[height, width]` complex array (rows, then columns).
 *
 * @param re real parts, length width*height (overwritten)
 * @param im imaginary parts, same length (overwritten)
 * @param width columns
 * @param height rows
 * @param inverse when true the inverse transform with the 1/(width*height) factor
 * @throws RangeError when the arrays do not hold width*height values
 */
export function fft2d(re: Float64Array, im: Float64Array, width: number, height: number, inverse = false): void {
  if (re.length !== width * height || im.length !== width * height) {
    throw new RangeError(`fft2d: expected ${width}x${height} = ${width * height} values, got ${re.length} and ${im.length}`);
  }
  for (let y = 0; y < height; y++) {
    fft(re.subarray(y * width, (y + 1) * width), im.subarray(y * width, (y + 1) * width), inverse);
  }
  const cr = new Float64Array(height);
  const ci = new Float64Array(height);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      cr[y] = re[y * width + x];
      ci[y] = im[y * width + x];
    }
    fft(cr, ci, inverse);
    for (let y = 0; y < height; y++) {
      re[y * width + x] = cr[y];
      im[y * width + x] = ci[y];
    }
  }
}

/** Signed frequency index of bin `k` of an n-point DFT: 0..ceil(n/2)-1, then -floor(n/2)..-1 (numpy's fftfreq * n). */
export function signedFrequency(k: number, n: number): number {
  return k < Math.ceil(n / 2) ? k : k - n;
}
