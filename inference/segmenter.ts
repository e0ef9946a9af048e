/**
 * A segmenter as the inference pipeline sees it: a model card plus a function that turns a batch of
 * normalised patches into per-pixel class probabilities. The U-Net (tfjs LayersModel) is wrapped by
 * {@link tfSegmenter} (tfjs) or {@link onnxSegmenter} (onnxruntime-node), {@link createSegmenter}
 * picks the one of the active backend (models/tensorBackend.ts); tests and baselines can supply any
 * other function with the same contract.
 */
import { tf, onnxRuntime, type OnnxRuntimeModule } from '../models/tensorBackend.ts';
import type { ModelCard } from '../models/modelCard.ts';
import { freezeUNet, onnxBytes, type FrozenUNet } from '../models/inferenceGraph.ts';
import { onnxSegmenterFromBytes, type OnnxSessionOptions } from './onnxSession.ts';
import { AtomdynError } from '../data/errors.ts';

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
  /**
   * Frees what the segmenter holds besides the model (the frozen graph's folded weights, an onnxruntime
   * session and its memory arena); optional. A returned promise settles when the memory is freed.
   */
  dispose?(): void | Promise<void>;
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

/** Settings of {@link onnxSegmenter} and {@link createSegmenter}. */
export type OnnxSegmenterOptions = OnnxSessionOptions;

/**
 * Wrap a tfjs LayersModel (models/unet.ts) as a {@link Segmenter} whose forward passes run on
 * onnxruntime-node: the model is exported (models/inferenceGraph.ts onnxBytes) on the first call and run by
 * inference/onnxSession.ts (all graph optimisations, `threads` intra-op threads). Class probabilities
 * equal those of {@link tfSegmenter} to float32 rounding (within 1e-4; test/onnxSegmenter.test.ts). The
 * model must not be changed while in use.
 *
 * @param ort the onnxruntime-node module ({@link onnxRuntime} after `initBackend` chose 'onnxruntime')
 * @throws AtomdynError('model', ...) from `predict` when the network cannot be exported or the session fails
 */
export function onnxSegmenter(model: tf.LayersModel, card: ModelCard, ort: OnnxRuntimeModule, options: OnnxSegmenterOptions = {}): Segmenter {
  return onnxSegmenterFromBytes(() => onnxBytes(model, card), card, ort, options);
}

/**
 * The segmenter of the active backend (models/tensorBackend.ts `initBackend`): {@link onnxSegmenter}
 * where it chose 'onnxruntime', else {@link tfSegmenter} (the frozen graph on tfjs).
 */
export function createSegmenter(model: tf.LayersModel, card: ModelCard, options: OnnxSegmenterOptions = {}): Segmenter {
  const ort = onnxRuntime();
  return ort ? onnxSegmenter(model, card, ort, options) : tfSegmenter(model, card);
}
