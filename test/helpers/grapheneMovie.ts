// A small simulated Si-in-graphene movie as a TIFF stack, for tests that run locate on the shipped model.
import { simulateImage } from '../../training/simulator/simulateImage.ts';
import { GRAPHENE_PRESET } from '../../training/simulator/imagingPresets.ts';
import { writeTiffStack } from '../../data/writers/tiffStack.ts';

/**
 * Write `file`: one frame per seed, `size` x `size` px at `pixelSizePm`, each a graphene sheet with one
 * Si-C3 (training/simulator's graphene imaging), the pixel size in the TIFF's calibration.
 */
export async function writeGrapheneMovie(file: string, seeds: number[], size: number, pixelSizePm: number): Promise<void> {
  const frames = seeds.map((seed) => simulateImage({
    frame: { width: size, height: size, pixelSizePm },
    imaging: GRAPHENE_PRESET.imaging,
    specimen: { lattice: 'graphene', configurations: ['si-c3'], configurationCount: 1 },
    seed,
  }).image);
  await writeTiffStack(file, frames, { count: seeds.length, height: size, width: size }, { pixelSizePm });
}
