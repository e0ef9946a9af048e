/**
 * PNG overlays: a frame, contrast-stretched to grey, with atoms drawn as coloured circles per species,
 * optional track polylines and a legend. Rendered with sharp: the frame is enlarged with
 * nearest-neighbour sampling (each input pixel stays a visible square) and an SVG layer is composited
 * on top. Coordinates follow docs/schema.md: x = column, y = row, pixel centres at integers, so input
 * point (x, y) is drawn at ((x + 0.5) * scale, (y + 0.5) * scale) in the PNG.
 */
import sharp from 'sharp';
import { AtomdynError } from '../errors.ts';
import { writeFileAtomic } from '../atomicWrite.ts';
import { selectFloat32 } from '../../numerics/select.ts';

/** One atom to draw. */
export interface OverlayAtom {
  /** Column, pixels of the input frame. */
  x: number;
  /** Row, pixels of the input frame. */
  y: number;
  /** Species name (model class); its colour comes from opts.colors or the default palette. */
  species: string;
}

/** A trajectory drawn as a polyline. */
export interface OverlayTrack {
  points: Array<{ x: number; y: number }>;
  /** Colours the line like the species' atoms; white when absent. */
  species?: string;
}

/** Options of {@link writeOverlayPng}. */
export interface OverlayOptions {
  /** Output pixels per input pixel (default: enough for a long side of >= 512 px, at most 8). */
  scale?: number;
  /** Circle radius in input pixels (default: 4 output pixels, at least 0.3 input pixels). */
  radius?: number;
  /** Species -> CSS colour; species not listed get palette colours in sorted-name order. */
  colors?: Record<string, string>;
  /** Trajectories to draw under the atoms. */
  tracks?: OverlayTrack[];
  /** Draw the legend box (species, colour, count). Default true. */
  legend?: boolean;
  /** A line of text at the bottom left (e.g. 'frame 3'). */
  title?: string;
  /** Lower and upper percentiles for the grey-level stretch. Default [0.5, 99.5]. */
  clipPercentiles?: [number, number];
  /** An area to tint under the atoms (e.g. lattice without detections), `mask[height * width]` 1 = tinted, with a legend label. */
  shade?: { mask: Uint8Array; color: [number, number, number]; label: string };
}

/** Palette for species (colour-blind-safe, Okabe & Ito 2008, plus extras). */
export const SPECIES_PALETTE = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#FFFFFF', '#FF4040', '#40FF40'];

