/**
 * Where and how a step of the pipeline writes its files: a run folder (data/runFolder.ts) at `out`,
 * the files the step reads (so that `out` never replaces one), the command recorded in run.json and
 * the previous step's run.json (inherited: source, frames, calibration, lattice, model, species).
 * Every step function of pipeline/ takes one.
 */
import type { RunMetadata } from '../data/runMetadata.ts';

/** The output side of one step. */
export interface StepOutput {
  /** The run folder to create (replaced whole only with `overwrite`). */
  out: string;
  /** Replace a folder that already holds a run. Default false. */
  overwrite?: boolean;
  /** Files the step reads (movie, tables, run.json beside them, a model folder): `out` may not be or hold one. */
  inputs: string[];
  /** The command line recorded in run.json (`command`). */
  command: string[];
  /** The input as the user named it (run.json `source`/`inputs`); default: the stack's or table's path. */
  source?: string;
  /** The previous step's run.json (or the movie's, written by `simulate`); null when none. */
  previous?: RunMetadata | null;
  /** One line per warning or note, as the step goes (default: none; the CLI prints them). */
  log?: (line: string) => void;
}

/**
 * A value as its JSON file holds it (NaN and infinities as null, undefined fields dropped): what a
 * step returns as "run.json as written", so that the next step inherits exactly what it would read.
 */
export function asWritten<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
