/**
 * Tables held by column (issue 24: flat memory in the movie's length). A {@link Table} keeps one
 * JavaScript object per row, about 300 bytes for an atoms.csv row of ten cells (a property slot and a
 * boxed number per cell, the object and its property store); the atoms and tracks of a 600-frame
 * 512 x 512 movie (600 000 rows each) then take about half a gigabyte. {@link ColumnTable} is a
 * `Table` whose cells live in typed columns: numbers that are all k / 10^d for an int32 k and d <= 6
 * (frames, particle ids, coordinates rounded to a few decimals, as the tables hold them) as those
 * integers (4 bytes per cell, read back bit for bit: IEEE division rounds k / 10^d to the very double
 * that was stored), other numbers as float64 (8 bytes per cell; an empty cell as NaN), strings as
 * 32-bit codes into the column's dictionary, booleans as one byte; a column that mixes kinds keeps
 * plain cells. A long column is held in chunks of 65 536 cells, so it grows without copying
 * itself (no transient second copy while a long movie's table fills). Tables made from others (`project`,
 * an identity `select`, the columns `mapCells` leaves unchanged) share those columns until either
 * changes (copy on write). Its `rows` is an array-like view (a Proxy over an empty array):
 * `rows[i]`, `rows.length`, iteration, `map`, `filter`, `forEach`, `push`, `sort`, ... work as on an
 * array, and each row read is a fresh object made on demand (it dies young), so code written for
 * `Table` reads a ColumnTable unchanged. Two differences: a row object read from `rows` is a copy
 * (changing it does not change the table; assign `rows[i] = row` instead), and `rows[i] !== rows[i]`.
 * Cells read back are those appended, except `undefined` and NaN, which read back as null (as in a CSV
 * file, data/csvTable.ts), and cells of columns the table does not name, which are not kept.
 */
import type { Cell, Table } from './csvTable.ts';

/** Rows per chunk of a long column (2^16): a column grows by whole chunks, never by copying its cells. */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

type TypedArray = Float64Array | Uint32Array | Int32Array | Int8Array;
type TypedArrayOf = { new (n: number): TypedArray };

/**
 * A growable typed array held in chunks of {@link CHUNK} values (a short one in a single chunk sized to
 * it): growing adds a chunk, so a long column is never copied whole and holds at most one chunk unused.
 */
class Chunked {
  chunks: TypedArray[] = [];
  /** Values the chunks hold room for. */
  capacity = 0;

  constructor(private readonly type: TypedArrayOf, private readonly empty: number, capacity = 0) {
    this.reserve(capacity);
  }

  get(i: number): number {
    return this.chunks[i >>> CHUNK_BITS][i & CHUNK_MASK];
  }

  set(i: number, v: number): void {
    this.chunks[i >>> CHUNK_BITS][i & CHUNK_MASK] = v;
  }

  private fresh(n: number): TypedArray {
    const a = new this.type(n);
    if (this.empty !== 0) a.fill(this.empty);
    return a;
  }

  /** Make room for n values (a single chunk grows by x1.5 up to a full chunk; beyond, whole chunks are added). */
  reserve(n: number): void {
    if (n <= this.capacity) return;
    if (this.chunks.length <= 1 && this.capacity < CHUNK) {
      const size = Math.min(CHUNK, Math.max(n, Math.ceil(1.5 * this.capacity), 16));
      const a = this.fresh(size);
      if (this.chunks.length) a.set(this.chunks[0] as never);
      this.chunks = [a];
      this.capacity = size;
    }
    while (this.capacity < n) {
      this.chunks.push(this.fresh(CHUNK));
      this.capacity += CHUNK;
    }
  }

  /** Empty every value from index n on. */
  clearFrom(n: number): void {
    for (let i = n; i < this.capacity && (i & CHUNK_MASK) !== 0; i++) this.set(i, this.empty);
    for (let k = Math.ceil(n / CHUNK); k < this.chunks.length; k++) this.chunks[k].fill(this.empty);
  }

  /** Drop whole chunks past the first n values. */
  shrink(n: number): void {
    const keep = Math.max(1, Math.ceil(n / CHUNK));
    if (this.chunks.length > keep) {
      this.chunks.length = keep;
      this.capacity = this.chunks.length === 1 ? this.chunks[0].length : keep * CHUNK;
    }
  }

