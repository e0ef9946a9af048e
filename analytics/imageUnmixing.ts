/**
 * Phase and defect maps of one image: the sliding-window FFT stack (analytics/slidingFft.ts) unmixed
 * by one of the estimators of analytics/unmixing/ into K components with an abundance per window.
 */
import type { ProgressSink } from '../data/progress.ts';
import { slidingFftStack, type SlidingFftStack } from './slidingFft.ts';
import { fitUnmixing } from './unmixing/fitUnmixing.ts';
import type { UnmixingMethod, UnmixingModel } from './unmixing/unmixingModel.ts';

/** Settings of {@link unmixImage}. */
export interface ImageUnmixingOptions {
  method: UnmixingMethod;
  /** Components K. */
  nComponents: number;
  /** Window side and step, px (integers). */
  window: number;
  step: number;
  /** Most frequencies per window (default 1024). */
  maxFeatures?: number;
  seed?: number;
  progress?: ProgressSink;
}

/** The stack and the fitted model. */
export interface ImageUnmixing {
  stack: SlidingFftStack;
  model: UnmixingModel;
  options: Omit<ImageUnmixingOptions, 'progress'>;
}

/**
 * Sliding-window FFT of a `[height, width]` image, then unmixing.
 * @throws RangeError from the stack (window larger than the image, ...) or the estimator (too many components, ...)
 */
export function unmixImage(image: ArrayLike<number>, width: number, height: number, options: ImageUnmixingOptions): ImageUnmixing {
  const stack = slidingFftStack(image, width, height, { window: options.window, step: options.step, maxFeatures: options.maxFeatures, progress: options.progress });
  const model = fitUnmixing(options.method, options.nComponents, stack, options.seed ?? 0);
  const { progress: _p, ...rest } = options;
  return { stack, model, options: rest };
}
