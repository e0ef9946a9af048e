/**
 * Strongly connected sets of a count or transition matrix (Tarjan, SIAM J. Comput. 1, 146 (1972)),
 * and the closed ones among them. States i -> j are linked when entry (i, j) exceeds a threshold.
 * atomdyn reports these sets instead of silently dropping states outside the largest one: one-way
 * kinetics (Si-C3 -> Si-C4 under the beam) make several sets the normal case, not an error.
 */

/**
 * Strongly connected components of the directed graph with an edge i -> j where M[i][j] > threshold
 * (NaN entries are no edge). Iterative Tarjan, O(n^2) on a dense matrix.
 *
 * @param M square matrix (counts or probabilities)
 * @param threshold edge when the entry is strictly greater (default 0)
 * @returns sets of state indices, each sorted ascending; sets sorted by size (largest first), then
 *   by their smallest index, as deeptime's connected_sets
 */
export function stronglyConnectedSets(M: ArrayLike<number>[], threshold = 0): number[][] {
  const n = M.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  const edge = (i: number, j: number) => M[i][j] > threshold;
  for (let root = 0; root < n; root++) {
    if (index[root] >= 0) continue;
    // call stack of (node, next neighbour to examine)
    const call: Array<[number, number]> = [[root, 0]];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (call.length) {
      const frame = call[call.length - 1];
      const v = frame[0];
      let descended = false;
      while (frame[1] < n) {
        const w = frame[1]++;
        if (!edge(v, w)) continue;
        if (index[w] < 0) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          call.push([w, 0]);
          descended = true;
          break;
        } else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
      }
      if (descended) continue;
      if (low[v] === index[v]) {
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          comp.push(w);
        } while (w !== v);
        out.push(comp.sort((a, b) => a - b));
      }
      call.pop();
      if (call.length) {
        const parent = call[call.length - 1][0];
        low[parent] = Math.min(low[parent], low[v]);
      }
    }
  }
  return out.sort((a, b) => b.length - a.length || a[0] - b[0]);
}

/**
 * The closed (recurrent) sets: strongly connected sets with no edge leaving them. A state whose
 * row is unknown (all NaN: never observed leaving) is not closed, and an edge into such a state
 * counts as leaving.
 *
 * @param M square matrix (transition probabilities; NaN rows = unknown)
 * @param threshold edge when the entry is strictly greater (default 0)
 * @returns closed sets, in the order of {@link stronglyConnectedSets}
 */
export function closedSets(M: ArrayLike<number>[], threshold = 0): number[][] {
  const n = M.length;
  const unknown = Array.from({ length: n }, (_, i) => Array.from(M[i]).every((v) => Number.isNaN(v)));
  return stronglyConnectedSets(M, threshold).filter((set) => {
    if (set.some((i) => unknown[i])) return false;
    const inSet = new Set(set);
    for (const i of set) for (let j = 0; j < n; j++) if (!inSet.has(j) && M[i][j] > threshold) return false;
    // a singleton without a self-loop and without exits is a state with an unknown/empty row
    if (set.length === 1 && !(M[set[0]][set[0]] > threshold)) return false;
    return true;
  });
}
