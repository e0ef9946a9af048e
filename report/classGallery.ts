/**
 * The class gallery: one row per configuration class with its name, size and own symmetry, the mean
 * configuration, and example instances, all aligned to the class orientation. Neighbour descriptors
 * are drawn as vector diagrams (the centre, a line and a disc per neighbour, coloured by species; the
 * mean panel also scatters every member's aligned neighbours to show the spread); when frames were
 * given, the mean aligned sub-image and example sub-images are shown too, the centre atom ringed. Drawn as SVG and
 * rasterised to PNG by sharp (librsvg).
 */
import sharp from 'sharp';
import { classExamples, GALLERY_EXAMPLES, membersByProbability, type ClassifyResult } from '../dynamics/configurations/classifyConfigurations.ts';

/** One class row of the gallery. */
export interface GalleryClass {
  /** Class name, e.g. 'Si1C3' or 'class2'. */
  name: string;
  /** Instances in the class. */
  count: number;
  /** Mixing weight (0..1). */
  weight: number;
  /** Own symmetry in words, e.g. '3m (6 ops)'. */
  symmetry: string;
  /** Mean neighbour descriptor (k * stride, y-up vectors), or null. */
  meanNeighbours: ArrayLike<number> | null;
  /** Aligned descriptors of (up to a few hundred) members, for the spread scatter. */
  memberNeighbours: ArrayLike<number>[];
  /** Aligned descriptors of the examples shown. */
  exampleNeighbours: ArrayLike<number>[];
  /** Mean aligned sub-image (side², NaN outside the circle), or null. */
  meanWindow: Float32Array | null;
  /** Aligned example sub-images. */
  exampleWindows: Float32Array[];
}

/** What the gallery draws. */
export interface GalleryInput {
  title: string;
  classes: GalleryClass[];
  /** Neighbour layout: slots, values per slot, species channel names. */
  layout: { k: number; stride: number; speciesChannels: string[] };
  /** Largest neighbour distance drawn (descriptor units). */
  rMax: number;
  /** Channel value of a neighbour of a channelled species (descriptor units). */
  speciesWeight: number;
  /** Descriptor units ('pm' or 'px'). */
  units: string;
  /** Species name of the centre and of the host (for colours). */
  centreSpecies: string;
  hostSpecies: string;
  /** Sub-image side (grid points), when windows are shown. */
  windowSide: number | null;
}

const CELL = 128;
const LABEL = 190;
const PAD = 8;
const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function speciesColour(name: string, input: GalleryInput): string {
  if (name === input.hostSpecies) return '#555555';
  if (name === input.centreSpecies) return '#e6194b';
  const i = input.layout.speciesChannels.indexOf(name);
  return PALETTE[(i + 2) % PALETTE.length];
}

/** Species of a slot: the channel with the largest value above half the weight, else the host. */
function slotSpecies(v: ArrayLike<number>, slot: number, input: GalleryInput, weight: number): string {
  const { stride, speciesChannels } = input.layout;
  let best = input.hostSpecies;
  let bv = 0.5 * weight;
  for (let c = 0; c < speciesChannels.length; c++) {
    const x = v[slot * stride + 2 + c];
    if (x > bv) {
      bv = x;
      best = speciesChannels[c];
    }
  }
  return best;
}

