import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { simulateChain } from '../dynamics/kinetics/markovSimulation.ts';
import { buildStateSequences, sequencesFromArrays } from '../dynamics/kinetics/stateSequences.ts';
import { stationaryDistribution } from '../dynamics/kinetics/stationaryDistribution.ts';
import { dwellTimes } from '../dynamics/kinetics/dwellTimes.ts';
import { impliedTimescales } from '../dynamics/kinetics/impliedTimescales.ts';
import { chapmanKolmogorovTest, normalQuantile } from '../dynamics/kinetics/chapmanKolmogorov.ts';
import { beamRates, electronFlux } from '../dynamics/kinetics/beamRates.ts';
import { applyCoreSets } from '../dynamics/kinetics/coreSets.ts';
import { findTransitionEvents } from '../dynamics/kinetics/transitionEvents.ts';
import { countTransitions } from '../dynamics/kinetics/countMatrix.ts';
import { matPow, nonReversibleMle } from '../dynamics/kinetics/transitionMatrix.ts';
import { dirichletPosterior } from '../dynamics/kinetics/transitionUncertainty.ts';

describe('stationaryDistribution', () => {
  it('solves pi P = pi for an ergodic chain', () => {
    const r = stationaryDistribution([[0.9, 0.1], [0.2, 0.8]]);
    expect(r.distribution![0]).toBeCloseTo(2 / 3, 12);
    expect(r.distribution![1]).toBeCloseTo(1 / 3, 12);
    const P = [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.25, 0.25, 0.5]];
    const pi = stationaryDistribution(P).distribution!;
    for (let j = 0; j < 3; j++) expect(pi.reduce((a, p, i) => a + p * P[i][j], 0)).toBeCloseTo(pi[j], 12);
  });

  it('puts all weight on a unique absorbing (one-way) state and says when it is not unique', () => {
    const oneWay = stationaryDistribution([[0.9, 0.1, 0], [0, 0.95, 0.05], [0, 0, 1]], ['Si-C3', 'Si-V', 'Si-C4']);
    expect(oneWay.distribution).toEqual([0, 0, 1]);
    const two = stationaryDistribution([[0.8, 0.1, 0.1], [0, 1, 0], [0, 0, 1]], ['a', 'b', 'c']);
    expect(two.distribution).toBeNull();
    expect(two.note).toMatch(/2 closed sets \(\{b\} \{c\}\)/);
    // a (closed with b) can reach c, whose row is unknown: no stationary distribution can be claimed
    const leaky = stationaryDistribution([[0.9, 0.05, 0.05], [0.1, 0.9, 0], [NaN, NaN, NaN]], ['a', 'b', 'c']);
    expect(leaky.distribution).toBeNull();
    expect(leaky.note).toMatch(/no closed set/);
    // c is only reached from the transient state d: the closed set {a, b} is unique
    const P = [[0.9, 0.1, 0, 0], [0.2, 0.8, 0, 0], [NaN, NaN, NaN, NaN], [0.3, 0, 0.3, 0.4]];
    const ok = stationaryDistribution(P, ['a', 'b', 'c', 'd']);
    expect(ok.distribution![0]).toBeCloseTo(2 / 3, 12);
    expect(ok.distribution![2]).toBe(0);
    expect(ok.note).toMatch(/assumes c .* transient/);
  });
});

