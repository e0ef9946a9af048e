/**
 * Unit cells of a 2-D lattice from its atom positions, measured with error bars.
 *
 * Cells are found locally (no global indexing, so a dislocation does not break them): from every atom
 * the atoms nearest to p + a, p + b and p + a + b (within 30 % of the shorter basis vector) make a cell
 * when the circuit closes (the a-neighbour's b-neighbour is the b-neighbour's a-neighbour). Only
 * complete cells are kept, so the crystal's edge leaves no half cells ("evaluation of squares only").
 * Square, rectangular and oblique lattices give parallelograms; a hexagonal lattice (|a| = |b|, 60
 * degrees) gives two triangles per parallelogram.
 *
 * Each cell's local basis D = [a_local b_local] is the least-squares affine fit p_k = c + D n_k of its
 * corners p_k to their lattice indices n_k; the strain is the small-strain tensor of the deformation
 * gradient F = D R^-1 against a reference basis R (Hÿtch, Snoeck & Kilaas, Ultramicroscopy 74, 131
 * (1998) define the same quantities for geometric phase analysis): e_xx = F11 - 1, e_yy = F22 - 1,
 * e_xy = (F12 + F21) / 2 (tensor shear), rotation = atan2(F12 - F21, F11 + F22), counter-clockwise as
 * seen on screen (y down). Standard errors are propagated to first order (the delta method) from each
 * corner's position standard error (per coordinate, independent, as the `sigma_pm` of atoms.csv) and
 * from the covariance of the reference basis.
 */
import { SpatialGrid } from '../../numerics/spatialGrid.ts';
import { angleBetween, norm, type LatticeBasis } from './latticeBasis.ts';

/** Cell shape. */
export type CellShape = 'parallelogram' | 'triangle';

/** One cell: its corner atoms (indices into the position arrays) in polygon order and their lattice indices. */
export interface Cell {
  shape: CellShape;
  /** Atom indices of the corners, polygon order (counter-clockwise in index space). */
  corners: number[];
  /** Lattice index (n_a, n_b) of each corner relative to the cell's first corner. */
  index: Array<[number, number]>;
}

/**
 * Whether a basis is hexagonal (equal lengths within 8 %, 60 or 120 degrees within 8 degrees), for which
 * cells are triangles.
 */
export function isHexagonal(basis: LatticeBasis): boolean {
  const r = norm(basis.b) / norm(basis.a);
  const ang = angleBetween(basis.a, basis.b);
  return Math.abs(r - 1) < 0.08 && (Math.abs(ang - 60) < 8 || Math.abs(ang - 120) < 8);
}

/**
 * Find the complete cells of a lattice.
 * @param xs x positions, ys y positions (same unit as the basis)
 * @param basis the lattice basis (estimateLatticeBasis, or a reference)
 * @param shape 'parallelogram' or 'triangle'; default: triangles for a hexagonal basis
 * @returns the cells, each parallelogram once (from its corner with the lowest indices)
 */
export function findCells(xs: ArrayLike<number>, ys: ArrayLike<number>, basis: LatticeBasis, shape: CellShape = isHexagonal(basis) ? 'triangle' : 'parallelogram'): Cell[] {
  const { a, b } = basis;
  const tol = 0.3 * Math.min(norm(a), norm(b));
  const grid = new SpatialGrid(xs, ys, Math.max(tol, 1e-9));
  const at = (i: number, v: readonly [number, number]): number => {
    const hit = grid.nearestK(xs[i] + v[0], ys[i] + v[1], 1, tol, i);
    return hit.length ? hit[0].index : -1;
  };
  const cells: Cell[] = [];
  for (let i = 0; i < xs.length; i++) {
    const j = at(i, a);
    const k = at(i, b);
    if (j < 0 || k < 0) continue;
    const l = at(j, b);
    if (l < 0 || at(k, a) !== l || l === i) continue;
    if (shape === 'parallelogram') cells.push({ shape, corners: [i, j, l, k], index: [[0, 0], [1, 0], [1, 1], [0, 1]] });
    else {
      cells.push({ shape, corners: [i, j, k], index: [[0, 0], [1, 0], [0, 1]] });
      cells.push({ shape, corners: [j, l, k], index: [[1, 0], [1, 1], [0, 1]] });
    }
  }
  return cells;
}

/** A reference basis with its uncertainty. */
export interface ReferenceBasis extends LatticeBasis {
  /** Covariance of [a_x, b_x, a_y, b_y] (4 x 4, row-major), in squared position units; zeros for an exact reference. */
  covariance: Float64Array;
}

