import { describe, expect, it } from 'vitest';
import { DetectionTally, matchPoints, score } from '../evaluation/matchAtoms.ts';

describe('matchAtoms', () => {
  it('matches one-to-one, shortest first, within the radius only', () => {
    const truth = [{ x: 0, y: 0 }, { x: 10, y: 0 }];
    // detection 0 is close to truth 0; detection 1 is nearer truth 0 than truth 1 but truth 0 is taken
    const det = [{ x: 0.5, y: 0 }, { x: 1.5, y: 0 }, { x: 10, y: 2.9 }, { x: 30, y: 30 }];
    expect(matchPoints(det, truth, 3)).toEqual([[0, 0], [2, 1]]);
    expect(matchPoints(det, truth, 2)).toEqual([[0, 0]]);
    expect(matchPoints([], truth, 3)).toEqual([]);
  });

  it('scores overall and per species', () => {
    const t = new DetectionTally(['C', 'Si'], 2);
    t.add(
      [{ x: 0, y: 0, species: 'C' }, { x: 5, y: 0, species: 'C' }, { x: 20, y: 0, species: 'C' }],
      [{ x: 0.3, y: 0, species: 'C' }, { x: 5, y: 0.5, species: 'Si' }, { x: 40, y: 0, species: 'C' }],
    );
    const r = t.result();
    // overall: 2 matched, 1 false positive (20,0), 1 missed (40,0)
    expect(r.overall).toMatchObject({ tp: 2, fp: 1, fn: 1, precision: 2 / 3, recall: 2 / 3 });
    // Si was detected as C: Si recall 0; C: 1 tp, 2 fp, 1 fn
    expect(r.perSpecies.Si).toMatchObject({ tp: 0, fp: 0, fn: 1, recall: 0 });
    expect(r.perSpecies.C).toMatchObject({ tp: 1, fp: 2, fn: 1 });
    expect(r.perSpecies.C.f1).toBeCloseTo((2 * (1 / 3) * 0.5) / (1 / 3 + 0.5), 12);
  });

  it('defines the empty cases', () => {
    expect(score(0, 0, 0)).toMatchObject({ precision: 1, recall: 1, f1: 1 });
    expect(score(0, 2, 0)).toMatchObject({ precision: 0, recall: 0, f1: 0 });
  });
});
