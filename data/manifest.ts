/**
 * The movie manifest (`movies.csv`, docs/schema.md): one row per movie with its file, id and
 * metadata, for `atomdyn analyze --manifest` and `atomdyn merge`. Columns `path` and `id` are
 * required; `material`, `dose_rate_e_per_A2_s`, `frame_time_s` and `pixel_size_pm` are read as
 * numbers (material as text) where given, and an empty cell falls back to the file's own metadata
 * (null here); any other column is kept as text in `metadata`, e.g. for `merge --group-by`.
 */
import path from 'node:path';
import { AtomdynError } from './errors.ts';
import { readCsv, type Cell } from './csvTable.ts';

/** The columns every manifest must have. */
export const MANIFEST_REQUIRED = ['path', 'id'] as const;
/** The numeric columns with a fixed meaning and unit. */
export const MANIFEST_NUMERIC = ['dose_rate_e_per_A2_s', 'frame_time_s', 'pixel_size_pm'] as const;

/** One movie of a manifest. */
export interface ManifestEntry {
  /** Movie id: the name of its run folder under the output root (letters, digits, `.`, `_`, `-`). */
  id: string;
  /** Absolute path of the movie file (a relative `path` is taken from the manifest's folder). */
  path: string;
  /** Material (e.g. `graphene-si`), or null to use the default. */
  material: string | null;
  /** Electron flux, e-/Å²/s, or null (unknown / from the file). */
  doseRateEPerA2S: number | null;
  /** Seconds per frame, or null (from the file). */
  frameTimeS: number | null;
  /** Pixel size, pm, or null (from the file). */
  pixelSizePm: number | null;
  /** Every column of the row as text (empty cells as ''), the known ones included. */
  metadata: Readonly<Record<string, string>>;
  /** Line of the manifest (for messages). */
  line: number;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function text(v: Cell): string {
  return v === null || v === undefined ? '' : String(v);
}

/**
 * Read and check a manifest.
 *
 * @param file path of movies.csv
 * @returns entries in file order
 * @throws AtomdynError(file) when a required column is missing, there is no row, a path or id is
 *   empty, an id is not a folder name or repeats, or a numeric cell is not a number > 0. Movie files
 *   are not opened here (their absence is reported when a movie is analysed).
 */
export function readManifest(file: string): ManifestEntry[] {
  const table = readCsv(file, [...MANIFEST_REQUIRED]);
  if (!table.rows.length) throw new AtomdynError(file, 'no movies (the manifest has a header but no rows)');
  const dir = path.dirname(path.resolve(file));
  const seen = new Map<string, number>();
  return table.rows.map((r, k) => {
    const line = k + 2;
    const p = text(r.path).trim();
    if (!p) throw new AtomdynError(file, `line ${line}: empty path`);
    const id = text(r.id).trim();
    if (!id) throw new AtomdynError(file, `line ${line}: empty id`);
    if (!ID.test(id)) throw new AtomdynError(file, `line ${line}: id '${id}' is not a folder name (use letters, digits, '.', '_', '-')`);
    if (seen.has(id)) throw new AtomdynError(file, `line ${line}: id '${id}' is used on line ${seen.get(id)} too`);
    seen.set(id, line);
    const num = (key: string): number | null => {
      const v = r[key];
      if (v === undefined || v === null || v === '') return null;
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new AtomdynError(file, `line ${line}: ${key} must be a number > 0 or empty, found '${text(v)}'`);
      return v;
    };
    const material = text(r.material).trim();
    return {
      id, path: path.resolve(dir, p), material: material || null,
      doseRateEPerA2S: num('dose_rate_e_per_A2_s'), frameTimeS: num('frame_time_s'), pixelSizePm: num('pixel_size_pm'),
      metadata: Object.freeze(Object.fromEntries(table.columns.map((c) => [c, text(r[c])]))), line,
    };
  });
}
