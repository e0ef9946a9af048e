/**
 * Robust summaries of per-cell values: the median, the spread as 1.4826 x the median absolute
 * deviation (the standard deviation for normal data; Rousseeuw & Croux, JASA 88, 1273 (1993)), and
 * the standard error of the median, sqrt(π/2) x spread / sqrt(n) (normal data, independent cells;
 * neighbouring cells share atoms, so this is a rough figure).
 */

/** Summary of one quantity. */
export interface RobustSummary {
  /** Values used (finite ones). */
  n: number;
  median: number;
  /** 1.4826 x median absolute deviation (robust standard deviation), same unit. */
  spread: number;
  /** Standard error of the median, same unit. */
  medianErr: number;
  /** Median of the per-cell standard errors (the typical error bar of one cell), same unit; NaN when none were given. */
  typicalErr: number;
}

/** Median of the finite values (NaN when none). */
export function median(values: ArrayLike<number>): number {
  const v = Array.from(values).filter((t) => Number.isFinite(t)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

/**
 * Summarise values and, optionally, their per-cell standard errors.
 * @param values per-cell values (non-finite ones are ignored)
 * @param errors per-cell standard errors, same order (optional)
 */
export function robustSummary(values: ArrayLike<number>, errors?: ArrayLike<number>): RobustSummary {
  const v = Array.from(values).filter((t) => Number.isFinite(t));
  const med = median(v);
  const spread = 1.4826 * median(v.map((t) => Math.abs(t - med)));
  return { n: v.length, median: med, spread, medianErr: v.length ? (Math.sqrt(Math.PI / 2) * spread) / Math.sqrt(v.length) : NaN, typicalErr: errors ? median(errors) : NaN };
}
