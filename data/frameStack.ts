/**
 * The in-memory shape every reader returns: a stack of frames read one at a time.
 * Frames are float32, row-major `[height, width]` (index = y * width + x); a stack is
 * `[frames, height, width]`. Calibration carries where each value came from.
 */
import type { Calibration } from './runMetadata.ts';

/** A lazily read stack of 2-D frames from one file. */
export interface FrameStack {
  /** The file (and, for containers, `file:dataset`). */
  readonly path: string;
  /** Format name: 'tiff', 'imagej-tiff', 'npy', 'hdf5', 'velox-emd', 'hspy', 'nsid', 'dm3', 'dm4', 'png', 'jpeg'. */
  readonly format: string;
  /** Number of frames (>= 1). */
  readonly count: number;
  /** Rows per frame. */
  readonly height: number;
  /** Columns per frame. */
  readonly width: number;
  /** The dtype stored in the file ('uint8', 'uint16', 'uint32', 'int16', 'float32', 'float64', ...). */
  readonly dtype: string;
  /** Pixel size (pm) and frame time (s), each with its origin and a note when untrustworthy. */
  readonly calibration: Calibration;
  /**
   * The file's own metadata, parsed where it is JSON/XML/tags, for `atomdyn info` and run.json.
   * The readers of data/readers fill `{ summary, warnings, original }` (ReaderMetadata in
   * data/readers/stackBase.ts): a few labelled facts, what the user should be told, and the parsed
   * original metadata.
   */
  readonly metadata: Record<string, unknown>;
  /**
   * Frame `index` (0-based) as float32 `[height * width]`, row-major.
   * @throws AtomdynError naming the file when the frame cannot be read or holds NaN/Inf
   */
  readFrame(index: number): Promise<Float32Array>;
  /** Release file handles. Idempotent. */
  close(): Promise<void>;
}

/**
 * Iterate over a stack's frames in order, one in memory at a time.
 */
export async function* iterateFrames(stack: FrameStack): AsyncGenerator<{ index: number; data: Float32Array }> {
  for (let i = 0; i < stack.count; i++) yield { index: i, data: await stack.readFrame(i) };
}
