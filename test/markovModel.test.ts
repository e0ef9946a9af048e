import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { AtomdynError } from '../data/errors.ts';
import { countTransitions } from '../dynamics/kinetics/countMatrix.ts';
import { MarkovEstimator } from '../dynamics/kinetics/markovEstimator.ts';
import { MarkovModel, MARKOV_MODEL_FORMAT } from '../dynamics/kinetics/markovModel.ts';
import { MarkovModelEstimator } from '../dynamics/kinetics/markovModelEstimator.ts';
import { simulateChain } from '../dynamics/kinetics/markovSimulation.ts';
import { sequencesFromArrays } from '../dynamics/kinetics/stateSequences.ts';
import { TransitionCountEstimator } from '../dynamics/kinetics/transitionCountEstimator.ts';
import { matPow, nonReversibleMle } from '../dynamics/kinetics/transitionMatrix.ts';

// an ergodic, non-reversible 3-state chain (known answer)
const TRUE_P = [[0.8, 0.15, 0.05], [0.1, 0.7, 0.2], [0.2, 0.05, 0.75]];
const NAMES = ['Si1C3', 'Si1C4', 'SiV'];
const rng = new Random(7);
const seqs = sequencesFromArrays(Array.from({ length: 30 }, () => Array.from(simulateChain(TRUE_P, 100, rng.int(3), rng))), NAMES);
const counts = new TransitionCountEstimator({ lag: 1 }).fit(seqs);
const model = new MarkovModelEstimator({ seed: 2, samples: 400 }).fit(counts, seqs);

describe('TransitionCountEstimator -> MarkovModelEstimator', () => {
  it('counts as countTransitions does, with the connected sets, frozen in depth', () => {
    expect(counts.counts).toEqual(countTransitions(seqs, 1, 'sliding').counts);
    expect(counts.states).toEqual(NAMES);
    expect(counts.connectedSets).toEqual([[0, 1, 2]]);
    expect(Object.isFrozen(counts.counts[0])).toBe(true);
    expect(() => new TransitionCountEstimator({ lag: 0 })).toThrow(AtomdynError);
    expect(() => new TransitionCountEstimator({ lag: 500 }).fit(seqs)).toThrow(/no particle was observed at two frames 500 apart/);
  });

  it('the model is the row-normalised counts, and the true matrix lies inside its 95 % intervals', () => {
    expect(model.matrix).toEqual(nonReversibleMle(counts.counts));
    let inside = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (model.interval.low[i][j] <= TRUE_P[i][j] && TRUE_P[i][j] <= model.interval.high[i][j]) inside++;
    expect(inside).toBeGreaterThanOrEqual(8);
    expect(model.bootstrap).not.toBeNull();
    // pi P = pi
    const pi = model.stationary!;
    const piP = model.propagate(pi, 1);
    for (let j = 0; j < 3; j++) expect(piP[j]).toBeCloseTo(pi[j], 12);
  });
});

