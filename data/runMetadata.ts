/**
 * `run.json`: the metadata every step writes beside its tables and every later step reads.
 * The contract is in docs/schema.md ("run.json"). Precedence for any value:
 * command line > previous step's run.json > file metadata > lattice-derived/default.
 */
import { promises as fs, existsSync, readFileSync, statSync } from 'node:fs';
import { readTextInput } from './regularFile.ts';
import path from 'node:path';
import { createRequire } from 'node:module';
import { AtomdynError } from './errors.ts';
import { writeFileAtomic } from './atomicWrite.ts';
import { packageRoot } from './packagePaths.ts';

/** Where a value came from, most trusted first. */
export type ValueOrigin = 'command-line' | 'run.json' | 'file' | 'lattice' | 'model' | 'default' | 'none';

/** A value with its origin and, optionally, a note (e.g. why a file value was not trusted). */
export interface Sourced<T> {
  value: T | null;
  origin: ValueOrigin;
  /** Free text: the metadata key it was read from, or why it was rejected. */
  note?: string;
}

/** Spatial and temporal calibration of a frame stack. */
export interface Calibration {
  /** Pixel size in picometres (square pixels assumed). null when unknown. */
  pixelSizePm: Sourced<number>;
  /** Time between the starts of consecutive frames, seconds. null when unknown. */
  frameTimeS: Sourced<number>;
}

/** The contents of run.json (docs/schema.md). Unknown extra keys are kept on read. */
export interface RunMetadata {
  /** Schema version of this file. */
  schema: 'atomdyn-run/1';
  /** Step that wrote it: 'locate', 'track', 'classify', 'transitions', 'simulate', 'train', 'analyze'. */
  step: string;
  /** ISO 8601 time the step finished. */
  created: string;
  /** The exact command line (argv without node and the script), for reproduction. */
  command: string[];
  /** The original input file (movie or image) the chain started from, absolute path. */
  source: string | null;
  /** The files this step read (tables or images), absolute paths. */
  inputs: string[];
  /** Frames in the source: count, height, width (pixels). */
  frames: { count: number; height: number; width: number } | null;
  /** Pixel size in pm with its origin; see Calibration. */
  pixelSizePm: Sourced<number>;
  /** Frame time in s with its origin. */
  frameTimeS: Sourced<number>;
  /** Lattice/material name, e.g. 'graphene', 'WSe2'. */
  lattice: string | null;
  /** Model name (or path) and its card, when a network was used. */
  model: { name: string; card?: unknown } | null;
  /** Species name -> element (e.g. { C: 'C', Si: 'Si' } or { metal: 'W', chalcogen: 'Se2' }). */
  species: Record<string, string>;
  /** Tensor backend used ('tensorflow', 'wasm', 'cpu') or null when the step used none. */
  backend: string | null;
  /** Versions: atomdyn, node, tfjs. */
  versions: Record<string, string>;
  /** Seed of every random step (null when the step is deterministic without one). */
  seed: number | null;
  /** Step-specific settings (lag, search range, K, ...). */
  parameters: Record<string, unknown>;
  /** Output files this step wrote, relative to the run folder. */
  outputs: string[];
  /** Warnings shown to the user (calibration disagreements, ambiguous registration, ...). */
  warnings: string[];
  /**
   * Part of the movie this chain analysed (`--frame-range`, `--roi` of locate/analyze); absent for
   * the whole movie. Frame numbers and pixel coordinates in every table stay the full movie's.
   */
  selection?: RunSelection | null;
  /**
   * True in a finished run: run.json is written last, in a temporary folder that is then moved to
   * the --out folder (data/runFolder.ts). Absent while a run is being written.
   */
  complete?: boolean;
  /** A simulation's truth file (truth.csv: true states and positions), absolute path, when the input is a simulated movie with known kinetics; the report then adds its known-answer check. */
  truth?: string | null;
  /** The previous step's run.json, embedded, so one file tells the whole chain. */
  previous?: RunMetadata | null;
  [extra: string]: unknown;
}

