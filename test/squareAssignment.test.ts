/** Tests of solveSquareAssignment (numerics/linearAssignment.ts): optimality against brute force, known answers, bad input. */
import { describe, expect, it } from 'vitest';
import { solveSquareAssignment, assignmentCost, AssignmentWorkspace } from '../numerics/linearAssignment.ts';
import { Random } from '../data/random.ts';

function bruteMin(cost: number[], n: number): number {
  let best = Infinity;
  const perm = Array.from({ length: n }, (_, i) => i);
  const rec = (k: number) => {
    if (k === n) {
      best = Math.min(best, perm.reduce((s, c, r) => s + cost[r * n + c], 0));
      return;
    }
    for (let i = k; i < n; i++) {
      [perm[k], perm[i]] = [perm[i], perm[k]];
      rec(k + 1);
      [perm[k], perm[i]] = [perm[i], perm[k]];
    }
  };
  rec(0);
  return best;
}

describe('solveSquareAssignment', () => {
  it('solves a textbook example', () => {
    // rows = workers, columns = jobs; optimum 1 + 2 + 2 = 5... (classic 3x3 example)
    const c = [4, 1, 3, 2, 0, 5, 3, 2, 2];
    const a = solveSquareAssignment(c, 3);
    expect(Array.from(a)).toEqual([1, 0, 2]);
    expect(assignmentCost(c, 3, a)).toBe(5);
  });
  it('finds the optimum of random matrices (sizes 1..7, both code paths) and is a permutation', () => {
    const rng = new Random(9);
    const ws = new AssignmentWorkspace(8);
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + (trial % 7);
      const c = Array.from({ length: n * n }, () => Math.round(rng.range(-50, 100)));
      const a = solveSquareAssignment(c, n, undefined, ws);
      expect(new Set(a).size).toBe(n);
      expect(assignmentCost(c, n, a)).toBe(bruteMin(c, n));
    }
  });
  it('rejects non-finite costs and short matrices', () => {
    expect(() => solveSquareAssignment([0, NaN, 1, 2], 2)).toThrow(/not finite/);
    expect(() => solveSquareAssignment([0, 1, 2, 3, 4, 5, 6, 7, Infinity, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24], 5)).toThrow(/not finite/);
    expect(() => solveSquareAssignment([1, 2, 3], 2)).toThrow(/need 4/);
    expect(solveSquareAssignment([], 0).length).toBe(0);
  });
});
