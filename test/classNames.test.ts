/** Tests of dynamics/configurations/classNames.ts: dominant-formula names, purity, unique suffixes. */
import { describe, expect, it } from 'vitest';
import { classNamings, nameClasses } from '../dynamics/configurations/classNames.ts';

describe('nameClasses', () => {
  it('names each class by its dominant formula with its purity, whatever the number of classes', () => {
    const states = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2];
    const formulas = ['Si1C3', 'Si1C3', 'Si1C3', 'Si1C4', 'Si1C4', 'Si1C3', 'Si1C4', 'Si1C4', 'Si1C4', 'Si1C3'];
    const n = classNamings(states, formulas, 3);
    // classes 1 and 2 are both dominated by Si1C4: class 2 (4 members) is the larger -> -a
    expect(n.map((c) => c.name)).toEqual(['Si1C3', 'Si1C4-b', 'Si1C4-a']);
    expect(n.map((c) => c.purity)).toEqual([1, 2 / 3, 3 / 4]);
    expect(n.map((c) => c.count)).toEqual([3, 3, 4]);
    expect(nameClasses([0, 0, 1, 1], ['Si1C3', 'Si1C3', 'Si1C4', 'Si1C4'], 2)).toEqual(['Si1C3', 'Si1C4']);
  });

  it('a pure class keeps its formula name when a second class appears (no class<k> fallback)', () => {
    const f = ['Si1C4', 'Si1C4', 'Si1C4', 'Si1C3', 'Si1C3', 'Si1C3'];
    expect(nameClasses([0, 0, 0, 1, 1, 1], f, 2)).toEqual(['Si1C4', 'Si1C3']);
    expect(nameClasses([1, 1, 1, 0, 0, 2], f, 3)).toEqual(['Si1C3-a', 'Si1C4', 'Si1C3-b']);
  });

  it('names classes of centres outside complexes and empty classes, ignores unclassified rows, stays unique', () => {
    const n = classNamings([0, 0, -1, 1, 7], ['', null, 'Si1C3', 'Si1C3', 'Si1C3'], 3);
    expect(n.map((c) => c.name)).toEqual(['isolated', 'Si1C3', 'empty2']);
    expect(n[2].purity).toBeNaN();
    const many = nameClasses(Array.from({ length: 28 }, (_, i) => i), new Array(28).fill('Si1C4'), 28);
    expect(new Set(many).size).toBe(28);
    expect(many.slice(25)).toEqual(['Si1C4-z', 'Si1C4-aa', 'Si1C4-ab']);
  });
});
