/**
 * Statistical inefficiency of a correlated signal: the fraction I in (0, 1] of its samples that are
 * effectively uncorrelated (Anderson, The Statistical Analysis of Time Series, 1971; Janke, NIC
 * Series 10, 423-445, 2002). Used for deeptime's "effective" transition counts
 * (Noé, "Statistical inefficiency of Markov model count matrices", 2015).
 */

/**
 * Statistical inefficiency I = 1 / (2 tau) from the damped integrated autocorrelation time
 * tau = 1/2 + mact * sum_{k>=1} A(k) (1 - k/N) / <x^2>, where A(k) is the autocovariance of the
 * mean-free signal pooled over all trajectories that are longer than k, N is the longest trajectory
 * and <x^2> the raw second moment, exactly as deeptime.util.stats.statistical_inefficiency.
 *
 * @param X one or more univariate series (e.g. 0/1 indicator sequences), each of length >= 1
 * @param truncateAcf stop integrating when the autocorrelation first drops to <= 0 (default true)
 * @param mact multiplier of the autocorrelation time (default 1)
 * @returns I in (0, 1]; 1 for an empty or constant signal
 */
export function statisticalInefficiency(X: ArrayLike<number>[], truncateAcf = true, mact = 1): number {
  const series = X.filter((x) => x.length > 0);
  if (series.length === 0) return 1;
  let N = 0, total = 0, sum = 0, sum2 = 0;
  for (const x of series) {
    N = Math.max(N, x.length);
    for (let i = 0; i < x.length; i++) {
      sum += x[i];
      sum2 += x[i] * x[i];
    }
    total += x.length;
  }
  const mean = sum / total;
  const x2m = sum2 / total;
  if (x2m === 0) return 1;
  const X0 = series.map((x) => Float64Array.from(x, (v) => v - mean));
  let corrsum = 0;
  for (let lag = 0; lag < N; lag++) {
    let acf = 0, n = 0;
    for (const x of X0) {
      const nx = x.length;
      if (nx <= lag) continue;
      for (let t = 0; t + lag < nx; t++) acf += x[t] * x[t + lag];
      n += nx - lag;
    }
    acf /= n;
    if (acf <= 0 && truncateAcf) break;
    if (lag > 0) corrsum += acf * (1 - lag / N);
  }
  const corrtime = 0.5 + (mact * corrsum) / x2m;
  return 1 / (2 * corrtime);
}
