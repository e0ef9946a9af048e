/**
 * CSV tables (RFC 4180): the files steps exchange (atoms.csv, tracks.csv, ...; docs/schema.md).
 * Columns are read by header name, never by position. Numbers are written with up to 6
 * significant decimals after the point for coordinates; integers as integers; strings quoted only
 * when they contain a comma, quote or newline.
 */
import { AtomdynError } from './errors.ts';
import { readTextInput } from './regularFile.ts';
import { closeSync, openSync, writeSync } from 'node:fs';
import { writeViaTempFile } from './atomicWrite.ts';
import { ColumnTable } from './columnTable.ts';
import { collectGarbageIfGrown } from './memory.ts';

/** A cell value. Empty cells read as null. */
export type Cell = number | string | boolean | null;

/** A table: column names and rows of records keyed by those names. */
export interface Table {
  columns: string[];
  rows: Array<Record<string, Cell>>;
}

function formatCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? '' : v > 0 ? 'inf' : '-inf';
    if (Number.isInteger(v)) return String(v);
    return String(Number(v.toPrecision(10)));
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * Serialise a table to CSV text (header line, then rows; `\n` line ends). Rows are joined in blocks of
 * {@link BLOCK_LINES} lines, so a long table's line strings die young instead of all living until the end.
 */
export function toCsv(table: Table): string {
  const blocks: string[] = [];
  csvBlocks(table, (b) => blocks.push(b));
  return blocks.join('');
}

/**
 * Lines per block of {@link csvBlocks}: a block's text (some 50-70 kB) stays below V8's large-object size
 * (128 kB), so it is made and dies in the young generation. Blocks of 4 096 lines were large objects,
 * which only a full collection frees: writing 600 000 tracks.csv rows left 28 MiB of them in the old
 * generation, against 1.5 MiB with 512-line blocks, in the same time.
 */
const BLOCK_LINES = 512;

/**
 * The CSV text of `table` in pieces, in order: the header line, then blocks of up to {@link BLOCK_LINES} rows (each
 * piece ends with `\n`). Rows of a {@link ColumnTable} are read by column, without making them.
 */
function csvBlocks(table: Table, emit: (text: string) => void): void {
  const cols = table.columns;
  emit(cols.map((c) => formatCell(c)).join(',') + '\n');
  const get = table instanceof ColumnTable ? cols.map((c) => table.getter(c)) : null;
  const n = table.rows.length;
  let lines: string[] = [];
  const cells: string[] = new Array<string>(cols.length);
  for (let i = 0; i < n; i++) {
    if (get) for (let k = 0; k < cols.length; k++) cells[k] = formatCell(get[k](i));
    else {
      const r = table.rows[i];
      for (let k = 0; k < cols.length; k++) cells[k] = formatCell(r[cols[k]] ?? null);
    }
    lines.push(cells.join(','));
    if (lines.length === BLOCK_LINES) {
      emit(lines.join('\n') + '\n');
      lines = [];
      collectGarbageIfGrown(); // in a long pipeline the line strings can still reach the old generation (V8 promotes what survives two scavenges)
    }
  }
  if (lines.length) emit(lines.join('\n') + '\n');
}

/**
 * Write a table atomically (data/atomicWrite.ts). The text goes to the file block by block (see
 * {@link toCsv}), so a long table's whole text is never held in memory at once.
 * @throws AtomdynError when the target is an input or cannot be written
 */
export async function writeCsv(file: string, table: Table): Promise<void> {
  await writeViaTempFile(file, (tmp) => {
    const fd = openSync(tmp, 'w');
    try {
      csvBlocks(table, (text) => writeSync(fd, text));
    } finally {
      closeSync(fd);
    }
  });
}

/**
 * Call `each` with the fields of every record of CSV text in order (RFC 4180 quoting; CRLF, LF or CR line
 * ends; blank lines skipped). The array passed is reused: `each` must copy what it keeps.
 * @throws AtomdynError naming `file` on an unterminated quoted field
 */
function eachRecord(text: string, file: string, each: (fields: string[]) => void): void {
  const row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      cell = '';
      if (!(row.length === 1 && row[0] === '')) each(row);
      row.length = 0;
    } else cell += ch;
  }
  if (quoted) throw new AtomdynError(file, 'unterminated quoted field');
  if (cell !== '' || row.length) {
    row.push(cell);
    each(row);
  }
}

function splitRecords(text: string, file: string): string[][] {
  const out: string[][] = [];
  eachRecord(text, file, (r) => out.push([...r]));
  return out;
}

function parseCell(s: string): Cell {
  if (s === '') return null;
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s);
  return s;
}

/**
 * One cell as its CSV file holds it (see {@link canonicalTable}): what {@link writeCsv} writes and
 * {@link parseCsv} reads back, e.g. a number to 10 significant digits, NaN as null.
 */