  /** A copy of the first `length` values with room for `capacity`. */
  copy(length: number, capacity = length): Chunked {
    const out = new Chunked(this.type, this.empty, Math.max(length, capacity));
    for (let i = 0; i < length; i++) out.set(i, this.get(i));
    return out;
  }

  /** A new array of the values at `order[k]`, k = 0..order.length-1. */
  gather(order: ArrayLike<number>): Chunked {
    const out = new Chunked(this.type, this.empty, order.length);
    for (let k = 0; k < order.length; k++) out.set(k, this.get(order[k]));
    return out;
  }
}

/** An empty cell of a decimal column (the smallest int32, never a stored value). */
const DEC_EMPTY = -(2 ** 31);
/** Decimal digits a decimal column keeps at most (10^DEC_MAX_DIGITS scales its integers). */
const DEC_MAX_DIGITS = 6;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6];

/**
 * The integer that `v` is `k / 10^d` of, exactly (k / 10^d === v, as IEEE division rounds, so reading it
 * back gives v's bits), with |k| < 2^31; null when there is none (or v is -0, whose sign k / 10^d loses).
 */
function decimalOf(v: number, d: number): number | null {
  const k = Math.round(v * POW10[d]);
  return k > DEC_EMPTY && k < 2 ** 31 && k / POW10[d] === v && !Object.is(v, -0) ? k : null;
}

/** How one column stores its cells. */
type Store =
  | { kind: 'null' } // every cell so far is empty
  | { kind: 'num'; data: Chunked } // NaN: empty
  // numbers that are all k / 10^digits for an int32 k (frame and particle ids, coordinates rounded to a
  // few decimals, as the tables hold them): 4 bytes a cell instead of 8, read back bit for bit; DEC_EMPTY: empty
  | { kind: 'dec'; data: Chunked; digits: number }
  | { kind: 'str'; codes: Chunked; dict: string[]; index: Map<string, number> } // code 0: empty; dict[code - 1]
  | { kind: 'bool'; data: Chunked } // -1: empty
  | { kind: 'any'; data: Cell[] };

function isEmpty(v: Cell | undefined): boolean {
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
}

/** One growable typed column (see the module comment). */
class Column {
  store: Store = { kind: 'null' };
  /** Held by more than one table: a table copies it before changing it (copy on write). */
  shared = false;

  constructor(private capacity: number) {}

  /** An unshared copy of the first `length` rows, with room for `capacity` rows. */
  clone(length: number, capacity: number): Column {
    const out = new Column(Math.max(capacity, length));
    const s = this.store;
    if (s.kind === 'num') out.store = { kind: 'num', data: s.data.copy(length, capacity) };
    else if (s.kind === 'dec') out.store = { kind: 'dec', data: s.data.copy(length, capacity), digits: s.digits };
    else if (s.kind === 'str') out.store = { kind: 'str', codes: s.codes.copy(length, capacity), dict: [...s.dict], index: new Map(s.index) };
    else if (s.kind === 'bool') out.store = { kind: 'bool', data: s.data.copy(length, capacity) };
    else if (s.kind === 'any') out.store = { kind: 'any', data: s.data.slice(0, length) };
    return out;
  }

  /** The cell at row i (i < the table's length). */
  get(i: number): Cell {
    const s = this.store;
    switch (s.kind) {
      case 'null':
        return null;
      case 'num': {
        const v = s.data.get(i);
        return v !== v ? null : v; // NaN: empty
      }
      case 'dec': {
        const k = s.data.get(i);
        return k === DEC_EMPTY ? null : k / POW10[s.digits];
      }
      case 'str': {
        const c = s.codes.get(i);
        return c === 0 ? null : s.dict[c - 1];
      }
      case 'bool': {
        const b = s.data.get(i);
        return b < 0 ? null : b === 1;
      }
      case 'any':
        return s.data[i] ?? null;
    }
  }

  /** Make room for `n` rows. */
  reserve(n: number): void {
    if (n <= this.capacity) return;
    const s = this.store;
    if (s.kind === 'num' || s.kind === 'dec' || s.kind === 'bool') s.data.reserve(n);
    else if (s.kind === 'str') s.codes.reserve(n);
    this.capacity = n;
  }