/** What is measured in one cell: value and standard error of each quantity. */
export interface CellMeasurement {
  /** Cell centre (mean of the corners), position units. */
  x: number;
  y: number;
  shape: CellShape;
  /** Corner positions in polygon order, position units. */
  polygon: Array<[number, number]>;
  /** Local basis vectors from the affine fit, position units. */
  aLocal: [number, number];
  bLocal: [number, number];
  /** Lengths of the local basis vectors (the mean of opposite sides of a parallelogram), position units. */
  sideA: number;
  sideAErr: number;
  sideB: number;
  sideBErr: number;
  /** Angle between the local basis vectors, degrees. */
  angle: number;
  angleErr: number;
  /** Area of the cell polygon (shoelace formula), squared position units. */
  area: number;
  areaErr: number;
  /** Small-strain components against the reference (dimensionless) and rotation (degrees, counter-clockwise on screen). */
  exx: number;
  exxErr: number;
  eyy: number;
  eyyErr: number;
  exy: number;
  exyErr: number;
  rotation: number;
  rotationErr: number;
}

/** Local basis D (columns a, b; returned as [ax, bx, ay, by]) of the least-squares affine fit of corners to indices. */
function localBasis(px: ArrayLike<number>, py: ArrayLike<number>, index: Array<[number, number]>): [number, number, number, number] {
  const m = index.length;
  let nx = 0, ny = 0, cx = 0, cy = 0;
  for (let k = 0; k < m; k++) {
    nx += index[k][0] / m;
    ny += index[k][1] / m;
    cx += px[k] / m;
    cy += py[k] / m;
  }
  let s11 = 0, s12 = 0, s22 = 0, xa = 0, xb = 0, ya = 0, yb = 0;
  for (let k = 0; k < m; k++) {
    const u = index[k][0] - nx, v = index[k][1] - ny;
    s11 += u * u;
    s12 += u * v;
    s22 += v * v;
    xa += (px[k] - cx) * u;
    xb += (px[k] - cx) * v;
    ya += (py[k] - cy) * u;
    yb += (py[k] - cy) * v;
  }
  const det = s11 * s22 - s12 * s12;
  const i11 = s22 / det, i12 = -s12 / det, i22 = s11 / det;
  return [xa * i11 + xb * i12, xa * i12 + xb * i22, ya * i11 + yb * i12, ya * i12 + yb * i22];
}

/** The quantities of a cell as a function of its corner coordinates and the reference basis. */
function quantities(px: ArrayLike<number>, py: ArrayLike<number>, index: Array<[number, number]>, ref: ArrayLike<number>): number[] {
  const [ax, bx, ay, by] = localBasis(px, py, index);
  const sideA = Math.hypot(ax, ay);
  const sideB = Math.hypot(bx, by);
  const angle = (Math.atan2(Math.abs(ax * by - ay * bx), ax * bx + ay * by) * 180) / Math.PI;
  let area = 0;
  const m = index.length;
  for (let k = 0; k < m; k++) {
    const k1 = (k + 1) % m;
    area += px[k] * py[k1] - px[k1] * py[k];
  }
  area = Math.abs(area) / 2;
  // F = D R^-1 with R = [[Rax, Rbx], [Ray, Rby]]
  const [rax, rbx, ray, rby] = [ref[0], ref[1], ref[2], ref[3]];
  const rdet = rax * rby - rbx * ray;
  const r11 = rby / rdet, r12 = -rbx / rdet, r21 = -ray / rdet, r22 = rax / rdet;
  const f11 = ax * r11 + bx * r21, f12 = ax * r12 + bx * r22;
  const f21 = ay * r11 + by * r21, f22 = ay * r12 + by * r22;
  const rotation = (Math.atan2(f12 - f21, f11 + f22) * 180) / Math.PI;
  return [sideA, sideB, angle, area, f11 - 1, f22 - 1, (f12 + f21) / 2, rotation];
}

/**
 * Measure one cell with first-order error propagation.
 * @param xs x positions, ys y positions of all atoms (one unit)
 * @param sigma per-atom position standard error per coordinate, same unit (NaN is not allowed)
 * @param cell a cell of {@link findCells}
 * @param reference reference basis and its covariance
 */
