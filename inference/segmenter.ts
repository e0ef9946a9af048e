/**
 * A segmenter as the inference pipeline sees it: a model card plus a function that turns a batch of
 * normalised patches into per-pixel class probabilities. The U-Net (tfjs LayersModel) is wrapped by
 * {@link tfSegmenter}; tests and baselines can supply any other function with the same contract.
 */
import { tf } from '../models/tensorBackend.ts';
import type { ModelCard } from '../models/modelCard.ts';

/** The network seen from inference. */
export interface Segmenter {
  /** The model card: species, lattice, pixel size, normalisation. */
  card: ModelCard;
  /**
   * Class probabilities of `k` patches.
   * @param patches normalised float32 `[k * ph * pw]` (NHW, one channel)
   * @returns float32 `[k * ph * pw * classes]` (NHWC), softmax probabilities, classes in card.classes order
   */
  predict(patches: Float32Array, k: number, ph: number, pw: number): Promise<Float32Array>;
}

/** Wrap a tfjs LayersModel (models/unet.ts) as a {@link Segmenter}; tensors are disposed after each call. */
export function tfSegmenter(model: tf.LayersModel, card: ModelCard): Segmenter {
  return {
    card,
    async predict(patches, k, ph, pw) {
      const out = tf.tidy(() => model.predict(tf.tensor4d(patches, [k, ph, pw, 1])) as tf.Tensor);
      try {
        return (await out.data()) as Float32Array;
      } finally {
        out.dispose();
      }
    },
  };
}
