/**
 * Polarisation vectors of perovskite-like crystals: the displacement of each B-site column from the
 * centre of the A-site cell around it (the mean of the cell's four corners), as in HAADF polarisation
 * mapping of PbTiO3 and PZT (Jia et al., Nature Mater. 7, 57 (2008); Tang et al., Science 348, 547
 * (2015), whose δ_Ti is this displacement). The sign convention of the physical polarisation differs
 * between compounds (in PbTiO3 Pb moves farther than Ti relative to the oxygen, so P is antiparallel to
 * δ_Ti); this module reports the displacement itself. Standard errors: the B column's own position
 * error and the error of the mean of the four corners, sqrt(σ_B² + Σ σ_k² / 16) per coordinate.
 */
import { SpatialGrid } from '../../numerics/spatialGrid.ts';
import type { Cell } from './unitCells.ts';

/** One B-site displacement, position units. */
export interface SiteDisplacement {
  /** Index of the B-site atom in its own arrays. */
  atom: number;
  /** B-site position. */
  x: number;
  y: number;
  /** Displacement from the A-cell centre and its standard error per coordinate. */
  dx: number;
  dy: number;
  dxErr: number;
  dyErr: number;
}

/**
 * Displacements of B-site atoms from the centres of the parallelogram A-site cells that hold them.
 * @param ax, ay, aSigma A-site positions and per-coordinate standard errors
 * @param cells complete parallelogram cells of the A sublattice (findCells)
 * @param bx, by, bSigma B-site positions and standard errors (same unit)
 * @param maxOffset largest accepted distance of a B site from the cell centre (e.g. 0.3 x the shorter side)
 * @returns one entry per cell that holds a B site within maxOffset of its centre
 */
export function bSiteDisplacements(
  ax: ArrayLike<number>, ay: ArrayLike<number>, aSigma: ArrayLike<number>, cells: readonly Cell[],
  bx: ArrayLike<number>, by: ArrayLike<number>, bSigma: ArrayLike<number>, maxOffset: number,
): SiteDisplacement[] {
  if (bx.length === 0) return [];
  const grid = new SpatialGrid(bx, by, Math.max(maxOffset, 1e-9));
  const out: SiteDisplacement[] = [];
  for (const c of cells) {
    if (c.shape !== 'parallelogram') continue;
    let cx = 0, cy = 0, v = 0;
    for (const i of c.corners) {
      cx += ax[i] / 4;
      cy += ay[i] / 4;
      v += aSigma[i] ** 2 / 16;
    }
    const hit = grid.nearestK(cx, cy, 1, maxOffset);
    if (!hit.length) continue;
    const j = hit[0].index;
    const e = Math.sqrt(v + bSigma[j] ** 2);
    out.push({ atom: j, x: bx[j], y: by[j], dx: bx[j] - cx, dy: by[j] - cy, dxErr: e, dyErr: e });
  }
  return out;
}
