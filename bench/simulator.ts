/**
 * Simulator speed: ms per simulated image (256x256 and 512x512, graphene and WSe2, the matched
 * presets' imaging), per 128x128 training sample (domain-randomised), and per 512x512 movie frame with
 * 8 dopants changing configuration. Run: npm run bench -- simulator
 */
import { simulateImage } from '../training/simulator/simulateImage.ts';
import { GRAPHENE_PRESET, WSE2_MOVIE_PRESET } from '../training/simulator/imagingPresets.ts';
import { simulateTrainingSample } from '../training/simulator/domainRandomisation.ts';
import { simulateMovieFrames } from '../training/simulator/simulateMovie.ts';
import { DEFAULT_TRANSITION_MODEL } from '../training/simulator/dopantKinetics.ts';

function time(label: string, n: number, fn: (k: number) => void): void {
  fn(-1); // warm-up (probe tables, JIT)
  const t0 = performance.now();
  for (let k = 0; k < n; k++) fn(k);
  const ms = (performance.now() - t0) / n;
  process.stdout.write(`| ${label.padEnd(58)} | ${ms.toFixed(1).padStart(8)} |\n`);
}

process.stdout.write('| simulator (this machine, one thread)                        | ms/image |\n| --- | --- |\n');
for (const size of [256, 512]) {
  time(`graphene ${size}x${size} at 10 pm/px, preset graphene-si, 2 Si`, 3, (k) =>
    simulateImage({ specimen: { lattice: 'graphene', configurationCount: 2 }, frame: { width: size, height: size, pixelSizePm: 10 }, imaging: GRAPHENE_PRESET.imaging, seed: k + 10 }));
  time(`WSe2 ${size}x${size} at 25 pm/px, preset wse2-movie`, 3, (k) =>
    simulateImage({ specimen: { lattice: 'WSe2', mx2Defects: { chalcogenVacancy: 0.02 } }, frame: { width: size, height: size, pixelSizePm: 25 }, imaging: WSE2_MOVIE_PRESET.imaging, seed: k + 10 }));
}
time('training sample 128x128, graphene 16 pm/px, randomised physics', 10, (k) => simulateTrainingSample({ lattice: 'graphene', pixelSizePm: 16, patch: 128, seed: 1 }, k + 1));
time('training sample 128x128, mx2 30 pm/px, randomised physics', 10, (k) => simulateTrainingSample({ lattice: 'mx2', pixelSizePm: 30, patch: 128, seed: 1 }, k + 1));
{
  const frames = 6;
  const t0 = performance.now();
  let n = 0;
  for (const f of simulateMovieFrames({ specimen: { lattice: 'graphene' }, frame: { width: 512, height: 512, pixelSizePm: 10 }, imaging: GRAPHENE_PRESET.imaging, frames, seed: 1, kinetics: { model: DEFAULT_TRANSITION_MODEL, dopants: 8 } })) n += f.truth.length;
  const ms = (performance.now() - t0) / frames;
  process.stdout.write(`| ${'movie frame 512x512 at 10 pm/px, 8 dopants with kinetics'.padEnd(58)} | ${ms.toFixed(1).padStart(8)} |\n`);
  if (n !== frames * 8) throw new Error('movie lost dopants');
}
