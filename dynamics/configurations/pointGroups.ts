/**
 * Two-dimensional point groups of the host lattice (6mm for graphene, 3m about a site of an MX2
 * monolayer, 4mm for a square lattice, ...): their operations as 2x2 matrices, composition and
 * inverses, how an operation permutes a set of neighbour vectors, the stabiliser (own symmetry) of a
 * pattern, and the reduction of an orientation modulo that own symmetry.
 *
 * Vectors are "y-up": `(ux, uy) = (dx, -dy)` for an image displacement (dx, dy) with y pointing down,
 * so a rotation by +phi is counter-clockwise as seen on screen, matching the angle convention of
 * docs/schema.md (`angle = atan2(-dy, dx)`).
 *
 * Operation `(r, s)` of a group with n rotations is `R(360 r / n) · M^s`, where `M = diag(1, -1)` is
 * the mirror across the x axis (the mirror line at 0 degrees in the lattice frame). Its index in
 * {@link PointGroup.ops} is `r + s * n`.
 */
import { solveSquareAssignment, AssignmentWorkspace } from '../../numerics/linearAssignment.ts';

/** One operation of a 2-D point group. */
export interface SymmetryOp {
  /** Index in the group's `ops` array: `rotationIndex + (mirror ? n : 0)`. */
  readonly index: number;
  /** Rotation part, 0..n-1 (angle = 360 * rotationIndex / n). */
  readonly rotationIndex: number;
  /** Rotation angle in degrees, counter-clockwise on screen, in [0, 360). */
  readonly rotationDeg: number;
  /** True when the operation includes the mirror (determinant -1). */
  readonly mirror: boolean;
  /** Row-major 2x2 matrix `[a, b, c, d]` acting on y-up column vectors: `u' = [[a, b], [c, d]] u`. */
  readonly matrix: readonly [number, number, number, number];
}

/** A finite 2-D point group: the cyclic group C_n, or the dihedral group C_nv (with mirrors). */
export interface PointGroup {
  /** Hermann-Mauguin name, e.g. '6mm', '3m', '4', '1'. */
  readonly name: string;
  /** Number of rotations n (the rotation order). */
  readonly rotations: number;
  /** True when the group contains mirrors. */
  readonly hasMirrors: boolean;
  /** All operations, identity first (`n` or `2n` of them). */
  readonly ops: readonly SymmetryOp[];
}

/**
 * A point group by name. Accepts the Hermann-Mauguin names of the ten crystallographic 2-D point
 * groups ('1', '2', '3', '4', '6', 'm', '2mm', '3m', '4mm', '6mm') and, for a finely discretised
 * rotation (orientation-free classification), any 'N' (N rotations by 360/N degrees) or 'Nm' / 'Nmm'
 * (with mirrors), N up to 360.
 *
 * @throws RangeError for an unknown name (the CLI turns it into an AtomdynError on --point-group)
 */
export function pointGroup(name: string): PointGroup {
  const s = name.trim();
  let n: number;
  let mirrors: boolean;
  if (s === 'm') {
    n = 1;
    mirrors = true;
  } else {
    const m = /^(\d+)(m{0,2})$/.exec(s);
    if (!m) throw new RangeError(`unknown point group '${name}' (use 1, 2, 3, 4, 6, m, 2mm, 3m, 4mm, 6mm, or N / Nmm)`);
    n = Number(m[1]);
    mirrors = m[2].length > 0;
    if (!(n >= 1 && n <= 360)) throw new RangeError(`point group '${name}': the rotation order must be 1..360`);
    if (m[2].length === 1 && n % 2 === 0 && n > 1) throw new RangeError(`point group '${name}': an even rotation order takes 'mm' (e.g. ${n}mm)`);
    if (m[2].length === 2 && n % 2 === 1) throw new RangeError(`point group '${name}': an odd rotation order takes one 'm' (e.g. ${n}m)`);
  }
  const ops: SymmetryOp[] = [];
  for (let sgn = 0; sgn < (mirrors ? 2 : 1); sgn++) {
    for (let r = 0; r < n; r++) {
      const deg = (360 * r) / n;
      const t = (deg * Math.PI) / 180;
      const c = Math.cos(t);
      const si = Math.sin(t);
      // R(t) · M^s with M = diag(1, -1)
      const matrix: [number, number, number, number] = sgn ? [c, si, si, -c] : [c, -si, si, c];
      ops.push({ index: r + sgn * n, rotationIndex: r, rotationDeg: deg, mirror: sgn === 1, matrix });
    }
  }
  const canonicalName = mirrors ? (n === 1 ? 'm' : n % 2 === 0 ? `${n}mm` : `${n}m`) : String(n);
  return { name: canonicalName, rotations: n, hasMirrors: mirrors, ops };
}

/**
 * The 2-D point group seen in projection along the main axis of a 3-D (crystal) point group, as
 * model cards state them (Hermann-Mauguin): rotations about the axis stay rotations, mirror planes
 * containing it and two-fold axes across it become mirror lines, inversion becomes a two-fold
 * rotation. `6/mmm` (graphene) -> `6mm`, `-6m2` (1H-MX2, about a site) -> `3m`, `4/mmm` -> `4mm`.
 * A 2-D name is returned as is.
 *
 * @returns a name {@link pointGroup} accepts, or null when unknown
 */
