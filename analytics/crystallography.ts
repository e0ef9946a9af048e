/**
 * Local crystallography (Belianinov et al., Nat. Commun. 6, 7801 (2015)): every atom is described by
 * the vectors to its N nearest neighbours, and the descriptors are clustered into classes that map
 * phases, ferroic variants and defects.
 *
 * Vectors come from `describeNeighbours` (dynamics/configurations/neighbourDescriptors.ts): x right,
 * y up, in px. Two slot orders (the seed's "6 neighbours sorted by distance / by angle"):
 * 'distance' (nearest first; neighbours at equal distance, within `shellTolerance`, by angle) and 'angle' (polar angle counter-clockwise, the same sense for every
 * atom, starting at the emptiest 5° sector of all neighbour directions so that no neighbour sits at
 * the cut; robust where neighbour distances are nearly equal). Classes by k-means
 * (analytics/unmixing/kmeans.ts), by k-means on the first principal components ('pca'), or by a
 * full-covariance Gaussian mixture ('gmm', dynamics/configurations/gaussianMixture.ts); all seeded.
 * Atoms at the edge of the field of view (closer to the bounding box of all atoms than `edgeMargin` x
 * the median distance to the N-th neighbour, where part of their neighbour shell is cut off) and atoms
 * whose neighbours lie on one side (the mean neighbour vector longer than `edgeOffset` x the median
 * nearest-neighbour distance: holes, torn edges, outliers that would take a class of their own) get
 * class -1 and are left out of the fit. For a lattice whose N nearest neighbours are not symmetric
 * about the atom (a honeycomb with N = 6), classify one sublattice (`--species`) or raise `edgeOffset`.
 * Per class: the mean and standard deviation of each slot's distance and angle.
 */
import { SpatialGrid } from '../numerics/spatialGrid.ts';
import { describeNeighbours, type SpeciesPoint } from '../dynamics/configurations/neighbourDescriptors.ts';
import { GaussianMixture } from '../dynamics/configurations/gaussianMixture.ts';
import { KMeansEstimator } from './unmixing/kmeans.ts';
import { PcaEstimator } from './unmixing/pca.ts';

/** How atoms are classified. */
export type CrystallographyMethod = 'kmeans' | 'pca' | 'gmm';

/** Settings of {@link localCrystallography}. */
export interface CrystallographyOptions {
  /** Neighbours per atom N (default 6). */
  neighbours?: number;
  /** Slot order (default 'angle'). */
  order?: 'distance' | 'angle';
  /** Classes K (default 2). */
  classes?: number;
  method?: CrystallographyMethod;
  /** Principal components kept for 'pca' (default 3, at most 2N). */
  pcaComponents?: number;
  /** With order 'distance': neighbours whose distances differ by less than this x the nearest-neighbour distance form one shell, ordered by angle (default 0.1). */
  shellTolerance?: number;
  /** Edge margin in units of the median N-th neighbour distance (default 1). */
  edgeMargin?: number;
  /** Lopsided-neighbourhood threshold in units of the nearest-neighbour distance (default 0.3). */
  edgeOffset?: number;
  seed?: number;
}

/** One atom's place in the result. */
export interface AtomClass {
  /** Class 0..K-1, or -1 for an edge atom. */
  label: number;
  /** Mean distance to its N neighbours, px. */
  meanNeighbourDistance: number;
}

/** Statistics of one neighbour slot in one class (distances px, angles degrees counter-clockwise from +x). */
export interface SlotStatistics {
  meanDistance: number;
  sdDistance: number;
  meanAngleDeg: number;
  sdAngleDeg: number;
}

/** The result for a set of atoms (one frame). */
export interface CrystallographyResult {
  /** One per input atom. */
  atoms: AtomClass[];
  /** Descriptor (2N values: dx0, dy0, dx1, ...) per atom, px, y up. */
  descriptors: Float64Array[];
  /** Per class: atom count and N slot statistics. */
  classes: Array<{ count: number; slots: SlotStatistics[] }>;
  /** Median nearest-neighbour distance, px. */
  nearestNeighbourDistance: number;
  /** With order 'angle': the direction (degrees counter-clockwise from +x) where slot 0 starts. */
  angleCutDeg: number;
  options: Required<CrystallographyOptions>;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
}

