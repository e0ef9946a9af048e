/**
 * Minimum-cost perfect matching of a square cost matrix (the assignment problem), by the Hungarian
 * method in its O(n³) shortest-augmenting-path form with row/column potentials (Kuhn, Naval Res.
 * Logist. Q. 2, 83 (1955); Munkres, J. SIAM 5, 32 (1957); the potentials formulation of Jonker &
 * Volgenant, Computing 38, 325 (1987)). Used to order the neighbours of a configuration against a
 * template so that the same physical neighbour lands in the same slot of the descriptor.
 *
 * Sized for the small matrices of neighbour matching (n up to a few tens); allocation-free when a
 * {@link HungarianWorkspace} is reused.
 */
import { AssignmentWorkspace, solveAssignment as solveDense } from './linearAssignment.ts';

/** Scratch arrays for {@link solveAssignment}; reuse one per thread for many small problems. */
export class HungarianWorkspace extends AssignmentWorkspace {}

/**
 * Solve the square assignment problem: find the permutation `assignment` (row i -> column
 * assignment[i]) minimising `sum_i cost[i * n + assignment[i]]`. Matrices up to 4 x 4 are solved by
 * enumeration; larger ones by the project's one dense solver (numerics/linearAssignment.ts).
 *
 * @param cost row-major `[n * n]` costs (finite numbers; any sign)
 * @param n matrix size (>= 0)
 * @param out optional Int32Array of length >= n receiving the assignment
 * @param ws optional workspace of capacity >= n (avoids allocation in hot loops)
 * @returns the assignment (row -> column), `out` when given
 * @throws RangeError when `cost.length < n * n`, or when a cost is not finite
 */
export function solveAssignment(cost: ArrayLike<number>, n: number, out?: Int32Array, ws?: HungarianWorkspace): Int32Array {
  if (cost.length < n * n) throw new RangeError(`cost matrix has ${cost.length} entries, need ${n * n}`);
  const result = out ?? new Int32Array(n);
  if (n === 0) return result;
  if (n <= SMALL) return bruteForce(cost, n, result);
  for (let i = 0; i < n * n; i++) if (!Number.isFinite(cost[i])) throw new RangeError(`cost[${Math.floor(i / n)}][${i % n}] is not finite`);
  return solveDense(cost, n, n, ws, result);
}

/** Matrices up to this size are solved by enumerating permutations (faster than the general method). */
const SMALL = 4;
const PERMS: Int8Array[] = [];
for (let n = 0; n <= SMALL; n++) {
  const list: number[] = [];
  const rec = (prefix: number[], rest: number[]): void => {
    if (rest.length === 0) {
      list.push(...prefix);
      return;
    }
    for (let i = 0; i < rest.length; i++) rec([...prefix, rest[i]], [...rest.slice(0, i), ...rest.slice(i + 1)]);
  };
  rec([], Array.from({ length: n }, (_, i) => i));
  PERMS.push(Int8Array.from(list));
}

function bruteForce(cost: ArrayLike<number>, n: number, result: Int32Array): Int32Array {
  for (let i = 0; i < n * n; i++) if (!Number.isFinite(cost[i])) throw new RangeError(`cost[${Math.floor(i / n)}][${i % n}] is not finite`);
  const perms = PERMS[n];
  let best = Infinity;
  let bestAt = 0;
  for (let p = 0; p < perms.length; p += n) {
    let s = 0;
    for (let i = 0; i < n; i++) s += cost[i * n + perms[p + i]];
    if (s < best) {
      best = s;
      bestAt = p;
    }
  }
  for (let i = 0; i < n; i++) result[i] = perms[bestAt + i];
  return result;
}

/** Total cost of an assignment (row -> column) on a row-major `[n * n]` cost matrix. */
export function assignmentCost(cost: ArrayLike<number>, n: number, assignment: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += cost[i * n + assignment[i]];
  return s;
}
