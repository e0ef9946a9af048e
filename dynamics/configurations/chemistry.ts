/**
 * Chemistry of a frame's atoms: a bond graph (graphology) from element-pair distance cut-offs,
 * coordination numbers, ring sizes, and the dopant complexes with their formulas.
 *
 * A complex is a connected cluster of dopant atoms (any element other than the host, e.g. Si in
 * graphene) together with every host atom bonded to any of them; its formula lists the dopants and
 * then the host, each with its count: a substitutional Si is `Si1C3`, Si in a divacancy `Si1C4`, a
 * Si dimer `Si2C6` (the naming of Ramasse et al., Nano Lett. 13, 4989 (2013) and the LibraryNet
 * labels of Ziatdinov et al.). Clusters are joined through dopant-dopant bonds and through host
 * atoms bonded to two dopants (a shared C makes one complex).
 *
 * Distances are in pm; atom positions are converted with the pixel size.
 */
import { UndirectedGraph } from 'graphology';
type Graph = UndirectedGraph;
import { SpatialGrid } from '../../numerics/spatialGrid.ts';

/** Maximum bonded distance (pm) per unordered element pair, keyed `A-B` with A <= B. */
export type BondCutoffs = Map<string, number>;

/** Key of an unordered element pair. */
export function pairKey(a: string, b: string): string {
  return a <= b ? `${a}-${b}` : `${b}-${a}`;
}

/**
 * Default cut-offs for Si in graphene (pm): C-C 180 (bond 142; second neighbours at 246), Si-C 215
 * (projected bonds 155-195: Si-C3 is buckled and short, Si-C4 planar and about 190), Si-Si 240
 * (dimer bonds 220-235; two Si across a hexagon are 246 apart and are joined through their shared C
 * instead).
 */
export function grapheneSiCutoffs(): BondCutoffs {
  return new Map([
    ['C-C', 180],
    ['C-Si', 215],
    ['Si-Si', 240],
  ]);
}

/**
 * Cut-offs from a model card's bond lengths, when it has them. Accepted keys: `bondLengths`,
 * `bond_lengths`, `bondLengthsPm`, `bonds`; each entry `'A-B'` is a length L in pm (cut-off 1.25 L),
 * a range `[lo, hi]` or `{min, max}` (cut-off 1.1 hi), or `{cutoff}` (used as is). Species names
 * in keys are mapped to elements through `species` (name -> element) when given.
 *
 * @returns the cut-offs, or null when the card has no bond lengths
 */
export function cutoffsFromCard(card: unknown, species: Record<string, string> = {}): BondCutoffs | null {
  if (!card || typeof card !== 'object') return null;
  const c = card as Record<string, unknown>;
  const table = (c.bondLengths ?? c.bond_lengths ?? c.bondLengthsPm ?? c.bonds) as Record<string, unknown> | undefined;
  if (!table || typeof table !== 'object' || Array.isArray(table)) return null;
  const out: BondCutoffs = new Map();
  for (const [key, v] of Object.entries(table)) {
    const parts = key.split(/[-–]/).map((s) => s.trim());
    if (parts.length !== 2) continue;
    const [a, b] = parts.map((p) => species[p] ?? p);
    let cut: number | null = null;
    if (typeof v === 'number') cut = 1.25 * v;
    else if (Array.isArray(v) && v.length === 2 && typeof v[1] === 'number') cut = 1.1 * v[1];
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.cutoff === 'number') cut = o.cutoff;
      else if (typeof o.max === 'number') cut = 1.1 * o.max;
      else if (typeof o.length === 'number') cut = 1.25 * o.length;
    }
    if (cut !== null && cut > 0) out.set(pairKey(a, b), cut);
  }
  return out.size ? out : null;
}

/** An atom as chemistry sees it. */
export interface ChemAtom {
  /** Position in pm. */
  xPm: number;
  yPm: number;
  /** Element ('C', 'Si', ...). */
  element: string;
}

/** One dopant complex of a frame. */
export interface Complex {
  /** Id within the frame, 0-based, in order of each complex's first atom. */
  id: number;
  /** Indices (into the frame's atom list) of its atoms, ascending. */
  atoms: number[];
  /** Formula, e.g. 'Si1C3'. */
  formula: string;
  /** Element -> count. */
  composition: Record<string, number>;
}

