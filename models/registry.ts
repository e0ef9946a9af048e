/**
 * Find a segmenter by name or path. The shipped default models live in models/pretrained/<name>/
 * (model.json, weights.*.bin, card.json) and are selected by name: `graphene-si` (species C, Si),
 * `graphene-si-v1` (its 1.x version, trained on the fixed simulator geometry, kept for comparison),
 * `graphene-si-v2` (2.0, the randomised geometry at the simulator's default doses, kept for comparison)
 * and `mx2` (metal, chalcogen). Anything else is taken as a path to a model folder (or its
 * model.json), e.g. the `--out` folder of `atomdyn train`.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AtomdynError } from '../data/errors.ts';
import type { LoadedModel } from './modelIO.ts';
import { packageRoot } from '../data/packagePaths.ts';

/** The folder holding the shipped models. */
export const PRETRAINED_DIR = path.join(packageRoot(), 'models', 'pretrained');

/** Shipped model names and how each is trained (shown when one is missing). */
export const PRETRAINED_MODELS: Readonly<Record<string, { lattice: string; description: string }>> = Object.freeze({
  'graphene-si': { lattice: 'graphene', description: 'graphene with Si dopants (classes background, C, Si)' },
  'graphene-si-v1': { lattice: 'graphene', description: 'graphene-si 1.x, trained on the fixed geometry (kept for comparison; the default graphene-si is 2.x)' },
  'graphene-si-v2': { lattice: 'graphene', description: 'graphene-si 2.0, randomised geometry at the simulator\'s default doses (kept for comparison; the default graphene-si 2.1 is fine-tuned from it at the real crops\' lower doses)' },
  mx2: { lattice: 'mx2', description: 'hexagonal MX2 monolayers (classes background, metal, chalcogen)' },
});

/**
 * Resolve a model name or path to a model folder (absolute).
 *
 * @param nameOrPath a shipped model name (`graphene-si`, `mx2`) or a path to a folder with model.json
 *   (or to the model.json itself)
 * @param flag the flag or source named in errors (default 'model')
 * @throws AtomdynError(flag, ...) when the name is unknown and no such folder exists, or the shipped
 *   model has not been trained/installed yet
 */
export function resolveModelPath(nameOrPath: string, flag = 'model'): string {
  if (!nameOrPath) throw new AtomdynError(flag, `no model given; use one of ${Object.keys(PRETRAINED_MODELS).join(', ')} or a model folder`);
  const known = PRETRAINED_MODELS[nameOrPath];
  if (known) {
    const dir = path.join(PRETRAINED_DIR, nameOrPath);
    if (!existsSync(path.join(dir, 'model.json'))) {
      throw new AtomdynError(flag, `the shipped model '${nameOrPath}' is not installed (${path.join(dir, 'model.json')} is missing); ` +
        `train it with: atomdyn train --lattice ${known.lattice} --out ${dir}`);
    }
    return dir;
  }
  let p = path.resolve(nameOrPath);
  if (existsSync(p) && statSync(p).isFile()) {
    if (path.basename(p) !== 'model.json') throw new AtomdynError(nameOrPath, 'a model is a folder with model.json and card.json, or its model.json');
    p = path.dirname(p);
  }
  if (!existsSync(p)) {
    throw new AtomdynError(flag, `no model named '${nameOrPath}' and no such folder; shipped models: ${Object.keys(PRETRAINED_MODELS).join(', ')}`);
  }
  if (!existsSync(path.join(p, 'model.json'))) throw new AtomdynError(nameOrPath, 'not a model folder: model.json is missing');
  return p;
}

/**
 * Resolve and load a model with its card (see {@link resolveModelPath}, models/modelIO.ts loadModel).
 * @throws AtomdynError as those two
 */
export async function loadModelByName(nameOrPath: string, flag = 'model'): Promise<LoadedModel> {
  const { loadModel } = await import('./modelIO.ts'); // tfjs: imported where a model is loaded, not where one is resolved
  return loadModel(resolveModelPath(nameOrPath, flag));
}
