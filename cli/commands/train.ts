/**
 * `atomdyn train --lattice graphene|mx2 --out DIR [...]`: train the U-Net segmenter on simulated
 * images (training/simulatedSource.ts, loaded on demand) and write DIR/model.json, DIR/weights.*.bin,
 * DIR/card.json and DIR/run.json; checkpoints go to DIR/checkpoint/ (`--resume` continues there).
 */
import type { Command } from 'commander';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { initBackend, type BackendChoice } from '../../models/tensorBackend.ts';
import { AtomdynError } from '../../data/errors.ts';
import { newRun, writeRun } from '../../data/runMetadata.ts';
import { saveModel } from '../../models/modelIO.ts';
import { SegmenterTrainer } from '../../training/trainer.ts';
import { LATTICE_PRESETS } from '../../training/segmenterSpecs.ts';
import type { SampleSource } from '../../training/sampleSource.ts';
import { terminalProgress } from '../progress.ts';
import { siblingModule } from '../../data/packagePaths.ts';

/** Options the simulator's factory receives. */
export interface SimulatedSourceRequest {
  lattice: 'graphene' | 'mx2';
  pixelSizePm: number;
  patch: number;
  seed: number;
  /** 'train' (on-the-fly stream) or 'validation' (held-out images). */
  purpose: 'train' | 'validation';
  /** Label contamination as the extra class 'other' (else it is background). */
  otherClass?: boolean;
  /** Training geometry: 'randomised' or 'fixed' (validation streams are always 'fixed'). */
  geometry?: 'fixed' | 'randomised';
}

/** The simulator module's factory. */
export type SimulatedSourceFactory = (options: SimulatedSourceRequest) => SampleSource | Promise<SampleSource>;

const here = path.dirname(fileURLToPath(import.meta.url));
/** Where the simulator lives (written by the simulator work). */
export const SIMULATOR_MODULE = fileURLToPath(siblingModule(import.meta.url, '../../training/simulatedSource'));

/**
 * Load `createSimulatedSource` from the simulator module.
 * @throws AtomdynError('--lattice', ...) when the module is missing or does not export it
 */
export async function loadSimulatedSourceFactory(modulePath = SIMULATOR_MODULE): Promise<SimulatedSourceFactory> {
  let mod: { createSimulatedSource?: SimulatedSourceFactory };
  try {
    mod = (await import(pathToFileURL(modulePath).href)) as typeof mod;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if ((err.code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module/.test(err.message)) && err.message.includes(path.basename(modulePath))) {
      throw new AtomdynError('--lattice', `the image simulator (${modulePath}) is not part of this installation; training needs it`);
    }
    throw e;
  }
  if (typeof mod.createSimulatedSource !== 'function') {
    throw new AtomdynError(modulePath, 'does not export createSimulatedSource(options)');
  }
  return mod.createSimulatedSource;
}

const int = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new AtomdynError(flag, `must be an integer, got '${v}'`);
  return n;
};
const num = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new AtomdynError(flag, `must be a positive number, got '${v}'`);
  return n;
};

/** Parse `--dose-range low,high` (e-/Å², 0 < low <= high). */
const doseRange = (v: string): [number, number] => {
  const parts = v.split(',').map((t) => Number(t.trim()));
  if (parts.length !== 2 || !parts.every((n) => Number.isFinite(n) && n > 0) || parts[0] > parts[1]) {
    throw new AtomdynError('--dose-range', `must be two doses in e-/Å², low,high with 0 < low <= high, got '${v}'`);
  }
  return [parts[0], parts[1]];
};

