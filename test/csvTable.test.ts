import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCsv, toCsv, readCsv, writeCsv, numericColumn } from '../data/csvTable.ts';
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
