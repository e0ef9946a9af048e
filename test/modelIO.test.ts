import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, readdirSync, readFileSync, writeFileSync, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf, initBackend } from '../models/tensorBackend.ts';
import { buildUNet } from '../models/unet.ts';
import { loadModel, saveModel, saveOptimizerState, loadOptimizerState, modelWeightsSha256 } from '../models/modelIO.ts';
import { resolveModelPath, loadModelByName, PRETRAINED_DIR } from '../models/registry.ts';
import { validateModelCard, bondLengthPm, matchRadiusPm } from '../models/modelCard.ts';
import { AtomdynError } from '../data/errors.ts';
import { exampleCard } from './helpers/card.ts';

let tmp: string;
beforeAll(async () => {
  await initBackend('wasm');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-modelio-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('model card', () => {
  it('accepts a complete card and looks up bond lengths either way round', () => {
    const c = validateModelCard(JSON.parse(JSON.stringify(exampleCard())));
    expect(bondLengthPm(c, 'Si', 'C')).toBe(175);
    expect(bondLengthPm(c, 'Si', 'Si')).toBeNull();
    expect(matchRadiusPm(c)).toBe(71);
  });

  it('names the first bad field', () => {
    expect(() => validateModelCard({ ...exampleCard(), pixelSizePm: -1 }, 'x/card.json')).toThrow(/x\/card\.json: model card field 'pixelSizePm' must be a positive number/);
    expect(() => validateModelCard({ ...exampleCard(), classes: ['background', 'C'] })).toThrow(/'classes'/);
    const bad = exampleCard();
    bad.lattice = { ...bad.lattice, bondLengthsPm: { 'C-N': 140 } };
    expect(() => validateModelCard(bad)).toThrow(/bondLengthsPm\.C-N/);
    expect(() => validateModelCard({ ...exampleCard(), species: [{ name: 'C', element: 'C', atomsPerColumn: 0 }] })).toThrow(/atomsPerColumn/);
    expect(() => validateModelCard(null)).toThrow(AtomdynError);
  });
});

describe('model save/load', () => {
  it('round-trips: same predictions and card after load', async () => {
    const model = buildUNet({ baseFilters: 4, poolings: 2, layersPerLevel: [1, 1, 1], seed: 3 });
    // move batch-norm statistics away from their initial values so they are tested too
    const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 9);
    const opt = tf.train.adam(0.01);
    for (let i = 0; i < 2; i++) {
      const l = opt.minimize(() => (model.apply(x, { training: true }) as tf.Tensor).square().mean() as tf.Scalar, true);
      l?.dispose();
    }
    const dir = path.join(tmp, 'm1');
    const card = exampleCard();
    await saveModel(model, dir, card);
    const files = readdirSync(dir).sort();
    expect(files.filter((f) => /^weights\.[0-9a-f]{16}\.bin$/.test(f))).toHaveLength(1);
    expect(files).toEqual(expect.arrayContaining(['card.json', 'model.json']));
    expect(files.some((f) => f.endsWith('.tmp'))).toBe(false);

    const loaded = await loadModel(dir);
    expect(loaded.card).toEqual(card);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.model.predict(x) as tf.Tensor;
    expect(tf.sub(a, b).abs().max().dataSync()[0]).toBe(0);
    expect(loaded.model.getWeights().length).toBe(model.getWeights().length);

    // a second save with new weights replaces the weights file and keeps one
    const l = opt.minimize(() => (model.apply(x, { training: true }) as tf.Tensor).square().mean() as tf.Scalar, true);
    l?.dispose();
    await saveModel(model, dir, card);
    expect(readdirSync(dir).filter((f) => f.startsWith('weights.'))).toHaveLength(1);
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.model.dispose();
    opt.dispose();
  });

  it('restores Adam state so a resumed step equals an uninterrupted one', async () => {
    const make = () => buildUNet({ baseFilters: 2, poolings: 1, layersPerLevel: [1, 1], batchNorm: false, seed: 4 });
    const x = tf.randomNormal([1, 8, 8, 1], 0, 1, 'float32', 2);
    const step = (m: tf.LayersModel, o: tf.Optimizer) => {
      const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => (m.apply(x) as tf.Tensor).sub(0.3).square().mean() as tf.Scalar, vars);
      o.applyGradients(grads);
      tf.dispose([value, ...Object.values(grads)]);
    };
    const m1 = make(), o1 = tf.train.adam(0.05);
    step(m1, o1); step(m1, o1);
    const dir = path.join(tmp, 'opt');
    await saveModel(m1, dir, exampleCard());
    await saveOptimizerState(o1, dir);
    step(m1, o1);
    const { model: m2 } = await loadModel(dir);
    const o2 = tf.train.adam(0.05);
    expect(await loadOptimizerState(o2, dir)).toBe(true);
    step(m2, o2);
    const w1 = m1.getWeights().map((t) => Array.from(t.dataSync()));
    const w2 = m2.getWeights().map((t) => Array.from(t.dataSync()));
    for (let i = 0; i < w1.length; i++) for (let j = 0; j < w1[i].length; j++) expect(w2[i][j]).toBeCloseTo(w1[i][j], 6);
    // a fresh optimizer would have taken a different (larger, bias-corrected first) step
    expect(await loadOptimizerState(tf.train.adam(0.05), path.join(tmp, 'nothing-here'))).toBe(false);
    await expect(loadOptimizerState(tf.train.sgd(0.1), dir)).rejects.toThrow(/Adam/);
    tf.dispose(x);
    [m1, m2].forEach((m) => m.dispose());
  });

  it('gives clear errors for missing, truncated or mismatched files', async () => {
    const model = buildUNet({ baseFilters: 2, poolings: 1, layersPerLevel: [1, 1], seed: 5 });
    const dir = path.join(tmp, 'bad');
    await saveModel(model, dir, exampleCard());
    const wfile = readdirSync(dir).find((f) => f.startsWith('weights.'))!;
    truncateSync(path.join(dir, wfile), 10);
    await expect(loadModel(dir)).rejects.toThrow(/truncated or mismatched weights/);
    await saveModel(model, dir, exampleCard());
    const card = JSON.parse(readFileSync(path.join(dir, 'card.json'), 'utf8'));
    card.description = 'edited by hand';
    writeFileSync(path.join(dir, 'card.json'), JSON.stringify(card));
    await expect(loadModel(dir)).rejects.toThrow(/does not belong to model\.json/);
    await saveModel(model, dir, exampleCard({ classes: ['background', 'C', 'Si', 'other'], hasOther: true }));
    await expect(loadModel(dir)).rejects.toThrow(/4 classes but the model outputs 3/);
    await expect(loadModel(path.join(tmp, 'none'))).rejects.toThrow(/model\.json is missing/);
    await expect(saveModel(model, dir, exampleCard({ pixelSizePm: 0 }))).rejects.toThrow(/pixelSizePm/);
    model.dispose();
  });
});

