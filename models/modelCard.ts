/**
 * The model card: everything a later step (and a reader) needs to know about a trained segmenter,
 * stored as `card.json` beside `model.json` (models/modelIO.ts). It says what the classes mean
 * (species, their elements and atoms per projected column), the material (lattice, lattice constant,
 * point group, bond lengths), the pixel size the network works at, how input frames are normalised,
 * how the model was trained (data recipe, command, seed, backend, time) and how well it did on
 * held-out simulated images (atom-level precision/recall/F1 per species).
 */
import { AtomdynError } from '../data/errors.ts';

/** Current card schema tag. */
export const MODEL_CARD_SCHEMA = 'atomdyn-model-card/1';

/** One network class that is an atom species. */
export interface CardSpecies {
  /** Class name (e.g. 'C', 'Si', 'metal', 'chalcogen'); softmax channel = 1 + its index. */
  name: string;
  /** Chemistry of a column of this class (e.g. 'C', 'Si', 'W', 'Se2'). */
  element: string;
  /** Atoms stacked in one projected column (1 for graphene, 2 for an MX2 chalcogen column). */
  atomsPerColumn: number;
}

/** The material a model is for. */
export interface CardLattice {
  /** Lattice/material name (e.g. 'graphene', 'MoS2', 'WSe2', 'mx2'). */
  name: string;
  /** In-plane lattice constant a, pm. */
  latticeConstantPm: number;
  /** Point group of the lattice (Hermann-Mauguin, e.g. '6/mmm' for graphene, '-6m2' for 1H-MX2). */
  pointGroup: string;
  /** Projected nearest-neighbour distances by species pair, pm; keys 'A-B' (either order accepted by {@link bondLengthPm}). */
  bondLengthsPm: Record<string, number>;
}

/** The starting model of a fine-tuned training (card `training.initFrom`). */
export interface CardInitFrom {
  /** Its card name, e.g. 'graphene-si'. */
  name: string;
  /** Its card version. */
  version: string;
  /** Its folder when the training ran (absolute path, informative only). */
  dir: string;
  /** SHA-256 (hex) of its weight bytes, the weight files concatenated in manifest order. */
  weightsSha256: string;
}

/** How input frames are normalised before the network (inference/ and training/ use the same). */
export interface CardNormalisation {
  /** Method tag, e.g. 'background-column/1' (models/inputNormalisation.ts). */
  method: string;
  /** Method parameters (numbers), e.g. smoothing sigma and peak radius in model pixels. */
  parameters: Record<string, number>;
}

