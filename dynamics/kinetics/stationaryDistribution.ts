/**
 * The stationary distribution of a transition matrix, where it is defined.
 *
 * A (possibly non-reversible, possibly reducible) chain has a unique stationary distribution when it
 * has exactly one closed communicating class; the distribution is then supported on that class
 * (transient states get 0). With several closed classes (e.g. two absorbing configurations) the
 * long-time behaviour depends on where the particle starts and no single distribution exists; we
 * say so instead of picking one. States whose row is unknown (never observed leaving) are treated as
 * transient, and the note says so.
 */
import { Matrix, solve } from 'ml-matrix';
import { closedSets } from './connectedSets.ts';

/** Stationary distribution with the reason it is (or is not) defined. */
export interface StationaryResult {
  /** pi (sums to 1, zeros off the closed class), or null when not unique. */
  distribution: number[] | null;
  /** Closed (recurrent) sets of the matrix. */
  closedSets: number[][];
  /** Plain-words explanation ('' when unique and every row is known). */
  note: string;
}

/**
 * Stationary distribution pi = pi P on the unique closed class, by solving the linear system
 * pi (P_S - I) = 0, sum(pi) = 1 restricted to that class (ml-matrix LU solve).
 *
 * @param P transition matrix (n x n), NaN rows = unknown
 * @param names state names for the note (default the indices)
 */
export function stationaryDistribution(P: number[][], names?: readonly string[]): StationaryResult {
  const n = P.length;
  const label = (i: number) => names?.[i] ?? String(i);
  const closed = closedSets(P);
  const unknown = P.map((r, i) => (r.every((v) => Number.isNaN(v)) ? i : -1)).filter((i) => i >= 0);
  const unknownNote = unknown.length
    ? `assumes ${unknown.map(label).join(', ')} (never observed leaving at this lag) ${unknown.length === 1 ? 'is' : 'are'} transient`
    : '';
  if (closed.length !== 1) {
    const why = closed.length === 0
      ? 'no closed set of states: every observed state can leave into a state whose row is unknown'
      : `${closed.length} closed sets (${closed.map((s) => `{${s.map(label).join(', ')}}`).join(' ')}): the long-time state depends on the starting state`;
    return { distribution: null, closedSets: closed, note: `not unique: ${why}` };
  }
  const S = closed[0];
  const m = S.length;
  const pi = new Array<number>(n).fill(0);
  if (m === 1) {
    pi[S[0]] = 1;
  } else {
    // rows of A: (P_S^T - I), last equation replaced by normalisation
    const A = Matrix.zeros(m, m);
    const b = Matrix.zeros(m, 1);
    for (let a = 0; a < m; a++) for (let c = 0; c < m; c++) A.set(a, c, P[S[c]][S[a]] - (a === c ? 1 : 0));
    for (let c = 0; c < m; c++) A.set(m - 1, c, 1);
    b.set(m - 1, 0, 1);
    const x = solve(A, b);
    let sum = 0;
    for (let a = 0; a < m; a++) sum += Math.max(0, x.get(a, 0));
    for (let a = 0; a < m; a++) pi[S[a]] = Math.max(0, x.get(a, 0)) / sum;
  }
  return { distribution: pi, closedSets: closed, note: unknownNote };
}
