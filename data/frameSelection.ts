/**
 * Part of a movie: a frame range `START:STOP[:STEP]` (0-based, STOP exclusive, as Python slices
 * without negative indices) and a region of interest `X,Y,W,H` (input pixels: first column, first row,
 * width, height). {@link selectFrames} gives a {@link FrameStack} view holding only the selected
 * frames (view frame i = movie frame `frames[i]`); {@link inRegion} says which positions lie in the
 * region. `locate` finds atoms on whole frames and keeps those in the region, so a region gives
 * exactly the atoms of a full run restricted to it, in the full frame's pixels (the network, the
 * normalisation and the resampling grid see the same pixels as in a full run).
 */
import { AtomdynError } from './errors.ts';
import type { FrameStack } from './frameStack.ts';

/** Frames `start, start + step, ...` below `stop` (null = to the end). */
export interface FrameRange {
  start: number;
  stop: number | null;
  step: number;
}

/** A rectangle of input pixels: columns `x .. x + width - 1`, rows `y .. y + height - 1`. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

const wholeNumber = (t: string) => /^\s*\d+\s*$/.test(t);

/**
 * Parse `START:STOP[:STEP]`; START or STOP may be empty (`:50`, `10:`), STEP >= 1.
 * @throws AtomdynError(option) on any other text, or STOP <= START
 */
export function parseFrameRange(text: string, option = 'frameRange'): FrameRange {
  const parts = text.split(':');
  const bad = () => new AtomdynError(option, `expected START:STOP[:STEP] (0-based frames, STOP exclusive, e.g. 0:50 or 10:100:2), got '${text}'`);
  if (parts.length < 2 || parts.length > 3) throw bad();
  const [a, b, c] = parts.map((p) => p.trim());
  if ((a && !wholeNumber(a)) || (b && !wholeNumber(b)) || (c !== undefined && c !== '' && !wholeNumber(c))) throw bad();
  const start = a ? Number(a) : 0;
  const stop = b ? Number(b) : null;
  const step = c ? Number(c) : 1;
  if (step < 1) throw new AtomdynError(option, `STEP must be at least 1, got '${text}'`);
  if (stop !== null && stop <= start) throw new AtomdynError(option, `STOP must be greater than START, got '${text}'`);
  return { start, stop, step };
}

/**
 * Parse `X,Y,W,H` in input pixels (whole numbers; W, H >= 1).
 * @throws AtomdynError(option) on any other text
 */
export function parseRegion(text: string, option = 'roi'): Region {
  const parts = text.split(',');
  if (parts.length !== 4 || !parts.every(wholeNumber)) throw new AtomdynError(option, `expected X,Y,W,H in input pixels (first column, first row, width, height; e.g. 0,0,256,256), got '${text}'`);
  const [x, y, width, height] = parts.map(Number);
  if (width < 1 || height < 1) throw new AtomdynError(option, `width and height must be at least 1 px, got '${text}'`);
  return { x, y, width, height };
}

/** Frames selected from a stack. */
export interface SelectedFrames {
  /** The view: `count` = selected frames; frames are whole. */
  stack: FrameStack;
  /** Full-movie index of each view frame. */
  frames: number[];
}

/**
 * Restrict `stack` to a frame range (and check a region against its frame size). Without a range,
 * the view is the stack itself.
 * @throws AtomdynError('frameRange' / 'roi') when the range selects no frame of the movie, its
 *   STOP is past the end, or the region does not lie inside the frame
 */
export function selectFrames(stack: FrameStack, range?: FrameRange | null, region?: Region | null): SelectedFrames {
  const frames: number[] = [];
  const r = range ?? { start: 0, stop: null, step: 1 };
  const stop = Math.min(r.stop ?? stack.count, stack.count);
  for (let i = r.start; i < stop; i += r.step) frames.push(i);
  if (frames.length === 0) {
    throw AtomdynError.forOption('frameRange', `${r.start}:${r.stop ?? ''}:${r.step} selects no frame of ${stack.path}, which has ${stack.count} frame(s) (0 to ${stack.count - 1})`);
  }
  if (range?.stop != null && range.stop > stack.count) {
    throw AtomdynError.forOption('frameRange', `STOP ${range.stop} is past the end of ${stack.path}, which has ${stack.count} frame(s)`);
  }
  if (region && (region.x + region.width > stack.width || region.y + region.height > stack.height)) {
    throw AtomdynError.forOption('roi', `${region.x},${region.y},${region.width},${region.height} does not lie inside the ${stack.width}x${stack.height} px frames of ${stack.path}`);
  }
  if (frames.length === stack.count) return { stack, frames };
  const view: FrameStack = {
    path: stack.path,
    format: stack.format,
    count: frames.length,
    height: stack.height,
    width: stack.width,
    dtype: stack.dtype,
    calibration: stack.calibration,
    metadata: stack.metadata,
    async readFrame(i: number) {
      if (!Number.isInteger(i) || i < 0 || i >= frames.length) throw new AtomdynError(stack.path, `frame ${i} requested, the selection holds ${frames.length}`);
      return stack.readFrame(frames[i]);
    },
    close: () => stack.close(),
  };
  return { stack: view, frames };
}

/**
 * True when the point (x, y) (pixel centres at integers) lies in `region`: pixel `i` covers
 * `[i - 0.5, i + 0.5)`, so the region covers `[x - 0.5, x + width - 0.5)` and likewise in y.
 */
export function inRegion(region: Region, x: number, y: number): boolean {
  return x >= region.x - 0.5 && x < region.x + region.width - 0.5 && y >= region.y - 0.5 && y < region.y + region.height - 0.5;
}