function neighbourPanel(x0: number, y0: number, v: ArrayLike<number> | null, input: GalleryInput, weight: number, scatter: ArrayLike<number>[] = [], thick = false): string {
  const cx = x0 + CELL / 2;
  const cy = y0 + CELL / 2;
  const s = (CELL / 2 - 10) / (input.rMax * 1.05);
  const { k, stride } = input.layout;
  const minLen = input.rMax * 0.05;
  let out = `<rect x="${x0}" y="${y0}" width="${CELL}" height="${CELL}" fill="#fafafa" stroke="#ccc"/>`;
  out += `<circle cx="${cx}" cy="${cy}" r="${(input.rMax * s).toFixed(1)}" fill="none" stroke="#ddd" stroke-dasharray="3,3"/>`;
  for (const m of scatter) {
    for (let j = 0; j < k; j++) {
      const ux = m[j * stride];
      const uy = m[j * stride + 1];
      if (Math.hypot(ux, uy) < minLen) continue;
      out += `<circle cx="${(cx + ux * s).toFixed(1)}" cy="${(cy - uy * s).toFixed(1)}" r="1.3" fill="${speciesColour(slotSpecies(m, j, input, weight), input)}" fill-opacity="0.25"/>`;
    }
  }
  if (v) {
    for (let j = 0; j < k; j++) {
      const ux = v[j * stride];
      const uy = v[j * stride + 1];
      if (Math.hypot(ux, uy) < minLen) continue;
      const px = cx + ux * s;
      const py = cy - uy * s;
      out += `<line x1="${cx}" y1="${cy}" x2="${px.toFixed(1)}" y2="${py.toFixed(1)}" stroke="#333" stroke-width="${thick ? 3 : 2}"/>`;
      out += `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="${thick ? 8 : 7}" fill="${speciesColour(slotSpecies(v, j, input, weight), input)}" stroke="#222"/>`;
    }
  }
  out += `<circle cx="${cx}" cy="${cy}" r="${thick ? 10 : 9}" fill="${speciesColour(input.centreSpecies, input)}" stroke="#222"/>`;
  return out;
}