describe('dwellTimes (censoring-corrected)', () => {
  it('counts exits and trials exactly on a small sequence', () => {
    const d = dwellTimes(sequencesFromArrays([[0, 0, 0, 1, 1]]));
    expect(d[0]).toMatchObject({ exits: 1, trials: 3, meanFrames: 3, runs: { complete: [3], censored: [] } });
    expect(d[1].exits).toBe(0);
    expect(Number.isNaN(d[1].meanFrames)).toBe(true);
    expect(d[1].lowerBoundFrames).toBe(1);
    expect(d[1].ciHighFrames).toBe(Infinity);
    expect(d[1].runs.censored).toEqual([2]);
  });

  it('recovers a 10-frame mean dwell from heavily censored 15-frame tracks, where the naive average is biased short', () => {
    const rng = new Random(8);
    const P = [[0.9, 0.1], [0.1, 0.9]];
    const d = dwellTimes(sequencesFromArrays(Array.from({ length: 400 }, () => Array.from(simulateChain(P, 15, rng.int(2), rng)))), { seed: 1 });
    expect(d[0].meanFrames).toBeGreaterThan(9);
    expect(d[0].meanFrames).toBeLessThan(11);
    expect(d[0].ciLowFrames).toBeLessThan(10);
    expect(d[0].ciHighFrames).toBeGreaterThan(10);
    const all = [...d[0].runs.complete, ...d[0].runs.censored];
    expect(all.reduce((a, b) => a + b, 0) / all.length).toBeLessThan(7);
  });
});

describe('impliedTimescales', () => {
  it('gives -lag / ln(1 - p - q) for a two-state chain, the same at every lag', () => {
    const P = [[0.8, 0.2], [0.1, 0.9]];
    const t1 = impliedTimescales(P, 1);
    expect(t1).toHaveLength(1);
    expect(t1[0]).toBeCloseTo(-1 / Math.log(0.7), 10);
    expect(impliedTimescales(matPow(P, 3), 3)[0]).toBeCloseTo(t1[0], 8);
  });

  it('uses the modulus of complex eigenvalues (a non-reversible cycle) and skips unknown rows', () => {
    const c = [[0.8, 0.2, 0], [0, 0.8, 0.2], [0.2, 0, 0.8]];
    const ts = impliedTimescales(c, 1);
    const mod = Math.hypot(0.8 - 0.1, 0.2 * Math.sqrt(3) / 2);
    expect(ts[0]).toBeCloseTo(-1 / Math.log(mod), 8);
    expect(impliedTimescales([[0.8, 0.2], [NaN, NaN]], 1)[0]).toBeCloseTo(-1 / Math.log(0.8), 10);
  });
});

describe('chapmanKolmogorovTest', () => {
  const fit = (c: ReturnType<typeof countTransitions>) => nonReversibleMle(c.counts);
  const sample = (c: ReturnType<typeof countTransitions>, seed: number) => dirichletPosterior(c.uncertaintyCounts, { samples: 200, seed }).samples;
  function run(dtrajs: number[][]) {
    const seqs = sequencesFromArrays(dtrajs);
    const c = countTransitions(seqs, 1, 'sliding');
    return chapmanKolmogorovTest(seqs, fit(c), sample(c, 99), { lag: 1, mode: 'sliding', steps: 4, fit, sample });
  }

  it('passes for data from a Markov chain', () => {
    const rng = new Random(31);
    const P = [[0.9, 0.07, 0.03], [0.05, 0.85, 0.1], [0.02, 0.08, 0.9]];
    const r = run(Array.from({ length: 20 }, () => Array.from(simulateChain(P, 300, rng.int(3), rng))));
    expect(r.compared).toBeGreaterThan(20);
    expect(r.criticalZ).toBeCloseTo(normalQuantile(1 - 0.05 / (2 * r.compared)), 12);
    expect(r.passed).toBe(true);
  });

  it('fails for a lumped state with a hidden slow and fast part (non-Markovian dwell times)', () => {
    const rng = new Random(32);
    // hidden states: A_fast, A_slow, B; observed A = {A_fast, A_slow}
    const H = [[0.5, 0, 0.5], [0, 0.98, 0.02], [0.05, 0.05, 0.9]];
    const r = run(Array.from({ length: 20 }, () => Array.from(simulateChain(H, 300, rng.int(3), rng), (h) => (h === 2 ? 1 : 0))));
    expect(r.passed).toBe(false);
    expect(r.steps.slice(1).some((s) => s.failures.length > 0)).toBe(true);
  });

  it('normalQuantile inverts the normal CDF', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(1e-4)).toBeCloseTo(-3.719016, 5);
  });
});

