/**
 * Checks of the tables the steps read (atoms.csv, tracks.csv, configurations.csv; docs/schema.md),
 * made before any value sizes an array or a grid:
 * - every value of a known column lies in a sane range: `frame` an integer in [0, {@link MAX_FRAME}],
 *   `particle` and `state` integers in [0, 2^31 - 1], `x`, `y` finite with |value| <= {@link MAX_COORDINATE_PX}
 *   px, `x_pm`, `y_pm` finite with |value| <= {@link MAX_COORDINATE_PM}; the message prints the value as
 *   it stands in the file and its line;
 * - exact duplicate rows (every cell equal) are dropped and counted in a warning;
 * - rows are put in one canonical order (frame, particle, y, x, then the whole row's text), so a
 *   step's result does not depend on the order of the rows in the file (classify, transitions;
 *   track keeps the file's order, see {@link TableCheckOptions.canonicalOrder}).
 */
import { AtomdynError } from './errors.ts';
import { readCsvColumns, type Cell, type Table } from './csvTable.ts';
import { ColumnTable, columnGetter } from './columnTable.ts';
import { collectGarbageIfGrown } from './memory.ts';

/** Largest frame number accepted (10^7 frames: 116 days at one frame per second). */
export const MAX_FRAME = 1e7;
/** Largest |x|, |y| accepted, px (a 10^6-pixel-wide field of view). */
export const MAX_COORDINATE_PX = 1e6;
/** Largest |x_pm|, |y_pm| accepted, pm ({@link MAX_COORDINATE_PX} at 10 000 pm/px). */
export const MAX_COORDINATE_PM = 1e10;
/** Largest particle id or state label. */
export const MAX_ID = 2 ** 31 - 1;

/** How a column is checked. */
type ColumnKind = 'frame' | 'id' | 'px' | 'pm';

/** The known columns and their kinds; other columns are carried through unchecked. */
const KNOWN: Record<string, ColumnKind> = {
  frame: 'frame',
  particle: 'id',
  state: 'id',
  x: 'px',
  y: 'px',
  x_pm: 'pm',
  y_pm: 'pm',
};

/** Known columns that may be empty unless told otherwise. */
export const EMPTY_ALLOWED: readonly string[] = ['particle', 'state', 'x_pm', 'y_pm'];

/** Which known columns may hold empty cells in a given table. */
export interface TableCheckOptions {
  /**
   * Columns whose cells may be empty; default {@link EMPTY_ALLOWED} (docs/schema.md: `particle` of
   * atoms.csv input, `state` of an unclassified centre, `x_pm`/`y_pm` without a pixel size).
   */
  emptyAllowed?: string[];
  /**
   * Put the rows in the canonical order (default true). `track` keeps the file's order (false): its
   * tracks.csv follows atoms.csv row by row, and linking does not depend on the order.
   */
  canonicalOrder?: boolean;
}

/** The result of {@link checkTable}. */
export interface CheckedTable {
  /** The table: duplicates dropped, rows in canonical order. */
  table: Table;
  /** What the user should know (dropped duplicates). */
  warnings: string[];
}

function describe(kind: ColumnKind): string {
  switch (kind) {
    case 'frame':
      return `an integer from 0 to ${MAX_FRAME}`;
    case 'id':
      return `an integer from 0 to ${MAX_ID}`;
    case 'px':
      return `a number with |value| <= ${MAX_COORDINATE_PX} px`;
    case 'pm':
      return `a number with |value| <= ${MAX_COORDINATE_PM} pm`;
  }
}

function valid(kind: ColumnKind, v: number): boolean {
  if (!Number.isFinite(v)) return false;
  switch (kind) {
    case 'frame':
      return Number.isInteger(v) && v >= 0 && v <= MAX_FRAME;
    case 'id':
      return Number.isInteger(v) && v >= 0 && v <= MAX_ID;
    case 'px':
      return Math.abs(v) <= MAX_COORDINATE_PX;
    case 'pm':
      return Math.abs(v) <= MAX_COORDINATE_PM;
  }
}

/** A cell as the file had it (numbers in their shortest exact form), quoted and cut to 40 characters. */
function shown(v: Cell): string {
  const s = v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v);
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(clean.length > 40 ? `${clean.slice(0, 40)}...` : clean);
}

