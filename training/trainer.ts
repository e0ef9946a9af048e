/**
 * Training the U-Net segmenter on simulated images.
 *
 * `new SegmenterTrainer(options).fit()` (estimator style) returns the fitted model and its model
 * card. Each step draws `batchSize` samples from a training SampleSource (simulated on the fly,
 * e.g. in a worker thread: the next batch is requested before the current step runs, so simulation
 * overlaps the network), augments and normalises them (training/augment.ts), and takes one Adam
 * step on class-weighted cross-entropy + soft Dice (training/losses.ts).
 *
 * - Dopant-enriched sampling: a sample with no atom of any species after the first (the rare ones,
 *   e.g. Si in graphene; MX2 samples always have both) is rejected with probability
 *   `rareRejectProbability` (at most 20 rejections in a row).
 * - Validation: `validationImages` held-out images from a separately seeded source, central
 *   patches without augmentation; atoms are found with inference/blobs.ts and matched to the true
 *   atoms within half the shortest bond length (evaluation/matchAtoms.ts); precision/recall/F1
 *   overall and per species, and the mean loss. Atoms and detections closer than the match radius
 *   to the patch edge are ignored (their label discs are cut by the border).
 * - Class weights 'auto': median-frequency weights (losses.ts) from the validation labels (a fixed,
 *   seed-determined set, so a resumed run uses the same weights; only frequencies are used).
 * - Checkpoints every `checkpointEvery` steps into `checkpointDir`: the model (models/modelIO.ts),
 *   Adam's state (step count and moments) and `state.json` (step, time, loss history). `resume`
 *   continues from there with the optimizer state restored. The training stream of a resumed run
 *   is seeded by (seed, start step), so it sees new samples; a resumed run is therefore not
 *   bit-identical to an uninterrupted one (it is equivalent in distribution). Without resume the
 *   run is deterministic for its seed on one backend.
 */
import { promises as fs, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf, activeBackend } from '../models/tensorBackend.ts';
import { buildUNet, countParameters, unetClasses, UNET_DEFAULTS, type UNetOptions } from '../models/unet.ts';
import {
  MODEL_CARD_SCHEMA, matchRadiusPm, type CardInitFrom, type CardLattice, type CardValidation, type ModelCard,
} from '../models/modelCard.ts';
import { loadModel, loadOptimizerState, modelWeightsSha256, saveModel, saveOptimizerState } from '../models/modelIO.ts';
import {
  NORMALISATION_METHOD, normalisationForPixelSize, type NormalisationParameters,
} from '../models/inputNormalisation.ts';
import { writeFileAtomic } from '../data/atomicWrite.ts';
import { AtomdynError } from '../data/errors.ts';
import { Random } from '../data/random.ts';
import { versions } from '../data/runMetadata.ts';
import { silentProgress, type ProgressSink } from '../data/progress.ts';
import { findBlobs, type BlobOptions } from '../inference/blobs.ts';
import { DetectionTally, type SpeciesPoint } from '../evaluation/matchAtoms.ts';
import { augmentSample, prepareValidationPatch, AUGMENT_DEFAULTS, type AugmentOptions, type Patch } from './augment.ts';
import { medianFrequencyWeights, segmentationLoss, type LossOptions } from './losses.ts';
import type { SampleSource, TrainingSample } from './sampleSource.ts';

/** What the model card says about the material and the model, beyond what training measures. */
export interface SegmenterSpec {
  /** Model name, e.g. 'graphene-si'. */
  name: string;
  /** Model version (semver). Default '1.0.0'. */
  version?: string;
  /** Description for users. */
  description: string;
  /** Lattice, lattice constant, point group, bond lengths (pm) by species pair. */
  lattice: CardLattice;
  /** Atoms per projected column by species (default 1). */
  atomsPerColumn?: Record<string, number>;
}

