import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCsv, parseCsvColumns, toCsv, readCsv, readCsvColumns, writeCsv, numericColumn } from '../data/csvTable.ts';
import { ColumnTable } from '../data/columnTable.ts';
import { protectInput } from '../data/atomicWrite.ts';
import { AtomdynError } from '../data/errors.ts';

describe('csvTable', () => {
  it('round-trips numbers, strings with commas and quotes, booleans and empty cells', () => {
    const t = { columns: ['frame', 'x', 'name', 'flag', 'empty'], rows: [
      { frame: 0, x: 1.25, name: 'a,"b"', flag: true, empty: null },
      { frame: 3, x: -0.5e-7, name: 'Si1C3', flag: false, empty: null },
    ] };
    const back = parseCsv(toCsv(t));
    expect(back).toEqual(t);
  });

  it('reads columns by name and reports missing ones with the file name', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-'));
    const f = path.join(dir, 'atoms.csv');
    writeFileSync(f, 'y,x,frame\n2,1,0\n4,3,1\n');
    const t = readCsv(f, ['frame', 'x', 'y']);
    expect(Array.from(numericColumn(t, 'x'))).toEqual([1, 3]);
    expect(() => readCsv(f, ['species'])).toThrow(/atoms\.csv: missing column\(s\) species/);
  });

  it('rejects ragged rows', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n', 'bad.csv')).toThrow(AtomdynError);
  });

  it('never overwrites a protected input', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-'));
    const f = path.join(dir, 'in.csv');
    writeFileSync(f, 'a\n1\n');
    protectInput(f);
    await expect(writeCsv(f, { columns: ['a'], rows: [{ a: 2 }] })).rejects.toThrow(/refusing to overwrite an input/);
    expect(readFileSync(f, 'utf8')).toBe('a\n1\n');
  });

  it('writes a long table (several blocks of 4 096 lines) as the plain line join, and reads it back', () => {
    for (const n of [0, 1, 4095, 4096, 4097, 10_000]) {
      const table = { columns: ['frame', 'x', 'species'], rows: Array.from({ length: n }, (_, i) => ({ frame: i, x: i / 7, species: i % 3 ? 'C' : 'a,b' })) };
      const plain = [table.columns.join(','), ...table.rows.map((r) => `${r.frame},${Number((r.x).toPrecision(10))},${r.species === 'C' ? 'C' : '"a,b"'}`)].join('\n') + '\n';
      expect(toCsv(table), String(n)).toBe(plain);
      expect(parseCsv(toCsv(table)).rows.length).toBe(n);
    }
  });
});

describe('parseCsvColumns (tables held by column, for readers)', () => {
  it('gives the cells of parseCsv: quotes, CRLF and CR line ends, blank lines, numbers, booleans, inf, empty cells, many rows', () => {
    const lines = ['frame,x,label,flag,big', '0,1.25,"a, ""quoted"" b",true,inf', '', '1,-0.5,,false,-inf\r\n2,1e-3,plain,,123456789.123'];
    for (let i = 3; i < 70000; i++) lines.push(`${i},${(i * 0.0137).toFixed(4)},${i % 3 ? 'C' : 'Si'},${i % 2 === 0},${i * 1e6}`);
    const text = lines.join('\n') + '\r';
    const rows = parseCsv(text, 't.csv');
    const cols = parseCsvColumns(text, 't.csv');
    expect(cols).toBeInstanceOf(ColumnTable);
    expect(cols.columns).toEqual(rows.columns);
    expect(cols.rows.length).toBe(rows.rows.length);
    for (let i = 0; i < rows.rows.length; i++) expect(cols.rows[i]).toEqual(rows.rows[i]);
    expect(toCsv(cols)).toBe(toCsv(rows));
  });

  it('refuses what parseCsv refuses, with the same one-line errors', () => {
    for (const bad of ['', 'a,b\n1,2\n3\n', 'a,a\n1,2\n', 'a,b\n"1,2\n']) {
      let want = '';
      try {
        parseCsv(bad, 'bad.csv');
      } catch (e) {
        want = (e as Error).message;
      }
      expect(want).toMatch(/^bad\.csv: /);
      expect(() => parseCsvColumns(bad, 'bad.csv')).toThrow(want);
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-csvcols-'));
    const f = path.join(dir, 't.csv');
    writeFileSync(f, 'frame,x\n0,1\n');
    expect(() => readCsvColumns(f, ['frame', 'y'])).toThrow(/t\.csv: missing column\(s\) y/);
    expect(readCsvColumns(f, ['frame']).rows[0]).toEqual({ frame: 0, x: 1 });
  });
});