/** The text of a cell; a row's cells joined by NUL are its text, for the duplicate test and the last sort key. */
function cellText(v: Cell | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

/** Compare two numeric cells, empty (null) last. */
function compareCells(a: Cell, b: Cell): number {
  const an = typeof a === 'number';
  const bn = typeof b === 'number';
  if (an && bn) return (a as number) - (b as number);
  if (an !== bn) return an ? -1 : 1;
  return 0;
}

/**
 * Check the known columns of `table`, drop exact duplicate rows and sort the rows canonically.
 * Line numbers in messages are the file's (header = line 1).
 *
 * @param file the table's path, named in every message
 * @param table as read by data/csvTable.ts readCsv (not modified)
 * @param opts which known columns may be empty (default {@link EMPTY_ALLOWED})
 * @returns the checked table (a new object) and warnings
 * @throws AtomdynError naming the file, the line, the column and the value as read, for a value out
 *   of range, not a number, or empty where a value is required
 */
export function checkTable(file: string, table: Table, opts: TableCheckOptions = {}): CheckedTable {
  const { order, warnings } = checkedRows(file, table, opts);
  if (table instanceof ColumnTable) return { table: table.select(order), warnings };
  return { table: { columns: [...table.columns], rows: Array.from(order, (i) => table.rows[i]) }, warnings };
}

/** What {@link checkedRows} returns. */
export interface CheckedRows {
  /** The rows {@link checkTable} keeps, as row indices of the input table, in the checked table's order. */
  order: Int32Array;
  /** What the user should know (dropped duplicates). */
  warnings: string[];
}

/**
 * {@link checkTable} without making the checked table: the same checks and errors, and the input's row
 * indices the checked table holds, in its order (row k of `checkTable(file, table, opts).table` is row
 * `order[k]` of `table`). For a caller that reads the rows once (e.g. into typed columns of its own),
 * so that a long table's checked copy is never made.
 * @throws AtomdynError as {@link checkTable}
 */
export function checkedRows(file: string, table: Table, opts: TableCheckOptions = {}): CheckedRows {
  const emptyOk = new Set(opts.emptyAllowed ?? EMPTY_ALLOWED);
  const checked = table.columns.filter((c) => c in KNOWN);
  const n = table.rows.length;
  // cells read by column (a ColumnTable's rows are not made; data/columnTable.ts columnGetter)
  const get = new Map(table.columns.map((c) => [c, columnGetter(table, c)]));
  const getters = table.columns.map((c) => get.get(c)!);
  const checkedGet = checked.map((c) => get.get(c)!);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < checked.length; k++) {
      const c = checked[k];
      const v = checkedGet[k](i);
      if (v === null || v === undefined) {
        if (emptyOk.has(c)) continue;
        throw new AtomdynError(file, `line ${i + 2}: column '${c}' is empty; it must be ${describe(KNOWN[c])}`);
      }
      if (typeof v !== 'number' || !valid(KNOWN[c], v)) {
        throw new AtomdynError(file, `line ${i + 2}: column '${c}' must be ${describe(KNOWN[c])}, found ${shown(v)}`);
      }
    }
  }
  // exact duplicates: rows with the same text. The texts are hashed, not kept (a long table's keys
  // would take more memory than its cells), into an open-addressing table of row numbers (typed
  // arrays, about 16 bytes per row where a Map of boxed hashes took some 50), and compared in full
  // only when two hashes agree
  const key = (i: number) => getters.map((g) => cellText(g(i))).join('\u0000');
  const kept = new Int32Array(n);
  let nKept = 0;
  let duplicates = 0;
  let firstDuplicate = -1;
  const hashes = new Float64Array(n); // row -> its text's hash (kept rows)
  const bits = Math.max(4, Math.ceil(Math.log2(2 * n + 1)));
  const slots = new Int32Array(1 << bits); // row + 1 of a kept row; 0: empty (load <= 1/2, linear probing)
  const mask = (1 << bits) - 1;
  for (let i = 0; i < n; i++) {
    if ((i & 0xffff) === 0xffff) collectGarbageIfGrown(); // the row texts die young, but V8 lets them pile up over a long table
    const k = key(i);
    const h = textHash(k);
    let slot = (h % 4294967296) & mask; // the hash's low 32 bits (FNV-1a's second lane mixed in)
    let duplicate = false;
    for (let j = slots[slot]; j !== 0; slot = (slot + 1) & mask, j = slots[slot]) {
      if (hashes[j - 1] === h && key(j - 1) === k) {
        duplicate = true;
        break;
      }
    }
    if (duplicate) {
      duplicates++;
      if (firstDuplicate < 0) firstDuplicate = i + 2;
      continue;
    }
    slots[slot] = i + 1;
    hashes[i] = h;
    kept[nKept++] = i;
  }
  const order = kept.slice(0, nKept);
  const sortBy = ['frame', 'particle', 'y', 'x'].filter((c) => table.columns.includes(c)).map((c) => get.get(c)!);
  if (opts.canonicalOrder !== false) {
    const sorted = Array.from(order).sort((a, b) => {
      for (const g of sortBy) {
        const d = compareCells(g(a), g(b));
        if (d !== 0) return d;
      }
      const ka = key(a);
      const kb = key(b);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    order.set(sorted);
  }
  const warnings: string[] = [];
  if (duplicates) {
    warnings.push(`${file}: ${duplicates} exact duplicate row${duplicates === 1 ? '' : 's'} dropped (the first at line ${firstDuplicate})`);
  }
  return { order, warnings };
}

/** A 52-bit hash of a string (two 32-bit FNV-1a lanes), to find candidate duplicates. */
function textHash(s: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0) * 0x100000 + ((b >>> 0) & 0xfffff);
}

/**
 * Read a CSV table (data/csvTable.ts readCsvColumns, with its `required` columns: held by column, as
 * `analyze` hands its steps their tables) and {@link checkTable} it; warnings are written to stderr as
 * `atomdyn: warning: ...` lines.
 * @throws AtomdynError as readCsvColumns and checkTable
 */
export function readCheckedCsv(file: string, required: string[] = [], opts: TableCheckOptions = {}): Table {
  const { table, warnings } = checkTable(file, readCsvColumns(file, required), opts);
  for (const w of warnings) process.stderr.write(`atomdyn: warning: ${w}\n`);
  return table;
}
