/**
 * A segmenter as the inference pipeline sees it: a model card plus a function that turns a batch of
 * normalised patches into per-pixel class probabilities. The U-Net (tfjs LayersModel) is wrapped by
 * {@link tfSegmenter}; tests and baselines can supply any other function with the same contract.
 */
import { tf } from '../models/tensorBackend.ts';
import type { ModelCard } from '../models/modelCard.ts';
import { freezeUNet, type FrozenUNet } from '../models/inferenceGraph.ts';

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
  /** Frees what the segmenter holds besides the model (the frozen graph's folded weights); optional. */
  dispose?(): void;
}

/** Settings of {@link tfSegmenter}. */
export interface TfSegmenterOptions {
  /**
   * Run the frozen inference graph (models/inferenceGraph.ts: batch norm folded into the convs, conv +
   * bias + LeakyReLU fused), built on the first call; false runs `model.predict` as trained. Default true.
   */
  frozen?: boolean;
}

/**
 * Wrap a tfjs LayersModel (models/unet.ts) as a {@link Segmenter}; tensors are disposed after each call.
 * The model must not be changed (trained) while the segmenter is in use: the frozen graph holds a copy
 * of its weights as they were at the first call.
 */
export function tfSegmenter(model: tf.LayersModel, card: ModelCard, options: TfSegmenterOptions = {}): Segmenter {
  let frozen: FrozenUNet | null = null;
  const useFrozen = options.frozen ?? true;
  return {
    card,
    async predict(patches, k, ph, pw) {
      if (useFrozen && !frozen) frozen = freezeUNet(model);
      const out = tf.tidy(() => {
        const x = tf.tensor4d(patches, [k, ph, pw, 1]);
        return frozen ? frozen.predict(x) : (model.predict(x) as tf.Tensor);
      });
      try {
        return (await out.data()) as Float32Array;
      } finally {
        out.dispose();
      }
    },
    dispose() {
      frozen?.dispose();
      frozen = null;
    },
  };
}
