/**
 * `atomdyn transitions <configurations.csv> --out DIR`: Markov kinetics from classified
 * configurations. Writes DIR/transitions.json (count matrix, transition matrix with 95 % intervals,
 * stationary distribution, dwell times, connected sets, implied timescales, Chapman-Kolmogorov
 * test, rates), DIR/events.csv (every observed change of state) and DIR/run.json.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AtomdynError } from '../../data/errors.ts';
import { protectInput } from '../../data/atomicWrite.ts';
import { finalPath } from '../../data/runFolder.ts';
import { readRunBeside } from '../../data/runMetadata.ts';
import { readCheckedCsv } from '../../data/tableChecks.ts';
import { COUNTING_MODES, type CountingMode } from '../../dynamics/kinetics/countMatrix.ts';
import { transitionsStep } from '../../pipeline/transitionsStep.ts';

/** Flags of `transitions` as given on the command line. */
export interface TransitionsFlags {
  out: string;
  lag: string;
  counting: string;
  reversible?: boolean;
  doseRate?: string;
  beamCurrent?: string;
  frameTime?: string;
  pixelSize?: string;
  seed: string;
  samples: string;
  minDwell?: string;
  coreProbability?: string;
  ckSteps: string;
  /** Replace the run already in --out (the whole folder). */
  overwrite?: boolean;
}

function number(flag: string, v: string | undefined, check: (x: number) => boolean, what: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || !check(x)) throw new AtomdynError(flag, `expected ${what}, found '${v}'`);
  return x;
}

/**
 * Parse and check the option values of `transitions` without reading any input (`analyze` calls it
 * before any step runs).
 * @throws AtomdynError naming the option
 */
export function parseTransitionsFlags(flags: Partial<TransitionsFlags>) {
  const lag = number('--lag', flags.lag, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1 (frames)')!;
  const counting = flags.counting as CountingMode;
  if (flags.counting !== undefined && !COUNTING_MODES.includes(counting)) throw new AtomdynError('--counting', `expected one of ${COUNTING_MODES.join(', ')}, found '${flags.counting}'`);
  const seed = number('--seed', flags.seed, Number.isInteger, 'an integer')!;
  const samples = number('--samples', flags.samples, (x) => Number.isInteger(x) && x >= 100, 'an integer >= 100')!;
  const ckSteps = number('--ck-steps', flags.ckSteps, (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0')!;
  const doseRate = number('--dose-rate', flags.doseRate, (x) => x > 0, 'a dose rate > 0 in e-/Å²/s');
  const beamCurrent = number('--beam-current', flags.beamCurrent, (x) => x > 0, 'a beam current > 0 in pA');
  if (doseRate !== undefined && beamCurrent !== undefined) throw new AtomdynError('--dose-rate', 'give either --dose-rate or --beam-current, not both');
  const minDwell = number('--min-dwell', flags.minDwell, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1 (frames)');
  const coreProbability = number('--core-probability', flags.coreProbability, (x) => x >= 0 && x <= 1, 'a probability between 0 and 1');
  return { lag, counting, seed, samples, ckSteps, doseRate, beamCurrent, minDwell, coreProbability };
}

/**
 * `atomdyn transitions`: flags -> options, read configurations.csv, one library call
 * (pipeline/transitionsStep.ts) into a fresh run folder. Exported for tests.
 * @param input configurations.csv
 * @param flags the flags as given
 * @param command argv of the command (for run.json)
 * @returns the written transitions.json content
 * @throws AtomdynError on bad input or flags (one line, naming the file or option)
 */
export async function runTransitions(input: string, flags: TransitionsFlags, command: string[]): Promise<Record<string, unknown>> {
  const { lag, counting, seed, samples, ckSteps, doseRate, beamCurrent, minDwell, coreProbability } = parseTransitionsFlags(flags);
  const pixelSizePm = number('--pixel-size', flags.pixelSize, (x) => x > 0, 'a pixel size > 0 in pm');
  const frameTimeS = number('--frame-time', flags.frameTime, (x) => x > 0, 'a frame time > 0 in s');
  const file = path.resolve(input);
  if (!existsSync(file)) throw new AtomdynError(input, 'no such file');
  protectInput(file);
  const previous = readRunBeside(file);
  if (previous) protectInput(path.join(path.dirname(file), 'run.json'));
  const table = readCheckedCsv(file, ['frame', 'particle', 'state']);
  const { doc } = await transitionsStep(
    table,
    { lag, counting, reversible: !!flags.reversible, seed, samples, ckSteps, doseRate, beamCurrentPa: beamCurrent, frameTimeS, pixelSizePm, minDwell, coreProbability },
    { out: flags.out, overwrite: flags.overwrite, inputs: [file, path.join(path.dirname(file), 'run.json')], command, source: file, previous },
  );
  return doc;
}

export function register(program: Command): void {
  program
    .command('transitions')
    .description(
      'Markov kinetics from classified configurations: count matrix at a lag (summed over particles), ' +
        'maximum-likelihood transition matrix (non-reversible unless --reversible) with 95 % intervals, ' +
        'stationary distribution, censoring-corrected dwell times, implied timescales, a Chapman-Kolmogorov ' +
        'test and, with --dose-rate or --beam-current, rates per dose and cross-sections in barn. ' +
        'Writes DIR/transitions.json, DIR/events.csv and DIR/run.json.',
    )
    .argument('<configurations.csv>', "the 'classify' step's table (columns frame, particle, state, optional state_name, x, y, probability)")
    .requiredOption('--out <dir>', 'output folder (must not be the input folder)')
    .option('--lag <frames>', 'lag time in frames', '1')
    .option('--counting <mode>', `counting mode: ${COUNTING_MODES.join(', ')} (as deeptime)`, 'sliding')
    .option('--reversible', 'enforce detailed balance (fitted per strongly connected set; one-way transitions are dropped and reported)')
    .option('--dose-rate <e/A2/s>', 'electron flux in e-/Å²/s, for rates per dose and cross-sections')
    .option('--beam-current <pA>', 'beam current in pA (flux = current / field of view)')
    .option('--frame-time <s>', 'seconds per frame (overrides run.json)')
    .option('--pixel-size <pm>', 'pixel size in pm (overrides run.json; for x_pm, y_pm and the field of view)')
    .option('--min-dwell <frames>', 'core sets: accept a new state only after it persists this many observed frames (against flicker)')
    .option('--core-probability <p>', 'core sets: frames classified with probability below p keep the previous state')
    .option('--samples <n>', 'posterior samples for the intervals', '1000')
    .option('--ck-steps <k>', 'largest multiple of the lag in the Chapman-Kolmogorov test (0 = skip)', '4')
    .option('--seed <n>', 'seed of the sampling', '0')
    .option('--overwrite', 'replace the run already in --out (the whole folder; without it such a folder is refused)')
    .action(async (input: string, flags: TransitionsFlags, cmd: Command) => {
      const raw = ((cmd.parent as unknown as { rawArgs?: string[] })?.rawArgs ?? process.argv).slice(2);
      const doc = await runTransitions(input, flags, raw);
      const states = doc.states as string[];
      process.stdout.write(
        `transitions: ${states.length} states (${states.join(', ')}), ${doc.n_trajectories} particles, ${doc.n_events} events, lag ${doc.lag} -> ${finalPath(path.join(path.resolve(flags.out), 'transitions.json'))}\n`,
      );
      for (const w of doc.warnings as string[]) process.stderr.write(`atomdyn: warning: ${w}\n`);
    });
}
