import { describe, expect, it, beforeAll } from 'vitest';
import { tf, initBackend } from '../models/tensorBackend.ts';
import { buildUNet, type UNetOptions } from '../models/unet.ts';
import { freezeUNet } from '../models/inferenceGraph.ts';
import { loadModelByName } from '../models/registry.ts';
import { tfSegmenter } from '../inference/segmenter.ts';
import { locateFrame } from '../inference/locateFrame.ts';
import { simulateImage } from '../training/simulator/simulateImage.ts';
import { GRAPHENE_PRESET } from '../training/simulator/imagingPresets.ts';
import { AtomdynError } from '../data/errors.ts';
import { Random } from '../data/random.ts';

/** A U-Net whose batch norms have non-trivial statistics (as after training); `negativeGamma` flips some scales. */
function trainedLike(options: Partial<UNetOptions>, seed: number, negativeGamma = false): tf.LayersModel {
  const model = buildUNet(options);
  const rng = new Random(seed);
  for (const l of model.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    const c = (l.getWeights()[0].shape as number[])[0];
    const vec = (f: () => number) => tf.tensor1d(Array.from({ length: c }, f));
    const gamma = vec(() => (negativeGamma && rng.uniform() < 0.3 ? -1 : 1) * (0.5 + rng.uniform()));
    const beta = vec(() => rng.uniform() - 0.5);
    const mean = vec(() => 0.3 * (rng.uniform() - 0.5));
    const variance = vec(() => 0.2 + 2 * rng.uniform());
    l.setWeights([gamma, beta, mean, variance]);
    tf.dispose([gamma, beta, mean, variance]);
  }
  return model;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function compare(model: tf.LayersModel, shape: [number, number, number, number], seed: number): Promise<number> {
  const x = tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor4D;
  const frozen = freezeUNet(model);
  const ref = model.predict(x) as tf.Tensor;
  const got = frozen.predict(x);
  expect(got.shape).toEqual(ref.shape);
  const d = maxAbsDiff((await ref.data()) as Float32Array, (await got.data()) as Float32Array);
  tf.dispose([x, ref, got]);
  frozen.dispose();
  return d;
}

describe('frozen inference graph (batch norm folded)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('gives the class probabilities of model.predict to 1e-4 (AtomAI defaults, batch of 2, non-square)', async () => {
    const model = trainedLike({ classes: 3 }, 1);
    const frozen = freezeUNet(model);
    // 13 conv layers with LeakyReLU + BatchNorm: 1+2+2+3 encoder/bottleneck, 2+2+1 decoder
    expect(frozen.folded).toEqual({ batchNorms: 13, activations: 13, swappedUpsamplings: 3 });
    frozen.dispose();
    expect(await compare(model, [2, 64, 48, 1], 5)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('is exact with negative batch-norm scales, dropout, nearest upsampling and 4 classes', async () => {
    const model = trainedLike({ baseFilters: 8, classes: 4, dropout: 0.3, upsampling: 'nearest', layersPerLevel: [2, 1, 1, 2] }, 2, true);
    expect(await compare(model, [1, 40, 56, 1], 6)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('handles a network without batch norm (only the activation is fused)', async () => {
    const model = buildUNet({ baseFilters: 4, batchNorm: false, poolings: 2, layersPerLevel: [1, 1, 1] });
    const frozen = freezeUNet(model);
    // one conv per level: enc0, enc1, bottleneck, dec1, dec0
    expect(frozen.folded).toEqual({ batchNorms: 0, activations: 5, swappedUpsamplings: 2 });
    frozen.dispose();
    expect(await compare(model, [1, 32, 32, 1], 7)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('frees everything it made: no tensor left after predict + dispose', async () => {
    const model = trainedLike({ baseFilters: 4, classes: 3 }, 3);
    const before = tf.memory().numTensors;
    const frozen = freezeUNet(model);
    const x = tf.zeros([1, 16, 16, 1]) as tf.Tensor4D;
    const y = frozen.predict(x);
    tf.dispose([x, y]);
    frozen.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('refuses a layer it does not implement with an AtomdynError', () => {
    const input = tf.input({ shape: [null, null, 1] });
    const out = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'tanh' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    expect(() => freezeUNet(model)).toThrow(AtomdynError);
    model.dispose();
  });

  it('the shipped graphene-si model: probabilities to 1e-4 and the same atoms as the unfolded model', async () => {
    const { model, card } = await loadModelByName('graphene-si');
    const px = 7.8125, size = 256;
    const sim = simulateImage({
      frame: { width: size, height: size, pixelSizePm: px },
      imaging: GRAPHENE_PRESET.imaging,
      specimen: { lattice: 'graphene', configurations: ['si-c3', 'si-c4'], configurationCount: 2 },
      seed: 4242,
    });
    const plain = tfSegmenter(model, card, { frozen: false });
    const folded = tfSegmenter(model, card);
    const a = await locateFrame(plain, sim.image, size, size, { inputPixelSizePm: px });
    const b = await locateFrame(folded, sim.image, size, size, { inputPixelSizePm: px });
    folded.dispose!();
    model.dispose();
    expect(maxAbsDiff(a.probabilities, b.probabilities)).toBeLessThan(1e-4);
    expect(a.atoms.length).toBeGreaterThan(100);
    expect(b.atoms.length).toBe(a.atoms.length);
    // atoms.csv writes positions to 0.001 px and confidences to 0.001 (docs/schema.md)
    for (let i = 0; i < a.atoms.length; i++) {
      expect(b.atoms[i].species).toBe(a.atoms[i].species);
      expect(Math.abs(b.atoms[i].x - a.atoms[i].x)).toBeLessThan(5e-4);
      expect(Math.abs(b.atoms[i].y - a.atoms[i].y)).toBeLessThan(5e-4);
      expect(Math.abs(b.atoms[i].confidence - a.atoms[i].confidence)).toBeLessThan(1e-4);
    }
  });
});
