import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, onnxRuntime, tf } from '../models/tensorBackend.ts';
import { buildUNet } from '../models/unet.ts';
import { loadModel, saveModel, writeModelOnnx } from '../models/modelIO.ts';
import { onnxFileName, readModelOnnx } from '../models/onnxFile.ts';
import { onnxRuntimeWithoutTfjs } from '../models/inferenceBackend.ts';
import { ONNX_INPUT, ONNX_OUTPUT } from '../models/onnxRuntime.ts';
import { PRETRAINED_DIR } from '../models/registry.ts';
import { onnxBytes } from '../models/inferenceGraph.ts';
import { runLocate } from '../cli/commands/locate.ts';
import { writeGrapheneMovie } from './helpers/grapheneMovie.ts';
import { AtomdynError } from '../data/errors.ts';
import { exampleCard } from './helpers/card.ts';

// The network's ONNX export kept in the model folder (models/onnxFile.ts), which inference on
// onnxruntime-node runs without loading tfjs (models/inferenceBackend.ts, inference/locate.ts).

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let tmp: string;
beforeAll(async () => {
  const info = await initBackend('onnxruntime'); // the shipped exports were written with tensors on wasm
  expect(info.tensors).toBe('wasm');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-onnxfile-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const onnxFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort();

describe('the ONNX export beside a model', () => {
  it('every shipped model holds the export of its current model.json, byte for byte what the exporter writes now', async () => {
    const names = readdirSync(PRETRAINED_DIR).filter((d) => existsSync(path.join(PRETRAINED_DIR, d, 'model.json')));
    expect(names.length).toBeGreaterThanOrEqual(2);
    for (const name of names) {
      const dir = path.join(PRETRAINED_DIR, name);
      const shipped = await readModelOnnx(dir);
      expect(shipped, `${name}: no network.<key>.onnx for its model.json; run npm run export-onnx -- ${dir}`).not.toBeNull();
      expect(onnxFiles(dir)).toEqual([path.basename(shipped!.file)]); // no stale export beside it
      const { model, card } = await loadModel(dir);
      try {
        expect(shipped!.card).toEqual(card);
        const fresh = onnxBytes(model, card);
        expect(Buffer.from(shipped!.bytes).equals(Buffer.from(fresh)), `${name}: the shipped export differs from a fresh one; run npm run export-onnx -- ${dir}`).toBe(true);
      } finally {
        model.dispose();
      }
    }
  });

  it('saveModel writes it under a key of model.json; new weights or a new card replace it; an edited model.json finds none', async () => {
    const dir = path.join(tmp, 'saved');
    const model = buildUNet({ baseFilters: 4, poolings: 2, layersPerLevel: [1, 1, 1], seed: 3 });
    const card = exampleCard();
    await saveModel(model, dir, card);
    const first = onnxFiles(dir);
    expect(first).toEqual([onnxFileName(readFileSync(path.join(dir, 'model.json')))]);
    const read = await readModelOnnx(dir);
    expect(read!.card).toEqual(card);
    // the export runs on onnxruntime and gives the tfjs model's probabilities
    const ort = onnxRuntime()!;
    const x = tf.randomNormal([1, 32, 32, 1], 0, 1, 'float32', 3);
    const session = await ort.InferenceSession.create(read!.bytes);
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', (await x.data()) as Float32Array, [1, 1, 32, 32]) });
    await session.release();
    const want = (await (model.predict(x) as tf.Tensor).data()) as Float32Array;
    const got = out[ONNX_OUTPUT].data as Float32Array;
    expect(got.length).toBe(want.length);
    let d = 0;
    for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
    expect(d).toBeLessThan(1e-4);
    // other weights: a new key, the old export removed
    model.setWeights(model.getWeights().map((w) => tf.mul(w, 0.5)));
    await saveModel(model, dir, card);
    const second = onnxFiles(dir);
    expect(second.length).toBe(1);
    expect(second[0]).not.toBe(first[0]);
    // another card (version): model.json records its hash, so the key changes too
    await saveModel(model, dir, { ...card, version: '9.9.9' });
    const third = onnxFiles(dir);
    expect(third.length).toBe(1);
    expect(third[0]).not.toBe(second[0]);
    // model.json edited by hand: its export is not found (the network is exported at run time instead)
    const mj = path.join(dir, 'model.json');
    writeFileSync(mj, readFileSync(mj, 'utf8') + '\n');
    expect(await readModelOnnx(dir)).toBeNull();
    // writeModelOnnx writes the export for the folder as it is now
    const written = await writeModelOnnx(dir);
    expect(onnxFiles(dir)).toEqual([path.basename(written)]);
    expect(await readModelOnnx(dir)).not.toBeNull();
    // a card from another save is refused, as loadModel refuses it
    const cardFile = path.join(dir, 'card.json');
    writeFileSync(cardFile, JSON.stringify({ ...card, version: '1.2.3' }));
    await expect(readModelOnnx(dir)).rejects.toThrow(/card\.json: this card does not belong to model\.json/);
    await expect(loadModel(dir)).rejects.toThrow(/card\.json: this card does not belong to model\.json/);
    model.dispose();
  });

  it('onnxruntime is chosen without tfjs for auto and onnxruntime only', async () => {
    expect(await onnxRuntimeWithoutTfjs('wasm')).toBeNull();
    expect(await onnxRuntimeWithoutTfjs('cpu')).toBeNull();
    expect(await onnxRuntimeWithoutTfjs('tensorflow')).toBeNull();
    expect(await onnxRuntimeWithoutTfjs('onnxruntime')).not.toBeNull();
    expect(await onnxRuntimeWithoutTfjs('auto')).not.toBeNull(); // no tfjs-node package on this machine
  });

  it('locate runs the shipped export and writes the atoms.csv of a run that exports the network itself', async () => {
    const movie = path.join(tmp, 'movie.tif');
    await writeGrapheneMovie(movie, [21, 22, 23], 160, 7.8125);
    // the same model without its export: locate loads it with tfjs and exports it at run time
    const bare = path.join(tmp, 'graphene-si-bare');
    cpSync(path.join(PRETRAINED_DIR, 'graphene-si'), bare, { recursive: true });
    for (const f of onnxFiles(bare)) rmSync(path.join(bare, f));
    const atoms = async (model: string, workers: string, out: string) => {
      await runLocate(movie, { out: path.join(tmp, out), model, backend: 'onnxruntime', workers }, ['locate']);
      expect(JSON.parse(readFileSync(path.join(tmp, out, 'run.json'), 'utf8')).backend).toBe('onnxruntime');
      return readFileSync(path.join(tmp, out, 'atoms.csv'), 'utf8');
    };
    const exported = await atoms(bare, '0', 'bare');
    expect(exported.trim().split('\n').length).toBeGreaterThan(100);
    expect(await atoms('graphene-si', '0', 'shipped')).toBe(exported);
    expect(await atoms('graphene-si', '2', 'shipped-workers')).toBe(exported);
  });
});

describe('no TensorFlow.js where inference needs none', () => {
  /** The packages reached from `file` through static imports (`import type` and dynamic imports excluded). */
  function staticPackages(file: string, seen = new Map<string, string[]>(), chain: string[] = []): Map<string, string[]> {
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?'([^']+)'/gm)) {
      const spec = m[1];
      const here = [...chain, path.relative(root, file)];
      if (spec.startsWith('.')) {
        const next = path.resolve(path.dirname(file), spec);
        if (!seen.has(next) && existsSync(next)) {
          seen.set(next, here);
          staticPackages(next, seen, here);
        }
      } else if (!seen.has(spec)) seen.set(spec, here);
    }
    return seen;
  }

  it('the commands analyze, locate, track, classify and report import tfjs only on demand', () => {
    for (const cmd of ['analyze', 'locate', 'track', 'classify', 'report']) {
      const reached = staticPackages(path.join(root, 'cli', 'commands', `${cmd}.ts`));
      const tf = [...reached.keys()].filter((k) => k.startsWith('@tensorflow/'));
      expect(tf.map((k) => `${k} via ${reached.get(k)!.join(' <- ')}`), cmd).toEqual([]);
      expect(reached.has('commander') || reached.size > 10, `${cmd}: the import walk found its modules`).toBe(true);
    }
    // the walk does find tfjs where it is imported statically
    expect([...staticPackages(path.join(root, 'models', 'modelIO.ts')).keys()]).toContain('@tensorflow/tfjs');
  });

  it('a bad model folder still gets its one-line error on this path', async () => {
    const dir = path.join(tmp, 'broken');
    cpSync(path.join(PRETRAINED_DIR, 'graphene-si'), dir, { recursive: true });
    writeFileSync(path.join(dir, 'card.json'), '{ not json');
    await expect(readModelOnnx(dir)).rejects.toThrow(AtomdynError);
    await expect(readModelOnnx(dir)).rejects.toThrow(/card\.json: model card is not valid JSON/);
  });
});

