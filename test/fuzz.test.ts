/**
 * Seeded fuzzing of the readers and the tables (test/helpers/fuzz.ts): no mutated input may end in
 * a stack (an error other than AtomdynError), a hang or a message that is not one printable line.
 * The long run (>= 1 000 cases per format and table, and cases through the command) is bench/fuzz.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fuzzReader, fuzzTable, type FuzzSummary } from '../bench/fixtures/fuzz.ts';

let dir: string;
let savedTimeout: string | undefined;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-fuzz-'));
  savedTimeout = process.env.ATOMDYN_HDF5_TIMEOUT_S;
  process.env.ATOMDYN_HDF5_TIMEOUT_S = '10';
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (savedTimeout === undefined) delete process.env.ATOMDYN_HDF5_TIMEOUT_S;
  else process.env.ATOMDYN_HDF5_TIMEOUT_S = savedTimeout;
});

function expectNoFailure(s: FuzzSummary): void {
  expect({ name: s.name, stack: s.counts.stack, hang: s.counts.hang, garbage: s.counts.garbage, examples: s.examples }).toEqual({
    name: s.name,
    stack: 0,
    hang: 0,
    garbage: 0,
    examples: {},
  });
  expect(s.counts.ok + s.counts.clean).toBe(s.cases);
  expect(s.counts.clean).toBeGreaterThan(0);
}

describe('fuzz: mutated real files through openFrames', () => {
  for (const [format, cases, seed] of [
    ['tif', 200, 1],
    ['npy', 200, 2],
    ['dm3', 200, 3],
    ['hdf5', 100, 4],
    ['hspy', 100, 5],
    ['emd', 100, 6],
  ] as const) {
    it(`${format}: ${cases} cases, no stack, hang or garbage line`, async () => {
      expectNoFailure(await fuzzReader(format, cases, dir, seed, 20_000));
    }, 600_000);
  }
});

describe('fuzz: mutated tables through the table checks and the step readers', () => {
  for (const [kind, seed] of [
    ['atoms', 11],
    ['tracks', 12],
    ['configurations', 13],
  ] as const) {
    it(`${kind}.csv: 300 cases, no stack, hang or garbage line`, async () => {
      const s = await fuzzTable(kind, 300, seed);
      expectNoFailure(s);
      expect(s.counts.ok).toBeGreaterThan(0); // the step still runs on the inputs that are fine
    }, 300_000);
  }
});