export function canonicalCell(v: Cell): Cell {
  return typeof v === 'string' && /[",\n\r]/.test(v) ? v : parseCell(formatCell(v));
}

/**
 * The table as its CSV file holds it, without writing it: every cell as {@link writeCsv} writes it and
 * {@link parseCsv} reads it back (numbers to 10 significant digits, NaN and undefined as null,
 * numeric-looking and boolean-looking strings as numbers and booleans). Steps that pass tables in
 * memory (pipeline/analyzeMovie.ts) hand the next step exactly what it would read from the file.
 * @returns a new table (same columns, new row objects); a {@link ColumnTable} for a ColumnTable
 */
export function canonicalTable(table: Table): Table {
  // a column of decimals k / 10^d (|k| < 2^31: at most 10 digits) is its own canonical form: the 10
  // significant digits written are exact, and reading them back gives the double k / 10^d is (both are
  // the double nearest the decimal); such columns are shared, without text made for each cell
  if (table instanceof ColumnTable) return table.mapCells(canonicalCell, { keepsDecimals: true });
  return {
    columns: [...table.columns],
    rows: table.rows.map((r) => {
      const o: Record<string, Cell> = {};
      for (const c of table.columns) o[c] = canonicalCell(r[c] ?? null);
      return o;
    }),
  };
}

/**
 * Parse CSV text. Numeric-looking cells become numbers.
 * @param file name used in error messages
 * @throws AtomdynError on an empty file, a ragged row or a duplicate column name
 */
export function parseCsv(text: string, file = '<csv>'): Table {
  const recs = splitRecords(text, file);
  if (recs.length === 0) throw new AtomdynError(file, 'empty table (no header line)');
  const columns = headerOf(recs[0], file);
  const rows: Array<Record<string, Cell>> = [];
  for (let i = 1; i < recs.length; i++) {
    const r = recs[i];
    if (r.length !== columns.length) throw new AtomdynError(file, `line ${i + 1} has ${r.length} fields, the header has ${columns.length}`);
    const o: Record<string, Cell> = {};
    for (let j = 0; j < columns.length; j++) o[columns[j]] = parseCell(r[j]);
    rows.push(o);
  }
  return { columns, rows };
}

/**
 * The header of CSV fields, checked.
 * @throws AtomdynError naming `file` on a repeated column name
 */
function headerOf(fields: string[], file: string): string[] {
  const columns = fields.map((c) => c.trim());
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new AtomdynError(file, `duplicate column '${c}'`);
    seen.add(c);
  }
  return columns;
}

/**
 * Parse CSV text into a {@link ColumnTable}: the cells {@link parseCsv} gives, held by column (typed
 * arrays, strings as dictionary codes; data/columnTable.ts) and parsed one record at a time, so a long
 * table never exists as one object per row (tracks.csv of 600 frames of 512 x 512, 360 000 rows: about
 * 60 MB by column against some 600 MB as row objects). For readers that do not change the rows (a
 * ColumnTable's row objects are copies).
 * @param file name used in error messages
 * @throws AtomdynError as {@link parseCsv}
 */
export function parseCsvColumns(text: string, file = '<csv>'): ColumnTable {
  let table: ColumnTable | null = null;
  let columns: string[] = [];
  const row: Record<string, Cell> = {};
  let line = 0;
  eachRecord(text, file, (r) => {
    line++;
    if (!table) {
      columns = headerOf(r, file);
      table = new ColumnTable(columns);
      return;
    }
    if (r.length !== columns.length) throw new AtomdynError(file, `line ${line} has ${r.length} fields, the header has ${columns.length}`);
    for (let j = 0; j < columns.length; j++) row[columns[j]] = parseCell(r[j]);
    table.append(row);
  });
  if (!table) throw new AtomdynError(file, 'empty table (no header line)');
  (table as ColumnTable).trim();
  return table;
}

/**
 * Read a CSV file into a {@link ColumnTable} ({@link parseCsvColumns}) and check its required columns,
 * as {@link readCsv} does.
 * @throws AtomdynError naming the file when it is missing, unreadable, malformed or lacks a required column
 */
export function readCsvColumns(file: string, required: string[] = []): ColumnTable {
  return withColumns(parseCsvColumns(readTextInput(file, 'table'), file), required, file);
}

/**
 * The table, once it is known to have the `required` columns.
 * @throws AtomdynError naming `file` and the missing columns
 */
function withColumns<T extends Table>(t: T, required: string[], file: string): T {
  const missing = required.filter((c) => !t.columns.includes(c));
  if (missing.length) throw new AtomdynError(file, `missing column(s) ${missing.join(', ')} (has ${t.columns.join(', ')})`);
  return t;
}

/**
 * Read a CSV file and check that it has the required columns.
 * @throws AtomdynError naming the file when it is missing, unreadable or lacks a required column
 */
export function readCsv(file: string, required: string[] = []): Table {
  return withColumns(parseCsv(readTextInput(file, 'table'), file), required, file);
}

/**
 * A numeric column as Float64Array.
 * @throws AtomdynError when a cell is not a number (empty cells give NaN only if `allowEmpty`)
 */
export function numericColumn(t: Table, name: string, file = '<csv>', allowEmpty = false): Float64Array {
  const out = new Float64Array(t.rows.length);
  t.rows.forEach((r, i) => {
    const v = r[name];
    if (typeof v === 'number') out[i] = v;
    else if (v === null && allowEmpty) out[i] = NaN;
    else throw new AtomdynError(file, `column '${name}' row ${i + 2}: expected a number, found ${JSON.stringify(v)}`);
  });
  return out;
}
