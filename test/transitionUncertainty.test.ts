import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { simulateChain } from '../dynamics/kinetics/markovSimulation.ts';
import { sequencesFromArrays, type StateSequences } from '../dynamics/kinetics/stateSequences.ts';
import { countTransitions, type CountingMode } from '../dynamics/kinetics/countMatrix.ts';
import { bootstrapTrajectories, dirichletPosterior, percentileInterval, sampleDirichletRows } from '../dynamics/kinetics/transitionUncertainty.ts';
import { matPow, nonReversibleMle } from '../dynamics/kinetics/transitionMatrix.ts';

// A known 3-state matrix; chains simulated from it give the truth the intervals must cover.
const P = [[0.90, 0.07, 0.03], [0.05, 0.85, 0.10], [0.02, 0.08, 0.90]];

function datasets(reps: number, ntraj: number, len: number, seed: number): StateSequences[] {
  const rng = new Random(seed);
  const out: StateSequences[] = [];
  while (out.length < reps) {
    const s = sequencesFromArrays(Array.from({ length: ntraj }, () => Array.from(simulateChain(P, len, rng.int(3), rng))));
    if (s.names.length === 3) out.push(s);
  }
  return out;
}

/** Per-entry coverage of the true matrix at `lag` over the datasets. */
function coverage(data: StateSequences[], lag: number, mode: CountingMode, useRawCounts = false): number[][] {
  const truth = matPow(P, lag);
  const hit = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  data.forEach((s, r) => {
    const c = countTransitions(s, lag, mode);
    const { interval } = dirichletPosterior(useRawCounts ? c.counts : c.uncertaintyCounts, { samples: 400, seed: 1000 + r });
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (interval.low[i][j] <= truth[i][j] && truth[i][j] <= interval.high[i][j]) hit[i][j]++;
  });
  return hit.map((row) => row.map((h) => h / data.length));
}

const mean = (m: number[][]) => m.flat().reduce((a, b) => a + b, 0) / 9;

describe('Dirichlet posterior intervals: coverage over simulated chains (300 data sets each)', () => {
  const short = datasets(300, 5, 100, 21);
  const long = datasets(300, 5, 200, 22);

  it('lag 1: every entry is covered 90-99 % of the time, 93-97 % on average', () => {
    const cov = coverage(short, 1, 'sliding');
    for (const v of cov.flat()) { expect(v).toBeGreaterThanOrEqual(0.9); expect(v).toBeLessThanOrEqual(0.99); }
    expect(mean(cov)).toBeGreaterThan(0.93);
    expect(mean(cov)).toBeLessThan(0.97);
  });

  it('lag 3: sliding counts / lag, sample and effective counts all give near-nominal coverage', () => {
    for (const mode of ['sliding', 'sample', 'effective'] as const) {
      const cov = coverage(long, 3, mode);
      for (const v of cov.flat()) { expect(v).toBeGreaterThanOrEqual(0.9); expect(v).toBeLessThanOrEqual(0.99); }
      expect(mean(cov)).toBeGreaterThan(0.93);
      expect(mean(cov)).toBeLessThan(0.98);
    }
  });

  it('lag 3: the raw sliding-window counts would give far too narrow intervals (the test can fail)', () => {
    const cov = coverage(long, 3, 'sliding', true);
    expect(mean(cov)).toBeLessThan(0.85);
  });
});

describe('bootstrap over trajectories', () => {
  it('covers the truth about 95 % of the time with 30 particles of 30 frames (150 data sets)', () => {
    const data = datasets(150, 30, 30, 23);
    const hit = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
    data.forEach((s, r) => {
      const b = bootstrapTrajectories(s, (x) => nonReversibleMle(countTransitions(x, 1, 'sliding').counts), { resamples: 150, seed: r });
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (b.interval.low[i][j] <= P[i][j] && P[i][j] <= b.interval.high[i][j]) hit[i][j]++;
    });
    const cov = hit.map((row) => row.map((h) => h / data.length));
    for (const v of cov.flat()) { expect(v).toBeGreaterThanOrEqual(0.85); expect(v).toBeLessThanOrEqual(0.99); }
    expect(mean(cov)).toBeGreaterThan(0.9);
  });
});

describe('posterior details', () => {
  it('zero-count entries get lower bound 0, a row holding all counts gets upper bound 1, empty rows stay unknown', () => {
    const C = [[0, 12, 0], [3, 4, 0], [0, 0, 0]];
    const { interval, samples } = dirichletPosterior(C, { samples: 500, seed: 1 });
    expect(interval.low[0][0]).toBe(0);
    expect(interval.high[0][1]).toBe(1);
    expect(interval.low[0][1]).toBeGreaterThan(0.6);
    expect(interval.low[1][2]).toBe(0);
    expect(interval.high[1][2]).toBeGreaterThan(0);
    expect(interval.low[2].every(Number.isNaN)).toBe(true);
    for (const S of samples) expect(S[1].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('the posterior mean of an entry is (c + a) / (n + 3a) (Dirichlet moments)', () => {
    const rng = new Random(4);
    const C = [[30, 6, 4], [1, 1, 1], [0, 0, 5]];
    let s = 0;
    const N = 20000;
    for (let k = 0; k < N; k++) s += sampleDirichletRows(C, rng)[0][1];
    expect(s / N).toBeCloseTo(6.5 / 41.5, 2);
  });

  it('percentileInterval ignores NaN and infinities', () => {
    expect(percentileInterval([NaN, 1, 2, 3, Infinity, 4, 5], 0.5)).toEqual([2, 4]);
  });
});
