/**
 * The movie runs under one root folder (`atomdyn analyze --manifest movies.csv --out ROOT` writes
 * `ROOT/<id>/`, and a copy of the manifest as `ROOT/movies.csv`), as `atomdyn merge` reads them: per
 * movie its configurations table, tracks, configuration model, frame time, dose rate and metadata.
 * A run counts only when its run.json says `"complete": true` (data/runFolder.ts).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { AtomdynError } from './errors.ts';
import { readManifest, type ManifestEntry } from './manifest.ts';
import { readRunBeside, type RunMetadata } from './runMetadata.ts';

/** The copy of the manifest that `analyze --manifest` keeps in the root folder. */
export const ROOT_MANIFEST = 'movies.csv';

/** One complete movie run. */
export interface MovieRun {
  /** Movie id (folder name). */
  id: string;
  /** The run folder (absolute). */
  dir: string;
  /** configurations.csv of the run. */
  configurations: string;
  /** tracks.csv of the run's track step (with its run.json beside it), or null. */
  tracks: string | null;
  /** model.json (the fitted configuration model) of the run, or null. */
  model: string | null;
  /** Seconds per frame: the manifest's, else the run's; null when unknown. */
  frameTimeS: number | null;
  /** Electron flux, e-/Å²/s, from the manifest; null when not given. */
  doseRate: number | null;
  /** The manifest row as text (or `id` alone without a manifest). */
  metadata: Readonly<Record<string, string>>;
  /** The run's run.json. */
  run: RunMetadata;
}

/** Whether `dir` holds a complete run (run.json with `complete: true`). Never throws. */
export function isCompleteRun(dir: string): boolean {
  try {
    return existsSync(path.join(dir, 'run.json')) && readRunBeside(dir)?.complete === true;
  } catch {
    return false;
  }
}

/**
 * Find the movie runs under `root`: the manifest's ids when there is one (`manifest`, else
 * `ROOT/movies.csv`), else every sub-folder whose run.json is a complete `analyze` run.
 *
 * @param root the root folder
 * @param manifest a manifest file to use instead of ROOT/movies.csv
 * @returns the complete runs (manifest order, else by name) and the ids whose run is missing or incomplete
 * @throws AtomdynError(root) when the folder does not exist or holds no complete run; (file) when a
 *   complete run has no configurations.csv
 */
export function findMovieRuns(root: string, manifest?: string): { runs: MovieRun[]; missing: string[] } {
  const abs = path.resolve(root);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new AtomdynError(root, 'no such folder');
  const manifestFile = manifest ?? (existsSync(path.join(abs, ROOT_MANIFEST)) ? path.join(abs, ROOT_MANIFEST) : null);
  const entries: Array<Pick<ManifestEntry, 'id' | 'frameTimeS' | 'doseRateEPerA2S' | 'metadata'>> = manifestFile
    ? readManifest(manifestFile)
    : readdirSync(abs).filter((n) => !n.startsWith('.') && statSync(path.join(abs, n)).isDirectory()).sort()
      .filter((n) => isCompleteRun(path.join(abs, n)) && readRunBeside(path.join(abs, n))?.step === 'analyze')
      .map((id) => ({ id, frameTimeS: null, doseRateEPerA2S: null, metadata: { id } }));
  const runs: MovieRun[] = [], missing: string[] = [];
  for (const e of entries) {
    const dir = path.join(abs, e.id);
    if (!isCompleteRun(dir)) {
      missing.push(e.id);
      continue;
    }
    const run = readRunBeside(dir)!;
    const configurations = path.join(dir, 'configurations.csv');
    if (!existsSync(configurations)) throw new AtomdynError(dir, 'a complete run without configurations.csv (not an analyze run?)');
    const tracks = path.join(dir, 'track', 'tracks.csv');
    const model = path.join(dir, 'model.json');
    runs.push({
      id: e.id, dir, configurations, tracks: existsSync(tracks) ? tracks : null, model: existsSync(model) ? model : null,
      frameTimeS: e.frameTimeS ?? run.frameTimeS?.value ?? null, doseRate: e.doseRateEPerA2S, metadata: e.metadata, run,
    });
  }
  if (!runs.length) throw new AtomdynError(root, `no complete movie run${missing.length ? ` (missing or incomplete: ${missing.join(', ')})` : ''}; run 'atomdyn analyze --manifest movies.csv --out ${root}' first`);
  return { runs, missing };
}
