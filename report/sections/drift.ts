/**
 * Report section "Drift": drawn once: drift.png of the track step (path and dx, dy against frame)
 * when present, else a chart from drift.csv. Absent for a single image or a drift of zero in every
 * frame (nothing to show).
 */
import path from 'node:path';
import { esc, figure, fmt } from '../htmlPage.ts';
import { driftSpec, renderVegaLite } from '../vegaCharts.ts';
import type { SectionBuilder } from '../reportContext.ts';

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

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
    for (const png of f.figures.drift) parts.push(figure(png, `${path.basename(png)}: left, the drift path as seen on screen (y down); right, dx and dy against frame.`, 'data-figure="drift"'));
    return { id: 'drift', title: 'Drift', html: parts.join('\n') };
  },
};
