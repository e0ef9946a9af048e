/**
 * Agreement between two partitions of the same items: the adjusted Rand index (Hubert & Arabie,
 * J. Classif. 2, 193 (1985)), as scikit-learn's `adjusted_rand_score`. 1 for identical partitions
 * (labels may be named differently), about 0 for independent ones, negative below chance.
 * Used to score recovered configuration classes against the simulated truth.
 */

function choose2(n: number): number {
  return (n * (n - 1)) / 2;
}

/**
 * Adjusted Rand index of two labellings of the same n items.
 * @param a labels (any integers or strings), length n
 * @param b labels, length n
 * @throws RangeError when the lengths differ
 */
export function adjustedRandIndex(a: ArrayLike<number | string>, b: ArrayLike<number | string>): number {
  if (a.length !== b.length) throw new RangeError(`labellings have different lengths (${a.length} vs ${b.length})`);
  const n = a.length;
  const ia = new Map<number | string, number>();
  const ib = new Map<number | string, number>();
  for (let i = 0; i < n; i++) {
    if (!ia.has(a[i])) ia.set(a[i], ia.size);
    if (!ib.has(b[i])) ib.set(b[i], ib.size);
  }
  // special cases as scikit-learn: both trivial (one cluster each, or all singletons) -> 1
  if (n === 0 || (ia.size === 1 && ib.size === 1) || (ia.size === n && ib.size === n)) return 1;
  const table = new Float64Array(ia.size * ib.size);
  const ra = new Float64Array(ia.size);
  const rb = new Float64Array(ib.size);
  for (let i = 0; i < n; i++) {
    const x = ia.get(a[i])!;
    const y = ib.get(b[i])!;
    table[x * ib.size + y]++;
    ra[x]++;
    rb[y]++;
  }
  let sumComb = 0;
  for (const v of table) sumComb += choose2(v);
  let sumA = 0;
  for (const v of ra) sumA += choose2(v);
  let sumB = 0;
  for (const v of rb) sumB += choose2(v);
  const expected = (sumA * sumB) / choose2(n);
  const max = 0.5 * (sumA + sumB);
  if (max === expected) return 1;
  return (sumComb - expected) / (max - expected);
}
