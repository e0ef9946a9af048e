/**
 * Figures of the image-analytics pages (`atomdyn unmix`, `atomdyn crystallography`): the image in
 * grey with component maps or atom classes over it, Fourier-plane tiles of endmembers, a scree curve
 * and a dendrogram. PNGs are made in memory with sharp and returned as data URIs; curves are inline SVG,
 * so the pages stay self-contained.
 */
import sharp from 'sharp';
import { esc, STATE_COLOURS } from './htmlPage.ts';
import type { Dendrogram } from '../analytics/unmixing/agglomerative.ts';

/** Window geometry of a map: value i sits at window (i % gridWidth, floor(i / gridWidth)), centres `first + step * g`. */
export interface MapGrid {
  gridWidth: number;
  gridHeight: number;
  /** Centre of the first window, px. */
  firstX: number;
  firstY: number;
  step: number;
}

function hexRgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** A colour of the state palette, cycling. */
export function classColour(k: number): string {
  return STATE_COLOURS[k % STATE_COLOURS.length];
}

/** Grey levels 0..1 of an image, clipped at its 1st and 99th percentiles. */
function greyLevels(image: ArrayLike<number>): Float32Array {
  const sorted = Float32Array.from(image).sort();
  const lo = sorted[Math.floor(0.01 * (sorted.length - 1))];
  const hi = sorted[Math.floor(0.99 * (sorted.length - 1))];
  return Float32Array.from(image, (v) => Math.min(1, Math.max(0, (v - lo) / (hi - lo || 1))));
}

async function pngUri(rgb: Uint8Array, width: number, height: number, maxSide: number, nearest = false): Promise<string> {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  let s = sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 } });
  if (scale < 1 || nearest) {
    const f = nearest ? Math.max(1, Math.floor(maxSide / Math.max(width, height))) : scale;
    s = s.resize(Math.max(1, Math.round(width * f)), Math.max(1, Math.round(height * f)), { kernel: nearest ? 'nearest' : 'lanczos3' });
  }
  return `data:image/png;base64,${(await s.png().toBuffer()).toString('base64')}`;
}

/**
 * The image in grey with one value per window painted over it in `colour` (opacity 0 at the map's
 * minimum, 0.75 at its maximum).
 * @param image row-major `[height, width]`
 * @param values one per window of `grid`; null paints the grey image only
 * @returns a PNG data URI, longest side at most `maxSide` px
 */
export async function mapOverImage(image: ArrayLike<number>, width: number, height: number, values: ArrayLike<number> | null, grid: MapGrid | null, colour = '#e15759', maxSide = 512): Promise<string> {
  const grey = greyLevels(image);
  const rgb = new Uint8Array(width * height * 3);
  const [cr, cg, cb] = hexRgb(colour);
  let vmax = -Infinity;
  let vmin = Infinity;
  if (values) for (let i = 0; i < values.length; i++) {
    vmax = Math.max(vmax, values[i]);
    vmin = Math.min(vmin, values[i]);
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const g = grey[y * width + x] * 255;
      let a = 0;
      if (values && grid && vmax > vmin) {
        const gx = Math.min(grid.gridWidth - 1, Math.max(0, Math.round((x - grid.firstX) / grid.step)));
        const gy = Math.min(grid.gridHeight - 1, Math.max(0, Math.round((y - grid.firstY) / grid.step)));
        a = (0.75 * (values[gy * grid.gridWidth + gx] - vmin)) / (vmax - vmin);
      }
      const p = (y * width + x) * 3;
      rgb[p] = g * (1 - a) + cr * a;
      rgb[p + 1] = g * (1 - a) + cg * a;
      rgb[p + 2] = g * (1 - a) + cb * a;
    }
  }
  return pngUri(rgb, width, height, maxSide);
}

/**
 * Every window painted in the colour of its dominant component over the grey image.
 * @param loadings n x K, row-major
 */
export async function dominantMap(image: ArrayLike<number>, width: number, height: number, loadings: ArrayLike<number>, K: number, grid: MapGrid, maxSide = 512): Promise<string> {
  const grey = greyLevels(image);
  const rgb = new Uint8Array(width * height * 3);
  const colours = Array.from({ length: K }, (_, k) => hexRgb(classColour(k)));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gx = Math.min(grid.gridWidth - 1, Math.max(0, Math.round((x - grid.firstX) / grid.step)));
      const gy = Math.min(grid.gridHeight - 1, Math.max(0, Math.round((y - grid.firstY) / grid.step)));
      const i = gy * grid.gridWidth + gx;
      let best = 0;
      for (let k = 1; k < K; k++) if (loadings[i * K + k] > loadings[i * K + best]) best = k;
      const g = grey[y * width + x] * 255;
      const p = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) rgb[p + c] = 0.5 * g + 0.5 * colours[best][c];
    }
  }
  return pngUri(rgb, width, height, maxSide);
}

