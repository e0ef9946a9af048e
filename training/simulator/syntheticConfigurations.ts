/**
 * Simulated Si-in-graphene configurations with known classes, for tests and benchmarks of the
 * classifier: a patch of graphene (C-C 142 pm) around a Si dopant in one of the configurations seen
 * under the beam (Zhou et al., PRL 109, 206803 (2012); Ramasse et al., Nano Lett. 13, 4989 (2013)),
 * with projected geometry:
 *
 * - `SiC3`: substitutional Si, three C at about 160 pm (buckled, so the projected bond is short), 120°;
 * - `SiC4`: Si in a divacancy, four C at about 190 pm (pairs about 82° and 98° apart);
 * - `SiVac`: substitutional Si next to a vacancy, two C at about 175 pm, 120° apart.
 *
 * Each configuration is placed in a random one of its symmetry-equivalent orientations on the lattice
 * (a random operation of 6mm about the dopant: Si-C3 has 2, Si-C4 3, Si-vacancy 6), the whole patch is
 * rotated by a lattice angle, every atom gets Gaussian jitter, and now and then one bonded C is
 * missing (a missed detection). Positions are returned in pixels (image convention: y down).
 *
 * This is a geometry generator only; images are made by the simulator in training/.
 */
import { Random } from '../../data/random.ts';
import { MATERIALS } from '../../models/materials.ts';
import { honeycombLattice } from './lattices/honeycomb.ts';
import { pointGroup, applyOp } from '../../dynamics/configurations/pointGroups.ts';
import type { AtomRecord } from '../../dynamics/configurations/centres.ts';

/** Configuration kinds the generator knows. */
export type ConfigurationKind = 'SiC3' | 'SiC4' | 'SiVac';

/** Formula of each kind (dynamics/configurations/chemistry.ts naming). */
export const KIND_FORMULA: Record<ConfigurationKind, string> = { SiC3: 'Si1C3', SiC4: 'Si1C4', SiVac: 'Si1C2' };

/** Geometry and noise settings. */
export interface SyntheticOptions {
  /** Seed. */
  seed: number;
  /** Gaussian jitter per coordinate of every atom, pm; default 6. */
  jitterPm?: number;
  /** Probability that one bonded C of a configuration is missing; default 0.02. */
  missingProbability?: number;
  /** Radius of the graphene patch around the dopant, pm; default 450. */
  patchRadiusPm?: number;
  /** Pixel size of the returned coordinates, pm/px; default 10. */
  pixelSizePm?: number;
  /** Rotate each frame's lattice by a random angle (true, default), or keep a bond along x (false). */
  randomLatticeRotation?: boolean;
  /** Projected Si-C distances, pm: defaults SiC3 160, SiC4 190, SiVac 175. */
  bondPm?: Partial<Record<ConfigurationKind, number>>;
}

/** Graphene C-C bond, pm (the materials table). */
const CC = MATERIALS.graphene.bondPm;

interface PatchAtom {
  x: number; // pm, y-up, lattice frame, dopant at origin
  y: number;
  element: string;
  bonded: boolean;
}

