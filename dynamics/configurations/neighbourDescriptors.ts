/**
 * Neighbour-geometry descriptors of a centre atom: the vectors to its k nearest neighbours (within a
 * radius) with their species, the local-crystallography descriptor of Belianinov et al., Nat.
 * Commun. 6, 7801 (2015).
 *
 * Layout: `k` slots of `stride = 2 + S` values: the y-up vector `(ux, uy) = (dx, -dy)` to the
 * neighbour (pm when calibrated, else px), then S species channels (value `speciesWeight` in the
 * channel of the neighbour's species for the species that have a channel, typically every species
 * but the host, e.g. a Si neighbour of a Si; 0 otherwise). Slots beyond the neighbours found within
 * `rMax` are empty: vector (0, 0), channels 0, so a Si-C3 (three bonds) and a Si-C4 (four) have the
 * same length of descriptor and differ by one empty slot.
 *
 * Neighbour order is matched, not sorted by distance (which reorders under noise): the neighbours are
 * assigned to the slots of a template (a class mean, or a common reference) by minimum-cost matching
 * (Hungarian method, solveSquareAssignment in numerics/linearAssignment.ts) on squared feature distance.
 *
 * Orientation: vectors are rotated into the host lattice's frame, measured per frame from the
 * directions of host-host bonds modulo 360/m degrees (m = 6 for hexagonal lattices), so that the
 * remaining orientational freedom of a configuration is an operation of the lattice's point group.
 */
import { SpatialGrid, medianNearestNeighbourDistance } from '../../numerics/spatialGrid.ts';
import { solveSquareAssignment, AssignmentWorkspace } from '../../numerics/linearAssignment.ts';

/** How descriptors are built. Lengths in descriptor units (pm when calibrated, else px). */
export interface DescriptorSpec {
  /** Number of neighbour slots (>= 1). */
  k: number;
  /** Neighbours farther than this are not used (slots stay empty). */
  rMax: number;
  /**
   * Optional per-species limit (<= rMax): a neighbour of species s is used only within
   * `radiusBySpecies[s]` (e.g. the bond cut-off between the centre's element and s), so that a
   * long Si-Si bond length does not admit second-neighbour C atoms.
   */
  radiusBySpecies?: Record<string, number>;
  /** Species names that get a channel (usually all but the host). */
  speciesChannels: string[];
  /** Channel value for a neighbour of a channelled species (descriptor units; about a bond length). */
  speciesWeight: number;
}

/** Values per slot for a spec. */
export function strideOf(spec: DescriptorSpec): number {
  return 2 + spec.speciesChannels.length;
}

/** One centre's descriptor. */
export interface NeighbourDescriptor {
  /** `k * stride` values, y-up vectors in the lattice frame, slots in matched (or distance) order. */
  values: Float64Array;
  /** Index (into the frame's atom list) of the neighbour in each slot, -1 for an empty slot. */
  neighbours: Int32Array;
  /** Number of real neighbours (<= k). */
  count: number;
}

/** A point with species, in descriptor units (x right, y down, as in the image). */
export interface SpeciesPoint {
  x: number;
  y: number;
  species: string;
}

/**
 * Descriptors of the given centres of one frame.
 * @param points every atom of the frame (positions already scaled to descriptor units)
 * @param centres indices into `points`
 * @param latticeAngleRad host lattice orientation (counter-clockwise on screen); vectors are rotated by its negative
 * @param grid optional prebuilt index over `points`
 * @returns one descriptor per centre, slots ordered by distance
 */
export function describeNeighbours(
  points: SpeciesPoint[],
  centres: number[],
  spec: DescriptorSpec,
  latticeAngleRad = 0,
  grid?: SpatialGrid,
): NeighbourDescriptor[] {
  const stride = strideOf(spec);
  const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
  const cell = Number.isFinite(spec.rMax) ? Math.max(spec.rMax, 1e-9) : Math.max(2 * (medianNearestNeighbourDistance(xs, ys) || 0), 1e-9);
  const g = grid ?? new SpatialGrid(xs, ys, cell);
  const c = Math.cos(-latticeAngleRad);
  const s = Math.sin(-latticeAngleRad);
  return centres.map((ci) => {
    const p = points[ci];
    let found = g.nearestK(p.x, p.y, spec.k, spec.rMax, ci);
    if (spec.radiusBySpecies) {
      const lim = spec.radiusBySpecies;
      const ok = (f: { index: number; d2: number }) => {
        const r = lim[points[f.index].species];
        return r === undefined ? true : f.d2 <= r * r;
      };
      if (!found.every(ok)) {
        // some of the k nearest are out of their species' range: take more candidates and filter
        found = g.nearestK(p.x, p.y, Math.max(spec.k * 4, 16), spec.rMax, ci).filter(ok).slice(0, spec.k);
      }
    }
    const values = new Float64Array(spec.k * stride);
    const neighbours = new Int32Array(spec.k).fill(-1);
    found.forEach((f, slot) => {
      const q = points[f.index];
      const ux = q.x - p.x;
      const uy = p.y - q.y; // y up
      values[slot * stride] = c * ux - s * uy;
      values[slot * stride + 1] = s * ux + c * uy;
      const ch = spec.speciesChannels.indexOf(q.species);
      if (ch >= 0) values[slot * stride + 2 + ch] = spec.speciesWeight;
      neighbours[slot] = f.index;
    });
    return { values, neighbours, count: found.length };
  });
}

