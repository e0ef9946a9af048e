/**
 * Separable Gaussian blur of a float32 frame with reflected borders (scipy.ndimage 'reflect' mode:
 * d c b a | a b c d | d c b a), truncated at 4 sigma as scipy does.
 */

/**
 * Blur a row-major frame.
 * @param frame float32 `[height * width]`
 * @param height rows
 * @param width columns
 * @param sigma standard deviation in pixels (0 or less returns a copy)
 * @returns a new float32 `[height * width]`
 */
export function gaussianBlur(frame: Float32Array, height: number, width: number, sigma: number): Float32Array {
  if (!(sigma > 0)) return Float32Array.from(frame);
  const radius = Math.max(1, Math.ceil(4 * sigma));
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    k[i + radius] = Math.exp((-0.5 * i * i) / (sigma * sigma));
    sum += k[i + radius];
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const tmp = new Float32Array(frame.length);
  const out = new Float32Array(frame.length);
  const reflect = (i: number, n: number) => {
    if (n === 1) return 0;
    const period = 2 * n;
    let m = ((i % period) + period) % period;
    if (m >= n) m = period - 1 - m;
    return m;
  };
  const colIdx = new Int32Array(width + 2 * radius);
  for (let i = 0; i < colIdx.length; i++) colIdx[i] = reflect(i - radius, width);
  const K = k.length;
  // columns whose window lies inside the row read it directly (the reflected index is the plain one)
  const inner0 = radius, inner1 = width - radius; // x in [inner0, inner1)
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let acc = 0;
      if (x >= inner0 && x < inner1) {
        const o = row + x - radius;
        for (let j = 0; j < K; j++) acc += k[j] * frame[o + j];
      } else {
        for (let j = 0; j < K; j++) acc += k[j] * frame[row + colIdx[x + j]];
      }
      tmp[row + x] = acc;
    }
  }
  const rowIdx = new Int32Array(height + 2 * radius);
  for (let i = 0; i < rowIdx.length; i++) rowIdx[i] = reflect(i - radius, height);
  // the column pass a row at a time: each pixel's sum is taken in the same order (j = 0, 1, ...) as a
  // per-pixel loop would, in float64, so the result is the same to the bit, with rows read contiguously
  const acc = new Float64Array(width);
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    for (let j = 0; j < K; j++) {
      const kj = k[j], src = rowIdx[y + j] * width;
      for (let x = 0; x < width; x++) acc[x] += kj * tmp[src + x];
    }
    const o = y * width;
    for (let x = 0; x < width; x++) out[o + x] = acc[x];
  }
  return out;
}
