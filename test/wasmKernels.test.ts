import { describe, expect, it, beforeAll } from 'vitest';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tf, initBackend } from '../models/tensorBackend.ts';
import { registerWasmTrainingKernels, wasmTrainingKernelsRegistered } from '../models/wasmKernels.ts';
import { Random } from '../data/random.ts';

/** Gradients of sum(conv2d(x, w)^2) w.r.t. x and w on one backend. */
function convGrads(backend: string, xv: Float32Array, wv: Float32Array, xs: number[], ws: number[], stride: number, pad: 'same' | 'valid'): Float32Array[] {
  tf.setBackend(backend);
  const x = tf.tensor4d(xv, xs as [number, number, number, number]);
  const w = tf.tensor4d(wv, ws as [number, number, number, number]);
  const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad).square().sum();
  const g = tf.grads(f)([x, w]);
  const out = g.map((t) => t.dataSync() as Float32Array);
  tf.dispose([x, w, ...g]);
  return out;
}

function relErr(a: Float32Array, ref: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - ref[i]));
    den = Math.max(den, Math.abs(ref[i]));
  }
  return num / den;
}

describe('wasm training kernels', () => {
  beforeAll(async () => {
    const info = await initBackend('wasm');
    expect(info.name).toBe('wasm');
  });

  it('are registered, and registering again is harmless', () => {
    expect(wasmTrainingKernelsRegistered()).toBe(true);
    const before = tf.getKernel('Conv2DBackpropInput', 'wasm');
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBe(before);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  // [x shape NHWC, kernel size, output channels, stride, padding]
  const cases: Array<[number[], number, number, number, 'same' | 'valid']> = [];
  for (const k of [1, 3, 5]) {
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        cases.push([[2, 11, 9, 3], k, 4, stride, pad]);
      }
    }
  }
  cases.push([[1, 16, 16, 8], 3, 16, 1, 'same'], [[3, 8, 10, 1], 3, 2, 2, 'same'], [[1, 12, 7, 5], 5, 1, 2, 'valid']);
  // even kernels: asymmetric 'same' padding goes through the explicit-padding path
  cases.push([[2, 9, 8, 3], 2, 4, 1, 'same'], [[1, 10, 11, 2], 4, 3, 1, 'same'], [[1, 10, 11, 2], 4, 3, 1, 'valid']);

  it.each(cases)('gradients match the cpu backend: x %j, kernel %i, out %i, stride %i, %s', (xs, k, cout, stride, pad) => {
    const rng = new Random(xs.reduce((a, b) => a * 31 + b, k * 7 + stride));
    const ws = [k, k, xs[3], cout];
    const xv = Float32Array.from({ length: xs.reduce((a, b) => a * b) }, () => rng.normal());
    const wv = Float32Array.from({ length: ws.reduce((a, b) => a * b) }, () => rng.normal());
    const [dxW, dwW] = convGrads('wasm', xv, wv, xs, ws, stride, pad);
    const [dxC, dwC] = convGrads('cpu', xv, wv, xs, ws, stride, pad);
    tf.setBackend('wasm');
    expect(dxW.length).toBe(dxC.length);
    expect(dwW.length).toBe(dwC.length);
    expect(relErr(dxW, dxC)).toBeLessThan(1e-4);
    expect(relErr(dwW, dwC)).toBeLessThan(1e-4);
  });

  it('batch-norm gradient (tile-free) has the known values', () => {
    tf.setBackend('wasm');
    expect(tf.getGradient('FusedBatchNorm')).toBeDefined();
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    const mean = tf.tensor1d([1, 2]);
    const variance = tf.tensor1d([4, 16]);
    const scale = tf.tensor1d([3, 5]);
    const offset = tf.tensor1d([0.5, 0.25]);
    const w = tf.tensor4d([1, -1, 2, 0.5, -3, 1, 1, 2], [1, 2, 2, 2]);
    const f = (a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.batchNorm(a as tf.Tensor4D, mean, variance, o as tf.Tensor1D, s as tf.Tensor1D, 0).mul(w).sum();
    const [dx, ds, doff] = tf.grads(f)([x, scale, offset]);
    // d/dx = w * scale / sqrt(variance): channel 0 factor 3/2, channel 1 factor 5/4
    expect(Array.from(dx.dataSync())).toEqual([1.5, -1.25, 3, 0.625, -4.5, 1.25, 1.5, 2.5]);
    // d/dscale = sum w (x - mean) / sqrt(variance): ch0 (1*0 + 2*2 - 3*4 + 1*6) / 2 = -1; ch1 (-1*0 + 0.5*2 + 1*4 + 2*6) / 4 = 4.25
    expect(Array.from(ds.dataSync())).toEqual([-1, 4.25]);
    // d/doffset = sum w per channel
    expect(Array.from(doff.dataSync())).toEqual([1, 2.5]);
    // with batch statistics (moments of x), compare with central finite differences
    const xs = tf.tensor4d([0.3, -1.2, 2.2, 0.7, -0.4, 1.9, 0.1, -2.5, 1.4, 0.6, -0.9, 0.2], [1, 2, 3, 2]);
    const w2 = tf.tensor4d([1, 2, -1, 0.5, 3, -2, 0.7, 1.1, -0.3, 2.2, 1.5, -1.4], [1, 2, 3, 2]);
    const g = (a: tf.Tensor) => {
      const m = tf.moments(a, [0, 1, 2]);
      return tf.batchNorm(a as tf.Tensor4D, m.mean, m.variance, offset, scale, 1e-3).mul(w2).sum();
    };
    const analytic = tf.grad(g)(xs).dataSync();
    const base = xs.dataSync();
    for (let i = 0; i < base.length; i++) {
      const h = 1e-2;
      const plus = base.slice(); plus[i] += h;
      const minus = base.slice(); minus[i] -= h;
      const fd = (g(tf.tensor4d(plus, [1, 2, 3, 2])).dataSync()[0] - g(tf.tensor4d(minus, [1, 2, 3, 2])).dataSync()[0]) / (2 * h);
      expect(analytic[i]).toBeCloseTo(fd, 2);
    }
    tf.dispose([x, mean, variance, scale, offset, w, dx, ds, doff, xs, w2]);
  });

  it('keeps tensor and wasm buffer counts constant across training steps (no leaks)', () => {
    tf.setBackend('wasm');
    const input = tf.input({ shape: [16, 16, 1] });
    let h = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
    h = tf.layers.leakyReLU({ alpha: 0.1 }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.conv2d({ filters: 2, kernelSize: 5, padding: 'same', activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: h });
    const opt = tf.train.adam(1e-3);
    const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 1);
    const y = tf.oneHot(tf.randomUniform([2, 16, 16], 0, 2, 'int32', 2), 2);
    const step = () => {
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor), true) as tf.Scalar;
      const v = loss.dataSync()[0];
      loss.dispose();
      return v;
    };
    const backend = tf.engine().backend as unknown as { numDataIds(): number };
    step(); // first step creates the optimizer's slots
    const tensors = tf.memory().numTensors;
    const ids = backend.numDataIds();
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) losses.push(step());
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(ids);
    expect(losses.every(Number.isFinite)).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
    opt.dispose();
  });

  it('work in a worker thread that calls initBackend', async () => {
    const root = path.resolve(import.meta.dirname, '..');
    const code = `
      import { parentPort } from 'node:worker_threads';
      const { tf, initBackend } = await import(${JSON.stringify(pathToFileURL(path.join(root, 'models/tensorBackend.ts')).href)});
      const info = await initBackend('wasm');
      const x = tf.ones([1, 6, 6, 2]);
      const w = tf.ones([3, 3, 2, 3]);
      const [dx, dw] = tf.grads((a, b) => tf.conv2d(a, b, 1, 'same').sum())([x, w]);
      parentPort.postMessage({ backend: info.name, dx: Array.from(dx.dataSync()), dw: Array.from(dw.dataSync()) });
    `;
    const worker = new Worker(path.join(root, 'bin/worker.mjs'), {
      workerData: { __module: 'data:text/javascript,' + encodeURIComponent(code) },
    });
    const msg = await new Promise<{ backend: string; dx: number[]; dw: number[] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(msg.backend).toBe('wasm');
    // Sum of a 'same' conv of ones with ones: dx at a pixel = 3 (out channels) x number of output
    // positions whose 3x3 window covers it: 9 in the interior, 4 in a corner.
    expect(msg.dx[(2 * 6 + 2) * 2]).toBeCloseTo(27, 5);
    expect(msg.dx[0]).toBeCloseTo(12, 5);
    // dw[a, b] = number of output positions whose tap (a, b) lands inside the 6x6 image: 5x5 off-centre corners, 6x6 centre.
    expect(msg.dw[0]).toBeCloseTo(25, 5);
    expect(msg.dw[(1 * 3 + 1) * 6]).toBeCloseTo(36, 5);
  });
});
