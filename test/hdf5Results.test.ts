import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readResultsHdf5, writeResultsHdf5, type ResultsContents } from '../data/writers/hdf5Results.ts';
import { protectInput } from '../data/atomicWrite.ts';
import { newRun } from '../data/runMetadata.ts';
import { openFrames } from '../data/openFrames.ts';
import { sharedData } from './sharedData.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-h5out-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function contents(): ResultsContents {
  const run = newRun('track', ['track', 'movie.tif']);
  run.parameters = { note: 'x'.repeat(100_000) }; // larger than HDF5's 64 KiB compact attribute limit
  return {
    run,
    attributes: { material: 'graphene', lag: 1 },
    tables: {
      tracks: {
        table: {
          columns: ['frame', 'particle', 'x', 'y', 'species', 'ambiguous', 'x_pm'],
          rows: [
            { frame: 0, particle: 0, x: 1.25, y: 2.5, species: 'Si', ambiguous: false, x_pm: 9.765625 },
            { frame: 1, particle: 0, x: 1.5, y: 2.75, species: 'C', ambiguous: true, x_pm: null },
            { frame: 1, particle: 7, x: -3, y: 1e-9, species: null, ambiguous: null, x_pm: 23.4375 },
          ],
        },
        units: { x: 'px', y: 'px', x_pm: 'pm' },
        description: 'trajectories',
      },
      empty: { table: { columns: ['frame', 'state_name'], rows: [] } },
    },
    arrays: {
      matrix: { data: new Float64Array([0.9, 0.1, 0.2, 0.8]), shape: [2, 2], description: 'transition matrix' },
      image: { data: new Float32Array(12).map((_, i) => i / 4), shape: [1, 3, 4], units: 'counts' },
    },
  };
}

describe('HDF5 results writer', () => {
  it('round-trips tables (typed columns, missing cells, units), arrays, run metadata and attributes', async () => {
    const file = path.join(dir, 'results.h5');
    const c = contents();
    await writeResultsHdf5(file, c);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    const back = await readResultsHdf5(file);
    expect(back.run).toEqual(JSON.parse(JSON.stringify(c.run)));
    expect(back.attributes).toEqual({ material: 'graphene', lag: 1 });
    expect(back.tables!.tracks.table).toEqual(c.tables!.tracks.table);
    expect(back.tables!.tracks.units).toEqual({ x: 'px', y: 'px', x_pm: 'pm' });
    expect(back.tables!.tracks.description).toBe('trajectories');
    expect(back.tables!.empty.table).toEqual({ columns: ['frame', 'state_name'], rows: [] });
    expect(Array.from(back.arrays!.matrix.data)).toEqual([0.9, 0.1, 0.2, 0.8]);
    expect(back.arrays!.matrix.shape).toEqual([2, 2]);
    expect(back.arrays!.image.units).toBe('counts');
  });

  it('arrays are plain HDF5 datasets that atomdyn (and any HDF5 tool) can read', async () => {
    const file = path.join(dir, 'readable.h5');
    await writeResultsHdf5(file, contents());
    const s = await openFrames(file, { dataset: 'arrays/image' });
    expect([s.count, s.height, s.width]).toEqual([1, 3, 4]);
    expect(Array.from(await s.readFrame(0))).toEqual(Array.from(new Float32Array(12).map((_, i) => i / 4)));
    await s.close();
  });

  it('refuses inputs, bad shapes and duplicate columns without leaving files behind', async () => {
    const input = path.join(dir, 'input.h5');
    writeFileSync(input, 'x');
    protectInput(input);
    await expect(writeResultsHdf5(input, contents())).rejects.toThrow(/refusing to overwrite an input file/);
    const bad = path.join(dir, 'bad.h5');
    await expect(writeResultsHdf5(bad, { arrays: { m: { data: [1, 2, 3], shape: [2, 2] } } })).rejects.toThrow(/array 'm' has 3 values but shape \[2, 2\]/);
    await expect(
      writeResultsHdf5(bad, { tables: { t: { table: { columns: ['a', 'a'], rows: [{ a: 1 }] } } } }),
    ).rejects.toThrow(/column 'a' twice/);
    expect(readdirSync(dir).filter((f) => f.startsWith('.bad') || f === 'bad.h5')).toEqual([]);
  });

  it('readResultsHdf5 rejects HDF5 files that are not results files', async () => {
    const other = sharedData('graphene_Si', 'G-Si-2nm.hdf5');
    await expect(readResultsHdf5(other)).rejects.toThrow(/G-Si-2nm\.hdf5: not an atomdyn results file/);
    await expect(readResultsHdf5(path.join(dir, 'missing.h5'))).rejects.toThrow(/missing\.h5: cannot open HDF5 file/);
  });
});
