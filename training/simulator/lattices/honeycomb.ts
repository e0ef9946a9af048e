/**
 * A projected honeycomb lattice (graphene; the 2H-MX2 monolayer seen along c) covering a rectangle,
 * with each site's three nearest neighbours. Sites are generated in specimen coordinates (pm, y down;
 * see training/simulator/atomModel.ts).
 *
 * Lattice vectors: a1 = a (cos t, -sin t), a2 = a (cos(t+60°), -sin(t+60°)) with t the rotation in
 * degrees, counter-clockwise as seen on screen (docs/schema.md angle convention). Sublattice A sits at
 * origin + i a1 + j a2, sublattice B at A + (a1 + a2) / 3, so nearest neighbours are a / sqrt(3) apart.
 */
import { AtomdynError } from '../../../data/errors.ts';

/** A finite patch of a honeycomb lattice. Arrays are indexed by site id. */
export interface HoneycombLattice {
  /** Lattice constant a, pm (nearest-neighbour distance is a / sqrt(3)). */
  a: number;
  /** Rotation of a1, degrees counter-clockwise on screen. */
  rotationDeg: number;
  /** Number of sites. */
  count: number;
  /** Site x, pm. */
  x: Float64Array;
  /** Site y, pm. */
  y: Float64Array;
  /** 0 for sublattice A, 1 for B. */
  sublattice: Uint8Array;
  /** Three neighbour site ids per site (`neighbours[3 * s + k]`), -1 where the neighbour lies outside the patch. */
  neighbours: Int32Array;
}

/** A rectangle in specimen coordinates, pm. */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Generate every honeycomb site inside `rect`.
 *
 * @param a lattice constant, pm (> 0)
 * @param rotationDeg rotation of a1, degrees counter-clockwise on screen
 * @param origin position of the A site with i = j = 0, pm (the random lattice offset)
 * @throws AtomdynError when `a` is not positive or the rectangle would hold more than 5 million sites
 */
export function honeycombLattice(a: number, rotationDeg: number, origin: { x: number; y: number }, rect: Rect): HoneycombLattice {
  if (!(a > 0)) throw new AtomdynError('lattice', `lattice constant must be positive, got ${a}`);
  const t = (rotationDeg * Math.PI) / 180;
  const a1 = { x: a * Math.cos(t), y: -a * Math.sin(t) };
  const a2 = { x: a * Math.cos(t + Math.PI / 3), y: -a * Math.sin(t + Math.PI / 3) };
  const det = a1.x * a2.y - a1.y * a2.x;
  const toUV = (px: number, py: number) => {
    const dx = px - origin.x;
    const dy = py - origin.y;
    return { u: (dx * a2.y - dy * a2.x) / det, v: (a1.x * dy - a1.y * dx) / det };
  };
  let umin = Infinity;
  let umax = -Infinity;
  let vmin = Infinity;
  let vmax = -Infinity;
  for (const [px, py] of [[rect.x0, rect.y0], [rect.x1, rect.y0], [rect.x0, rect.y1], [rect.x1, rect.y1]]) {
    const { u, v } = toUV(px, py);
    umin = Math.min(umin, u);
    umax = Math.max(umax, u);
    vmin = Math.min(vmin, v);
    vmax = Math.max(vmax, v);
  }
  const i0 = Math.floor(umin) - 1;
  const i1 = Math.ceil(umax) + 1;
  const j0 = Math.floor(vmin) - 1;
  const j1 = Math.ceil(vmax) + 1;
  const ni = i1 - i0 + 1;
  const nj = j1 - j0 + 1;
  if (ni * nj * 2 > 10_000_000) throw new AtomdynError('lattice', `field too large for the lattice generator (${ni}x${nj} cells)`);
  const index = new Int32Array(ni * nj * 2).fill(-1);
  const xs: number[] = [];
  const ys: number[] = [];
  const subs: number[] = [];
  const bx = (a1.x + a2.x) / 3;
  const by = (a1.y + a2.y) / 3;
  for (let j = j0; j <= j1; j++) {
    for (let i = i0; i <= i1; i++) {
      const ax = origin.x + i * a1.x + j * a2.x;
      const ay = origin.y + i * a1.y + j * a2.y;
      for (let s = 0; s < 2; s++) {
        const px = s === 0 ? ax : ax + bx;
        const py = s === 0 ? ay : ay + by;
        if (px < rect.x0 || px > rect.x1 || py < rect.y0 || py > rect.y1) continue;
        index[((j - j0) * ni + (i - i0)) * 2 + s] = xs.length;
        xs.push(px);
        ys.push(py);
        subs.push(s);
      }
    }
  }
  const count = xs.length;
  const neighbours = new Int32Array(count * 3).fill(-1);
  const lookup = (i: number, j: number, s: number) =>
    i < i0 || i > i1 || j < j0 || j > j1 ? -1 : index[((j - j0) * ni + (i - i0)) * 2 + s];
  for (let j = j0; j <= j1; j++) {
    for (let i = i0; i <= i1; i++) {
      const sa = lookup(i, j, 0);
      if (sa < 0) continue;
      const nb = [lookup(i, j, 1), lookup(i - 1, j, 1), lookup(i, j - 1, 1)];
      for (let k = 0; k < 3; k++) {
        neighbours[3 * sa + k] = nb[k];
        if (nb[k] >= 0) {
          // the B site's neighbour slot k points back at this A site
          neighbours[3 * nb[k] + k] = sa;
        }
      }
    }
  }
  return {
    a,
    rotationDeg,
    count,
    x: Float64Array.from(xs),
    y: Float64Array.from(ys),
    sublattice: Uint8Array.from(subs),
    neighbours,
  };
}

/** Ids of the existing neighbours of site `s`. */
export function neighboursOf(lattice: HoneycombLattice, s: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < 3; k++) {
    const n = lattice.neighbours[3 * s + k];
    if (n >= 0) out.push(n);
  }
  return out;
}
