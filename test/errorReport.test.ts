import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { internalErrorLine } from '../cli/errorReport.ts';
import { AtomdynError, MAX_MESSAGE, oneLine } from '../data/errors.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-errlog-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('what a failing command prints', () => {
  it('one line without control bytes, cut to MAX_MESSAGE characters', () => {
    expect(oneLine('a\nb\r\nc')).toBe('a / b / c');
    expect(oneLine('tag \u0000\u001b[31mred\u0007 \ufffd')).toBe('tag ??[31mred? ?');
    const long = oneLine('x'.repeat(51_000) + '\n'.repeat(687));
    expect(long).toHaveLength(MAX_MESSAGE);
    expect(long.endsWith('...')).toBe(true);
    // every AtomdynError carries such a message, whatever file content it quotes
    const e = new AtomdynError('f.dm3', `bad tag '\u0000\u0001${'\u4e00'.repeat(1000)}'\nline 2`);
    expect(e.message.startsWith("f.dm3: bad tag '??")).toBe(true);
    expect(e.message).toHaveLength(MAX_MESSAGE);
    expect(e.message).not.toMatch(/\n/);
  });

  it('an internal error prints one line naming the log; the log in the --out folder holds the stack and the cause', () => {
    const e = new RangeError('Invalid typed array length: Infinity\n    at fake (x.ts:1:1)', { cause: new Error('inner reason') });
    const line = internalErrorLine(e, ['node', 'atomdyn', 'track', 'a.csv', '--out', dir]);
    const log = path.join(dir, 'atomdyn-error.log');
    expect(line).toBe(`atomdyn: internal error (please report): RangeError: Invalid typed array length: Infinity / at fake (x.ts:1:1); details in ${log}`);
    const text = readFileSync(log, 'utf8');
    expect(text).toMatch(/command: \["track","a\.csv","--out",/);
    expect(text).toMatch(/RangeError: Invalid typed array length[\s\S]*errorReport\.test\.ts[\s\S]*caused by[\s\S]*inner reason/);
    // without an existing --out folder the log goes to the temporary folder
    const other = internalErrorLine(new Error('boom'), ['node', 'atomdyn', 'info', 'f.tif']);
    const m = /details in (.*)$/.exec(other);
    expect(m && existsSync(m[1]) && m[1].startsWith(os.tmpdir())).toBe(true);
    rmSync(m![1]);
  });
});
