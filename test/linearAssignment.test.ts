import { describe, expect, it } from 'vitest';
import { assignmentCost, solveAssignment, solveSparseAssignment, SubnetOversizeError } from '../numerics/linearAssignment.ts';
import { Random } from '../data/random.ts';

/** Minimum over all injective row -> column maps, by enumeration. */
function bruteForce(cost: Float64Array, n: number, m: number): number {
  let best = Infinity;
  const used = new Uint8Array(m);
  const rec = (i: number, acc: number) => {
    if (acc >= best) return;
    if (i === n) {
      best = acc;
      return;
    }
    for (let j = 0; j < m; j++) {
      if (used[j]) continue;
      used[j] = 1;
      rec(i + 1, acc + cost[i * m + j]);
      used[j] = 0;
    }
  };
  rec(0, 0);
  return best;
}

/** Brute force for the sparse problem with unassigned costs: every row picks a candidate or none. */
function bruteForceSparse(nR: number, nC: number, edges: Array<[number, number, number]>, rowU: number[], colU: number[]): number {
  let best = Infinity;
  const usedC = new Uint8Array(nC);
  const rec = (i: number, acc: number) => {
    if (i === nR) {
      let s = acc;
      for (let j = 0; j < nC; j++) if (!usedC[j]) s += colU[j];
      best = Math.min(best, s);
      return;
    }
    rec(i + 1, acc + rowU[i]);
    for (const [r, c, w] of edges) {
      if (r !== i || usedC[c]) continue;
      usedC[c] = 1;
      rec(i + 1, acc + w);
      usedC[c] = 0;
    }
  };
  rec(0, 0);
  return best;
}

describe('solveAssignment (Jonker-Volgenant)', () => {
  it('solves a hand-checked 3x3 problem', () => {
    // rows: workers, columns: jobs; optimum 0->1, 1->0, 2->2 with cost 1 + 2 + 2 = 5
    const c = Float64Array.from([4, 1, 3, 2, 0, 5, 3, 2, 2]);
    const a = solveAssignment(c, 3, 3);
    expect(Array.from(a)).toEqual([1, 0, 2]);
    expect(assignmentCost(c, 3, a)).toBe(5);
  });

  it('matches brute force on 300 small random matrices, square and rectangular, with forbidden pairs', () => {
    const rng = new Random(42);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + rng.int(6);
      const m = n + rng.int(3);
      const c = new Float64Array(n * m);
      for (let i = 0; i < c.length; i++) c[i] = trial % 3 === 0 ? rng.int(5) : rng.uniform() * 10;
      // forbid some pairs but keep column i feasible for row i
      if (trial % 2) for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) if (j !== i && rng.uniform() < 0.3) c[i * m + j] = Infinity;
      const a = solveAssignment(c, n, m);
      expect(new Set(a).size).toBe(n);
      for (const j of a) expect(j).toBeGreaterThanOrEqual(0);
      expect(assignmentCost(c, m, a)).toBeCloseTo(bruteForce(c, n, m), 9);
    }
  });

  it('throws when no assignment avoids the forbidden pairs, or rows outnumber columns', () => {
    const c = Float64Array.from([1, Infinity, 1, Infinity]);
    expect(() => solveAssignment(c, 2, 2)).toThrow(/forbidden/);
    expect(() => solveAssignment(new Float64Array(6), 3, 2)).toThrow(/more rows/);
    expect(() => solveAssignment(Float64Array.from([NaN]), 1, 1)).toThrow(/NaN/);
  });
});

describe('solveSparseAssignment', () => {
  it('matches brute force with unassigned costs on 300 random sparse problems', () => {
    const rng = new Random(3);
    for (let trial = 0; trial < 300; trial++) {
      const nR = 1 + rng.int(5);
      const nC = 1 + rng.int(5);
      const edges: Array<[number, number, number]> = [];
      for (let i = 0; i < nR; i++) for (let j = 0; j < nC; j++) if (rng.uniform() < 0.45) edges.push([i, j, rng.uniform() * 4]);
      const rowU = Array.from({ length: nR }, () => 0.5 + rng.uniform() * 2);
      const colU = Array.from({ length: nC }, () => (trial % 2 ? rng.uniform() : 0));
      const sol = solveSparseAssignment({
        nRows: nR,
        nCols: nC,
        edgeRow: edges.map((e) => e[0]),
        edgeCol: edges.map((e) => e[1]),
        edgeCost: edges.map((e) => e[2]),
        rowUnassignedCost: rowU,
        colUnassignedCost: colU,
      });
      // the solution is feasible and optimal
      const usedC = new Set<number>();
      let total = 0;
      for (let i = 0; i < nR; i++) {
        if (sol[i] < 0) {
          total += rowU[i];
          continue;
        }
        expect(usedC.has(sol[i])).toBe(false);
        usedC.add(sol[i]);
        const e = edges.filter(([r, c]) => r === i && c === sol[i]);
        expect(e.length).toBe(1);
        total += e[0][2];
      }
      for (let j = 0; j < nC; j++) if (!usedC.has(j)) total += colU[j];
      expect(total).toBeCloseTo(bruteForceSparse(nR, nC, edges, rowU, colU), 9);
    }
  });

  it('refuses a sub-network above the size limit', () => {
    const edges = Array.from({ length: 10 }, (_, i) => i);
    expect(() =>
      solveSparseAssignment(
        { nRows: 10, nCols: 1, edgeRow: edges, edgeCol: edges.map(() => 0), edgeCost: edges.map(() => 1), rowUnassignedCost: edges.map(() => 2) },
        { maxSubnetSize: 5 },
      ),
    ).toThrow(SubnetOversizeError);
  });
});
