/**
 * Reference for inference/hotPixels.ts: the implementation it replaced (insertion-sorted 8-neighbour medians
 * at every pixel, a full sort of the residuals for their median), kept as the answer the faster code must
 * reproduce bit for bit. Same contract as {@link removeHotPixels} in inference/hotPixels.ts.
 */
function median(v: number[]): number {
  v.sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

function ringMedian(frame: Float32Array, height: number, width: number, x: number, y: number, r: number): number {
  const v: number[] = [];
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) {
      if (Math.max(Math.abs(dx), Math.abs(dy)) !== r) continue;
      const xx = x + dx, yy = y + dy;
      if (xx >= 0 && yy >= 0 && xx < width && yy < height) v.push(frame[yy * width + xx]);
    }
  }
  return v.length ? median(v) : NaN;
}

/** Old removeHotPixels: float32 `[height * width]` in, cleaned copy and replaced flat indices out. */
export function removeHotPixelsBySorting(frame: Float32Array, height: number, width: number, threshold = 10): { data: Float32Array; replaced: number[] } {
  const med = new Float32Array(frame.length);
  const buf = new Float64Array(8);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if ((dx === 0 && dy === 0) || xx < 0 || xx >= width) continue;
          const v = frame[yy * width + xx];
          let k = n++;
          while (k > 0 && buf[k - 1] > v) {
            buf[k] = buf[k - 1];
            k--;
          }
          buf[k] = v;
        }
      }
      const m = n >> 1;
      med[y * width + x] = n % 2 ? buf[m] : 0.5 * (buf[m - 1] + buf[m]);
    }
  }
  const res = new Float32Array(frame.length);
  for (let i = 0; i < frame.length; i++) res[i] = Math.abs(frame[i] - med[i]);
  const sorted = Float32Array.from(res).sort();
  const sigma = 1.4826 * sorted[Math.floor(sorted.length / 2)] || 1e-12;
  const data = Float32Array.from(frame);
  const replaced: number[] = [];
  for (let i = 0; i < frame.length; i++) {
    if (!(res[i] > threshold * sigma)) continue;
    const x = i % width, y = Math.floor(i / width);
    const outer = ringMedian(frame, height, width, x, y, 2);
    if (Number.isNaN(outer) || Math.abs(med[i] - outer) < 0.15 * res[i]) {
      data[i] = med[i];
      replaced.push(i);
    }
  }
  return { data, replaced };
}
