/**
 * The HDF5 results file (e.g. `results.h5`), written through h5wasm and readable by h5py, HDFView
 * or {@link readResultsHdf5}:
 *
 * ```
 * /                      attribute run_json: the run's metadata (run.json) as a JSON string
 *                        attribute schema: 'atomdyn-results/1', plus any extra root attributes
 * /tables/<name>/        one group per table; attributes columns (JSON list, column order),
 *                        rows (count), description
 * /tables/<name>/<col>   one 1-D dataset per column, attribute units ('' when none) and kind:
 *                        'float' (float64, missing = NaN), 'int' (int32; only when no cell is
 *                        missing), 'bool' (int8: 1 true, 0 false, -1 missing) or 'string'
 *                        (UTF-8; missing = '')
 * /arrays/<name>         N-D float64/float32/int32 datasets (matrices, images), attributes units,
 *                        description
 * ```
 * Column names and units follow docs/schema.md. The file is written to a temporary name and renamed
 * (data/atomicWrite.ts), and never over an input.
 */
import type { Dataset, File as H5File, Group } from 'h5wasm';
import { AtomdynError } from '../errors.ts';
import { writeViaTempFile } from '../atomicWrite.ts';
import type { Cell, Table } from '../csvTable.ts';
import { columnGetter } from '../columnTable.ts';
import { h5wasm, hdf5Message } from '../readers/h5wasmNode.ts';

/** A table with the units of its columns (docs/schema.md). */
export interface ResultTable {
  table: Table;
  /** Column name -> unit ('px', 'pm', 's', ...); columns without an entry have no unit. */
  units?: Record<string, string>;
  description?: string;
}

/** An N-D numeric array. */
export interface ResultArray {
  data: Float64Array | Float32Array | Int32Array | number[];
  /** Row-major shape; the product must equal data.length. */
  shape: number[];
  units?: string;
  description?: string;
}

/** Everything a results file holds. */
export interface ResultsContents {
  /** The run's metadata (RunMetadata or any JSON-able object); stored as the `run_json` attribute. */
  run?: unknown;
  tables?: Record<string, ResultTable>;
  arrays?: Record<string, ResultArray>;
  /** Extra root attributes (strings or numbers). */
  attributes?: Record<string, string | number>;
}

type Kind = 'float' | 'int' | 'bool' | 'string';

/** The kind of the column whose cell i is `get(i)`, i < n (read once, no array of the cells made). */
function columnKind(get: (i: number) => Cell, n: number): Kind {
  let sawNull = false;
  let allInt = true;
  let kind: Kind | null = null;
  for (let i = 0; i < n; i++) {
    const v = get(i);
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
      sawNull = true;
      continue;
    }
    const k: Kind = typeof v === 'number' ? 'float' : typeof v === 'boolean' ? 'bool' : 'string';
    if (k === 'float' && !(Number.isInteger(v) && Math.abs(v as number) < 2 ** 31)) allInt = false;
    if (kind === null) kind = k;
    else if (kind !== k) return 'string';
  }
  if (kind === null) return 'float';
  if (kind === 'float' && allInt && !sawNull) return 'int';
  return kind;
}

function validName(name: string, what: string, file: string): void {
  if (!name || name.includes('/') || name === '.' || name === '..') throw new AtomdynError(file, `invalid ${what} name '${name}' for an HDF5 results file`);
}

/**
 * Buffers for the columns of one file, reused from column to column (h5wasm copies a dataset's data into
 * its own heap), so that a long table's columns do not each leave a buffer for the garbage collector.
 */
class ColumnBuffers {
  private f64 = new Float64Array(0);
  private i32 = new Int32Array(0);
  private i8 = new Int8Array(0);
  /** A float64 buffer of n values (its contents are overwritten by the caller). */
  float(n: number): Float64Array {
    if (this.f64.length < n) this.f64 = new Float64Array(n);
    return this.f64.subarray(0, n);
  }
  /** An int32 buffer of n values. */
  int(n: number): Int32Array {
    if (this.i32.length < n) this.i32 = new Int32Array(n);
    return this.i32.subarray(0, n);
  }
  /** An int8 buffer of n values. */
  byte(n: number): Int8Array {
    if (this.i8.length < n) this.i8 = new Int8Array(n);
    return this.i8.subarray(0, n);
  }
}

