import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { nonReversibleMle, reversibleMle, matPow } from '../dynamics/kinetics/transitionMatrix.ts';
import { stronglyConnectedSets, closedSets } from '../dynamics/kinetics/connectedSets.ts';

// test/reference/reversible_mle.json is written by test/reference/reversible_mle.py (numpy/scipy):
// the Prinz et al. fixed point and a direct scipy maximisation of the reversible likelihood agree there.
const ref = JSON.parse(readFileSync(new URL('./reference/reversible_mle.json', import.meta.url), 'utf8')) as {
  cases: Array<{ counts: number[][]; matrix: number[][]; stationary: number[] }>;
};

describe('nonReversibleMle', () => {
  it('row-normalises counts and keeps one-way transitions; rows without counts are unknown', () => {
    // deeptime transition_matrix docstring: C = [[10,1,1],[2,0,3],[0,1,4]] -> [[.833,.083,.083],[.4,0,.6],[0,.2,.8]]
    const P = nonReversibleMle([[10, 1, 1], [2, 0, 3], [0, 1, 4]]);
    expect(P[0].map((v) => +v.toFixed(3))).toEqual([0.833, 0.083, 0.083]);
    expect(P[1]).toEqual([0.4, 0, 0.6]);
    expect(P[2]).toEqual([0, 0.2, 0.8]);
    const oneWay = nonReversibleMle([[3, 1, 0], [0, 5, 0], [0, 0, 0]]);
    expect(oneWay[0]).toEqual([0.75, 0.25, 0]);
    expect(oneWay[1]).toEqual([0, 1, 0]);
    expect(oneWay[2].every(Number.isNaN)).toBe(true);
  });
});

describe('reversibleMle', () => {
  it('matches deeptime\'s documented reversible estimate of [[10,1,1],[2,0,3],[0,1,4]]', () => {
    // deeptime.markov.tools.estimation.transition_matrix(C, reversible=True), printed with precision 3
    const doc = [[0.833, 0.104, 0.063], [0.351, 0.0, 0.649], [0.049, 0.151, 0.8]];
    const { matrix } = reversibleMle([[10, 1, 1], [2, 0, 3], [0, 1, 4]]);
    matrix.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - doc[i][j])).toBeLessThanOrEqual(0.0005 + 1e-12)));
  });

  it('matches the numpy/scipy reference for [[1,2,0],[1,1,1],[1,5,10]] and other matrices to 1e-7', () => {
    for (const c of ref.cases) {
      const r = reversibleMle(c.counts);
      expect(r.converged).toBe(true);
      r.matrix.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(c.matrix[i][j], 7)));
      r.weights.forEach((w, i) => expect(w).toBeCloseTo(c.stationary[i], 7));
      // detailed balance holds
      const n = c.counts.length;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(r.weights[i] * r.matrix[i][j]).toBeCloseTo(r.weights[j] * r.matrix[j][i], 10);
    }
    expect(ref.cases[0].counts).toEqual([[1, 2, 0], [1, 1, 1], [1, 5, 10]]);
  });

  it('fits each strongly connected set alone and reports the one-way transitions it leaves out', () => {
    // Si-C3 (0) <-> (1) ; 1 -> Si-C4 (2), which never returns
    const r = reversibleMle([[4, 2, 0], [2, 3, 1], [0, 0, 6]]);
    expect(r.sets).toEqual([[0, 1], [2]]);
    expect(r.dropped).toEqual([{ from: 1, to: 2, count: 1 }]);
    expect(r.matrix[2]).toEqual([0, 0, 1]);
    expect(r.matrix[1][2]).toBe(0);
    expect(r.matrix[0][0] + r.matrix[0][1]).toBeCloseTo(1, 12);
  });
});

describe('connected sets (Tarjan)', () => {
  it('finds deeptime\'s documented sets: [[10,1,0],[2,0,3],[0,0,4]] -> [0,1], [2]', () => {
    expect(stronglyConnectedSets([[10, 1, 0], [2, 0, 3], [0, 0, 4]])).toEqual([[0, 1], [2]]);
  });

  it('agrees with a brute-force reachability closure on random sparse graphs', () => {
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(rand() * 9);
      const M = Array.from({ length: n }, () => Array.from({ length: n }, () => (rand() < 0.25 ? 1 : 0)));
      const reach = M.map((r, i) => r.map((v, j) => v > 0 || i === j));
      for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (reach[i][k] && reach[k][j]) reach[i][j] = true;
      const sets = stronglyConnectedSets(M);
      expect(sets.flat().sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
      for (const s of sets) for (const i of s) for (let j = 0; j < n; j++) expect(s.includes(j)).toBe(reach[i][j] && reach[j][i]);
    }
  });

  it('closed sets: absorbing one-way states are closed, unknown rows are not', () => {
    const P = nonReversibleMle([[3, 1, 0, 0], [0, 5, 0, 0], [1, 0, 1, 1], [0, 0, 0, 0]]);
    expect(closedSets(P)).toEqual([[1]]);
  });

  it('matPow composes steps', () => {
    const P = [[0.9, 0.1], [0.2, 0.8]];
    const P3 = matPow(P, 3);
    expect(P3[0][0]).toBeCloseTo(0.9 * (0.9 * 0.9 + 0.1 * 0.2) + 0.1 * (0.2 * 0.9 + 0.8 * 0.2), 12);
  });
});
