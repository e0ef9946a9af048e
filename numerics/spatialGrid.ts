/**
 * A uniform grid (cell list) over 2-D points stored in typed arrays, for fixed-radius neighbour
 * queries in near-constant time per query. Points are bucketed by a counting sort into square cells
 * of side `cellSize`; a radius-r query visits the cells overlapping the query disk. Building is O(n),
 * a query O(points in the visited cells). Preferred over a KD-tree here because atoms fill the field
 * of view at near-constant density, the query radius is fixed per frame and the grid has no
 * rebalancing or recursion. The one spatial index of the project: tracking, registration, metrics,
 * chemistry and neighbour descriptors all use it.
 */

/** A built grid. Indices returned by queries index the arrays it was built from. */
export class SpatialGrid {
  /** Side of a square cell (same unit as the coordinates). */
  readonly cellSize: number;
  private readonly x: ArrayLike<number>;
  private readonly y: ArrayLike<number>;
  private readonly x0: number;
  private readonly y0: number;
  private readonly nx: number;
  private readonly ny: number;
  /** cellStart[c] .. cellStart[c+1] index `items` for cell c. */
  private readonly cellStart: Int32Array;
  private readonly items: Int32Array;
  /** Point indices of the last {@link query}. */
  resultIndex: Int32Array = new Int32Array(16);
  /** Squared distances of the last {@link query}, aligned with resultIndex. */
  resultD2: Float64Array = new Float64Array(16);

  /**
   * @param x x coordinates (length n); NaN points are left out
   * @param y y coordinates (length n)
   * @param cellSize cell side; use the query radius you will use most. Enlarged automatically when
   *   the points' extent would need more than max(64, 4n) cells.
   * @param subset when given, only these point indices are put in the grid
   * @throws RangeError when cellSize is not a positive finite number or x and y differ in length
   */
  constructor(x: ArrayLike<number>, y: ArrayLike<number>, cellSize: number, subset?: ArrayLike<number> | null) {
    if (!(cellSize > 0) || !Number.isFinite(cellSize)) throw new RangeError(`SpatialGrid: cell size must be positive, got ${cellSize}`);
    if (x.length !== y.length) throw new RangeError(`SpatialGrid: x has ${x.length} values, y ${y.length}`);
    this.x = x;
    this.y = y;
    const count = subset ? subset.length : x.length;
    let xmin = Infinity;
    let ymin = Infinity;
    let xmax = -Infinity;
    let ymax = -Infinity;
    for (let k = 0; k < count; k++) {
      const i = subset ? subset[k] : k;
      const px = x[i];
      const py = y[i];
      if (!(px === px && py === py)) continue;
      if (px < xmin) xmin = px;
      if (px > xmax) xmax = px;
      if (py < ymin) ymin = py;
      if (py > ymax) ymax = py;
    }
    if (xmin > xmax) {
      xmin = xmax = ymin = ymax = 0;
    }
    let cs = cellSize;
    const maxCells = Math.max(64, 4 * count);
    while (Math.floor((xmax - xmin) / cs + 1) * Math.floor((ymax - ymin) / cs + 1) > maxCells) cs *= 2;
    this.cellSize = cs;
    this.x0 = xmin;
    this.y0 = ymin;
    this.nx = Math.floor((xmax - xmin) / cs) + 1;
    this.ny = Math.floor((ymax - ymin) / cs) + 1;
    const nCells = this.nx * this.ny;
    const cellOf = new Int32Array(count);
    const start = new Int32Array(nCells + 1);
    for (let k = 0; k < count; k++) {
      const i = subset ? subset[k] : k;
      const px = x[i];
      const py = y[i];
      if (!(px === px && py === py)) {
        cellOf[k] = -1;
        continue;
      }
      const c = Math.floor((py - ymin) / cs) * this.nx + Math.floor((px - xmin) / cs);
      cellOf[k] = c;
      start[c + 1]++;
    }
    for (let c = 0; c < nCells; c++) start[c + 1] += start[c];
    const fill = start.slice(0, nCells);
    const items = new Int32Array(start[nCells]);
    for (let k = 0; k < count; k++) {
      const c = cellOf[k];
      if (c >= 0) items[fill[c]++] = subset ? subset[k] : k;
    }
    this.cellStart = start;
    this.items = items;
  }

  /** Number of points in the grid. */
  get size(): number {
    return this.items.length;
  }

