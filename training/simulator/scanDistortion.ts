/**
 * Scan distortions of a raster-scanned STEM frame, as a per-row displacement of the content: row i
 * of the frame shows the specimen shifted by (ox[i], oy[i]) pixels, i.e. pixel (row i, column j)
 * samples the specimen point (j - ox[i], i - oy[i]). This covers
 * - drift between frames: a constant offset (the frame's drift),
 * - drift within a frame: the offset grows linearly with the row's scan time (velocity in px per frame),
 * - line jitter: independent Gaussian x shifts per row (flyback/line-sync noise),
 * - slow row offsets: a smooth random x wander over rows (an AR(1) process with correlation length
 *   `slowRows`; mains pick-up, stage vibration),
 * - glitches: occasional tears, where a block of rows is shifted by a few pixels.
 * Distortion within a line (x nonlinearity, flyback) is not modelled.
 */
import type { Random } from '../../data/random.ts';

/** Strengths of the scan distortions (all in pixels of the frame). */
export interface ScanDistortionParams {
  /** Drift within a frame: displacement of the last row relative to the first, px. Default 0. */
  driftInFramePx: { x: number; y: number };
  /** Standard deviation of the per-row x jitter, px. Default 0. */
  lineJitterPx: number;
  /** Standard deviation of the slow x wander over rows, px. Default 0. */
  slowOffsetPx: number;
  /** Correlation length of the slow wander, rows. Default 20. */
  slowRows: number;
  /** Expected number of glitches (tears) per frame. Default 0. */
  glitchesPerFrame: number;
  /** Standard deviation of a glitch's x shift, px. Default 2. */
  glitchPx: number;
}

/** No distortion. */
export const NO_SCAN_DISTORTION: Readonly<ScanDistortionParams> = {
  driftInFramePx: { x: 0, y: 0 },
  lineJitterPx: 0,
  slowOffsetPx: 0,
  slowRows: 20,
  glitchesPerFrame: 0,
  glitchPx: 2,
};

/** Per-row content displacement of one frame, px (length = frame height). */
export interface RowOffsets {
  ox: Float64Array;
  oy: Float64Array;
}

/**
 * Draw the row offsets of one frame.
 *
 * @param height rows in the frame
 * @param offset the frame's drift (content displacement at its first row), px
 * @param rng random source (nothing is drawn for distortions whose strength is 0)
 */
export function scanDistortion(height: number, p: ScanDistortionParams, offset: { x: number; y: number }, rng: Random): RowOffsets {
  const ox = new Float64Array(height);
  const oy = new Float64Array(height);
  const denom = Math.max(1, height - 1);
  for (let i = 0; i < height; i++) {
    ox[i] = offset.x + (p.driftInFramePx.x * i) / denom;
    oy[i] = offset.y + (p.driftInFramePx.y * i) / denom;
  }
  if (p.lineJitterPx > 0) for (let i = 0; i < height; i++) ox[i] += p.lineJitterPx * rng.normal();
  if (p.slowOffsetPx > 0) {
    const rho = Math.exp(-1 / Math.max(1, p.slowRows));
    const innov = Math.sqrt(1 - rho * rho);
    let v = rng.normal();
    for (let i = 0; i < height; i++) {
      ox[i] += p.slowOffsetPx * v;
      v = rho * v + innov * rng.normal();
    }
  }
  if (p.glitchesPerFrame > 0) {
    const n = rng.poisson(p.glitchesPerFrame);
    for (let g = 0; g < n; g++) {
      const start = rng.int(height);
      const len = 1 + rng.int(8);
      const shift = p.glitchPx * rng.normal();
      for (let i = start; i < Math.min(height, start + len); i++) ox[i] += shift;
    }
  }
  return { ox, oy };
}

/** Row offsets of an undistorted frame displaced by `offset` px. */
export function constantOffsets(height: number, offset: { x: number; y: number } = { x: 0, y: 0 }): RowOffsets {
  return { ox: new Float64Array(height).fill(offset.x), oy: new Float64Array(height).fill(offset.y) };
}
