/**
 * Segmentation losses for the U-Net: class-weighted cross-entropy and soft Dice, and their sum.
 *
 * Tensors are NHWC: `yTrue` one-hot float32 `[n, h, w, C]`, `yPred` softmax probabilities
 * float32 `[n, h, w, C]` (models/unet.ts outputs probabilities).
 */
import { tf } from '../models/tensorBackend.ts';

/** Probabilities are clipped to [EPS, 1] before the logarithm. */
export const EPS = 1e-7;

/**
 * Class-weighted cross-entropy with PyTorch's `CrossEntropyLoss(weight=w, reduction='mean')`
 * normalisation: sum_i w[y_i] * (-log p_i[y_i]) / sum_i w[y_i] over all pixels i.
 *
 * @param classWeights length C, > 0 (all 1 = plain mean cross-entropy)
 * @returns scalar
 */
export function weightedCrossEntropy(yTrue: tf.Tensor, yPred: tf.Tensor, classWeights: number[]): tf.Scalar {
  return tf.tidy(() => {
    const w = tf.tensor1d(classWeights);
    const pixelWeight = yTrue.mul(w).sum(-1); // w[y_i]
    const nll = yTrue.mul(yPred.clipByValue(EPS, 1).log()).sum(-1).neg();
    return pixelWeight.mul(nll).sum().div(pixelWeight.sum().maximum(EPS)) as tf.Scalar;
  });
}

/**
 * Soft Dice loss (Milletari et al., V-Net, 2016): 1 - mean over classes c of
 * (2 sum(y_c p_c) + s) / (sum(y_c) + sum(p_c) + s), sums over the whole batch.
 *
 * @param includeBackground include class 0 in the mean (default false: atoms only)
 * @param smooth s, keeps a class absent from both truth and prediction at Dice 1 (default 1)
 * @returns scalar in [0, 1]
 */
export function softDiceLoss(yTrue: tf.Tensor, yPred: tf.Tensor, includeBackground = false, smooth = 1): tf.Scalar {
  return tf.tidy(() => {
    const c = yTrue.shape[yTrue.rank - 1]!;
    const first = includeBackground || c === 1 ? 0 : 1;
    const t = yTrue.reshape([-1, c]).slice([0, first], [-1, c - first]);
    const p = yPred.reshape([-1, c]).slice([0, first], [-1, c - first]);
    const inter = t.mul(p).sum(0);
    const denom = t.sum(0).add(p.sum(0));
    const dice = inter.mul(2).add(smooth).div(denom.add(smooth));
    return tf.scalar(1).sub(dice.mean()) as tf.Scalar;
  });
}

/** Settings of {@link segmentationLoss}. */
export interface LossOptions {
  /** Cross-entropy class weights, length C. */
  classWeights: number[];
  /** Weight of the Dice term (0 = cross-entropy only). Default 1. */
  diceWeight: number;
  /** Include background in Dice. Default false. */
  diceIncludeBackground: boolean;
}

/** weightedCrossEntropy + diceWeight * softDiceLoss. */
export function segmentationLoss(yTrue: tf.Tensor, yPred: tf.Tensor, o: LossOptions): tf.Scalar {
  return tf.tidy(() => {
    const ce = weightedCrossEntropy(yTrue, yPred, o.classWeights);
    return (o.diceWeight > 0 ? ce.add(softDiceLoss(yTrue, yPred, o.diceIncludeBackground).mul(o.diceWeight)) : ce) as tf.Scalar;
  });
}

/**
 * Class weights by median-frequency balancing (Eigen & Fergus, ICCV 2015), damped by a square root
 * and clipped: w_c = clip(sqrt(median(f) / f_c), 0.1, 10), f_c = pixel frequency of class c in
 * `labels` (classes never seen get the maximum weight 10).
 *
 * @param labels uint8 label maps (values 0..classes-1)
 */
export function medianFrequencyWeights(labels: Uint8Array[], classes: number): number[] {
  const counts = new Float64Array(classes);
  let total = 0;
  for (const l of labels) for (const v of l) { if (v < classes) { counts[v]++; total++; } }
  const f = Array.from(counts, (c) => c / Math.max(1, total));
  const seen = f.filter((x) => x > 0).sort((a, b) => a - b);
  if (seen.length === 0) return Array(classes).fill(1);
  const med = seen.length % 2 ? seen[(seen.length - 1) / 2] : 0.5 * (seen[seen.length / 2 - 1] + seen[seen.length / 2]);
  return f.map((x) => (x > 0 ? Math.min(10, Math.max(0.1, Math.sqrt(med / x))) : 10)).map((w) => Math.round(w * 1000) / 1000);
}