describe('MarkovModel', () => {
  it('fromJSON(toJSON()) gives the same model', () => {
    const json = model.toJSON();
    expect(json.format).toBe(MARKOV_MODEL_FORMAT);
    const back = MarkovModel.fromJSON(JSON.parse(JSON.stringify(json)));
    expect(back.toJSON()).toEqual(json);
    for (const key of ['states', 'labels', 'lag', 'counting', 'reversible', 'counts', 'uncertaintyCounts', 'matrix', 'interval', 'bootstrap', 'connectedSets', 'closedSets', 'stationary', 'stationaryLow', 'stationaryHigh', 'level', 'prior', 'pairs'] as const) {
      expect(back[key]).toEqual(model[key]);
    }
    // the posterior redrawn from the saved counts equals the original one
    expect(back.posterior(50, 3).interval).toEqual(model.posterior(50, 3).interval);
  });

  it('reads the model part of a full transitions.json, unknown rows included', () => {
    const analysis = new MarkovEstimator({ samples: 200, ckSteps: 0 }).fit(sequencesFromArrays([[0, 0, 1, 1, 0, 0, 2]], ['A', 'B', 'C']));
    const doc = JSON.parse(JSON.stringify(analysis.toJSON()));
    expect(doc).toHaveProperty('dwell_frames');
    const back = MarkovModel.fromJSON(doc);
    expect(back.toJSON()).toEqual(analysis.model().toJSON());
    expect(back.matrix[2].every(Number.isNaN)).toBe(true);
    // a state never seen leaving cannot be simulated; its probability mass becomes unknown
    expect(() => back.simulate(10, 1, 'A')).toThrow(/C was never observed leaving/);
    expect(back.propagate([1, 0, 0], 3).some(Number.isNaN)).toBe(true);
  });

  it('fromJSON refuses another format and malformed fields, naming the file', () => {
    const json = model.toJSON();
    expect(() => MarkovModel.fromJSON({ ...json, format: 'atomdyn-markov-model/9' }, 'run/transitions.json')).toThrow(/^run\/transitions\.json: .*format/);
    expect(() => MarkovModel.fromJSON({ ...json, matrix: [[1, 0], [0, 1]] }, 'x.json')).toThrow(/'matrix' must be a 3 x 3 matrix/);
    expect(() => MarkovModel.fromJSON({ ...json, closed_sets: [['nope']] }, 'x.json')).toThrow(/unknown state "nope"/);
    expect(() => MarkovModel.fromJSON([], 'x.json')).toThrow(AtomdynError);
  });

  it('propagate(p0, k) equals p0 times the k-th matrix power', () => {
    const p0 = [0.2, 0.5, 0.3];
    for (const k of [0, 1, 2, 7]) {
      const expected = k === 0 ? p0 : [0, 1, 2].map((j) => p0.reduce((a, p, i) => a + p * matPow(model.matrix, k)[i][j], 0));
      const got = model.propagate(p0, k);
      for (let j = 0; j < 3; j++) expect(got[j]).toBeCloseTo(expected[j], 12);
    }
    expect(() => model.propagate([0.5, 0.5], 1)).toThrow(/3 states/);
    expect(() => model.propagate([0.5, 0.6, 0], 1)).toThrow(/sum to 1/);
    expect(() => model.propagate(p0, -1)).toThrow(/integer >= 0/);
  });

  it('simulate reproduces the matrix within its interval over a long run, and is seeded', () => {
    const run = model.simulate(100_000, 11);
    const C = [0, 1, 2].map(() => [0, 0, 0]);
    for (let t = 0; t + 1 < run.length; t++) C[run[t]][run[t + 1]]++;
    const P = nonReversibleMle(C);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      expect(P[i][j]).toBeGreaterThanOrEqual(model.interval.low[i][j]);
      expect(P[i][j]).toBeLessThanOrEqual(model.interval.high[i][j]);
      expect(Math.abs(P[i][j] - model.matrix[i][j])).toBeLessThan(0.01);
    }
    expect(Array.from(model.simulate(200, 5))).toEqual(Array.from(model.simulate(200, 5)));
    expect(model.simulate(3, 5, 'SiV')[0]).toBe(2);
  });

  it('is immutable in depth, also the analyses of a KineticsAnalysis', () => {
    expect(() => { (model.matrix[0] as number[])[0] = 1; }).toThrow(TypeError);
    expect(() => { (model.interval.low as number[][]).push([]); }).toThrow(TypeError);
    expect(() => { (model.states as string[])[0] = 'x'; }).toThrow(TypeError);
    expect(() => { (model as unknown as { lag: number }).lag = 2; }).toThrow(TypeError);
    const analysis = new MarkovEstimator({ samples: 200, ckSteps: 0, bootstrap: false }).fit(seqs);
    expect(Object.isFrozen(analysis)).toBe(true);
    expect(() => { analysis.events[0].frame = -1; }).toThrow(TypeError);
    expect(() => { analysis.dwell[0].runs.complete.push(1); }).toThrow(TypeError);
    expect(() => { analysis.timescales.lags.push(99); }).toThrow(TypeError);
  });
});

describe('modelDwellTimes', () => {
  it('is lag / (1 - P_ii) of the model, with the true dwell time inside its interval', async () => {
    const { modelDwellTimes } = await import('../dynamics/kinetics/dwellTimes.ts');
    const d = modelDwellTimes(model, { samples: 400, seed: 1 });
    for (let i = 0; i < 3; i++) {
      expect(d.meanFrames[i]).toBeCloseTo(1 / (1 - model.matrix[i][i]), 12);
      const truth = 1 / (1 - TRUE_P[i][i]); // 5, 3.33, 4 frames
      expect(d.ciLowFrames[i]).toBeLessThan(truth);
      expect(d.ciHighFrames[i]).toBeGreaterThan(truth);
    }
    // the same from the saved model
    expect(modelDwellTimes(MarkovModel.fromJSON(model.toJSON()), { samples: 400, seed: 1 })).toEqual(d);
  });
});
