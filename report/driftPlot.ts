/**
 * The drift plot: an SVG we write ourselves (two panels: the drift path as seen on screen, y down,
 * and dx, dy against frame; ambiguous registrations marked), rasterised to PNG with sharp.
 */
import sharp from 'sharp';
import type { DriftTrack } from '../dynamics/registration/driftCorrection.ts';
import { writeFileAtomic } from '../data/atomicWrite.ts';

/** Settings for {@link driftPlotSvg}. */
export interface DriftPlotOptions {
  /** Pixel size in pm: the axes are then in pm. */
  pixelSizePm?: number | null;
  /** Title line. */
  title?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  const raw = (hi - lo) / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(Math.abs(v) < 1e-12 ? 0 : v);
  return out;
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());

/**
 * The drift plot as an SVG document (900 x 400 px).
 * @returns SVG text
 */
export function driftPlotSvg(track: DriftTrack, opts: DriftPlotOptions = {}): string {
  const W = 900;
  const H = 400;
  const s = opts.pixelSizePm && opts.pixelSizePm > 0 ? opts.pixelSizePm : 1;
  const unit = s === 1 && !opts.pixelSizePm ? 'px' : 'pm';
  const n = track.frame.length;
  const dx = Array.from(track.dx, (v) => v * s);
  const dy = Array.from(track.dy, (v) => v * s);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  const title = opts.title ?? `drift (${track.method === 'frames' ? 'registered on frames' : track.method === 'coordinates' ? 'registered on coordinates' : 'not corrected'})`;
  parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`);

  // panel 1: path, square aspect, y down as on screen
  const p1 = { x: 70, y: 45, w: 300, h: 300 };
  const lo = Math.min(...dx, ...dy, 0);
  const hi = Math.max(...dx, ...dy, 0);
  const cx = (Math.min(...dx, 0) + Math.max(...dx, 0)) / 2;
  const cy = (Math.min(...dy, 0) + Math.max(...dy, 0)) / 2;
  const span = Math.max(hi - lo, 1e-9) * 1.15 + (unit === 'px' ? 1 : s);
  const X1 = (v: number) => p1.x + ((v - (cx - span / 2)) / span) * p1.w;
  const Y1 = (v: number) => p1.y + ((v - (cy - span / 2)) / span) * p1.h;
  parts.push(`<rect x="${p1.x}" y="${p1.y}" width="${p1.w}" height="${p1.h}" fill="none" stroke="#444"/>`);
  for (const t of niceTicks(cx - span / 2, cx + span / 2)) {
    parts.push(`<line x1="${X1(t)}" y1="${p1.y + p1.h}" x2="${X1(t)}" y2="${p1.y + p1.h + 4}" stroke="#444"/><text x="${X1(t)}" y="${p1.y + p1.h + 16}" text-anchor="middle">${fmt(t)}</text>`);
    parts.push(`<line x1="${X1(t)}" y1="${p1.y}" x2="${X1(t)}" y2="${p1.y + p1.h}" stroke="#eee"/>`);
  }
  for (const t of niceTicks(cy - span / 2, cy + span / 2)) {
    parts.push(`<line x1="${p1.x - 4}" y1="${Y1(t)}" x2="${p1.x}" y2="${Y1(t)}" stroke="#444"/><text x="${p1.x - 6}" y="${Y1(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
    parts.push(`<line x1="${p1.x}" y1="${Y1(t)}" x2="${p1.x + p1.w}" y2="${Y1(t)}" stroke="#eee"/>`);
  }
  parts.push(`<text x="${p1.x + p1.w / 2}" y="${p1.y + p1.h + 34}" text-anchor="middle">dx (${unit})</text>`);
  parts.push(`<text x="18" y="${p1.y + p1.h / 2}" text-anchor="middle" transform="rotate(-90 18 ${p1.y + p1.h / 2})">dy (${unit}, down)</text>`);
  if (n > 0) {
    parts.push(`<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${dx.map((v, i) => `${X1(v).toFixed(2)},${Y1(dy[i]).toFixed(2)}`).join(' ')}"/>`);
    for (let i = 0; i < n; i++) {
      const amb = track.ambiguous[i] === 1;
      parts.push(`<circle cx="${X1(dx[i]).toFixed(2)}" cy="${Y1(dy[i]).toFixed(2)}" r="${amb ? 4.5 : n > 200 ? 1.2 : 2.5}" fill="${amb ? '#d62728' : '#1f77b4'}"/>`);
    }
    parts.push(`<text x="${X1(dx[0]) + 6}" y="${Y1(dy[0]) - 6}" fill="#333">frame ${track.frame[0]}</text>`);
    if (n > 1) parts.push(`<text x="${X1(dx[n - 1]) + 6}" y="${Y1(dy[n - 1]) - 6}" fill="#333">frame ${track.frame[n - 1]}</text>`);
  }

  // panel 2: dx, dy against frame
  const p2 = { x: 470, y: 45, w: 400, h: 300 };
  const f0 = n ? track.frame[0] : 0;
  const f1 = n ? Math.max(track.frame[n - 1], f0 + 1) : 1;
  const vlo = Math.min(lo, 0);
  const vhi = Math.max(hi, 0);
  const vpad = Math.max(vhi - vlo, unit === 'px' ? 1 : s) * 0.08;
  const X2 = (f: number) => p2.x + ((f - f0) / (f1 - f0)) * p2.w;
  const Y2 = (v: number) => p2.y + p2.h - ((v - (vlo - vpad)) / (vhi - vlo + 2 * vpad)) * p2.h;
  parts.push(`<rect x="${p2.x}" y="${p2.y}" width="${p2.w}" height="${p2.h}" fill="none" stroke="#444"/>`);
  for (const t of niceTicks(f0, f1)) {
    if (!Number.isInteger(t)) continue;
    parts.push(`<line x1="${X2(t)}" y1="${p2.y + p2.h}" x2="${X2(t)}" y2="${p2.y + p2.h + 4}" stroke="#444"/><text x="${X2(t)}" y="${p2.y + p2.h + 16}" text-anchor="middle">${t}</text>`);
  }
  for (const t of niceTicks(vlo - vpad, vhi + vpad)) {
    parts.push(`<line x1="${p2.x - 4}" y1="${Y2(t)}" x2="${p2.x}" y2="${Y2(t)}" stroke="#444"/><text x="${p2.x - 6}" y="${Y2(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
    parts.push(`<line x1="${p2.x}" y1="${Y2(t)}" x2="${p2.x + p2.w}" y2="${Y2(t)}" stroke="#eee"/>`);
  }
  parts.push(`<text x="${p2.x + p2.w / 2}" y="${p2.y + p2.h + 34}" text-anchor="middle">frame</text>`);
  parts.push(`<text x="${p2.x - 48}" y="${p2.y + p2.h / 2}" text-anchor="middle" transform="rotate(-90 ${p2.x - 48} ${p2.y + p2.h / 2})">drift (${unit})</text>`);
  if (n > 0) {
    const line = (v: number[], color: string) =>
      `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${v.map((u, i) => `${X2(track.frame[i]).toFixed(2)},${Y2(u).toFixed(2)}`).join(' ')}"/>`;
    parts.push(line(dx, '#1f77b4'), line(dy, '#ff7f0e'));
    for (let i = 0; i < n; i++) {
      if (track.ambiguous[i] !== 1) continue;
      parts.push(`<line x1="${X2(track.frame[i])}" y1="${p2.y}" x2="${X2(track.frame[i])}" y2="${p2.y + p2.h}" stroke="#d62728" stroke-dasharray="3,3"/>`);
    }
  }
  parts.push(`<text x="${p2.x + 10}" y="${p2.y + 16}" fill="#1f77b4">dx</text><text x="${p2.x + 34}" y="${p2.y + 16}" fill="#ff7f0e">dy</text>`);
  const nAmb = track.ambiguous.reduce((a, b) => a + b, 0);
  parts.push(`<text x="${p2.x + 60}" y="${p2.y + 16}" fill="#d62728">${nAmb ? `${nAmb} ambiguous registration${nAmb > 1 ? 's' : ''} (red)` : ''}</text>`);
  parts.push(`<text x="${W / 2}" y="${H - 8}" text-anchor="middle" fill="#555" font-size="11">a feature at (x, y) in frame ${f0} appears at (x + dx, y + dy) later; left: path as seen on screen (y down)</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * Write the drift plot as a PNG (SVG rasterised by sharp), atomically.
 * @throws AtomdynError when the file cannot be written
 */
export async function writeDriftPlot(file: string, track: DriftTrack, opts: DriftPlotOptions = {}): Promise<void> {
  const png = await sharp(Buffer.from(driftPlotSvg(track, opts))).png().toBuffer();
  await writeFileAtomic(file, png);
}
