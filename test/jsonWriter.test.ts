import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readJson, writeJson } from '../data/writers/jsonFile.ts';
import { protectInput } from '../data/atomicWrite.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-json-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('JSON writer', () => {
  it('round-trips values; NaN/Inf become null, typed arrays plain arrays; no temporary file is left', async () => {
    const file = path.join(dir, 'sub', 'out.json');
    await writeJson(file, { a: 1.5, b: [NaN, Infinity, 2], c: new Float32Array([0.5, 1]), d: 'µm', e: 12n });
    expect(readJson(file)).toEqual({ a: 1.5, b: [null, null, 2], c: [0.5, 1], d: 'µm', e: 12 });
    expect(readFileSync(file, 'utf8').endsWith('}\n')).toBe(true);
    expect(readdirSync(path.dirname(file))).toEqual(['out.json']);
  });

  it('refuses to overwrite an input file', async () => {
    const input = path.join(dir, 'input.json');
    writeFileSync(input, '{"keep": true}');
    protectInput(input);
    await expect(writeJson(input, { x: 1 })).rejects.toThrow(/refusing to overwrite an input file/);
    expect(readJson(input)).toEqual({ keep: true });
  });

  it('readJson names the file when it is missing or invalid', () => {
    expect(() => readJson(path.join(dir, 'missing.json'))).toThrow(/missing\.json: no such file/);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{not json');
    expect(() => readJson(bad)).toThrow(/bad\.json: not valid JSON/);
  });
});
