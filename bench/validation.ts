/**
 * Atom-level validation of graphene models on the trainer's held-out simulated sets, so the figures in a
 * card's `evaluation` can be reproduced and compared between models:
 *
 * - `fixed seed S` (1: graphene-si 1.0.0's, 2: 2.0.0's, 3: 2.1.0's own set): the validation stream `atomdyn train --seed S` holds out (training/trainer.ts:
 *   `createSimulatedSource` with purpose 'validation', seed mixSeed(S, 0x7a11d): fixed geometry, the
 *   graphene-si preset's imaging, 128 px at the card's pixel size), 32 images;
 * - `randomised seed 1`: the same stream with the randomised geometry (per-defect Si-C 140-200 pm, strain,
 *   edges, displaced columns, clusters, acquisition 3.5-20 pm/px).
 *
 * Each model is scored by the trainer's own `validatePatches` (blobs of the probability map matched to
 * the true columns within the card's match radius): F1 over C and Si, and Si recall and precision.
 *
 *   npm run bench -- validation [--models graphene-si,graphene-si-v1] [--images 32]
 */
import { loadModel } from '../models/modelIO.ts';
import { resolveModelPath } from '../models/registry.ts';
import { matchRadiusPm } from '../models/modelCard.ts';
import { initBackend } from '../models/tensorBackend.ts';
import { createSimulatedSource } from '../training/simulatedSource.ts';
import { prepareValidationPatch, type Patch } from '../training/augment.ts';
import { mixSeed, validatePatches } from '../training/trainer.ts';
import type { NormalisationParameters } from '../models/inputNormalisation.ts';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
};
const models = opt('--models', 'graphene-si,graphene-si-v1').split(',');
const images = Number(opt('--images', '32'));
await initBackend();

const sets: Array<{ name: string; seed: number; geometry: 'fixed' | 'randomised' }> = [
  { name: 'fixed seed 1', seed: 1, geometry: 'fixed' },
  { name: 'fixed seed 2', seed: 2, geometry: 'fixed' },
  { name: 'fixed seed 3', seed: 3, geometry: 'fixed' },
  { name: 'randomised seed 1', seed: 1, geometry: 'randomised' },
];
process.stdout.write(`Validation on the trainer's held-out simulated sets (${images} images each; training/trainer.ts validatePatches)\n`);
process.stdout.write(`| model | ${sets.map((s) => `${s.name}: F1 / Si recall / Si precision`).join(' | ')} |\n|---|${sets.map(() => '---').join('|')}|\n`);
for (const name of models) {
  const { model, card } = await loadModel(resolveModelPath(name));
  const norm = { ...card.normalisation.parameters } as unknown as NormalisationParameters;
  const cells: string[] = [];
  for (const set of sets) {
    const src = createSimulatedSource({ lattice: 'graphene', pixelSizePm: card.pixelSizePm, patch: 128, seed: mixSeed(set.seed, 0x7a11d), purpose: 'validation', otherClass: card.classes.includes('other'), geometry: set.geometry });
    const patches: Patch[] = [];
    try {
      for (let i = 0; i < images; i++) patches.push(prepareValidationPatch(await src.next(), 128, norm));
    } finally {
      await src.close();
    }
    const species = card.species.map((s) => s.name);
    const v = validatePatches(model, patches, card.classes, species, matchRadiusPm(card) / card.pixelSizePm);
    const si = v.perSpecies.Si;
    cells.push(`${v.overall.f1.toFixed(4)} / ${si ? si.recall.toFixed(3) : '-'} / ${si ? si.precision.toFixed(3) : '-'}`);
  }
  process.stdout.write(`| ${name} ${card.version} | ${cells.join(' | ')} |\n`);
  model.dispose();
}
