/**
 * Tiling of frames of any size for a fully convolutional network, with overlap and seamless stitching.
 *
 * The frame is padded by reflection to a multiple of 8 (three 2x poolings) and at least one patch,
 * cut into patches of `patch` x `patch` pixels that overlap by `overlap` pixels (the last patch of a
 * row/column is aligned to the frame's end), and the per-pixel class probabilities are blended with a
 * linear ramp over `overlap` pixels on each inner edge, after a zero-weight margin of overlap/4 where
 * the network sees the patch border (weight 1 on frame edges), so seams vanish and
 * memory stays bounded by one batch of patches.
 */

/** A patch's position in the padded frame. */
export interface Tile {
  y0: number;
  x0: number;
}

/** The plan for one frame. */
export interface TilePlan {
  /** Padded size (multiple of 8, >= the frame and >= patch where the frame is smaller). */
  paddedHeight: number;
  paddedWidth: number;
  /** Patch size actually used per axis (<= requested patch; = padded size for small frames). */
  patchHeight: number;
  patchWidth: number;
  tiles: Tile[];
}

const roundUp8 = (n: number) => Math.ceil(n / 8) * 8;

function starts(n: number, p: number, overlap: number): number[] {
  if (n <= p) return [0];
  const step = Math.max(8, p - overlap);
  const out: number[] = [];
  for (let s = 0; ; s += step) {
    if (s + p >= n) {
      out.push(n - p);
      break;
    }
    out.push(s);
  }
  return out;
}

/**
 * Plan the patches for a `height` x `width` frame.
 * @param patch requested patch size, a multiple of 8
 * @param overlap overlap between neighbouring patches in pixels (< patch)
 * @throws RangeError when patch is not a positive multiple of 8 or overlap >= patch
 */
export function planTiles(height: number, width: number, patch: number, overlap: number): TilePlan {
  if (!(patch > 0) || patch % 8 !== 0) throw new RangeError(`patch must be a positive multiple of 8, got ${patch}`);
  if (overlap < 0 || overlap >= patch) throw new RangeError(`overlap must be in [0, patch), got ${overlap}`);
  const paddedHeight = roundUp8(height);
  const paddedWidth = roundUp8(width);
  const patchHeight = Math.min(patch, paddedHeight);
  const patchWidth = Math.min(patch, paddedWidth);
  const tiles: Tile[] = [];
  for (const y0 of starts(paddedHeight, patchHeight, overlap)) for (const x0 of starts(paddedWidth, patchWidth, overlap)) tiles.push({ y0, x0 });
  return { paddedHeight, paddedWidth, patchHeight, patchWidth, tiles };
}

/** Reflect-pad a frame to `ph` x `pw` (bottom and right). */
export function padReflect(frame: Float32Array, height: number, width: number, ph: number, pw: number): Float32Array {
  if (ph === height && pw === width) return frame;
  const out = new Float32Array(ph * pw);
  const refl = (i: number, n: number) => {
    if (n === 1) return 0;
    const period = 2 * n - 2;
    let m = i % period;
    if (m >= n) m = period - m;
    return m;
  };
  for (let y = 0; y < ph; y++) {
    const sy = refl(y, height);
    for (let x = 0; x < pw; x++) out[y * pw + x] = frame[sy * width + refl(x, width)];
  }
  return out;
}

function ramp(i: number, n: number, overlap: number, atStart: boolean, atEnd: boolean): number {
  if (overlap === 0) return 1;
  // inner edges: weight 0 over a margin of overlap/4 (where the network sees the patch border),
  // then a linear ramp to 1 at `overlap`
  const m = Math.floor(overlap / 4);
  let w = 1;
  if (!atStart) w = Math.min(w, Math.max(0, (i + 0.5 - m) / (overlap - m)));
  if (!atEnd) w = Math.min(w, Math.max(0, (n - i - 0.5 - m) / (overlap - m)));
  return w;
}

/**
 * Predict per-pixel class probabilities for a whole frame through patches.
 *
 * @param frame normalised float32 `[height * width]`
 * @param predictBatch runs the network on `k` patches given as float32 `[k * ph * pw]` and returns
 *   float32 `[k * ph * pw * channels]` (NHWC)
 * @param channels output channels (classes)
 * @param batchSize patches per call
 * @returns float32 `[height * width * channels]` (HWC), blended probabilities of the unpadded frame
 */
export async function predictTiled(
  frame: Float32Array,
  height: number,
  width: number,
  predictBatch: (patches: Float32Array, k: number, ph: number, pw: number) => Promise<Float32Array>,
  channels: number,
  options: { patch?: number; overlap?: number; batchSize?: number } = {},
): Promise<Float32Array> {
  const plan = planTiles(height, width, options.patch ?? 256, options.overlap ?? 32);
  const { paddedHeight: PH, paddedWidth: PW, patchHeight: ph, patchWidth: pw } = plan;
  const overlap = Math.min(options.overlap ?? 32, ph - 1, pw - 1);
  const padded = padReflect(frame, height, width, PH, PW);
  const acc = new Float32Array(height * width * channels);
  const wsum = new Float32Array(height * width);
  const batchSize = Math.max(1, options.batchSize ?? 4);
  for (let b = 0; b < plan.tiles.length; b += batchSize) {
    const tiles = plan.tiles.slice(b, b + batchSize);
    const input = new Float32Array(tiles.length * ph * pw);
    tiles.forEach((t, k) => {
      for (let y = 0; y < ph; y++) input.set(padded.subarray((t.y0 + y) * PW + t.x0, (t.y0 + y) * PW + t.x0 + pw), k * ph * pw + y * pw);
    });
    const out = await predictBatch(input, tiles.length, ph, pw);
    tiles.forEach((t, k) => {
      for (let y = 0; y < ph; y++) {
        const fy = t.y0 + y;
        if (fy >= height) break;
        const wy = ramp(y, ph, overlap, t.y0 === 0, t.y0 + ph >= PH);
        for (let x = 0; x < pw; x++) {
          const fx = t.x0 + x;
          if (fx >= width) break;
          const w = wy * ramp(x, pw, overlap, t.x0 === 0, t.x0 + pw >= PW);
          const o = ((k * ph + y) * pw + x) * channels;
          const a = (fy * width + fx) * channels;
          for (let c = 0; c < channels; c++) acc[a + c] += w * out[o + c];
          wsum[fy * width + fx] += w;
        }
      }
    });
  }
  for (let i = 0; i < height * width; i++) {
    const inv = 1 / wsum[i];
    for (let c = 0; c < channels; c++) acc[i * channels + c] *= inv;
  }
  return acc;
}
