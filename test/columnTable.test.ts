import { describe, expect, it } from 'vitest';
import { ColumnTable, cellOf } from '../data/columnTable.ts';
import { canonicalTable, toCsv, type Cell, type Table } from '../data/csvTable.ts';
import { checkTable } from '../data/tableChecks.ts';

const columns = ['frame', 'x', 'species', 'flag', 'mixed', 'empty'];
function plainRows(n: number): Array<Record<string, Cell>> {
  return Array.from({ length: n }, (_, i) => ({
    frame: i % 7,
    x: i * 0.125 - 3,
    species: i % 5 === 0 ? 'Si' : i % 11 === 0 ? null : 'C',
    flag: i % 3 === 0 ? null : i % 2 === 0,
    mixed: i === 0 ? null : i < 40 ? i : `s${i}`,
    empty: null,
  }));
}

describe('ColumnTable', () => {
  it('reads back every cell appended, as an array of rows', () => {
    const rows = plainRows(100);
    const t = ColumnTable.from({ columns, rows });
    expect(t.rows.length).toBe(100);
    expect(t.rows).toEqual(rows);
    expect([...t.rows]).toEqual(rows);
    expect(t.rows.map((r) => r.x)).toEqual(rows.map((r) => r.x));
    expect(t.rows.filter((r) => r.species === 'Si').length).toBe(20);
    let n = 0;
    for (const r of t.rows) n += r.frame as number;
    expect(n).toBe(rows.reduce((a, r) => a + (r.frame as number), 0));
    expect(t.rows[100]).toBeUndefined();
    expect(cellOf(t, 5, 'species')).toBe('Si');
    expect(cellOf({ columns, rows }, 5, 'species')).toBe('Si');
    expect(Array.isArray(t.rows)).toBe(true);
    expect(toCsv(t)).toBe(toCsv({ columns, rows }));
  });

  it('empties NaN and undefined, keeps -0 and booleans, drops cells of unnamed columns', () => {
    const t = new ColumnTable(['a', 'b']);
    t.append({ a: NaN, b: true, c: 3 });
    t.append({ a: -0 });
    t.append({ a: 2.5, b: false });
    expect(t.rows).toEqual([{ a: null, b: true }, { a: -0, b: null }, { a: 2.5, b: false }]);
    expect(Object.is(t.rows[1].a, -0)).toBe(true);
  });

  it('push, assignment, sort and truncation change the table', () => {
    const t = new ColumnTable(['k', 'v']);
    t.rows.push({ k: 3, v: 'c' }, { k: 1, v: 'a' });
    t.rows.push(...[{ k: 2, v: 'b' }]);
    t.rows[0] = { k: 0, v: 'z' };
    expect(t.rows).toEqual([{ k: 0, v: 'z' }, { k: 1, v: 'a' }, { k: 2, v: 'b' }]);
    t.rows.sort((p, q) => (q.k as number) - (p.k as number));
    expect(t.rows.map((r) => r.v)).toEqual(['b', 'a', 'z']);
    t.rows.length = 1;
    expect(t.rows).toEqual([{ k: 2, v: 'b' }]);
    t.trim();
    t.append({ k: 4, v: 'd' });
    expect(t.rows).toEqual([{ k: 2, v: 'b' }, { k: 4, v: 'd' }]);
    expect(() => {
      t.rows[5] = { k: 1, v: 'x' };
    }).toThrow();
  });

  it('select gathers rows and columns; mapCells maps every cell', () => {
    const rows = plainRows(50);
    const t = ColumnTable.from({ columns, rows });
    const s = t.select([3, 1, 49], ['x', 'species', 'mixed']);
    expect(s.rows).toEqual([3, 1, 49].map((i) => ({ x: rows[i].x, species: rows[i].species, mixed: rows[i].mixed })));
    const m = t.mapCells((v) => (typeof v === 'number' ? v * 2 : v));
    expect(m.rows[7]).toEqual({ ...rows[7], frame: 0, x: (rows[7].x as number) * 2, mixed: 14 });
    expect(t.rows[7]).toEqual(rows[7]);
  });

  it('tables that share columns (project, identity select, unchanged mapCells) stay independent when either changes', () => {
    const rows = plainRows(40);
    const t = ColumnTable.from({ columns, rows });
    const p = t.project(['x', 'species']);
    const s = t.select(Array.from({ length: 40 }, (_, i) => i));
    const m = t.mapCells((v) => (v === 'Si' ? 'Si' : v)); // changes nothing: every column shared
    p.append({ x: 99, species: 'N' });
    p.rows[0] = { x: -1, species: 'B' };
    s.truncate(3);
    m.addColumn('twice', (i) => 2 * (m.cell(i, 'frame') as number));
    m.rows[1] = { ...m.rows[1], x: 1234 };
    expect(t.rows).toEqual(rows);
    expect(p.rows.length).toBe(41);
    expect(p.rows[0]).toEqual({ x: -1, species: 'B' });
    expect(p.rows[40]).toEqual({ x: 99, species: 'N' });
    expect(s.rows).toEqual(rows.slice(0, 3));
    expect(m.columns).toEqual([...columns, 'twice']);
    expect(m.rows[1]).toEqual({ ...rows[1], x: 1234, twice: 2 * (rows[1].frame as number) });
    t.append(rows[0]);
    expect(t.rows.length).toBe(41);
    expect(m.rows.length).toBe(40);
    expect(() => m.addColumn('x', () => 0)).toThrow(/already has a column 'x'/);
  });

  it('canonicalTable and checkTable of a ColumnTable equal those of the same rows as objects, and stay ColumnTables', () => {
    const rows: Array<Record<string, Cell>> = Array.from({ length: 300 }, (_, i) => ({
      frame: (i * 7) % 13,
      x: Math.round(((i * 37) % 101) * 1.123456789 * 1e6) / 1e6,
      y: (i * 13) % 17,
      species: i % 9 === 0 ? 'Si' : 'C',
      presence: i % 4 === 0 ? NaN : null,
      note: i % 50 === 0 ? 'a,b' : '12',
    }));
    rows.push({ ...rows[10] }, { ...rows[20] }); // two exact duplicates
    const plain: Table = { columns: ['frame', 'x', 'y', 'species', 'presence', 'note'], rows };
    const col = ColumnTable.from(plain);
    const cp = canonicalTable(plain);
    const cc = canonicalTable(col);
    expect(cc).toBeInstanceOf(ColumnTable);
    expect(cc.rows).toEqual(cp.rows);
    for (const order of [true, false]) {
      const kp = checkTable('t.csv', cp, { canonicalOrder: order });
      const kc = checkTable('t.csv', cc, { canonicalOrder: order });
      expect(kc.table).toBeInstanceOf(ColumnTable);
      expect(kc.table.rows).toEqual(kp.table.rows);
      expect(kc.warnings).toEqual(kp.warnings);
      expect(kp.warnings[0]).toMatch(/2 exact duplicate rows dropped/);
    }
  });
});

