/**
 * The common part of every reader: wraps a format-specific frame decoder in a {@link FrameStack}
 * that checks the frame index, the decoded length and NaN/Inf pixels, and turns third-party errors
 * into one-line {@link AtomdynError}s naming the file.
 */
import { AtomdynError } from '../errors.ts';
import type { FrameStack } from '../frameStack.ts';
import type { Calibration } from '../runMetadata.ts';
import { firstNonFinite } from './pixelDecode.ts';
import { formatNumber } from '../units.ts';

/** Plausible pixel sizes, pm: 0.1 pm (beyond any electron microscope) to 10 000 pm (10 nm per pixel). */
export const PIXEL_SIZE_RANGE_PM: readonly [number, number] = [0.1, 10_000];
/** Plausible frame times, s: above 0, at most 10^6 s (11.6 days). */
export const FRAME_TIME_RANGE_S: readonly [number, number] = [0, 1e6];

/**
 * The calibration a file states, with values outside the plausible ranges ({@link PIXEL_SIZE_RANGE_PM},
 * {@link FRAME_TIME_RANGE_S}; NaN and Infinity included) replaced by "unknown" and a note saying
 * what the file stated.
 * @returns the checked calibration and one warning per rejected value
 */
export function plausibleCalibration(cal: Calibration): { calibration: Calibration; warnings: string[] } {
  const warnings: string[] = [];
  const check = (v: Calibration['pixelSizePm'], [lo, hi]: readonly [number, number], unit: string, what: string): Calibration['pixelSizePm'] => {
    if (v.value === null) return v;
    if (Number.isFinite(v.value) && v.value > 0 && v.value >= lo && v.value <= hi) return v;
    const stated = Number.isFinite(v.value) ? formatNumber(v.value) : String(v.value);
    const note = `the file states a ${what} of ${stated} ${unit}, outside the plausible ${lo}-${hi} ${unit}; ignored${v.note ? ` (${v.note})` : ''}`;
    warnings.push(note);
    return { value: null, origin: 'none', note };
  };
  const calibration = {
    pixelSizePm: check(cal.pixelSizePm, PIXEL_SIZE_RANGE_PM, 'pm', 'pixel size'),
    frameTimeS: check(cal.frameTimeS, FRAME_TIME_RANGE_S, 's', 'frame time'),
  };
  return { calibration, warnings };
}

/** Largest frame atomdyn reads: 2^28 pixels (16384 x 16384; 1 GiB as float32). */
export const MAX_FRAME_PIXELS = 2 ** 28;

/**
 * The `metadata` object every reader returns (FrameStack.metadata).
 * - `summary`: a few labelled facts for `atomdyn info` (instrument, detector, voltage, ...), as text
 * - `warnings`: what the user should know about the file (calibration rejected, channel chosen, ...)
 * - `original`: the file's own metadata, parsed (JSON objects, tag trees, attributes); large arrays are
 *   left out
 */
export interface ReaderMetadata {
  summary: Record<string, string>;
  warnings: string[];
  original: unknown;
  [extra: string]: unknown;
}

/** What a format reader supplies to {@link createFrameStack}. */
export interface StackSpec {
  path: string;
  format: string;
  count: number;
  height: number;
  width: number;
  dtype: string;
  calibration: Calibration;
  metadata: ReaderMetadata;
  /** Decode frame `index` (already range-checked) to float32 `[height * width]`, row-major. */
  decodeFrame(index: number): Float32Array | Promise<Float32Array>;
  /** Release resources (file handles). */
  close?(): void | Promise<void>;
}

/**
 * Check a stack shape before anything is allocated.
 * @throws AtomdynError for a zero-sized shape or a frame larger than {@link MAX_FRAME_PIXELS}
 */
export function checkShape(path: string, count: number, height: number, width: number): void {
  const dims = [count, height, width];
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new AtomdynError(path, `corrupt file: invalid shape ${count} x ${height} x ${width}`);
  }
  if (dims.some((d) => d === 0)) {
    throw new AtomdynError(path, `zero-sized image (shape ${count} x ${height} x ${width}, frames x height x width)`);
  }
  if (height * width > MAX_FRAME_PIXELS) {
    throw new AtomdynError(
      path,
      `frame of ${width} x ${height} pixels is larger than atomdyn's limit of 2^28 pixels per frame (corrupt header or an image too large to analyse)`,
    );
  }
}

/**
 * Build a FrameStack around `spec`.
 * Calibration values outside the plausible ranges become unknown (see {@link plausibleCalibration}).
 * readFrame checks the index, the decoded length, and NaN/Inf pixels (AtomdynError naming the file
 * and frame); any other error from the decoder becomes an AtomdynError naming the file.
 */
export function createFrameStack(spec: StackSpec): FrameStack {
  checkShape(spec.path, spec.count, spec.height, spec.width);
  const { calibration, warnings } = plausibleCalibration(spec.calibration);
  if (warnings.length) spec.metadata.warnings.push(...warnings);
  let closed = false;
  const n = spec.height * spec.width;
  return {
    path: spec.path,
    format: spec.format,
    count: spec.count,
    height: spec.height,
    width: spec.width,
    dtype: spec.dtype,
    calibration,
    metadata: spec.metadata,
    async readFrame(index: number): Promise<Float32Array> {
      if (closed) throw new AtomdynError(spec.path, 'the file was already closed');
      if (!Number.isInteger(index) || index < 0 || index >= spec.count) {
        throw new AtomdynError(spec.path, `frame ${index} does not exist (the file has ${spec.count} frame${spec.count === 1 ? '' : 's'}, numbered from 0)`);
      }
      let data: Float32Array;
      try {
        data = await spec.decodeFrame(index);
      } catch (e) {
        if (e instanceof AtomdynError) throw e;
        throw new AtomdynError(spec.path, `cannot read frame ${index}: ${(e as Error).message ?? String(e)}`, { cause: e });
      }
      if (data.length !== n) {
        throw new AtomdynError(spec.path, `corrupt file: frame ${index} decoded to ${data.length} pixels, expected ${spec.width} x ${spec.height}`);
      }
      const bad = firstNonFinite(data);
      if (bad >= 0) {
        throw new AtomdynError(
          spec.path,
          `frame ${index} holds NaN or Inf pixels (first at x=${bad % spec.width}, y=${Math.floor(bad / spec.width)}); replace them before analysis`,
        );
      }
      return data;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await spec.close?.();
    },
  };
}

/** A calibration with nothing known. */
export function noCalibration(pixelNote?: string, timeNote?: string): Calibration {
  return {
    pixelSizePm: { value: null, origin: 'none', ...(pixelNote ? { note: pixelNote } : {}) },
    frameTimeS: { value: null, origin: 'none', ...(timeNote ? { note: timeNote } : {}) },
  };
}
