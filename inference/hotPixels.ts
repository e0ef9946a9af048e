/**
 * Hot (and cold) pixels: single-pixel outliers from detector or scan glitches, found by a median-filter
 * test and replaced by the local median. A pixel is an outlier when
 *  1. it differs from the median of its 8 neighbours by more than `threshold` robust standard
 *     deviations of all such residuals (sigma = 1.4826 * median absolute residual), and
 *  2. its 8 neighbours are not themselves raised above the ring of 16 pixels around them (their
 *     median differs from the ring's median by less than 15 % of the residual): an atom spans several
 *     pixels, so its peak sits on raised neighbours and is kept, even when sharp and bright.
 *
 * Cost, linear in the pixels (no sort of the frame): the 8-neighbour median of interior pixels comes from
 * sorted column triples shared by neighbouring pixels and merged by order statistics (min/max only); the
 * median of the residuals is a two-pass radix selection on the float bits (numerics/select.ts
 * selectFloat32). The result is bit-identical to sorting (the insertion sort at the borders, and frames
 * holding NaN, take the plain path).
 */
import { selectFloat32 } from '../numerics/select.ts';

/** Result of {@link removeHotPixels}. */
export interface HotPixelResult {
  /** Cleaned frame, float32 `[height * width]` (a new array). */
  data: Float32Array;
  /** Flat indices (y * width + x) of the replaced pixels. */
  replaced: number[];
}

function median(v: number[]): number {
  v.sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

function ringMedian(frame: Float32Array, height: number, width: number, x: number, y: number, r: number): number {
  const v: number[] = [];
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) {
      if (Math.max(Math.abs(dx), Math.abs(dy)) !== r) continue;
      const xx = x + dx, yy = y + dy;
      if (xx >= 0 && yy >= 0 && xx < width && yy < height) v.push(frame[yy * width + xx]);
    }
  }
  return v.length ? median(v) : NaN;
}

/** Median of the (up to 8) neighbours of (x, y) by insertion sort into `buf` (border pixels, NaN frames). */
function neighbourMedianSorted(frame: Float32Array, height: number, width: number, x: number, y: number, buf: Float64Array): number {
  let n = 0;
  for (let dy = -1; dy <= 1; dy++) {
    const yy = y + dy;
    if (yy < 0 || yy >= height) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const xx = x + dx;
      if ((dx === 0 && dy === 0) || xx < 0 || xx >= width) continue;
      const v = frame[yy * width + xx];
      let k = n++;
      while (k > 0 && buf[k - 1] > v) {
        buf[k] = buf[k - 1];
        k--;
      }
      buf[k] = v;
    }
  }
  const m = n >> 1;
  return n % 2 ? buf[m] : 0.5 * (buf[m - 1] + buf[m]);
}

/**
 * 8-neighbour median of every pixel into `med` (float32 `[height * width]`). Interior rows: each column's
 * triple (rows y-1, y, y+1) is sorted once (lo, mid, hi) and shared by the three pixels that see it. For the
 * pixel at x, L = column x-1, R = column x+1 (sorted triples) and the pair (above, below) of column x hold
 * its 8 neighbours; the 4th and 5th smallest of the union follow from the order-statistic identity
 * k-th(A ∪ B) = min over splits i of max(A[i-1], B[k-i]), first for L ∪ R (its 2nd..5th), then with the pair.
 * Requires a frame without NaN (min/max and comparisons disagree on NaN).
 */
function neighbourMedians(frame: Float32Array, height: number, width: number, med: Float32Array): void {
  const buf = new Float64Array(8);
  const border = (x: number, y: number) => {
    med[y * width + x] = neighbourMedianSorted(frame, height, width, x, y, buf);
  };
  if (height < 3 || width < 3) {
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) border(x, y);
    return;
  }
  for (let x = 0; x < width; x++) {
    border(x, 0);
    border(x, height - 1);
  }
  const lo = new Float64Array(width), mi = new Float64Array(width), hi = new Float64Array(width);
  for (let y = 1; y < height - 1; y++) {
    const up = (y - 1) * width, row = y * width, dn = (y + 1) * width;
    for (let x = 0; x < width; x++) {
      const a = frame[up + x], b = frame[row + x], c = frame[dn + x];
      const mn = Math.min(a, b), mx = Math.max(a, b);
      lo[x] = Math.min(mn, c);
      hi[x] = Math.max(mx, c);
      mi[x] = Math.max(mn, Math.min(mx, c));
    }
    border(0, y);
    border(width - 1, y);
    for (let x = 1; x < width - 1; x++) {
      const l0 = lo[x - 1], l1 = mi[x - 1], l2 = hi[x - 1];
      const r0 = lo[x + 1], r1 = mi[x + 1], r2 = hi[x + 1];
      // 2nd..5th smallest (s1..s4) of the 6 values L ∪ R
      const s1 = Math.min(l1, r1, Math.max(l0, r0));
      const s2 = Math.min(l2, r2, Math.max(l0, r1), Math.max(l1, r0));
      const s3 = Math.min(Math.max(l0, r2), Math.max(l1, r1), Math.max(l2, r0));
      const s4 = Math.min(Math.max(l1, r2), Math.max(l2, r1));
      const p = frame[up + x], q = frame[dn + x];
      const m0 = Math.min(p, q), m1 = Math.max(p, q);
      // 4th and 5th smallest (u3, u4) of the 8 values
      const u3 = Math.min(s3, Math.max(s2, m0), Math.max(s1, m1));
      const u4 = Math.min(s4, Math.max(s3, m0), Math.max(s2, m1));
      med[row + x] = 0.5 * (u3 + u4);
    }
  }
}

/**
 * Find and replace single-pixel outliers.
 * @param frame float32 `[height * width]` (not modified); NaN pixels are allowed (slower path)
 * @param threshold robust sigmas above which a pixel is a candidate (default 10)
 */
export function removeHotPixels(frame: Float32Array, height: number, width: number, threshold = 10): HotPixelResult {
  const med = new Float32Array(frame.length);
  let hasNaN = false;
  for (let i = 0; i < frame.length; i++) {
    if (Number.isNaN(frame[i])) {
      hasNaN = true;
      break;
    }
  }
  if (hasNaN) {
    const buf = new Float64Array(8);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) med[y * width + x] = neighbourMedianSorted(frame, height, width, x, y, buf);
  } else {
    neighbourMedians(frame, height, width, med);
  }
  const res = new Float32Array(frame.length);
  for (let i = 0; i < frame.length; i++) res[i] = Math.abs(frame[i] - med[i]);
  const sigma = frame.length ? 1.4826 * selectFloat32(res, Math.floor(frame.length / 2)) || 1e-12 : 1e-12;
  const data = Float32Array.from(frame);
  const replaced: number[] = [];
  for (let i = 0; i < frame.length; i++) {
    if (!(res[i] > threshold * sigma)) continue;
    const x = i % width, y = Math.floor(i / width);
    const outer = ringMedian(frame, height, width, x, y, 2);
    if (Number.isNaN(outer) || Math.abs(med[i] - outer) < 0.15 * res[i]) {
      data[i] = med[i];
      replaced.push(i);
    }
  }
  return { data, replaced };
}
