/**
 * Readable, unique class names: each configuration class is named by the formula that dominates its
 * members (`Si1C3`, `Si1C4`, ...), with the share of members carrying it (its purity). Two classes
 * dominated by the same formula get suffixes in order of size (`Si1C4-a` the larger, `Si1C4-b`), so
 * a name never depends on how many classes were fitted and never falls back to an index.
 */

/** The name of one class and the evidence behind it. */
export interface ClassNaming {
  /** Unique name, e.g. `Si1C3`, `Si1C4-a`, `isolated` (dominated by centres outside any complex), `empty3` (no members). */
  name: string;
  /** Dominant formula ('' when most members belong to no complex), null for a class without members. */
  formula: string | null;
  /** Members carrying the dominant formula / members (0..1); NaN without members. */
  purity: number;
  /** Members (instances with this state). */
  count: number;
}

/** Name used for a class dominated by centres that belong to no dopant complex (empty formula). */
export const NO_COMPLEX_NAME = 'isolated';

/**
 * Name every class by its dominant formula, made unique with `-a`, `-b`, ... suffixes (larger class
 * first, then lower index) where several classes share one.
 *
 * @param states class index per instance, length n (-1 = unclassified, ignored; values >= k ignored)
 * @param formulas formula per instance, length n ('' or null = outside any complex)
 * @param k number of classes
 * @returns k namings, index = class
 */
export function classNamings(states: ArrayLike<number>, formulas: ArrayLike<string | null>, k: number): ClassNaming[] {
  const counts: Array<Map<string, number>> = Array.from({ length: k }, () => new Map());
  const totals = new Array<number>(k).fill(0);
  for (let i = 0; i < states.length; i++) {
    const s = states[i];
    if (!(s >= 0 && s < k)) continue;
    totals[s]++;
    const f = formulas[i] || '';
    counts[s].set(f, (counts[s].get(f) ?? 0) + 1);
  }
  const out: ClassNaming[] = counts.map((m, s) => {
    if (!totals[s]) return { name: `empty${s}`, formula: null, purity: NaN, count: 0 };
    // most frequent formula; ties go to the alphabetically first, so the name does not depend on row order
    let best = '';
    let n = -1;
    for (const [f, c] of [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1))) if (c > n) [best, n] = [f, c];
    return { name: best || NO_COMPLEX_NAME, formula: best, purity: n / totals[s], count: totals[s] };
  });
  const byBase = new Map<string, number[]>();
  out.forEach((c, s) => { if (c.formula !== null) byBase.set(c.name, [...(byBase.get(c.name) ?? []), s]); });
  for (const [base, idx] of byBase) {
    if (idx.length < 2) continue;
    idx.sort((a, b) => out[b].count - out[a].count || a - b);
    idx.forEach((s, r) => { out[s].name = `${base}-${suffix(r)}`; });
  }
  return out;
}

/** a, b, ..., z, aa, ab, ... */
function suffix(r: number): string {
  let s = '';
  for (let v = r + 1; v > 0; v = Math.floor((v - 1) / 26)) s = String.fromCharCode(97 + ((v - 1) % 26)) + s;
  return s;
}

/**
 * The names of {@link classNamings} only.
 * @returns k unique names, index = class
 */
export function nameClasses(states: ArrayLike<number>, formulas: ArrayLike<string | null>, k: number): string[] {
  return classNamings(states, formulas, k).map((c) => c.name);
}
