/**
 * What a run folder holds, for the report: each step's tables (atoms.csv, tracks.csv, drift.csv,
 * configurations.csv, events.csv), transitions.json, run.json and the PNG figures written beside them.
 * Every file is optional; a missing one just leaves its section out of the report.
 *
 * Figure names (docs/schema.md, "Report figures"): `overlay*.png` or `overlays/*.png` (a frame with
 * atoms and tracks drawn), `gallery*.png`, `class_gallery*.png` or `classes/*.png` (class gallery),
 * `crops/event_<frame>_<particle>*.png` (frames around an event), `drift*.png`, `mean_frame.png`
 * (the drift-corrected mean frame behind the trajectory map); any other PNG in the folder is shown
 * under "Other figures".
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { AtomdynError } from '../data/errors.ts';
import { readCsvColumns, type Table } from '../data/csvTable.ts';
import { readRunBeside, type RunMetadata } from '../data/runMetadata.ts';

/** Figures found in the folder (absolute paths), sorted by name. */
export interface RunFigures {
  overlays: string[];
  gallery: string[];
  drift: string[];
  /** Event crops keyed `${frame}_${particle}`. */
  crops: Map<string, string[]>;
  /** mean_frame.png (drift-corrected mean of the frames, 1 image px = 1 input px), or null. */
  meanFrame: string | null;
  other: string[];
}

/** The contents of a run folder; null where a file is absent. */
export interface RunFolder {
  dir: string;
  run: RunMetadata | null;
  atoms: Table | null;
  tracks: Table | null;
  drift: Table | null;
  hops: Table | null;
  configurations: Table | null;
  events: Table | null;
  transitions: Record<string, unknown> | null;
  /** model.json of the classify step (classes, BIC curve), or null. */
  model: Record<string, unknown> | null;
  figures: RunFigures;
}

/**
 * Tables of a run folder already in memory, exactly as its CSV files hold them (data/csvTable.ts
 * canonicalTable: what readCsv gives back); null where the file is absent. A table given here is not
 * read from the folder.
 */
export interface PreloadedTables {
  atoms?: Table | null;
  tracks?: Table | null;
  drift?: Table | null;
  configurations?: Table | null;
  events?: Table | null;
}

function table(dir: string, name: string, given?: Table | null): Table | null {
  if (given !== undefined) return given;
  const f = path.join(dir, name);
  return existsSync(f) ? readCsvColumns(f) : null; // by column: a long run's tables as row objects took some 1 GB
}

function json(file: string): Record<string, unknown> | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new AtomdynError(file, `not valid JSON: ${(e as Error).message}`);
  }
}

function pngsUnder(dir: string, sub: string): string[] {
  const d = path.join(dir, sub);
  if (!existsSync(d) || !statSync(d).isDirectory()) return [];
  return readdirSync(d).filter((f) => /\.png$/i.test(f)).sort().map((f) => path.join(d, f));
}

/**
 * Read everything the report can use from `dir`.
 * @param dir the run folder (output of `analyze`, or of any single step)
 * @param tables tables the caller already holds (not read again); default none
 * @throws AtomdynError when `dir` is not a folder, or a present file cannot be parsed (naming it)
 */
export function readRunFolder(dir: string, tables: PreloadedTables = {}): RunFolder {
  const abs = path.resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new AtomdynError(dir, 'not a folder (give the folder of a run)');
  const tj = path.join(abs, 'transitions.json');
  const transitions = json(tj);
  if (transitions) for (const k of ['states', 'counts', 'matrix', 'ci_low', 'ci_high']) if (!(k in transitions)) throw new AtomdynError(tj, `missing key '${k}'`);
  const top = readdirSync(abs).filter((f) => /\.png$/i.test(f)).sort();
  const overlays = [...top.filter((f) => /^overlay/i.test(f)).map((f) => path.join(abs, f)), ...pngsUnder(abs, 'overlays')];
  const gallery = [...top.filter((f) => /^(class_)?gallery/i.test(f)).map((f) => path.join(abs, f)), ...pngsUnder(abs, 'classes')];
  const drift = top.filter((f) => /^drift/i.test(f)).map((f) => path.join(abs, f));
  const crops = new Map<string, string[]>();
  for (const f of pngsUnder(abs, 'crops')) {
    const m = /^event_(\d+)_(\d+)/i.exec(path.basename(f));
    if (!m) continue;
    const key = `${Number(m[1])}_${Number(m[2])}`;
    crops.set(key, [...(crops.get(key) ?? []), f]);
  }
  const meanFrame = top.includes('mean_frame.png') ? path.join(abs, 'mean_frame.png') : null;
  const used = new Set([...overlays, ...gallery, ...drift, ...(meanFrame ? [meanFrame] : [])]);
  const other = top.map((f) => path.join(abs, f)).filter((f) => !used.has(f));
  return {
    dir: abs,
    run: readRunBeside(abs),
    atoms: table(abs, 'atoms.csv', tables.atoms),
    tracks: table(abs, 'tracks.csv', tables.tracks),
    drift: table(abs, 'drift.csv', tables.drift),
    hops: table(abs, 'hops.csv'),
    configurations: table(abs, 'configurations.csv', tables.configurations),
    events: table(abs, 'events.csv', tables.events),
    transitions,
    model: json(path.join(abs, 'model.json')),
    figures: { overlays, gallery, drift, crops, meanFrame, other },
  };
}
