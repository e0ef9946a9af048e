/**
 * The two primitive lattice vectors of a 2-D crystal, found from its atom positions alone: every
 * atom's neighbour vectors within twice the nearest-neighbour distance are folded into one half-plane
 * (v and -v are the same translation) and clustered; the first vector is the shortest well-populated
 * cluster, the second the shortest well-populated cluster not parallel to it (the reduced basis of the
 * lattice, as in Atomap's zone-axis search: Nord et al., Adv. Struct. Chem. Imaging 3, 9 (2017)).
 * Only vectors that map at least 70 % of the atoms onto another atom count (translations of the
 * lattice), so a honeycomb (graphene, MX2) gives its lattice vectors, not its bonds.
 * Works for square, rectangular, oblique and hexagonal lattices and for honeycombs.
 */
import { SpatialGrid } from '../../numerics/spatialGrid.ts';
import { medianNearestNeighbourDistance } from '../../numerics/spatialGrid.ts';

/** A 2-D lattice basis in the units of the positions (px or pm); image axes (x right, y down). */
export interface LatticeBasis {
  /** First vector (the shorter), x and y components. */
  a: [number, number];
  /** Second vector: the shortest one not parallel to a, its sign chosen so that the angle between a and b is at most 90 degrees. */
  b: [number, number];
}

/** Length of a 2-vector. */
export function norm(v: readonly [number, number]): number {
  return Math.hypot(v[0], v[1]);
}

/** Angle between two vectors, degrees in [0, 180]. */
export function angleBetween(u: readonly [number, number], v: readonly [number, number]): number {
  return (Math.atan2(Math.abs(u[0] * v[1] - u[1] * v[0]), u[0] * v[0] + u[1] * v[1]) * 180) / Math.PI;
}

/**
 * Estimate the primitive basis of the lattice the points lie on.
 * @param xs x positions (any unit), ys y positions, same length, at least 4 points
 * @returns the reduced basis: |a| <= |b|, angle(a, b) in [60, 90] for the usual lattices
 * @throws Error when there are fewer than 4 points or no two non-parallel neighbour directions
 */
export function estimateLatticeBasis(xs: ArrayLike<number>, ys: ArrayLike<number>): LatticeBasis {
  const n = xs.length;
  if (n < 4) throw new Error(`a lattice needs at least 4 atoms, found ${n}`);
  const dnn = medianNearestNeighbourDistance(xs, ys);
  if (!(dnn > 0)) throw new Error('atoms coincide: no nearest-neighbour distance');
  const grid = new SpatialGrid(xs, ys, dnn);
  const vx: number[] = [];
  const vy: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const { index } of grid.within(xs[i], ys[i], 2.05 * dnn, i)) {
      let dx = xs[index] - xs[i];
      let dy = ys[index] - ys[i];
      if (dy < 0 || (dy === 0 && dx < 0)) {
        dx = -dx;
        dy = -dy;
      }
      vx.push(dx);
      vy.push(dy);
    }
  }
  // greedy clustering: each vector joins the first cluster centre within tol; centres are running means
  const tol = 0.2 * dnn;
  const clusters: Array<{ sx: number; sy: number; count: number }> = [];
  const near = (c: { sx: number; sy: number; count: number }, x: number, y: number) => Math.hypot(c.sx / c.count - x, c.sy / c.count - y) < tol;
  for (let k = 0; k < vx.length; k++) {
    let found = false;
    for (const c of clusters) {
      // a vector almost along +x may appear folded as -v: compare with both signs
      if (near(c, vx[k], vy[k])) {
        c.sx += vx[k];
        c.sy += vy[k];
        c.count++;
        found = true;
        break;
      }
      if (near(c, -vx[k], -vy[k])) {
        c.sx -= vx[k];
        c.sy -= vy[k];
        c.count++;
        found = true;
        break;
      }
    }
    if (!found) clusters.push({ sx: vx[k], sy: vy[k], count: 1 });
  }
  const maxCount = Math.max(...clusters.map((c) => c.count));
  const strong = clusters
    .filter((c) => c.count >= 0.3 * maxCount)
    .map((c) => [c.sx / c.count, c.sy / c.count] as [number, number])
    .sort((p, q) => norm(p) - norm(q));
  // a lattice vector maps (almost) every atom onto another; a honeycomb's bond maps only half of them
  const translates = (v: readonly [number, number]): boolean => {
    let hit = 0;
    for (let i = 0; i < n; i++) if (grid.within(xs[i] + v[0], ys[i] + v[1], tol, i).length) hit++;
    return hit >= 0.7 * n;
  };
  const lattice = strong.filter((v) => translates(v));
  const a = lattice[0];
  const b = a && lattice.find((v) => angleBetween(a, v) > 25 && angleBetween(a, v) < 155);
  if (!a || !b) throw new Error('the atoms do not form a 2-D lattice (no two non-parallel neighbour directions)');
  // reduced basis: make the angle between a and b at most 90 degrees; a is the shorter vector
  const bb: [number, number] = a[0] * b[0] + a[1] * b[1] < 0 ? [-b[0], -b[1]] : b;
  return { a, b: bb };
}

/**
 * The basis closest to `target` (sum of squared vector differences) among the pairs of lattice vectors
 * ±a, ±b, ±(a + b), ±(a - b) of `basis` that span the same cell area, so that cells found with it are
 * indexed like the target (e.g. the first frame's, or a reference lattice); on a hexagonal lattice this
 * also picks the same two of its three directions.
 */
export function alignBasis(basis: LatticeBasis, target: LatticeBasis): LatticeBasis {
  const d2 = (u: readonly [number, number], v: readonly [number, number]) => (u[0] - v[0]) ** 2 + (u[1] - v[1]) ** 2;
  const { a, b } = basis;
  const base: Array<[number, number]> = [a, b, [a[0] + b[0], a[1] + b[1]], [a[0] - b[0], a[1] - b[1]]];
  const vs = [...base, ...base.map((v) => [-v[0], -v[1]] as [number, number])];
  const area = Math.abs(a[0] * b[1] - a[1] * b[0]);
  let best: LatticeBasis = basis, bestCost = Infinity;
  for (const p of vs) {
    for (const q of vs) {
      if (Math.abs(Math.abs(p[0] * q[1] - p[1] * q[0]) - area) > 1e-6 * area) continue;
      const cost = d2(p, target.a) + d2(q, target.b);
      if (cost < bestCost) {
        bestCost = cost;
        best = { a: [p[0], p[1]], b: [q[0], q[1]] };
      }
    }
  }
  return best;
}