  /**
   * All points within distance `r` of (qx, qy) (inclusive: d^2 <= r^2, computed as dx^2 + dy^2 in
   * double precision). Results go to {@link resultIndex} / {@link resultD2} (reused buffers, valid
   * until the next query), in cell order.
   * @returns the number of points found
   */
  query(qx: number, qy: number, r: number): number {
    const cs = this.cellSize;
    const cx0 = Math.max(0, Math.floor((qx - r - this.x0) / cs));
    const cx1 = Math.min(this.nx - 1, Math.floor((qx + r - this.x0) / cs));
    const cy0 = Math.max(0, Math.floor((qy - r - this.y0) / cs));
    const cy1 = Math.min(this.ny - 1, Math.floor((qy + r - this.y0) / cs));
    const r2 = r * r;
    let n = 0;
    const xs = this.x;
    const ys = this.y;
    const items = this.items;
    const start = this.cellStart;
    for (let cy = cy0; cy <= cy1; cy++) {
      const row = cy * this.nx;
      for (let cx = cx0; cx <= cx1; cx++) {
        const c = row + cx;
        for (let k = start[c], e = start[c + 1]; k < e; k++) {
          const i = items[k];
          const dx = xs[i] - qx;
          const dy = ys[i] - qy;
          const d2 = dx * dx + dy * dy;
          if (d2 <= r2) {
            if (n === this.resultIndex.length) this.grow();
            this.resultIndex[n] = i;
            this.resultD2[n] = d2;
            n++;
          }
        }
      }
    }
    return n;
  }

  /**
   * The nearest point to (qx, qy) within `rMax` (Infinity allowed: then the search widens ring by ring).
   * @returns the point index, or -1 when none is within rMax
   */
  nearest(qx: number, qy: number, rMax = Infinity, exclude = -1): number {
    if (this.items.length === 0) return -1;
    let r = this.cellSize;
    const maxExtent = (Math.max(this.nx, this.ny) + 2) * this.cellSize;
    for (;;) {
      const lim = Math.min(r, rMax);
      const n = this.query(qx, qy, lim);
      let best = -1;
      let bestD2 = Infinity;
      for (let k = 0; k < n; k++) {
        if (this.resultIndex[k] !== exclude && this.resultD2[k] < bestD2) {
          bestD2 = this.resultD2[k];
          best = this.resultIndex[k];
        }
      }
      if (best >= 0 || lim >= rMax || r > maxExtent + Math.hypot(qx - this.x0, qy - this.y0)) return best;
      r *= 2;
    }
  }

  /**
   * Points within distance `r` of (x, y) as a fresh array of `{ index, d2 }` (squared distance), in cell
   * order; allocates, so prefer {@link query} in hot loops.
   * @param exclude a point index to leave out (e.g. the query point itself), or -1
   */
  within(x: number, y: number, r: number, exclude = -1): { index: number; d2: number }[] {
    const n = this.query(x, y, r);
    const out: { index: number; d2: number }[] = [];
    for (let k = 0; k < n; k++) if (this.resultIndex[k] !== exclude) out.push({ index: this.resultIndex[k], d2: this.resultD2[k] });
    return out;
  }

  /**
   * The k nearest points to (x, y) within `maxR` (Infinity for no limit), nearest first (ties by index).
   * @param exclude a point index to leave out, or -1
   */
  nearestK(x: number, y: number, k: number, maxR = Infinity, exclude = -1): { index: number; d2: number }[] {
    const total = this.items.length - (exclude >= 0 ? 1 : 0);
    let r = this.cellSize;
    const limit = Math.hypot(this.nx * this.cellSize, this.ny * this.cellSize) + Math.hypot(x - this.x0, y - this.y0) + this.cellSize;
    for (;;) {
      const rr = Math.min(r, maxR);
      const found = this.within(x, y, rr, exclude);
      if (found.length >= k || rr >= maxR || rr >= limit || found.length >= total) {
        found.sort((a, b) => a.d2 - b.d2 || a.index - b.index);
        return found.slice(0, k);
      }
      r *= 2;
    }
  }

  private grow(): void {
    const ni = new Int32Array(this.resultIndex.length * 2);
    ni.set(this.resultIndex);
    const nd = new Float64Array(this.resultD2.length * 2);
    nd.set(this.resultD2);
    this.resultIndex = ni;
    this.resultD2 = nd;
  }
}

/**
 * Median nearest-neighbour distance of a point set (the bond length of a lattice, roughly).
 * @returns NaN when fewer than 2 points
 */
export function medianNearestNeighbourDistance(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return NaN;
  let xmin = Infinity;
  let xmax = -Infinity;
  let ymin = Infinity;
  let ymax = -Infinity;
  for (let i = 0; i < n; i++) {
    xmin = Math.min(xmin, x[i]);
    xmax = Math.max(xmax, x[i]);
    ymin = Math.min(ymin, y[i]);
    ymax = Math.max(ymax, y[i]);
  }
  const area = Math.max((xmax - xmin) * (ymax - ymin), 1e-12);
  const grid = new SpatialGrid(x, y, Math.max(Math.sqrt(area / n), 1e-9));
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const j = grid.nearest(x[i], y[i], Infinity, i);
    d[i] = j >= 0 ? Math.hypot(x[j] - x[i], y[j] - y[i]) : NaN;
  }
  const v = Array.from(d).filter((t) => t === t).sort((a, b) => a - b);
  return v.length ? v[v.length >> 1] : NaN;
}