  /**
   * Set the cell at row i (i < `length`, the rows in use); a cell of another kind than the column's
   * turns it into plain cells.
   */
  set(i: number, v: Cell | undefined, length: number): void {
    const s = this.store;
    if (isEmpty(v)) {
      if (s.kind === 'num') s.data.set(i, NaN);
      else if (s.kind === 'dec') s.data.set(i, DEC_EMPTY);
      else if (s.kind === 'str') s.codes.set(i, 0);
      else if (s.kind === 'bool') s.data.set(i, -1);
      else if (s.kind === 'any') s.data[i] = null;
      return;
    }
    const t = typeof v;
    if (s.kind === 'num' && t === 'number') s.data.set(i, v as number);
    else if (s.kind === 'dec' && t === 'number') this.setDecimal(s, i, v as number, length);
    else if (s.kind === 'str' && t === 'string') {
      let c = s.index.get(v as string);
      if (c === undefined) {
        s.dict.push(v as string);
        c = s.dict.length;
        s.index.set(v as string, c);
      }
      s.codes.set(i, c);
    } else if (s.kind === 'bool' && t === 'boolean') s.data.set(i, v ? 1 : 0);
    else if (s.kind === 'any') s.data[i] = v as Cell;
    else if (s.kind === 'null') {
      const cap = Math.max(this.capacity, length);
      this.store =
        t === 'number' ? { kind: 'dec', data: new Chunked(Int32Array, DEC_EMPTY, cap), digits: 0 }
        : t === 'string' ? { kind: 'str', codes: new Chunked(Uint32Array, 0, cap), dict: [], index: new Map() }
        : t === 'boolean' ? { kind: 'bool', data: new Chunked(Int8Array, -1, cap) }
        : { kind: 'any', data: new Array<Cell>(length).fill(null) };
      this.set(i, v, length);
    } else {
      const plain: Cell[] = new Array<Cell>(length);
      for (let k = 0; k < length; k++) plain[k] = this.get(k);
      this.store = { kind: 'any', data: plain };
      plain[i] = v as Cell;
    }
  }

  /**
   * Set a number in a decimal column: as it is when it fits the column's digits; else the column takes
   * more digits when its other cells still fit (rescaled in place, at most {@link DEC_MAX_DIGITS} times
   * over the column's life), else it turns into float64 cells (copied once).
   */
  private setDecimal(s: Extract<Store, { kind: 'dec' }>, i: number, v: number, length: number): void {
    const k = decimalOf(v, s.digits);
    if (k !== null) {
      s.data.set(i, k);
      return;
    }
    let d = s.digits + 1;
    while (d <= DEC_MAX_DIGITS && decimalOf(v, d) === null) d++;
    if (d <= DEC_MAX_DIGITS) {
      // the other cells at d digits: k * 10^(d - digits) must stay an int32
      const f = POW10[d - s.digits];
      let fits = true;
      for (let r = 0; r < length && fits; r++) {
        const c = s.data.get(r);
        fits = c === DEC_EMPTY || Math.abs(c * f) < 2 ** 31 - 1;
      }
      if (fits) {
        for (let r = 0; r < length; r++) {
          const c = s.data.get(r);
          if (c !== DEC_EMPTY) s.data.set(r, c * f);
        }
        s.digits = d;
        s.data.set(i, decimalOf(v, d)!);
        return;
      }
    }
    const num = new Chunked(Float64Array, NaN, Math.max(this.capacity, length, s.data.capacity));
    for (let r = 0; r < length; r++) {
      const c = s.data.get(r);
      if (c !== DEC_EMPTY) num.set(r, c / POW10[s.digits]);
    }
    num.set(i, v);
    this.store = { kind: 'num', data: num };
  }

  /** Give back the whole chunks past the first n rows (n >= the rows in use). */
  shrink(n: number): void {
    const s = this.store;
    if (s.kind === 'num' || s.kind === 'dec' || s.kind === 'bool') s.data.shrink(n);
    else if (s.kind === 'str') s.codes.shrink(n);
    this.capacity = s.kind === 'num' || s.kind === 'dec' || s.kind === 'bool' ? s.data.capacity : s.kind === 'str' ? s.codes.capacity : n;
  }