export function register(program: Command): void {
  program
    .command('train')
    .description('train the U-Net atom segmenter on simulated images and write model.json, weights, card.json and run.json')
    .requiredOption('--lattice <name>', 'graphene (classes C, Si) or mx2 (metal, chalcogen)')
    .requiredOption('--out <dir>', 'output folder for the model (checkpoints go to <dir>/checkpoint)')
    .option('--steps <n>', 'optimiser steps in total', int('--steps'), 2000)
    .option('--batch <n>', 'images per step', int('--batch'), 4)
    .option('--patch <px>', 'training patch side in model pixels (divisible by 8)', int('--patch'), 128)
    .option('--filters <n>', 'U-Net base filters (doubled at each of 3 poolings)', int('--filters'), 16)
    .option('--pixel-size <pm>', 'model pixel size in pm/px (default: 16 for graphene, 30 for mx2)', num('--pixel-size'))
    .option('--lr <rate>', 'Adam learning rate', num('--lr'), 1e-3)
    .option('--validation-images <n>', 'held-out simulated images for validation', int('--validation-images'), 32)
    .option('--checkpoint-every <n>', 'steps between checkpoints', int('--checkpoint-every'), 100)
    .option('--seed <n>', 'seed of every random step', int('--seed'), 1)
    .option('--resume', 'continue from <out>/checkpoint when it exists')
    .option('--init <dir>', 'fine-tune: start from the weights of this model folder (same classes, pixel size and --filters), recorded in the card as training.initFrom')
    .option('--other-class', "add the class 'other' for bright contamination (else contamination is labelled background)")
    .option('--geometry <mode>', "training geometry: randomised (graphene: per-defect Si-C distances, strain, edges, displaced columns, LibraryNet clusters, acquisition pixel sizes 3.5-20 pm; mx2: per-image vacancies and dopants, strain, slow distortion, displaced columns, torn rows, acquisition pixel sizes 8-40 pm, the shared files' imaging) or fixed (graphene-si 1.x, mx2 1.0); validation is always fixed", 'randomised')
    .option('--dose-range <low,high>', 'training dose range in e-/Å², drawn log-uniformly per image (default: 4e5,1e7 for graphene, 1.5e4,5e5 for mx2); recorded in the card', doseRange)
    .option('--model-version <semver>', "version written to the card (e.g. 2.1.0 for a fine-tuned model)", '1.0.0')
    .option('--backend <name>', 'tensor backend: auto (ATOMDYN_BACKEND where set, else the first that works), tensorflow, onnxruntime (training itself runs on wasm), wasm, cpu', 'auto')
    .addHelpText('after', '\nExample:\n  atomdyn train --lattice graphene --out models/pretrained/graphene-si --steps 3000 --filters 16\n')
    .action(async (opts: {
      lattice: string; out: string; steps: number; batch: number; patch: number; filters: number; pixelSize?: number;
      lr: number; validationImages: number; checkpointEvery: number; seed: number; resume?: boolean; init?: string; geometry: string; otherClass?: boolean; backend: string; doseRange?: [number, number]; modelVersion: string;
    }) => {
      if (opts.lattice !== 'graphene' && opts.lattice !== 'mx2') throw new AtomdynError('--lattice', `must be graphene or mx2, got '${opts.lattice}'`);
      const lattice = opts.lattice;
      const preset = LATTICE_PRESETS[lattice];
      if (opts.patch % 8 !== 0 || opts.patch < 8) throw new AtomdynError('--patch', `must be a positive multiple of 8, got ${opts.patch}`);
      if (opts.filters < 1) throw new AtomdynError('--filters', `must be >= 1, got ${opts.filters}`);
      const pixelSizePm = opts.pixelSize ?? preset.pixelSizePm;
      if (opts.geometry !== 'randomised' && opts.geometry !== 'fixed') throw new AtomdynError('--geometry', `must be randomised or fixed, got '${opts.geometry}'`);
      const geometry = opts.geometry;
      if (!/^\d+\.\d+\.\d+$/.test(opts.modelVersion)) throw new AtomdynError('--model-version', `must be a version like 2.1.0, got '${opts.modelVersion}'`);
      const dose = opts.doseRange ? { doseRange: opts.doseRange } : {};
      const backend = await initBackend(opts.backend as BackendChoice);
      const factory = await loadSimulatedSourceFactory();
      const command = process.argv.slice(2);
      const outDir = path.resolve(opts.out);
      const trainer = new SegmenterTrainer({
        createSource: async (purpose, seed) => factory({ lattice, pixelSizePm, patch: opts.patch, seed, purpose, otherClass: !!opts.otherClass, geometry: purpose === 'train' ? geometry : 'fixed', ...(purpose === 'train' ? dose : {}) }),
        spec: { ...preset.spec, version: opts.modelVersion },
        steps: opts.steps,
        batchSize: opts.batch,
        patch: opts.patch,
        learningRate: opts.lr,
        unet: { baseFilters: opts.filters },
        validationImages: opts.validationImages,
        checkpointDir: path.join(outDir, 'checkpoint'),
        checkpointEvery: opts.checkpointEvery,
        resume: Boolean(opts.resume),
        ...(opts.init ? { initFrom: path.resolve(opts.init) } : {}),
        seed: opts.seed,
        command,
        dataRecipe: { simulator: 'training/simulatedSource.ts createSimulatedSource', lattice, pixelSizePm, patch: opts.patch, otherClass: !!opts.otherClass, geometry, validationGeometry: 'fixed', ...(opts.doseRange ? { doseRangeEPerA2: opts.doseRange } : {}) },
        progress: terminalProgress(),
      });
      const fitted = await trainer.fit();
      await saveModel(fitted.model, outDir, fitted.card);
      const run = newRun('train', command);
      run.lattice = lattice;
      run.model = { name: fitted.card.name, card: fitted.card };
      run.species = Object.fromEntries(fitted.card.species.map((s) => [s.name, s.element]));
      run.pixelSizePm = { value: pixelSizePm, origin: opts.pixelSize ? 'command-line' : 'lattice' };
      run.backend = backend.tensors; // training runs on tfjs whatever runs inference
      run.seed = opts.seed;
      run.parameters = { steps: opts.steps, batch: opts.batch, patch: opts.patch, filters: opts.filters, lr: opts.lr, resumedFrom: fitted.resumedFrom, init: opts.init ? path.resolve(opts.init) : null };
      run.outputs = [...(await readdir(outDir)).filter((f) => f === 'model.json' || f === 'card.json' || /^weights\..*\.bin$/.test(f)).sort(), 'checkpoint/'];
      await writeRun(outDir, run);
      const v = fitted.card.validation;
      process.stdout.write(`model written to ${outDir} (${fitted.card.training.trainingTimeS} s, ${fitted.card.training.imagesPerSecond} images/s)\n`);
      if (v) {
        process.stdout.write(`validation on ${v.images} held-out images: F1 ${v.overall.f1.toFixed(4)}` +
          Object.entries(v.perSpecies).map(([s, r]) => `; ${s} precision ${r.precision.toFixed(4)} recall ${r.recall.toFixed(4)}`).join('') + '\n');
      }
      fitted.model.dispose();
    });
}
