/**
 * Issue 12 on the real files in ../shared/data: the three perovskite files are neither graphene nor
 * MX2 (PbTiO3/SrRuO3 keeps its 15.0 pm/px, the two uncalibrated files get an unknown pixel size, and
 * `--strict` exits 3), while the graphene and MX2 controls stay applicable with their scales
 * (G-Si-2nm and G-GrainBoundary keep the file's 7.8125, G-dimSi 3.87 from its lattice, the WSe2 movie
 * 37.4 instead of the file's 31.25, the MoS2 and WS2 files their own values except MoS2_stem_Exp-002-5,
 * whose file value, 17.6 pm/px, is 31 % off its MoS2 lattice's 13.4). These checks run before the network (no U-Net here);
 * G-trimSi's bond-length verdict and the located controls are in locateRealData.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openFrames } from '../data/openFrames.ts';
import { choosePixelSize, type PixelSizeDecision } from '../inference/calibrationCheck.ts';
import { MATERIALS, FAMILY_LATTICE_CONSTANT_PM } from '../models/materials.ts';
import { main } from '../cli/main.ts';
import { sharedData } from './sharedData.ts';

const PTO = sharedData('perovskite', 'Cropped_PTO-SRO_Aligned.hspy');
const DM3 = sharedData('perovskite', 'DMReader_Image_SI-Survey.dm3');
const NSMO = sharedData('perovskite', 'FigS6_0716__Cryo_NSMO110_5-1Mx_0p5us_1024px_REGISTERED.tif');

const LATTICES = {
  graphene: { latticeName: 'graphene', latticeConstantPm: MATERIALS.graphene.aPm, pointGroup: '6mm' },
  mx2: { latticeName: 'mx2', latticeConstantPm: FAMILY_LATTICE_CONSTANT_PM.mx2, pointGroup: '3m' },
  WSe2: { latticeName: 'WSe2', latticeConstantPm: MATERIALS.WSe2.aPm, pointGroup: '3m' },
  MoS2: { latticeName: 'MoS2', latticeConstantPm: MATERIALS.MoS2.aPm, pointGroup: '3m' },
  WS2: { latticeName: 'WS2', latticeConstantPm: MATERIALS.WS2.aPm, pointGroup: '3m' },
};

async function decide(file: string, lattice: keyof typeof LATTICES): Promise<PixelSizeDecision> {
  const s = await openFrames(file);
  try {
    return choosePixelSize({ frame: await s.readFrame(0), height: s.height, width: s.width, file: s.calibration.pixelSizePm, ...LATTICES[lattice] });
  } finally {
    await s.close();
  }
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-applicability-'));
  process.env.ATOMDYN_QUIET = '1';
});

describe('perovskite files: not graphene, not MX2', () => {
  for (const lattice of ['graphene', 'mx2'] as const) {
    it(`PbTiO3/SrRuO3 is not ${lattice} and keeps its 15.0 pm/px`, async () => {
      const d = await decide(PTO, lattice);
      expect(d.verdict.applicable).toBe(false);
      expect(d.verdict.reason).toMatch(/4-fold \(square\)/);
      expect(d.pixelSizePm.origin).toBe('file');
      expect(d.pixelSizePm.value!).toBeCloseTo(15.0, 1);
      expect(d.verdict.other!.spacingPx * d.pixelSizePm.value!).toBeGreaterThan(380); // the perovskite cell, about 400 pm
      expect(d.verdict.other!.spacingPx * d.pixelSizePm.value!).toBeLessThan(420);
    });
    for (const file of [DM3, NSMO]) {
      it(`${path.basename(file)} is not ${lattice}; no calibration, so the pixel size is unknown`, async () => {
        const d = await decide(file, lattice);
        expect(d.verdict.applicable).toBe(false);
        expect(d.pixelSizePm).toEqual({ value: null, origin: 'none' });
        expect(d.warnings.join(' ')).toMatch(/not a \w+ lattice/);
      });
    }
  }
});

describe('the command line on the perovskite files', () => {
  it('locate --strict exits 3 on PbTiO3/SrRuO3 and writes the verdict to run.json', async () => {
    const out = path.join(dir, 'pto');
    expect(await main(['node', 'atomdyn', 'locate', PTO, '--out', out, '--strict'])).toBe(3);
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.applicability.applicable).toBe(false);
    expect(run.pixelSizePm.origin).toBe('file');
    expect(run.pixelSizePm.value).toBeCloseTo(15.0, 1);
  });
  it('locate without --strict stops with exit 2 and an unknown pixel size on the survey; --lattice mx2 --strict exits 3', async () => {
    const out = path.join(dir, 'dm3');
    expect(await main(['node', 'atomdyn', 'locate', DM3, '--out', out])).toBe(2);
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.pixelSizePm).toEqual({ value: null, origin: 'none' });
    expect(run.applicability.applicable).toBe(false);
    expect(await main(['node', 'atomdyn', 'locate', NSMO, '--lattice', 'mx2', '--out', path.join(dir, 'nsmo'), '--strict'])).toBe(3);
  });
});

describe('controls stay applicable with their scales', () => {
  const cases: Array<[string, keyof typeof LATTICES, 'file' | 'lattice', number]> = [
    [sharedData('graphene_Si', 'G-Si-2nm.hdf5'), 'graphene', 'file', 7.8125],
    [sharedData('graphene_Si', 'G-GrainBoundary-4nm.hdf5'), 'graphene', 'file', 7.8125],
    [sharedData('graphene_Si', 'G-dimSi.hdf5'), 'graphene', 'lattice', 3.87],
    [sharedData('WSe2_movie', 'HAADF.tif'), 'WSe2', 'lattice', 37.4],
    [sharedData('MoS2_Vdoped', 'MoS2_stem.npy'), 'MoS2', 'file', 17.578],
    [sharedData('MoS2_Vdoped', 'MoS2_stem_Exp-000-2.npy'), 'MoS2', 'file', 17.578],
    [sharedData('MoS2_Vdoped', 'MoS2_stem_Exp-001-5.npy'), 'MoS2', 'file', 13.672],
    [sharedData('MoS2_Vdoped', 'MoS2_stem_Exp-002-5.npy'), 'MoS2', 'lattice', 13.4],
    [sharedData('WS2_velox_emd', 'WS2.emd'), 'WS2', 'file', 10.622],
  ];
  for (const [file, lattice, origin, px] of cases) {
    it(`${path.basename(file)}: ${lattice}, ${px} pm/px (${origin})`, async () => {
      const d = await decide(file, lattice);
      expect(d.verdict.applicable, d.verdict.reason).toBe(true);
      expect(d.pixelSizePm.origin).toBe(origin);
      expect(Math.abs(d.pixelSizePm.value! / px - 1)).toBeLessThan(0.01);
    });
  }
});
