/**
 * A frozen inference graph of a trained U-Net (models/unet.ts): the same function as
 * `model.predict` (to float32 rounding), with batch normalisation folded into the convolutions and
 * each conv, its bias and its LeakyReLU run as one fused kernel (`tf.fused.conv2d`, XNNPACK on wasm).
 *
 * Folding (Ioffe & Szegedy 2015; the usual inference-time fold, here for AtomAI's layer order
 * Conv -> LeakyReLU -> BatchNorm): at inference batch norm is the per-channel affine map
 * `y = a x + b` with `a = gamma / sqrt(movingVariance + eps)` and `b = beta - a movingMean`.
 * LeakyReLU is positively homogeneous (`f(a z) = a f(z)` for `a > 0`), so for channels with
 * `a > 0` the scale moves into the conv's kernel and bias: `a f(W x + c) + b = f(aW x + ac) + b`,
 * exact, zero padding included; only the shift `b` stays, as one broadcast add. A layer with any
 * channel `a <= 0` keeps `a` as a multiply after the fused conv (still one op fewer than before).
 * A BatchNorm straight after a linear conv folds completely (`aW`, `ac + b`). The shift is not
 * pushed into the next conv: with 'same' zero padding that would change the frame's border pixels.
 *
 * Two more exact rewrites: the decoder's 2x bilinear upsampling runs as the backend's resize kernel
 * with half-pixel centres (PyTorch `align_corners=False`; the training graph's slice-based form, kept
 * for its exact gradient, costs as much as all convolutions on wasm), and the linear 1x1 conv that
 * follows each upsampling is moved in front of it (both linear, interpolation weights sum to 1), so
 * it runs on a quarter of the pixels and fewer channels are upsampled.
 *
 * The graph is read from the LayersModel's layer connections, so any model built by
 * {@link buildUNet} (any depth, filters, classes, bilinear or nearest upsampling, dropout) works.
 */
import { tf } from './tensorBackend.ts';
import { BilinearUpsampling2D } from './unet.ts';
import { AtomdynError } from '../data/errors.ts';
import { exportOnnx } from './onnxExport.ts';
import type { ModelCard } from './modelCard.ts';

/** A frozen, inference-only U-Net. */
export interface FrozenUNet {
  /**
   * Class probabilities of a batch: float32 `[n, h, w, 1]` -> float32 `[n, h, w, classes]`
   * (softmax over the last axis), the same function as the source model's `predict` to float32
   * rounding. Intermediate tensors are disposed; the caller owns the result.
   */
  predict(x: tf.Tensor4D): tf.Tensor4D;
  /** Layers folded away: batch norms merged into convs, activations fused, 1x1 convs moved before their upsampling. */
  folded: { batchNorms: number; activations: number; swappedUpsamplings: number };
  /** The frozen graph itself, in execution order (what models/onnxExport.ts writes out). */
  graph: FrozenGraph;
  /** Frees the folded weights (the source model is not touched). */
  dispose(): void;
}

/**
 * A convolution of the frozen graph (channels last): `y = f(conv(x, kernel) + bias) * scale + shift`
 * with `f` the identity or LeakyReLU(alpha); `scale` (a batch norm's scale with a channel <= 0) and
 * `shift` (a batch norm's shift) are float32 `[outChannels]` or null.
 */
export interface FrozenConv {
  op: 'conv';
  /** float32 `[kh, kw, inChannels, outChannels]` (tfjs layout) */
  kernel: tf.Tensor4D;
  /** float32 `[outChannels]` */
  bias: tf.Tensor1D;
  strides: [number, number];
  pad: 'same' | 'valid';
  dilations: [number, number];
  activation: 'linear' | 'leakyrelu';
  alpha: number;
  scale: tf.Tensor1D | null;
  shift: tf.Tensor1D | null;
}

/**
 * One operation of a {@link FrozenGraph}. `upsample` resizes by `size` (bilinear: half-pixel centres,
 * edges replicated, PyTorch's `align_corners=False`; nearest: source pixel floor(y / size)), after
 * running `before` (a 1x1 linear conv moved in front of it) when set.
 */
export type FrozenOp =
  | FrozenConv
  | { op: 'leakyRelu'; alpha: number }
  | { op: 'maxPool'; poolSize: [number, number]; strides: [number, number]; pad: 'same' | 'valid' }
  | { op: 'upsample'; mode: 'bilinear' | 'nearest'; size: [number, number]; before: FrozenConv | null }
  | { op: 'concat' }
  | { op: 'softmax' };

