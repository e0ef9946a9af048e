/**
 * `atomdyn demo --out DIR` (what `npm run demo` runs): the main job on a bundled default input. It
 * simulates a short Si-in-graphene movie with known dopant kinetics (seeded, so every machine gets the
 * same movie: DIR-input/movie.tif with its truth.csv, beside the run folder, since a run folder never
 * holds its input) and runs `analyze` on it with the default model, writing DIR/report.html. A previous
 * demo run in DIR is replaced only with --overwrite (`npm run demo` passes it).
 * run.json records the truth file, so the report compares what it found with the known answer (classes
 * against true states, recovered against true transition matrix).
 */
import type { Command } from 'commander';
import path from 'node:path';
import { runAnalyze } from './analyze.ts';
import { runSimulate } from './simulate.ts';

export function register(program: Command): void {
  program
    .command('demo')
    .description('simulate a short Si-in-graphene movie with known kinetics and analyse it: writes DIR/report.html, with a known-answer section comparing the classes and transition matrix found with the truth')
    .option('--out <dir>', 'output folder', 'out/demo')
    .option('--frames <n>', 'frames of the simulated movie', '24')
    .option('--size <px>', 'frame size in pixels', '256')
    .option('--dopants <n>', 'Si dopants with kinetics', '4')
    .option('--seed <n>', 'seed of the simulation and the analysis', '7')
    .option('--overwrite', 'replace the run already in DIR (the whole folder)')
    .action(async (o: { out: string; frames: string; size: string; dopants: string; seed: string; overwrite?: boolean }) => {
      const input = `${o.out.replace(/[/\\]+$/, '')}-input`;
      process.stderr.write(`simulating a ${o.frames}-frame ${o.size}x${o.size} movie of graphene with ${o.dopants} Si dopants into ${input}\n`);
      await runSimulate({ lattice: 'graphene', movie: true, frames: o.frames, size: o.size, dopants: o.dopants, seed: o.seed, count: '1', out: input, overwrite: o.overwrite },
        ['simulate', '--lattice', 'graphene', '--movie', '--frames', o.frames, '--size', o.size, '--dopants', o.dopants, '--seed', o.seed, '--out', input, ...(o.overwrite ? ['--overwrite'] : [])]);
      const r = await runAnalyze(path.join(input, 'movie.tif'), { out: o.out, model: 'graphene-si', classes: 'auto', lag: '1', seed: o.seed, overwrite: o.overwrite },
        ['demo', '--out', o.out, '--frames', o.frames, '--size', o.size, '--dopants', o.dopants, '--seed', o.seed, ...(o.overwrite ? ['--overwrite'] : [])]);
      process.stdout.write(`report: ${r.report}\nthe true states and trajectories are in ${path.join(input, 'truth.csv')}\n`);
    });
}
