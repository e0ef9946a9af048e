/**
 * A frame drawn as SVG: the atoms found in one frame (coloured by species) and the trajectories
 * (polylines of the tracked positions), in input-frame pixel coordinates (x = column, y = row, y
 * down, pixel centres at integers; docs/schema.md). Used when the run holds no overlay PNG.
 */
import type { Table } from '../data/csvTable.ts';
import { esc } from './htmlPage.ts';

/** Atom colours by species (sorted by name) on the dark background; trajectories are drawn in red. */
const SPECIES_COLOURS = ['#f2c14e', '#4fc3f7', '#a5d6a7', '#ce93d8', '#ffab91', '#e0e0e0'];

/** Options of {@link drawFrameSvg}. */
export interface FrameDrawingOptions {
  /** Frame to draw atoms of (default: the first frame in the table). */
  frame?: number;
  /** Image size in px (default: from the positions). */
  width?: number;
  height?: number;
  /** At most this many atoms (default 12000) and tracks (default 400) are drawn. */
  maxAtoms?: number;
  maxTracks?: number;
}

/**
 * SVG of atoms and tracks.
 * @param atoms rows with frame, x, y, species (atoms.csv or tracks.csv); may be null
 * @param tracks rows with particle, frame, x, y (tracks.csv); may be null
 * @returns the SVG and a caption saying what was drawn (and what was left out)
 */
export function drawFrameSvg(atoms: Table | null, tracks: Table | null, opts: FrameDrawingOptions = {}): { svg: string; caption: string } {
  const num = (v: unknown) => (typeof v === 'number' ? v : NaN);
  const src = atoms ?? tracks;
  const frames = src ? src.rows.map((r) => num(r.frame)).filter(Number.isFinite) : [];
  const frame = opts.frame ?? (frames.length ? Math.min(...frames) : 0);
  const inFrame = src ? src.rows.filter((r) => num(r.frame) === frame && Number.isFinite(num(r.x)) && Number.isFinite(num(r.y))) : [];
  const maxAtoms = opts.maxAtoms ?? 12000;
  const shown = inFrame.slice(0, maxAtoms);
  // tracks: prefer the rarer species (dopants), longest first
  const byParticle = new Map<number, Array<{ f: number; x: number; y: number }>>();
  const speciesCount = new Map<string, number>();
  const particleSpecies = new Map<number, string>();
  for (const r of tracks?.rows ?? []) {
    const p = num(r.particle);
    if (!Number.isFinite(p) || !Number.isFinite(num(r.x))) continue;
    if (!byParticle.has(p)) byParticle.set(p, []);
    byParticle.get(p)!.push({ f: num(r.frame), x: num(r.x), y: num(r.y) });
    const sp = String(r.particle_species ?? r.species ?? '');
    particleSpecies.set(p, sp);
  }
  for (const sp of particleSpecies.values()) speciesCount.set(sp, (speciesCount.get(sp) ?? 0) + 1);
  const maxTracks = opts.maxTracks ?? 400;
  const trackList = [...byParticle.entries()]
    .filter(([, pts]) => pts.length > 1)
    .sort((a, b) => (speciesCount.get(particleSpecies.get(a[0])!)! - speciesCount.get(particleSpecies.get(b[0])!)!) || b[1].length - a[1].length);
  const drawnTracks = trackList.slice(0, maxTracks);
  let W = opts.width ?? 0, H = opts.height ?? 0;
  if (!W || !H) {
    for (const r of src?.rows ?? []) {
      W = Math.max(W, num(r.x) + 1 || 0);
      H = Math.max(H, num(r.y) + 1 || 0);
    }
    W = Math.ceil(W + 2);
    H = Math.ceil(H + 2);
  }
  const species = [...new Set(shown.map((r) => String(r.species ?? '')))].sort();
  const colour = new Map(species.map((s, i) => [s, SPECIES_COLOURS[i % SPECIES_COLOURS.length]]));
  const radius = Math.max(0.8, Math.min(W, H) / 220);
  const circles = shown.map((r) => `<circle cx="${num(r.x).toFixed(2)}" cy="${num(r.y).toFixed(2)}" r="${radius.toFixed(2)}" fill="${colour.get(String(r.species ?? ''))}"/>`).join('');
  const lines = drawnTracks.map(([p, pts]) => {
    pts.sort((a, b) => a.f - b.f);
    return `<polyline data-particle="${p}" points="${pts.map((q) => `${q.x.toFixed(2)},${q.y.toFixed(2)}`).join(' ')}" fill="none" stroke="#ff4d4f" stroke-width="${(radius * 0.6).toFixed(2)}" stroke-opacity="0.85"/>`;
  }).join('');
  const legend = species.map((s) => `<span class="swatch" style="background:${colour.get(s)}"></span>${esc(s || 'atom')}`).join(' &nbsp; ');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-0.5 -0.5 ${W} ${H}" width="${Math.min(720, W * 2)}" id="frame-drawing" data-frame="${frame}" data-atoms="${shown.length}" data-tracks="${drawnTracks.length}"><rect x="-0.5" y="-0.5" width="${W}" height="${H}" fill="#111"/>${circles}${lines}</svg>`;
  const left = [inFrame.length > shown.length ? `${inFrame.length - shown.length} atoms not drawn` : '', trackList.length > drawnTracks.length ? `${trackList.length - drawnTracks.length} tracks not drawn` : ''].filter(Boolean).join(', ');
  const caption = `Frame ${frame}: ${shown.length} atoms (${legend || 'none'}); ${drawnTracks.length} trajectories in red${left ? ` (${left})` : ''}. x = column, y = row, in input pixels.`;
  return { svg, caption };
}