/** A node of a {@link FrozenGraph}: its operation on the outputs of the nodes (or the input) it names. */
export interface FrozenNode { name: string; inputs: string[]; spec: FrozenOp }

/**
 * The frozen U-Net as data: one input float32 `[n, h, w, 1]`, nodes in execution order (each reads
 * earlier nodes' outputs or the input, channels last, concatenation and softmax over the channels),
 * one output float32 `[n, h, w, classes]`. The weights are tfjs tensors owned by the {@link FrozenUNet}.
 */
export interface FrozenGraph { input: string; output: string; nodes: FrozenNode[] }

type GraphNode = FrozenNode;

/** Run one frozen operation on tfjs tensors (channels last). */
function runOp(spec: FrozenOp, xs: tf.Tensor4D[]): tf.Tensor4D {
  switch (spec.op) {
    case 'conv': {
      const { kernel, bias, strides, pad, dilations, activation, alpha, scale, shift } = spec;
      let y: tf.Tensor4D = tf.fused.conv2d({ x: xs[0], filter: kernel, strides, pad, dilations, bias, activation, leakyreluAlpha: alpha });
      if (scale) y = swap(y, y.mul(scale));
      if (shift) y = swap(y, y.add(shift));
      return y;
    }
    case 'leakyRelu':
      return tf.leakyRelu(xs[0], spec.alpha);
    case 'maxPool':
      return tf.maxPool(xs[0], spec.poolSize, spec.strides, spec.pad);
    case 'upsample': {
      const x = spec.before ? runOp(spec.before, xs) : xs[0];
      const size: [number, number] = [x.shape[1] * spec.size[0], x.shape[2] * spec.size[1]];
      // the backend's resize kernel with half-pixel centres is the same map as upsampleBilinear2x (edges
      // replicated) in one pass; the slice-based form (exact gradients for training) costs as much as all
      // the convolutions on wasm
      const y = spec.mode === 'bilinear' ? tf.image.resizeBilinear(x, size, false, true) : tf.image.resizeNearestNeighbor(x, size);
      if (spec.before) x.dispose();
      return y;
    }
    case 'concat':
      return tf.concat(xs, 3);
    case 'softmax':
      return tf.softmax(xs[0], -1);
  }
}

// tfjs-layers keeps a layer's connections in `inboundNodes`; its typings mark them protected.
interface Connected { inboundNodes: Array<{ inboundLayers: tf.layers.Layer[] }> }
// the second tensor, disposing the first (an intermediate of one node)
const swap = (old: tf.Tensor, next: tf.Tensor4D): tf.Tensor4D => { old.dispose(); return next; };
const inboundOf = (l: tf.layers.Layer): string[] => ((l as unknown as Connected).inboundNodes[0]?.inboundLayers ?? []).map((p) => p.name);

/**
 * Freeze a trained U-Net for inference (see the module comment for the algebra).
 *
 * @param model a functional tfjs LayersModel with one input and one output, built from Conv2D,
 *   LeakyReLU, BatchNormalization, MaxPooling2D, bilinear or nearest 2x upsampling, Concatenate,
 *   Dropout and Softmax layers (models/unet.ts)
 * @returns a {@link FrozenUNet} holding its own copies of the (folded) weights
 * @throws AtomdynError('model', ...) for a layer type or setting this graph does not implement
 */
