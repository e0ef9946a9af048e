/** Tests of evaluation/knownAnswer.ts: matching, Hungarian class assignment, agreement, ARI, matrix entries. */
import { describe, expect, it } from 'vitest';
import { knownAnswer, type StatePoint } from '../evaluation/knownAnswer.ts';
import { adjustedRandIndex } from '../evaluation/adjustedRandIndex.ts';

const TRUE = { states: ['si-c3', 'si-vacancy', 'si-c4'], matrix: [[0.9, 0.1, 0], [0.15, 0.7, 0.15], [0, 0.1, 0.9]] };

/** 3 dopants over 10 frames; dopant d is in state (d + floor(f / 4)) % 3; classes named B, C, A for the states. */
function scene(flipOne: boolean) {
  const truth: StatePoint[] = [], classified: StatePoint[] = [];
  const name = ['B', 'C', 'A'];
  for (let f = 0; f < 10; f++) for (let d = 0; d < 3; d++) {
    const s = (d + Math.floor(f / 4)) % 3;
    truth.push({ frame: f, x: 20 + 40 * d, y: 30, state: TRUE.states[s] });
    const wrong = flipOne && f === 5 && d === 1;
    classified.push({ frame: f, x: 20 + 40 * d + 1.5, y: 29, state: wrong ? name[(s + 1) % 3] : name[s] });
  }
  classified.push({ frame: 2, x: 100, y: 100, state: 'A' }); // no dopant there
  truth.push({ frame: 3, x: 5, y: 90, state: 'si-c3' }); // never found
  return { truth, classified };
}

describe('knownAnswer', () => {
  it('assigns classes to true states by maximum agreement and counts agreement, ARI and misses', () => {
    const { truth, classified } = scene(true);
    const r = knownAnswer(classified, truth, 4, null, TRUE);
    expect(r.matched).toBe(30);
    expect(r.unmatchedClassified).toBe(1);
    expect(r.missedTruth).toBe(1);
    expect(Object.fromEntries(r.classes.map((c, i) => [c, r.assignment[i]]))).toEqual({ A: 'si-c4', B: 'si-c3', C: 'si-vacancy' });
    expect(r.agreement).toBeCloseTo(29 / 30, 12);
    const pc: number[] = [], ps: number[] = [];
    r.confusion.forEach((row, c) => row.forEach((n, s) => { for (let k = 0; k < n; k++) { pc.push(c); ps.push(s); } }));
    expect(r.ari).toBeCloseTo(adjustedRandIndex(pc, ps), 12);
    expect(r.ari).toBeLessThan(1);
    expect(knownAnswer(scene(false).classified, scene(false).truth, 4, null, TRUE).ari).toBe(1);
    expect(r.entries).toEqual([]);
  });

  it('compares the recovered matrix with the true one at the same lag, entry by entry, with interval coverage', () => {
    const { truth, classified } = scene(false);
    const recovered = {
      states: ['A', 'B', 'C'], lag: 2,
      matrix: [[0.8, 0.0, 0.2], [0.0, 0.8, 0.2], [0.1, 0.3, 0.6]],
      ci_low: [[0.7, 0, 0.1], [0, 0.7, 0.1], [0, 0.2, 0.4]],
      ci_high: [[0.9, 0.05, 0.3], [0.1, 0.9, 0.3], [0.2, 0.35, 0.5]],
    };
    const r = knownAnswer(classified, truth, 4, recovered, TRUE);
    expect(r.entries).toHaveLength(9);
    // M^2 (si-c4 -> si-c4) = 0.1*0.15 + 0.9*0.9 = 0.825
    const aa = r.entries.find((e) => e.from === 'A' && e.to === 'A')!;
    expect(aa.trueFrom).toBe('si-c4');
    expect(aa.truth).toBeCloseTo(0.825, 12);
    expect(aa.error).toBeCloseTo(0.8 - 0.825, 12);
    expect(aa.covered).toBe(true);
    // C -> C is si-vacancy -> si-vacancy: M^2 = 0.15*0.1 + 0.49 + 0.15*0.1 = 0.52, outside [0.4, 0.5]
    const cc = r.entries.find((e) => e.from === 'C' && e.to === 'C')!;
    expect(cc.truth).toBeCloseTo(0.52, 12);
    expect(cc.covered).toBe(false);
  });

  it('leaves extra classes unassigned when there are more classes than states', () => {
    const { truth, classified } = scene(false);
    for (const c of classified) if (c.state === 'A' && c.frame >= 8) c.state = 'A2';
    const r = knownAnswer(classified, truth, 4, null, TRUE);
    expect(r.assignment.filter((a) => a === null)).toHaveLength(1);
    expect(r.assignment[r.classes.indexOf('A2')]).toBeNull();
    expect(r.agreement).toBeLessThan(1);
    expect(() => knownAnswer(classified, truth, 0, null, TRUE)).toThrow(RangeError);
  });
});
