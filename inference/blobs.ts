/**
 * From the U-Net's class probabilities to atoms: connected components of the foreground
 * (probability of background < 0.5 by default), each reduced to one atom at its
 * probability-weighted centroid. A component's class is the non-background class with the largest
 * summed probability over its pixels; its confidence is that class's mean probability over them.
 *
 * Components are 4-connected (two diagonal touching pixels are separate columns), found with a
 * union-find pass in raster order. Coordinates follow docs/schema.md (pixel centres at integers)
 * in the pixels of the probability map.
 */

/** One blob (atom candidate). */
export interface Blob {
  /** Centroid column, px (weights = 1 - p(background)). */
  x: number;
  /** Centroid row, px. */
  y: number;
  /** Class index (1..C-1) of the probability map. */
  classIndex: number;
  /** Mean probability of that class over the blob's pixels. */
  confidence: number;
  /** Pixels in the blob. */
  area: number;
}

/** Settings of {@link findBlobs}. */
export interface BlobOptions {
  /** A pixel is foreground when p(background) < this. Default 0.5. */
  foregroundThreshold: number;
  /** Blobs with fewer pixels are dropped. Default 2. */
  minArea: number;
}

/**
 * Find blobs in one probability map.
 *
 * @param probs float32 `[height * width * classes]`, row-major, class fastest (NHWC of one image);
 *   class 0 is background
 * @returns blobs in raster order of their first pixel
 * @throws Error when the array size does not match
 */
export function findBlobs(probs: Float32Array, height: number, width: number, classes: number, options: Partial<BlobOptions> = {}): Blob[] {
  if (probs.length !== height * width * classes) throw new Error(`findBlobs: ${probs.length} values for ${height} x ${width} x ${classes}`);
  const thr = options.foregroundThreshold ?? 0.5;
  const minArea = options.minArea ?? 2;
  const n = height * width;
  const parent = new Int32Array(n).fill(-1);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!(probs[i * classes] < thr)) continue;
      parent[i] = i;
      if (x > 0 && parent[i - 1] >= 0) parent[find(i)] = find(i - 1);
      if (y > 0 && parent[i - width] >= 0) {
        const a = find(i), b = find(i - width);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  }
  const index = new Map<number, number>();
  const acc: Array<{ w: number; sx: number; sy: number; area: number; cls: Float64Array }> = [];
  for (let i = 0; i < n; i++) {
    if (parent[i] < 0) continue;
    const r = find(i);
    let k = index.get(r);
    if (k === undefined) {
      k = acc.length;
      index.set(r, k);
      acc.push({ w: 0, sx: 0, sy: 0, area: 0, cls: new Float64Array(classes) });
    }
    const a = acc[k];
    const w = 1 - probs[i * classes];
    a.w += w;
    a.sx += w * (i % width);
    a.sy += w * Math.floor(i / width);
    a.area++;
    for (let c = 1; c < classes; c++) a.cls[c] += probs[i * classes + c];
  }
  const out: Blob[] = [];
  for (const a of acc) {
    if (a.area < minArea || !(a.w > 0)) continue;
    let best = 1;
    for (let c = 2; c < classes; c++) if (a.cls[c] > a.cls[best]) best = c;
    out.push({ x: a.sx / a.w, y: a.sy / a.w, classIndex: best, confidence: a.cls[best] / a.area, area: a.area });
  }
  return out;
}
