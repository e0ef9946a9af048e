/**
 * Training kernels for the TensorFlow.js wasm backend.
 *
 * The wasm backend (XNNPACK) as shipped in @tensorflow/tfjs-backend-wasm 4.22 has no
 * `Conv2DBackpropFilter` kernel (so no convolutional network can be trained on it), and its
 * `Conv2DBackpropInput` kernel is a plain loop about 10x slower than the forward convolution of the
 * same layer. Both gradients can be written as a forward `Conv2D`, which runs through XNNPACK
 * (see ../shared/notes/tensor-backend.md for the measurements):
 *
 * - filter gradient dW [kH, kW, inC, outC] of y = conv2d(x, W, stride s, any padding, dilation 1):
 *   transpose x [N, H, W, inC] to [inC, H, W, N] and dy [N, oH, oW, outC] to [oH, oW, N, outC];
 *   a Conv2D of the two with the forward padding made explicit, stride 1 and dilation s gives
 *   [inC, >=kH, >=kW, outC]; sliced to kH x kW and transposed to [kH, kW, inC, outC] it is dW
 *   (dW[a,b,c,o] = sum_{n,i,j} x[n, i*s + a - padTop, j*s + b - padLeft, c] * dy[n, i, j, o]).
 * - input gradient dx of a stride-1 convolution (any padding): a Conv2D of dy with the filter
 *   reversed along its two spatial axes and transposed to [kH, kW, outC, inC], padded with
 *   (kH-1-padTop, kH-1-padBottom, kW-1-padLeft, kW-1-padRight). For 'same' padding with an odd
 *   kernel that is 'same' again. Other cases (stride > 1, NCHW) use the original wasm kernel.
 *
 * A third change is a gradient, not a kernel: tfjs-core's FusedBatchNorm gradient tiles the
 * per-channel 1/sqrt(variance + eps) to the full input shape before multiplying (`tile` is a fifth
 * of a U-Net training step on wasm); {@link registerWasmTrainingKernels} replaces it by the same
 * formula with broadcasting, which gives identical numbers.
 *
 * Every intermediate tensor made inside these kernels is released with `backend.disposeData`
 * (the wasm Conv2D caches an XNNPACK operator per filter tensor and frees it with that tensor).
 *
 * Each thread (main or worker_thread) has its own tfjs engine and kernel registry, so
 * {@link registerWasmTrainingKernels} must run in every thread that trains on wasm;
 * models/tensorBackend.ts `initBackend` does this.
 */
import * as tf from '@tensorflow/tfjs';

type Attrs = Record<string, unknown>;
type KernelFunc = (args: { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Attrs }) => tf.TensorInfo | tf.TensorInfo[];

/** The parts of the wasm backend object the kernels use. */
interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Marker on the kernels registered here, so a second registration is recognised. */
const MARK = Symbol.for('atomdyn.wasmTrainingKernel');

