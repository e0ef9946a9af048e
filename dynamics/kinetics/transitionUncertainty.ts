/**
 * Error bars of transition matrices.
 *
 * 1. The non-reversible posterior: given counts C (not inflated by overlapping windows; see
 *    countMatrix.ts), each row of P is independently Dirichlet(C_i1 + a, ..., C_in + a)
 *    (Noé, J. Chem. Phys. 128, 244103 (2008); deeptime's non-reversible sampler), sampled through
 *    gamma variates (data/random.ts). The default pseudo-count a = 1/2 is Jeffreys' prior, whose
 *    intervals have close to nominal frequentist coverage (Brown, Cai & DasGupta, Stat. Sci. 16,
 *    101 (2001)); as they recommend, an entry with no counts gets lower bound 0 and an entry holding
 *    all of its row's counts gets upper bound 1. Rows without counts stay unknown (NaN).
 * 2. A bootstrap over trajectories (Efron 1979): particles are resampled with replacement and the
 *    whole estimate is repeated, which also captures differences between particles (e.g. dopants
 *    in different surroundings) that the per-row posterior cannot see.
 * Intervals are equal-tailed percentiles of the samples (default 95 %).
 */
import { Random } from '../../data/random.ts';
import type { StateSequences } from './stateSequences.ts';

/** Settings of the Dirichlet posterior. */
export interface PosteriorOptions {
  /** Number of sampled matrices (default 1000). */
  samples?: number;
  /** Dirichlet pseudo-count added to every entry of a row with data (default 0.5, Jeffreys). */
  prior?: number;
  /** Add the pseudo-count only where C_ij > 0 (keeps the sparsity pattern; used for reversible sampling). */
  sparsePrior?: boolean;
  /** Seed of the generator (default 0). */
  seed?: number;
  /** Two-sided interval level (default 0.95). */
  level?: number;
}

/** Element-wise interval of a matrix. */
export interface MatrixInterval {
  low: number[][];
  high: number[][];
}

/**
 * One matrix drawn from the row-wise Dirichlet posterior.
 * @param C counts (n x n)
 * @param rng generator
 * @param prior pseudo-count per entry
 * @param sparsePrior only entries with C_ij > 0 get the pseudo-count (others stay exactly 0)
 * @returns P; rows without counts are NaN
 */
export function sampleDirichletRows(C: ArrayLike<number>[], rng: Random, prior = 0.5, sparsePrior = false): number[][] {
  const n = C.length;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(n).fill(0);
    let total = 0;
    for (let j = 0; j < n; j++) total += C[i][j];
    if (!(total > 0)) {
      out.push(row.fill(NaN));
      continue;
    }
    let s = 0;
    for (let j = 0; j < n; j++) {
      const a = sparsePrior ? (C[i][j] > 0 ? C[i][j] + prior : 0) : C[i][j] + prior;
      if (a > 0) {
        row[j] = rng.gamma(a);
        s += row[j];
      }
    }
    if (!(s > 0)) {
      // all gamma draws underflowed (tiny shapes): put the mass on the largest count
      let best = 0;
      for (let j = 1; j < n; j++) if (C[i][j] > C[i][best]) best = j;
      row[best] = 1;
      s = 1;
    }
    for (let j = 0; j < n; j++) row[j] /= s;
    out.push(row);
  }
  return out;
}

/**
 * Quantile of sorted finite values (linear interpolation between order statistics, type 7).
 * @param sorted ascending values
 * @param q in [0, 1]
 * @returns NaN for an empty array
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Equal-tailed interval of scalar samples (NaN and infinite values are ignored).
 * @param values samples
 * @param level two-sided level (default 0.95)
 * @returns [low, high], NaN when no finite sample exists
 */
export function percentileInterval(values: ArrayLike<number>, level = 0.95): [number, number] {
  const v = Array.from(values).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return [quantileSorted(v, (1 - level) / 2), quantileSorted(v, 1 - (1 - level) / 2)];
}

/**
 * Element-wise percentile intervals of sampled matrices.
 * @param samples matrices (n x n each; NaN entries ignored)
 * @param level two-sided level (default 0.95)
 * @param counts when given, entries with zero counts get low = 0 and entries holding all of their
 *   row's counts get high = 1 (Brown, Cai & DasGupta 2001)
 */
export function matrixIntervals(samples: number[][][], level = 0.95, counts?: ArrayLike<number>[]): MatrixInterval {
  const n = samples.length ? samples[0].length : counts?.length ?? 0;
  const low = Array.from({ length: n }, () => new Array<number>(n).fill(NaN));
  const high = Array.from({ length: n }, () => new Array<number>(n).fill(NaN));
  const buf = new Float64Array(samples.length);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      for (let s = 0; s < samples.length; s++) buf[s] = samples[s][i][j];
      const [lo, hi] = percentileInterval(buf, level);
      low[i][j] = lo;
      high[i][j] = hi;
    }
    if (counts && !Number.isNaN(low[i][0])) {
      let total = 0;
      for (let j = 0; j < n; j++) total += counts[i][j];
      for (let j = 0; j < n; j++) {
        if (counts[i][j] === 0) low[i][j] = 0;
        if (total > 0 && counts[i][j] === total) high[i][j] = 1;
      }
    }
  }
  return { low, high };
}

/**
 * Draw matrices from the non-reversible posterior and summarise them.
 *
 * @param C counts for error bars (n x n), e.g. TransitionCounts.uncertaintyCounts
 * @param opts see {@link PosteriorOptions}
 * @param transform optional map applied to each sampled P before the intervals are taken (e.g. the
 *   reversible estimate of the sampled counts); it must keep the n x n shape
 * @returns the samples and their element-wise intervals
 */
export function dirichletPosterior(
  C: ArrayLike<number>[],
  opts: PosteriorOptions = {},
  transform?: (P: number[][]) => number[][],
): { samples: number[][][]; interval: MatrixInterval } {
  const rng = new Random(opts.seed ?? 0);
  const S = opts.samples ?? 1000;
  const samples: number[][][] = [];
  for (let s = 0; s < S; s++) {
    const P = sampleDirichletRows(C, rng, opts.prior ?? 0.5, opts.sparsePrior ?? false);
    samples.push(transform ? transform(P) : P);
  }
  return { samples, interval: matrixIntervals(samples, opts.level ?? 0.95, transform ? undefined : C) };
}

/**
 * Bootstrap over trajectories: resample the particles with replacement `resamples` times and apply
 * `estimate` to each resampled set.
 *
 * @param seqs the state sequences
 * @param estimate maps sequences to a matrix (n x n, NaN for unknown rows)
 * @param opts.resamples number of bootstrap sets (default 200); opts.seed; opts.level (default 0.95)
 * @returns the resampled matrices and their element-wise percentile intervals
 */
export function bootstrapTrajectories(
  seqs: StateSequences,
  estimate: (s: StateSequences) => number[][],
  opts: { resamples?: number; seed?: number; level?: number } = {},
): { samples: number[][][]; interval: MatrixInterval } {
  const rng = new Random((opts.seed ?? 0) ^ 0x5bd1e995);
  const B = opts.resamples ?? 200;
  const m = seqs.trajectories.length;
  const samples: number[][][] = [];
  for (let b = 0; b < B; b++) {
    const picked = Array.from({ length: m }, () => seqs.trajectories[rng.int(m)]);
    samples.push(estimate({ names: seqs.names, labels: seqs.labels, trajectories: picked }));
  }
  return { samples, interval: matrixIntervals(samples, opts.level ?? 0.95) };
}