export function measureCell(xs: ArrayLike<number>, ys: ArrayLike<number>, sigma: ArrayLike<number>, cell: Cell, reference: ReferenceBasis): CellMeasurement {
  const m = cell.corners.length;
  const px = Float64Array.from(cell.corners, (i) => xs[i]);
  const py = Float64Array.from(cell.corners, (i) => ys[i]);
  const ref = Float64Array.of(reference.a[0], reference.b[0], reference.a[1], reference.b[1]);
  const value = quantities(px, py, cell.index, ref);
  const q = value.length;
  const variance = new Float64Array(q);
  const scale = Math.max(norm(reference.a), norm(reference.b));
  const h = 1e-6 * scale;
  // central-difference derivative of every quantity with respect to one parameter arr[k]
  const derivative = (arr: Float64Array, k: number): number[] => {
    const keep = arr[k];
    arr[k] = keep + h;
    const up = quantities(px, py, cell.index, ref);
    arr[k] = keep - h;
    const down = quantities(px, py, cell.index, ref);
    arr[k] = keep;
    return up.map((u, t) => (u - down[t]) / (2 * h));
  };
  // corner coordinates: independent, variance sigma_k^2 each (the fit is linear in them, so central differences are exact up to rounding)
  for (const [arr, k] of [...Array.from({ length: m }, (_, k) => [px, k] as const), ...Array.from({ length: m }, (_, k) => [py, k] as const)]) {
    const s2 = sigma[cell.corners[k]] ** 2;
    if (!(s2 > 0)) continue;
    const g = derivative(arr, k);
    for (let t = 0; t < q; t++) variance[t] += g[t] ** 2 * s2;
  }
  // reference basis: full covariance
  const C = reference.covariance;
  if (C.some((c) => c !== 0)) {
    const grad = [0, 1, 2, 3].map((p) => derivative(ref, p));
    for (let t = 0; t < q; t++) for (let p = 0; p < 4; p++) for (let r = 0; r < 4; r++) variance[t] += grad[p][t] * C[p * 4 + r] * grad[r][t];
  }
  const err = Array.from(variance, (v) => Math.sqrt(v));
  const [ax, bx, ay, by] = localBasis(px, py, cell.index);
  let cx = 0, cy = 0;
  for (let k = 0; k < m; k++) {
    cx += px[k] / m;
    cy += py[k] / m;
  }
  return {
    x: cx, y: cy, shape: cell.shape, polygon: Array.from(px, (v, k) => [v, py[k]] as [number, number]), aLocal: [ax, ay], bLocal: [bx, by],
    sideA: value[0], sideAErr: err[0], sideB: value[1], sideBErr: err[1], angle: value[2], angleErr: err[2],
    area: value[3], areaErr: err[3], exx: value[4], exxErr: err[4], eyy: value[5], eyyErr: err[5],
    exy: value[6], exyErr: err[6], rotation: value[7], rotationErr: err[7],
  };
}

/** An axis-aligned region, position units: x, y of the top-left corner, width, height. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The reference basis: the mean local basis of the cells whose centres lie in `region` (all cells when
 * null), with the covariance of that mean (sample covariance / count).
 * @param cells measured cells (their aLocal, bLocal); parallelogram and triangle bases alike
 * @throws Error when fewer than 2 cells lie in the region
 */
export function referenceFromCells(cells: ReadonlyArray<Pick<CellMeasurement, 'x' | 'y' | 'aLocal' | 'bLocal'>>, region: Region | null): ReferenceBasis {
  const inside = region ? cells.filter((c) => c.x >= region.x && c.x <= region.x + region.width && c.y >= region.y && c.y <= region.y + region.height) : [...cells];
  if (inside.length < 2) throw new Error(`the reference region holds ${inside.length} complete cell(s); at least 2 are needed`);
  const vecs = inside.map((c) => [c.aLocal[0], c.bLocal[0], c.aLocal[1], c.bLocal[1]]);
  const n = vecs.length;
  const mean = [0, 0, 0, 0];
  for (const v of vecs) for (let p = 0; p < 4; p++) mean[p] += v[p] / n;
  const covariance = new Float64Array(16);
  for (const v of vecs) for (let p = 0; p < 4; p++) for (let r = 0; r < 4; r++) covariance[p * 4 + r] += ((v[p] - mean[p]) * (v[r] - mean[r])) / ((n - 1) * n);
  return { a: [mean[0], mean[2]], b: [mean[1], mean[3]], covariance };
}

/** An exact reference basis (no uncertainty), e.g. a literature lattice. */
export function exactReference(basis: LatticeBasis): ReferenceBasis {
  return { a: [...basis.a], b: [...basis.b], covariance: new Float64Array(16) };
}

/**
 * Measure every cell: first against a provisional reference (to get the local bases), then the strain
 * against the reference of `region` (or the mean lattice, or `reference` when given).
 * @param xs, ys positions; sigma per-atom standard errors per coordinate (same unit)
 * @param cells from {@link findCells}
 * @param options.region reference region (cells with centres inside); options.reference an exact or given reference, used instead
 * @throws Error when the reference region holds fewer than 2 cells
 */
export function measureCells(
  xs: ArrayLike<number>, ys: ArrayLike<number>, sigma: ArrayLike<number>, cells: Cell[],
  options: { region?: Region | null; reference?: ReferenceBasis } = {},
): { cells: CellMeasurement[]; reference: ReferenceBasis } {
  if (cells.length === 0) return { cells: [], reference: options.reference ?? exactReference({ a: [1, 0], b: [0, 1] }) };
  let reference = options.reference;
  if (!reference) {
    const provisional = exactReference({ a: [1, 0], b: [0, 1] });
    const first = cells.map((c) => measureCell(xs, ys, sigma, c, provisional));
    reference = referenceFromCells(first, options.region ?? null);
  }
  return { cells: cells.map((c) => measureCell(xs, ys, sigma, c, reference)), reference };
}
