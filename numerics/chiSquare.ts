/**
 * The chi-square distribution's upper tail, for the p-values of likelihood-ratio (G) tests.
 *
 * P(X >= x) for X ~ chi^2(df) is the regularised upper incomplete gamma function
 * Q(df / 2, x / 2), computed by its power series for x < a + 1 and by its continued fraction
 * (modified Lentz) otherwise, as in Press et al., Numerical Recipes (3rd ed.), section 6.2.
 * Relative accuracy about 1e-12 over the range used here.
 */
import { lgamma } from '../data/random.ts';

const EPS = 1e-15;
const MAX_ITER = 10000;

/**
 * Regularised lower incomplete gamma P(a, x) by its series (use for x < a + 1).
 * @param a shape > 0
 * @param x >= 0
 */
function lowerSeries(a: number, x: number): number {
  let sum = 1 / a, term = sum, ap = a;
  for (let n = 0; n < MAX_ITER; n++) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - lgamma(a));
}

/**
 * Regularised upper incomplete gamma Q(a, x) by its continued fraction (use for x >= a + 1).
 * @param a shape > 0
 * @param x >= 0
 */
function upperFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - lgamma(a)) * h;
}

/**
 * Regularised upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a).
 * @param a shape, > 0
 * @param x argument, >= 0
 * @returns Q in [0, 1]; NaN for a <= 0, x < 0 or NaN input
 */
export function upperIncompleteGamma(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) return NaN;
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? Math.max(0, 1 - lowerSeries(a, x)) : Math.min(1, upperFraction(a, x));
}

/**
 * Upper tail of the chi-square distribution: P(X >= x) for X ~ chi^2(df).
 * @param x statistic, >= 0 (a negative x from round-off counts as 0)
 * @param df degrees of freedom, > 0
 * @returns p-value in [0, 1]; NaN when df <= 0 or x is NaN
 */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(df > 0) || Number.isNaN(x)) return NaN;
  return upperIncompleteGamma(df / 2, Math.max(0, x) / 2);
}
