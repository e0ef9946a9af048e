/**
 * Separation of touching atoms: a connected component of the segmentation that holds more than one
 * atom (two columns closer than the network's masks can keep apart, e.g. Si dimers or strained
 * regions) is split at the local maxima of its foreground probability (1 - p(background)) smoothed
 * over 3 x 3 pixels that are at least `minSeparationPx` apart; each pixel of the component goes to
 * the nearest maximum and each part gets its own probability-weighted centroid, class and confidence.
 * Components with one maximum are returned unchanged.
 */
import type { Blob } from './blobs.ts';

/**
 * Split blobs that contain several atoms.
 * @param blobs components from inference/blobs.ts findBlobs (their pixels are re-found from `probs`)
 * @param probs float32 `[height * width * classes]`, class 0 = background
 * @param minSeparationPx smallest distance between two atoms, model pixels (about 0.6 of the
 *   nearest-neighbour distance)
 */
export function splitTouchingAtoms(blobs: Blob[], probs: Float32Array, height: number, width: number, classes: number, minSeparationPx: number): Blob[] {
  // a blob larger than 1.8x the median area is a candidate
  if (blobs.length === 0) return blobs;
  const areas = blobs.map((b) => b.area).sort((a, b) => a - b);
  const median = areas[areas.length >> 1];
  const out: Blob[] = [];
  const fg = (x: number, y: number) => (x < 0 || y < 0 || x >= width || y >= height ? 0 : 1 - probs[(y * width + x) * classes]);
  for (const b of blobs) {
    if (b.area <= 1.8 * median || b.area < 8) {
      out.push(b);
      continue;
    }
    // collect the component's pixels: flood fill from the pixel nearest the centroid over fg > 0.5
    const seedX = Math.round(b.x), seedY = Math.round(b.y);
    const pix: number[] = [];
    const seen = new Set<number>();
    const stack: number[] = [];
    // the centroid may fall outside a non-convex blob: search a small neighbourhood for a foreground pixel
    search: for (let rr = 0; rr < 6; rr++) {
      for (let dy = -rr; dy <= rr; dy++) for (let dx = -rr; dx <= rr; dx++) {
        if (fg(seedX + dx, seedY + dy) > 0.5) {
          stack.push((seedY + dy) * width + seedX + dx);
          break search;
        }
      }
    }
    while (stack.length) {
      const i = stack.pop()!;
      if (seen.has(i)) continue;
      seen.add(i);
      pix.push(i);
      const x = i % width, y = Math.floor(i / width);
      for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
        const xx = x + dx, yy = y + dy;
        if (fg(xx, yy) > 0.5 && !seen.has(yy * width + xx)) stack.push(yy * width + xx);
      }
    }
    if (pix.length < 8) {
      out.push(b);
      continue;
    }
    const smooth = (i: number) => {
      const x = i % width, y = Math.floor(i / width);
      let s = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += fg(x + dx, y + dy);
      return s / 9;
    };
    const sm = new Map<number, number>(pix.map((i) => [i, smooth(i)]));
    const peaks = pix.filter((i) => {
      const x = i % width, y = Math.floor(i / width), v = sm.get(i)!;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const j = (y + dy) * width + x + dx;
        if ((dx || dy) && sm.has(j) && (sm.get(j)! > v || (sm.get(j)! === v && j < i))) return false;
      }
      return true;
    }).sort((a, c) => sm.get(c)! - sm.get(a)!);
    const kept: number[] = [];
    for (const p of peaks) {
      const px = p % width, py = Math.floor(p / width);
      if (kept.every((q) => Math.hypot((q % width) - px, Math.floor(q / width) - py) >= minSeparationPx)) kept.push(p);
    }
    if (kept.length < 2) {
      out.push(b);
      continue;
    }
    const parts = kept.map(() => ({ w: 0, sx: 0, sy: 0, area: 0, cls: new Float64Array(classes) }));
    for (const i of pix) {
      const x = i % width, y = Math.floor(i / width);
      let best = 0, bd = Infinity;
      kept.forEach((q, k) => {
        const d = (q % width - x) ** 2 + (Math.floor(q / width) - y) ** 2;
        if (d < bd) {
          bd = d;
          best = k;
        }
      });
      const a = parts[best];
      const w = 1 - probs[i * classes];
      a.w += w;
      a.sx += w * x;
      a.sy += w * y;
      a.area++;
      for (let c = 1; c < classes; c++) a.cls[c] += probs[i * classes + c];
    }
    for (const a of parts) {
      if (!(a.w > 0)) continue;
      let best = 1;
      for (let c = 2; c < classes; c++) if (a.cls[c] > a.cls[best]) best = c;
      out.push({ x: a.sx / a.w, y: a.sy / a.w, classIndex: best, confidence: a.cls[best] / a.area, area: a.area });
    }
  }
  return out;
}
