/**
 * Every lattice-derived scale of atomdyn goes through this module: the pixel size implied by a Fourier
 * lattice spacing, and the pixel size implied by the bond lengths of located atoms. Lattice facts (lattice
 * constants, bond lengths, point groups) come from models/materials.ts and nowhere else.
 *
 * - Fourier: a hexagonal lattice of constant a has first-order planes d100 = a·√3/2 apart (graphene
 *   213 pm, WSe2 284 pm), a square one d100 = a; a measured spacing of d px means d100 / d pm/px.
 * - Bonds: the median length of host-host bonds (pairs within 1.25 times the median nearest-neighbour
 *   distance, which alone is biased short by noise) against the material's bond length (graphene C-C
 *   142 pm) means bond / median pm/px.
 */
import { SpatialGrid } from '../numerics/spatialGrid.ts';
import { hostBondPm, materialByName, FAMILY_LATTICE_CONSTANT_PM } from '../models/materials.ts';

/**
 * First-order Bragg spacing (pm) of a lattice from its constant and point group:
 * hexagonal (6mm, 3m, 6/mmm, -6m2, 3m1): a·√3/2; square (4mm): a.
 */
export function firstOrderSpacingPm(latticeConstantPm: number, pointGroup: string): number {
  return /^4/.test(pointGroup) ? latticeConstantPm : (latticeConstantPm * Math.sqrt(3)) / 2;
}

/**
 * Pixel size (pm/px) implied by a measured first-order lattice spacing.
 * @param spacingPx measured first-order spacing, px (inference/latticeSpacing.ts)
 * @param latticeConstantPm the material's lattice constant a, pm
 * @param pointGroup the lattice's point group ('6mm', '3m', '4mm')
 */
export function pixelSizeFromSpacing(spacingPx: number, latticeConstantPm: number, pointGroup: string): number {
  return firstOrderSpacingPm(latticeConstantPm, pointGroup) / spacingPx;
}

/**
 * First-order lattice spacing (px) a lattice should show at a given pixel size: the inverse of
 * {@link pixelSizeFromSpacing}.
 */
export function expectedSpacingPx(latticeConstantPm: number, pointGroup: string, pixelSizePm: number): number {
  return firstOrderSpacingPm(latticeConstantPm, pointGroup) / pixelSizePm;
}

/**
 * Projected atomic columns per pm² of a lattice: a honeycomb (graphene; 1H MX2, whose chalcogen pair
 * projects onto one column) has 2 columns per cell of area a²·√3/2; a square lattice of constant a
 * (with one column per cell) 1 / a².
 * @param latticeConstantPm a, pm
 * @param pointGroup '6mm', '3m' (honeycomb) or '4mm'
 */
export function columnDensityPerPm2(latticeConstantPm: number, pointGroup: string): number {
  return /^4/.test(pointGroup) ? 1 / latticeConstantPm ** 2 : 2 / ((latticeConstantPm ** 2 * Math.sqrt(3)) / 2);
}

/**
 * Nearest-neighbour (bond) length in projection of a lattice, pm: the material's bond length when the
 * name is a known material ('graphene' 142, 'WSe2' 189.5), else the graphene-family host bond of the
 * element, else a / √3 of a family ('mx2'). Null when nothing is known.
 * @param lattice material or family name (run.json's `lattice`), or null
 * @param hostElement the host element, for graphene-like hosts named by element ('C')
 */
export function bondLengthPm(lattice: string | null, hostElement?: string): number | null {
  const m = materialByName(lattice);
  if (m) return m.bondPm;
  if (hostElement) {
    const b = hostBondPm(hostElement);
    if (b !== null) return b;
  }
  const fam = lattice?.toLowerCase() as keyof typeof FAMILY_LATTICE_CONSTANT_PM | undefined;
  if (fam && fam in FAMILY_LATTICE_CONSTANT_PM) return FAMILY_LATTICE_CONSTANT_PM[fam] / Math.sqrt(3);
  return null;
}

/**
 * Pixel size (pm/px) from the bonds of located host atoms (see the module comment).
 * @param frames host atom positions per frame, px (x = column, y = row); of the first 20 frames,
 *   those with at least 10 atoms are used
 * @param bondPm the host-host bond length, pm (from {@link bondLengthPm})
 * @returns null with fewer than 10 usable nearest-neighbour distances
 */
export function pixelSizeFromBonds(frames: Array<Array<{ x: number; y: number }>>, bondPm: number): number | null {
  const nn: number[] = [];
  const grids: Array<{ pts: Array<{ x: number; y: number }>; grid: SpatialGrid }> = [];
  for (const pts of frames.slice(0, 20).filter((f) => f.length >= 10)) {
    const grid = new SpatialGrid(pts.map((a) => a.x), pts.map((a) => a.y), 8);
    grids.push({ pts, grid });
    pts.forEach((a, i) => {
      const [n] = grid.nearestK(a.x, a.y, 1, Infinity, i);
      if (n) nn.push(Math.sqrt(n.d2));
    });
  }
  if (nn.length < 10) return null;
  nn.sort((x, y) => x - y);
  const d0 = nn[Math.floor(nn.length / 2)];
  const bonds: number[] = [];
  for (const { pts, grid } of grids) {
    pts.forEach((a, i) => {
      for (const n of grid.within(a.x, a.y, 1.25 * d0, i)) if (n.index > i) bonds.push(Math.sqrt(n.d2));
    });
  }
  bonds.sort((x, y) => x - y);
  return bondPm / bonds[Math.floor(bonds.length / 2)];
}

/**
 * Pixel size (pm/px) at which a set of nearest-neighbour distances has the lattice's bond length:
 * bond / median distance (used by inference/scaleFromAtoms.ts to refine a trial scale).
 * @param nearestPx nearest-neighbour distances in px, sorted ascending, not empty
 */
export function pixelSizeFromNearest(nearestPx: number[], bondPm: number): number {
  return bondPm / nearestPx[nearestPx.length >> 1];
}

/** Result of {@link bondAgreement}. */
export interface BondAgreement {
  /** Share of the atoms whose nearest neighbour lies within `tolerance` of the bond length (0..1; 0 without atoms). */
  agreement: number;
  /** Those atoms' nearest-neighbour distances, px, sorted ascending. */
  goodNearestPx: number[];
}

/**
 * How well located atoms have the lattice's bond length at a pixel size: the share of atoms whose
 * nearest neighbour is `bond · (1 ± tolerance)` away. At the right scale on the right lattice most do
 * (0.6 and more on graphene and MX2 frames); on another lattice or at a wrong scale few do.
 * @param atoms positions in px
 * @param pixelSizePm pm/px
 * @param bondPm the lattice's bond length, pm (from {@link bondLengthPm})
 * @param tolerance relative tolerance (default 0.12)
 */
export function bondAgreement(atoms: Array<{ x: number; y: number }>, pixelSizePm: number, bondPm: number, tolerance = 0.12): BondAgreement {
  if (atoms.length < 2) return { agreement: 0, goodNearestPx: [] };
  const grid = new SpatialGrid(atoms.map((a) => a.x), atoms.map((a) => a.y), Math.max(1, bondPm / pixelSizePm));
  const good: number[] = [];
  atoms.forEach((a, i) => {
    const [n] = grid.nearestK(a.x, a.y, 1, Infinity, i);
    if (n && Math.abs((Math.sqrt(n.d2) * pixelSizePm) / bondPm - 1) < tolerance) good.push(Math.sqrt(n.d2));
  });
  good.sort((x, y) => x - y);
  return { agreement: good.length / atoms.length, goodNearestPx: good };
}
