import { describe, expect, it } from 'vitest';
import { parseCsv, toCsv } from '../data/csvTable.ts';
import { checkTable, MAX_FRAME } from '../data/tableChecks.ts';
import { Random } from '../data/random.ts';

const csv = (lines: string[]) => parseCsv(lines.join('\n') + '\n', 't.csv');

describe('table values are checked before they size anything', () => {
  it('frames, ids and coordinates out of range are refused with line, column and the value as read', () => {
    const bad: Array<[string, RegExp]> = [
      ['1e15,0,1,2', /line 3: column 'frame' must be an integer from 0 to 10000000, found "1000000000000000"$/],
      ['2147483648,0,1,2', /found "2147483648"$/],
      ['-1,0,1,2', /column 'frame' .* found "-1"$/],
      ['1.5,0,1,2', /column 'frame' .* found "1.5"$/],
      ['1,0,2147483647,2', /line 3: column 'x' must be a number with \|value\| <= 1000000 px, found "2147483647"$/],
      ['1,0,inf,2', /column 'x' .* found "inf"$/],
      ['1,0,1,-1e15', /column 'y' .* found "-1000000000000000"$/],
      ['1,0,1,abc', /column 'y' .* found "abc"$/],
      ['1,-3,1,2', /column 'particle' must be an integer from 0 to 2147483647, found "-3"$/],
      ['1,0,,2', /line 3: column 'x' is empty; it must be a number/],
      ['1,0,1,' + 'z'.repeat(500), /found "z{40}\.\.\."$/],
    ];
    for (const [row, msg] of bad) {
      const t = csv(['frame,particle,x,y', '0,0,1,2', row]);
      expect(() => checkTable('t.csv', t)).toThrow(msg);
    }
    expect(() => checkTable('t.csv', csv(['frame,x', `${MAX_FRAME},3`]))).not.toThrow();
    expect(checkTable('t.csv', csv(['frame,particle,x,y,x_pm', '0,,1,2,'])).table.rows).toHaveLength(1); // empty particle, x_pm allowed
  });

  it('exact duplicate rows are dropped and reported; rows differing in any cell are kept', () => {
    const t = csv(['frame,particle,x,y,species', '0,1,1,2,Si', '0,1,1,2,Si', '1,1,1.5,2,Si', '0,1,1,2,Si', '0,2,1,2,C']);
    const r = checkTable('t.csv', t);
    expect(r.table.rows).toHaveLength(3);
    expect(r.warnings).toEqual(['t.csv: 2 exact duplicate rows dropped (the first at line 3)']);
    expect(t.rows).toHaveLength(5); // input not modified
  });

  it('drops exactly the rows whose text an earlier row has, in a long table with many repeats (the hash table against a set of texts)', () => {
    const rnd = new Random(3);
    const lines = ['frame,particle,x,y,species'];
    // few distinct values, so that many rows repeat and many hash slots collide in their low bits
    for (let i = 0; i < 5000; i++) lines.push(`${Math.floor(rnd.uniform() * 8)},${Math.floor(rnd.uniform() * 6)},${Math.floor(rnd.uniform() * 5)},1,${rnd.uniform() < 0.5 ? 'C' : 'Si'}`);
    const seen = new Set<string>();
    const expected: string[] = [];
    for (const l of lines.slice(1)) if (!seen.has(l)) seen.add(l), expected.push(l);
    const r = checkTable('t.csv', csv(lines), { canonicalOrder: false });
    expect(toCsv(r.table).trim().split('\n').slice(1)).toEqual(expected);
    expect(r.warnings).toEqual([`t.csv: ${5000 - expected.length} exact duplicate rows dropped (the first at line ${lines.findIndex((l, i) => i > 0 && lines.indexOf(l) < i) + 1})`]);
  });

  it('the checked table does not depend on the order of the rows (20 shuffles)', () => {
    const lines = ['frame,particle,x,y,species'];
    const rnd = new Random(7);
    for (let f = 0; f < 6; f++) for (let p = 0; p < 5; p++) lines.push(`${f},${p},${(rnd.uniform() * 50).toFixed(3)},${(rnd.uniform() * 50).toFixed(3)},${p % 2 ? 'C' : 'Si'}`);
    lines.push('2,,3,4,C', '2,,3,3,C', '2,,3,4,Si'); // no particle: ordered by y, x, then the whole row
    const reference = toCsv(checkTable('t.csv', csv(lines)).table);
    for (let k = 0; k < 20; k++) {
      const body = lines.slice(1);
      for (let i = body.length - 1; i > 0; i--) {
        const j = Math.floor(rnd.uniform() * (i + 1));
        [body[i], body[j]] = [body[j], body[i]];
      }
      expect(toCsv(checkTable('t.csv', csv([lines[0], ...body])).table)).toBe(reference);
    }
    const first = checkTable('t.csv', csv(lines)).table.rows.slice(0, 2);
    expect(first.map((r) => [r.frame, r.particle])).toEqual([
      [0, 0],
      [0, 1],
    ]);
  });
});

describe('track keeps the order of atoms.csv', () => {
  it('canonicalOrder: false checks and drops duplicates but keeps the file order', () => {
    const t = csv(['frame,x,y', '1,5,5', '0,2,2', '1,5,5', '0,1,1']);
    const r = checkTable('t.csv', t, { canonicalOrder: false });
    expect(r.table.rows.map((o) => [o.frame, o.x])).toEqual([
      [1, 5],
      [0, 2],
      [0, 1],
    ]);
    expect(r.warnings).toHaveLength(1);
  });
});
