/**
 * Per-pixel training labels from an atom list: a disk of a fixed radius (pm) around every labelled
 * column, painted with the column's class index (0 = background, k = 1..S for species[k-1],
 * S+1 = 'other'). The 'other' region (contamination) is painted first, then species in order of
 * increasing atomic number, so a heavier column wins where disks overlap. A pixel belongs to a disk
 * when its centre lies within the radius (pixel centres at integer coordinates, docs/schema.md).
 */
import type { LabelAtom } from '../sampleSource.ts';

/**
 * Default disk radius: 0.3 x the nearest-neighbour projected distance (43 pm for graphene's 142 pm,
 * about 55 pm for MX2), so disks of neighbouring columns never touch.
 */
export function defaultMaskRadiusPm(nearestNeighbourPm: number): number {
  return 0.3 * nearestNeighbourPm;
}

/**
 * Paint the label map.
 *
 * @param atoms labelled columns (x, y in pixels)
 * @param species class names for values 1..S
 * @param radiusPx disk radius in pixels (the same for every species)
 * @param other optional `[height * width]` mask (non-zero = 'other'), painted as S+1 first
 * @returns uint8 `[height * width]`
 */
export function paintLabels(atoms: LabelAtom[], species: string[], radiusPx: number, width: number, height: number, other?: Uint8Array): Uint8Array {
  const out = new Uint8Array(width * height);
  if (other) for (let k = 0; k < out.length; k++) if (other[k]) out[k] = species.length + 1;
  const order = atoms
    .map((a, i) => ({ a, i, cls: species.indexOf(a.species) + 1 }))
    .filter((o) => o.cls > 0)
    .sort((p, q) => p.a.z - q.a.z || p.i - q.i);
  const r2 = radiusPx * radiusPx;
  for (const { a, cls } of order) {
    const i0 = Math.max(0, Math.ceil(a.y - radiusPx));
    const i1 = Math.min(height - 1, Math.floor(a.y + radiusPx));
    for (let i = i0; i <= i1; i++) {
      const dy = i - a.y;
      const half = Math.sqrt(Math.max(0, r2 - dy * dy));
      const j0 = Math.max(0, Math.ceil(a.x - half));
      const j1 = Math.min(width - 1, Math.floor(a.x + half));
      for (let j = j0; j <= j1; j++) out[i * width + j] = cls;
    }
  }
  return out;
}