/** The graphene patch with one configuration at the origin (lattice frame, y up, pm). */
export function configurationPatch(kind: ConfigurationKind, radiusPm: number, bondPm?: number): PatchAtom[] {
  // the one lattice generator, rotated so that the bond A -> B points along +x (A at the origin)
  const r = radiusPm + 3 * CC;
  const lattice = honeycombLattice(Math.sqrt(3) * CC, -30, { x: 0, y: 0 }, { x0: -r, y0: -r, x1: r, y1: r });
  // in cell order (i along a1 = (1.5, sqrt(3)/2) CC, then j along a2 = (1.5, -sqrt(3)/2) CC, then sublattice)
  const key = (k: number): [number, number, number] => {
    const sub = lattice.sublattice[k];
    const X = lattice.x[k] - sub * CC;
    const Y = lattice.y[k];
    const sum = Math.round(X / (1.5 * CC));
    const diff = Math.round(Y / ((Math.sqrt(3) / 2) * CC));
    return [(sum + diff) / 2, (sum - diff) / 2, sub];
  };
  const order = Array.from({ length: lattice.count }, (_, k) => ({ k, key: key(k) }))
    .sort((p, q) => p.key[0] - q.key[0] || p.key[1] - q.key[1] || p.key[2] - q.key[2]);
  const sites: Array<[number, number]> = order.map(({ k }) => [lattice.x[k], lattice.y[k]]);
  let centre: [number, number] = [0, 0];
  let removed: Array<[number, number]> = [];
  let nBonds = 3;
  let bond = bondPm ?? 160;
  if (kind === 'SiC4') {
    centre = [CC / 2, 0];
    removed = [
      [0, 0],
      [CC, 0],
    ];
    nBonds = 4;
    bond = bondPm ?? 190;
  } else if (kind === 'SiVac') {
    removed = [
      [0, 0],
      [CC, 0],
    ];
    nBonds = 2;
    bond = bondPm ?? 175;
  } else {
    removed = [[0, 0]];
    bond = bondPm ?? 160;
  }
  const near = (p: [number, number], q: [number, number]) => Math.hypot(p[0] - q[0], p[1] - q[1]) < 1;
  const kept = sites
    .filter((s) => !removed.some((r) => near(s, r)))
    .map(([x, y]) => ({ x: x - centre[0], y: y - centre[1] }))
    .filter((p) => Math.hypot(p.x, p.y) <= radiusPm);
  // nearest first; equal distances (to 1e-6 pm) keep cell order
  kept.sort((p, q) => Math.round(1e6 * Math.hypot(p.x, p.y)) - Math.round(1e6 * Math.hypot(q.x, q.y)));
  const atoms: PatchAtom[] = [{ x: 0, y: 0, element: 'Si', bonded: false }];
  kept.forEach((p, idx) => {
    if (idx < nBonds) {
      const r = Math.hypot(p.x, p.y);
      atoms.push({ x: (p.x / r) * bond, y: (p.y / r) * bond, element: 'C', bonded: true });
    } else atoms.push({ x: p.x, y: p.y, element: 'C', bonded: false });
  });
  return atoms;
}

/** A generated set of independent configurations, one per frame. */
export interface SyntheticSet {
  /** Atoms: frame i holds configuration i; x, y in px (y down); particle = frame for the Si, null for C. */
  atoms: AtomRecord[];
  /** True kind index (into `kinds`) per frame. */
  truth: Int32Array;
  /** The kinds, in the order `truth` refers to. */
  kinds: ConfigurationKind[];
  /** 6mm operation index applied to each configuration (its orientation on the lattice). */
  orientationOps: Int32Array;
  /** Lattice rotation of each frame, degrees counter-clockwise on screen. */
  latticeAngleDeg: Float64Array;
  /** True when a bonded C was removed from that frame's configuration. */
  missing: Uint8Array;
  pixelSizePm: number;
}

/**
 * Independent configurations: `counts[i]` of `kinds[i]`, in random order, one per frame.
 */
export function generateConfigurations(kinds: ConfigurationKind[], counts: number[], o: SyntheticOptions): SyntheticSet {
  const rng = new Random(o.seed);
  const jitter = o.jitterPm ?? 6;
  const pMiss = o.missingProbability ?? 0.02;
  const R = o.patchRadiusPm ?? 450;
  const px = o.pixelSizePm ?? 10;
  const g6 = pointGroup('6mm');
  const order: number[] = [];
  kinds.forEach((_, k) => {
    for (let c = 0; c < counts[k]; c++) order.push(k);
  });
  rng.shuffle(order);
  const N = order.length;
  const truth = new Int32Array(N);
  const ops = new Int32Array(N);
  const angles = new Float64Array(N);
  const missing = new Uint8Array(N);
  const atoms: AtomRecord[] = [];
  const patches = kinds.map((k) => configurationPatch(k, R, o.bondPm?.[k]));
  const offset = R / px + 5;
  for (let f = 0; f < N; f++) {
    const k = order[f];
    truth[f] = k;
    const op = g6.ops[rng.int(g6.ops.length)];
    ops[f] = op.index;
    const theta = o.randomLatticeRotation === false ? 0 : rng.range(0, 2 * Math.PI);
    angles[f] = (theta * 180) / Math.PI;
    let patch = patches[k];
    if (rng.uniform() < pMiss) {
      const bonded = patch.map((a, i) => (a.bonded ? i : -1)).filter((i) => i >= 0);
      const drop = bonded[rng.int(bonded.length)];
      patch = patch.filter((_, i) => i !== drop);
      missing[f] = 1;
    }
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    for (const a of patch) {
      const v = applyOp(op, [a.x, a.y]);
      const xr = c * v[0] - s * v[1] + rng.normal() * jitter;
      const yr = s * v[0] + c * v[1] + rng.normal() * jitter;
      atoms.push({
        row: atoms.length,
        frame: f,
        x: offset + xr / px,
        y: offset - yr / px,
        species: a.element,
        element: a.element,
        particle: a.element === 'Si' ? f : null,
      });
    }
  }
  return { atoms, truth, kinds, orientationOps: ops, latticeAngleDeg: angles, missing, pixelSizePm: px };
}

