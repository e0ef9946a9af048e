import { describe, expect, it } from 'vitest';
import { MarkovEstimator } from '../dynamics/kinetics/markovEstimator.ts';
import { stateSequencesFromTable, sequencesFromArrays } from '../dynamics/kinetics/stateSequences.ts';
import { KNOWN_NAMES, KNOWN_P, syntheticConfigurations } from '../training/simulator/syntheticKinetics.ts';

describe('MarkovEstimator', () => {
  const table = syntheticConfigurations({ particles: 40, frames: 120, seed: 3 });
  const seqs = stateSequencesFromTable(table, 'configurations.csv');
  const model = new MarkovEstimator({ seed: 1, samples: 500 }).fit(seqs);

  it('recovers a known one-way matrix: every true entry inside its 95 % interval (or within 0.02), all states kept', () => {
    expect(model.states).toEqual(KNOWN_NAMES);
    let inside = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      const t = KNOWN_P[i][j];
      if (model.interval.low[i][j] <= t && t <= model.interval.high[i][j]) inside++;
      expect(Math.abs(model.matrix[i][j] - t)).toBeLessThan(0.04);
    }
    expect(inside).toBeGreaterThanOrEqual(8);
    // one-way: Si1C4 never returns to Si1C3
    expect(model.counts[1][0]).toBe(0);
    expect(model.matrix[1][0]).toBe(0);
    expect(model.interval.low[1][0]).toBe(0);
  });

  it('reports strongly connected sets, the stationary distribution, dwell times and diagnostics', () => {
    // Si1C3 is transient (nothing returns to it): two strongly connected sets, one closed
    expect(model.connectedSets).toEqual([[1, 2], [0]]);
    expect(model.closedSets).toEqual([[1, 2]]);
    // stationary distribution of the closed set: pi_1 * 0.03 = pi_2 * 0.05 -> (5/8, 3/8)
    expect(model.stationary![0]).toBe(0);
    expect(model.stationary![1]).toBeGreaterThan(model.stationaryLow![1]);
    expect(model.stationaryLow![1]).toBeLessThan(5 / 8);
    expect(model.stationaryHigh![1]).toBeGreaterThan(5 / 8);
    // true mean dwell of Si1C3: 1 / 0.1 = 10 frames
    expect(model.dwell[0].meanFrames).toBeGreaterThan(7);
    expect(model.dwell[0].meanFrames).toBeLessThan(14);
    expect(model.timescales.lags[0]).toBe(1);
    expect(model.timescales.timescales[0].length).toBe(2);
    expect(model.ck).not.toBeNull();
    expect(model.ck!.passed).toBe(true);
    expect(model.bootstrap).not.toBeNull();
    expect(model.events.length).toBeGreaterThan(20);
    expect(Object.isFrozen(model)).toBe(true);
  });

  it('toJSON has the transitions.json keys, null for unknown numbers, names for sets', () => {
    const j = model.toJSON();
    for (const k of ['lag', 'states', 'counts', 'matrix', 'ci_low', 'ci_high', 'stationary', 'dwell_frames', 'connected_sets', 'settings']) expect(j).toHaveProperty(k);
    expect(j.connected_sets).toEqual([['Si1C4', 'class2'], ['Si1C3']]);
    const one = new MarkovEstimator({ ckSteps: 0 }).fit(sequencesFromArrays([[0, 0, 1]], ['A', 'B'])).toJSON();
    expect((one.matrix as unknown[][])[1]).toEqual([null, null]);
    expect((one.dwell_frames as unknown[])[1]).toBeNull();
    expect(JSON.stringify(one)).not.toMatch(/NaN|Infinity/);
  });

  it('is deterministic for a seed', () => {
    const a = new MarkovEstimator({ seed: 5, samples: 200, bootstrap: false }).fit(seqs).toJSON();
    const b = new MarkovEstimator({ seed: 5, samples: 200, bootstrap: false }).fit(seqs).toJSON();
    expect(a).toEqual(b);
  });

  it('reversible option warns about the one-way transitions it must drop; lag errors are one line', () => {
    const rev = new MarkovEstimator({ reversible: true, samples: 200, bootstrap: false, ckSteps: 0 }).fit(seqs);
    expect(rev.warnings.join('\n')).toMatch(/Si1C3 -> Si1C4/);
    expect(() => new MarkovEstimator({ lag: 0 })).toThrow(/^lag: /);
    expect(() => new MarkovEstimator({ lag: 500 }).fit(seqs)).toThrow(/no particle was observed at two frames 500 apart/);
  });
});