/** Settings of {@link SegmenterTrainer}. */
export interface TrainerOptions {
  /**
   * Makes the sample sources: 'train' (seeded by seed and start step) and 'validation' (held out,
   * its own seed). Both must have the same species, pixel size and 'other' channel.
   */
  createSource: (purpose: 'train' | 'validation', seed: number) => Promise<SampleSource>;
  spec: SegmenterSpec;
  /** Optimiser steps in total (a resumed run continues up to this). Default 2000. */
  steps: number;
  /** Images per step. Default 4. */
  batchSize: number;
  /** Patch side, px, divisible by 2^poolings. Default 128. */
  patch: number;
  /** Adam learning rate. Default 1e-3. */
  learningRate: number;
  /** U-Net settings (classes are set from the source). */
  unet: Partial<UNetOptions>;
  /** Augmentation settings. */
  augment: Partial<AugmentOptions>;
  /** Normalisation parameters; default from the pixel size and the shortest bond length. */
  normalisation?: NormalisationParameters;
  /** Cross-entropy class weights (length = classes) or 'auto'. Default 'auto'. */
  classWeights: number[] | 'auto';
  /** Dice term weight. Default 1. */
  diceWeight: number;
  /** Probability of rejecting a sample without rare species. Default 0.7. */
  rareRejectProbability: number;
  /** Held-out images for validation. Default 16. */
  validationImages: number;
  /** Validate every N steps during training as well (0 = only at the end). Default 0. */
  validateEvery: number;
  /** Blob settings used in validation. */
  blobs: Partial<BlobOptions>;
  /** Checkpoint folder (none when undefined). */
  checkpointDir?: string;
  /** Steps between checkpoints. Default 100. */
  checkpointEvery: number;
  /** Continue from the checkpoint in checkpointDir when there is one. Default false. */
  resume: boolean;
  /**
   * Fine-tune: start from the weights of this saved model folder (models/modelIO.ts) instead of a
   * random initialisation. Its classes, pixel size and U-Net options must equal this run's; its
   * normalisation is used unless `normalisation` is given. Recorded in the card as
   * `training.initFrom`. A resumed run continues from its checkpoint (the init model is then only
   * recorded). Default none.
   */
  initFrom?: string;
  /** Seed of everything random. Default 1. */
  seed: number;
  /** The command line, for the card. Default []. */
  command: string[];
  /** Simulator settings etc., recorded in the card as the data recipe. */
  dataRecipe: Record<string, unknown>;
  /** Progress sink (loss and images/s per step). */
  progress?: ProgressSink;
}

/** Defaults of {@link TrainerOptions} (createSource and spec have none). */
export const TRAINER_DEFAULTS = {
  steps: 2000,
  batchSize: 4,
  patch: 128,
  learningRate: 1e-3,
  unet: {},
  augment: {},
  classWeights: 'auto' as const,
  diceWeight: 1,
  rareRejectProbability: 0.7,
  validationImages: 16,
  validateEvery: 0,
  blobs: {},
  checkpointEvery: 100,
  resume: false,
  seed: 1,
  command: [] as string[],
  dataRecipe: {},
};

/** A fitted segmenter. */
export interface FittedSegmenter {
  readonly model: tf.LayersModel;
  readonly card: ModelCard;
  /** Training loss per step (index = step). */
  readonly history: number[];
  /** Validation results during training: step and figures. */
  readonly validations: Array<{ step: number; validation: CardValidation }>;
  /** Step the run resumed from, or null. */
  readonly resumedFrom: number | null;
}

/** Checkpoint bookkeeping (state.json). */
interface CheckpointState {
  step: number;
  trainingTimeS: number;
  imagesSeen: number;
  history: number[];
  classWeights: number[];
  seed: number;
}

