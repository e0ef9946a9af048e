import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs/light.js';
import { tf, initBackend, onnxRuntime, type OnnxRuntimeModule } from '../models/tensorBackend.ts';
import { buildUNet, type UNetOptions } from '../models/unet.ts';
import { freezeUNet } from '../models/inferenceGraph.ts';
import { exportOnnx, ONNX_INPUT, ONNX_OUTPUT } from '../models/onnxExport.ts';
import { loadModelByName } from '../models/registry.ts';
import { createSegmenter, onnxSegmenter, tfSegmenter } from '../inference/segmenter.ts';
import { locateFrame } from '../inference/locateFrame.ts';
import { simulateImage } from '../training/simulator/simulateImage.ts';
import { GRAPHENE_PRESET } from '../training/simulator/imagingPresets.ts';
import { runLocate } from '../cli/commands/locate.ts';
import { writeGrapheneMovie } from './helpers/grapheneMovie.ts';
import { AtomdynError } from '../data/errors.ts';
import { Random } from '../data/random.ts';

// The `onnxruntime` backend (models/tensorBackend.ts): the frozen U-Net exported to ONNX
// (models/onnxExport.ts) and run by onnxruntime-node (an optional dependency, installed by `npm ci`).

/** A U-Net whose batch norms have non-trivial statistics (as after training); `negativeGamma` flips some scales. */
function trainedLike(options: Partial<UNetOptions>, seed: number, negativeGamma = false): tf.LayersModel {
  const model = buildUNet(options);
  const rng = new Random(seed);
  for (const l of model.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    const c = (l.getWeights()[0].shape as number[])[0];
    const vec = (f: () => number) => tf.tensor1d(Array.from({ length: c }, f));
    const w = [
      vec(() => (negativeGamma && rng.uniform() < 0.3 ? -1 : 1) * (0.5 + rng.uniform())),
      vec(() => rng.uniform() - 0.5),
      vec(() => 0.3 * (rng.uniform() - 0.5)),
      vec(() => 0.2 + 2 * rng.uniform()),
    ];
    l.setWeights(w);
    tf.dispose(w);
  }
  return model;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(b.length).toBe(a.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

let ort: OnnxRuntimeModule;

beforeAll(async () => {
  const info = await initBackend('onnxruntime');
  expect(info.name).toBe('onnxruntime');
  expect(info.inference).toBe('onnxruntime');
  expect(info.tensors).toBe('wasm');
  ort = onnxRuntime()!;
  expect(ort).not.toBeNull();
});

/** Max |p_onnx - p_tfjs| of the exported graph against the tfjs frozen graph and against model.predict. */
async function compare(model: tf.LayersModel, shape: [number, number, number], seed: number): Promise<{ frozen: number; trained: number }> {
  const [n, h, w] = shape;
  const x = tf.randomNormal([n, h, w, 1], 0, 1, 'float32', seed) as tf.Tensor4D;
  const frozen = freezeUNet(model);
  const session = await ort.InferenceSession.create(exportOnnx(frozen.graph), { intraOpNumThreads: 1 });
  const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', (await x.data()) as Float32Array, [n, 1, h, w]) });
  await session.release();
  expect(out[ONNX_OUTPUT].dims).toEqual([n, h, w, model.outputs[0].shape[3]]);
  const got = out[ONNX_OUTPUT].data as Float32Array;
  const f = frozen.predict(x);
  const t = model.predict(x) as tf.Tensor;
  const d = { frozen: maxAbsDiff((await f.data()) as Float32Array, got), trained: maxAbsDiff((await t.data()) as Float32Array, got) };
  tf.dispose([x, f, t]);
  frozen.dispose();
  return d;
}

describe('ONNX export of the frozen U-Net', () => {
  it('gives the probabilities of the tfjs graph to 1e-4: AtomAI defaults, batch of 2, non-square', async () => {
    const model = trainedLike({ classes: 3 }, 1);
    const d = await compare(model, [2, 64, 48], 5);
    expect(d.frozen).toBeLessThan(1e-4);
    expect(d.trained).toBeLessThan(1e-4);
    model.dispose();
  });

  it('batch norms with negative scales (Mul after the conv), nearest upsampling, 5x5 kernels, dropout, 4 classes, 2 poolings', async () => {
    const model = trainedLike({ classes: 4, upsampling: 'nearest', poolings: 2, layersPerLevel: [1, 2, 2], kernelSize: 5, dropout: 0.1, baseFilters: 8 }, 2, true);
    const d = await compare(model, [1, 40, 56], 6);
    expect(d.frozen).toBeLessThan(1e-4);
    expect(d.trained).toBeLessThan(1e-4);
    model.dispose();
  });

  it('writes a ModelProto with opset 13, the named input and output and one initializer per weight', () => {
    const model = trainedLike({ classes: 3 }, 3);
    const frozen = freezeUNet(model);
    const bytes = exportOnnx(frozen.graph, '9.9.9');
    frozen.dispose();
    model.dispose();
    // decoded with a schema read independently of the exporter's: just the fields checked here
    const root = protobuf.Root.fromJSON({
      nested: {
        M: { fields: { producerVersion: { type: 'string', id: 3 }, opset: { rule: 'repeated', type: 'O', id: 8 }, graph: { type: 'G', id: 7 } } },
        O: { fields: { version: { type: 'int64', id: 2 } } },
        G: { fields: { node: { rule: 'repeated', type: 'N', id: 1 }, input: { rule: 'repeated', type: 'V', id: 11 }, output: { rule: 'repeated', type: 'V', id: 12 } } },
        N: { fields: { opType: { type: 'string', id: 4 } } },
        V: { fields: { name: { type: 'string', id: 1 } } },
      },
    });
    const m = root.lookupType('M').toObject(root.lookupType('M').decode(bytes), { longs: Number }) as {
      producerVersion: string; opset: Array<{ version: number }>; graph: { node: Array<{ opType: string }>; input: Array<{ name: string }>; output: Array<{ name: string }> };
    };
    expect(m.producerVersion).toBe('9.9.9');
    expect(m.opset[0].version).toBe(13);
    expect(m.graph.input.map((v) => v.name)).toEqual([ONNX_INPUT]);
    expect(m.graph.output.map((v) => v.name)).toEqual([ONNX_OUTPUT]);
    const ops = m.graph.node.map((n) => n.opType);
    // 13 conv blocks (conv + LeakyReLU, batch-norm shift), 3 1x1 convs moved before their upsampling, the final 1x1 conv
    expect(ops.filter((o) => o === 'Conv').length).toBe(17);
    expect(ops.filter((o) => o === 'Resize').length).toBe(3);
    expect(ops.filter((o) => o === 'MaxPool').length).toBe(3);
    expect(ops.at(-1)).toBe('Transpose');
  });

  it('names the node when a graph reads a value not computed before it', () => {
    expect(() => exportOnnx({ input: 'in', output: 'b', nodes: [{ name: 'b', inputs: ['a'], spec: { op: 'softmax' } }] })).toThrow(AtomdynError);
    expect(() => exportOnnx({ input: 'in', output: 'b', nodes: [{ name: 'b', inputs: ['a'], spec: { op: 'softmax' } }] })).toThrow(/node b reads a/);
  });
});

describe('onnxruntime segmenter', () => {
  it('createSegmenter picks onnxruntime on the onnxruntime backend; the shipped graphene-si: probabilities to 1e-4 and the same atoms as tfjs', async () => {
    const { model, card } = await loadModelByName('graphene-si');
    const px = 7.8125, size = 256;
    const sim = simulateImage({
      frame: { width: size, height: size, pixelSizePm: px },
      imaging: GRAPHENE_PRESET.imaging,
      specimen: { lattice: 'graphene', configurations: ['si-c3', 'si-c4'], configurationCount: 2 },
      seed: 4242,
    });
    const viaOnnx = createSegmenter(model, card);
    const viaTf = tfSegmenter(model, card);
    const a = await locateFrame(viaTf, sim.image, size, size, { inputPixelSizePm: px });
    const b = await locateFrame(viaOnnx, sim.image, size, size, { inputPixelSizePm: px });
    // the same function as onnxSegmenter: a second one made directly
    const direct = onnxSegmenter(model, card, ort, { threads: 2 });
    const c = await locateFrame(direct, sim.image, size, size, { inputPixelSizePm: px });
    for (const s of [viaOnnx, viaTf, direct]) s.dispose!();
    model.dispose();
    expect(maxAbsDiff(a.probabilities, b.probabilities)).toBeLessThan(1e-4);
    expect(maxAbsDiff(b.probabilities, c.probabilities)).toBeLessThan(1e-5);
    expect(a.atoms.length).toBeGreaterThan(100);
    expect(b.atoms.length).toBe(a.atoms.length);
    for (let i = 0; i < a.atoms.length; i++) {
      expect(b.atoms[i].species).toBe(a.atoms[i].species);
      expect(Math.abs(b.atoms[i].x - a.atoms[i].x)).toBeLessThan(5e-4);
      expect(Math.abs(b.atoms[i].y - a.atoms[i].y)).toBeLessThan(5e-4);
      expect(Math.abs(b.atoms[i].confidence - a.atoms[i].confidence)).toBeLessThan(1e-4);
    }
  });

  it('locate --backend onnxruntime writes the atoms.csv of --backend wasm (the same rows; numbers at most one unit of their last digit apart)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-onnx-'));
    const movie = path.join(dir, 'movie.tif');
    await writeGrapheneMovie(movie, [11, 12], 192, 7.8125);
    const run = async (backend: string) => {
      await runLocate(movie, { out: path.join(dir, backend), model: 'graphene-si', backend, workers: '0' }, ['locate']);
      const run = JSON.parse(readFileSync(path.join(dir, backend, 'run.json'), 'utf8'));
      expect(run.backend).toBe(backend);
      return readFileSync(path.join(dir, backend, 'atoms.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    };
    const wasm = await run('wasm');
    const onnx = await run('onnxruntime');
    await initBackend('onnxruntime'); // back to this file's backend
    expect(onnx.length).toBe(wasm.length);
    expect(wasm.length).toBeGreaterThan(100);
    expect(onnx[0]).toEqual(wasm[0]);
    let differing = 0;
    for (let i = 1; i < wasm.length; i++) {
      for (let j = 0; j < wasm[i].length; j++) {
        if (onnx[i][j] === wasm[i][j]) continue;
        differing++;
        const decimals = (wasm[i][j].split('.')[1] ?? '').length;
        expect(Math.abs(Number(onnx[i][j]) - Number(wasm[i][j]))).toBeLessThanOrEqual(1.0001 * 10 ** -decimals);
      }
    }
    // rounding boundaries only: a few cells in a thousand
    expect(differing).toBeLessThan(0.01 * wasm.length);
  });
});