/** Result of {@link analyseFrame}. */
export interface FrameChemistry {
  /** The bond graph: nodes are atom indices as strings ('0', '1', ...) with attributes element, xPm, yPm; edges carry `length` (pm). */
  graph: Graph;
  /** Bonds per atom (coordination number). */
  coordination: Int32Array;
  /** Complex id of each atom, -1 outside any complex. */
  complexOf: Int32Array;
  /** The complexes. */
  complexes: Complex[];
  /** The host element (most common in the frame, ties by name). */
  host: string;
}

/**
 * Bonds between atoms closer than their pair's cut-off. Pairs without a cut-off are never bonded.
 * @returns [i, j, length pm] with i < j
 */
export function findBonds(atoms: ChemAtom[], cutoffs: BondCutoffs): Array<[number, number, number]> {
  let maxCut = 0;
  for (const v of cutoffs.values()) maxCut = Math.max(maxCut, v);
  if (atoms.length === 0 || maxCut === 0) return [];
  const grid = new SpatialGrid(atoms.map((a) => a.xPm), atoms.map((a) => a.yPm), maxCut);
  const out: Array<[number, number, number]> = [];
  for (let i = 0; i < atoms.length; i++) {
    for (const { index: j, d2 } of grid.within(atoms[i].xPm, atoms[i].yPm, maxCut, i)) {
      if (j <= i) continue;
      const cut = cutoffs.get(pairKey(atoms[i].element, atoms[j].element));
      if (cut !== undefined && d2 <= cut * cut) out.push([i, j, Math.sqrt(d2)]);
    }
  }
  return out;
}

