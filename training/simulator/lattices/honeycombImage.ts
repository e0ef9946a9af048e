import { Random } from '../../../data/random.ts';

/** A true column of a synthetic image: position (px), amplitude, species. */
export interface TrueColumn {
  x: number;
  y: number;
  amp: number;
  species: string;
}

/**
 * A noisy HAADF-like image of a graphene honeycomb (bond `bondPm`) at `pxPm` pm/px, rotated by `rotDeg`,
 * with Gaussian columns of FWHM 70 pm, Poisson noise at `counts` per C column peak, and the columns
 * listed in `dopants` (indices into the column list) 4x brighter (Si-like).
 */
export function honeycombImage(o: { h: number; w: number; pxPm: number; rotDeg?: number; bondPm?: number; counts?: number; dopants?: number[]; seed?: number }): { image: Float32Array; columns: TrueColumn[] } {
  const rnd = new Random(o.seed ?? 1);
  const bond = o.bondPm ?? 142, a = bond * Math.sqrt(3), px = o.pxPm, sig = 70 / px / 2.355;
  const c = Math.cos(((o.rotDeg ?? 0) * Math.PI) / 180), s = Math.sin(((o.rotDeg ?? 0) * Math.PI) / 180);
  const n = Math.ceil((Math.hypot(o.h, o.w) * px) / a) + 2;
  const columns: TrueColumn[] = [];
  for (let i = -n; i <= n; i++) for (let j = -n; j <= n; j++) for (const [bx, by] of [[0, 0], [0, bond]]) {
    const X = i * a + j * (a / 2) + bx, Y = j * ((a * Math.sqrt(3)) / 2) + by;
    const x = (X * c - Y * s) / px + o.w / 2, y = (X * s + Y * c) / px + o.h / 2;
    if (x > -3 && y > -3 && x < o.w + 2 && y < o.h + 2) columns.push({ x, y, amp: 1, species: 'C' });
  }
  // dopants: the columns nearest the requested fractional positions
  for (const d of o.dopants ?? []) {
    columns[d].amp = 4;
    columns[d].species = 'Si';
  }
  const img = new Float32Array(o.h * o.w);
  const counts = o.counts ?? 20;
  for (const col of columns) {
    for (let y = Math.max(0, Math.floor(col.y - 5 * sig)); y <= Math.min(o.h - 1, col.y + 5 * sig); y++)
      for (let x = Math.max(0, Math.floor(col.x - 5 * sig)); x <= Math.min(o.w - 1, col.x + 5 * sig); x++)
        img[y * o.w + x] += counts * col.amp * Math.exp(-((x - col.x) ** 2 + (y - col.y) ** 2) / (2 * sig * sig));
  }
  for (let i = 0; i < img.length; i++) img[i] = rnd.poisson(img[i] + 0.1 * counts);
  return { image: img, columns: columns.filter((col) => col.x >= 0 && col.y >= 0 && col.x <= o.w - 1 && col.y <= o.h - 1) };
}
