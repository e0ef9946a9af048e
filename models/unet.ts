/**
 * The U-Net segmenter (Ronneberger, Fischer & Brox, MICCAI 2015) in the form AtomAI uses for atom
 * finding (Ziatdinov et al., ACS Nano 11, 12742 (2017); AtomAI `atomai.nets.Unet`), built with
 * TensorFlow.js layers. Every choice of AtomAI's default is a parameter here:
 *
 * - encoder: `poolings` (3) levels, level i has `layersPerLevel[i]` conv layers of
 *   `baseFilters * 2^i` filters (16, 32, 64), each followed by 2x2 max pooling;
 * - bottleneck: `layersPerLevel[poolings]` layers of `baseFilters * 2^poolings` (128) filters;
 * - decoder: per level, 2x upsampling (bilinear, then a 1x1 conv to the level's filter count),
 *   concatenation [skip, upsampled] and `layersPerLevel[i]` conv layers;
 * - a conv layer is Conv(kernelSize x kernelSize, 'same', bias) -> LeakyReLU(0.1) -> BatchNorm,
 *   the order AtomAI's ConvBlock uses (optional dropout after the activation);
 * - output: a 1x1 conv to `classes` channels and a softmax over them (background, one channel
 *   per species, and an optional 'other' channel for bright contamination; see {@link unetClasses}).
 *
 * Input `[batch, height, width, 1]` with height and width free (`null`): any size divisible by
 * 2^poolings works. Bilinear upsampling uses half-pixel centres (PyTorch `align_corners=False`),
 * written with slices so its gradient is exact on every backend (tfjs's ResizeBilinearGrad ignores
 * half-pixel centres). Batch norm uses PyTorch's defaults (momentum 0.1 = Keras 0.9, eps 1e-5).
 * With the defaults and 3 classes the model has 594 067 trainable parameters, as AtomAI's.
 */
import { tf } from './tensorBackend.ts';
import { AtomdynError } from '../data/errors.ts';

/** Settings of {@link buildUNet}; every field has AtomAI's default. */
export interface UNetOptions {
  /** Filters of the first level; doubled at each pooling. Default 16. */
  baseFilters: number;
  /** Number of 2x2 max poolings (encoder levels). Default 3. */
  poolings: number;
  /** Conv layers per level, encoder levels then the bottleneck (length poolings + 1). Default [1, 2, 2, 3]. */
  layersPerLevel: number[];
  /** Odd conv kernel size. Default 3. */
  kernelSize: number;
  /** LeakyReLU negative slope. Default 0.1. */
  leakyAlpha: number;
  /** Batch normalisation after each conv layer. Default true. */
  batchNorm: boolean;
  /** Batch norm momentum in Keras terms (moving = m * moving + (1 - m) * batch). Default 0.9 (PyTorch 0.1). */
  batchNormMomentum: number;
  /** Batch norm epsilon. Default 1e-5 (PyTorch). */
  batchNormEpsilon: number;
  /** Upsampling: 'bilinear' (half-pixel centres) or 'nearest'. Default 'bilinear'. */
  upsampling: 'bilinear' | 'nearest';
  /** Dropout rate after each activation (0 = none). Default 0. */
  dropout: number;
  /** Output classes (softmax channels), >= 2. Default 3 (background, C, Si). */
  classes: number;
  /** Seed of the weight initialisers (He-uniform for convs). Default 1. */
  seed: number;
}

/** AtomAI's default U-Net settings. */
export const UNET_DEFAULTS: Readonly<UNetOptions> = Object.freeze({
  baseFilters: 16,
  poolings: 3,
  layersPerLevel: [1, 2, 2, 3],
  kernelSize: 3,
  leakyAlpha: 0.1,
  batchNorm: true,
  batchNormMomentum: 0.9,
  batchNormEpsilon: 1e-5,
  upsampling: 'bilinear',
  dropout: 0,
  classes: 3,
  seed: 1,
});

/**
 * Class names of the softmax channels: 'background', the species in order, and 'other' when the
 * model has a contamination channel. Index k matches label value k of training/sampleSource.ts.
 */