describe('canonicalTable of decimal columns', () => {
  it('a decimal k / 10^d (|k| < 2^31, d <= 6) is its own canonical form, so decimal columns are shared, not mapped', () => {
    // the claim canonicalTable's shortcut rests on (data/csvTable.ts): 10 significant digits hold k / 10^d exactly
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const ks = [2 ** 31 - 1, -(2 ** 31) + 1, 1, -1, 999999999, 1000000001, 2147483, 123456789];
    for (let t = 0; t < 20000; t++) ks.push((next() % 2 ? 1 : -1) * (next() % 2 ** 31));
    for (const k of ks) {
      for (let d = 0; d <= 6; d++) {
        const v = k / 10 ** d;
        const canonical = canonicalTable({ columns: ['v'], rows: [{ v }] }).rows[0].v;
        if (!Object.is(canonical, v)) throw new Error(`${k} / 10^${d} = ${v} reads back as ${canonical}`);
      }
    }
    // a ColumnTable's decimal columns are the same columns after canonicalTable (shared, copy on write);
    // a float64 column that needs rounding to 10 digits is mapped
    const t = new ColumnTable(['frame', 'x', 'f']);
    for (let i = 0; i < 1000; i++) t.append({ frame: i % 50, x: (i * 7919) / 1e4, f: i === 0 ? Math.PI : i / 3 });
    const c = canonicalTable(t) as ColumnTable;
    expect(c.rows.map((r) => [r.frame, r.x])).toEqual(t.rows.map((r) => [r.frame, r.x]));
    expect(c.cell(1, 'f')).toBe(Number((1 / 3).toPrecision(10)));
    expect(c.cell(0, 'f')).toBe(3.141592654);
    c.setRow(0, { frame: 49, x: 1.5, f: 2 }); // copy on write: the source keeps its cells
    expect(t.cell(0, 'frame')).toBe(0);
    expect(t.cell(0, 'x')).toBe(0);
  });
});

describe('tables held by column through the track step', () => {
  it('trackAtoms gives the same tracks, drift, hops and msd from a ColumnTable as from the same rows as objects', async () => {
    const { trackAtoms } = await import('../dynamics/tracking/trackAtoms.ts');
    // a square lattice of 100 columns drifting 0.3 px per frame with a little jitter, one dopant hopping
    const rows: Array<Record<string, Cell>> = [];
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.2;
    for (let f = 0; f < 6; f++) {
      for (let i = 0; i < 10; i++) {
        for (let j = 0; j < 10; j++) {
          const dopant = f < 3 ? i === 4 && j === 4 : i === 4 && j === 5;
          rows.push({ frame: f, x: Math.round((10 + 8 * j + 0.3 * f + rnd()) * 1e4) / 1e4, y: Math.round((10 + 8 * i + rnd()) * 1e4) / 1e4, species: dopant ? 'Si' : 'C', confidence: 0.9, presence: null });
        }
      }
    }
    const plain: Table = { columns: ['frame', 'x', 'y', 'species', 'confidence', 'presence'], rows };
    const a = await trackAtoms(plain, { pixelSizePm: 10, drift: 'coordinates' });
    const b = await trackAtoms(ColumnTable.from(plain), { pixelSizePm: 10, drift: 'coordinates' });
    expect(b.tracks).toBeInstanceOf(ColumnTable);
    expect(b.summary).toEqual(a.summary);
    expect(b.summary.particles).toBe(100);
    for (const k of ['tracks', 'drift', 'hops', 'msd'] as const) expect(toCsv(b[k])).toBe(toCsv(a[k]));
    expect(b.hops.rows.length).toBeGreaterThan(0); // the dopant's hop (and its exchange partner)
  });
});

