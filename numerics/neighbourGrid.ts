/**
 * A uniform-grid spatial index of 2-D points for fixed-radius and k-nearest neighbour queries.
 * Cells are `cellSize` wide; a query of radius r visits ceil(r / cellSize) rings of cells, so cost
 * per query is proportional to the number of points nearby, not to the total.
 */

/** Spatial index over points (xs[i], ys[i]). Coordinates in any one unit (px or pm). */
export class NeighbourGrid {
  readonly xs: ArrayLike<number>;
  readonly ys: ArrayLike<number>;
  readonly cellSize: number;
  private readonly x0: number;
  private readonly y0: number;
  private readonly nx: number;
  private readonly ny: number;
  private readonly start: Int32Array;
  private readonly items: Int32Array;

  /**
   * @param xs x coordinates
   * @param ys y coordinates (same length)
   * @param cellSize cell width, > 0; about the typical query radius
   * @throws RangeError on mismatched lengths or a non-positive cell size
   */
  constructor(xs: ArrayLike<number>, ys: ArrayLike<number>, cellSize: number) {
    if (xs.length !== ys.length) throw new RangeError('xs and ys differ in length');
    if (!(cellSize > 0)) throw new RangeError('cellSize must be > 0');
    this.xs = xs;
    this.ys = ys;
    this.cellSize = cellSize;
    const n = xs.length;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      minX = Math.min(minX, xs[i]);
      maxX = Math.max(maxX, xs[i]);
      minY = Math.min(minY, ys[i]);
      maxY = Math.max(maxY, ys[i]);
    }
    if (n === 0) minX = minY = maxX = maxY = 0;
    this.x0 = minX;
    this.y0 = minY;
    this.nx = Math.max(1, Math.floor((maxX - minX) / cellSize) + 1);
    this.ny = Math.max(1, Math.floor((maxY - minY) / cellSize) + 1);
    const counts = new Int32Array(this.nx * this.ny + 1);
    const cell = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      cell[i] = this.cellOf(xs[i], ys[i]);
      counts[cell[i] + 1]++;
    }
    for (let c = 0; c < this.nx * this.ny; c++) counts[c + 1] += counts[c];
    this.start = counts;
    this.items = new Int32Array(n);
    const fill = counts.slice(0, this.nx * this.ny);
    for (let i = 0; i < n; i++) this.items[fill[cell[i]]++] = i;
  }

  private cellOf(x: number, y: number): number {
    const cx = Math.min(this.nx - 1, Math.max(0, Math.floor((x - this.x0) / this.cellSize)));
    const cy = Math.min(this.ny - 1, Math.max(0, Math.floor((y - this.y0) / this.cellSize)));
    return cy * this.nx + cx;
  }

  /**
   * Indices of points within distance `r` of (x, y), with their squared distances, unsorted.
   * @param exclude a point index to leave out (e.g. the query point itself), or -1
   */
  within(x: number, y: number, r: number, exclude = -1): { index: number; d2: number }[] {
    const out: { index: number; d2: number }[] = [];
    const r2 = r * r;
    const cx0 = Math.max(0, Math.floor((x - r - this.x0) / this.cellSize));
    const cx1 = Math.min(this.nx - 1, Math.floor((x + r - this.x0) / this.cellSize));
    const cy0 = Math.max(0, Math.floor((y - r - this.y0) / this.cellSize));
    const cy1 = Math.min(this.ny - 1, Math.floor((y + r - this.y0) / this.cellSize));
    for (let cy = cy0; cy <= cy1; cy++) {
      for (let cx = cx0; cx <= cx1; cx++) {
        const c = cy * this.nx + cx;
        for (let p = this.start[c]; p < this.start[c + 1]; p++) {
          const i = this.items[p];
          if (i === exclude) continue;
          const dx = this.xs[i] - x;
          const dy = this.ys[i] - y;
          const d2 = dx * dx + dy * dy;
          if (d2 <= r2) out.push({ index: i, d2 });
        }
      }
    }
    return out;
  }

  /**
   * The k nearest points to (x, y) within `maxR` (Infinity for no limit), nearest first.
   * @param exclude a point index to leave out, or -1
   */
  nearest(x: number, y: number, k: number, maxR = Infinity, exclude = -1): { index: number; d2: number }[] {
    const total = this.xs.length - (exclude >= 0 ? 1 : 0);
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
}
