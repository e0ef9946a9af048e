import { Random } from '../../../data/random.ts';
import { honeycombLattice } from './honeycomb.ts';

/** A true column of a synthetic image: position (px), amplitude, species. */
export interface TrueColumn {
  x: number;
  y: number;
  amp: number;
  species: string;
}

/**
 * The columns of a graphene honeycomb (bond `bondPm`) seen at `pxPm` pm/px in an h x w frame, rotated by
 * `rotDeg` (clockwise on screen; bonds vertical at 0) about the frame centre, which holds an A site.
 * Positions from the one lattice generator ({@link honeycombLattice}); listed in cell order (i along
 * a1 = (a, 0), then j along a2 = (a/2, 1.5 bond) of the unrotated lattice, then sublattice), every
 * column within `margin` px outside the frame included.
 * @returns columns in px (x column, y row), amplitude 1, species 'C'
 */
export function honeycombColumns(o: { h: number; w: number; pxPm: number; rotDeg?: number; bondPm?: number; margin?: number }): TrueColumn[] {
  const bond = o.bondPm ?? 142, a = bond * Math.sqrt(3), px = o.pxPm, m = o.margin ?? 3;
  const rect = { x0: (-m - o.w / 2) * px, y0: (-m - o.h / 2) * px, x1: (o.w / 2 + m) * px, y1: (o.h / 2 + m) * px };
  const lattice = honeycombLattice(a, -(o.rotDeg ?? 0), { x: 0, y: 0 }, rect);
  const c = Math.cos(((o.rotDeg ?? 0) * Math.PI) / 180), s = Math.sin(((o.rotDeg ?? 0) * Math.PI) / 180);
  const key = (k: number): [number, number, number] => {
    const sub = lattice.sublattice[k];
    const X = lattice.x[k] * c + lattice.y[k] * s;
    const Y = -lattice.x[k] * s + lattice.y[k] * c - sub * bond;
    const j = Math.round(Y / (1.5 * bond));
    return [Math.round((X - (j * a) / 2) / a), j, sub];
  };
  const order = Array.from({ length: lattice.count }, (_, k) => ({ k, key: key(k) }))
    .sort((p, q) => p.key[0] - q.key[0] || p.key[1] - q.key[1] || p.key[2] - q.key[2]);
  return order.map(({ k }) => ({ x: lattice.x[k] / px + o.w / 2, y: lattice.y[k] / px + o.h / 2, amp: 1, species: 'C' }));
}

/**
 * Render columns as Gaussians of width `sigmaPx` and peak `peak * amp`, each drawn out to `radiusSigmas`.
 * @returns a row-major float32 h x w image (no noise)
 */
export function renderColumns(columns: ReadonlyArray<{ x: number; y: number; amp: number }>, h: number, w: number, sigmaPx: number, peak = 1, radiusSigmas = 5): Float32Array {
  const img = new Float32Array(h * w);
  const r = radiusSigmas * sigmaPx;
  for (const col of columns) {
    for (let y = Math.max(0, Math.floor(col.y - r)); y <= Math.min(h - 1, col.y + r); y++)
      for (let x = Math.max(0, Math.floor(col.x - r)); x <= Math.min(w - 1, col.x + r); x++)
        img[y * w + x] += peak * col.amp * Math.exp(-((x - col.x) ** 2 + (y - col.y) ** 2) / (2 * sigmaPx * sigmaPx));
  }
  return img;
}

/**
 * A noisy HAADF-like image of a graphene honeycomb (bond `bondPm`) at `pxPm` pm/px, rotated by `rotDeg`,
 * with Gaussian columns of FWHM 70 pm, Poisson noise at `counts` per C column peak, and the columns
 * listed in `dopants` (indices into the column list of {@link honeycombColumns}) 4x brighter (Si-like).
 */
export function honeycombImage(o: { h: number; w: number; pxPm: number; rotDeg?: number; bondPm?: number; counts?: number; dopants?: number[]; seed?: number }): { image: Float32Array; columns: TrueColumn[] } {
  const rnd = new Random(o.seed ?? 1);
  const columns = honeycombColumns(o);
  for (const d of o.dopants ?? []) {
    columns[d].amp = 4;
    columns[d].species = 'Si';
  }
  const counts = o.counts ?? 20;
  const img = renderColumns(columns, o.h, o.w, 70 / o.pxPm / 2.355, counts);
  for (let i = 0; i < img.length; i++) img[i] = rnd.poisson(img[i] + 0.1 * counts);
  return { image: img, columns: columns.filter((col) => col.x >= 0 && col.y >= 0 && col.x <= o.w - 1 && col.y <= o.h - 1) };
}