function kernel(name: string): KernelFunc {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm kernel ${name} is not registered (is @tensorflow/tfjs-backend-wasm loaded?)`);
  return k.kernelFunc as unknown as KernelFunc;
}

function run(name: string, inputs: Record<string, tf.TensorInfo>, backend: unknown, attrs: Attrs = {}): tf.TensorInfo {
  return kernel(name)({ inputs, backend, attrs }) as tf.TensorInfo;
}

function isNhwc(dataFormat: unknown): boolean {
  return dataFormat === undefined || dataFormat === 'NHWC' || dataFormat === 'channelsLast';
}

function pair(v: unknown): [number, number] {
  return typeof v === 'number' ? [v, v] : [(v as number[])[0], (v as number[])[1]];
}

/** Padding of a 2-D convolution made explicit: [top, bottom, left, right] and the output size. */
function convGeometry(
  xShape: number[], filterShape: number[], strides: unknown, pad: unknown, dimRoundingMode: unknown,
): { top: number; bottom: number; left: number; right: number; outH: number; outW: number } {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    pair(strides), 1, pad as 'same', dimRoundingMode as 'round' | undefined, false, 'channelsLast',
  );
  return {
    top: info.padInfo.top, bottom: info.padInfo.bottom, left: info.padInfo.left, right: info.padInfo.right,
    outH: info.outHeight, outW: info.outWidth,
  };
}

/**
 * Conv2DBackpropFilter (NHWC, any stride and padding, dilation 1) as one forward Conv2D.
 * Inputs: x [N, H, W, inC], dy [N, oH, oW, outC]; attrs: strides, pad, dataFormat,
 * dimRoundingMode, filterShape [kH, kW, inC, outC]. Output: dW float32 [kH, kW, inC, outC].
 */
function conv2DBackpropFilter(args: { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Attrs }): tf.TensorInfo {
  const { inputs, backend, attrs = {} } = args;
  const b = backend as WasmBackendLike;
  const { x, dy } = inputs;
  if (!isNhwc(attrs.dataFormat)) throw new Error(`Conv2DBackpropFilter on wasm supports NHWC only, got ${String(attrs.dataFormat)}`);
  const filterShape = attrs.filterShape as number[];
  const [kH, kW] = filterShape;
  const [sH, sW] = pair(attrs.strides);
  const g = convGeometry(x.shape, filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode);
  if (dy.shape[1] !== g.outH || dy.shape[2] !== g.outW) {
    throw new Error(`Conv2DBackpropFilter: dy shape ${dy.shape} does not match the forward output ${g.outH}x${g.outW}`);
  }
  const temps: tf.TensorInfo[] = [];
  try {
    const xt = run('Transpose', { x }, b, { perm: [3, 1, 2, 0] }); // [inC, H, W, N]
    temps.push(xt);
    const dyt = run('Transpose', { x: dy }, b, { perm: [1, 2, 0, 3] }); // [oH, oW, N, outC]
    temps.push(dyt);
    // Bottom/right padding only as much as needed for kH x kW outputs (negative = rows to drop).
    const bottom = Math.max(0, Math.min(g.bottom, kH + (g.outH - 1) * sH - x.shape[1] - g.top));
    const right = Math.max(0, Math.min(g.right, kW + (g.outW - 1) * sW - x.shape[2] - g.left));
    const conv = run('Conv2D', { x: xt, filter: dyt }, b, {
      strides: [1, 1], pad: [[0, 0], [g.top, bottom], [g.left, right], [0, 0]], dataFormat: 'NHWC',
      dilations: [sH, sW], dimRoundingMode: undefined,
    }); // [inC, >= kH, >= kW, outC]
    temps.push(conv);
    let core = conv;
    if (conv.shape[1] !== kH || conv.shape[2] !== kW) {
      if (conv.shape[1] < kH || conv.shape[2] < kW) throw new Error(`Conv2DBackpropFilter: internal size ${conv.shape} < ${kH}x${kW}`);
      core = run('Slice', { x: conv }, b, { begin: [0, 0, 0, 0], size: [conv.shape[0], kH, kW, conv.shape[3]] });
      temps.push(core);
    }
    return run('Transpose', { x: core }, b, { perm: [1, 2, 0, 3] }); // [kH, kW, inC, outC]
  } finally {
    for (const t of temps) b.disposeData(t.dataId);
  }
}

/**
 * Conv2DBackpropInput for stride 1 (NHWC, any padding) as one forward Conv2D with the filter
 * reversed spatially and its channel axes swapped; everything else goes to `original`.
 * Inputs: dy [N, oH, oW, outC], filter [kH, kW, inC, outC]; attrs: strides, pad, dataFormat,
 * dimRoundingMode, inputShape [N, H, W, inC]. Output: dx float32 [N, H, W, inC].
 */
function makeConv2DBackpropInput(original: KernelFunc) {
  return (args: { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Attrs }): tf.TensorInfo | tf.TensorInfo[] => {
    const { inputs, backend, attrs = {} } = args;
    const [sH, sW] = pair(attrs.strides);
    if (sH !== 1 || sW !== 1 || !isNhwc(attrs.dataFormat)) return original(args);
    const b = backend as WasmBackendLike;
    const { dy, filter } = inputs;
    const inputShape = attrs.inputShape as number[];
    const [kH, kW] = filter.shape;
    const g = convGeometry(inputShape, filter.shape, 1, attrs.pad, attrs.dimRoundingMode);
    const pads = [kH - 1 - g.top, kH - 1 - g.bottom, kW - 1 - g.left, kW - 1 - g.right];
    if (pads.some((p) => p < 0)) return original(args);
    const temps: tf.TensorInfo[] = [];
    try {
      const rev = run('Reverse', { x: filter }, b, { dims: [0, 1] });
      temps.push(rev);
      const ft = run('Transpose', { x: rev }, b, { perm: [0, 1, 3, 2] }); // [kH, kW, outC, inC]
      temps.push(ft);
      const symmetric = pads[0] === pads[1] && pads[2] === pads[3] && pads[0] === (kH - 1) / 2 && pads[2] === (kW - 1) / 2;
      const out = run('Conv2D', { x: dy, filter: ft }, b, {
        strides: [1, 1], pad: symmetric ? 'same' : [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]],
        dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined,
      });
      if (out.shape.some((d, i) => d !== inputShape[i])) {
        b.disposeData(out.dataId);
        throw new Error(`Conv2DBackpropInput: got ${out.shape}, expected ${inputShape}`);
      }
      return out;
    } finally {
      for (const t of temps) b.disposeData(t.dataId);
    }
  };
}

/** Marker on the batch-norm gradient registered here. */
const GRAD_MARK = Symbol.for('atomdyn.batchNormGradient');

/**
 * Gradient of FusedBatchNorm (tf.batchNorm): tfjs-core's formulas without the `tile` of the
 * per-channel factor (broadcasting does the same). y = (x - mean) * r * scale + offset with
 * r = 1 / sqrt(variance + eps); mean, variance, scale, offset of shape [C] or x's shape.
 */
const batchNormGradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[], attrs: Attrs) => {
    const eps = attrs.varianceEpsilon as number;
    const [x, mean, variance, scale] = saved;
    const scaleValue = scale == null ? tf.scalar(1) : scale;
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const reduce = (t: tf.Tensor) => (mean.rank === 1 && axes.length ? tf.sum(t, axes) : t);
    const xMinusMean = tf.sub(x, mean);
    const dyTimesScale = tf.mul(dy, scaleValue);
    const r = tf.rsqrt(tf.add(variance, tf.scalar(eps)));
    const minusHalfRCube = tf.mul(tf.mul(tf.mul(r, r), r), tf.scalar(-0.5));
    return {
      x: () => tf.reshape(tf.mul(tf.mul(dy, r), scaleValue), x.shape),
      mean: () => tf.reshape(reduce(tf.mul(tf.mul(r, tf.scalar(-1)), dyTimesScale)), mean.shape),
      variance: () => tf.reshape(reduce(tf.mul(tf.mul(minusHalfRCube, xMinusMean), dyTimesScale)), mean.shape),
      scale: () => tf.reshape(reduce(tf.mul(dy, tf.mul(xMinusMean, r))), mean.shape),
      offset: () => tf.reshape(reduce(dy), mean.shape),
    };
  },
  [GRAD_MARK]: true,
};

/**
 * Register the wasm training kernels in this thread: `Conv2DBackpropFilter` (missing in the wasm
 * backend), a fast stride-1 `Conv2DBackpropInput` (replacing the original, whose `setupFunc` is
 * kept and which stays the fallback for strides > 1 and NCHW), and the tile-free batch-norm
 * gradient (gradients are shared by all backends of the thread; the numbers are unchanged). Call after
 * `@tensorflow/tfjs-backend-wasm` is imported (it registers its kernels on import), before or after
 * `tf.setBackend('wasm')`. Idempotent: a second call changes nothing.
 *
 * @throws Error when the wasm backend package has not registered its kernels in this thread
 */
export function registerWasmTrainingKernels(): void {
  const conv2d = tf.getKernel('Conv2D', 'wasm');
  if (!conv2d) throw new Error('registerWasmTrainingKernels: @tensorflow/tfjs-backend-wasm is not loaded in this thread');

  const filterK = tf.getKernel('Conv2DBackpropFilter', 'wasm') as (tf.KernelConfig & { [MARK]?: boolean }) | undefined;
  if (!filterK?.[MARK]) {
    if (filterK) tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
    const config = {
      kernelName: 'Conv2DBackpropFilter', backendName: 'wasm',
      kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
      [MARK]: true,
    };
    tf.registerKernel(config);
  }

  const inputK = tf.getKernel('Conv2DBackpropInput', 'wasm') as (tf.KernelConfig & { [MARK]?: boolean }) | undefined;
  if (inputK && !inputK[MARK]) {
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    const config = {
      kernelName: 'Conv2DBackpropInput', backendName: 'wasm',
      setupFunc: inputK.setupFunc,
      disposeFunc: inputK.disposeFunc,
      kernelFunc: makeConv2DBackpropInput(inputK.kernelFunc as unknown as KernelFunc) as unknown as tf.KernelFunc,
      [MARK]: true,
    };
    tf.registerKernel(config);
  }

  const grad = tf.getGradient('FusedBatchNorm') as (tf.GradConfig & { [GRAD_MARK]?: boolean }) | undefined;
  if (!grad?.[GRAD_MARK]) tf.registerGradient(batchNormGradConfig as unknown as tf.GradConfig);
}

/** True when this thread's wasm kernel registry holds the kernels of {@link registerWasmTrainingKernels}. */
export function wasmTrainingKernelsRegistered(): boolean {
  const f = tf.getKernel('Conv2DBackpropFilter', 'wasm') as (tf.KernelConfig & { [MARK]?: boolean }) | undefined;
  const i = tf.getKernel('Conv2DBackpropInput', 'wasm') as (tf.KernelConfig & { [MARK]?: boolean }) | undefined;
  return Boolean(f?.[MARK] && i?.[MARK]);
}