/** The part of a movie a run analysed (run.json `selection`). */
export interface RunSelection {
  /** Frames `start, start + step, ...` below `stop` (0-based, stop exclusive), or null for all. */
  frameRange: { start: number; stop: number; step: number } | null;
  /** Region in input pixels (`x`, `y` = first column and row), or null for whole frames. */
  roi: { x: number; y: number; width: number; height: number } | null;
  /** Number of frames selected. */
  frames: number;
}

const require = createRequire(import.meta.url);

/** Versions recorded in every run.json: atomdyn, node, tfjs. */
export function versions(): Record<string, string> {
  const out: Record<string, string> = { node: process.versions.node };
  try {
    out.atomdyn = (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    out.atomdyn = 'unknown';
  }
  try {
    out.tfjs = (require('@tensorflow/tfjs-core/package.json') as { version: string }).version;
  } catch {
    /* tfjs not needed by every step */
  }
  return out;
}

/** An unknown value. */
export function unknown<T>(): Sourced<T> {
  return { value: null, origin: 'none' };
}

/**
 * A value inherited from a previous step's run.json: its origin is kept ('file', 'lattice', ...),
 * except that a command-line value becomes 'run.json' (it was given to that step, not to this one).
 * Unknown (null) values stay unknown.
 */
export function inheritSourced<T>(s: Sourced<T> | null | undefined): Sourced<T> {
  return s && s.value !== null && s.value !== undefined ? { ...s, origin: s.origin === 'command-line' ? 'run.json' : s.origin } : unknown<T>();
}

/**
 * Pick the first known value in precedence order (command line, run.json, file, ...).
 * @param candidates values in decreasing precedence; null/undefined entries are skipped
 */
export function pickSourced<T>(...candidates: Array<Sourced<T> | null | undefined>): Sourced<T> {
  for (const c of candidates) if (c && c.value !== null && c.value !== undefined) return c;
  return unknown<T>();
}

/**
 * A fresh run.json for `step`, filled with versions and defaults; callers set the rest.
 * @param previous the previous step's run.json: its source, frames, calibration, lattice, model and
 *   species are inherited (origin becomes 'run.json' unless it was already more specific)
 */
export function newRun(step: string, command: string[], previous?: RunMetadata | null): RunMetadata {
  return {
    schema: 'atomdyn-run/1',
    step,
    created: new Date().toISOString(),
    command,
    source: previous?.source ?? null,
    inputs: [],
    frames: previous?.frames ?? null,
    pixelSizePm: inheritSourced(previous?.pixelSizePm),
    frameTimeS: inheritSourced(previous?.frameTimeS),
    lattice: previous?.lattice ?? null,
    model: previous?.model ?? null,
    species: { ...(previous?.species ?? {}) },
    ...(previous?.selection ? { selection: previous.selection } : {}),
    backend: null,
    versions: versions(),
    seed: null,
    parameters: {},
    outputs: [],
    warnings: [],
    previous: previous ?? null,
  };
}

/**
 * Read `run.json` from a folder (or the folder of a table file). Returns null when there is none.
 * @throws AtomdynError when the file exists but is not valid JSON of this schema
 */
export function readRunBeside(fileOrDir: string): RunMetadata | null {
  // a folder (also one named like a file: a run folder's temporary `.NAME.atomdyn-...partial`), else the file's folder
  const dir = existsSync(fileOrDir) && statSync(fileOrDir).isDirectory() ? fileOrDir : path.dirname(fileOrDir);
  const file = path.join(dir, 'run.json');
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readTextInput(file, 'run.json'));
  } catch (e) {
    throw new AtomdynError(file, `not valid JSON: ${(e as Error).message}`);
  }
  const r = parsed as Partial<RunMetadata>;
  if (r.schema !== 'atomdyn-run/1') throw new AtomdynError(file, `not an atomdyn run.json (schema is ${JSON.stringify(r.schema)})`);
  return r as RunMetadata;
}

/**
 * Write `DIR/run.json` atomically (stamps `created`).
 * @throws AtomdynError when the folder cannot be written
 */
export async function writeRun(dir: string, run: RunMetadata): Promise<void> {
  run.created = new Date().toISOString();
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, 'run.json'), JSON.stringify(run, null, 2) + '\n');
}