describe('ATOMDYN_BACKEND', () => {
  it('replaces auto (not a named backend) and is checked', async () => {
    const { effectiveBackendChoice } = await import('../models/inferenceBackend.ts');
    const before = process.env.ATOMDYN_BACKEND;
    try {
      delete process.env.ATOMDYN_BACKEND;
      expect(effectiveBackendChoice()).toBe('auto');
      process.env.ATOMDYN_BACKEND = 'wasm';
      expect(effectiveBackendChoice('auto')).toBe('wasm');
      expect(effectiveBackendChoice(undefined)).toBe('wasm');
      expect(effectiveBackendChoice('onnxruntime')).toBe('onnxruntime');
      process.env.ATOMDYN_BACKEND = 'bogus';
      expect(() => effectiveBackendChoice('auto')).toThrow(/ATOMDYN_BACKEND: unknown backend 'bogus'/);
      // initBackend applies it to every call that asks for auto (train, info, the workers' tfjs path)
      await expect(initBackend('auto')).rejects.toThrow(/ATOMDYN_BACKEND: unknown backend 'bogus'/);
      await expect(initBackend()).rejects.toThrow(/ATOMDYN_BACKEND: unknown backend 'bogus'/);
    } finally {
      if (before === undefined) delete process.env.ATOMDYN_BACKEND;
      else process.env.ATOMDYN_BACKEND = before;
    }
  });
});
