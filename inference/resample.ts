/**
 * Anti-aliased resampling of frames to the model's pixel size, with coordinates mapped back exactly.
 *
 * Convention (docs/schema.md): pixel centres at integers. For a scale `s = modelPixelPm / inputPixelPm`
 * (s > 1 shrinks the frame), output pixel `x'` samples the input at `x = (x' + 0.5) * s - 0.5`
 * (likewise y), so the output grid's pixel edges line up with the input's at the frame origin.
 * When shrinking, a Gaussian prefilter with sigma = (s - 1) / 2 input pixels removes aliasing
 * (the rule scikit-image's `rescale(anti_aliasing=True)` uses), then bilinear interpolation samples it.
 */
import { gaussianBlur } from '../numerics/gaussianBlur.ts';

/** A resampled frame and the scale that maps it back. */
export interface ResampledFrame {
  /** float32 `[height * width]`, row-major. */
  data: Float32Array;
  height: number;
  width: number;
  /** Input pixels per output pixel (s above). */
  scale: number;
}

/**
 * Resample a frame by `scale` input pixels per output pixel.
 * @param frame float32 `[height * width]`
 * @param scale s > 0; output size is round(height / s) x round(width / s), at least 1 x 1
 * @throws RangeError when scale is not a positive finite number
 */
export function resampleFrame(frame: Float32Array, height: number, width: number, scale: number): ResampledFrame {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`resample scale must be > 0, got ${scale}`);
  const oh = Math.max(1, Math.round(height / scale));
  const ow = Math.max(1, Math.round(width / scale));
  if (Math.abs(scale - 1) < 1e-9) return { data: Float32Array.from(frame), height, width, scale: 1 };
  const src = scale > 1 ? gaussianBlur(frame, height, width, (scale - 1) / 2) : frame;
  const out = new Float32Array(oh * ow);
  const x0 = new Int32Array(ow), x1 = new Int32Array(ow);
  const fx = new Float32Array(ow);
  for (let i = 0; i < ow; i++) {
    const x = Math.min(width - 1, Math.max(0, (i + 0.5) * scale - 0.5));
    x0[i] = Math.floor(x);
    x1[i] = Math.min(width - 1, x0[i] + 1);
    fx[i] = x - x0[i];
  }
  for (let j = 0; j < oh; j++) {
    const y = Math.min(height - 1, Math.max(0, (j + 0.5) * scale - 0.5));
    const y0 = Math.floor(y);
    const y1 = Math.min(height - 1, y0 + 1);
    const fy = y - y0;
    const r0 = y0 * width, r1 = y1 * width;
    for (let i = 0; i < ow; i++) {
      const a = src[r0 + x0[i]] * (1 - fx[i]) + src[r0 + x1[i]] * fx[i];
      const b = src[r1 + x0[i]] * (1 - fx[i]) + src[r1 + x1[i]] * fx[i];
      out[j * ow + i] = a * (1 - fy) + b * fy;
    }
  }
  return { data: out, height: oh, width: ow, scale };
}

/** Map a coordinate of the resampled grid back to the input frame: `(v + 0.5) * s - 0.5`. */
export function toInputCoordinate(v: number, scale: number): number {
  return (v + 0.5) * scale - 0.5;
}

/** Map an input-frame coordinate onto the resampled grid (inverse of {@link toInputCoordinate}). */
export function toModelCoordinate(v: number, scale: number): number {
  return (v + 0.5) / scale - 0.5;
}
