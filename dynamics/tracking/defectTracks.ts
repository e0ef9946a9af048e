/**
 * Point defects as particles: the defects of `sites.csv` (vacancies, substitutional dopants; see
 * docs/schema.md) linked from frame to frame with the atoms' linker (dynamics/tracking/linking.ts) on
 * drift-corrected positions, so that a vacancy that hops to a neighbouring site of its sublattice stays
 * one particle, and appended to tracks.csv as rows of species `defect` (docs/schema.md, "Defect
 * centres in tracks.csv").
 */
import type { Cell, Table } from '../../data/csvTable.ts';
import { AtomdynError } from '../../data/errors.ts';
import { medianNearestNeighbourDistance } from '../../numerics/spatialGrid.ts';
import { link } from './linking.ts';

/** Species name of defect rows in tracks.csv. */
export const DEFECT_SPECIES = 'defect';

/** One defect seen in one frame. */
export interface DefectDetection {
  frame: number;
  /** Site position, px. */
  x: number;
  y: number;
  /** Defect name (`vac_Se`, `V_Mo`). */
  defect: string;
  /** `metal` or `chalcogen`. */
  sublattice: string;
}

/**
 * The defects of a sites table (rows with a non-empty `defect`) and its lattice constant (median
 * nearest-neighbour distance of the metal sites of the first frame).
 * @param file named in errors
 * @throws AtomdynError(file) when a column is missing or a cell is not a number
 */
export function defectsFromSites(sites: Table, file: string): { defects: DefectDetection[]; latticeConstantPx: number } {
  for (const c of ['frame', 'x', 'y', 'sublattice', 'defect']) if (!sites.columns.includes(c)) throw new AtomdynError(file, `missing column '${c}' (a sites.csv has frame, site, sublattice, x, y, occupancy, defect)`);
  const defects: DefectDetection[] = [];
  const mx: number[] = [], my: number[] = [];
  let first = Infinity;
  for (const r of sites.rows) if (typeof r.frame === 'number' && r.frame < first) first = r.frame;
  sites.rows.forEach((r, i) => {
    if (typeof r.frame !== 'number' || typeof r.x !== 'number' || typeof r.y !== 'number') throw new AtomdynError(file, `line ${i + 2}: frame, x and y must be numbers`);
    if (r.frame === first && r.sublattice === 'metal') {
      mx.push(r.x);
      my.push(r.y);
    }
    if (r.defect === null || r.defect === '' || r.defect === undefined) return;
    defects.push({ frame: r.frame, x: r.x, y: r.y, defect: String(r.defect), sublattice: String(r.sublattice ?? '') });
  });
  return { defects, latticeConstantPx: medianNearestNeighbourDistance(mx, my) };
}

/** Settings of {@link trackDefects}. */
export interface DefectTrackOptions {
  /** Drift per frame, px: the content of frame f appears at (x + dx, y + dy); frames without an entry get (0, 0). */
  drift: ReadonlyMap<number, { dx: number; dy: number }>;
  /** Lattice constant, px; the search range is 1.2 of it. */
  latticeConstantPx: number;
  /** Frames a defect may go unseen and keep its particle. Default 2. */
  memory?: number;
  /** Id of the first defect particle (after the atoms'). */
  firstParticle: number;
}

/** The linked defects. */
export interface DefectTracks {
  /** Particle id per defect (input order). */
  particle: Int32Array;
  /** Drift-corrected positions, px. */
  xCorr: Float64Array;
  yCorr: Float64Array;
  /** Number of defect particles. */
  particleCount: number;
}

/**
 * Link defects into particles, each sublattice on its own (every defect kind of one sublattice
 * together: a single chalcogen vacancy that loses its second atom keeps its particle and changes its
 * name; a chalcogen vacancy never continues as a metal dopant). Particle ids: the chalcogen's first,
 * then the metal's (sublattice names in alphabetical order).
 * @throws AtomdynError('sites.csv') when the lattice constant is not a positive number
 */
export function trackDefects(defects: readonly DefectDetection[], opts: DefectTrackOptions): DefectTracks {
  if (!(opts.latticeConstantPx > 0)) throw new AtomdynError('sites.csv', 'no lattice constant: the first frame has fewer than two metal sites');
  const xCorr = Float64Array.from(defects, (d) => d.x - (opts.drift.get(d.frame)?.dx ?? 0));
  const yCorr = Float64Array.from(defects, (d) => d.y - (opts.drift.get(d.frame)?.dy ?? 0));
  if (!defects.length) return { particle: new Int32Array(0), xCorr, yCorr, particleCount: 0 };
  // one linking per sublattice: a chalcogen vacancy never continues as a metal dopant
  const particle = new Int32Array(defects.length);
  let next = opts.firstParticle;
  for (const sub of [...new Set(defects.map((d) => d.sublattice))].sort()) {
    const idx = defects.map((d, i) => (d.sublattice === sub ? i : -1)).filter((i) => i >= 0);
    const r = link({ frame: idx.map((i) => defects[i].frame), x: idx.map((i) => xCorr[i]), y: idx.map((i) => yCorr[i]) }, { searchRange: 1.2 * opts.latticeConstantPx, memory: opts.memory ?? 2 });
    idx.forEach((i, k) => { particle[i] = r.particle[k] + next; });
    next += r.particleCount;
  }
  return { particle, xCorr, yCorr, particleCount: next - opts.firstParticle };
}

/**
 * The drift of each frame from drift.csv rows (`frame`, `dx`, `dy`, px).
 */
export function driftByFrame(drift: Table): Map<number, { dx: number; dy: number }> {
  const m = new Map<number, { dx: number; dy: number }>();
  for (const r of drift.rows) if (typeof r.frame === 'number' && typeof r.dx === 'number' && typeof r.dy === 'number') m.set(r.frame, { dx: r.dx, dy: r.dy });
  return m;
}

/**
 * tracks.csv rows for linked defects, in the columns of the atoms' tracks table: `species` and
 * `particle_species` `defect`, `element` the defect name, `confidence` 1, drift-corrected positions,
 * `_pm` columns when calibrated; other columns empty.
 * @param columns the tracks table's columns
 * @param pixelSizePm null when uncalibrated
 */
export function defectTrackRows(defects: readonly DefectDetection[], t: DefectTracks, columns: readonly string[], pixelSizePm: number | null): Array<Record<string, Cell>> {
  const r4 = (v: number) => Math.round(v * 1e4) / 1e4;
  const r2 = (v: number) => Math.round(v * 100) / 100;
  return defects.map((d, i) => {
    const row: Record<string, Cell> = Object.fromEntries(columns.map((c) => [c, null]));
    Object.assign(row, { frame: d.frame, x: r4(d.x), y: r4(d.y), species: DEFECT_SPECIES, element: d.defect, confidence: 1, particle: t.particle[i], particle_species: DEFECT_SPECIES, x_corr: r4(t.xCorr[i]), y_corr: r4(t.yCorr[i]) });
    if (pixelSizePm !== null) {
      for (const [c, v] of [['x_pm', d.x], ['y_pm', d.y], ['x_corr_pm', t.xCorr[i]], ['y_corr_pm', t.yCorr[i]]] as const) if (columns.includes(c)) row[c] = r2(v * pixelSizePm);
    }
    return row;
  });
}