export function unetClasses(species: string[], hasOther: boolean): string[] {
  return ['background', ...species, ...(hasOther ? ['other'] : [])];
}

/**
 * 2x bilinear upsampling with half-pixel centres (PyTorch `interpolate(scale_factor=2,
 * mode='bilinear', align_corners=False)`, tf `resizeBilinear(halfPixelCenters=true)`), edges
 * replicated. Output row 2i = 0.75 x[i] + 0.25 x[i-1], row 2i+1 = 0.75 x[i] + 0.25 x[i+1];
 * then the same along columns. Input/output float32 NHWC `[n, h, w, c]` -> `[n, 2h, 2w, c]`.
 */
export function upsampleBilinear2x(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const along = (t: tf.Tensor4D, axis: 1 | 2): tf.Tensor4D => {
      const n = t.shape[axis];
      let prev: tf.Tensor4D = t;
      let next: tf.Tensor4D = t;
      if (n > 1) {
        const first = axis === 1 ? t.slice([0, 0, 0, 0], [-1, 1, -1, -1]) : t.slice([0, 0, 0, 0], [-1, -1, 1, -1]);
        const last = axis === 1 ? t.slice([0, n - 1, 0, 0], [-1, 1, -1, -1]) : t.slice([0, 0, n - 1, 0], [-1, -1, 1, -1]);
        const head = axis === 1 ? t.slice([0, 0, 0, 0], [-1, n - 1, -1, -1]) : t.slice([0, 0, 0, 0], [-1, -1, n - 1, -1]);
        const tail = axis === 1 ? t.slice([0, 1, 0, 0], [-1, n - 1, -1, -1]) : t.slice([0, 0, 1, 0], [-1, -1, n - 1, -1]);
        prev = tf.concat([first, head], axis);
        next = tf.concat([tail, last], axis);
      }
      const t75 = t.mul(0.75);
      const even = t75.add(prev.mul(0.25));
      const odd = t75.add(next.mul(0.25));
      const [b, h, w, c] = t.shape;
      const out = axis === 1 ? [b, 2 * h, w, c] : [b, h, 2 * w, c];
      // Interleave with 4-D tensors only: [even | odd] concatenated along the next axis is, in memory,
      // rows (or pixels) 2i and 2i+1 of the output. (tf.stack's gradient, Unpack, and slicing 5-D
      // tensors are very slow on wasm.)
      return tf.concat([even, odd], axis + 1).reshape(out) as tf.Tensor4D;
    };
    return along(along(x, 1), 2);
  });
}

/** Keras layer wrapping {@link upsampleBilinear2x}; registered for (de)serialisation. */
export class BilinearUpsampling2D extends tf.layers.Layer {
  static className = 'AtomdynBilinearUpsampling2D';

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [s[0], s[1] == null ? null : s[1] * 2, s[2] == null ? null : s[2] * 2, s[3]];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return upsampleBilinear2x(x as tf.Tensor4D);
  }
}
tf.serialization.registerClass(BilinearUpsampling2D);

function validate(o: UNetOptions): void {
  const bad = (msg: string) => { throw new AtomdynError('unet', msg); };
  const posInt = (v: number) => Number.isInteger(v) && v > 0;
  if (!posInt(o.baseFilters)) bad(`baseFilters must be a positive integer, got ${o.baseFilters}`);
  if (!posInt(o.poolings) || o.poolings > 6) bad(`poolings must be an integer 1..6, got ${o.poolings}`);
  if (o.layersPerLevel.length !== o.poolings + 1 || !o.layersPerLevel.every(posInt)) {
    bad(`layersPerLevel must hold ${o.poolings + 1} positive integers (one per pooling level plus the bottleneck), got [${o.layersPerLevel}]`);
  }
  if (!posInt(o.kernelSize) || o.kernelSize % 2 === 0) bad(`kernelSize must be a positive odd integer, got ${o.kernelSize}`);
  if (!(o.classes >= 2) || !Number.isInteger(o.classes)) bad(`classes must be an integer >= 2, got ${o.classes}`);
  if (!(o.dropout >= 0 && o.dropout < 1)) bad(`dropout must be in [0, 1), got ${o.dropout}`);
  if (!(o.leakyAlpha >= 0)) bad(`leakyAlpha must be >= 0, got ${o.leakyAlpha}`);
  if (o.upsampling !== 'bilinear' && o.upsampling !== 'nearest') bad(`upsampling must be 'bilinear' or 'nearest', got ${o.upsampling}`);
}

