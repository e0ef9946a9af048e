/**
 * The whole unit-cell analysis of one frame's atoms: the lattice basis, the complete cells with sides,
 * angles, areas and strain (each with its propagated standard error), robust summaries, and, when a
 * second sublattice is given, the B-site displacements from the A-cell centres (polarisation).
 * Positions are in pixels; the caller converts lengths to pm.
 */
import { alignBasis, estimateLatticeBasis, type LatticeBasis } from './latticeBasis.ts';
import { findCells, measureCells, type Cell, type CellMeasurement, type CellShape, type ReferenceBasis, type Region } from './unitCells.ts';
import { robustSummary, type RobustSummary } from './robustSummary.ts';
import { bSiteDisplacements, type SiteDisplacement } from './polarisation.ts';

/** Atoms of one sublattice in one frame. */
export interface LatticeAtoms {
  /** Positions, px. */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Position standard error per coordinate, px. */
  sigma: ArrayLike<number>;
}

/** Options of {@link analyseCells}. */
export interface CellAnalysisOptions {
  /** Reference region in px (cells with centres inside); null = the mean lattice of all cells. */
  region?: Region | null;
  /** A given reference basis (px) instead of a region, e.g. from a literature lattice constant. */
  reference?: ReferenceBasis;
  /** Cell shape; default from the lattice (triangles for hexagonal). */
  shape?: CellShape;
  /** A basis to index the cells like (e.g. the reference frame's), else the estimated one as is. */
  alignTo?: LatticeBasis;
}

/** Result of {@link analyseCells}. */
export interface CellAnalysis {
  basis: LatticeBasis;
  cells: Cell[];
  measurements: CellMeasurement[];
  reference: ReferenceBasis;
  /** Robust summaries (px, px², degrees, dimensionless) of every cell quantity. */
  summary: Record<'sideA' | 'sideB' | 'angle' | 'area' | 'exx' | 'eyy' | 'exy' | 'rotation', RobustSummary>;
  /** B-site displacements, when B atoms were given. */
  displacements: SiteDisplacement[];
}

/**
 * Analyse one frame.
 * @param lattice the atoms that make the cells (e.g. the A sublattice)
 * @param bSites optional second sublattice for the displacements from the cell centres
 * @throws Error when the atoms do not form a lattice or the reference region holds fewer than 2 cells
 */
export function analyseCells(lattice: LatticeAtoms, bSites: LatticeAtoms | null, options: CellAnalysisOptions = {}): CellAnalysis {
  let basis = estimateLatticeBasis(lattice.x, lattice.y);
  if (options.alignTo) basis = alignBasis(basis, options.alignTo);
  else if (options.reference) basis = alignBasis(basis, options.reference);
  const cells = findCells(lattice.x, lattice.y, basis, options.shape);
  if (cells.length === 0) throw new Error('no complete unit cell: the atoms are too few or too irregular');
  const { cells: measurements, reference } = measureCells(lattice.x, lattice.y, lattice.sigma, cells, { region: options.region ?? null, reference: options.reference });
  const keys = ['sideA', 'sideB', 'angle', 'area', 'exx', 'eyy', 'exy', 'rotation'] as const;
  const summary = Object.fromEntries(
    keys.map((k) => [k, robustSummary(measurements.map((c) => c[k]), measurements.map((c) => c[`${k}Err` as const]))]),
  ) as CellAnalysis['summary'];
  const minSide = Math.min(summary.sideA.median, summary.sideB.median);
  const displacements = bSites ? bSiteDisplacements(lattice.x, lattice.y, lattice.sigma, cells, bSites.x, bSites.y, bSites.sigma, 0.3 * minSide) : [];
  return { basis, cells, measurements, reference, summary, displacements };
}
