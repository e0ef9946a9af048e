/**
 * Figures of the unit-cell analysis as inline SVG (no external files): maps of cells coloured by a
 * value with a colour bar, histograms, and arrows of B-site displacements. Image axes: x right, y down,
 * in pixels of the input frame.
 */
import { esc } from './htmlPage.ts';

/** A polygon (corners in px) with a value. */
export interface MapCell {
  corners: Array<[number, number]>;
  value: number;
}

/** Diverging blue-white-red colour for t in [-1, 1] (ColorBrewer RdBu end points). */
function diverging(t: number): string {
  const c = Math.max(-1, Math.min(1, t));
  const lo = [33, 102, 172], hi = [178, 24, 43], mid = [247, 247, 247];
  const e = c < 0 ? lo : hi;
  const f = Math.abs(c);
  return `rgb(${mid.map((m, i) => Math.round(m + (e[i] - m) * f)).join(',')})`;
}

/** Sequential (viridis end points, three stops) colour for t in [0, 1]. */
function sequential(t: number): string {
  const stops = [[68, 1, 84], [33, 145, 140], [253, 231, 37]];
  const c = Math.max(0, Math.min(1, t)) * 2;
  const i = Math.min(1, Math.floor(c));
  const f = c - i;
  return `rgb(${stops[i].map((s, k) => Math.round(s + (stops[i + 1][k] - s) * f)).join(',')})`;
}

function quantile(v: number[], q: number): number {
  const s = v.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))] : NaN;
}

function fmtTick(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2);
}

/**
 * Map of cells coloured by value.
 * @param width, height frame size in px (the map's extent)
 * @param diverge colour symmetric about 0 (strain, rotation) instead of min..max
 * @param unit label of the colour bar
 */
export function cellMapSvg(cells: MapCell[], width: number, height: number, title: string, unit: string, diverge: boolean): string {
  const vals = cells.map((c) => c.value);
  let lo: number, hi: number;
  if (diverge) {
    hi = Math.max(Math.abs(quantile(vals, 0.02)), Math.abs(quantile(vals, 0.98))) || 1;
    lo = -hi;
  } else {
    lo = quantile(vals, 0.02);
    hi = quantile(vals, 0.98);
    if (!(hi > lo)) hi = lo + 1;
  }
  const colour = (v: number) => (diverge ? diverging(v / hi) : sequential((v - lo) / (hi - lo)));
  const scale = 480 / Math.max(width, height);
  const w = width * scale, h = height * scale;
  const polys = cells
    .filter((c) => Number.isFinite(c.value))
    .map((c) => `<polygon points="${c.corners.map(([x, y]) => `${(x * scale).toFixed(1)},${(y * scale).toFixed(1)}`).join(' ')}" fill="${colour(c.value)}"/>`)
    .join('');
  const bar = Array.from({ length: 50 }, (_, i) => {
    const t = lo + ((hi - lo) * (49 - i)) / 49;
    return `<rect x="${w + 12}" y="${20 + i * 4}" width="14" height="4.5" fill="${colour(t)}"/>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${(w + 90).toFixed(0)} ${Math.max(h + 30, 240).toFixed(0)}" width="${(w + 90).toFixed(0)}" role="img" aria-label="${esc(title)}">` +
    `<rect x="0" y="0" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="#222"/>${polys}${bar}` +
    `<text x="${w + 30}" y="26" font-size="10">${fmtTick(hi)}</text><text x="${w + 30}" y="220" font-size="10">${fmtTick(lo)}</text>` +
    `<text x="${w + 10}" y="12" font-size="10">${esc(unit)}</text><text x="0" y="${h + 20}" font-size="11">${esc(title)}</text></svg>`;
}

/** Histogram of values with the median marked. */
export function histogramSvg(values: number[], title: string, unit: string, bins = 30): string {
  const v = values.filter(Number.isFinite);
  const lo = quantile(v, 0.005), hi = quantile(v, 0.995);
  const span = hi > lo ? hi - lo : 1;
  const counts = new Array(bins).fill(0);
  for (const t of v) if (t >= lo && t <= hi) counts[Math.min(bins - 1, Math.floor(((t - lo) / span) * bins))]++;
  const max = Math.max(1, ...counts);
  const W = 320, H = 160, bw = W / bins;
  const bars = counts.map((c, i) => `<rect x="${(i * bw).toFixed(1)}" y="${(H - (c / max) * H).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${((c / max) * H).toFixed(1)}" fill="#4e79a7"/>`).join('');
  const med = quantile(v, 0.5);
  const mx = ((med - lo) / span) * W;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-4 0 ${W + 8} ${H + 34}" width="${W + 8}" role="img" aria-label="${esc(title)}">${bars}` +
    `<line x1="${mx.toFixed(1)}" x2="${mx.toFixed(1)}" y1="0" y2="${H}" stroke="#e15759" stroke-width="1.5"/>` +
    `<text x="0" y="${H + 13}" font-size="10">${fmtTick(lo)}</text><text x="${W}" y="${H + 13}" font-size="10" text-anchor="end">${fmtTick(hi)}</text>` +
    `<text x="${W / 2}" y="${H + 13}" font-size="10" text-anchor="middle">median ${fmtTick(med)}</text>` +
    `<text x="0" y="${H + 28}" font-size="11">${esc(title)} (${esc(unit)}, n = ${v.length})</text></svg>`;
}

/**
 * Arrows of B-site displacements, drawn `gain` times longer than they are, over the atoms.
 * @param arrows positions and displacements in px
 */
export function arrowMapSvg(arrows: Array<{ x: number; y: number; dx: number; dy: number }>, atoms: Array<{ x: number; y: number; kind: number }>, width: number, height: number, gain: number, title: string): string {
  const scale = 480 / Math.max(width, height);
  const w = width * scale, h = height * scale;
  const dots = atoms.map((a) => `<circle cx="${(a.x * scale).toFixed(1)}" cy="${(a.y * scale).toFixed(1)}" r="1.6" fill="${a.kind === 0 ? '#f28e2b' : '#76b7b2'}"/>`).join('');
  const lines = arrows
    .map((a) => `<line x1="${(a.x * scale).toFixed(1)}" y1="${(a.y * scale).toFixed(1)}" x2="${((a.x + gain * a.dx) * scale).toFixed(1)}" y2="${((a.y + gain * a.dy) * scale).toFixed(1)}" stroke="#fff" stroke-width="1.1" marker-end="url(#tip)"/>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w.toFixed(0)} ${(h + 20).toFixed(0)}" width="${w.toFixed(0)}" role="img" aria-label="${esc(title)}">` +
    `<defs><marker id="tip" markerWidth="5" markerHeight="5" refX="4" refY="2.5" orient="auto"><path d="M0,0 L5,2.5 L0,5 z" fill="#fff"/></marker></defs>` +
    `<rect width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="#222"/>${dots}${lines}<text x="0" y="${h + 14}" font-size="11">${esc(title)}</text></svg>`;
}
