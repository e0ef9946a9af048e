import { MODEL_CARD_SCHEMA, type ModelCard } from '../../models/modelCard.ts';

/** A complete, valid model card for tests (graphene with Si). */
export function exampleCard(overrides: Partial<ModelCard> = {}): ModelCard {
  return {
    schema: MODEL_CARD_SCHEMA,
    name: 'test-graphene-si',
    version: '0.0.1',
    description: 'test model',
    classes: ['background', 'C', 'Si'],
    species: [{ name: 'C', element: 'C', atomsPerColumn: 1 }, { name: 'Si', element: 'Si', atomsPerColumn: 1 }],
    hasOther: false,
    lattice: { name: 'graphene', latticeConstantPm: 246, pointGroup: '6/mmm', bondLengthsPm: { 'C-C': 142, 'C-Si': 175 } },
    pixelSizePm: 16,
    normalisation: { method: 'background-column/1', parameters: { smoothSigmaPx: 1, backgroundPercentile: 5, peakRadiusPx: 3, minProminence: 0.15, columnTrim: 0.2 } },
    architecture: { type: 'unet', options: { baseFilters: 4 }, parameters: 100 },
    training: {
      dataRecipe: { source: 'synthetic' }, steps: 0, batchSize: 1, patch: 16, optimizer: { name: 'adam', learningRate: 1e-3 },
      loss: { name: 'ce+dice' }, backend: 'wasm', seed: 1, command: [], trainingTimeS: 0, imagesPerSecond: 0,
      finished: '2026-01-01T00:00:00.000Z',
    },
    validation: null,
    versions: { atomdyn: '0.1.0' },
    ...overrides,
  };
}
