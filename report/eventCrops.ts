/**
 * Crops of the frames around each observed event (a change of configuration of one particle):
 * the frame before and the frame of the change side by side, centred on the particle, contrast
 * stretched on the pair, upscaled for viewing. In each panel the centre atom (the detection nearest
 * the event position) is ringed in red and its bonds (detections within 1.5 bond lengths of the
 * material, models/materials.ts) are drawn; the frame labels sit in a white strip above the panels
 * and each crop carries a scale bar. Parts of a crop beyond the frame edge are masked (hatched), not
 * filled with repeated edge pixels. Written as crops/event_<frame>_<particle>.png, the names the
 * report looks for.
 */
import path from 'node:path';
import sharp from 'sharp';
import type { FrameStack } from '../data/frameStack.ts';
import type { Table } from '../data/csvTable.ts';
import { columnGetter } from '../data/columnTable.ts';
import { writeFileAtomic } from '../data/atomicWrite.ts';
import { materialByName } from '../models/materials.ts';
import { scaleBarSvg } from './scaleBar.ts';
import { selectInPlace } from '../numerics/select.ts';

/** Options of {@link writeEventCrops}. */
export interface EventCropOptions {
  /** Pixel size, pm (null: lengths in px, bond length taken as 10 px). */
  pixelSizePm: number | null;
  /** Detections (atoms.csv: frame, x, y) for the centre ring and the bonds; null draws none. */
  atoms?: Table | null;
  /** Material name for the bond length (default graphene). */
  lattice?: string | null;
  /** At most this many events (default 60). */
  max?: number;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Cut one side x side crop centred on (x0, y0); pixels outside the frame are NaN.
 * @returns float32 [side * side]
 */
export function cropMasked(frame: Float32Array, width: number, height: number, x0: number, y0: number, r: number): Float32Array {
  const side = 2 * r + 1;
  const c = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const yy = y0 - r + y, xx = x0 - r + x;
      c[y * side + x] = yy >= 0 && yy < height && xx >= 0 && xx < width ? frame[yy * width + xx] : NaN;
    }
  }
  return c;
}

/**
 * The contrast stretch of a crop pair: the 1st and 99.5th percentiles of its finite values (0 and 1 when
 * it has none).
 */
export function pairStretch(crops: Float32Array[]): { lo: number; hi: number } {
  let n = 0;
  for (const c of crops) for (let i = 0; i < c.length; i++) if (!Number.isNaN(c[i])) n++;
  if (n === 0) return { lo: 0, hi: 1 };
  const all = new Float64Array(n);
  n = 0;
  for (const c of crops) for (let i = 0; i < c.length; i++) if (!Number.isNaN(c[i])) all[n++] = c[i];
  // the two ranks by quickselect (numerics/select.ts): the values a sort would put there
  return { lo: selectInPlace(all, 0, n, Math.floor(0.01 * (n - 1))), hi: selectInPlace(all, 0, n, Math.floor(0.995 * (n - 1))) };
}

/**
 * Draw one crop into an RGB buffer, each crop pixel a scale x scale block, grey from the stretch
 * [lo, hi] (clamped to 0..255), NaN pixels (beyond the frame edge) as the mask hatching: dark blue-grey
 * diagonal stripes, (70, 78, 96) where (x + y) mod 6 < 3 and (48, 54, 68) elsewhere (panel px).
 * @param rgb 8-bit RGB buffer of width W, modified
 * @param top first row of the panel in rgb; left its first column
 * @param crop float32 [side * side]
 */
export function drawPanel(rgb: Buffer, W: number, top: number, left: number, crop: Float32Array, side: number, scale: number, lo: number, hi: number): void {
  const span = hi - lo || 1;
  const grey = new Int16Array(crop.length); // -1: masked
  for (let i = 0; i < crop.length; i++) {
    const v = crop[i];
    grey[i] = Number.isNaN(v) ? -1 : Math.max(0, Math.min(255, Math.round((255 * (v - lo)) / span)));
  }
  const Wc = side * scale;
  for (let y = 0; y < side * scale; y++) {
    const src = Math.floor(y / scale) * side;
    let px = 3 * ((y + top) * W + left);
    for (let x = 0; x < Wc; x++, px += 3) {
      const g = grey[src + Math.floor(x / scale)];
      if (g < 0) {
        const dark = (x + y) % 6 >= 3;
        rgb[px] = dark ? 48 : 70;
        rgb[px + 1] = dark ? 54 : 78;
        rgb[px + 2] = dark ? 68 : 96;
      } else rgb[px] = rgb[px + 1] = rgb[px + 2] = g;
    }
  }
}

/**
 * Write one crop pair per event (at most `max`).
 * @param dir run folder (crops/ is created in it)
 * @param events events.csv rows (frame, particle, x, y; docs/schema.md)
 * @returns the files written, relative to `dir`
 */
