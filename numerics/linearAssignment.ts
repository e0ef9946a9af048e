/**
 * Linear assignment: give each row at most one column (and each column at most one row) so that the
 * total cost is minimal.
 *
 * {@link solveAssignment} is the shortest-augmenting-path algorithm of Jonker & Volgenant
 * ("A shortest augmenting path algorithm for dense and sparse linear assignment problems",
 * Computing 38, 325 (1987)), in the compact dual-potential (Hungarian) form: rows are added one at a
 * time, each by a Dijkstra search for the cheapest augmenting path on reduced costs, after a
 * column-reduction start. O(n^2 m) for n rows and m >= n columns; forbidden pairs are `Infinity`.
 *
 * {@link solveSquareAssignment} is the same problem for the small square matrices of neighbour matching
 * (Kuhn, Naval Res. Logist. Q. 2, 83 (1955); Munkres, J. SIAM 5, 32 (1957)): up to 4 x 4 by enumeration.
 *
 * {@link solveSparseAssignment} solves the problem trackers need: sparse candidate pairs, every row
 * and column may stay unassigned at a stated cost. It splits the candidate graph into connected
 * components (sub-networks, as trackpy does) and solves each exactly on a square matrix augmented
 * with "unassigned" dummies (the construction of Jaqaman et al., Nat. Methods 5, 695 (2008)).
 */

/** Scratch arrays for {@link solveAssignment}; reuse one per thread for many small problems. */
export class AssignmentWorkspace {
  /** Largest number of columns this workspace holds. */
  readonly capacity: number;
  readonly u: Float64Array;
  readonly v: Float64Array;
  readonly p: Int32Array;
  readonly way: Int32Array;
  readonly minv: Float64Array;
  readonly used: Uint8Array;

  /** @param capacity the largest number of columns (and rows) that will be solved */
  constructor(capacity: number) {
    this.capacity = capacity;
    this.u = new Float64Array(capacity + 1);
    this.v = new Float64Array(capacity + 1);
    this.p = new Int32Array(capacity + 1);
    this.way = new Int32Array(capacity + 1);
    this.minv = new Float64Array(capacity + 1);
    this.used = new Uint8Array(capacity + 1);
  }
}

/**
 * Minimum-cost assignment of every row to a distinct column, for a dense row-major cost matrix with
 * nRows <= nCols. Entries may be `Infinity` (forbidden).
 *
 * @param cost [nRows * nCols], row-major
 * @param ws optional workspace of capacity >= nCols (no allocation in hot loops)
 * @param out optional Int32Array of length >= nRows receiving rowToCol
 * @returns rowToCol (Int32Array of length nRows, or `out`)
 * @throws RangeError when nRows > nCols, the matrix has the wrong size, holds NaN or -Infinity, or
 *   no assignment avoids every forbidden pair
 */
export function solveAssignment(cost: ArrayLike<number>, nRows: number, nCols: number, ws?: AssignmentWorkspace, out?: Int32Array): Int32Array {
  if (cost.length < nRows * nCols || (!ws && !out && cost.length !== nRows * nCols)) throw new RangeError(`solveAssignment: cost has ${cost.length} entries, expected ${nRows}x${nCols}`);
  if (nRows > nCols) throw new RangeError(`solveAssignment: more rows (${nRows}) than columns (${nCols}); transpose the problem`);
  for (let i = 0; i < nRows * nCols; i++) {
    const c = cost[i];
    if (c !== c || c === -Infinity) throw new RangeError(`solveAssignment: cost entry ${i} is ${c}`);
  }
  const n = nRows;
  const m = nCols;
  const rowToCol = out ?? new Int32Array(n);
  rowToCol.fill(-1, 0, n);
  if (n === 0) return rowToCol;
  // 1-based arrays as in the classical formulation; column 0 is the virtual start
  const w = ws && ws.capacity >= m ? ws : new AssignmentWorkspace(m);
  const { u, v, p, way, minv, used } = w;
  u.fill(0, 0, n + 1);
  p.fill(0, 0, m + 1); // p[j] = row assigned to column j (1-based), 0 = free
  way.fill(0, 0, m + 1);
  // Jonker-Volgenant column reduction: v[j] = min_i c[i][j] keeps every reduced cost >= 0. With more
  // columns than rows a column may stay free, which dual feasibility allows only with v[j] <= 0.
  for (let j = 1; j <= m; j++) {
    let mn = Infinity;
    for (let i = 0; i < n; i++) mn = Math.min(mn, cost[i * m + j - 1]);
    if (!Number.isFinite(mn)) mn = 0;
    v[j] = n === m ? mn : Math.min(0, mn);
  }
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity, 0, m + 1);
    used.fill(0, 0, m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = -1;
      const rowOff = (i0 - 1) * m - 1;
      const ui0 = u[i0];
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const c = cost[rowOff + j];
        if (c !== Infinity) {
          const cur = c - ui0 - v[j];
          if (cur < minv[j]) {
            minv[j] = cur;
            way[j] = j0;
          }
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      if (j1 < 0 || delta === Infinity) throw new RangeError('solveAssignment: no assignment avoids the forbidden (Infinity) pairs');
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  for (let j = 1; j <= m; j++) if (p[j]) rowToCol[p[j] - 1] = j - 1;
  return rowToCol;
}

/** Total cost of an assignment (rowToCol, -1 = none) of a dense matrix. */
export function assignmentCost(cost: ArrayLike<number>, nCols: number, rowToCol: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < rowToCol.length; i++) if (rowToCol[i] >= 0) s += cost[i * nCols + rowToCol[i]];
  return s;
}

