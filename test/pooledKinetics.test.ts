/** Pooled kinetics across movies (dynamics/kinetics/pooledKinetics.ts) and the chi-square tail (numerics/chiSquare.ts). */
import { describe, expect, it } from 'vitest';
import { AtomdynError } from '../data/errors.ts';
import { countTransitions } from '../dynamics/kinetics/countMatrix.ts';
import { homogeneityTest, holmAdjust, lagsInFrames, poolKinetics, type MovieSequences } from '../dynamics/kinetics/pooledKinetics.ts';
import { sequencesFromArrays, stateSequencesFromTable } from '../dynamics/kinetics/stateSequences.ts';
import { chiSquareSurvival } from '../numerics/chiSquare.ts';
import { KNOWN_NAMES, KNOWN_P, syntheticConfigurations } from '../training/simulator/syntheticKinetics.ts';

/** A movie of `particles` tracks with kinetics P (configuration table as classify writes it). */
function movie(id: string, seed: number, P: number[][] = KNOWN_P, extra: Partial<MovieSequences> = {}): MovieSequences {
  const table = syntheticConfigurations({ particles: 12, frames: 60, seed, P });
  return { id, sequences: stateSequencesFromTable(table, `${id}.csv`), frameTimeS: 0.5, doseRate: 1e5, ...extra };
}

const FAST = { samples: 200, bootstrap: false as const };

describe('chiSquareSurvival', () => {
  it('matches scipy.stats.chi2.sf', () => {
    // reference values: scipy 1.17 chi2.sf(x, df)
    const ref: [number, number, number][] = [
      [3.841458820694124, 1, 0.05], [9.21034037197618, 2, 0.01], [10, 5, 0.07523524614651217], [0.5, 3, 0.9188914116546758],
      [150, 100, 0.0009039320423540184], [40, 4, 4.328422607120966e-8], [1e-3, 1, 0.9747728793699604],
    ];
    for (const [x, df, p] of ref) expect(chiSquareSurvival(x, df) / p).toBeCloseTo(1, 9);
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expect(chiSquareSurvival(1, 0)).toBeNaN();
  });
});

describe('homogeneityTest', () => {
  it('on one row is the G-test of the contingency table (scipy chi2_contingency, log-likelihood)', () => {
    const embed = (row: number[]) => [row, [0, 0, 0], [0, 0, 0]];
    const two = homogeneityTest([embed([30, 10, 5]), embed([20, 25, 8])]);
    expect(two.g).toBeCloseTo(8.699781498903178, 9);
    expect(two.df).toBe(2);
    expect(two.pValue).toBeCloseTo(0.012908222733861136, 9);
    const three = homogeneityTest([embed([12, 3, 0]), embed([40, 9, 2]), embed([7, 7, 1])]);
    expect(three.g).toBeCloseTo(6.8896680755890305, 9);
    expect(three.df).toBe(4);
    expect(three.pValue).toBeCloseTo(0.14183490957592274, 9);
  });

  it('is 0 with no degrees of freedom for identical proportions, sums over rows, and refuses bad counts', () => {
    const C = [[8, 2], [3, 9]];
    const t = homogeneityTest([C, C.map((r) => r.map((v) => 3 * v))]);
    expect(t.g).toBeCloseTo(0, 12);
    expect(t.df).toBe(2);
    expect(t.pValue).toBeCloseTo(1, 12);
    const a = homogeneityTest([[[30, 10], [0, 0]], [[20, 25], [0, 0]]]), b = homogeneityTest([[[0, 0], [30, 10]], [[0, 0], [20, 25]]]);
    expect(homogeneityTest([[[30, 10], [30, 10]], [[20, 25], [20, 25]]]).g).toBeCloseTo(a.g + b.g, 10);
    expect(() => homogeneityTest([[[1, -1], [0, 0]], [[1, 1], [1, 1]]])).toThrow(AtomdynError);
  });

  it('Holm adjustment', () => {
    expect(holmAdjust([0.01, 0.04, NaN, 0.03])).toEqual([0.03, 0.06, NaN, 0.06]);
  });
});

