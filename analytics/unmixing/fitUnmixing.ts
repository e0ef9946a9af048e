/**
 * One entry point for the unmixing estimators by name (the `--method` of `atomdyn unmix`).
 */
import { AgglomerativeEstimator } from './agglomerative.ts';
import { FastIcaEstimator } from './fastIca.ts';
import { KMeansEstimator } from './kmeans.ts';
import { NFindrEstimator } from './nfindr.ts';
import { NmfEstimator } from './nmf.ts';
import { PcaEstimator } from './pca.ts';
import type { UnmixingInput, UnmixingMethod, UnmixingModel } from './unmixingModel.ts';

/** The method names, in the order the CLI lists them. */
export const UNMIXING_METHODS: readonly UnmixingMethod[] = ['nfindr', 'nmf', 'pca', 'ica', 'kmeans', 'agglomerative'];

/**
 * Fit `method` with K components on X (n x d), seeded.
 * @throws RangeError from the estimator (bad K, negative data for NMF, too many samples for agglomerative)
 */
export function fitUnmixing(method: UnmixingMethod, nComponents: number, X: UnmixingInput, seed = 0): UnmixingModel {
  switch (method) {
    case 'pca':
      return new PcaEstimator({ nComponents, seed }).fit(X);
    case 'nmf':
      return new NmfEstimator({ nComponents, seed }).fit(X);
    case 'nfindr':
      return new NFindrEstimator({ nComponents, seed }).fit(X);
    case 'ica':
      return new FastIcaEstimator({ nComponents, seed }).fit(X);
    case 'kmeans':
      return new KMeansEstimator({ nComponents, seed }).fit(X);
    case 'agglomerative':
      return new AgglomerativeEstimator({ nComponents }).fit(X);
  }
}
