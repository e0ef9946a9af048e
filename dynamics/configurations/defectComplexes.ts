/**
 * Defect centres classified by their local complex (docs/schema.md, "Defect centres"): the point
 * defects of a frame (tracks.csv rows of species `defect`, from sites.csv) joined when their sites are
 * within 1.1 lattice constants (neighbouring sites of one sublattice, a metal site and its chalcogen
 * neighbours), each complex named by its defects: one defect by its own name (`vac_Se`, the double
 * chalcogen vacancy `vac_Se2`, `V_Mo`), two by `pair:` and their composition, three or more on a line
 * by `line:`, others by `cluster:`. The state of each defect in each frame is its complex's name, so
 * the transition matrices count how complexes form, grow, split and heal. No mixture is fitted: the
 * class is read from the sites.
 */
import { AtomdynError } from '../../data/errors.ts';
import { SpatialGrid } from '../../numerics/spatialGrid.ts';
import type { AtomRecord } from './centres.ts';
import type { ConfigurationRow } from './describeCentres.ts';

/** Defects closer than this many lattice constants belong to one complex. */
export const COMPLEX_JOIN_FACTOR = 1.1;

/**
 * A composition: names alphabetically, each with its count when above 1, joined by `+`
 * (`2vac_Se+vac_W`).
 */
export function compositionName(names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([n, c]) => (c > 1 ? `${c}${n}` : n)).join('+');
}

/**
 * The name of a complex from its defects' names and positions (docs/schema.md table).
 * @param tolerance largest distance from the best line for `line:` (position units), a quarter bond
 */
export function complexName(names: readonly string[], xs: readonly number[], ys: readonly number[], tolerance: number): string {
  if (names.length === 1) return names[0];
  const comp = compositionName(names);
  if (names.length === 2) return `pair:${comp}`;
  // best line through the points: principal axis of their scatter
  const n = xs.length;
  const mx = xs.reduce((s, v) => s + v, 0) / n, my = ys.reduce((s, v) => s + v, 0) / n;
  let sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  const theta = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const nx = -Math.sin(theta), ny = Math.cos(theta);
  const onLine = xs.every((x, i) => Math.abs((x - mx) * nx + (ys[i] - my) * ny) <= tolerance);
  return `${onLine ? 'line' : 'cluster'}:${comp}`;
}

/** Result of {@link classifyDefectComplexes}. */
export interface DefectComplexResult {
  /** One row per defect centre, in input order. */
  rows: ConfigurationRow[];
  /** Class names by state index (most rows first, ties by name), with their row counts. */
  classes: Array<{ index: number; name: string; count: number }>;
  /** Per frame, the complexes found. */
  complexes: Array<{ frame: number; complex: number; name: string; x: number; y: number; defects: number }>;
}

/**
 * Classify defect centres by their complex.
 * @param defects the centres: AtomRecords whose `element` is the defect name, positions px
 * @param latticeConstantPx lattice constant, px (joins at {@link COMPLEX_JOIN_FACTOR} of it)
 * @throws AtomdynError naming the option `centre` when the lattice constant is not positive
 */
export function classifyDefectComplexes(defects: readonly AtomRecord[], latticeConstantPx: number): DefectComplexResult {
  if (!(latticeConstantPx > 0)) throw AtomdynError.forOption('centre', 'defect centres need the lattice constant (no metal atoms to measure it, and no pixel size and material)');
  const join = COMPLEX_JOIN_FACTOR * latticeConstantPx;
  const tolerance = 0.25 * latticeConstantPx / Math.sqrt(3);
  const byFrame = new Map<number, number[]>();
  defects.forEach((d, i) => {
    let l = byFrame.get(d.frame);
    if (!l) byFrame.set(d.frame, (l = []));
    l.push(i);
  });
  const nameOf = new Array<string>(defects.length);
  const complexOf = new Int32Array(defects.length);
  const complexes: DefectComplexResult['complexes'] = [];
  for (const [frame, idx] of [...byFrame.entries()].sort((a, b) => a[0] - b[0])) {
    const xs = idx.map((i) => defects[i].x), ys = idx.map((i) => defects[i].y);
    const grid = new SpatialGrid(xs, ys, join);
    const parent = idx.map((_, k) => k);
    const find = (k: number): number => (parent[k] === k ? k : (parent[k] = find(parent[k])));
    for (let k = 0; k < idx.length; k++) for (const { index } of grid.within(xs[k], ys[k], join, k)) parent[find(index)] = find(k);
    const groups = new Map<number, number[]>();
    for (let k = 0; k < idx.length; k++) {
      const r = find(k);
      let g = groups.get(r);
      if (!g) groups.set(r, (g = []));
      g.push(k);
    }
    // complex ids in order of each complex's first defect
    const ordered = [...groups.values()].sort((a, b) => a[0] - b[0]);
    ordered.forEach((g, id) => {
      const name = complexName(g.map((k) => defects[idx[k]].element), g.map((k) => xs[k]), g.map((k) => ys[k]), tolerance);
      for (const k of g) {
        nameOf[idx[k]] = name;
        complexOf[idx[k]] = id;
      }
      complexes.push({ frame, complex: id, name, x: g.reduce((s, k) => s + xs[k], 0) / g.length, y: g.reduce((s, k) => s + ys[k], 0) / g.length, defects: g.length });
    });
  }
  const counts = new Map<string, number>();
  for (const n of nameOf) counts.set(n, (counts.get(n) ?? 0) + 1);
  const names = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const stateOf = new Map(names.map(([n], i) => [n, i]));
  const rows: ConfigurationRow[] = defects.map((d, i) => ({
    frame: d.frame, particle: d.particle, x: d.x, y: d.y, complex: complexOf[i], formula: nameOf[i], state: stateOf.get(nameOf[i])!, state_name: nameOf[i],
    rotation: null, mirror: null, probability: 1,
  }));
  return { rows, classes: names.map(([name, count], index) => ({ index, name, count })), complexes };
}