/** Mix a seed with a number into a new 32-bit seed (splitmix-style). */
export function mixSeed(seed: number, k: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul((k + 0x7f4a7c15) >>> 0, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** A batch of patches as tensors: x float32 [n, p, p, 1], y one-hot float32 [n, p, p, classes]. */
function toTensors(patches: Patch[], classes: number): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const p = patches[0].size;
  const xs = new Float32Array(patches.length * p * p);
  const ls = new Int32Array(patches.length * p * p);
  patches.forEach((q, i) => {
    xs.set(q.image, i * p * p);
    ls.set(q.labels, i * p * p);
  });
  return tf.tidy(() => ({
    x: tf.tensor4d(xs, [patches.length, p, p, 1]),
    y: tf.oneHot(tf.tensor1d(ls, 'int32'), classes).reshape([patches.length, p, p, classes]) as tf.Tensor4D,
  }));
}

/**
 * Atom-level validation of a model on prepared (normalised) patches.
 *
 * @param model U-Net returning class probabilities
 * @param patches validation patches with their true atoms (patch pixel coordinates)
 * @param classes class names of the channels ('background', species..., 'other'?)
 * @param species species scored separately
 * @param radiusPx match radius in patch pixels
 * @param loss optional loss settings: the mean loss over the patches is reported too
 */
export function validatePatches(
  model: tf.LayersModel, patches: Patch[], classes: string[], species: string[], radiusPx: number,
  loss?: LossOptions, blobs: Partial<BlobOptions> = {}, batchSize = 4,
): { overall: CardValidation['overall']; perSpecies: CardValidation['perSpecies']; loss?: number } {
  const tally = new DetectionTally(species, radiusPx);
  let lossSum = 0;
  for (let b = 0; b < patches.length; b += batchSize) {
    const batch = patches.slice(b, b + batchSize);
    const { x, y } = toTensors(batch, classes.length);
    const p = model.predict(x) as tf.Tensor4D;
    if (loss) {
      const l = segmentationLoss(y, p, loss);
      lossSum += l.dataSync()[0] * batch.length;
      l.dispose();
    }
    const probs = p.dataSync() as Float32Array;
    const n = batch[0].size;
    batch.forEach((q, i) => {
      const inside = (a: { x: number; y: number }) => a.x >= radiusPx - 0.5 && a.y >= radiusPx - 0.5 && a.x <= n - 0.5 - radiusPx && a.y <= n - 0.5 - radiusPx;
      const found = findBlobs(probs.subarray(i * n * n * classes.length, (i + 1) * n * n * classes.length), n, n, classes.length, blobs);
      const detected: SpeciesPoint[] = found
        .map((f) => ({ x: f.x, y: f.y, species: classes[f.classIndex] }))
        .filter((d) => d.species !== 'other' && inside(d));
      const truth: SpeciesPoint[] = q.atoms.filter((a) => species.includes(a.species) && inside(a));
      tally.add(detected, truth);
    });
    tf.dispose([x, y, p]);
  }
  return { ...tally.result(), ...(loss ? { loss: lossSum / patches.length } : {}) };
}

/** Trains a U-Net segmenter; see the module description. */
export class SegmenterTrainer {
  readonly options: Readonly<TrainerOptions>;

  /** @throws AtomdynError for invalid settings */
  constructor(options: Partial<TrainerOptions> & Pick<TrainerOptions, 'createSource' | 'spec'>) {
    const o = { ...TRAINER_DEFAULTS, ...options } as TrainerOptions;
    const posInt = (v: number, flag: string) => {
      if (!(Number.isInteger(v) && v > 0)) throw new AtomdynError(flag, `must be a positive integer, got ${v}`);
    };
    posInt(o.steps, 'steps');
    posInt(o.batchSize, 'batchSize');
    posInt(o.patch, 'patch');
    posInt(o.checkpointEvery, 'checkpointEvery');
    if (!Number.isInteger(o.validationImages) || o.validationImages < 0) throw AtomdynError.forOption('validationImages', `must be an integer >= 0, got ${o.validationImages}`);
    const poolings = o.unet.poolings ?? UNET_DEFAULTS.poolings;
    if (o.patch % 2 ** poolings !== 0) throw AtomdynError.forOption('patch', `must be divisible by ${2 ** poolings} (2^poolings), got ${o.patch}`);
    if (!(o.learningRate > 0)) throw AtomdynError.forOption('learningRate', `must be > 0, got ${o.learningRate}`);
    if (!(o.rareRejectProbability >= 0 && o.rareRejectProbability < 1)) throw new AtomdynError('rareRejectProbability', 'must be in [0, 1)');
    if (o.resume && !o.checkpointDir) throw AtomdynError.forOption('resume', 'needs a checkpoint folder');
    this.options = o;
  }

  /**
   * Train (or continue training) and return the fitted model with its card.
   * @throws AtomdynError on inconsistent sources, an unusable checkpoint, or unwritable files
   */
  async fit(): Promise<FittedSegmenter> {
    const o = this.options;
    const progress = o.progress ?? silentProgress;
    const valSource = await o.createSource('validation', mixSeed(o.seed, 0x7a11d));
    let trainSource: SampleSource | null = null;
    try {
      const species = [...valSource.species];
      const classes = unetClasses(species, valSource.hasOther);
      const pixelSizePm = valSource.pixelSizePm;
      const minBond = matchRadiusPm({ lattice: o.spec.lattice }) * 2;
      // fine-tuning: the starting model must have this run's classes and pixel size
      let init: { model: tf.LayersModel; card: ModelCard; info: CardInitFrom } | null = null;
      if (o.initFrom) {
        const loaded = await loadModel(o.initFrom);
        const fail = (what: string) => {
          loaded.model.dispose();
          throw new AtomdynError(o.initFrom!, `cannot fine-tune from this model: ${what}`);
        };
        if (loaded.card.classes.join() !== classes.join()) fail(`its classes ${loaded.card.classes.join(', ')} differ from the source's ${classes.join(', ')}`);
        if (Math.abs(loaded.card.pixelSizePm - pixelSizePm) > 1e-9) fail(`its pixel size ${loaded.card.pixelSizePm} pm differs from the source's ${pixelSizePm} pm`);
        init = {
          model: loaded.model,
          card: loaded.card,
          info: { name: loaded.card.name, version: loaded.card.version, dir: loaded.dir, weightsSha256: await modelWeightsSha256(loaded.dir) },
        };
      }
      const norm = o.normalisation ?? (init ? { ...init.card.normalisation.parameters } as unknown as NormalisationParameters : normalisationForPixelSize(pixelSizePm, minBond));
      const radiusPx = minBond / 2 / pixelSizePm;

      // held-out validation patches
      const valPatches: Patch[] = [];
      for (let i = 0; i < o.validationImages; i++) valPatches.push(prepareValidationPatch(await valSource.next(), o.patch, norm));

      // model, optimizer, state: fresh or from the checkpoint
      const unetOptions: UNetOptions = { ...UNET_DEFAULTS, ...o.unet, classes: classes.length, seed: o.unet.seed ?? o.seed };
      let model: tf.LayersModel;
      const optimizer = tf.train.adam(o.learningRate);
      let state: CheckpointState | null = null;
      let resumedFrom: number | null = null;
      const ckpt = o.checkpointDir;
      if (o.resume && ckpt && existsSync(path.join(ckpt, 'model.json'))) {
        const loaded = await loadModel(ckpt);
        if (loaded.card.classes.join() !== classes.join()) {
          loaded.model.dispose();
          throw new AtomdynError(ckpt, `checkpoint classes ${loaded.card.classes.join(', ')} differ from the source's ${classes.join(', ')}`);
        }
        model = loaded.model;
        state = JSON.parse(await fs.readFile(path.join(ckpt, 'state.json'), 'utf8').catch(() => {
          throw new AtomdynError(path.join(ckpt, 'state.json'), 'checkpoint state is missing; cannot resume');
        })) as CheckpointState;
        const modelStep = loaded.card.training.steps;
        if (state.step !== modelStep) {
          // state.json is written before the model: trust the model's step
          state.step = modelStep;
          state.history = state.history.slice(0, modelStep);
        }
        await loadOptimizerState(optimizer, ckpt);
        resumedFrom = state.step;
      } else {
        model = buildUNet(unetOptions);
        if (init) {
          const theirs = init.model.getWeights();
          const ours = model.getWeights();
          const same = theirs.length === ours.length && theirs.every((w, i) => w.shape.join() === ours[i].shape.join());
          if (!same) {
            init.model.dispose();
            model.dispose();
            throw new AtomdynError(o.initFrom!, `cannot fine-tune from this model: its architecture (${JSON.stringify(init.card.architecture.options)}) differs from this run's U-Net (${JSON.stringify(unetOptions)})`);
          }
          model.setWeights(theirs);
        }
      }
      init?.model.dispose();
      const classWeights = state?.classWeights
        ?? (o.classWeights === 'auto' ? medianFrequencyWeights(valPatches.map((p) => p.labels), classes.length) : [...o.classWeights]);
      if (classWeights.length !== classes.length) throw new AtomdynError('classWeights', `need ${classes.length} weights (${classes.join(', ')}), got ${classWeights.length}`);
      const lossOptions: LossOptions = { classWeights, diceWeight: o.diceWeight, diceIncludeBackground: false };
      const startStep = state?.step ?? 0;
      const history = state?.history ?? [];
      let trainingTimeS = state?.trainingTimeS ?? 0;
      let imagesSeen = state?.imagesSeen ?? 0;

      trainSource = await o.createSource('train', mixSeed(o.seed, startStep));
      if (trainSource.species.join() !== species.join() || trainSource.hasOther !== valSource.hasOther || trainSource.pixelSizePm !== pixelSizePm) {
        throw new AtomdynError('training source', 'training and validation sources differ in species, other channel or pixel size');
      }
      const src = trainSource;
      const rare = new Set(species.slice(1));
      const fetchBatch = async (step: number): Promise<Patch[]> => {
        const rng = new Random(mixSeed(o.seed, 0x100000 + step));
        const out: Patch[] = [];
        let rejected = 0;
        while (out.length < o.batchSize) {
          const s: TrainingSample = await src.next();
          if (rare.size > 0 && rejected < 20 && !s.atoms.some((a) => rare.has(a.species)) && rng.uniform() < o.rareRejectProbability) {
            rejected++;
            continue;
          }
          rejected = 0;
          out.push(augmentSample(s, o.patch, rng, norm, o.augment));
        }
        return out;
      };

      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const validations: Array<{ step: number; validation: CardValidation }> = [];
      const card = (steps: number, validation: CardValidation | null): ModelCard => ({
        schema: MODEL_CARD_SCHEMA,
        name: o.spec.name,
        version: o.spec.version ?? '1.0.0',
        description: o.spec.description,
        classes,
        species: species.map((s) => ({ name: s, element: valSource.elements[s] ?? s, atomsPerColumn: o.spec.atomsPerColumn?.[s] ?? 1 })),
        hasOther: valSource.hasOther,
        lattice: o.spec.lattice,
        pixelSizePm,
        normalisation: { method: NORMALISATION_METHOD, parameters: { ...norm } },
        architecture: { type: 'unet', options: { ...unetOptions }, parameters: countParameters(model).trainable },
        training: {
          dataRecipe: { ...o.dataRecipe, augmentation: { ...AUGMENT_DEFAULTS, ...o.augment }, rareRejectProbability: o.rareRejectProbability },
          steps,
          batchSize: o.batchSize,
          patch: o.patch,
          optimizer: { name: 'adam', learningRate: o.learningRate },
          ...(init ? { initFrom: init.info } : {}),
          loss: { name: 'weighted cross-entropy + soft Dice', ...lossOptions },
          backend: activeBackend()?.tensors ?? tf.getBackend(), // training runs on tfjs whatever runs inference
          seed: o.seed,
          command: o.command,
          trainingTimeS: Math.round(trainingTimeS * 10) / 10,
          imagesPerSecond: trainingTimeS > 0 ? Math.round((imagesSeen / trainingTimeS) * 1000) / 1000 : 0,
          finished: new Date().toISOString(),
          machine: `${os.platform()} ${os.arch()}, ${os.cpus().length} CPU cores`,
        },
        validation,
        versions: versions(),
      });
      const validate = (): CardValidation => ({
        images: valPatches.length,
        matchRadiusPm: minBond / 2,
        ...validatePatches(model, valPatches, classes, species, radiusPx, lossOptions, o.blobs, o.batchSize),
      });
      const checkpoint = async (step: number) => {
        if (!ckpt) return;
        const st: CheckpointState = { step, trainingTimeS, imagesSeen, history, classWeights, seed: o.seed };
        await writeFileAtomic(path.join(ckpt, 'state.json'), JSON.stringify(st));
        await saveOptimizerState(optimizer, ckpt);
        await saveModel(model, ckpt, card(step, null));
      };

      progress.start(resumedFrom === null ? 'train' : `train (resumed at ${resumedFrom})`, o.steps - startStep);
      let pending = startStep < o.steps ? fetchBatch(startStep) : null;
      pending?.catch(() => {});
      for (let step = startStep; step < o.steps; step++) {
        const t0 = performance.now();
        const patches = await pending!;
        pending = step + 1 < o.steps ? fetchBatch(step + 1) : null;
        pending?.catch(() => {}); // awaited next step; never an unhandled rejection if this step fails
        const { x, y } = toTensors(patches, classes.length);
        const cost = optimizer.minimize(() => segmentationLoss(y, model.apply(x, { training: true }) as tf.Tensor, lossOptions), true, vars);
        const lossValue = (await cost!.data())[0];
        tf.dispose([x, y, cost!]);
        if (!Number.isFinite(lossValue)) throw new AtomdynError('training', `loss became ${lossValue} at step ${step}; lower \`learningRate\``);
        history.push(lossValue);
        const dt = (performance.now() - t0) / 1000;
        trainingTimeS += dt;
        imagesSeen += patches.length;
        progress.tick(1, { loss: lossValue.toFixed(4), 'img/s': (patches.length / dt).toFixed(2) });
        const done = step + 1;
        if (o.validateEvery > 0 && done % o.validateEvery === 0 && done < o.steps && valPatches.length) validations.push({ step: done, validation: validate() });
        if (done % o.checkpointEvery === 0 || done === o.steps) await checkpoint(done);
      }
      await pending; // a prefetch never outlives the run
      progress.stop();
      const finalValidation = valPatches.length ? validate() : null;
      if (finalValidation) validations.push({ step: o.steps, validation: finalValidation });
      const finalCard = card(Math.max(o.steps, startStep), finalValidation);
      optimizer.dispose();
      return { model, card: finalCard, history, validations, resumedFrom };
    } finally {
      await valSource.close();
      await trainSource?.close();
    }
  }
}