  /** Keep the first n rows only. */
  truncate(n: number): void {
    const s = this.store;
    if (s.kind === 'any') s.data.length = Math.min(s.data.length, n);
    else if (s.kind === 'num' || s.kind === 'dec' || s.kind === 'bool') s.data.clearFrom(n);
    else if (s.kind === 'str') s.codes.clearFrom(n);
  }

  /** A copy holding rows `order[k]` of this column, k = 0..order.length-1. */
  gather(order: ArrayLike<number>): Column {
    const n = order.length;
    const out = new Column(n);
    const s = this.store;
    if (s.kind === 'num') out.store = { kind: 'num', data: s.data.gather(order) };
    else if (s.kind === 'dec') out.store = { kind: 'dec', data: s.data.gather(order), digits: s.digits };
    else if (s.kind === 'str') out.store = { kind: 'str', codes: s.codes.gather(order), dict: [...s.dict], index: new Map(s.index) };
    else if (s.kind === 'bool') out.store = { kind: 'bool', data: s.data.gather(order) };
    else if (s.kind === 'any') {
      const d = new Array<Cell>(n);
      for (let k = 0; k < n; k++) d[k] = s.data[order[k]] ?? null;
      out.store = { kind: 'any', data: d };
    }
    return out;
  }

  /**
   * A copy of the first `length` rows with every cell mapped by `f` (the kinds follow the new cells);
   * this column itself when `f` changes no cell (Object.is), or when it is a decimal column and
   * `keepsDecimals` says `f` keeps every decimal (see {@link ColumnTable.mapCells}).
   */
  mapped(length: number, f: (v: Cell) => Cell, keepsDecimals = false): Column {
    if (keepsDecimals && this.store.kind === 'dec') return this;
    let same = true;
    for (let i = 0; i < length && same; i++) {
      const v = this.get(i);
      same = Object.is(f(v), v);
    }
    if (same) return this;
    const out = new Column(length);
    for (let i = 0; i < length; i++) out.set(i, f(this.get(i)), length);
    return out;
  }
}

/** `key` as an array index (a canonical non-negative integer string), else -1. */
function indexOf(key: string): number {
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57) return -1;
  const i = Number(key);
  return Number.isInteger(i) && i < 2 ** 32 - 1 && String(i) === key ? i : -1;
}

/**
 * A {@link Table} held by column (see the module comment). Append with {@link ColumnTable.append},
 * read a cell without making the row with {@link ColumnTable.cell}; `rows` works as an array of rows.
 */
export class ColumnTable implements Table {
  /** The column names, in order (do not change them after creation). */
  readonly columns: string[];
  /** The rows as an array-like view (see the module comment). */
  readonly rows: Array<Record<string, Cell>>;
  private readonly cols: Column[];
  private readonly byName: Map<string, Column>;
  private n = 0;
  private capacity = 0;

  /**
   * An empty table.
   * @param columns the column names (each once)
   * @param capacity rows to make room for at once (the table grows as needed)
   * @throws Error when a column name repeats
   */
  constructor(columns: string[], capacity = 0) {
    if (new Set(columns).size !== columns.length) throw new Error(`ColumnTable: a column name repeats in ${columns.join(', ')}`);
    this.columns = [...columns];
    this.capacity = capacity;
    this.cols = this.columns.map(() => new Column(capacity));
    this.byName = new Map(this.columns.map((c, k) => [c, this.cols[k]]));
    this.rows = this.view();
  }

  /**
   * The rows of `table` as a ColumnTable (a ColumnTable is copied).
   * @param table any table; cells of columns it does not name are not kept
   */
  static from(table: Table): ColumnTable {
    const t = new ColumnTable(table.columns, table.rows.length);
    for (const r of table.rows) t.append(r);
    return t;
  }

  /** Number of rows. */
  get length(): number {
    return this.n;
  }

  /** The cell of row i in column `name` (null when empty, out of range or not a column). */
  cell(i: number, name: string): Cell {
    const c = this.byName.get(name);
    return c && i >= 0 && i < this.n ? c.get(i) : null;
  }

