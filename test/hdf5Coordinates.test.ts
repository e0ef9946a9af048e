/**
 * Stored coordinates of real Si-C complexes (../shared/data/graphene_Si/LibraryNet_*.hdf5, labels by
 * Ziatdinov et al.'s own pipeline): read with h5wasm, bonded with the default cut-offs at the files'
 * pixel size (2000 pm scan / 256 px), the formulas must agree with the files' labels.
 */
import { describe, expect, it } from 'vitest';
import { sharedData } from './sharedData.ts';
import { readHdf5Coordinates } from '../data/hdf5Coordinates.ts';
import { analyseFrame, grapheneSiCutoffs } from '../dynamics/configurations/chemistry.ts';

const file = (name: string) => sharedData('graphene_Si', `LibraryNet_${name}.hdf5`);

describe('LibraryNet coordinates', () => {
  for (const [name, labels] of [
    ['Si1C3_test-1', ['Si1C3', 'Si1C3']],
    ['Si2C5_test-2', ['Si2C5']],
    ['Si3C6_test-3', ['Si3C6']],
  ] as const) {
    it(`formulas agree with the labels of ${name}`, async () => {
      const s = await readHdf5Coordinates(file(name));
      expect(s.complexes.map((c) => c.defectType)).toEqual(labels);
      expect(s.pixelSizePm).toBeCloseTo(2000 / 256, 10);
      expect(s.image?.width).toBe(256);
      // all complexes of the file in one frame, as a locate step would see them
      const atoms = s.complexes.flatMap((c) => c.atoms.map((a) => ({ xPm: a.x * s.pixelSizePm!, yPm: a.y * s.pixelSizePm!, element: a.species })));
      const ch = analyseFrame(atoms, grapheneSiCutoffs(), 'C');
      expect(ch.complexes.map((c) => c.formula)).toEqual(labels);
      // every stored complex is exactly one of ours
      let offset = 0;
      for (const c of s.complexes) {
        const ids = new Set(c.atoms.map((_, i) => ch.complexOf[offset + i]));
        expect(ids.size).toBe(1);
        expect(ids.has(-1)).toBe(false);
        offset += c.atoms.length;
      }
    });
  }

  it('has Si-C distances of projected Si-C bonds (140-205 pm) at 7.8125 pm/px', async () => {
    const d: number[] = [];
    for (const n of ['Si1C3_test-1', 'Si2C5_test-2', 'Si3C6_test-3']) {
      const s = await readHdf5Coordinates(file(n));
      const atoms = s.complexes.flatMap((c) => c.atoms);
      for (const a of atoms) for (const b of atoms) {
        if (a.species !== 'Si' || b.species !== 'C') continue;
        const r = Math.hypot(a.x - b.x, a.y - b.y) * s.pixelSizePm!;
        if (r < 215) d.push(r);
      }
    }
    expect(d.length).toBe(6 + 5 + 6);
    for (const r of d) {
      expect(r).toBeGreaterThan(140);
      expect(r).toBeLessThan(205);
    }
  });

  it('reports a missing file and a file without coordinates in one line', async () => {
    await expect(readHdf5Coordinates('/nonexistent/x.hdf5')).rejects.toThrow(/x\.hdf5: no such file/);
    const g = sharedData('graphene_Si', 'G-Si-2nm.hdf5');
    await expect(readHdf5Coordinates(g)).rejects.toThrow(/no defect_coord_\* datasets/);
  });
});
