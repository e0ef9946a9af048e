/**
 * The drift-corrected mean frame, background of the report's trajectory map: every frame (at most
 * `maxFrames`, evenly spaced) is shifted back by its drift (drift.csv: a feature at (x, y) in frame 0
 * appears at (x + dx, y + dy)) with bilinear interpolation and averaged where it covers frame 0's
 * field of view; pixels no frame covers stay black. Contrast stretched between the 0.5 and 99.5
 * percentiles and written as mean_frame.png, one image pixel per input pixel.
 */
import sharp from 'sharp';
import type { FrameStack } from '../data/frameStack.ts';
import type { Table } from '../data/csvTable.ts';
import { writeFileAtomic } from '../data/atomicWrite.ts';
import { stretchToGrey } from '../data/writers/overlayPng.ts';

/**
 * Mean of the drift-corrected frames.
 * @param stack the movie
 * @param drift drift.csv rows (frame, dx, dy in px); missing frames count as zero drift
 * @returns float32 [height * width] (NaN where no frame covers the pixel)
 */
export async function meanCorrectedFrame(stack: FrameStack, drift: Table | null, maxFrames = 200): Promise<Float32Array> {
  const { width: W, height: H } = stack;
  const shift = new Map<number, [number, number]>();
  for (const r of drift?.rows ?? []) if (typeof r.dx === 'number' && typeof r.dy === 'number') shift.set(Number(r.frame), [r.dx, r.dy]);
  const n = Math.min(stack.count, maxFrames);
  const sum = new Float64Array(W * H), cnt = new Float64Array(W * H);
  for (let k = 0; k < n; k++) {
    const f = n === stack.count ? k : Math.round((k * (stack.count - 1)) / Math.max(1, n - 1));
    const img = await stack.readFrame(f);
    const [dx, dy] = shift.get(f) ?? [0, 0];
    for (let y = 0; y < H; y++) {
      const sy = y + dy, y0 = Math.floor(sy), wy = sy - y0;
      if (y0 < 0 || y0 + 1 >= H) continue;
      for (let x = 0; x < W; x++) {
        const sx = x + dx, x0 = Math.floor(sx), wx = sx - x0;
        if (x0 < 0 || x0 + 1 >= W) continue;
        const i = y0 * W + x0;
        sum[y * W + x] += (1 - wy) * ((1 - wx) * img[i] + wx * img[i + 1]) + wy * ((1 - wx) * img[i + W] + wx * img[i + W + 1]);
        cnt[y * W + x]++;
      }
    }
  }
  return Float32Array.from(sum, (s, i) => (cnt[i] ? s / cnt[i] : NaN));
}

/**
 * Write mean_frame.png (see the file comment), atomically.
 * @throws AtomdynError when the file cannot be written
 */
export async function writeMeanFrame(file: string, stack: FrameStack, drift: Table | null): Promise<void> {
  const mean = await meanCorrectedFrame(stack, drift);
  const grey = stretchToGrey(mean);
  for (let i = 0; i < mean.length; i++) if (Number.isNaN(mean[i])) grey[i] = 0;
  const png = await sharp(Buffer.from(grey.buffer, grey.byteOffset, grey.byteLength), { raw: { width: stack.width, height: stack.height, channels: 1 } }).png().toBuffer();
  await writeFileAtomic(file, png);
}
