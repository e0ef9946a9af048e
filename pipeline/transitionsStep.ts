/**
 * The `transitions` step as one library call into a run folder: Markov kinetics from classified
 * configurations (dynamics/kinetics/markovEstimator.ts), written as DIR/transitions.json (count
 * matrix, transition matrix with 95 % intervals, stationary distribution, dwell times, connected sets,
 * implied timescales, Chapman-Kolmogorov test, rates), DIR/events.csv (every observed change of state)
 * and DIR/run.json. `atomdyn transitions` parses its flags and reads configurations.csv, then calls
 * {@link transitionsStep}; {@link analyzeMovie} calls it on the configurations in memory.
 */
import path from 'node:path';
import { writeCsv, type Cell, type Table } from '../data/csvTable.ts';
import { AtomdynError } from '../data/errors.ts';
import { writeFileAtomic } from '../data/atomicWrite.ts';
import { resolvePixelSize } from '../data/pixelSize.ts';
import { finalPath, finalPaths, withRunFolder } from '../data/runFolder.ts';
import { newRun, pickSourced, type RunMetadata, type Sourced } from '../data/runMetadata.ts';
import { stateSequencesFromTable } from '../dynamics/kinetics/stateSequences.ts';
import { MarkovEstimator } from '../dynamics/kinetics/markovEstimator.ts';
import type { CountingMode } from '../dynamics/kinetics/countMatrix.ts';
import type { BeamCalibration } from '../dynamics/kinetics/beamRates.ts';
import { asWritten, type StepOutput } from './stepOutput.ts';

/** Options of {@link transitionsStep}. */
export interface TransitionsStepOptions {
  /** Lag time, frames (>= 1). */
  lag: number;
  /** Counting mode (as deeptime); default 'sliding'. */
  counting?: CountingMode;
  /** Enforce detailed balance. Default false. */
  reversible?: boolean;
  /** Seed of the posterior sampling. Default 0. */
  seed?: number;
  /** Posterior samples for the intervals. Default 1000. */
  samples?: number;
  /** Largest multiple of the lag in the Chapman-Kolmogorov test (0 = skip). Default 4. */
  ckSteps?: number;
  /** Electron flux, e-/Å²/s, for rates per dose (needs the frame time). */
  doseRate?: number;
  /** Beam current, pA (flux = current / field of view; needs the frame and pixel size). */
  beamCurrentPa?: number;
  /** Seconds per frame, overriding run.json. */
  frameTimeS?: number;
  /** Pixel size, pm, overriding run.json (x_pm, y_pm, field of view). */
  pixelSizePm?: number;
  /** Core sets: a new state counts only after it persists this many observed frames. */
  minDwell?: number;
  /** Core sets: frames classified with probability below this keep the previous state. */
  coreProbability?: number;
}

/** What {@link transitionsStep} returns. */
export interface TransitionsStepResult {
  /** transitions.json as written. */
  doc: Record<string, unknown>;
  /** events.csv as written. */
  events: Table;
  /** run.json as written (paths final, `complete: true`). */
  run: RunMetadata;
}

/** JSON with one line per row of numbers (matrices stay readable). */
export function compactJson(doc: unknown): string {
  const num = String.raw`\s*(?:-?[0-9.eE+-]+|null)\s*`;
  return JSON.stringify(doc, null, 1).replace(new RegExp(String.raw`\[(${num}(?:,${num})*)\]`, 'g'), (_m, inner: string) => `[${inner.replace(/\s+/g, ' ').trim()}]`);
}

/** The columns of events.csv (docs/schema.md). */
export const EVENT_COLUMNS = ['frame', 'particle', 'from', 'to', 'x', 'y', 'x_pm', 'y_pm', 'previous_frame'];

/**
 * Estimate the kinetics of a configurations table and write the step's files into a fresh run folder
 * at `output.out`. The frame time and pixel size default from the previous run.json (`output.previous`).
 *
 * @param configurations configurations.csv (columns frame, particle, state; optional state_name, x, y, probability)
 * @param options see {@link TransitionsStepOptions}
 * @param output where and how to write; `source` names the table (messages, transitions.json `input`)
 * @returns transitions.json, events.csv and run.json as written
 * @throws AtomdynError naming the option (`doseRate` and `beamCurrentPa` together; `frameTimeS`
 *   missing for rates; `beamCurrentPa` without a field of view) or the table
 */