  /** A reader of column `name`'s cells by row (null past the end); throws when there is no such column. */
  getter(name: string): (i: number) => Cell {
    const c = this.byName.get(name);
    if (!c) throw new Error(`ColumnTable: no column '${name}'`);
    return (i) => (i >= 0 && i < this.n ? c.get(i) : null);
  }

  /** Row i as a fresh object keyed by the column names (undefined out of range). */
  row(i: number): Record<string, Cell> | undefined {
    if (!(i >= 0 && i < this.n)) return undefined;
    const o: Record<string, Cell> = {};
    const cols = this.cols;
    const names = this.columns;
    for (let k = 0; k < cols.length; k++) o[names[k]] = cols[k].get(i);
    return o;
  }

  /** Copy the columns this table shares with another before changing them (copy on write). */
  private own(): void {
    this.cols.forEach((c, k) => {
      if (!c.shared) return;
      this.cols[k] = c.clone(this.n, this.capacity);
      this.byName.set(this.columns[k], this.cols[k]);
    });
  }

  /** A column to hold in another table too: marked shared, so neither table changes it in place. */
  private lend(c: Column): Column {
    c.shared = true;
    return c;
  }

  /**
   * Add a column at the end, its cell i being `value(i)` for every row.
   * @throws Error when the table already has a column of that name
   */
  addColumn(name: string, value: (i: number) => Cell): void {
    if (this.byName.has(name)) throw new Error(`ColumnTable.addColumn: the table already has a column '${name}'`);
    const c = new Column(this.capacity);
    for (let i = 0; i < this.n; i++) c.set(i, value(i), this.n);
    this.columns.push(name);
    this.cols.push(c);
    this.byName.set(name, c);
  }

  /** Append one row (its cells keyed by column name; absent ones are empty). */
  append(r: Readonly<Record<string, Cell | undefined>>): void {
    this.own();
    const i = this.n;
    if (i >= this.capacity) {
      this.capacity = Math.max(16, Math.ceil(1.5 * this.capacity), i + 1); // x1.5: less room left unused than doubling
      for (const c of this.cols) c.reserve(this.capacity);
    }
    this.n = i + 1;
    const cols = this.cols;
    const names = this.columns;
    for (let k = 0; k < cols.length; k++) cols[k].set(i, r[names[k]], this.n);
  }

  /** Give back the room reserved past the last row (after the last append). */
  trim(): void {
    this.own();
    for (const c of this.cols) c.shrink(this.n);
    this.capacity = this.n;
  }

  /** Replace row i (i < length) by `r`. */
  setRow(i: number, r: Readonly<Record<string, Cell | undefined>>): void {
    this.own();
    for (let k = 0; k < this.cols.length; k++) this.cols[k].set(i, r[this.columns[k]], this.n);
  }

  /** Keep the first n rows (n <= length). */
  truncate(n: number): void {
    if (n >= this.n) return;
    this.own();
    for (const c of this.cols) c.truncate(n);
    this.n = n;
  }

  /**
   * A new table of rows `order[k]` (k = 0..order.length-1) of this one, in that order, with the
   * columns `columns` (default all; each must be one of this table's).
   */
  select(order: ArrayLike<number>, columns: string[] = this.columns): ColumnTable {
    let identity = order.length === this.n;
    for (let k = 0; k < order.length && identity; k++) identity = order[k] === k;
    if (identity) return this.project(columns);
    const t = new ColumnTable(columns, 0);
    columns.forEach((name, k) => {
      const c = this.byName.get(name);
      if (!c) throw new Error(`ColumnTable.select: no column '${name}'`);
      t.cols[k] = c.gather(order);
      t.byName.set(name, t.cols[k]);
    });
    t.n = order.length;
    t.capacity = order.length;
    for (const c of t.cols) c.reserve(t.capacity);
    return t;
  }

  /**
   * A new table of the same rows with the columns `columns` (each one of this table's), which the two
   * tables share until either changes (copy on write): no cells are copied.
   */
  project(columns: string[] = this.columns): ColumnTable {
    const t = new ColumnTable(columns, 0);
    columns.forEach((name, k) => {
      const c = this.byName.get(name);
      if (!c) throw new Error(`ColumnTable.project: no column '${name}'`);
      t.cols[k] = this.lend(c);
      t.byName.set(name, c);
    });
    t.n = this.n;
    t.capacity = this.capacity;
    return t;
  }