/** A sparse assignment problem with costs for leaving rows and columns unassigned. */
export interface SparseAssignmentProblem {
  nRows: number;
  nCols: number;
  /** Candidate pairs: row index, column index and cost, aligned; only these pairs may be assigned. */
  edgeRow: ArrayLike<number>;
  edgeCol: ArrayLike<number>;
  edgeCost: ArrayLike<number>;
  /** Cost of leaving row i unassigned (length nRows). */
  rowUnassignedCost: ArrayLike<number>;
  /** Cost of leaving column j unassigned (length nCols); default 0 for every column. */
  colUnassignedCost?: ArrayLike<number>;
}

/** Settings for {@link solveSparseAssignment}. */
export interface SparseAssignmentOptions {
  /**
   * Largest sub-network (rows + columns) solved exactly; larger ones throw, because the dense
   * solve is cubic in size. Default 2000.
   */
  maxSubnetSize?: number;
}

/** Error thrown when a sub-network exceeds maxSubnetSize. */
export class SubnetOversizeError extends RangeError {
  constructor(readonly size: number, readonly limit: number) {
    super(`a linking sub-network has ${size} candidates (limit ${limit}); use a smaller search range`);
    this.name = 'SubnetOversizeError';
  }
}

function find(parent: Int32Array, a: number): number {
  while (parent[a] !== a) {
    parent[a] = parent[parent[a]];
    a = parent[a];
  }
  return a;
}

/**
 * Solve a sparse assignment problem exactly, sub-network by sub-network.
 *
 * Minimises sum(cost of assigned pairs) + sum(rowUnassignedCost of unassigned rows)
 * + sum(colUnassignedCost of unassigned columns). Each connected component of the candidate graph
 * is solved on a square matrix of size rows + columns: [real pairs | row i unassigned on the
 * diagonal; column j unassigned on the diagonal | 0] (Jaqaman et al. 2008), with {@link solveAssignment}.
 * Components of one row and one column are decided directly (assigned when the pair costs no more
 * than leaving both unassigned).
 *
 * @returns rowToCol (Int32Array, -1 = unassigned)
 * @throws RangeError on inconsistent arrays; SubnetOversizeError when a component is too large
 */
