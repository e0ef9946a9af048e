/**
 * Report section "Trajectory map": every dopant's drift-corrected track (x_corr, y_corr of
 * tracks.csv) drawn over the drift-corrected mean frame (mean_frame.png; else the first overlay,
 * else a dark field), each segment coloured by time (viridis, first to last frame), hops
 * (hops.csv) ringed in white, the start of each track a small square, with a scale bar and a time
 * legend. Dopants are the particles with a classified configuration (configurations.csv); without
 * one, the particles of the rarest species when it is under 10 % of the trajectories; without any
 * dopant, every trajectory (thin lines).
 */
import { esc, fmt, pngSize, dataUri } from '../htmlPage.ts';
import { scaleBarSvg, svgWithScaleBar } from '../scaleBar.ts';
import { frameWidth } from './atoms.ts';
import type { ReportContext, SectionBuilder } from '../reportContext.ts';
import { columnGetter } from '../../data/columnTable.ts';

/** Viridis at 0, 0.25, 0.5, 0.75, 1 (van der Walt & Smith 2015), linearly interpolated. */
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

/**
 * Colour of a time fraction t in [0, 1] (clamped).
 * @returns CSS rgb()
 */
export function timeColour(t: number): string {
  const u = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u)), w = u - i;
  const c = VIRIDIS[i].map((v, k) => Math.round(v + w * (VIRIDIS[i + 1][k] - v)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** The dopant particles of a run (see the file comment). */
export function dopantParticles(ctx: ReportContext): Set<number> {
  const f = ctx.folder;
  const classified = new Set<number>();
  for (const r of f.configurations?.rows ?? []) if (typeof r.particle === 'number' && typeof r.state === 'number') classified.add(r.particle);
  if (classified.size || !f.tracks) return classified;
  const species = new Map<number, string>();
  // by column: a long table's rows are not made (data/columnTable.ts)
  const [particleOf, particleSpeciesOf, speciesOf] = ['particle', 'particle_species', 'species'].map((c) => columnGetter(f.tracks!, c));
  for (let i = 0; i < f.tracks.rows.length; i++) {
    const p = particleOf(i);
    if (typeof p === 'number') species.set(p, String(particleSpeciesOf(i) ?? speciesOf(i) ?? ''));
  }
  const count = new Map<string, number>();
  for (const s of species.values()) count.set(s, (count.get(s) ?? 0) + 1);
  const rare = [...count].sort((a, b) => a[1] - b[1])[0];
  if (!rare || count.size < 2 || rare[1] > 0.1 * species.size) return new Set();
  return new Set([...species].filter(([, s]) => s === rare[0]).map(([p]) => p));
}

/** Present for movies with tracks of at least one dopant. */
export const trajectoriesSection: SectionBuilder = {
  id: 'trajectories',
  build(ctx) {
    const f = ctx.folder;
    if (!f.tracks || ctx.frameCount < 2) return null;
    let dopants = dopantParticles(ctx);
    const everyTrack = !dopants.size;
    // no dopants (a pristine lattice): every trajectory, to show how the atoms move after drift correction
    // by column: a long table's rows are not made (data/columnTable.ts)
    const corr = f.tracks.columns.includes('x_corr');
    const [particleOf, frameOf, xOf, yOf] = ['particle', 'frame', corr ? 'x_corr' : 'x', corr ? 'y_corr' : 'y'].map((c) => columnGetter(f.tracks!, c));
    const n = f.tracks.rows.length;
    if (everyTrack) {
      dopants = new Set();
      for (let i = 0; i < n; i++) {
        const p = particleOf(i);
        if (typeof p === 'number') dopants.add(p);
      }
    }
    if (!dopants.size) return null;
    const pts = new Map<number, Array<{ frame: number; x: number; y: number }>>();
    for (let i = 0; i < n; i++) {
      const p = particleOf(i) as number;
      if (!dopants.has(p)) continue;
      const x = Number(xOf(i) ?? NaN), y = Number(yOf(i) ?? NaN); // an empty cell: not drawn (as a row's missing cell)
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      (pts.get(p) ?? pts.set(p, []).get(p)!).push({ frame: Number(frameOf(i) ?? NaN), x, y });
    }
    // background and its scale: image px per input px
    const W = frameWidth(ctx);
    let uri: string | null = null, iw = 0, ih = 0, k = 1, what = 'a dark field';
    const bg = f.figures.meanFrame ?? f.figures.overlays[0] ?? null;
    const size = bg ? pngSize(bg) : null;
    if (bg && size) {
      uri = dataUri(bg);
      iw = size.width;
      ih = size.height;
      k = W ? size.width / W : 1;
      what = f.figures.meanFrame ? 'the drift-corrected mean of all frames' : 'the first frame (with its detections circled)';
    } else {
      const all = [...pts.values()].flat();
      iw = W ?? Math.ceil(Math.max(...all.map((q) => q.x)) + 2);
      const H = [...ctx.chain].reverse().map((r) => r.frames?.height).find((h) => h) ?? Math.ceil(Math.max(...all.map((q) => q.y)) + 2);
      ih = H;
    }
    const last = Math.max(1, ctx.frameCount - 1);
    const X = (v: number) => ((v + 0.5) * k).toFixed(2);
    const sw = Math.max(everyTrack ? 0.3 : 1, Math.min(iw, ih) / (everyTrack ? 600 : 200));
    const layers: string[] = [];
    if (!uri) layers.push(`<rect width="${iw}" height="${ih}" fill="#111"/>`);
    for (const [p, list] of [...pts].sort((a, b) => a[0] - b[0])) {
      list.sort((a, b) => a.frame - b.frame);
      const segs = list.slice(1).map((q, i) => `<line x1="${X(list[i].x)}" y1="${X(list[i].y)}" x2="${X(q.x)}" y2="${X(q.y)}" stroke="${timeColour(q.frame / last)}" stroke-width="${(2 * sw).toFixed(2)}" stroke-linecap="round"/>`).join('');
      const s = list[0];
      const start = everyTrack ? '' : `<rect x="${(Number(X(s.x)) - 3 * sw).toFixed(2)}" y="${(Number(X(s.y)) - 3 * sw).toFixed(2)}" width="${(6 * sw).toFixed(2)}" height="${(6 * sw).toFixed(2)}" fill="${timeColour(s.frame / last)}" stroke="#fff" stroke-width="${(0.6 * sw).toFixed(2)}"/>`;
      layers.push(`<g data-particle="${p}" data-points="${list.length}">${start}${segs}</g>`);
    }
    let nHops = 0;
    for (const h of f.hops?.rows ?? []) {
      if (!dopants.has(h.particle as number)) continue;
      const x = Number(h.x_to), y = Number(h.y_to);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      nHops++;
      layers.push(`<circle data-hop="" data-particle="${h.particle}" data-frame="${h.frame}" cx="${X(x)}" cy="${X(y)}" r="${(5 * sw).toFixed(2)}" fill="none" stroke="#fff" stroke-width="${(1.2 * sw).toFixed(2)}"/>`);
    }
    const svg = uri
      ? svgWithScaleBar(uri, iw, ih, { alt: 'trajectory map', scale: { inputPxPerImagePx: 1 / k, pixelSizePm: ctx.pixelSizePm }, layers: layers.join(''), attrs: 'id="trajectory-map"', minWidth: 720 })
      : `<svg xmlns="http://www.w3.org/2000/svg" class="image" id="trajectory-map" viewBox="0 0 ${iw} ${ih}" width="${Math.max(720, iw)}" role="img" aria-label="trajectory map">${layers.join('')}${scaleBarSvg(iw, ih, { inputPxPerImagePx: 1, pixelSizePm: ctx.pixelSizePm }, Math.max(720, iw) / iw)}</svg>`;
    const t0 = 0, t1 = ctx.time.of(last);
    const legend = `<svg xmlns="http://www.w3.org/2000/svg" class="legend" id="time-legend" viewBox="0 0 320 34" width="320" height="34"><defs><linearGradient id="viridis">${VIRIDIS.map((_, i) => `<stop offset="${i / (VIRIDIS.length - 1)}" stop-color="${timeColour(i / (VIRIDIS.length - 1))}"/>`).join('')}</linearGradient></defs><rect x="10" y="2" width="300" height="12" fill="url(#viridis)"/><text x="10" y="30" font-size="12" font-family="DejaVu Sans, sans-serif">${fmt(t0)}</text><text x="310" y="30" font-size="12" text-anchor="end" font-family="DejaVu Sans, sans-serif">${fmt(t1, 2)} ${ctx.time.unit === 's' ? 's' : 'frames'}</text><text x="160" y="30" font-size="12" text-anchor="middle" font-family="DejaVu Sans, sans-serif">${esc(ctx.time.title('time'))}</text></svg>`;
    const caption = `${pts.size} ${everyTrack ? 'trajectories (no dopants were found, so every atom\'s)' : 'dopant trajectories'} over ${what}, drift-corrected (frame 0 coordinates). Colour: time of each step (legend below)${everyTrack ? '' : '; square: first observation'}; white ring: a hop (hops.csv, ${nHops} shown).`;
    return { id: 'trajectories', title: 'Trajectory map', html: `<figure data-figure="trajectory-map">${svg}<figcaption>${esc(caption)}</figcaption>${legend}</figure>` };
  },
};