/**
 * Build an (untrained) U-Net.
 *
 * @param options overrides of {@link UNET_DEFAULTS}
 * @returns a tf.LayersModel mapping float32 `[n, h, w, 1]` (h, w divisible by 2^poolings) to class
 *   probabilities float32 `[n, h, w, classes]` (softmax over the last axis)
 * @throws AtomdynError('unet', ...) for invalid options
 */
export function buildUNet(options: Partial<UNetOptions> = {}): tf.LayersModel {
  const o: UNetOptions = { ...UNET_DEFAULTS, ...options, layersPerLevel: [...(options.layersPerLevel ?? UNET_DEFAULTS.layersPerLevel)] };
  validate(o);
  let seed = o.seed * 1000;
  const init = () => tf.initializers.heUniform({ seed: seed++ });
  const conv = (name: string, filters: number, size: number) => tf.layers.conv2d({
    name, filters, kernelSize: size, padding: 'same', useBias: true,
    kernelInitializer: init(), biasInitializer: 'zeros',
  });
  const block = (x: tf.SymbolicTensor, prefix: string, layers: number, filters: number): tf.SymbolicTensor => {
    for (let i = 0; i < layers; i++) {
      x = conv(`${prefix}_conv${i}`, filters, o.kernelSize).apply(x) as tf.SymbolicTensor;
      x = tf.layers.leakyReLU({ name: `${prefix}_lrelu${i}`, alpha: o.leakyAlpha }).apply(x) as tf.SymbolicTensor;
      if (o.dropout > 0) x = tf.layers.dropout({ name: `${prefix}_dropout${i}`, rate: o.dropout, seed: seed++ }).apply(x) as tf.SymbolicTensor;
      if (o.batchNorm) {
        x = tf.layers.batchNormalization({
          name: `${prefix}_bn${i}`, momentum: o.batchNormMomentum, epsilon: o.batchNormEpsilon,
        }).apply(x) as tf.SymbolicTensor;
      }
    }
    return x;
  };

  const input = tf.input({ shape: [null, null, 1], name: 'frame' });
  const skips: tf.SymbolicTensor[] = [];
  let x: tf.SymbolicTensor = input;
  for (let level = 0; level < o.poolings; level++) {
    x = block(x, `enc${level}`, o.layersPerLevel[level], o.baseFilters * 2 ** level);
    skips.push(x);
    x = tf.layers.maxPooling2d({ name: `pool${level}`, poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
  }
  x = block(x, 'bottleneck', o.layersPerLevel[o.poolings], o.baseFilters * 2 ** o.poolings);
  for (let level = o.poolings - 1; level >= 0; level--) {
    const filters = o.baseFilters * 2 ** level;
    x = (o.upsampling === 'bilinear'
      ? new BilinearUpsampling2D({ name: `up${level}` })
      : tf.layers.upSampling2d({ name: `up${level}`, size: [2, 2], interpolation: 'nearest' })).apply(x) as tf.SymbolicTensor;
    x = conv(`up${level}_conv`, filters, 1).apply(x) as tf.SymbolicTensor;
    x = tf.layers.concatenate({ name: `skip${level}`, axis: -1 }).apply([skips[level], x]) as tf.SymbolicTensor;
    x = block(x, `dec${level}`, o.layersPerLevel[level], filters);
  }
  x = conv('logits', o.classes, 1).apply(x) as tf.SymbolicTensor;
  const probs = tf.layers.softmax({ name: 'probabilities', axis: -1 }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: probs, name: 'atomdyn_unet' });
}

/**
 * Trainable and total parameter counts of a model (total includes batch norm moving statistics).
 */
export function countParameters(model: tf.LayersModel): { trainable: number; total: number } {
  const size = (ws: tf.LayerVariable[]) => ws.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  return { trainable: size(model.trainableWeights), total: size(model.weights) };
}