/**
 * Match the slots of `values` to those of `template` (minimum total squared feature distance) and
 * write the permuted features to `out`.
 * @param perm optional output: perm[templateSlot] = source slot
 * @returns the matched squared distance to the template
 */
export function matchToTemplate(
  values: ArrayLike<number>,
  template: ArrayLike<number>,
  k: number,
  stride: number,
  out: Float64Array,
  ws?: AssignmentWorkspace,
  perm?: Int32Array,
  cost?: Float64Array,
  valuesOffset = 0,
  outOffset = 0,
): number {
  const c = cost ?? new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let d2 = 0;
      for (let f = 0; f < stride; f++) {
        const t = values[valuesOffset + i * stride + f] - template[j * stride + f];
        d2 += t * t;
      }
      c[i * k + j] = d2;
    }
  }
  const a = solveSquareAssignment(c, k, undefined, ws);
  let total = 0;
  for (let i = 0; i < k; i++) {
    const j = a[i];
    total += c[i * k + j];
    for (let f = 0; f < stride; f++) out[outOffset + j * stride + f] = values[valuesOffset + i * stride + f];
    if (perm) perm[j] = i;
  }
  return total;
}

/**
 * Put many descriptors into one consistent slot order, for methods without a class template
 * (plain GMM, k-means, PCA): start from the descriptor with the most neighbours, match every
 * descriptor to the template, replace the template by the mean, and repeat (a generalised
 * Procrustes average without rotation).
 *
 * @returns the reordered descriptors (new arrays) and the final template
 */
export function alignToCommonTemplate(
  descriptors: Float64Array[],
  k: number,
  stride: number,
  counts?: ArrayLike<number>,
  iterations = 5,
): { aligned: Float64Array[]; template: Float64Array } {
  const n = descriptors.length;
  if (n === 0) return { aligned: [], template: new Float64Array(k * stride) };
  let start = 0;
  if (counts) for (let i = 1; i < n; i++) if (counts[i] > counts[start]) start = i;
  let template = Float64Array.from(descriptors[start]);
  const ws = new AssignmentWorkspace(k);
  const cost = new Float64Array(k * k);
  let aligned = descriptors.map((d) => new Float64Array(d.length));
  for (let it = 0; it < iterations; it++) {
    const mean = new Float64Array(k * stride);
    for (let i = 0; i < n; i++) {
      matchToTemplate(descriptors[i], template, k, stride, aligned[i], ws, undefined, cost);
      for (let j = 0; j < mean.length; j++) mean[j] += aligned[i][j] / n;
    }
    template = mean;
  }
  aligned = aligned.map((a) => a);
  return { aligned, template };
}

/**
 * Keep only some species channels of descriptors (e.g. drop channels that are 0 for every instance,
 * which carry no information and only add dimensions to a mixture).
 * @param keep indices of the channels to keep
 * @returns new descriptors with stride `2 + keep.length`
 */
export function selectChannels(descriptors: Float64Array[], k: number, stride: number, keep: number[]): Float64Array[] {
  const ns = 2 + keep.length;
  return descriptors.map((v) => {
    const out = new Float64Array(k * ns);
    for (let j = 0; j < k; j++) {
      out[j * ns] = v[j * stride];
      out[j * ns + 1] = v[j * stride + 1];
      keep.forEach((c, t) => (out[j * ns + 2 + t] = v[j * stride + 2 + c]));
    }
    return out;
  });
}

/** Orientation of a host lattice measured from its bond directions. */
export interface LatticeOrientation {
  /** Angle (radians, counter-clockwise on screen) of a bond direction, in [0, 2π/m). */
  angleRad: number;
  /** Length of the mean resultant of exp(i m θ) over bonds: 1 = perfectly ordered, about 0 = no order. */
  strength: number;
  /** Bonds used. */
  bonds: number;
}

/**
 * Orientation of the host lattice in one frame: the circular mean of m·θ over the directions θ of
 * bonds between host atoms (pairs closer than `bondCutoff`), divided by m.
 *
 * @param points atoms of the frame, descriptor units
 * @param isHost which atoms are host atoms (e.g. C in graphene)
 * @param bondCutoff host-host bond cut-off, descriptor units
 * @param multiplicity m: 6 for hexagonal lattices, 4 for square ones (pointGroups.latticeDirectionMultiplicity)
 */
export function latticeOrientation(points: SpeciesPoint[], isHost: (i: number) => boolean, bondCutoff: number, multiplicity: number): LatticeOrientation {
  if (multiplicity <= 1) return { angleRad: 0, strength: 1, bonds: 0 };
  const grid = new SpatialGrid(points.map((p) => p.x), points.map((p) => p.y), Math.max(bondCutoff, 1e-9));
  let sc = 0;
  let ss = 0;
  let bonds = 0;
  for (let i = 0; i < points.length; i++) {
    if (!isHost(i)) continue;
    for (const { index: j } of grid.within(points[i].x, points[i].y, bondCutoff, i)) {
      if (j <= i || !isHost(j)) continue;
      const th = Math.atan2(-(points[j].y - points[i].y), points[j].x - points[i].x);
      sc += Math.cos(multiplicity * th);
      ss += Math.sin(multiplicity * th);
      bonds++;
    }
  }
  if (bonds === 0) return { angleRad: 0, strength: 0, bonds: 0 };
  const period = (2 * Math.PI) / multiplicity;
  let a = Math.atan2(ss, sc) / multiplicity;
  a = ((a % period) + period) % period;
  return { angleRad: a, strength: Math.hypot(sc, ss) / bonds, bonds };
}