/** A square Fourier-plane tile (DC at the centre) in grey, magnified to about `side` px. */
export async function planeTile(plane: ArrayLike<number>, window: number, side = 160): Promise<string> {
  const grey = greyLevels(plane);
  const rgb = new Uint8Array(window * window * 3);
  for (let i = 0; i < window * window; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = grey[i] * 255;
  return pngUri(rgb, window, window, side, true);
}

/** Scree curve: explained-variance ratio per component (log scale), the kept ones highlighted. */
export function screeSvg(ratios: ArrayLike<number>, kept: number): string {
  const W = 420, H = 220, L = 50, B = 30, n = ratios.length;
  const vals = Array.from(ratios, (v) => Math.max(v, 1e-8));
  const lmin = Math.floor(Math.log10(Math.min(...vals))), lmax = Math.ceil(Math.log10(Math.max(...vals)));
  const xOf = (i: number) => L + ((i + 0.5) * (W - L - 10)) / n;
  const yOf = (v: number) => 10 + ((lmax - Math.log10(v)) * (H - B - 10)) / Math.max(1, lmax - lmin);
  const pts = vals.map((v, i) => `${xOf(i).toFixed(1)},${yOf(v).toFixed(1)}`).join(' ');
  const ticks = Array.from({ length: lmax - lmin + 1 }, (_, t) => lmin + t)
    .map((e) => `<line x1="${L - 4}" x2="${L}" y1="${yOf(10 ** e)}" y2="${yOf(10 ** e)}" stroke="#555"/><text x="${L - 6}" y="${yOf(10 ** e) + 4}" font-size="10" text-anchor="end">1e${e}</text>`)
    .join('');
  const dots = vals.map((v, i) => `<circle cx="${xOf(i).toFixed(1)}" cy="${yOf(v).toFixed(1)}" r="3" fill="${i < kept ? '#e15759' : '#4e79a7'}"/>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="scree plot">
<line x1="${L}" y1="10" x2="${L}" y2="${H - B}" stroke="#555"/><line x1="${L}" y1="${H - B}" x2="${W - 10}" y2="${H - B}" stroke="#555"/>${ticks}
<polyline points="${pts}" fill="none" stroke="#4e79a7"/>${dots}
<text x="${(W + L) / 2}" y="${H - 6}" font-size="11" text-anchor="middle">component (red: kept)</text>
<text x="12" y="${(H - B) / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${(H - B) / 2})">explained variance ratio</text></svg>`;
}

/**
 * Dendrogram (merge height up) with leaves coloured by `leafClass`.
 * @param leafClass class of each sample (index = sample), or null
 */
export function dendrogramSvg(d: Dendrogram, leafClass: ArrayLike<number> | null): string {
  const W = 640, H = 260, L = 10, B = 14;
  const nLeaves = d.leafOrder.length;
  const pos = new Map<number, number>();
  d.leafOrder.forEach((s, i) => pos.set(s, L + ((i + 0.5) * (W - 2 * L)) / nLeaves));
  const hmax = Math.max(1e-12, d.nodes[d.root].height);
  const yOf = (h: number) => 8 + (1 - h / hmax) * (H - B - 8);
  const xs = new Map<number, number>();
  const lines: string[] = [];
  const place = (id: number): number => {
    const node = d.nodes[id];
    if (node.children.length === 0) {
      const x = pos.get(node.sample)!;
      xs.set(id, x);
      return x;
    }
    const cx = node.children.map(place);
    const x = cx.reduce((s, v) => s + v, 0) / cx.length;
    const y = yOf(node.height);
    node.children.forEach((c, i) => lines.push(`M${cx[i].toFixed(1)},${yOf(d.nodes[c].height).toFixed(1)}V${y.toFixed(1)}`));
    lines.push(`M${Math.min(...cx).toFixed(1)},${y.toFixed(1)}H${Math.max(...cx).toFixed(1)}`);
    xs.set(id, x);
    return x;
  };
  place(d.root);
  const leaves = leafClass
    ? d.leafOrder.map((s) => `<rect x="${(pos.get(s)! - (W - 2 * L) / nLeaves / 2).toFixed(1)}" y="${H - B + 2}" width="${((W - 2 * L) / nLeaves).toFixed(2)}" height="8" fill="${classColour(leafClass[s])}"/>`).join('')
    : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="dendrogram"><path d="${lines.join('')}" stroke="#333" fill="none" stroke-width="0.7"/>${leaves}</svg>`;
}

/**
 * Atoms as dots in their class colour over the grey image.
 * @param xs, ys atom positions, px; `labels` their classes
 */
export async function classMapSvg(image: ArrayLike<number> | null, width: number, height: number, xs: ArrayLike<number>, ys: ArrayLike<number>, labels: ArrayLike<number>, maxSide = 640): Promise<string> {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const W = Math.round(width * scale), H = Math.round(height * scale);
  const bg = image ? `<image href="${await mapOverImage(image, width, height, null, null, '#000', maxSide)}" x="0" y="0" width="${W}" height="${H}"/>` : `<rect width="${W}" height="${H}" fill="#222"/>`;
  const r = Math.max(1.2, Math.min(4, Math.sqrt((W * H) / Math.max(1, xs.length)) / 4));
  const dots: string[] = [];
  for (let i = 0; i < xs.length; i++) dots.push(`<circle cx="${(xs[i] * scale).toFixed(1)}" cy="${(ys[i] * scale).toFixed(1)}" r="${r.toFixed(1)}" fill="${classColour(labels[i])}"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc('atom classes')}">${bg}${dots.join('')}</svg>`;
}