/**
 * Write the column whose cell i is `get(i)`, i < n, as a dataset of its kind. The cells go straight into
 * a typed buffer (a long table's column is not first copied into an array of cells).
 */
function writeColumn(g: Group, name: string, get: (i: number) => Cell, n: number, unit: string, buffers: ColumnBuffers): void {
  const kind = columnKind(get, n);
  let ds: Dataset;
  if (kind === 'float') {
    const a = buffers.float(n);
    for (let i = 0; i < n; i++) {
      const v = get(i);
      a[i] = typeof v === 'number' ? v : NaN;
    }
    ds = g.create_dataset({ name, data: a, shape: [n], dtype: '<d' });
  } else if (kind === 'int') {
    const a = buffers.int(n);
    for (let i = 0; i < n; i++) a[i] = get(i) as number;
    ds = g.create_dataset({ name, data: a, shape: [n], dtype: '<i' });
  } else if (kind === 'bool') {
    const a = buffers.byte(n);
    for (let i = 0; i < n; i++) {
      const v = get(i);
      a[i] = v === true ? 1 : v === false ? 0 : -1;
    }
    ds = g.create_dataset({ name, data: a as unknown as Int32Array, shape: [n], dtype: '<b' });
  } else {
    const s = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const v = get(i);
      s[i] = v === null || v === undefined ? '' : String(v);
    }
    ds = n === 0 ? g.create_dataset({ name, data: new Float64Array(0), shape: [0], dtype: '<d' }) : g.create_dataset({ name, data: s });
  }
  ds.create_attribute('units', unit);
  ds.create_attribute('kind', kind);
}

/**
 * Write a results file atomically.
 * @throws AtomdynError when `file` is an input, a name is invalid, an array's shape does not match its
 *   data, or HDF5 fails to write
 */
export async function writeResultsHdf5(file: string, contents: ResultsContents): Promise<void> {
  const h5 = await h5wasm();
  await writeViaTempFile(file, (tmp) => {
    let f: H5File;
    try {
      f = new h5.File(tmp, 'w', { track_order: true });
    } catch (e) {
      throw new AtomdynError(file, `cannot create HDF5 file: ${hdf5Message(e)}`, { cause: e });
    }
    try {
      f.create_attribute('schema', 'atomdyn-results/1');
      if (contents.run !== undefined) f.create_attribute('run_json', JSON.stringify(contents.run));
      for (const [k, v] of Object.entries(contents.attributes ?? {})) {
        validName(k, 'attribute', file);
        f.create_attribute(k, typeof v === 'number' ? new Float64Array([v]) : v, typeof v === 'number' ? [] : null);
      }
      const tables = Object.entries(contents.tables ?? {});
      const buffers = new ColumnBuffers();
      if (tables.length) {
        const tg = f.create_group('tables', true);
        for (const [name, t] of tables) {
          validName(name, 'table', file);
          const g = tg.create_group(name, true);
          g.create_attribute('columns', JSON.stringify(t.table.columns));
          g.create_attribute('rows', new Int32Array([t.table.rows.length]), []);
          g.create_attribute('description', t.description ?? '');
          const seen = new Set<string>();
          for (const col of t.table.columns) {
            validName(col, 'column', file);
            if (seen.has(col)) throw new AtomdynError(file, `table '${name}' has column '${col}' twice`);
            seen.add(col);
            writeColumn(g, col, columnGetter(t.table, col), t.table.rows.length, t.units?.[col] ?? '', buffers); // a ColumnTable's cells without making its rows
          }
        }
      }
      const arrays = Object.entries(contents.arrays ?? {});
      if (arrays.length) {
        const ag = f.create_group('arrays', true);
        for (const [name, a] of arrays) {
          validName(name, 'array', file);
          const n = a.shape.reduce((p, c) => p * c, 1);
          if (n !== a.data.length) throw new AtomdynError(file, `array '${name}' has ${a.data.length} values but shape [${a.shape.join(', ')}]`);
          const data = Array.isArray(a.data) ? Float64Array.from(a.data) : a.data;
          const dtype = data instanceof Float32Array ? '<f' : data instanceof Int32Array ? '<i' : '<d';
          const ds = ag.create_dataset({ name, data, shape: a.shape, dtype });
          ds.create_attribute('units', a.units ?? '');
          ds.create_attribute('description', a.description ?? '');
        }
      }
    } catch (e) {
      try {
        f.close();
      } catch {
        /* ignore */
      }
      if (e instanceof AtomdynError) throw e;
      throw new AtomdynError(file, `cannot write HDF5 results: ${hdf5Message(e)}`, { cause: e });
    }
    f.close();
  });
}

