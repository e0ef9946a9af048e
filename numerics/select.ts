/**
 * Selection (k-th smallest) without a full sort: Hoare's quickselect with median-of-three pivots,
 * expected O(n), on float64 ranges (medians of residuals and spectra: dynamics/registration/latticeFilter.ts,
 * inference/columnFit.ts); and a radix selection on the bit patterns of float32 arrays, O(n) with two
 * passes and no copy (percentiles of frames: inference/hotPixels.ts, inference/columnFit.ts,
 * models/inputNormalisation.ts, data/writers/overlayPng.ts).
 */

/**
 * The value of rank k (absolute index into a, lo <= k < hi) of a[lo..hi) in ascending order, by
 * quickselect (Hoare partitions, median-of-three pivots); reorders a[lo..hi). Values must not be NaN.
 * @param a Float64Array, reordered in place
 * @param lo first index of the range (inclusive)
 * @param hi end of the range (exclusive)
 * @param k the rank wanted, as an absolute index, lo <= k < hi
 * @returns the value that a sorted a[lo..hi) holds at index k
 */
export function selectInPlace(a: Float64Array, lo: number, hi: number, k: number): number {
  let l = lo;
  let r = hi - 1;
  while (r > l) {
    const m = (l + r) >> 1;
    // median of three as the pivot
    let p0 = a[l], p1 = a[m], p2 = a[r];
    if (p0 > p1) [p0, p1] = [p1, p0];
    if (p1 > p2) [p1, p2] = [p2, p1];
    if (p0 > p1) [p0, p1] = [p1, p0];
    const pivot = p1;
    let i = l;
    let j = r;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return a[k];
  }
  return a[k];
}

/** Keys of float32 bit patterns in the order of Float32Array.prototype.sort: negatives, -0, +0, positives, NaN (any) last. */
function float32Key(b: number): number {
  if ((b & 0x7fffffff) > 0x7f800000) return 0xffffffff; // NaN
  return b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
}

/** The float32 value of a key of {@link float32Key}. */
function keyValue(key: number): number {
  if (key === 0xffffffff) return NaN;
  const bits = new Uint32Array([key & 0x80000000 ? key & 0x7fffffff : ~key >>> 0]);
  return new Float32Array(bits.buffer)[0];
}

/**
 * The value of rank k (0-based) of a float32 array in the order of `Float32Array.prototype.sort`
 * (ascending, -0 before +0, NaN last): what `Float32Array.from(values).sort()[k]` holds, without copying or
 * reordering `values`. Two radix passes over the 32-bit patterns (16 bits each), mapped to keys that sort
 * as the values do.
 * @param values float32 values (not modified)
 * @param k rank, 0 <= k < values.length
 * @returns the value (NaN when rank k falls among the NaN values)
 * @throws RangeError when k is not an integer in [0, values.length)
 */
export function selectFloat32(values: Float32Array, k: number): number {
  if (!(Number.isInteger(k) && k >= 0 && k < values.length)) throw new RangeError(`selectFloat32: rank ${k} outside 0..${values.length - 1}`);
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const hist = new Uint32Array(65536);
  for (let i = 0; i < bits.length; i++) hist[float32Key(bits[i]) >>> 16]++;
  let top = 0, below = 0;
  while (below + hist[top] <= k) below += hist[top++];
  hist.fill(0);
  for (let i = 0; i < bits.length; i++) {
    const key = float32Key(bits[i]);
    if (key >>> 16 === top) hist[key & 0xffff]++;
  }
  let low = 0;
  while (below + hist[low] <= k) below += hist[low++];
  return keyValue(((top << 16) | low) >>> 0);
}
