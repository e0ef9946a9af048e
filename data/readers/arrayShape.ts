/**
 * From an N-D array shape (NumPy, HDF5) to a frame stack `[frames, height, width]`:
 * size-1 axes are dropped (so `(1, 256, 256, 1)` is one 256 x 256 image), then 2 axes are one image
 * `(height, width)` and 3 axes a stack `(frames, height, width)`. Zero-sized, 1-D and >3-D arrays are
 * rejected with a one-line error naming the file.
 */
import { AtomdynError } from '../errors.ts';

/** A stack shape and the positions of its axes in the original array. */
export interface StackShape {
  count: number;
  height: number;
  width: number;
  /** Axis index (in the original shape) of frames, rows and columns; frames is -1 for one image. */
  frameAxis: number;
  rowAxis: number;
  colAxis: number;
}

/** Format a shape like NumPy: `(5, 128, 128)`, `(7,)`. */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * Interpret `shape` as a stack.
 * @param source file (or `file:dataset`) for error messages
 * @throws AtomdynError for zero-sized, 0-D, 1-D or more than 3 non-singleton axes
 */
export function stackShape(source: string, shape: readonly number[]): StackShape {
  if (shape.some((d) => d === 0)) throw new AtomdynError(source, `zero-sized array (shape ${formatShape(shape)}); nothing to read`);
  const axes = shape.map((d, i) => ({ d, i })).filter((a) => a.d !== 1);
  if (shape.length === 0) throw new AtomdynError(source, 'a scalar, not an image; atomdyn needs a 2-D image or a 3-D stack [frames, height, width]');
  if (axes.length <= 1) {
    throw new AtomdynError(source, `1-D array (shape ${formatShape(shape)}); atomdyn needs a 2-D image or a 3-D stack [frames, height, width]`);
  }
  if (axes.length > 3) {
    throw new AtomdynError(source, `${axes.length}-D array (shape ${formatShape(shape)}); atomdyn reads 2-D images and 3-D stacks [frames, height, width]`);
  }
  if (axes.length === 2) return { count: 1, height: axes[0].d, width: axes[1].d, frameAxis: -1, rowAxis: axes[0].i, colAxis: axes[1].i };
  return { count: axes[0].d, height: axes[1].d, width: axes[2].d, frameAxis: axes[0].i, rowAxis: axes[1].i, colAxis: axes[2].i };
}