function attrOf(obj: Dataset | Group, name: string): unknown {
  try {
    const a = obj.attrs[name];
    if (!a) return undefined;
    const v = a.value as unknown;
    if (ArrayBuffer.isView(v)) return Number((v as unknown as ArrayLike<number | bigint>)[0]);
    return v;
  } catch {
    return undefined;
  }
}

/**
 * Read a results file written by {@link writeResultsHdf5} back into the same structure
 * (NaN in float columns and '' in string columns read as null; int and bool columns as numbers and
 * booleans).
 * @throws AtomdynError when the file is missing, not HDF5 or not an atomdyn results file
 */
export async function readResultsHdf5(file: string): Promise<ResultsContents> {
  const h5 = await h5wasm();
  let f: H5File;
  try {
    f = new h5.File(file, 'r');
  } catch (e) {
    throw new AtomdynError(file, `cannot open HDF5 file: ${hdf5Message(e)}`, { cause: e });
  }
  try {
    if (attrOf(f, 'schema') !== 'atomdyn-results/1') throw new AtomdynError(file, 'not an atomdyn results file (no schema attribute atomdyn-results/1)');
    const out: ResultsContents = { tables: {}, arrays: {}, attributes: {} };
    const runJson = attrOf(f, 'run_json');
    if (typeof runJson === 'string') out.run = JSON.parse(runJson);
    for (const k of Object.keys(f.attrs)) {
      if (k === 'schema' || k === 'run_json') continue;
      const v = attrOf(f, k);
      if (typeof v === 'string' || typeof v === 'number') out.attributes![k] = v;
    }
    const tg = f.get('tables') as Group | null;
    if (tg) {
      for (const name of tg.keys()) {
        const g = f.get(`tables/${name}`) as Group;
        const columns = JSON.parse(String(attrOf(g, 'columns') ?? '[]')) as string[];
        const nRows = Number(attrOf(g, 'rows') ?? 0);
        const rows: Array<Record<string, Cell>> = Array.from({ length: nRows }, () => ({}));
        const units: Record<string, string> = {};
        for (const col of columns) {
          const ds = f.get(`tables/${name}/${col}`) as Dataset;
          const kind = attrOf(ds, 'kind') as Kind;
          const unit = attrOf(ds, 'units');
          if (typeof unit === 'string' && unit) units[col] = unit;
          const vals = (nRows ? ds.value : []) as ArrayLike<unknown>;
          for (let i = 0; i < nRows; i++) {
            const v = vals[i];
            let cell: Cell;
            if (kind === 'float') cell = Number.isNaN(v as number) ? null : (v as number);
            else if (kind === 'int') cell = Number(v);
            else if (kind === 'bool') cell = v === 1 ? true : v === 0 ? false : null;
            else cell = v === '' ? null : String(v);
            rows[i][col] = cell;
          }
        }
        const description = attrOf(g, 'description');
        out.tables![name] = { table: { columns, rows }, units, ...(typeof description === 'string' && description ? { description } : {}) };
      }
    }
    const ag = f.get('arrays') as Group | null;
    if (ag) {
      for (const name of ag.keys()) {
        const ds = f.get(`arrays/${name}`) as Dataset;
        const v = ds.value as Float64Array | Float32Array | Int32Array;
        const units = attrOf(ds, 'units');
        const description = attrOf(ds, 'description');
        out.arrays![name] = {
          data: v,
          shape: ds.shape ?? [v.length],
          ...(typeof units === 'string' && units ? { units } : {}),
          ...(typeof description === 'string' && description ? { description } : {}),
        };
      }
    }
    return out;
  } catch (e) {
    if (e instanceof AtomdynError) throw e;
    throw new AtomdynError(file, `cannot read HDF5 results: ${hdf5Message(e)}`, { cause: e });
  } finally {
    f.close();
  }
}
