/**
 * Selection (k-th smallest) without a full sort: Hoare's quickselect with median-of-three pivots,
 * expected O(n). Used for medians of residuals and spectra (dynamics/registration/latticeFilter.ts,
 * inference/columnFit.ts).
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
