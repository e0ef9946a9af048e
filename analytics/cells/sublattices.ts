/**
 * Two interpenetrating sublattices found from the geometry. The atoms of, for example, a perovskite
 * seen along [001] (A columns at the cell corners, B columns at the centres) form one centred lattice;
 * its primitive basis (a, b) indexes every atom as n a + m b by walking from neighbour to neighbour,
 * and each index-2 superlattice (n even / odd, m even / odd, n + m even / odd) is a candidate split
 * into two sublattices. The split is the candidate whose two classes differ most in column intensity
 * (Welch's t statistic of the class means), so intensity only chooses among geometric partitions and
 * names the classes: a single atom that is brighter or darker than its neighbours cannot change class,
 * and a sublattice that is brighter in one layer and darker in the next (Sr vs RuO in SrRuO3 beside Pb
 * vs TiO in PbTiO3) stays one sublattice.
 */
import { SpatialGrid } from '../../numerics/spatialGrid.ts';
import { estimateLatticeBasis, norm, type LatticeBasis } from './latticeBasis.ts';

/** The result of {@link splitSublattices}. */
export interface SublatticeSplit {
  /** Per atom: 0 = the brighter sublattice (by median intensity), 1 = the other; -1 = not reached from the largest connected patch. */
  sublattice: Int8Array;
  /** Primitive basis of all atoms together. */
  basis: LatticeBasis;
  /** Welch t statistic of the chosen split (0 when no split: one sublattice). */
  contrast: number;
  /** Which index parity splits the sublattices ('n', 'm', 'n+m'), or null when the atoms form one lattice. */
  parity: 'n' | 'm' | 'n+m' | null;
  /** Neighbour links whose index disagreed with the walk (a dislocation, a wrong atom); a few are harmless. */
  conflicts: number;
}

/**
 * Index atoms on their primitive lattice by breadth-first walks over neighbour links (±a, ±b, ±(a + b),
 * ±(a - b), within 30 % of the shorter vector). Every connected patch gets its own origin.
 * @returns per-atom integer indices (NaN when isolated) and the number of conflicting links
 */
export function indexLattice(xs: ArrayLike<number>, ys: ArrayLike<number>, basis: LatticeBasis): { n: Float64Array; m: Float64Array; conflicts: number } {
  const count = xs.length;
  const tol = 0.3 * Math.min(norm(basis.a), norm(basis.b));
  const grid = new SpatialGrid(xs, ys, Math.max(tol, 1e-9));
  const n = new Float64Array(count).fill(NaN);
  const m = new Float64Array(count).fill(NaN);
  // diagonal steps too: where one sublattice is invisible (Ti beside Pb), its neighbours are a + b away
  const steps: Array<[number, number]> = [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [-1, -1], [1, -1], [-1, 1]];
  let conflicts = 0;
  for (let seed = 0; seed < count; seed++) {
    if (!Number.isNaN(n[seed])) continue;
    n[seed] = 0;
    m[seed] = 0;
    const queue = [seed];
    for (let q = 0; q < queue.length; q++) {
      const i = queue[q];
      for (const [dn, dm] of steps) {
        const hit = grid.nearestK(xs[i] + dn * basis.a[0] + dm * basis.b[0], ys[i] + dn * basis.a[1] + dm * basis.b[1], 1, tol, i);
        if (!hit.length) continue;
        const j = hit[0].index;
        if (Number.isNaN(n[j])) {
          n[j] = n[i] + dn;
          m[j] = m[i] + dm;
          queue.push(j);
        } else if (n[j] !== n[i] + dn || m[j] !== m[i] + dm) conflicts++;
      }
    }
  }
  return { n, m, conflicts: conflicts / 2 };
}

function meanVar(v: number[]): [number, number] {
  const mean = v.reduce((s, t) => s + t, 0) / v.length;
  return [mean, v.reduce((s, t) => s + (t - mean) ** 2, 0) / Math.max(1, v.length - 1)];
}

function medianOf(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : NaN;
}

/**
 * Split atoms into two sublattices from their positions, choosing among the geometric partitions by
 * intensity contrast.
 * @param xs, ys positions (any unit); intensity a per-atom column intensity (peak or integrated)
 * @param minContrast smallest Welch t that counts as two sublattices (default 5)
 * @throws Error when the atoms do not form a 2-D lattice
 */
export function splitSublattices(xs: ArrayLike<number>, ys: ArrayLike<number>, intensity: ArrayLike<number>, minContrast = 5): SublatticeSplit {
  const basis = estimateLatticeBasis(xs, ys);
  const { n, m, conflicts } = indexLattice(xs, ys, basis);
  const count = xs.length;
  const parities = { n: (i: number) => n[i], m: (i: number) => m[i], 'n+m': (i: number) => n[i] + m[i] } as const;
  let best: { parity: keyof typeof parities; t: number; cls: Int8Array } | null = null;
  for (const key of Object.keys(parities) as Array<keyof typeof parities>) {
    const cls = new Int8Array(count).fill(-1);
    const groups: number[][] = [[], []];
    for (let i = 0; i < count; i++) {
      const p = parities[key](i);
      if (Number.isNaN(p)) continue;
      cls[i] = ((p % 2) + 2) % 2;
      groups[cls[i]].push(intensity[i]);
    }
    if (groups[0].length < 2 || groups[1].length < 2) continue;
    const [m0, v0] = meanVar(groups[0]);
    const [m1, v1] = meanVar(groups[1]);
    const t = Math.abs(m0 - m1) / Math.sqrt(v0 / groups[0].length + v1 / groups[1].length || 1e-300);
    if (!best || t > best.t) {
      // class 0 = the brighter by median
      if (medianOf(groups[1]) > medianOf(groups[0])) for (let i = 0; i < count; i++) if (cls[i] >= 0) cls[i] = 1 - cls[i];
      best = { parity: key, t, cls };
    }
  }
  if (!best || best.t < minContrast) return { sublattice: new Int8Array(count), basis, contrast: best?.t ?? 0, parity: null, conflicts };
  return { sublattice: best.cls, basis, contrast: best.t, parity: best.parity, conflicts };
}