describe('poolKinetics', () => {
  it('gives the same pooled counts as counting all trajectories at once; trajectories never cross movies', () => {
    const movies = [movie('a', 1), movie('b', 2), movie('c', 3)];
    // all trajectories in one table, particle ids made distinct by hand
    const rows = movies.flatMap((m, k) => syntheticConfigurations({ particles: 12, frames: 60, seed: k + 1 }).rows.map((r) => ({ ...r, particle: (r.particle as number) + 1000 * k })));
    const all = stateSequencesFromTable({ columns: Object.keys(rows[0]), rows }, 'all.csv');
    for (const [lag, counting] of [[1, 'sliding'], [2, 'sliding'], [3, 'sample']] as const) {
      const pooled = poolKinetics(movies, { lag: { frames: lag }, counting, estimator: FAST });
      expect(pooled.states).toEqual(all.names);
      expect(pooled.counts.counts).toEqual(countTransitions(all, lag, counting).counts);
      expect(pooled.counts.trajectories).toBe(all.trajectories.length);
      expect(pooled.movies.map((m) => m.counts.pairs).reduce((a, b) => a + b, 0)).toBe(pooled.counts.pairs);
    }
    // particle 0 of movie x ends in Si1C4 at frame 3, particle 0 of movie y starts in class2 at frame 4
    const x: MovieSequences = { id: 'x', sequences: sequencesFromArrays([[1, 1, 1, 1]], KNOWN_NAMES) };
    const y: MovieSequences = { id: 'y', sequences: sequencesFromArrays([[-1, -1, -1, -1, 2, 2]], KNOWN_NAMES) };
    const p = poolKinetics([x, y], { estimator: FAST });
    expect(p.states).toEqual(['Si1C4', 'class2']);
    expect(p.counts.counts).toEqual([[3, 0], [0, 1]]);
  });

  it('known answer: intervals shrink as 1/sqrt(movies) and cover the truth in >= 85 % of entries over 20 seeds', () => {
    const Ns = [1, 2, 4, 8];
    const widths = Ns.map(() => 0);
    let covered = 0, entries = 0;
    for (let seed = 0; seed < 20; seed++) {
      Ns.forEach((N, k) => {
        const movies = Array.from({ length: N }, (_, m) => movie(`m${m}`, 100 * seed + m + 1));
        const pooled = poolKinetics(movies, { estimator: { ...FAST, seed } });
        const idx = pooled.states.map((s) => KNOWN_NAMES.indexOf(s));
        const { low, high } = pooled.model.interval;
        let w = 0, nw = 0;
        idx.forEach((ti, i) => idx.forEach((tj, j) => {
          const truth = KNOWN_P[ti][tj];
          entries++;
          if (low[i][j] <= truth && truth <= high[i][j]) covered++;
          if (truth > 0) { w += high[i][j] - low[i][j]; nw++; }
        }));
        widths[k] += w / nw / 20;
      });
    }
    const lx = Ns.map(Math.log), ly = widths.map(Math.log);
    const mx = lx.reduce((a, b) => a + b) / 4, my = ly.reduce((a, b) => a + b) / 4;
    const slope = lx.reduce((a, x, k) => a + (x - mx) * (ly[k] - my), 0) / lx.reduce((a, x) => a + (x - mx) ** 2, 0);
    console.log(`pooled interval width vs movies ${Ns.join(', ')}: ${widths.map((w) => w.toFixed(4)).join(', ')}; log-log slope ${slope.toFixed(3)}; coverage ${(covered / entries * 100).toFixed(1)} % of ${entries}`);
    expect(slope).toBeGreaterThanOrEqual(-0.65);
    expect(slope).toBeLessThanOrEqual(-0.35);
    expect(covered / entries).toBeGreaterThanOrEqual(0.85);
  });

  it('flags a movie with other kinetics at p < 0.01 and passes movies of one kinetics', () => {
    const OTHER = [[0.9, 0.07, 0.03], [0, 0.85, 0.15], [0, 0.2, 0.8]];
    const same = Array.from({ length: 6 }, (_, m) => movie(`same${m}`, 500 + m));
    const agree = poolKinetics(same, { estimator: FAST });
    console.log(`one kinetics: G = ${agree.homogeneity.g.toFixed(2)}, df ${agree.homogeneity.df}, p = ${agree.homogeneity.pValue.toFixed(3)}; per movie p ${agree.movies.map((m) => m.test.pValue.toFixed(3)).join(', ')}`);
    expect(agree.homogeneity.pValue).toBeGreaterThan(0.01);
    expect(Math.min(...agree.movies.map((m) => m.pAdjusted))).toBeGreaterThan(0.01);
    const mixed = poolKinetics([...same, movie('odd', 900, OTHER)], { estimator: FAST });
    const odd = mixed.movies.find((m) => m.id === 'odd')!;
    console.log(`with one movie of other kinetics: all movies p = ${mixed.homogeneity.pValue.toExponential(2)}; odd movie G = ${odd.test.g.toFixed(1)}, p = ${odd.test.pValue.toExponential(2)}, Holm ${odd.pAdjusted.toExponential(2)}; others (Holm) ${mixed.movies.filter((m) => m !== odd).map((m) => m.pAdjusted.toFixed(3)).join(', ')}`);
    expect(odd.test.pValue).toBeLessThan(0.01);
    expect(odd.pAdjusted).toBeLessThan(0.01);
    expect(mixed.homogeneity.pValue).toBeLessThan(0.01);
    for (const m of mixed.movies) if (m !== odd) expect(m.pAdjusted).toBeGreaterThan(0.01);
  });

  it('groups by a metadata column: group counts are the sums of their movies, and the groups are compared', () => {
    const OTHER = [[0.9, 0.07, 0.03], [0, 0.85, 0.15], [0, 0.2, 0.8]];
    const movies = [
      movie('g1', 11, KNOWN_P, { metadata: { material: 'graphene' } }), movie('g2', 12, KNOWN_P, { metadata: { material: 'graphene' } }),
      movie('h1', 13, OTHER, { metadata: { material: 'hbn' }, doseRate: 2e5 }), movie('h2', 14, OTHER, { metadata: { material: 'hbn' }, doseRate: 2e5 }),
      movie('h3', 15, OTHER, { metadata: { material: 'hbn' }, doseRate: 2e5 }),
    ];
    const p = poolKinetics(movies, { groupBy: 'material', estimator: FAST });
    expect(p.groups.map((g) => [g.id, g.movies])).toEqual([['graphene', 2], ['hbn', 3]]);
    const sum = (ids: string[]) => p.movies.filter((m) => ids.includes(m.id)).reduce((acc, m) => acc.map((r, i) => r.map((v, j) => v + m.counts.counts[i][j])), p.states.map(() => p.states.map(() => 0)));
    expect(p.groups[0].counts.counts).toEqual(sum(['g1', 'g2']));
    expect(p.groups[1].counts.counts).toEqual(sum(['h1', 'h2', 'h3']));
    expect(p.groupHomogeneity.pValue).toBeLessThan(0.01);
    // dose rates differ: no pooled rate per dose, but one per group
    expect(p.rates).toBeNull();
    expect(p.notes.join(' ')).toMatch(/dose rates differ/);
    expect(p.groups[1].rates!.flux).toBe(2e5);
    expect(() => poolKinetics(movies, { groupBy: 'dose' })).toThrow(/movie g1 has no value of 'dose'/);
  });

  it('refuses a lag in frames when frame times differ by more than 1 %, and takes a lag in seconds that they allow', () => {
    const a = movie('a', 1), b = movie('b', 2, KNOWN_P, { frameTimeS: 0.52 }), c = movie('c', 3, KNOWN_P, { frameTimeS: 0.25 });
    expect(() => poolKinetics([a, b])).toThrow(/frame times differ by 4 %.*`lag\.seconds`/);
    expect(() => lagsInFrames([a, b], { seconds: 1 })).toThrow(/1.923 frames of movie b/);
    expect(lagsInFrames([a, movie('a2', 2, KNOWN_P, { frameTimeS: 0.502 })], { frames: 2 })).toEqual({ frames: [2, 2], seconds: 1 });
    const p = poolKinetics([a, c], { lag: { seconds: 1 }, estimator: FAST });
    expect(p.lagFrames).toEqual({ a: 2, c: 4 });
    expect(p.lagSeconds).toBe(1);
    const byHand = [countTransitions(a.sequences, 2).counts, countTransitions(c.sequences, 4).counts];
    expect(p.movies[0].counts.counts).toEqual(byHand[0]);
    expect(p.movies[1].counts.counts).toEqual(byHand[1]);
    expect(p.counts.counts).toEqual(byHand[0].map((r, i) => r.map((v, j) => v + byHand[1][i][j])));
    expect(() => poolKinetics([a, { ...c, frameTimeS: null }], { lag: { seconds: 1 } })).toThrow(/unknown for c/);
  });
});