export function freezeUNet(model: tf.LayersModel): FrozenUNet {
  const bad = (msg: string): never => { throw new AtomdynError('model', `cannot freeze the network for inference: ${msg}`); };
  if (model.inputs.length !== 1 || model.outputs.length !== 1) bad('it must have exactly one input and one output');
  const layers = model.layers;
  const byName = new Map(layers.map((l) => [l.name, l]));
  const consumers = new Map<string, string[]>();
  for (const l of layers) for (const p of inboundOf(l)) consumers.set(p, [...(consumers.get(p) ?? []), l.name]);
  const skippedDropouts: string[] = []; // dropouts inside the conv chain being folded
  // the one layer reading `name`'s output, looking through dropouts (identity at inference), when it is of class `cls`
  const soleConsumer = (name: string, cls: string): tf.layers.Layer | null => {
    const skipped: string[] = [];
    for (;;) {
      const c = consumers.get(name) ?? [];
      const l = c.length === 1 ? byName.get(c[0])! : null;
      if (l && l.getClassName() === 'Dropout') {
        skipped.push(l.name);
        name = l.name;
        continue;
      }
      if (!l || l.getClassName() !== cls) return null;
      skippedDropouts.push(...skipped);
      return l;
    }
  };
  const owned: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => { owned.push(t); return t; };
  const nodes: GraphNode[] = [];
  const alias = new Map<string, string>(); // layer name -> node whose output it is
  const resolve = (names: string[]) => names.map((n) => alias.get(n) ?? n);
  const folded = { batchNorms: 0, activations: 0, swappedUpsamplings: 0 };
  let inputName = '';
  const upsamplings = new Set<string>(); // nodes that upsample (their input may be swapped with a 1x1 conv)

  for (const l of layers) {
    if (alias.has(l.name)) continue; // folded into an earlier node
    const cls = l.getClassName();
    const cfg = l.getConfig() as Record<string, unknown>;
    const inputs = resolve(inboundOf(l));
    const add = (spec: FrozenOp) => nodes.push({ name: l.name, inputs, spec });
    if (cls === 'InputLayer') {
      inputName = l.name;
    } else if (cls === 'Conv2D') {
      if (cfg.dataFormat !== 'channelsLast') bad(`${l.name}: only channels-last convolutions`);
      if (cfg.activation !== 'linear') bad(`${l.name}: activation '${cfg.activation}' inside the conv layer`);
      const strides = cfg.strides as [number, number], dilation = cfg.dilationRate as [number, number];
      const pad = cfg.padding as 'same' | 'valid';
      const [k, c] = l.getWeights() as [tf.Tensor4D, tf.Tensor1D | undefined];
      let kernel = k.clone(), bias: tf.Tensor1D = c ? c.clone() : tf.zeros([k.shape[3]]);
      let activation: 'linear' | 'leakyrelu' = 'linear', alpha = 0, last = l.name;
      let scale: tf.Tensor | null = null, shift: tf.Tensor | null = null;
      const lrelu = soleConsumer(l.name, 'LeakyReLU');
      if (lrelu) {
        activation = 'leakyrelu';
        alpha = (lrelu.getConfig() as { alpha: number }).alpha;
        alias.set(lrelu.name, l.name);
        last = lrelu.name;
        folded.activations++;
      }
      const bn = soleConsumer(last, 'BatchNormalization');
      if (bn) {
        const bc = bn.getConfig() as { axis: number | number[]; epsilon: number; center: boolean; scale: boolean };
        const axis = Array.isArray(bc.axis) ? bc.axis : [bc.axis];
        if (!(axis.length === 1 && (axis[0] === -1 || axis[0] === 3))) bad(`${bn.name}: batch norm over axis ${bc.axis}`);
        const w = bn.getWeights();
        let i = 0;
        const gamma = bc.scale ? w[i++] : tf.onesLike(w[w.length - 1]);
        const beta = bc.center ? w[i++] : tf.zerosLike(w[w.length - 1]);
        const [mean, variance] = [w[i], w[i + 1]];
        const a = tf.tidy(() => gamma.div(variance.add(bc.epsilon).sqrt()));
        const b = tf.tidy(() => beta.sub(a.mul(mean)));
        if (!bc.scale) gamma.dispose();
        if (!bc.center) beta.dispose();
        const minScale = activation === 'linear' ? null : a.min();
        const positive = minScale === null || minScale.dataSync()[0] > 0;
        minScale?.dispose();
        if (positive) {
          const k2 = tf.tidy(() => kernel.mul(a.reshape([1, 1, 1, -1])));
          const c2 = tf.tidy(() => (activation === 'linear' ? bias.mul(a).add(b) : bias.mul(a)));
          tf.dispose([kernel, bias]);
          kernel = k2 as tf.Tensor4D;
          bias = c2 as tf.Tensor1D;
          if (activation === 'leakyrelu') shift = b;
          else b.dispose();
          a.dispose();
        } else {
          scale = a;
          shift = b;
        }
        alias.set(bn.name, l.name);
        folded.batchNorms++;
      }
      for (const d of skippedDropouts.splice(0)) alias.set(d, l.name);
      keep(kernel);
      keep(bias);
      if (scale) keep(scale);
      if (shift) keep(shift);
      const conv: FrozenConv = {
        op: 'conv', kernel, bias, strides, pad, dilations: dilation, activation, alpha,
        scale: scale as tf.Tensor1D | null, shift: shift as tf.Tensor1D | null,
      };
      // A linear 1x1 conv straight after a 2x upsampling (the U-Net's decoder) commutes with it: both are
      // linear and the interpolation weights sum to 1, so the bias passes through. Running the conv first
      // works on a quarter of the pixels and upsamples the conv's (fewer) output channels.
      const up = inputs.length === 1 && upsamplings.has(inputs[0]) && (consumers.get(inputs[0]) ?? []).length === 1
        ? nodes.find((n) => n.name === inputs[0]) : undefined;
      const pointwise = kernel.shape[0] === 1 && kernel.shape[1] === 1 && strides.every((v) => v === 1) && activation === 'linear' && !scale && !shift;
      if (up && up.spec.op === 'upsample' && pointwise) {
        up.spec.before = conv;
        alias.set(l.name, up.name);
        folded.swappedUpsamplings++;
      } else add(conv);
    } else if (cls === 'LeakyReLU') {
      const alpha = (cfg as { alpha: number }).alpha;
      add({ op: 'leakyRelu', alpha });
    } else if (cls === 'BatchNormalization') {
      bad(`${l.name}: a batch norm that does not follow a conv layer`);
    } else if (cls === 'MaxPooling2D') {
      const c = cfg as { poolSize: [number, number]; strides: [number, number]; padding: 'same' | 'valid'; dataFormat: string };
      if (c.dataFormat !== 'channelsLast') bad(`${l.name}: only channels-last pooling`);
      add({ op: 'maxPool', poolSize: c.poolSize, strides: c.strides, pad: c.padding });
    } else if (cls === BilinearUpsampling2D.className) {
      add({ op: 'upsample', mode: 'bilinear', size: [2, 2], before: null });
      upsamplings.add(l.name);
    } else if (cls === 'UpSampling2D') {
      const c = cfg as { size: [number, number]; interpolation: string };
      if (c.interpolation !== 'nearest') bad(`${l.name}: upsampling '${c.interpolation}'`);
      add({ op: 'upsample', mode: 'nearest', size: c.size, before: null });
      upsamplings.add(l.name);
    } else if (cls === 'Concatenate') {
      const axis = (cfg as { axis: number }).axis;
      if (axis !== -1 && axis !== 3) bad(`${l.name}: concatenation along axis ${axis}`);
      add({ op: 'concat' });
    } else if (cls === 'Dropout') {
      alias.set(l.name, inputs[0]); // identity at inference
    } else if (cls === 'Softmax') {
      const axis = (cfg as { axis: number }).axis;
      if (axis !== -1 && axis !== 3) bad(`${l.name}: softmax along axis ${axis}`);
      add({ op: 'softmax' });
    } else {
      bad(`layer ${l.name} of type ${cls} is not supported`);
    }
  }
  const outputName = resolve([model.outputs[0].sourceLayer.name])[0];
  if (!inputName) bad('no input layer');

  return {
    folded,
    graph: { input: inputName, output: outputName, nodes },
    predict(x: tf.Tensor4D): tf.Tensor4D {
      return tf.tidy(() => {
        const values = new Map<string, tf.Tensor4D>([[inputName, x]]);
        const remaining = new Map<string, number>();
        for (const n of nodes) for (const i of n.inputs) remaining.set(i, (remaining.get(i) ?? 0) + 1);
        for (const n of nodes) {
          const ins = n.inputs.map((i) => values.get(i)!);
          values.set(n.name, runOp(n.spec, ins));
          // free each activation as soon as its last consumer has run (peak memory of one level)
          for (const i of n.inputs) {
            const left = remaining.get(i)! - 1;
            remaining.set(i, left);
            if (left === 0 && i !== inputName && i !== outputName) values.get(i)!.dispose();
          }
        }
        return values.get(outputName)!;
      });
    },
    dispose() {
      tf.dispose(owned);
      owned.length = 0;
    },
  };
}

/**
 * The ONNX bytes of a U-Net: frozen ({@link freezeUNet}: batch norm folded) and exported
 * (models/onnxExport.ts; input `x` float32 [n, 1, h, w], output `probabilities` float32 [n, h, w, classes]),
 * with the card's version as the producer version. The frozen graph is disposed before returning.
 * @throws AtomdynError from freezeUNet or the exporter when the network holds a layer they do not know
 */
export function onnxBytes(model: tf.LayersModel, card: ModelCard): Uint8Array {
  const frozen = freezeUNet(model);
  try {
    return exportOnnx(frozen.graph, card.version);
  } finally {
    frozen.dispose();
  }
}
