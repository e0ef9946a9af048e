/** Tests of evaluation/adjustedRandIndex.ts against scikit-learn's adjusted_rand_score. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { adjustedRandIndex } from '../evaluation/adjustedRandIndex.ts';

const ref = JSON.parse(readFileSync(new URL('./fixtures/sklearn_mixture_reference.json', import.meta.url), 'utf8')).ari;

describe('adjustedRandIndex', () => {
  it('matches scikit-learn on random and hand-made labellings', () => {
    for (const c of ref) expect(adjustedRandIndex(c.a, c.b)).toBeCloseTo(c.ari, 12);
  });
  it('is 1 for the same partition under other names, symmetric, and about 0 for independent labels', () => {
    expect(adjustedRandIndex([0, 0, 1, 1, 2], ['b', 'b', 'a', 'a', 'c'])).toBe(1);
    const a = [0, 1, 1, 0, 2, 2, 1, 0];
    const b = [1, 1, 0, 0, 2, 1, 1, 0];
    expect(adjustedRandIndex(a, b)).toBeCloseTo(adjustedRandIndex(b, a), 14);
    expect(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2])).toBeLessThan(0);
    expect(() => adjustedRandIndex([0], [0, 1])).toThrow(/different lengths/);
  });
});
