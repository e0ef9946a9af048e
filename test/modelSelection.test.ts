/**
 * Tests of dynamics/configurations/modelSelection.ts: dwell segments, representatives, BIC with a corrected sample
 * size and the minimum class size; and, end to end, that near-duplicate frames of a simulated movie
 * make an uncorrected BIC over-split while one instance per dwell segment finds the true classes.
 */
import { describe, expect, it } from 'vitest';
import { dwellSegments, segmentRepresentatives, selectByBic } from '../dynamics/configurations/modelSelection.ts';
import { GaussianMixture, GaussianMixtureModel } from '../dynamics/configurations/gaussianMixture.ts';
import { generateMovie } from '../training/simulator/syntheticConfigurations.ts';
import { classifyConfigurations } from '../dynamics/configurations/classifyConfigurations.ts';
import { adjustedRandIndex } from '../evaluation/adjustedRandIndex.ts';
import { Random } from '../data/random.ts';

describe('dwell segments', () => {
  it('cut each particle at its jumps, at gaps, and leave untracked instances alone', () => {
    // particle 0: level 0 for frames 0-9, level 10 for 10-19; particle 1: level 5, with frames 5-7 missing
    const inst: Array<{ particle: number | null; frame: number; x: number }> = [];
    const rng = new Random(1);
    for (let f = 0; f < 20; f++) inst.push({ particle: 0, frame: f, x: (f < 10 ? 0 : 10) + 0.1 * rng.normal() });
    for (let f = 0; f < 12; f++) if (f < 5 || f > 7) inst.push({ particle: 1, frame: f, x: 5 + 0.1 * rng.normal() });
    inst.push({ particle: null, frame: 3, x: 1 }, { particle: null, frame: 4, x: 1 });
    rng.shuffle(inst);
    const seg = dwellSegments(inst, (i, j) => Math.abs(inst[i].x - inst[j].x));
    // particle 0: 2 segments; particle 1: 2 (the gap); untracked: 2
    expect(seg.count).toBe(6);
    const of = (p: number | null, f: number) => seg.segmentOf[inst.findIndex((x) => x.particle === p && x.frame === f)];
    expect(of(0, 0)).toBe(of(0, 9));
    expect(of(0, 9)).not.toBe(of(0, 10));
    expect(of(0, 10)).toBe(of(0, 19));
    expect(of(1, 4)).not.toBe(of(1, 8));
    expect(of(null, 3)).not.toBe(of(null, 4));
    const reps = segmentRepresentatives(inst, seg);
    expect(reps.length).toBe(6);
    expect(inst[reps[of(0, 0)]].frame).toBe(4); // middle of frames 0..9
  });
});

describe('BIC with a corrected sample size', () => {
  // 3 true classes; 30 dwell segments, each a site with its own static offset, seen in 40 frames with tiny jitter
  const rng = new Random(7);
  const centres = [[0, 0], [8, 0], [4, 7]];
  const X: number[][] = [];
  const timed: Array<{ particle: number; frame: number }> = [];
  for (let s = 0; s < 30; s++) {
    const c = centres[s % 3];
    const site = [c[0] + rng.normal(), c[1] + rng.normal()];
    for (let f = 0; f < 40; f++) {
      X.push([site[0] + 0.05 * rng.normal(), site[1] + 0.05 * rng.normal()]);
      timed.push({ particle: s, frame: f });
    }
  }
  const fitOn = (rows: number[][]) => (k: number) => {
    const m = new GaussianMixture({ nComponents: k, covarianceType: 'diag', seed: 1, nInit: 2 }).fit(rows);
    const sizes = new Array<number>(k).fill(0);
    for (const c of m.predict(rows)) sizes[c]++;
    return { model: m, logLikelihood: m.score(rows) * rows.length, nParameters: m.nParameters(), nSamples: rows.length, smallestClass: Math.min(...sizes) };
  };

  it('over-splits when every frame counts, finds the 3 classes on one instance per segment', () => {
    const naive = selectByBic(fitOn(X), 1, 8);
    const seg = dwellSegments(timed, (i, j) => Math.hypot(X[i][0] - X[j][0], X[i][1] - X[j][1]));
    expect(seg.count).toBeGreaterThanOrEqual(30);
    expect(seg.count).toBeLessThanOrEqual(33); // a rare jitter spike may cut a segment
    const reps = segmentRepresentatives(timed, seg).map((i) => X[i]);
    const corrected = selectByBic(fitOn(reps), 1, 8);
    expect(naive.best).toBeGreaterThan(4);
    expect(corrected.best).toBe(3);
    expect(corrected.curve[0].nSamples).toBe(seg.count);
    // the 'effective' variant: fitted on all frames, log-likelihood rescaled to 30 samples
    const effective = selectByBic(fitOn(X), 1, 8, seg.count);
    expect(effective.curve.every((p) => p.nEffective === seg.count)).toBe(true);
    expect(effective.best).toBeLessThan(naive.best);
  });

  it('skips a K whose smallest class is below the minimum size, and reports fits that fail', () => {
    // one site per segment, plus two outliers between the classes
    const rows = [...X.filter((_, i) => i % 40 === 0), [4, -6], [4.1, -6]];
    const free = selectByBic(fitOn(rows), 1, 5);
    const guarded = selectByBic(fitOn(rows), 1, 5, undefined, 3);
    expect(free.best).toBe(4); // the two outliers buy a class of their own
    expect(guarded.best).toBe(3);
    expect(guarded.curve.find((p) => p.k === 4)?.tooSmall).toBe(true);
    const failing = selectByBic<GaussianMixtureModel>((k) => {
      if (k === 2) throw new Error('collapsed');
      return fitOn(rows)(k);
    }, 1, 3);
    expect(failing.errors.get(2)).toBe('collapsed');
    expect(failing.curve.map((p) => p.k)).toEqual([1, 3]);
  });
});

describe('classes of a simulated movie (Si-C3, Si-C4, Si + vacancy; 8 dopants x 50 frames)', () => {
  const movie = (seed: number) => generateMovie(['SiC3', 'SiC4', 'SiVac'], { seed, frames: 50, dopants: 8, switchProbability: 0.06, jitterPm: 2, staticPm: 6, pixelSizePm: 10 });
  const score = async (seed: number, bicSamples: 'all' | 'segments') => {
    const mv = movie(seed);
    const r = await classifyConfigurations({ atoms: mv.atoms, pixelSizePm: 10 }, { classes: 'auto', bicSamples, seed: 1, nInit: 1 });
    const truth = r.rows.map((row) => mv.truth[row.frame * mv.dopants + (row.particle as number)]);
    return { k: r.k, ari: adjustedRandIndex(truth, r.rows.map((x) => x.state!)), n: r.bic![0].nSamples, segments: new Set(mv.segment).size };
  };

  it('BIC on one frame per dwell segment finds 3 classes where counting every frame over-splits', async () => {
    const all = await score(5, 'all');
    const seg = await score(5, 'segments');
    console.log(`movie seed 5: every frame K=${all.k} (ARI ${all.ari.toFixed(3)}, n=${all.n}); segments K=${seg.k} (ARI ${seg.ari.toFixed(3)}, n=${seg.n}, true segments ${seg.segments})`);
    expect(all.k).toBeGreaterThan(3);
    expect(seg.k).toBe(3);
    expect(seg.ari).toBeGreaterThanOrEqual(0.95);
    expect(seg.ari).toBeGreaterThan(all.ari);
    for (const s of [1, 3]) {
      const r = await score(s, 'segments');
      expect(r.k).toBe(3);
      expect(r.ari).toBeGreaterThanOrEqual(0.95);
    }
  });
});
