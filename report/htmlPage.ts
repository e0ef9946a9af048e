/**
 * The HTML frame of the report: escaping, number formatting, inlined images and the page template.
 * The page is self-contained (no scripts, no external fonts, styles or images), so it opens offline
 * and can be mailed or archived as one file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Escape text for HTML content and attribute values. */
export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * A number for display: `digits` significant decimals for probabilities (fixed), scientific for
 * very small or large magnitudes; '–' for null/NaN, '∞' for infinity.
 */
export function fmt(v: unknown, digits = 3): string {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '–';
  if (typeof v !== 'number') return esc(v);
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 10 ** -digits || a >= 1e6) return v.toExponential(2);
  if (Number.isInteger(v)) return String(v);
  return a >= 100 ? v.toFixed(1) : v.toFixed(digits);
}

/** A PNG (or other image) as a data URI. */
export function dataUri(file: string): string {
  const ext = path.extname(file).toLowerCase();
  const mime = ext === '.png' ? 'image/png' : ext === '.svg' ? 'image/svg+xml' : ext === '.jpg' || ext === '.jpeg' ? 'image/jpeg' : 'application/octet-stream';
  return `data:${mime};base64,${readFileSync(file).toString('base64')}`;
}

/**
 * Width and height of a PNG from its IHDR chunk (null for anything else).
 * @param file path
 */
export function pngSize(file: string): { width: number; height: number } | null {
  const b = readFileSync(file);
  if (b.length < 24 || b.readUInt32BE(0) !== 0x89504e47 || b.toString('ascii', 12, 16) !== 'IHDR') return null;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/**
 * An inlined image. Images narrower than `minWidth` px are enlarged by an integer factor with
 * nearest-neighbour rendering, so that small crops stay readable pixel for pixel.
 */
export function img(file: string, alt: string, minWidth = 320): string {
  const size = pngSize(file);
  let style = '';
  if (size && size.width < minWidth) {
    const k = Math.ceil(minWidth / size.width);
    style = ` width="${size.width * k}" height="${size.height * k}" style="image-rendering: pixelated"`;
  }
  return `<img src="${dataUri(file)}" alt="${esc(alt)}"${style}>`;
}

/** An inlined image with a caption. */
export function figure(file: string, caption: string, attrs = ''): string {
  return `<figure ${attrs}>${img(file, caption)}<figcaption>${esc(caption)}</figcaption></figure>`;
}

/** One report section. */
export interface Section {
  id: string;
  title: string;
  html: string;
}

const CSS = `
:root { --fg:#1d232a; --muted:#5b6670; --line:#d9dee3; --bg:#fbfcfd; --accent:#2b6cb0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
header { background: #1f2d3a; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: #c9d3dc; }
nav { padding: 8px 28px; border-bottom: 1px solid var(--line); background: #fff; position: sticky; top: 0; display: flex; flex-wrap: wrap; gap: 2px 14px; z-index: 1; }
nav a { color: var(--accent); text-decoration: none; white-space: nowrap; }
main { padding: 8px 28px 40px; max-width: 1280px; }
section { margin: 22px 0; padding: 16px 20px; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
section h2 { margin: 0 0 10px; font-size: 18px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 10px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: right; vertical-align: middle; }
th { background: #f1f4f7; font-weight: 600; }
td.text, th.text { text-align: left; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; overflow-wrap: anywhere; min-width: 0; }
figure { display: inline-block; margin: 6px 12px 10px 0; vertical-align: top; }
figure img, figure svg { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 12px; }
.note { color: var(--muted); }
.warn { background: #fff8e1; border-left: 4px solid #f0b400; padding: 6px 10px; margin: 6px 0; }
.empty { background: #eef5fb; border-left: 4px solid var(--accent); padding: 10px 12px; font-size: 15px; }
.matrix td.cell { min-width: 118px; text-align: center; line-height: 1.25; }
.matrix td.cell .p { font-size: 15px; font-weight: 600; }
.matrix td.cell .ci, .matrix td.cell .n { font-size: 11px; }
.matrix td.unknown { background: repeating-linear-gradient(45deg, #f4f4f4, #f4f4f4 6px, #e9e9e9 6px, #e9e9e9 12px); color: var(--muted); }
pre.cmd { background: #1f2d3a; color: #e6edf3; padding: 10px 12px; border-radius: 4px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.chart svg { max-width: 100%; height: auto; }
.chart, section { overflow-x: auto; }
svg.image { max-width: 100%; height: auto; display: block; border: 1px solid var(--line); }
td.match { background: #e3f1e0; font-weight: 600; }
td.ok { color: #2f7d32; font-weight: 600; }
td.bad { color: #b3261e; font-weight: 600; }
figure .legend { display: block; margin-top: 4px; }
@media (max-width: 700px) {
  header { padding: 12px 14px; }
  nav { position: static; padding: 6px 14px; }
  main { padding: 4px 8px 24px; }
  section { padding: 10px 10px; margin: 12px 0; }
  figure { margin: 6px 0; display: block; }
  dl.kv { grid-template-columns: 1fr; }
  dl.kv dt { margin-top: 4px; }
}
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
`;

/**
 * The whole page.
 * @param title page title
 * @param subtitle line under the title
 * @param sections body sections, in order
 */
export function page(title: string, subtitle: string, sections: Section[]): string {
  const nav = sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join('');
  const body = sections.map((s) => `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2>\n${s.html}\n</section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(title)}</h1><p>${esc(subtitle)}</p></header>
<nav>${nav}</nav>
<main>
${body}
</main>
</body>
</html>
`;
}

/** A key/value list. */
export function keyValues(rows: Array<[string, string]>): string {
  return `<dl class="kv">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

/** Colours for states, consistent across the matrix, timelines and histograms (Tableau 10). */
export const STATE_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
