/**
 * Report section "Drift": drawn once: drift.png of the track step (path and dx, dy against frame)
 * when present, else a chart from drift.csv. Absent for a single image or a drift of zero in every
 * frame (nothing to show).
 */
import path from 'node:path';
import { esc, figure, fmt } from '../htmlPage.ts';
import { driftSpec, renderVegaLite } from '../vegaCharts.ts';
import type { SectionBuilder } from '../reportContext.ts';
import { jitterFromDrift } from '../../dynamics/registration/jitter.ts';

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

/** Jitter figures from drift.csv: a smooth drift refitted to its dx, dy (dynamics/registration/jitter.ts, as `track` does); null for under 4 registered frames. */
function jitterParagraph(drift: { columns: string[]; rows: Array<Record<string, unknown>> }): { html: string; rows: Array<{ frame: number; dx: number; dy: number }>; unit: string } | null {
  const pm = drift.columns.includes('dx_pm');
  const rows = drift.rows.filter((r) => typeof r.frame === 'number' && typeof r[pm ? 'dx_pm' : 'dx'] === 'number' && typeof r[pm ? 'dy_pm' : 'dy'] === 'number');
  if (rows.length < 4 || rows.every((r) => r.dx === 0 && r.dy === 0)) return null;
  const j = jitterFromDrift(rows.map((r) => r.frame as number), rows.map((r) => r[pm ? 'dx_pm' : 'dx'] as number), rows.map((r) => r[pm ? 'dy_pm' : 'dy'] as number));
  const u = pm ? 'pm' : 'px';
  const html = `<p class="note">Jitter (each frame's registration minus a smooth degree-${j.degree} polynomial drift; drift.csv columns dx_smooth, dy_smooth, jitter_x, jitter_y): standard deviation ${fmt(j.sdX, 3)} ± ${fmt(j.sdXErr, 2)} ${u} in x and ${fmt(j.sdY, 3)} ± ${fmt(j.sdYErr, 2)} ${u} in y over ${j.n} frames. Jitter near the registration's precision (about 0.05 px) is registration noise; well above it, the image really moved between frames.</p>`;
  return { html, rows: rows.map((r, k) => ({ frame: r.frame as number, dx: j.jitterX[k], dy: j.jitterY[k] })), unit: u };
}

/** Present for movies with drift.csv or drift.png. */
export const driftSection: SectionBuilder = {
  id: 'drift',
  async build(ctx) {
    const f = ctx.folder;
    if (ctx.frameCount < 2 || (!f.drift && !f.figures.drift.length)) return null;
    const parts: string[] = [];
    if (f.drift) {
      const pm = f.drift.columns.includes('dx_pm') && f.drift.rows.every((r) => typeof r.dx_pm === 'number');
      const rows = f.drift.rows.map((r) => ({ frame: num(r.frame), dx: num(pm ? r.dx_pm : r.dx), dy: num(pm ? r.dy_pm : r.dy) })).filter((r) => Number.isFinite(r.dx));
      if (rows.length < 2) return null;
      if (!f.figures.drift.length) parts.push(`<div class="chart" data-chart="drift">${await renderVegaLite(driftSpec(rows, pm ? 'pm' : 'px'))}</div>`);
      const amb = f.drift.rows.filter((r) => r.ambiguous === true).map((r) => r.frame);
      const last = rows[rows.length - 1];
      const unit = pm ? 'pm' : 'px';
      const speed = ctx.time.unit === 's' ? ` (${fmt(Math.hypot(last.dx, last.dy) / ctx.time.of(last.frame - rows[0].frame), 3)} ${unit}/s)` : '';
      parts.push(`<p class="note">Position of each frame's content relative to frame 0. Total drift ${fmt(Math.hypot(last.dx, last.dy), 2)} ${unit} over ${last.frame - rows[0].frame} frames${speed}.${amb.length ? ` Ambiguous registration (another peak one lattice vector away nearly as high) in frame(s) ${esc(amb.join(', '))}.` : ''}</p>`);
    }
    const jitter = f.drift ? jitterParagraph(f.drift) : null;
    if (jitter) parts.push(jitter.html, `<div class="chart" data-chart="jitter">${await renderVegaLite(driftSpec(jitter.rows, jitter.unit, 'jitter'))}</div>`);
    for (const png of f.figures.drift) parts.push(figure(png, `${path.basename(png)}: left, the drift path as seen on screen (y down); right, dx and dy against frame.`, 'data-figure="drift"'));
    return { id: 'drift', title: 'Drift', html: parts.join('\n') };
  },
};