describe('beamRates', () => {
  it('turns exit probabilities into rates, rates per dose and cross-sections in barn', () => {
    const dt = 0.2, k = 0.5; // exit rate 0.5 /s, frame time 0.2 s
    const stay = Math.exp(-k * dt);
    const P = [[stay, (1 - stay) * 0.75, (1 - stay) * 0.25], [0, 1, 0], [0, 0, 1]];
    // 100 pA over a 512 x 512 frame of 10 pm pixels: 51.2 A x 51.2 A
    const area = 51.2 * 51.2;
    const flux = (100e-12 / 1.602176634e-19) / area;
    const r = beamRates(P, 1, { frameTimeS: dt, beamCurrentPa: 100, fieldOfViewA2: area });
    expect(r.flux).toBeCloseTo(flux, 6);
    expect(r.ratePerS[0][1]).toBeCloseTo(0.375, 10);
    expect(r.ratePerS[0][2]).toBeCloseTo(0.125, 10);
    expect(r.crossSectionBarn[0][1]).toBeCloseTo((0.375 / flux) * 1e8, 6);
    expect(r.ratePerS[1][0]).toBe(0);
    // at lag 2 with P^2 the same rates come out
    expect(beamRates(matPow(P, 2), 2, { frameTimeS: dt, doseRate: flux }).ratePerS[0][1]).toBeCloseTo(0.375, 10);
    expect(electronFlux({ frameTimeS: 1, doseRate: 1e5 })).toBe(1e5);
    expect(() => electronFlux({ frameTimeS: 1, beamCurrentPa: 10 })).toThrow(/^beamCurrentPa: needs the field of view/);
    expect(() => beamRates(P, 1, { frameTimeS: 0, doseRate: 1 })).toThrow(/^frameTimeS: /);
  });
});

describe('core sets and events', () => {
  it('minDwell removes one-frame flicker but keeps real changes', () => {
    const s = sequencesFromArrays([[0, 0, 1, 0, 0, 1, 1, 1]]);
    const m = applyCoreSets(s, { minDwell: 2 });
    expect(Array.from(m.trajectories[0].states)).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
    expect(Array.from(s.trajectories[0].states)).toEqual([0, 0, 1, 0, 0, 1, 1, 1]);
    expect(findTransitionEvents(s)).toHaveLength(3);
    expect(findTransitionEvents(m)).toHaveLength(1);
  });

  it('minProbability keeps the last core state through uncertain frames', () => {
    const s = buildStateSequences([
      { frame: 0, particle: 3, state: 0, probability: 0.9 }, { frame: 1, particle: 3, state: 1, probability: 0.4 },
      { frame: 2, particle: 3, state: 1, probability: 0.95 }, { frame: 3, particle: 3, state: 0, probability: 0.3 },
    ]);
    expect(Array.from(applyCoreSets(s, { minProbability: 0.5 }).trajectories[0].states)).toEqual([0, 0, 1, 1]);
    expect(() => applyCoreSets(s, { minDwell: 0 })).toThrow(/^minDwell: /);
  });

  it('events carry the first frame in the new state, the last frame before, and the position', () => {
    const s = buildStateSequences([
      { frame: 10, particle: 2, state: 4, x: 1, y: 2 }, { frame: 11, particle: 2, state: 4, x: 1, y: 2 },
      { frame: 14, particle: 2, state: 7, x: 3.5, y: 2.5 }, { frame: 12, particle: 5, state: 7 }, { frame: 13, particle: 5, state: 4 },
    ]);
    expect(findTransitionEvents(s)).toEqual([
      { frame: 13, previousFrame: 12, particle: 5, from: 1, to: 0, x: NaN, y: NaN },
      { frame: 14, previousFrame: 11, particle: 2, from: 0, to: 1, x: 3.5, y: 2.5 },
    ]);
  });
});
