import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeFile } from '../data/describe.ts';
import { npyBytes } from './helpers/npyWriter.ts';
import { sharedData } from './sharedData.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-describe-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('describeFile (atomdyn info)', () => {
  it('HAADF.tif: shape, dtype, pixel size with its source, frame time, value range, metadata', async () => {
    const text = await describeFile(sharedData('WSe2_movie', 'HAADF.tif'));
    const lines = text.trimEnd().split('\n');
    expect(lines).toContain('shape:       5 x 128 x 128 (frames x height x width)');
    expect(lines).toContain('dtype:       float32 (read as float32)');
    expect(text).toMatch(/^pixel size:  31\.25 pm\/px \(file: Nion metadata/m);
    expect(text).toMatch(/^frame time:  0\.195477 s \(file: /m);
    expect(text).toMatch(/^value range: [-\d.e]+ \.\. [-\d.e]+, mean [-\d.e]+ \(frame 0\)$/m);
    expect(text).toMatch(/^ {2}instrument: Nion SuperScan, HAADF$/m);
  });

  it('value range is that of frame 0', async () => {
    const data = Array.from({ length: 2 * 3 * 4 }, (_, i) => i - 5);
    const file = path.join(dir, 'r.npy');
    writeFileSync(file, npyBytes('int16', [2, 3, 4], data));
    const text = await describeFile(file);
    expect(text).toMatch(/^value range: -5 \.\. 6, mean 0\.5 \(frame 0\)$/m);
    expect(text).toMatch(/^pixel size:  unknown \(no calibration: the file has none and there is no sidecar r\.json\)$/m);
  });

  it('passes --dataset through and shows warnings', async () => {
    const text = await describeFile(sharedData('graphene_Si', 'G-Si-2nm.hdf5'), { dataset: 'image_data' });
    expect(text).toMatch(/^shape:       1 x 256 x 256/m);
    expect(text).toMatch(/^warnings:\n {2}- the embedded microscope parameters describe another acquisition/m);
  });

  it('works for every file in the shared data folder', async () => {
    const files = [
      ['MoS2_Vdoped', 'MoS2_stem_Exp-002-5.npy', '1 x 512 x 512', /17\.5781 pm\/px/],
      ['WS2_velox_emd', 'WS2.emd', '1 x 1024 x 1024', /10\.6223 pm\/px/],
      ['graphene_Si', 'G-GrainBoundary-4nm.hdf5', '1 x 512 x 512', /7\.8125 pm\/px/],
      ['graphene_Si', 'G-trimSi.hdf5', '1 x 512 x 512', /pixel size: {2}unknown/],
      ['graphene_Si', 'LibraryNet_Si2C5_test-2.hdf5', '1 x 256 x 256', /7\.8125 pm\/px/],
      ['perovskite', 'Cropped_PTO-SRO_Aligned.hspy', '1 x 224 x 1312', /14\.9968 pm\/px/],
      ['perovskite', 'DMReader_Image_SI-Survey.dm3', '1 x 512 x 512', /pixel size: {2}unknown/],
      ['perovskite', 'FigS6_0716__Cryo_NSMO110_5-1Mx_0p5us_1024px_REGISTERED.tif', '1 x 898 x 963', /pixel size: {2}unknown/],
    ] as const;
    for (const [folder, name, shape, pixel] of files) {
      const text = await describeFile(sharedData(folder, name));
      expect(text, name).toContain(`shape:       ${shape} (frames x height x width)`);
      expect(text, name).toMatch(pixel);
    }
  });
});