async function windowPng(w: Float32Array, side: number): Promise<string> {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of w) {
    if (Number.isNaN(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const rgba = new Uint8Array(side * side * 4);
  for (let i = 0; i < side * side; i++) {
    const v = w[i];
    if (Number.isNaN(v)) {
      rgba.set([255, 255, 255, 0], i * 4);
      continue;
    }
    const g = hi > lo ? Math.round((255 * (v - lo)) / (hi - lo)) : 128;
    rgba.set([g, g, g, 255], i * 4);
  }
  const png = await sharp(Buffer.from(rgba), { raw: { width: side, height: side, channels: 4 } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/**
 * Render the gallery.
 * @returns PNG bytes
 */
export async function renderClassGallery(input: GalleryInput): Promise<Buffer> {
  const nEx = Math.max(0, ...input.classes.map((c) => Math.max(c.exampleNeighbours.length, c.exampleWindows.length)));
  const hasNeighbours = input.classes.some((c) => c.meanNeighbours);
  const hasWindows = input.windowSide !== null && input.classes.some((c) => c.meanWindow);
  const panelsPerRow = (hasNeighbours ? 1 + nEx : 0) + (hasWindows ? 1 + nEx : 0);
  const rowH = CELL + 2 * PAD;
  const subRows = hasNeighbours && hasWindows ? 2 : 1;
  const width = LABEL + Math.max(1, hasNeighbours && hasWindows ? 1 + nEx : panelsPerRow) * (CELL + PAD) + PAD;
  const height = 56 + input.classes.length * rowH * subRows + 10;
  let body = `<rect width="${width}" height="${height}" fill="white"/>`;
  body += `<text x="${PAD}" y="24" font-family="sans-serif" font-size="16" font-weight="bold">${esc(input.title)}</text>`;
  body += `<text x="${PAD}" y="42" font-family="sans-serif" font-size="12" fill="#555">first panel: mean (with every member's neighbours); then examples, aligned to the class orientation; circle: ${input.rMax.toFixed(0)} ${esc(input.units)}</text>`;
  let y = 56;
  for (const c of input.classes) {
    const lines = [c.name, `n = ${c.count} (${(100 * c.weight).toFixed(1)} %)`, `symmetry ${c.symmetry}`];
    lines.forEach((l, i) => {
      body += `<text x="${PAD}" y="${y + PAD + 18 + i * 18}" font-family="sans-serif" font-size="${i === 0 ? 15 : 12}" ${i === 0 ? 'font-weight="bold"' : ''}>${esc(l)}</text>`;
    });
    if (hasNeighbours) {
      let x = LABEL;
      const w = input.speciesWeight;
      body += neighbourPanel(x, y + PAD, c.meanNeighbours, input, w, c.memberNeighbours, true);
      x += CELL + PAD;
      for (const e of c.exampleNeighbours) {
        body += neighbourPanel(x, y + PAD, e, input, w);
        x += CELL + PAD;
      }
      if (hasWindows) y += rowH;
    }
    if (hasWindows) {
      let x = LABEL;
      if (c.meanWindow) body += `<image x="${x}" y="${y + PAD}" width="${CELL}" height="${CELL}" href="${await windowPng(c.meanWindow, input.windowSide!)}"/>`;
      body += `<rect x="${x}" y="${y + PAD}" width="${CELL}" height="${CELL}" fill="none" stroke="#ccc"/>`;
      x += CELL + PAD;
      for (const e of c.exampleWindows) {
        body += `<image x="${x}" y="${y + PAD}" width="${CELL}" height="${CELL}" href="${await windowPng(e, input.windowSide!)}"/>`;
        x += CELL + PAD;
      }
      // the centre atom of every sub-image (they are centred on it): a red ring
      for (let k = 0, cx = LABEL + CELL / 2; k <= c.exampleWindows.length; k++, cx += CELL + PAD) body += `<circle cx="${cx}" cy="${y + PAD + CELL / 2}" r="${(CELL * 0.09).toFixed(1)}" fill="none" stroke="#e6194b" stroke-width="2" stroke-opacity="0.85"/>`;
    }
    y += rowH;
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/**
 * Gallery input from a classification result: the examples of each class are its most probable
 * members, spread over the class (every ⌈n/examples⌉-th by decreasing probability; dynamics/configurations/
 * classifyConfigurations.ts classExamples). Sub-images are shown for the examples the classification
 * kept them for (its `galleryExamples`, by default as many as here).
 * @param r the classification
 * @param examples examples per class
 * @param title the gallery's title
 */
export function galleryFromResult(r: ClassifyResult, examples = GALLERY_EXAMPLES, title = 'Configuration classes'): GalleryInput {
  const classes: GalleryClass[] = r.classes.map((c) => {
    const byProbability = membersByProbability(r.instances, c.index);
    const ex = classExamples(r.instances, c.index, examples, byProbability).map((u) => ({ inst: r.instances[u], u }));
    let meanWindow: Float32Array | null = null;
    const exampleWindows: Float32Array[] = [];
    if (r.windows) {
      meanWindow = r.windows.mean[c.index];
      for (const e of ex) {
        const w = r.windows.examples.get(e.u);
        if (w) exampleWindows.push(w); // kept by classifyConfigurations for its `galleryExamples` per class
      }
    }
    const sym = c.symmetry;
    const rot = sym.filter((o) => !o.mirror).length;
    const mir = sym.some((o) => o.mirror);
    const symName = sym.length <= 1 ? '1 (none)' : mir ? (rot === 1 ? 'm' : rot % 2 === 0 ? `${rot}mm` : `${rot}m`) : String(rot);
    return {
      name: c.name,
      count: c.count,
      weight: c.weight,
      symmetry: r.settings.method === 'sym-gmm' ? symName : 'not modelled',
      meanNeighbours: c.meanNeighbours,
      memberNeighbours: byProbability.slice(0, 400).map((u) => r.instances[u].aligned).filter((a): a is Float64Array => a !== null),
      exampleNeighbours: ex.map((e) => e.inst.aligned).filter((a): a is Float64Array => a !== null),
      meanWindow,
      exampleWindows,
    };
  });
  const centre = r.centres.all ? '' : r.centres.names[0] ?? '';
  const host = String(r.settings.host ?? 'C');
  return {
    title,
    classes,
    layout: r.layout,
    rMax: Number((r.model.layout as { rMax: number }).rMax),
    speciesWeight: Number((r.model.layout as { speciesWeight: number }).speciesWeight),
    units: r.units,
    centreSpecies: centre,
    hostSpecies: host,
    windowSide: r.windows ? r.windows.side : null,
  };
}