/** The most common element (ties broken by name), or '' for no atoms; reads only each atom's `element`. */
export function hostElement<A extends Pick<ChemAtom, 'element'>>(atoms: Iterable<A>): string {
  const counts = new Map<string, number>();
  for (const a of atoms) counts.set(a.element, (counts.get(a.element) ?? 0) + 1);
  let best = '';
  let n = -1;
  for (const [e, c] of [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (c > n) {
      n = c;
      best = e;
    }
  }
  return best;
}

/**
 * Formula of a composition: dopant elements alphabetically, then the host, each with its count
 * (`Si1C3`, `Si2C6`).
 */
export function formulaOf(composition: Record<string, number>, host: string | readonly string[]): string {
  const hosts = typeof host === 'string' ? [host] : host;
  const dopants = Object.keys(composition).filter((e) => !hosts.includes(e)).sort();
  const parts = dopants.map((e) => `${e}${composition[e]}`);
  for (const h of hosts) if (composition[h]) parts.push(`${h}${composition[h]}`);
  return parts.join('');
}

/**
 * The dopant complexes of one frame without the bond graph (what the classification needs; no
 * graph objects, so a long movie's frames cost little memory): the non-host atoms and the host atoms
 * bonded to them, joined by bonds that involve a non-host atom, as connected components (union-find).
 * Components are numbered by their smallest atom index, members ascending: the same complexes, in the
 * same order, as {@link analyseFrame}'s.
 * @param atoms positions in pm with elements
 * @param cutoffs bond cut-offs (pm) per element pair
 * @param host as {@link analyseFrame}'s
 * @param bonds the frame's bonds when already found (default {@link findBonds})
 * @returns each atom's complex id (-1 outside any complex), the complexes and the (first) host element
 */
export function frameComplexes(
  atoms: ChemAtom[],
  cutoffs: BondCutoffs,
  host?: string | readonly string[],
  bonds: Array<[number, number, number]> = findBonds(atoms, cutoffs),
): { complexOf: Int32Array; complexes: Complex[]; host: string } {
  const hosts: readonly string[] = host === undefined ? [hostElement(atoms)] : typeof host === 'string' ? [host] : host;
  const n = atoms.length;
  const isHost = new Uint8Array(n);
  for (let i = 0; i < n; i++) isHost[i] = hosts.includes(atoms[i].element) ? 1 : 0;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const member = new Uint8Array(n); // in a complex: a non-host atom, or a host atom bonded to one
  for (let i = 0; i < n; i++) if (!isHost[i]) member[i] = 1;
  for (const [i, j] of bonds) {
    if (isHost[i] && isHost[j]) continue;
    member[i] = member[j] = 1;
    const ri = find(i), rj = find(j);
    if (ri !== rj) parent[Math.max(ri, rj)] = Math.min(ri, rj);
  }
  const complexOf = new Int32Array(n).fill(-1);
  const idOfRoot = new Map<number, number>();
  const groups: number[][] = [];
  for (let i = 0; i < n; i++) {
    if (!member[i]) continue;
    const r = find(i);
    let id = idOfRoot.get(r);
    if (id === undefined) {
      id = groups.length;
      idOfRoot.set(r, id);
      groups.push([]);
    }
    groups[id].push(i);
    complexOf[i] = id;
  }
  const complexes: Complex[] = groups.map((members, id) => {
    const composition: Record<string, number> = {};
    for (const i of members) composition[atoms[i].element] = (composition[atoms[i].element] ?? 0) + 1;
    return { id, atoms: members, composition, formula: formulaOf(composition, hosts) };
  });
  return { complexOf, complexes, host: hosts[0] ?? '' };
}

/**
 * Bond graph, coordination numbers and dopant complexes ({@link frameComplexes}) of one frame.
 * @param atoms positions in pm with elements
 * @param cutoffs bond cut-offs (pm) per element pair
 * @param host the host element; default: the most common element of the frame. When the frame
 *   holds only a few atoms (e.g. coordinates of the defect alone), pass it explicitly. A compound
 *   lattice (MX2: metal and chalcogen) passes all its host elements, so that no complex (and no
 *   formula) spans the whole lattice; `host` in the result is then the first.
 */
export function analyseFrame(atoms: ChemAtom[], cutoffs: BondCutoffs, host?: string | readonly string[]): FrameChemistry {
  const hosts: readonly string[] = host === undefined ? [hostElement(atoms)] : typeof host === 'string' ? [host] : host;
  const h = hosts[0] ?? '';
  const graph = new UndirectedGraph({ allowSelfLoops: false });
  atoms.forEach((a, i) => graph.addNode(String(i), { element: a.element, xPm: a.xPm, yPm: a.yPm }));
  const bonds = findBonds(atoms, cutoffs);
  for (const [i, j, len] of bonds) graph.addEdge(String(i), String(j), { length: len });
  const coordination = new Int32Array(atoms.length);
  for (let i = 0; i < atoms.length; i++) coordination[i] = graph.degree(String(i));
  const { complexOf, complexes } = frameComplexes(atoms, cutoffs, hosts, bonds);
  return { graph, coordination, complexOf, complexes, host: h };
}

/**
 * Sizes of the rings around an atom: for each pair of angularly adjacent bonds (neighbours sorted by
 * angle around the atom), the smallest ring through that angle, i.e. the shortest path between the
 * two neighbours that avoids the atom, plus the atom. Pristine graphene gives [6, 6, 6]; the Si of a
 * Si-C4 in a divacancy [5, 5, 6, 6]. Rings larger than `maxSize` are left out; an atom with fewer
 * than two bonds has none.
 *
 * @param node atom index (graph node key `String(node)`, with xPm/yPm attributes)
 * @returns sizes, ascending
 */
export function ringSizes(graph: Graph, node: number, maxSize = 12): number[] {
  const key = String(node);
  if (!graph.hasNode(key)) return [];
  const x0 = graph.getNodeAttribute(key, 'xPm') as number;
  const y0 = graph.getNodeAttribute(key, 'yPm') as number;
  const nbs = graph
    .neighbors(key)
    .map((n) => ({ n, a: Math.atan2((graph.getNodeAttribute(n, 'yPm') as number) - y0, (graph.getNodeAttribute(n, 'xPm') as number) - x0) }))
    .sort((p, q) => p.a - q.a)
    .map((p) => p.n);
  if (nbs.length < 2) return [];
  const pairs = nbs.length === 2 ? [[nbs[0], nbs[1]]] : nbs.map((n, i) => [n, nbs[(i + 1) % nbs.length]]);
  const out: number[] = [];
  for (const [u, v] of pairs) {
    const path = shortestPathAvoiding(graph, u, v, key, maxSize - 1);
    if (path) out.push(path.length + 1);
  }
  return out.sort((a, b) => a - b);
}

/** Shortest path from a to b (BFS) not passing through `avoid`, as a node list a..b of at most maxNodes nodes, or null. */
function shortestPathAvoiding(graph: Graph, a: string, b: string, avoid: string, maxNodes: number): string[] | null {
  const prev = new Map<string, string>([[a, '']]);
  let frontier = [a];
  for (let depth = 1; depth < maxNodes && frontier.length; depth++) {
    const next: string[] = [];
    for (const u of frontier) {
      for (const v of graph.neighbors(u)) {
        if (v === avoid || prev.has(v)) continue;
        prev.set(v, u);
        if (v === b) {
          const path = [b];
          let w = u;
          while (w !== '') {
            path.push(w);
            w = prev.get(w)!;
          }
          return path.reverse();
        }
        next.push(v);
      }
    }
    frontier = next;
  }
  return null;
}
