import { describe, expect, it } from 'vitest';
import { measureLatticeSpacing } from '../inference/latticeSpacing.ts';
import { firstOrderSpacingPm } from '../inference/latticeScale.ts';
import { choosePixelSize } from '../inference/calibrationCheck.ts';
import { Random } from '../data/random.ts';
import { honeycombColumns, renderColumns } from '../training/simulator/lattices/honeycombImage.ts';

/** Honeycomb of Gaussian columns (graphene-like) with bond length `bondPm` at `pxPm` pm/px, rotated, plus Gaussian noise. */
function honeycomb(h: number, w: number, bondPm: number, pxPm: number, rotDeg: number, sigmaPx: number, noise: number, seed: number): Float32Array {
  const rnd = new Random(seed);
  const f = renderColumns(honeycombColumns({ h, w, pxPm, rotDeg, bondPm, margin: 10 }), h, w, sigmaPx, 1, 4);
  for (let i = 0; i < f.length; i++) f[i] += noise * rnd.normal();
  return f;
}

describe('measureLatticeSpacing', () => {
  it('first-order spacing of graphene is a·√3/2 = 213 pm', () => {
    expect(firstOrderSpacingPm(246, '6mm')).toBeCloseTo(213.04, 1);
    expect(firstOrderSpacingPm(390, '4mm')).toBe(390);
  });

  it('recovers the pixel size of a noisy graphene lattice within 1 %, at any rotation, with and without a prior', () => {
    for (const [pxPm, rot, seed] of [[15, 0, 1], [20, 17, 2], [9, 41, 3]] as const) {
      const f = honeycomb(256, 256, 142, pxPm, rot, 70 / pxPm / 2.355, 0.5, seed);
      const expectedPx = firstOrderSpacingPm(246, '6mm') / pxPm;
      for (const opts of [{}, { expectedPx: expectedPx * 1.2 }]) {
        const m = measureLatticeSpacing(f, 256, 256, opts);
        expect(m).not.toBeNull();
        if (Math.abs(m!.spacingPx / expectedPx - 1) > 0.01) console.log(pxPm, rot, opts, m, expectedPx);
        expect(Math.abs(m!.spacingPx / expectedPx - 1)).toBeLessThan(0.01);
      }
    }
  });

  it('returns null for pure noise and for tiny frames', () => {
    const rnd = new Random(4);
    const f = new Float32Array(128 * 128).map(() => rnd.normal());
    expect(measureLatticeSpacing(f, 128, 128, { expectedPx: 10 })).toBeNull();
    expect(measureLatticeSpacing(new Float32Array(20 * 20), 20, 20)).toBeNull();
  });
});

describe('choosePixelSize', () => {
  const f = honeycomb(256, 256, 142, 12, 23, 70 / 12 / 2.355, 0.3, 8);
  const base = { frame: f, height: 256, width: 256, latticeConstantPm: 246, pointGroup: '6mm' };

  it('keeps a file value that agrees with the lattice', () => {
    const d = choosePixelSize({ ...base, file: { value: 12.3, origin: 'file' } });
    expect(d.pixelSizePm.value).toBe(12.3);
    expect(d.pixelSizePm.origin).toBe('file');
    expect(d.warnings).toEqual([]);
  });

  it('replaces a file value 20 % off with the measured one, and says so', () => {
    const d = choosePixelSize({ ...base, file: { value: 10, origin: 'file' } });
    expect(d.pixelSizePm.origin).toBe('lattice');
    expect(Math.abs(d.pixelSizePm.value! / 12 - 1)).toBeLessThan(0.01);
    expect(d.warnings[0]).toMatch(/states 10 pm\/px but the lattice measures 12\.\d+ pm\/px/);
  });

  it('keeps it with trustMetadata, and the command line beats everything', () => {
    expect(choosePixelSize({ ...base, file: { value: 10, origin: 'file' }, trustMetadata: true }).pixelSizePm.value).toBe(10);
    expect(choosePixelSize({ ...base, file: { value: 10, origin: 'file' }, commandLinePm: 9 }).pixelSizePm).toEqual({ value: 9, origin: 'command-line' });
  });

  it('derives the scale from the lattice when the file has none', () => {
    const d = choosePixelSize(base);
    expect(d.pixelSizePm.origin).toBe('lattice');
    expect(Math.abs(d.pixelSizePm.value! / 12 - 1)).toBeLessThan(0.01);
  });
});
