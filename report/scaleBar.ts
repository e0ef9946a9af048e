/**
 * Images with a scale bar: a PNG is inlined as an SVG `<image>` with the bar drawn in the same
 * coordinate system, so the bar stays true when the page scales the image. The bar is white on a
 * dark translucent box in the bottom-right corner (readable on any image); its length is a 1-2-5
 * number near a fifth of the image width, in pm (nm from 1000 pm), or in input pixels where the
 * pixel size is unknown. Captions go outside the image (figcaption).
 */
import { dataUri, esc, pngSize } from './htmlPage.ts';

/**
 * A 1, 2 or 5 times a power of ten, at most `span` and at least about span / 10.
 * @param span available length (> 0)
 * @throws RangeError when span is not positive and finite
 */
export function niceLength(span: number): number {
  if (!(span > 0) || !Number.isFinite(span)) throw new RangeError(`niceLength: span must be > 0, got ${span}`);
  const mag = 10 ** Math.floor(Math.log10(span));
  return [5, 2, 1].map((m) => m * mag).find((v) => v <= span) ?? mag;
}

/** Text of a length: `500 pm`, `1 nm`, `2.5 nm`, `20 px`. */
export function lengthLabel(value: number, unit: 'pm' | 'px'): string {
  if (unit === 'px') return `${value} px`;
  return value >= 1000 ? `${Number((value / 1000).toPrecision(3))} nm` : `${Number(value.toPrecision(3))} pm`;
}

/** Calibration of an image: length per image pixel. */
export interface ImageScale {
  /** Input-frame pixels per image pixel (1 for an image drawn 1:1, 1/8 for an 8x enlarged overlay). */
  inputPxPerImagePx: number;
  /** Pixel size of the input frames, pm, or null when unknown (the bar is then in input px). */
  pixelSizePm: number | null;
}

/**
 * SVG group of a scale bar for an image of `width` x `height` image pixels.
 * @param displayScale screen pixels per image pixel as shown (text and box sizes follow it)
 * @returns `<g data-scale-bar ...>` with data-length, data-unit and data-bar-width (image px)
 */
export function scaleBarSvg(width: number, height: number, scale: ImageScale, displayScale = 1): string {
  const unit: 'pm' | 'px' = scale.pixelSizePm ? 'pm' : 'px';
  const perImagePx = scale.inputPxPerImagePx * (scale.pixelSizePm ?? 1);
  const L = niceLength((width * perImagePx) / 5);
  const barW = L / perImagePx;
  // sizes in image px, chosen for the image as displayed (displayScale screen px per image px)
  const font = Math.max(11, Math.round((Math.min(width, height) * displayScale) / 28)) / displayScale;
  const pad = font * 0.5;
  const barH = Math.max(3 / displayScale, font * 0.35);
  const label = lengthLabel(L, unit);
  const boxW = Math.max(barW, label.length * font * 0.62) + 2 * pad;
  const boxH = font + barH + 3 * pad;
  const x0 = width - boxW - pad, y0 = height - boxH - pad;
  return `<g data-scale-bar="" data-length="${L}" data-unit="${unit}" data-bar-width="${barW.toFixed(3)}">` +
    `<rect x="${x0}" y="${y0.toFixed(2)}" width="${boxW.toFixed(2)}" height="${boxH.toFixed(2)}" rx="${(pad / 2).toFixed(2)}" fill="#000" fill-opacity="0.62"/>` +
    `<rect class="bar" x="${x0 + pad}" y="${(y0 + boxH - pad - barH).toFixed(2)}" width="${barW.toFixed(3)}" height="${barH.toFixed(2)}" fill="#fff"/>` +
    `<text x="${x0 + pad}" y="${(y0 + pad + font * 0.85).toFixed(2)}" font-family="DejaVu Sans, sans-serif" font-size="${font.toFixed(2)}" fill="#fff">${esc(label)}</text></g>`;
}

/** Options of {@link imageWithScaleBar}. */
export interface ScaledImageOptions {
  alt: string;
  /** Calibration; null draws no bar (figures with axes, e.g. plots). */
  scale: ImageScale | null;
  /** Extra SVG drawn over the image, in image-pixel coordinates (tracks, markers). */
  layers?: string;
  /** Attributes of the svg element. */
  attrs?: string;
  /** Images narrower than this are shown enlarged (pixelated), default 320 CSS px. */
  minWidth?: number;
}

/**
 * A PNG file as an inline SVG with its scale bar (and optional layers).
 * @param file PNG path
 * @throws Error when the file is not a PNG
 */
export function imageWithScaleBar(file: string, o: ScaledImageOptions): string {
  const size = pngSize(file);
  if (!size) throw new Error(`${file}: not a PNG`);
  return svgWithScaleBar(dataUri(file), size.width, size.height, o);
}

/**
 * An image (data URI) as an inline SVG with its scale bar.
 * @param width image width in image pixels; `height` likewise
 */
export function svgWithScaleBar(uri: string, width: number, height: number, o: ScaledImageOptions): string {
  const k = width < (o.minWidth ?? 320) ? Math.ceil((o.minWidth ?? 320) / width) : 1;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="image" viewBox="0 0 ${width} ${height}" width="${width * k}" height="${height * k}" role="img" aria-label="${esc(o.alt)}" ${o.attrs ?? ''}>` +
    `<image href="${uri}" width="${width}" height="${height}"${k > 1 ? ' style="image-rendering:pixelated"' : ''}/>` +
    (o.layers ?? '') + (o.scale ? scaleBarSvg(width, height, o.scale, k) : '') + '</svg>';
}