export async function transitionsStep(configurations: Table, options: TransitionsStepOptions, output: StepOutput): Promise<TransitionsStepResult> {
  const { lag, counting, doseRate, beamCurrentPa: beamCurrent, minDwell, coreProbability } = options;
  const seed = options.seed ?? 0;
  if (doseRate !== undefined && beamCurrent !== undefined) throw AtomdynError.forOption('doseRate', 'give either `doseRate` or `beamCurrentPa`, not both');
  const previous = output.previous ?? null;
  const file = output.source ?? 'configurations.csv';
  return withRunFolder(output.out, { inputs: output.inputs, overwrite: output.overwrite }, async (folder) => {
    const outDir = folder.dir;
    const run = newRun('transitions', output.command, previous);
    const given = <T>(v: T | undefined): Sourced<T> | null => (v === undefined ? null : { value: v, origin: 'command-line' });
    run.pixelSizePm = resolvePixelSize({ commandLinePm: options.pixelSizePm, runJson: previous?.pixelSizePm });
    run.frameTimeS = pickSourced(given(options.frameTimeS), run.frameTimeS);
    const pixel = run.pixelSizePm.value;
    const frameTime = run.frameTimeS.value;

    let beam: BeamCalibration | null = null;
    if (doseRate !== undefined || beamCurrent !== undefined) {
      if (frameTime === null) throw AtomdynError.forOption('frameTimeS', 'rates per dose need the frame time: give `frameTimeS` (no frameTimeS in the input run.json)');
      let fieldOfViewA2: number | null = null;
      if (run.frames && pixel !== null) fieldOfViewA2 = run.frames.width * run.frames.height * (pixel / 100) ** 2;
      if (beamCurrent !== undefined && fieldOfViewA2 === null) {
        throw AtomdynError.forOption('beamCurrentPa', `needs the field of view, i.e. the frame size and pixel size (${run.frames ? 'no pixel size: give `pixelSizePm`' : 'no frame size in the input run.json: use `doseRate` instead'})`);
      }
      beam = { frameTimeS: frameTime, doseRate: doseRate ?? null, beamCurrentPa: beamCurrent ?? null, fieldOfViewA2 };
    }

    const seqs = stateSequencesFromTable(configurations, file);
    const core = minDwell !== undefined || coreProbability !== undefined ? { minDwell, minProbability: coreProbability } : undefined;
    const model = new MarkovEstimator({ lag, counting, reversible: !!options.reversible, seed, samples: options.samples, ckSteps: options.ckSteps, beam, core }).fit(seqs);

    const json = model.toJSON();
    const dwell = json.dwell_frames as Array<number | null>;
    const doc: Record<string, unknown> = {
      ...json,
      frame_time_s: frameTime,
      lag_time_s: frameTime === null ? null : lag * frameTime,
      dwell_s: frameTime === null ? null : dwell.map((d) => (d === null ? null : d * frameTime)),
      pixel_size_pm: pixel,
      input: finalPath(path.resolve(file)),
      versions: run.versions,
    };
    await writeFileAtomic(path.join(outDir, 'transitions.json'), compactJson(doc) + '\n');

    const cal = (v: number) => (pixel === null || Number.isNaN(v) ? null : v * pixel);
    const rows: Array<Record<string, Cell>> = model.events.map((e) => ({
      frame: e.frame, particle: e.particle, from: model.states[e.from], to: model.states[e.to],
      x: Number.isNaN(e.x) ? null : e.x, y: Number.isNaN(e.y) ? null : e.y, x_pm: cal(e.x), y_pm: cal(e.y), previous_frame: e.previousFrame,
    }));
    const events: Table = { columns: EVENT_COLUMNS, rows };
    await writeCsv(path.join(outDir, 'events.csv'), events);

    run.inputs = [path.resolve(file)];
    run.seed = seed;
    run.parameters = { ...model.settings };
    run.outputs = ['transitions.json', 'events.csv'];
    run.warnings = [...run.warnings, ...model.warnings];
    await folder.commit(run);
    return { doc, events, run: asWritten(finalPaths(run)) };
  });
}
