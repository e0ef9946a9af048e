/**
 * Report section "Atoms and tracks": detection and trajectory counts, the overlay PNGs (frames with
 * the atoms found) with scale bars and captions below, or, without overlays, frame 0 drawn from the
 * tables (report/frameDrawing.ts).
 */
import path from 'node:path';
import { columnGetter } from '../../data/columnTable.ts';
import { esc, fmt, pngSize } from '../htmlPage.ts';
import { drawFrameSvg } from '../frameDrawing.ts';
import { imageWithScaleBar } from '../scaleBar.ts';
import type { ReportContext, SectionBuilder } from '../reportContext.ts';

/** Frame width of the run (run.json), or null. */
export function frameWidth(ctx: ReportContext): number | null {
  return [...ctx.chain].reverse().map((r) => r.frames?.width).find((w) => typeof w === 'number' && w > 0) ?? null;
}

/**
 * An overlay PNG as a figure with a scale bar (the PNG is the frame enlarged by an integer factor).
 * @param caption text under the image
 */
export function overlayFigure(ctx: ReportContext, file: string, caption: string): string {
  const size = pngSize(file);
  const w = frameWidth(ctx);
  const scale = size && w ? { inputPxPerImagePx: w / size.width, pixelSizePm: ctx.pixelSizePm } : null;
  return `<figure data-figure="overlay">${imageWithScaleBar(file, { alt: caption, scale })}<figcaption>${esc(caption)}</figcaption></figure>`;
}

/** Present when the folder has atoms, tracks or overlays. */
export const atomsSection: SectionBuilder = {
  id: 'atoms',
  build(ctx) {
    const f = ctx.folder;
    if (!f.atoms && !f.tracks && !f.figures.overlays.length) return null;
    const parts: string[] = [];
    const src = f.atoms ?? f.tracks;
    if (src) {
      // by column: a long table's rows are not made (data/columnTable.ts)
      const [frameOf, speciesOf] = ['frame', 'species'].map((c) => columnGetter(src, c));
      const hasFrame = src.columns.includes('frame');
      const frames = new Set<unknown>();
      const bySpecies = new Map<string, number>();
      for (let i = 0; i < src.rows.length; i++) {
        frames.add(hasFrame ? frameOf(i) : undefined);
        const sp = String(speciesOf(i) ?? '?');
        bySpecies.set(sp, (bySpecies.get(sp) ?? 0) + 1);
      }
      parts.push(`<p>${src.rows.length} detections in ${frames.size} frame(s), ${fmt(src.rows.length / Math.max(1, frames.size), 1)} per frame; by species: ${[...bySpecies].map(([s, n]) => `${esc(s)} ${n}`).join(', ')}.</p>`);
    }
    if (f.tracks && ctx.frameCount > 1) {
      const lengths = new Map<unknown, number>();
      const particleOf = columnGetter(f.tracks, 'particle');
      const hasParticle = f.tracks.columns.includes('particle');
      for (let i = 0; i < f.tracks.rows.length; i++) {
        const p = hasParticle ? particleOf(i) : undefined;
        lengths.set(p, (lengths.get(p) ?? 0) + 1);
      }
      const L = [...lengths.values()].sort((a, b) => a - b);
      parts.push(`<p>${L.length} trajectories; length (frames) median ${L[Math.floor(L.length / 2)] ?? 0}, longest ${L[L.length - 1] ?? 0}.</p>`);
    }
    for (const png of f.figures.overlays) {
      const m = /(\d+)/.exec(path.basename(png));
      parts.push(overlayFigure(ctx, png, `${m ? `Frame ${Number(m[1])}` : path.basename(png)}: atoms found, circled by species (legend in the corner).`));
    }
    if (!f.figures.overlays.length && src) {
      const fr = f.run?.frames;
      const { svg, caption } = drawFrameSvg(f.atoms ?? f.tracks, f.tracks, { width: fr?.width, height: fr?.height });
      parts.push(`<figure data-figure="frame-drawing">${svg}<figcaption>${caption}</figcaption></figure>`);
    }
    return { id: 'atoms', title: ctx.frameCount > 1 ? 'Atoms and tracks' : 'Atoms', html: parts.join('\n') };
  },
};