export function solveSparseAssignment(problem: SparseAssignmentProblem, opts: SparseAssignmentOptions = {}): Int32Array {
  const { nRows, nCols, edgeRow, edgeCol, edgeCost, rowUnassignedCost } = problem;
  const colCost = problem.colUnassignedCost;
  const nEdges = edgeRow.length;
  if (edgeCol.length !== nEdges || edgeCost.length !== nEdges) throw new RangeError('solveSparseAssignment: edge arrays differ in length');
  if (rowUnassignedCost.length !== nRows) throw new RangeError('solveSparseAssignment: rowUnassignedCost must have nRows entries');
  if (colCost && colCost.length !== nCols) throw new RangeError('solveSparseAssignment: colUnassignedCost must have nCols entries');
  const limit = opts.maxSubnetSize ?? 2000;
  const rowToCol = new Int32Array(nRows).fill(-1);
  const parent = new Int32Array(nRows + nCols);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  for (let e = 0; e < nEdges; e++) {
    const r = edgeRow[e];
    const c = edgeCol[e];
    if (r < 0 || r >= nRows || c < 0 || c >= nCols) throw new RangeError(`solveSparseAssignment: edge ${e} (${r}, ${c}) out of range`);
    const a = find(parent, r);
    const b = find(parent, nRows + c);
    if (a !== b) parent[a] = b;
  }
  // group edges by component root
  const compOfEdge = new Int32Array(nEdges);
  const edgeCount = new Map<number, number>();
  for (let e = 0; e < nEdges; e++) {
    const root = find(parent, edgeRow[e]);
    compOfEdge[e] = root;
    edgeCount.set(root, (edgeCount.get(root) ?? 0) + 1);
  }
  const edgesByComp = new Map<number, number[]>();
  for (let e = 0; e < nEdges; e++) {
    const root = compOfEdge[e];
    let list = edgesByComp.get(root);
    if (!list) edgesByComp.set(root, (list = []));
    list.push(e);
  }
  const localRow = new Int32Array(nRows).fill(-1);
  const localCol = new Int32Array(nCols).fill(-1);
  for (const edges of edgesByComp.values()) {
    const rows: number[] = [];
    const cols: number[] = [];
    for (const e of edges) {
      const r = edgeRow[e];
      const c = edgeCol[e];
      if (localRow[r] < 0) {
        localRow[r] = rows.length;
        rows.push(r);
      }
      if (localCol[c] < 0) {
        localCol[c] = cols.length;
        cols.push(c);
      }
    }
    const nr = rows.length;
    const nc = cols.length;
    if (nr === 1 && nc === 1) {
      let best = Infinity;
      for (const e of edges) best = Math.min(best, edgeCost[e]);
      if (best <= rowUnassignedCost[rows[0]] + (colCost ? colCost[cols[0]] : 0)) rowToCol[rows[0]] = cols[0];
    } else {
      const size = nr + nc;
      if (size > limit) throw new SubnetOversizeError(size, limit);
      const mat = new Float64Array(size * size).fill(Infinity);
      for (const e of edges) {
        const k = localRow[edgeRow[e]] * size + localCol[edgeCol[e]];
        if (edgeCost[e] < mat[k]) mat[k] = edgeCost[e];
      }
      for (let i = 0; i < nr; i++) mat[i * size + nc + i] = rowUnassignedCost[rows[i]];
      for (let j = 0; j < nc; j++) mat[(nr + j) * size + j] = colCost ? colCost[cols[j]] : 0;
      // dummy-dummy block: allowed where the transposed real pair is a candidate (keeps the problem
      // feasible and sparse, Jaqaman et al.)
      for (const e of edges) mat[(nr + localCol[edgeCol[e]]) * size + nc + localRow[edgeRow[e]]] = 0;
      const sol = solveAssignment(mat, size, size);
      for (let i = 0; i < nr; i++) if (sol[i] < nc) rowToCol[rows[i]] = cols[sol[i]];
    }
    for (const r of rows) localRow[r] = -1;
    for (const c of cols) localCol[c] = -1;
  }
  return rowToCol;
}

/**
 * Solve the square assignment problem: find the permutation `assignment` (row i -> column
 * assignment[i]) minimising `sum_i cost[i * n + assignment[i]]`. Matrices up to 4 x 4 are solved by
 * enumeration; larger ones by {@link solveAssignment}. Used to order the neighbours of a configuration
 * against a template so that the same physical neighbour lands in the same slot of the descriptor.
 *
 * @param cost row-major `[n * n]` costs (finite numbers; any sign)
 * @param n matrix size (>= 0)
 * @param out optional Int32Array of length >= n receiving the assignment
 * @param ws optional workspace of capacity >= n (avoids allocation in hot loops)
 * @returns the assignment (row -> column), `out` when given
 * @throws RangeError when `cost.length < n * n`, or when a cost is not finite
 */
export function solveSquareAssignment(cost: ArrayLike<number>, n: number, out?: Int32Array, ws?: AssignmentWorkspace): Int32Array {
  if (cost.length < n * n) throw new RangeError(`cost matrix has ${cost.length} entries, need ${n * n}`);
  const result = out ?? new Int32Array(n);
  if (n === 0) return result;
  if (n <= SMALL) return bruteForce(cost, n, result);
  for (let i = 0; i < n * n; i++) if (!Number.isFinite(cost[i])) throw new RangeError(`cost[${Math.floor(i / n)}][${i % n}] is not finite`);
  return solveAssignment(cost, n, n, ws, result);
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
