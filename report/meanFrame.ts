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
 * The running sum of {@link meanCorrectedFrame}: frames added one at a time, in increasing frame order,
 * each with its drift, so a caller that already reads every frame (pipeline/analyzeMovie.ts registers
 * the drift on each frame as locate reads it) gets the mean without reading the movie again. The same
 * frames, shifts and order give the same mean bit for bit.
 */
export class MeanFrameAccumulator {
  private sum: Float64Array;
  private cnt: Uint32Array;
  private finished: Float32Array | null = null;
  /** The frames averaged: all of a movie of at most `maxFrames`, else `maxFrames` evenly spaced. */
  readonly frames: ReadonlySet<number>;
  /** The shift (dx, dy) px each added frame was added with, by frame. */
  readonly shifts = new Map<number, [number, number]>();

  /**
   * @param width frame width, px
   * @param height frame height, px
   * @param count frames in the movie
   * @param maxFrames most frames averaged (default 200)
   */
  constructor(readonly width: number, readonly height: number, count: number, maxFrames = 200) {
    this.sum = new Float64Array(width * height);
    this.cnt = new Uint32Array(width * height);
    const n = Math.min(count, maxFrames);
    const frames = new Set<number>();
    for (let k = 0; k < n; k++) frames.add(n === count ? k : Math.round((k * (count - 1)) / Math.max(1, n - 1)));
    this.frames = frames;
  }

  /**
   * Add one frame shifted back by its drift (bilinear interpolation; pixels whose source square leaves
   * the frame are not counted).
   * @param frame its index (recorded with the shift)
   * @param img float `[height * width]`, row-major
   * @param dx drift in x, px (a feature at (x, y) in frame 0 appears at (x + dx, y + dy))
   * @param dy drift in y, px
   * @throws RangeError after {@link finish}
   */
  add(frame: number, img: ArrayLike<number>, dx: number, dy: number): void {
    if (this.finished) throw new RangeError('MeanFrameAccumulator: add after finish');
    const { width: W, height: H, sum, cnt } = this;
    this.shifts.set(frame, [dx, dy]);
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

  /** The mean so far: float32 `[height * width]`, NaN where no frame covers the pixel (after {@link finish}: its mean). */
  mean(): Float32Array {
    if (this.finished) return this.finished;
    const { sum, cnt } = this;
    return Float32Array.from(sum, (s, i) => (cnt[i] ? s / cnt[i] : NaN));
  }

  /**
   * The mean, kept, with the float64 sums freed (16 bytes a pixel: a caller holding the accumulator
   * through later work, as analyze does until its step 5, holds only the float32 mean); no frame can be
   * added after.
   */
  finish(): Float32Array {
    if (!this.finished) {
      this.finished = this.mean();
      this.sum = new Float64Array(0);
      this.cnt = new Uint32Array(0);
    }
    return this.finished;
  }

  /**
   * True when every frame of {@link frames} was added, in increasing order, with the shift `drift`
   * (drift.csv rows) holds for it (bit for bit; frames missing from `drift` count as zero drift): then
   * {@link mean} is what {@link meanCorrectedFrame} of that drift returns.
   */
  matches(drift: Table | null): boolean {
    const shift = driftShifts(drift);
    const added = [...this.shifts.keys()];
    const wanted = [...this.frames].sort((a, b) => a - b);
    if (added.length !== wanted.length || added.some((f, k) => f !== wanted[k])) return false;
    return wanted.every((f) => {
      const [dx, dy] = shift.get(f) ?? [0, 0];
      const [ax, ay] = this.shifts.get(f)!;
      return Object.is(ax, dx) && Object.is(ay, dy);
    });
  }
}

/** drift.csv rows as frame -> (dx, dy) px (rows without numbers left out). */
function driftShifts(drift: Table | null): Map<number, [number, number]> {
  const shift = new Map<number, [number, number]>();
  for (const r of drift?.rows ?? []) if (typeof r.dx === 'number' && typeof r.dy === 'number') shift.set(Number(r.frame), [r.dx, r.dy]);
  return shift;
}

/**
 * Mean of the drift-corrected frames.
 * @param stack the movie
 * @param drift drift.csv rows (frame, dx, dy in px); missing frames count as zero drift
 * @returns float32 [height * width] (NaN where no frame covers the pixel)
 */
export async function meanCorrectedFrame(stack: FrameStack, drift: Table | null, maxFrames = 200): Promise<Float32Array> {
  const shift = driftShifts(drift);
  const acc = new MeanFrameAccumulator(stack.width, stack.height, stack.count, maxFrames);
  for (const f of [...acc.frames].sort((a, b) => a - b)) {
    const [dx, dy] = shift.get(f) ?? [0, 0];
    acc.add(f, await stack.readFrame(f), dx, dy);
  }
  return acc.mean();
}

/**
 * Write mean_frame.png (see the file comment), atomically.
 * @throws AtomdynError when the file cannot be written
 */
export async function writeMeanFrame(file: string, stack: FrameStack, drift: Table | null): Promise<void> {
  await writeMeanFramePng(file, await meanCorrectedFrame(stack, drift), stack.width, stack.height);
}

/**
 * Write a mean frame (from {@link meanCorrectedFrame} or a {@link MeanFrameAccumulator}) as mean_frame.png,
 * atomically: contrast stretched between its 0.5 and 99.5 percentiles, black where no frame covers it.
 * @param mean float32 `[height * width]`
 * @throws AtomdynError when the file cannot be written
 */
export async function writeMeanFramePng(file: string, mean: Float32Array, width: number, height: number): Promise<void> {
  const grey = stretchToGrey(mean);
  for (let i = 0; i < mean.length; i++) if (Number.isNaN(mean[i])) grey[i] = 0;
  const png = await sharp(Buffer.from(grey.buffer, grey.byteOffset, grey.byteLength), { raw: { width, height, channels: 1 } }).png().toBuffer();
  await writeFileAtomic(file, png);
}