/** Species -> colour: explicit ones first, then the palette in sorted-name order. */
export function speciesColors(species: Iterable<string>, explicit: Record<string, string> = {}): Record<string, string> {
  const names = [...new Set(species)].sort();
  const out: Record<string, string> = {};
  let k = 0;
  for (const s of names) out[s] = explicit[s] ?? SPECIES_PALETTE[k++ % SPECIES_PALETTE.length];
  return out;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/**
 * Grey levels 0..255 for a float frame, stretched between two percentiles (from a subsample of at
 * most 2^20 pixels). A constant frame maps to mid-grey.
 */
export function stretchToGrey(frame: Float32Array, lowPct = 0.5, highPct = 99.5): Uint8Array {
  const n = frame.length;
  const step = Math.max(1, Math.floor(n / 2 ** 20));
  const buf = new Float32Array(Math.ceil(n / step));
  let m = 0;
  for (let i = 0; i < n; i += step) if (Number.isFinite(frame[i])) buf[m++] = frame[i];
  // the two order statistics by radix selection (numerics/select.ts): the values a sort would put at those
  // ranks, without sorting the sample (issue 24: the sort was 25 ms of every 512 x 512 overlay)
  const sample = buf.subarray(0, m);
  const q = (p: number): number => (m ? selectFloat32(sample, Math.min(m - 1, Math.max(0, Math.round((p / 100) * (m - 1))))) : 0);
  const lo = q(lowPct);
  const hi = q(highPct);
  const out = new Uint8Array(n);
  if (!(hi > lo)) return out.fill(128);
  const k = 255 / (hi - lo);
  for (let i = 0; i < n; i++) {
    const v = (frame[i] - lo) * k;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return out;
}

/**
 * Render the overlay to PNG bytes (see {@link writeOverlayPng}).
 * @throws AtomdynError when the frame length does not match height x width
 */
export async function renderOverlayPng(frame: Float32Array, height: number, width: number, atoms: OverlayAtom[], opts: OverlayOptions = {}): Promise<Buffer> {
  if (frame.length !== height * width || height < 1 || width < 1) {
    throw new AtomdynError('', `overlay: frame has ${frame.length} pixels, expected ${width} x ${height}`);
  }
  const scale = opts.scale ?? Math.min(8, Math.max(1, Math.ceil(512 / Math.max(height, width))));
  if (!(scale > 0) || !Number.isInteger(scale)) throw new AtomdynError('', `overlay: scale must be a positive integer, got ${scale}`);
  const W = width * scale;
  const H = height * scale;
  const [pl, ph] = opts.clipPercentiles ?? [0.5, 99.5];
  const grey = stretchToGrey(frame, pl, ph);
  const colors = speciesColors([...atoms.map((a) => a.species), ...(opts.tracks ?? []).flatMap((t) => (t.species ? [t.species] : []))], opts.colors);
  const rPx = opts.radius !== undefined ? opts.radius * scale : Math.max(4, 0.3 * scale);
  const stroke = Math.max(1, Math.min(3, rPx / 3));
  const px = (v: number): string => ((v + 0.5) * scale).toFixed(2);

  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`];
  for (const t of opts.tracks ?? []) {
    const pts = t.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    if (pts.length < 2) continue;
    const c = t.species ? colors[t.species] : '#FFFFFF';
    parts.push(`<polyline points="${pts.map((p) => `${px(p.x)},${px(p.y)}`).join(' ')}" fill="none" stroke="${c}" stroke-opacity="0.8" stroke-width="${stroke.toFixed(2)}"/>`);
  }
  const counts: Record<string, number> = {};
  for (const a of atoms) {
    counts[a.species] = (counts[a.species] ?? 0) + 1;
    if (!Number.isFinite(a.x) || !Number.isFinite(a.y)) continue;
    parts.push(`<circle cx="${px(a.x)}" cy="${px(a.y)}" r="${rPx.toFixed(2)}" fill="none" stroke="${colors[a.species]}" stroke-width="${stroke.toFixed(2)}"/>`);
  }
  const fontSize = Math.max(11, Math.min(24, Math.round(W / 40)));
  const species = Object.keys(colors).filter((s) => counts[s] || (opts.tracks ?? []).some((t) => t.species === s));
  if ((opts.legend ?? true) && species.length) {
    const lineH = fontSize * 1.4;
    const boxW = Math.min(W - 4, fontSize * (2.5 + Math.max(...species.map((s) => `${s} (${counts[s] ?? 0})`.length)) * 0.62));
    const boxH = lineH * species.length + fontSize * 0.6;
    parts.push(`<rect x="2" y="2" width="${boxW.toFixed(1)}" height="${boxH.toFixed(1)}" fill="#000000" fill-opacity="0.6" rx="3"/>`);
    species.forEach((s, i) => {
      const cy = 2 + fontSize * 0.3 + lineH * (i + 0.5);
      parts.push(`<circle cx="${(2 + fontSize * 0.8).toFixed(1)}" cy="${cy.toFixed(1)}" r="${(fontSize * 0.35).toFixed(1)}" fill="none" stroke="${colors[s]}" stroke-width="2"/>`);
      parts.push(
        `<text x="${(2 + fontSize * 1.6).toFixed(1)}" y="${(cy + fontSize * 0.35).toFixed(1)}" font-family="DejaVu Sans, Liberation Sans, sans-serif" font-size="${fontSize}" fill="#FFFFFF">${escapeXml(`${s} (${counts[s] ?? 0})`)}</text>`,
      );
    });
  }
  if (opts.shade) {
    const [r, g, b] = opts.shade.color;
    parts.push(`<rect x="${(W - fontSize * 1.2).toFixed(1)}" y="4" width="${(fontSize * 0.8).toFixed(1)}" height="${(fontSize * 0.8).toFixed(1)}" fill="rgb(${r},${g},${b})" fill-opacity="0.7"/>`);
    parts.push(
      `<text x="${(W - fontSize * 1.5).toFixed(1)}" y="${(4 + fontSize * 0.75).toFixed(1)}" text-anchor="end" font-family="DejaVu Sans, Liberation Sans, sans-serif" font-size="${fontSize}" fill="#FFFFFF" stroke="#000000" stroke-width="0.6">${escapeXml(opts.shade.label)}</text>`,
    );
  }
  if (opts.title) {
    parts.push(
      `<text x="4" y="${(H - fontSize * 0.4).toFixed(1)}" font-family="DejaVu Sans, Liberation Sans, sans-serif" font-size="${fontSize}" fill="#FFFFFF" stroke="#000000" stroke-width="0.6">${escapeXml(opts.title)}</text>`,
    );
  }
  parts.push('</svg>');
  const base = sharp(Buffer.from(grey.buffer, grey.byteOffset, grey.byteLength), { raw: { width, height, channels: 1 } })
    .resize(W, H, { kernel: 'nearest' })
    .toColourspace('srgb');
  const enlarged = await base.png().toBuffer();
  const layers: Array<{ input: Buffer; top: number; left: number }> = [];
  if (opts.shade) {
    if (opts.shade.mask.length !== height * width) throw new AtomdynError('', `overlay: shade mask has ${opts.shade.mask.length} pixels, expected ${width} x ${height}`);
    const rgba = Buffer.alloc(width * height * 4);
    const [r, g, b] = opts.shade.color;
    opts.shade.mask.forEach((m, i) => {
      if (!m) return;
      rgba[4 * i] = r;
      rgba[4 * i + 1] = g;
      rgba[4 * i + 2] = b;
      rgba[4 * i + 3] = 110; // about 43 % opaque: the lattice stays visible under the tint
    });
    layers.push({ input: await sharp(rgba, { raw: { width, height, channels: 4 } }).resize(W, H, { kernel: 'nearest' }).png().toBuffer(), top: 0, left: 0 });
  }
  layers.push({ input: Buffer.from(parts.join('')), top: 0, left: 0 });
  return sharp(enlarged)
    .composite(layers)
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/**
 * Draw atoms (and tracks) on a frame and write a PNG atomically.
 * @param file output path (refused when it is an input)
 * @param frame float32 `[height * width]`, row-major
 * @param atoms positions in input-frame pixels (x = column, y = row)
 * @throws AtomdynError for a frame/shape mismatch, an input path, or a write failure
 */
export async function writeOverlayPng(
  file: string,
  frame: Float32Array,
  height: number,
  width: number,
  atoms: OverlayAtom[],
  opts: OverlayOptions = {},
): Promise<void> {
  let png: Buffer;
  try {
    png = await renderOverlayPng(frame, height, width, atoms, opts);
  } catch (e) {
    if (e instanceof AtomdynError) throw new AtomdynError(file, e.message, { cause: e });
    throw new AtomdynError(file, `cannot render overlay: ${(e as Error).message}`, { cause: e });
  }
  await writeFileAtomic(file, png);
}