describe('ColumnTable past one chunk (65 536 rows)', () => {
  it('appends, reads, selects, truncates and copies long columns', () => {
    const n = 150_000;
    const t = new ColumnTable(['i', 'half', 's', 'b']);
    for (let i = 0; i < n; i++) t.append({ i, half: i % 7 === 0 ? null : i / 2, s: i % 3 === 0 ? 'a' : 'b', b: i % 5 === 0 });
    expect(t.length).toBe(n);
    for (const i of [0, 1, 65_535, 65_536, 65_537, 131_071, 131_072, n - 1]) {
      expect(t.rows[i]).toEqual({ i, half: i % 7 === 0 ? null : i / 2, s: i % 3 === 0 ? 'a' : 'b', b: i % 5 === 0 });
    }
    const rev = t.select(Array.from({ length: n }, (_, k) => n - 1 - k), ['i', 's']);
    expect(rev.cell(0, 'i')).toBe(n - 1);
    expect(rev.cell(n - 1, 's')).toBe('a');
    const copy = t.project();
    t.truncate(70_000);
    t.trim();
    t.append({ i: -1, half: 0, s: 'c', b: null });
    expect(t.length).toBe(70_001);
    expect(t.rows[70_000]).toEqual({ i: -1, half: 0, s: 'c', b: null });
    expect(t.rows[69_999].i).toBe(69_999);
    expect(copy.length).toBe(n);
    expect(copy.cell(100_000, 'i')).toBe(100_000);
    expect(toCsv(copy).split('\n').length).toBe(n + 2);
  });
});

describe('ColumnTable numbers held as decimals (int32 k / 10^d)', () => {
  it('reads back every number bit for bit through digit changes, -0, large and tiny values and the turn to float64', () => {
    const rnd = (i: number) => Math.sin(i * 12.9898) * 43758.5453 - Math.floor(Math.sin(i * 12.9898) * 43758.5453);
    const cases: Record<string, number[]> = {
      ints: Array.from({ length: 70_000 }, (_, i) => i % 1000), // stays at 0 digits
      // 0, then 1, 2, 4 decimals: the column rescales its cells as it takes more digits
      coordinates: Array.from({ length: 70_000 }, (_, i) => (i < 10 ? i : i < 20 ? i / 10 : i < 30 ? Number((i * 0.37).toFixed(2)) : Number((rnd(i) * 512).toFixed(4)))),
      // decimals that fit, then a value of 10 significant digits: the column turns to float64 past one chunk
      toFloat: Array.from({ length: 70_000 }, (_, i) => (i === 69_000 ? 123.4567891 : Number((rnd(i) * 100).toFixed(3)))),
      // too large for an int32 at the digits the others need: float64
      large: [1.5, 2.25, 3e9, -7],
      signs: [-0.5, 0, -0, 2 ** 31 - 1, -(2 ** 31) + 1, 1e-7, Infinity, -1.125],
    };
    for (const [name, values] of Object.entries(cases)) {
      const t = new ColumnTable(['v', 'w']);
      values.forEach((v, i) => t.append({ v, w: i % 9 === 0 ? null : v }));
      const wrong: string[] = [];
      for (let i = 0; i < values.length; i++) {
        if (!Object.is(t.cell(i, 'v'), values[i])) wrong.push(`${name} row ${i}: v ${t.cell(i, 'v')} for ${values[i]}`);
        if (t.cell(i, 'w') !== (i % 9 === 0 ? null : values[i])) wrong.push(`${name} row ${i}: w ${t.cell(i, 'w')} for ${values[i]}`);
      }
      expect(wrong.slice(0, 5)).toEqual([]);
      const back = t.select(Array.from(values, (_, i) => values.length - 1 - i));
      expect(back.cell(0, 'v')).toBe(values[values.length - 1]);
      expect(toCsv(t)).toBe(toCsv({ columns: ['v', 'w'], rows: values.map((v, i) => ({ v, w: i % 9 === 0 ? null : v })) }));
    }
  });

  it('setting a cell of a decimal column that needs more digits keeps the other cells (copy on write too)', () => {
    const t = new ColumnTable(['x']);
    for (let i = 0; i < 100; i++) t.append({ x: i });
    const shared = t.project();
    t.rows[50] = { x: 0.125 };
    expect(t.cell(50, 'x')).toBe(0.125);
    expect(t.cell(99, 'x')).toBe(99);
    expect(shared.cell(50, 'x')).toBe(50);
    t.rows[51] = { x: 1e300 };
    expect(t.cell(51, 'x')).toBe(1e300);
    expect(t.cell(50, 'x')).toBe(0.125);
    expect(t.cell(98, 'x')).toBe(98);
  });
});