/**
 * Classify atoms (one frame) by their neighbour vectors.
 * @param xs, ys positions in px (x column, y row)
 * @throws RangeError when fewer than N + 1 atoms, or fewer non-edge atoms than classes
 */
export function localCrystallography(xs: ArrayLike<number>, ys: ArrayLike<number>, options: CrystallographyOptions = {}): CrystallographyResult {
  const o: Required<CrystallographyOptions> = {
    neighbours: options.neighbours ?? 6,
    order: options.order ?? 'angle',
    classes: options.classes ?? 2,
    method: options.method ?? 'kmeans',
    pcaComponents: options.pcaComponents ?? 3,
    edgeMargin: options.edgeMargin ?? 1,
    edgeOffset: options.edgeOffset ?? 0.3,
    shellTolerance: options.shellTolerance ?? 0.1,
    seed: options.seed ?? 0,
  };
  const n = xs.length;
  const N = o.neighbours;
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`neighbours must be an integer >= 1, got ${N}`);
  if (n < N + 1) throw new RangeError(`${n} atoms; at least ${N + 1} are needed for ${N} neighbours each`);
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, xs[i]); maxX = Math.max(maxX, xs[i]);
    minY = Math.min(minY, ys[i]); maxY = Math.max(maxY, ys[i]);
  }
  const spacing = Math.sqrt(Math.max(1e-9, (maxX - minX) * (maxY - minY)) / n) || 1;
  const grid = new SpatialGrid(xs, ys, spacing);
  const nn = median(Array.from({ length: n }, (_, i) => Math.sqrt(grid.nearestK(xs[i], ys[i], 1, Infinity, i)[0]?.d2 ?? 0)));
  const points: SpeciesPoint[] = Array.from({ length: n }, (_, i) => ({ x: xs[i], y: ys[i], species: 'atom' }));
  const raw = describeNeighbours(points, Array.from({ length: n }, (_, i) => i), { k: N, rMax: Infinity, speciesChannels: [], speciesWeight: 0 }, 0, grid);
  // angle order starts at the emptiest 5° sector of all neighbour directions, so that no neighbour
  // direction sits at the cut (where it would jump between the first and the last slot)
  const sectors = new Float64Array(72);
  for (const r of raw) for (let s = 0; s < r.count; s++) sectors[Math.floor((angle(r.values[2 * s], r.values[2 * s + 1]) * 36) / Math.PI) % 72]++;
  let cutSector = 0;
  for (let b = 1; b < 72; b++) if (sectors[b] < sectors[cutSector]) cutSector = b;
  const cut = ((cutSector + 0.5) * Math.PI) / 36;
  const fromCut = (dx: number, dy: number) => (angle(dx, dy) - cut + 2 * Math.PI) % (2 * Math.PI);
  const descriptors: Float64Array[] = [];
  const atoms: AtomClass[] = [];
  const interior: number[] = [];
  const lopsided: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const v = raw[i].values; // stride 2, nearest first
    const slots = Array.from({ length: N }, (_, s) => ({ dx: v[2 * s], dy: v[2 * s + 1] }));
    if (o.order === 'angle') slots.sort((a, b) => fromCut(a.dx, a.dy) - fromCut(b.dx, b.dy));
    else {
      // distance shells (neighbours within `shellTolerance` x nn of the shell's nearest), by angle inside a shell
      const shell = new Int32Array(N);
      for (let k = 1, first = 0; k < N; k++) {
        const dk = Math.hypot(slots[k].dx, slots[k].dy);
        if (dk - Math.hypot(slots[first].dx, slots[first].dy) > o.shellTolerance * nn) first = k;
        shell[k] = first;
      }
      const keyed = slots.map((sl, k) => ({ ...sl, shell: shell[k] }));
      keyed.sort((a, b) => a.shell - b.shell || fromCut(a.dx, a.dy) - fromCut(b.dx, b.dy));
      slots.splice(0, N, ...keyed);
    }
    const desc = new Float64Array(2 * N);
    let dist = 0, mx = 0, my = 0;
    slots.forEach((s, k) => {
      desc[2 * k] = s.dx;
      desc[2 * k + 1] = s.dy;
      dist += Math.hypot(s.dx, s.dy) / N;
      mx += s.dx / N;
      my += s.dy / N;
    });
    descriptors.push(desc);
    atoms.push({ label: -1, meanNeighbourDistance: dist });
    lopsided.push(Math.hypot(mx, my) > o.edgeOffset * nn);
  }
  const rN = median(raw.map((r) => (r.count === N ? Math.hypot(r.values[2 * N - 2], r.values[2 * N - 1]) : Infinity)));
  const margin = o.edgeMargin * rN;
  for (let i = 0; i < n; i++) {
    const edge = raw[i].count < N || lopsided[i] || xs[i] - minX < margin || maxX - xs[i] < margin || ys[i] - minY < margin || maxY - ys[i] < margin;
    if (!edge) interior.push(i);
  }
  const K = o.classes;
  if (interior.length < Math.max(K, 2)) throw new RangeError(`only ${interior.length} atoms away from the edges; ${K} classes need more`);
  const X = interior.map((i) => descriptors[i]);
  let labels: ArrayLike<number>;
  if (o.method === 'gmm') {
    labels = new GaussianMixture({ nComponents: K, covarianceType: 'full', seed: o.seed, nInit: 3, regCovar: 1e-6 * nn * nn }).fit(X).predict(X);
  } else if (o.method === 'pca') {
    const q = Math.min(o.pcaComponents, 2 * N, X.length);
    const pca = new PcaEstimator({ nComponents: q, seed: o.seed }).fit(X);
    labels = new KMeansEstimator({ nComponents: K, seed: o.seed }).fit({ data: pca.loadings, n: X.length, d: q }).labels;
  } else {
    labels = new KMeansEstimator({ nComponents: K, seed: o.seed }).fit(X).labels;
  }
  // number classes by first appearance in atom order (deterministic across methods)
  const map = new Map<number, number>();
  interior.forEach((i, r) => {
    if (!map.has(labels[r])) map.set(labels[r], map.size);
    atoms[i].label = map.get(labels[r])!;
  });
  const classes = Array.from({ length: map.size }, (_, c) => {
    const members = interior.filter((i) => atoms[i].label === c);
    const slots: SlotStatistics[] = Array.from({ length: N }, (_, s) => {
      const d = members.map((i) => Math.hypot(descriptors[i][2 * s], descriptors[i][2 * s + 1]));
      const a = members.map((i) => Math.atan2(descriptors[i][2 * s + 1], descriptors[i][2 * s]));
      const md = d.reduce((p, v) => p + v, 0) / d.length;
      const sd = Math.sqrt(d.reduce((p, v) => p + (v - md) ** 2, 0) / d.length);
      const C = a.reduce((p, v) => p + Math.cos(v), 0) / a.length;
      const S = a.reduce((p, v) => p + Math.sin(v), 0) / a.length;
      const R = Math.min(1, Math.hypot(C, S));
      return {
        meanDistance: md,
        sdDistance: sd,
        meanAngleDeg: ((Math.atan2(S, C) * 180) / Math.PI + 360) % 360,
        sdAngleDeg: (Math.sqrt(-2 * Math.log(Math.max(R, 1e-12))) * 180) / Math.PI,
      };
    });
    return { count: members.length, slots };
  });
  return { atoms, descriptors, classes, nearestNeighbourDistance: nn, angleCutDeg: (cut * 180) / Math.PI, options: o };
}

/** Polar angle in [0, 2π), counter-clockwise from +x (y up). */
function angle(dx: number, dy: number): number {
  const a = Math.atan2(dy, dx);
  return a < 0 ? a + 2 * Math.PI : a;
}