describe('model registry', () => {
  it('resolves paths and names, and says how to get a missing shipped model', async () => {
    const model = buildUNet({ baseFilters: 2, poolings: 1, layersPerLevel: [1, 1], seed: 6 });
    const dir = path.join(tmp, 'reg');
    await saveModel(model, dir, exampleCard());
    expect(resolveModelPath(dir)).toBe(dir);
    expect(resolveModelPath(path.join(dir, 'model.json'))).toBe(dir);
    const loaded = await loadModelByName(dir);
    expect(loaded.card.name).toBe('test-graphene-si');
    loaded.model.dispose();
    model.dispose();
    expect(() => resolveModelPath('no-such-model')).toThrow(/^model: no model named 'no-such-model'.*graphene-si, graphene-si-v1, graphene-si-v2, mx2/);
    expect(() => resolveModelPath(tmp)).toThrow(/model\.json is missing/);
    let err: unknown;
    try {
      resolveModelPath('mx2');
    } catch (e) {
      err = e;
    }
    // either installed (then it resolves inside models/pretrained) or a clear message how to train it
    if (err) expect(String((err as Error).message)).toMatch(/atomdyn train --lattice mx2/);
    else expect(resolveModelPath('mx2')).toBe(path.join(PRETRAINED_DIR, 'mx2'));
  });

  it('keeps graphene-si 1.x reachable as graphene-si-v1 (trained on the fixed geometry), beside the default graphene-si', async () => {
    expect(resolveModelPath('graphene-si-v1')).toBe(path.join(PRETRAINED_DIR, 'graphene-si-v1'));
    const v1 = await loadModelByName('graphene-si-v1');
    expect(v1.card.name).toBe('graphene-si');
    expect(v1.card.version).toMatch(/^1\./);
    expect(v1.card.training.dataRecipe.geometry ?? 'fixed').toBe('fixed');
    const current = await loadModelByName('graphene-si');
    expect(current.card.classes).toEqual(v1.card.classes);
    expect(current.card.pixelSizePm).toBe(v1.card.pixelSizePm);
    v1.model.dispose();
    current.model.dispose();
  });

  it('keeps graphene-si 2.0 reachable as graphene-si-v2; the default 2.1 is fine-tuned from its exact weights at lower doses', async () => {
    const v2 = await loadModelByName('graphene-si-v2');
    expect(v2.card.version).toBe('2.0.0');
    expect(v2.card.training.dataRecipe.geometry).toBe('randomised');
    const current = await loadModelByName('graphene-si');
    expect(current.card.version).toBe('2.1.0');
    const init = current.card.training.initFrom as { version: string; weightsSha256: string };
    expect(init.version).toBe('2.0.0');
    expect(init.weightsSha256).toBe(await modelWeightsSha256(path.join(PRETRAINED_DIR, 'graphene-si-v2')));
    expect(current.card.training.dataRecipe.doseRangeEPerA2).toEqual([1e5, 4e6]);
    v2.model.dispose();
    current.model.dispose();
  });
});
