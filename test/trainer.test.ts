import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { tf, initBackend } from '../models/tensorBackend.ts';
import { SegmenterTrainer, mixSeed, type TrainerOptions } from '../training/trainer.ts';
import { validateModelCard } from '../models/modelCard.ts';
import { loadModel, saveModel } from '../models/modelIO.ts';
import type { SampleSource } from '../training/sampleSource.ts';
import { createSyntheticSource } from '../training/simulator/syntheticSource.ts';

let tmp: string;
beforeAll(async () => {
  await initBackend('wasm');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-trainer-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const spec: TrainerOptions['spec'] = {
  name: 'tiny', description: 'test', lattice: { name: 'graphene', latticeConstantPm: 246, pointGroup: '6/mmm', bondLengthsPm: { 'C-C': 142, 'C-Si': 175 } },
};
const tiny = (extra: Partial<TrainerOptions> = {}) => new SegmenterTrainer({
  createSource: async (_purpose, seed) => createSyntheticSource({ size: 24, seed }),
  spec,
  steps: 4, batchSize: 2, patch: 16, learningRate: 1e-2, validationImages: 2,
  unet: { baseFilters: 2, poolings: 2, layersPerLevel: [1, 1, 1] },
  ...extra,
});

describe('SegmenterTrainer', () => {
  it('trains a few steps and returns a model with a valid card and validation figures', async () => {
    const before = tf.memory().numTensors;
    const r = await tiny({ steps: 8, command: ['train', '--steps', '8'] }).fit();
    expect(r.history).toHaveLength(8);
    expect(r.history.every(Number.isFinite)).toBe(true);
    expect((r.history[6] + r.history[7]) / 2).toBeLessThan(r.history[0]);
    const card = validateModelCard(JSON.parse(JSON.stringify(r.card)));
    expect(card.classes).toEqual(['background', 'C', 'Si']);
    expect(card.training).toMatchObject({ steps: 8, batchSize: 2, patch: 16, backend: 'wasm', command: ['train', '--steps', '8'] });
    expect(card.validation?.images).toBe(2);
    expect(card.validation?.matchRadiusPm).toBe(71);
    expect(Object.keys(card.validation!.perSpecies)).toEqual(['C', 'Si']);
    expect(card.architecture.parameters).toBeGreaterThan(0);
    expect(card.pixelSizePm).toBeCloseTo(142 / 6, 10);
    const out = r.model.predict(tf.zeros([1, 16, 16, 1])) as tf.Tensor;
    expect(out.shape).toEqual([1, 16, 16, 3]);
    out.dispose();
    r.model.dispose();
    // no tensors left behind but the (disposed) model's
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 1);
  });

  it('is deterministic for a seed', async () => {
    const a = await tiny({ steps: 2, validationImages: 0 }).fit();
    const b = await tiny({ steps: 2, validationImages: 0 }).fit();
    const c = await tiny({ steps: 2, validationImages: 0, seed: 2 }).fit();
    expect(b.history).toEqual(a.history);
    expect(c.history).not.toEqual(a.history);
    [a, b, c].forEach((r) => r.model.dispose());
  });

  it('checkpoints and resumes with the optimizer state', async () => {
    const dir = path.join(tmp, 'ckpt');
    const first = await tiny({ steps: 2, checkpointDir: dir, checkpointEvery: 1 }).fit();
    for (const f of ['model.json', 'card.json', 'optimizer.json', 'state.json']) expect(existsSync(path.join(dir, f))).toBe(true);
    expect((await loadModel(dir)).card.training.steps).toBe(2);
    const second = await tiny({ steps: 4, checkpointDir: dir, resume: true }).fit();
    expect(second.resumedFrom).toBe(2);
    expect(second.history).toHaveLength(4);
    expect(second.history.slice(0, 2)).toEqual(first.history);
    expect(second.card.training.steps).toBe(4);
    const reloaded = await loadModel(dir);
    expect(reloaded.card.training.steps).toBe(4);
    [first.model, second.model, reloaded.model].forEach((m) => m.dispose());
    expect(() => tiny({ resume: true })).toThrow(/^resume: needs a checkpoint folder/);
  });

  it('fine-tunes from a saved model (--init): starts from its weights, records it, resumes, refuses another architecture', async () => {
    const baseDir = path.join(tmp, 'init-base');
    const base = await tiny({ steps: 3, validationImages: 0 }).fit();
    await saveModel(base.model, baseDir, base.card);
    const weightFile = readdirSync(baseDir).find((f) => /^weights\..*\.bin$/.test(f))!;
    const sha = createHash('sha256').update(readFileSync(path.join(baseDir, weightFile))).digest('hex');
    // a learning rate of 1e-30 leaves the trainable weights where they started: the base model's, not a fresh
    // initialisation's (batch-norm moving statistics move with any training step, so they are not compared)
    const tuned = await tiny({ steps: 1, learningRate: 1e-30, validationImages: 0, initFrom: baseDir }).fit();
    const scratch = await tiny({ steps: 1, learningRate: 1e-30, validationImages: 0 }).fit();
    const maxDiff = (a: tf.LayersModel, b: tf.LayersModel) =>
      Math.max(...a.trainableWeights.map((w, i) => tf.tidy(() => tf.max(tf.abs(tf.sub(w.read(), b.trainableWeights[i].read()))).dataSync()[0])));
    expect(maxDiff(tuned.model, base.model)).toBeLessThan(1e-6);
    expect(maxDiff(scratch.model, base.model)).toBeGreaterThan(1e-3);
    expect(tuned.card.training.initFrom).toEqual({ name: 'tiny', version: '1.0.0', dir: path.resolve(baseDir), weightsSha256: sha });
    expect(scratch.card.training.initFrom).toBeUndefined();
    expect(validateModelCard(JSON.parse(JSON.stringify(tuned.card))).training.initFrom?.weightsSha256).toBe(sha);
    // checkpoints and --resume work with it; the resumed card still names the starting model
    const dir = path.join(tmp, 'init-ckpt');
    const first = await tiny({ steps: 2, validationImages: 0, initFrom: baseDir, checkpointDir: dir, checkpointEvery: 1 }).fit();
    const second = await tiny({ steps: 4, validationImages: 0, initFrom: baseDir, checkpointDir: dir, resume: true }).fit();
    expect(second.resumedFrom).toBe(2);
    expect(second.history.slice(0, 2)).toEqual(first.history);
    expect(second.card.training.initFrom?.weightsSha256).toBe(sha);
    // another architecture is refused, naming the model folder
    await expect(tiny({ steps: 1, validationImages: 0, initFrom: baseDir, unet: { baseFilters: 3, poolings: 2, layersPerLevel: [1, 1, 1] } }).fit())
      .rejects.toThrow(new RegExp(`${path.resolve(baseDir).replace(/[/\\.-]/g, '.')}: cannot fine-tune from this model: its architecture`));
    await expect(tiny({ steps: 1, validationImages: 0, initFrom: path.join(tmp, 'nowhere') }).fit()).rejects.toThrow(/not a model folder/);
    [base, tuned, scratch, first, second].forEach((r) => r.model.dispose());
  });

  it('rejects samples without the rare species with the given probability', async () => {
    let produced = 0;
    const source = async (_p: string, seed: number): Promise<SampleSource> => {
      const inner = createSyntheticSource({ size: 24, seed, dopantFraction: 0.05 });
      return {
        ...inner,
        species: inner.species, elements: inner.elements, hasOther: false, pixelSizePm: inner.pixelSizePm,
        async next() {
          produced++;
          const s = await inner.next();
          // every other sample has no dopant at all
          if (produced % 2 === 0) s.atoms = s.atoms.map((a) => ({ ...a, species: 'C' }));
          else s.atoms[0] = { ...s.atoms[0], species: 'Si' };
          return s;
        },
      };
    };
    produced = 0;
    const plain = await tiny({ createSource: source, steps: 3, rareRejectProbability: 0, validationImages: 0 }).fit();
    const plainCount = produced;
    produced = 0;
    const enriched = await tiny({ createSource: source, steps: 3, rareRejectProbability: 0.99, validationImages: 0 }).fit();
    expect(plainCount).toBe(6);
    expect(produced).toBeGreaterThanOrEqual(10);
    [plain, enriched].forEach((r) => r.model.dispose());
  });

  it('rejects bad settings with the flag named', () => {
    expect(() => tiny({ patch: 18 })).toThrow(/^patch: must be divisible by 4/);
    expect(() => tiny({ steps: 0 })).toThrow(/^steps: /);
    expect(mixSeed(1, 2)).not.toBe(mixSeed(1, 3));
  });
});