export function projectedPointGroup(name: string): string | null {
  const s = name.replace(/\s+/g, '');
  const table: Record<string, string> = {
    '6/mmm': '6mm', '6/m': '6', '622': '6mm', '-6m2': '3m', '-62m': '3m', '-6': '3', '-3m': '6mm', '-3': '6', '32': '3m', '3m': '3m',
    '4/mmm': '4mm', '4/m': '4', '422': '4mm', '-42m': '4mm', '-4m2': '4mm', '-4': '4', mmm: '2mm', '222': '2mm', mm2: '2mm', '2/m': '2', '-1': '2',
  };
  if (table[s]) return table[s];
  try {
    return pointGroup(s).name;
  } catch {
    return null;
  }
}

/**
 * Index of the product `a · b` (apply b first, then a).
 * Uses `M R(b) = R(-b) M`.
 */
export function composeOps(g: PointGroup, a: number, b: number): number {
  const n = g.rotations;
  const ra = a % n;
  const sa = a >= n ? 1 : 0;
  const rb = b % n;
  const sb = b >= n ? 1 : 0;
  const r = (((ra + (sa ? -rb : rb)) % n) + n) % n;
  return r + ((sa ^ sb) ? n : 0);
}

/** Index of the inverse operation (a mirror operation is its own inverse). */
export function inverseOp(g: PointGroup, a: number): number {
  const n = g.rotations;
  if (a >= n) return a;
  return (n - a) % n;
}

/**
 * Apply an operation to interleaved y-up vectors `[x0, y0, x1, y1, ...]`.
 * @param stride values per neighbour (>= 2); only the first two (the vector) are transformed, the
 *   rest (species channels) are copied
 * @param out optional output array of the same length (may not alias `v`)
 */
export function applyOp(op: SymmetryOp, v: ArrayLike<number>, stride = 2, out?: Float64Array): Float64Array {
  const o = out ?? new Float64Array(v.length);
  const [a, b, c, d] = op.matrix;
  for (let i = 0; i + stride <= v.length; i += stride) {
    const x = v[i];
    const y = v[i + 1];
    o[i] = a * x + b * y;
    o[i + 1] = c * x + d * y;
    for (let f = 2; f < stride; f++) o[i + f] = v[i + f];
  }
  return o;
}

/**
 * How an operation permutes a set of neighbours: the permutation `perm` such that neighbour i,
 * transformed by `op`, lands nearest (in the Hungarian least-squares sense) on neighbour perm[i].
 * For a pattern that is symmetric under `op` this is the exact permutation; otherwise it is the best
 * matching.
 *
 * @param v interleaved neighbour features, `k * stride` values
 * @returns Int32Array of length k
 */
export function opPermutation(op: SymmetryOp, v: ArrayLike<number>, stride = 2): Int32Array {
  const k = Math.floor(v.length / stride);
  const t = applyOp(op, v, stride);
  const cost = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let f = 0; f < stride; f++) {
        const dlt = t[i * stride + f] - v[j * stride + f];
        s += dlt * dlt;
      }
      cost[i * k + j] = s;
    }
  }
  return solveSquareAssignment(cost, k, undefined, new AssignmentWorkspace(k));
}

/**
 * The stabiliser (own symmetry) of a pattern: the operations `h` with `distance(h) <= tolerance`.
 * The identity is always included.
 *
 * @param distance how far the pattern moves under operation index h (e.g. RMS displacement of the
 *   best-matched neighbours, pm); must be 0 for the identity
 * @returns sorted operation indices forming (up to the tolerance) a subgroup
 */
export function stabiliser(g: PointGroup, distance: (opIndex: number) => number, tolerance: number): number[] {
  const out = [0];
  for (let h = 1; h < g.ops.length; h++) if (distance(h) <= tolerance) out.push(h);
  return closeSubgroup(g, out);
}

/** Close a set of operation indices under composition (the smallest subgroup containing them). */
export function closeSubgroup(g: PointGroup, indices: number[]): number[] {
  const set = new Set<number>([0, ...indices]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const a of [...set]) {
      for (const b of [...set]) {
        const c = composeOps(g, a, b);
        if (!set.has(c)) {
          set.add(c);
          grew = true;
        }
      }
    }
  }
  return [...set].sort((a, b) => a - b);
}

/**
 * The left cosets `p · H` of a subgroup H: each pose `p` and `p · h` (h in H) describe the same
 * physical orientation of a pattern whose own symmetry is H.
 *
 * @returns `cosetOf[opIndex]` = coset number, and each coset's canonical representative
 *   (no mirror where the coset has a rotation, then the smallest angle)
 */
export function poseCosets(g: PointGroup, subgroup: number[]): { cosetOf: Int32Array; representatives: number[] } {
  const cosetOf = new Int32Array(g.ops.length).fill(-1);
  const representatives: number[] = [];
  for (let p = 0; p < g.ops.length; p++) {
    if (cosetOf[p] >= 0) continue;
    const members = subgroup.map((h) => composeOps(g, p, h));
    const id = representatives.length;
    for (const m of members) cosetOf[m] = id;
    let best = members[0];
    for (const m of members) {
      const om = g.ops[m];
      const ob = g.ops[best];
      if (Number(om.mirror) < Number(ob.mirror) || (om.mirror === ob.mirror && om.rotationDeg < ob.rotationDeg)) best = m;
    }
    representatives.push(best);
  }
  return { cosetOf, representatives };
}

/**
 * Multiplicity used to measure a host lattice's orientation from its nearest-neighbour directions:
 * bond directions repeat every 360/m degrees. Hexagonal lattices (3, 6) give 6, square (4) gives 4,
 * otherwise the rotation order (at least 2).
 */
export function latticeDirectionMultiplicity(g: PointGroup): number {
  const n = g.rotations;
  if (n === 3 || n === 6) return 6;
  if (n === 1) return 1;
  return n % 2 === 0 ? n : 2 * n;
}
