/**
 * Tables and arrays that `atomdyn simulate` writes (docs/schema.md): the labels (atoms.csv columns
 * plus the simulator's truth), the true dopant trajectories and states, the true drift, and the
 * per-species masks.
 */
import type { Table } from '../../data/csvTable.ts';
import type { DriftRow, TruthRow } from './simulateMovie.ts';
import type { SimulatedImage } from './simulateImage.ts';

/** Columns of labels.csv: atoms.csv's plus `z`, `height_pm`, `site`, `count`. */
export const LABEL_COLUMNS = ['frame', 'x', 'y', 'species', 'element', 'confidence', 'x_pm', 'y_pm', 'sigma_pm', 'z', 'height_pm', 'site', 'count'];

/**
 * labels.csv rows of images (frame = index in the stack).
 * x_pm = x * pixel size (docs/schema.md); confidence is 1 (truth); sigma_pm empty.
 */
export function labelsTable(images: SimulatedImage[], firstFrame = 0): Table {
  const rows: Table['rows'] = [];
  images.forEach((img, k) => {
    const p = img.pixelSizePm;
    for (const a of img.atoms) {
      rows.push({
        frame: firstFrame + k,
        x: round(a.x),
        y: round(a.y),
        species: a.species,
        element: a.element,
        confidence: 1,
        x_pm: round(a.x * p),
        y_pm: round(a.y * p),
        sigma_pm: null,
        z: a.z,
        height_pm: round(a.heightPm),
        site: a.site,
        count: a.count,
      });
    }
  });
  return { columns: LABEL_COLUMNS, rows };
}

/** Columns of truth.csv. */
export const TRUTH_COLUMNS = ['frame', 'particle', 'x', 'y', 'state', 'formula', 'x_pm', 'y_pm', 'site', 'in_view'];

/** truth.csv: one row per dopant and frame (x_pm = x * pixel size, as every `_pm` column). */
export function truthTable(rows: TruthRow[], pixelSizePm: number): Table {
  return {
    columns: TRUTH_COLUMNS,
    rows: rows.map((r) => ({
      frame: r.frame,
      particle: r.particle,
      x: round(r.x),
      y: round(r.y),
      state: r.state,
      formula: r.formula,
      x_pm: round(r.x * pixelSizePm),
      y_pm: round(r.y * pixelSizePm),
      site: r.site,
      in_view: r.inView,
    })),
  };
}

/** drift_truth.csv: the true drift per frame (drift.csv convention). */
export function driftTable(rows: DriftRow[], pixelSizePm: number): Table {
  return {
    columns: ['frame', 'dx', 'dy', 'dx_pm', 'dy_pm'],
    rows: rows.map((r) => ({ frame: r.frame, dx: round(r.dx), dy: round(r.dy), dx_pm: round(r.dx * pixelSizePm), dy_pm: round(r.dy * pixelSizePm) })),
  };
}

/**
 * Stack the per-pixel labels of images into one uint8 `[count, height, width]` array; with
 * `classValue`, a 0/1 mask of that class only.
 */
export function stackLabels(images: SimulatedImage[], classValue?: number): Uint8Array {
  const n = images[0].width * images[0].height;
  const out = new Uint8Array(images.length * n);
  images.forEach((img, k) => {
    if (classValue === undefined) out.set(img.labels, k * n);
    else for (let i = 0; i < n; i++) out[k * n + i] = img.labels[i] === classValue ? 1 : 0;
  });
  return out;
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
