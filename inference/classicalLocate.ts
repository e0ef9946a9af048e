/**
 * `locate --model classical`: atoms in any well-resolved crystal without a network. The scale comes
 * from the frame's Fourier lattice spacing (inference/latticeSpacing.ts); atoms from the classical
 * finder (inference/classicalFinder.ts: Laplacian of Gaussian, 2-D Gaussian refinement with a position
 * standard error per atom); sublattices from the geometry (analytics/cells/sublattices.ts: an index-2
 * partition of the lattice of all atoms, chosen and named by the intensity contrast of its two
 * classes). For two sublattices, A-site cells whose centre holds no detected atom are searched for a
 * B column by a Gaussian fit started at the cell centre (as Atomap finds the B sublattice between
 * the A atoms: Nord et al., Adv. Struct. Chem. Imaging 3, 9 (2017)), so a faint Ti column beside Pb
 * is found where the detector threshold missed it.
 */
import { AtomdynError } from '../data/errors.ts';
import { findAtomsClassical, type BaselineAtom } from './classicalFinder.ts';
import { refineAtom } from './gaussianRefine.ts';
import { measureLatticeSpacing } from './latticeSpacing.ts';
import type { LocatedAtom } from './locateFrame.ts';
import { splitSublattices } from '../analytics/cells/sublattices.ts';
import { estimateLatticeBasis, norm } from '../analytics/cells/latticeBasis.ts';
import { findCells } from '../analytics/cells/unitCells.ts';
import { SpatialGrid } from '../numerics/spatialGrid.ts';
import { silentProgress, type ProgressSink } from '../data/progress.ts';

/** Settings of {@link locateClassicalFrame}. */
export interface ClassicalLocateOptions {
  /** First-order lattice spacing in px; measured from the frame when absent. */
  spacingPx?: number;
  /** Point group for the spacing measurement ('4mm' square, '6mm' hexagonal); default: both, the stronger peak wins. */
  pointGroup?: string;
  /** Detection threshold in robust standard deviations of the LoG response (default 1). */
  threshold?: number;
  /** 'auto': two sublattices when the geometric split has contrast; '1': one; '2': always two (A = the detected atoms when no split). */
  sublattices?: 'auto' | '1' | '2';
  /** Which sublattice is called A: the brighter (default) or the dimmer. */
  aSite?: 'bright' | 'dim';
}

/** Result for one frame. */
export interface ClassicalFrame {
  atoms: LocatedAtom[];
  spacingPx: number;
  /** Welch t of the sublattice split (0 for one sublattice). */
  contrast: number;
  /** B sites added by the fit at A-cell centres. */
  centreFits: number;
}

/**
 * Find the atoms of one frame with the classical finder and name them by sublattice: species `A` and
 * `B` for two sublattices, `atom` for one. Confidence is 1 (no class probabilities).
 * @param frame raw float32 `[height * width]`
 * @param source file name for errors
 * @throws AtomdynError when no lattice spacing can be measured and none is given
 */