/** A simulated movie of dopants changing configuration (for dwell-segment tests). */
export interface SyntheticMovie {
  /** Atoms of every frame; each dopant has its own patch; the Si carries particle = dopant id. */
  atoms: AtomRecord[];
  /** True kind index per (frame, dopant): `truth[frame * dopants + d]`. */
  truth: Int32Array;
  /** Dwell segment id per (frame, dopant), globally unique. */
  segment: Int32Array;
  kinds: ConfigurationKind[];
  frames: number;
  dopants: number;
  pixelSizePm: number;
}

/**
 * A movie: `dopants` dopants over `frames` frames; each dopant starts in a random kind and, with
 * probability `switchProbability` per frame, jumps to another kind in a new random orientation.
 * Within a dwell segment the geometry has a static distortion (Gaussian, `staticPm` per coordinate,
 * drawn once per segment: the local strain of that site) plus per-frame jitter (`jitterPm`), so
 * consecutive frames of one segment are near-duplicates.
 */
export function generateMovie(
  kinds: ConfigurationKind[],
  o: SyntheticOptions & { frames: number; dopants: number; switchProbability: number; staticPm?: number },
): SyntheticMovie {
  const rng = new Random(o.seed);
  const jitter = o.jitterPm ?? 3;
  const stat = o.staticPm ?? 8;
  const R = o.patchRadiusPm ?? 350;
  const px = o.pixelSizePm ?? 10;
  const theta = o.randomLatticeRotation === false ? 0 : rng.range(0, 2 * Math.PI);
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const g6 = pointGroup('6mm');
  const patches = kinds.map((k) => configurationPatch(k, R, o.bondPm?.[k]));
  const truth = new Int32Array(o.frames * o.dopants);
  const segment = new Int32Array(o.frames * o.dopants);
  const atoms: AtomRecord[] = [];
  const spacing = (2 * R) / px + 20;
  let nextSegment = 0;
  for (let d = 0; d < o.dopants; d++) {
    let kind = rng.int(kinds.length);
    let op = g6.ops[rng.int(g6.ops.length)];
    let distortion = patches[kind].map(() => [rng.normal() * stat, rng.normal() * stat]);
    let seg = nextSegment++;
    const ox = spacing / 2 + d * spacing;
    const oy = spacing / 2;
    for (let f = 0; f < o.frames; f++) {
      if (f > 0 && rng.uniform() < o.switchProbability) {
        kind = (kind + 1 + rng.int(kinds.length - 1)) % kinds.length;
        op = g6.ops[rng.int(g6.ops.length)];
        distortion = patches[kind].map(() => [rng.normal() * stat, rng.normal() * stat]);
        seg = nextSegment++;
      }
      truth[f * o.dopants + d] = kind;
      segment[f * o.dopants + d] = seg;
      patches[kind].forEach((a, i) => {
        const v = applyOp(op, [a.x + distortion[i][0], a.y + distortion[i][1]]);
        const xr = c * v[0] - s * v[1] + rng.normal() * jitter;
        const yr = s * v[0] + c * v[1] + rng.normal() * jitter;
        atoms.push({ row: 0, frame: f, x: ox + xr / px, y: oy - yr / px, species: a.element, element: a.element, particle: a.element === 'Si' ? d : null });
      });
    }
  }
  atoms.sort((a, b) => a.frame - b.frame);
  atoms.forEach((a, i) => (a.row = i));
  return { atoms, truth, segment, kinds, frames: o.frames, dopants: o.dopants, pixelSizePm: px };
}