/** Atom-level detection figures of one species (or all atoms). */
export interface DetectionScore {
  /** Matched detections. */
  tp: number;
  /** Detections without a true atom of that species within the match radius. */
  fp: number;
  /** True atoms without a detection. */
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Validation on held-out simulated images. */
export interface CardValidation {
  /** Held-out images used. */
  images: number;
  /** Match radius used, pm (half the shortest bond length). */
  matchRadiusPm: number;
  /** Figures over all atoms regardless of species (a detection matches any true atom). */
  overall: DetectionScore;
  /** Figures per species (a detection of species s matches a true atom of species s). */
  perSpecies: Record<string, DetectionScore>;
  /** Mean validation loss, when computed. */
  loss?: number;
  /** Signal-to-noise / dose setting of the held-out images, free text or numbers. */
  conditions?: Record<string, unknown>;
}

/** How the model was trained. */
export interface CardTraining {
  /** The simulated data recipe (simulator settings, augmentation), as given to the source and augmenter. */
  dataRecipe: Record<string, unknown>;
  /** Optimiser steps taken. */
  steps: number;
  /** Images per step. */
  batchSize: number;
  /** Training patch side, px. */
  patch: number;
  /** Optimiser and its settings. */
  optimizer: { name: string; learningRate: number };
  /** Loss and its settings (class weights, Dice weight). */
  loss: Record<string, unknown>;
  /** Tensor backend the training ran on ('wasm', 'tensorflow', 'cpu'). */
  backend: string;
  /** Seed of every random step of the training. */
  seed: number;
  /** The command line that trained it (argv without node/script), or [] for a library call. */
  command: string[];
  /** Wall-clock training time, seconds (summed over resumed sessions). */
  trainingTimeS: number;
  /** Mean images per second over the training. */
  imagesPerSecond: number;
  /** ISO 8601 time training finished. */
  finished: string;
  /** Machine description (CPU count, platform), free text. */
  machine?: string;
  /** The model whose weights the training started from (fine-tuning), absent when trained from scratch. */
  initFrom?: CardInitFrom;
}

/** The model card (card.json). */
export interface ModelCard {
  schema: typeof MODEL_CARD_SCHEMA;
  /** Model name (e.g. 'graphene-si'). */
  name: string;
  /** Model version (semver). */
  version: string;
  /** One-paragraph description for users. */
  description: string;
  /** Softmax channel names: 'background', the species, and 'other' when present. */
  classes: string[];
  /** The atom species classes, in channel order (channel 1 + index). */
  species: CardSpecies[];
  /** Whether the last channel is 'other' (bright contamination). */
  hasOther: boolean;
  lattice: CardLattice;
  /** Pixel size the network works at, pm/px (inputs are resampled to it). */
  pixelSizePm: number;
  normalisation: CardNormalisation;
  /** Network architecture: type and its options (models/unet.ts UNetOptions) and parameter count. */
  architecture: { type: 'unet'; options: Record<string, unknown>; parameters: number };
  training: CardTraining;
  /** Validation figures; null before validation ran. */
  validation: CardValidation | null;
  /** Versions of atomdyn, node and tfjs that trained it. */
  versions: Record<string, string>;
}

/**
 * Projected bond length between two species, pm, looked up as 'a-b' or 'b-a'.
 * @returns the length, or null when the card lists none for that pair
 */
export function bondLengthPm(card: Pick<ModelCard, 'lattice'>, a: string, b: string): number | null {
  const t = card.lattice.bondLengthsPm;
  return t[`${a}-${b}`] ?? t[`${b}-${a}`] ?? null;
}

/** Half the shortest bond length of the card, pm: the radius within which a detection matches a true atom. */
export function matchRadiusPm(card: Pick<ModelCard, 'lattice'>): number {
  const v = Object.values(card.lattice.bondLengthsPm);
  return Math.min(...v) / 2;
}

/**
 * Check that `raw` (parsed JSON) is a valid model card and return it typed.
 *
 * @param raw parsed card.json
 * @param source file name for error messages
 * @throws AtomdynError(source, 'field: what is wrong') on the first problem found
 */
export function validateModelCard(raw: unknown, source = 'card.json'): ModelCard {
  const fail = (field: string, msg: string): never => { throw new AtomdynError(source, `model card field '${field}' ${msg}`); };
  const obj = (v: unknown, f: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(f, 'must be an object');
    return v as Record<string, unknown>;
  };
  const str = (v: unknown, f: string): string => (typeof v === 'string' && v.length > 0 ? v : fail(f, 'must be a non-empty string'));
  const pos = (v: unknown, f: string): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fail(f, 'must be a positive number'));
  const nonneg = (v: unknown, f: string): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fail(f, 'must be a number >= 0'));
  const int = (v: unknown, f: string): number => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : fail(f, 'must be an integer >= 0'));

  const c = obj(raw, '(card)');
  if (c.schema !== MODEL_CARD_SCHEMA) fail('schema', `must be '${MODEL_CARD_SCHEMA}', got ${JSON.stringify(c.schema)}`);
  str(c.name, 'name');
  str(c.version, 'version');
  if (typeof c.description !== 'string') fail('description', 'must be a string');
  if (typeof c.hasOther !== 'boolean') fail('hasOther', 'must be true or false');
  if (!Array.isArray(c.species) || c.species.length === 0) fail('species', 'must be a non-empty list');
  const names: string[] = [];
  (c.species as unknown[]).forEach((s, i) => {
    const o = obj(s, `species[${i}]`);
    names.push(str(o.name, `species[${i}].name`));
    str(o.element, `species[${i}].element`);
    if (!Number.isInteger(o.atomsPerColumn) || (o.atomsPerColumn as number) < 1) fail(`species[${i}].atomsPerColumn`, 'must be an integer >= 1');
  });
  if (new Set(names).size !== names.length) fail('species', `has duplicate names: ${names.join(', ')}`);
  const expected = ['background', ...names, ...(c.hasOther ? ['other'] : [])];
  if (!Array.isArray(c.classes) || c.classes.join('\u0000') !== expected.join('\u0000')) {
    fail('classes', `must be ${JSON.stringify(expected)} (background, the species, 'other' when hasOther), got ${JSON.stringify(c.classes)}`);
  }
  const lat = obj(c.lattice, 'lattice');
  str(lat.name, 'lattice.name');
  pos(lat.latticeConstantPm, 'lattice.latticeConstantPm');
  str(lat.pointGroup, 'lattice.pointGroup');
  const bonds = obj(lat.bondLengthsPm, 'lattice.bondLengthsPm');
  if (Object.keys(bonds).length === 0) fail('lattice.bondLengthsPm', 'must list at least one species pair');
  for (const [k, v] of Object.entries(bonds)) {
    const parts = k.split('-');
    if (parts.length !== 2 || !parts.every((p) => names.includes(p))) fail(`lattice.bondLengthsPm.${k}`, `must be a pair 'A-B' of species (${names.join(', ')})`);
    pos(v, `lattice.bondLengthsPm.${k}`);
  }
  pos(c.pixelSizePm, 'pixelSizePm');
  const norm = obj(c.normalisation, 'normalisation');
  str(norm.method, 'normalisation.method');
  for (const [k, v] of Object.entries(obj(norm.parameters, 'normalisation.parameters'))) {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`normalisation.parameters.${k}`, 'must be a finite number');
  }
  const arch = obj(c.architecture, 'architecture');
  if (arch.type !== 'unet') fail('architecture.type', `must be 'unet', got ${JSON.stringify(arch.type)}`);
  obj(arch.options, 'architecture.options');
  int(arch.parameters, 'architecture.parameters');
  const tr = obj(c.training, 'training');
  obj(tr.dataRecipe, 'training.dataRecipe');
  int(tr.steps, 'training.steps');
  int(tr.batchSize, 'training.batchSize');
  int(tr.patch, 'training.patch');
  const opt = obj(tr.optimizer, 'training.optimizer');
  str(opt.name, 'training.optimizer.name');
  pos(opt.learningRate, 'training.optimizer.learningRate');
  obj(tr.loss, 'training.loss');
  str(tr.backend, 'training.backend');
  if (!Number.isInteger(tr.seed)) fail('training.seed', 'must be an integer');
  if (!Array.isArray(tr.command) || !tr.command.every((a) => typeof a === 'string')) fail('training.command', 'must be a list of strings');
  nonneg(tr.trainingTimeS, 'training.trainingTimeS');
  nonneg(tr.imagesPerSecond, 'training.imagesPerSecond');
  str(tr.finished, 'training.finished');
  if (c.validation !== null) {
    const v = obj(c.validation, 'validation');
    int(v.images, 'validation.images');
    pos(v.matchRadiusPm, 'validation.matchRadiusPm');
    const score = (s: unknown, f: string) => {
      const o = obj(s, f);
      for (const k of ['tp', 'fp', 'fn']) int(o[k], `${f}.${k}`);
      for (const k of ['precision', 'recall', 'f1']) {
        const x = o[k];
        if (typeof x !== 'number' || !(x >= 0 && x <= 1)) fail(`${f}.${k}`, 'must be a number in [0, 1]');
      }
    };
    score(v.overall, 'validation.overall');
    const per = obj(v.perSpecies, 'validation.perSpecies');
    for (const [k, s] of Object.entries(per)) score(s, `validation.perSpecies.${k}`);
  }
  const ver = obj(c.versions, 'versions');
  for (const [k, v] of Object.entries(ver)) if (typeof v !== 'string') fail(`versions.${k}`, 'must be a string');
  return c as unknown as ModelCard;
}