  /**
   * A new table with every cell mapped by `f` (same columns and rows); a column `f` leaves unchanged is
   * shared with this table until either changes (copy on write).
   * @param opts `keepsDecimals`: the caller knows that `f` maps every number k / 10^d (|k| < 2^31,
   *   d <= 6) to itself, so columns stored as such decimals are shared without calling `f` on their cells
   *   (data/csvTable.ts canonicalTable: such a number has at most 10 significant digits)
   */
  mapCells(f: (v: Cell) => Cell, opts: { keepsDecimals?: boolean } = {}): ColumnTable {
    const t = new ColumnTable(this.columns, 0);
    this.cols.forEach((c, k) => {
      const m = c.mapped(this.n, f, opts.keepsDecimals ?? false);
      t.cols[k] = m === c ? this.lend(c) : m;
      t.byName.set(this.columns[k], t.cols[k]);
    });
    t.n = this.n;
    t.capacity = this.n;
    for (const c of t.cols) c.reserve(t.capacity);
    return t;
  }

  private view(): Array<Record<string, Cell>> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const t = this;
    const target: Array<Record<string, Cell>> = [];
    /** rows[key] = value for an index or `length`; undefined when `key` is neither. */
    const assign = (key: string, value: unknown): boolean | undefined => {
      const i = indexOf(key);
      if (i >= 0) {
        if (i < t.n) t.setRow(i, value as Record<string, Cell>);
        else if (i === t.n) t.append(value as Record<string, Cell>);
        else return false; // no holes
        return true;
      }
      if (key === 'length') {
        const n = Number(value);
        if (!(Number.isInteger(n) && n >= 0 && n <= t.n)) return false;
        t.truncate(n);
        return true;
      }
      return undefined;
    };
    return new Proxy(target, {
      get(tg, key, receiver) {
        if (typeof key === 'string') {
          const i = indexOf(key);
          if (i >= 0) return t.row(i);
          if (key === 'length') return t.n;
        }
        return Reflect.get(tg, key, receiver);
      },
      set(tg, key, value, receiver) {
        const done = typeof key === 'string' ? assign(key, value) : undefined;
        return done ?? Reflect.set(tg, key, value, receiver);
      },
      defineProperty(tg, key, desc) {
        const done = typeof key === 'string' && 'value' in desc ? assign(key, desc.value) : undefined;
        return done ?? Reflect.defineProperty(tg, key, desc);
      },
      has(tg, key) {
        if (typeof key === 'string') {
          const i = indexOf(key);
          if (i >= 0) return i < t.n;
        }
        return Reflect.has(tg, key);
      },
      deleteProperty(tg, key) {
        if (typeof key === 'string' && indexOf(key) >= 0) return false;
        return Reflect.deleteProperty(tg, key);
      },
      ownKeys(tg) {
        const keys: Array<string | symbol> = [];
        for (let i = 0; i < t.n; i++) keys.push(String(i));
        for (const k of Reflect.ownKeys(tg)) keys.push(k);
        return keys;
      },
      getOwnPropertyDescriptor(tg, key) {
        if (typeof key === 'string') {
          const i = indexOf(key);
          if (i >= 0) return i < t.n ? { value: t.row(i), writable: true, enumerable: true, configurable: true } : undefined;
          if (key === 'length') return { value: t.n, writable: true, enumerable: false, configurable: false };
        }
        return Reflect.getOwnPropertyDescriptor(tg, key);
      },
    });
  }
}

/** The cell of row i in column `name` of any table, without making the row of a {@link ColumnTable}. */
export function cellOf(table: Table, i: number, name: string): Cell {
  if (table instanceof ColumnTable) return table.cell(i, name);
  return table.rows[i]?.[name] ?? null;
}

/**
 * A reader of column `name`'s cells by row for any table (a {@link ColumnTable}'s without making rows;
 * null for a column the table lacks or a row past the end).
 */
export function columnGetter(table: Table, name: string): (i: number) => Cell {
  if (table instanceof ColumnTable) return table.columns.includes(name) ? table.getter(name) : () => null;
  const rows = table.rows;
  return (i) => rows[i]?.[name] ?? null;
}