export async function writeEventCrops(dir: string, stack: FrameStack, events: Table, opts: EventCropOptions): Promise<string[]> {
  const out: string[] = [];
  const bondPm = materialByName(opts.lattice ?? 'graphene')?.bondPm ?? 142;
  const bondPx = opts.pixelSizePm ? bondPm / opts.pixelSizePm : 10;
  const r = Math.max(4, Math.round(4 * bondPx));
  const side = 2 * r + 1;
  const scale = Math.max(1, Math.min(8, Math.round(240 / side)));
  // the atoms of the frames the crops show only (a long movie's whole table would hold memory)
  const shownEvents = events.rows.slice(0, opts.max ?? 60);
  const wanted = new Set(shownEvents.flatMap((e) => [Number(e.frame) - 1, Number(e.frame)]));
  const byFrame = new Map<number, Array<{ x: number; y: number }>>();
  if (opts.atoms) {
    const [gf, gx, gy] = ['frame', 'x', 'y'].map((c) => columnGetter(opts.atoms!, c));
    for (let i = 0; i < opts.atoms.rows.length; i++) {
      const f = Number(gf(i));
      if (!wanted.has(f)) continue;
      const x = Number(gx(i)), y = Number(gy(i));
      if (Number.isFinite(x) && Number.isFinite(y)) (byFrame.get(f) ?? byFrame.set(f, []).get(f)!).push({ x, y });
    }
  }
  const gap = 2, strip = 22;
  const W = (2 * side + gap) * scale, Hc = side * scale, H = Hc + strip;
  // events come in frame order: the last few frames read are kept (a long movie's events share frames)
  const cache = new Map<number, Promise<Float32Array>>();
  const frameAt = (f: number) => {
    let p = cache.get(f);
    if (!p) {
      p = stack.readFrame(f);
      cache.set(f, p);
      if (cache.size > FRAME_CACHE) cache.delete(cache.keys().next().value!);
    }
    return p;
  };
  // PNG encoding runs in sharp's threads: up to ENCODE_AHEAD crops are encoded and written while the next are drawn
  const pending: Array<Promise<void>> = [];
  for (const e of shownEvents) {
    const frame = Number(e.frame), ex = Number(e.x), ey = Number(e.y);
    const x0 = Math.round(ex), y0 = Math.round(ey);
    if (!(frame >= 1 && frame < stack.count) || !Number.isFinite(x0) || !Number.isFinite(y0)) continue;
    const frames = [frame - 1, frame];
    const crops = await Promise.all(frames.map(async (f) => cropMasked(await frameAt(f), stack.width, stack.height, x0, y0, r)));
    const { lo, hi } = pairStretch(crops);
    const rgb = Buffer.alloc(W * H * 3, 255);
    crops.forEach((c, k) => drawPanel(rgb, W, strip, k * (side + gap) * scale, c, side, scale, lo, hi));
    // centre ring, bonds, labels and scale bar
    const svg: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">`];
    frames.forEach((f, k) => {
      const ox = k * (side + gap) * scale;
      const P = (x: number, y: number) => [ox + (x - (x0 - r) + 0.5) * scale, strip + (y - (y0 - r) + 0.5) * scale];
      const atoms = byFrame.get(f) ?? [];
      let centre: { x: number; y: number } | null = null, best = 1.5 * bondPx;
      for (const a of atoms) {
        const d = Math.hypot(a.x - ex, a.y - ey);
        if (d < best) [centre, best] = [a, d];
      }
      if (centre) {
        const c = centre;
        const [cx, cy] = P(c.x, c.y);
        for (const a of atoms) {
          const d = Math.hypot(a.x - c.x, a.y - c.y);
          if (a === c || d > 1.5 * bondPx) continue;
          const [ax, ay] = P(a.x, a.y);
          svg.push(`<line x1="${cx.toFixed(1)}" y1="${cy.toFixed(1)}" x2="${ax.toFixed(1)}" y2="${ay.toFixed(1)}" stroke="#ffd54f" stroke-width="2" stroke-opacity="0.9"/><circle cx="${ax.toFixed(1)}" cy="${ay.toFixed(1)}" r="${(0.25 * bondPx * scale).toFixed(1)}" fill="none" stroke="#ffd54f" stroke-width="1.5"/>`);
        }
        svg.push(`<circle data-centre="" cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="${(0.4 * bondPx * scale).toFixed(1)}" fill="none" stroke="#ff3b30" stroke-width="2.5"/>`);
      }
      svg.push(`<text x="${ox + 4}" y="15" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#1d232a">${xml(`frame ${f}: ${String((k ? e.to : e.from) ?? '')}`)}</text>`);
    });
    svg.push(`<g transform="translate(0 ${strip})">${scaleBarSvg(side * scale, Hc, { inputPxPerImagePx: 1 / scale, pixelSizePm: opts.pixelSizePm })}</g></svg>`);
    const name = `crops/event_${frame}_${e.particle}.png`;
    out.push(name);
    const written = sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
      .composite([{ input: Buffer.from(svg.join('')), top: 0, left: 0 }])
      .png()
      .toBuffer()
      .then((png) => writeFileAtomic(path.join(dir, name), png));
    written.catch(() => {}); // awaited below: a failure is thrown there, not left unhandled meanwhile
    pending.push(written);
    if (pending.length >= ENCODE_AHEAD) await pending.shift();
  }
  await Promise.all(pending);
  return out;
}

/** Frames {@link writeEventCrops} keeps read (an event shows two; consecutive events often share them). */
const FRAME_CACHE = 4;
/** Crops {@link writeEventCrops} lets sharp encode at once while it draws the next. */
const ENCODE_AHEAD = 4;