export function locateClassicalFrame(frame: Float32Array, height: number, width: number, opts: ClassicalLocateOptions = {}, source = 'frame'): ClassicalFrame {
  // without a stated point group, the square and the hexagonal template are both tried and the stronger lattice peak wins
  const tries = opts.spacingPx ? [] : (opts.pointGroup ? [opts.pointGroup] : ['4mm', '6mm']).map((pg) => measureLatticeSpacing(frame, height, width, { pointGroup: pg }));
  const best = tries.filter((t) => t !== null).sort((p, q) => q!.strength - p!.strength)[0];
  const spacing = opts.spacingPx ?? best?.spacingPx;
  if (!spacing || !(spacing > 2)) throw new AtomdynError(source, 'no lattice spacing found in the frame for the classical finder; give `spacingPx`');
  const sigmaPx = 0.12 * spacing;
  const found = findAtomsClassical(frame, height, width, { atomSigmaPx: sigmaPx, minDistancePx: 0.3 * spacing, threshold: opts.threshold ?? 1, twoSpecies: false });
  const atoms = found.filter((a) => a.x >= -0.5 && a.y >= -0.5 && a.x <= width - 0.5 && a.y <= height - 0.5);
  const mode = opts.sublattices ?? 'auto';
  const plain = (a: BaselineAtom, species: string): LocatedAtom => ({ x: a.x, y: a.y, species, confidence: 1, sigmaPx: a.sigma, presence: NaN });
  if (mode === '1' || atoms.length < 8) return { atoms: atoms.map((a) => plain(a, 'atom')), spacingPx: spacing, contrast: 0, centreFits: 0 };
  const split = splitSublattices(atoms.map((a) => a.x), atoms.map((a) => a.y), atoms.map((a) => a.intensity));
  if (!split.parity && mode === 'auto') return { atoms: atoms.map((a) => plain(a, 'atom')), spacingPx: spacing, contrast: split.contrast, centreFits: 0 };
  const aClass = opts.aSite === 'dim' ? 1 : 0;
  // B detections without a significant Gaussian fit are dropped: on a lattice the detector also fires in the
  // empty middle of a cell; the centre fit below puts back every B column that is really there
  const out: LocatedAtom[] = atoms
    .map((a, i) => plain(a, !split.parity || split.sublattice[i] === aClass ? 'A' : 'B'))
    .filter((a) => a.species === 'A' || a.sigmaPx > 0);
  // B columns the detector missed: a Gaussian fit started at each empty A-cell centre
  const aIdx = out.map((a, i) => (a.species === 'A' ? i : -1)).filter((i) => i >= 0);
  const ax = aIdx.map((i) => out[i].x), ay = aIdx.map((i) => out[i].y);
  let centreFits = 0;
  if (ax.length >= 4) {
    const basis = estimateLatticeBasis(ax, ay);
    const side = Math.min(norm(basis.a), norm(basis.b));
    const bs = out.filter((a) => a.species === 'B');
    const grid = new SpatialGrid(bs.map((b) => b.x), bs.map((b) => b.y), Math.max(1, 0.3 * side));
    for (const c of findCells(ax, ay, basis, 'parallelogram')) {
      const cx = c.corners.reduce((s, k) => s + ax[k], 0) / 4, cy = c.corners.reduce((s, k) => s + ay[k], 0) / 4;
      if (bs.length && grid.nearestK(cx, cy, 1, 0.3 * side).length) continue;
      const f = refineAtom(frame, height, width, cx, cy, 0.3 * side, sigmaPx, 0.2 * side);
      if (!f.refined) continue;
      out.push({ x: f.x, y: f.y, species: 'B', confidence: 1, sigmaPx: f.sigma, presence: NaN });
      centreFits++;
    }
  }
  return { atoms: out, spacingPx: spacing, contrast: split.contrast, centreFits };
}

/** Summary of a classical locate run over a stack. */
export interface ClassicalRun {
  frames: Array<{ frame: number; atoms: LocatedAtom[] }>;
  /** Lattice spacing of the first frame, px (used for every frame). */
  spacingPx: number;
  /** Sublattice contrast and centre fits per frame. */
  contrast: number[];
  centreFits: number[];
}

/**
 * Locate every frame of a stack with the classical finder. The lattice spacing is measured once on
 * the first frame (or given) and used for all frames.
 * @param readFrame frame reader (e.g. FrameStack.readFrame)
 * @param progress ticked once per frame
 * @throws AtomdynError as {@link locateClassicalFrame}
 */
export async function locateClassical(
  readFrame: (i: number) => Promise<Float32Array>, count: number, height: number, width: number,
  opts: ClassicalLocateOptions, source: string, progress: ProgressSink = silentProgress,
): Promise<ClassicalRun> {
  const run: ClassicalRun = { frames: [], spacingPx: NaN, contrast: [], centreFits: [] };
  progress.start('locate (classical)', count);
  try {
    for (let i = 0; i < count; i++) {
      const r = locateClassicalFrame(await readFrame(i), height, width, { ...opts, spacingPx: opts.spacingPx ?? (i > 0 ? run.spacingPx : undefined) }, `${source} frame ${i}`);
      run.spacingPx = r.spacingPx;
      run.frames.push({ frame: i, atoms: r.atoms });
      run.contrast.push(r.contrast);
      run.centreFits.push(r.centreFits);
      progress.tick(1);
    }
  } finally {
    progress.stop();
  }
  return run;
}
