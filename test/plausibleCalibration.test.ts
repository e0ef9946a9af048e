import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { plausibleCalibration } from '../data/readers/stackBase.ts';
import { openFrames } from '../data/openFrames.ts';
import { sharedData } from './sharedData.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-cal-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cal = (pm: number | null, s: number | null) => ({
  pixelSizePm: { value: pm, origin: 'file' as const, note: 'key' },
  frameTimeS: { value: s, origin: 'file' as const },
});

describe('calibration values are checked against a plausible range', () => {
  it('keeps 0.1-10 000 pm and frame times in (0, 1e6] s; rejects the rest with the value as stated', () => {
    for (const pm of [0.1, 7.8125, 31.25, 10_000]) expect(plausibleCalibration(cal(pm, 0.162)).calibration.pixelSizePm.value).toBe(pm);
    for (const pm of [0.0999, 10_000.5, 1e308, Infinity, -5, 0, NaN]) {
      const r = plausibleCalibration(cal(pm, 1));
      expect(r.calibration.pixelSizePm).toMatchObject({ value: null, origin: 'none' });
      expect(r.warnings).toHaveLength(1);
    }
    expect(plausibleCalibration(cal(1e308, null)).warnings[0]).toBe(
      'the file states a pixel size of 1e+308 pm, outside the plausible 0.1-10000 pm; ignored (key)',
    );
    expect(plausibleCalibration(cal(null, -1)).calibration.frameTimeS.value).toBeNull();
    expect(plausibleCalibration(cal(null, 2e6)).calibration.frameTimeS.value).toBeNull();
    expect(plausibleCalibration(cal(null, null)).warnings).toEqual([]);
  });

  it('a .npy sidecar stating 1e308 pm per pixel gives an unknown pixel size and a warning', async () => {
    copyFileSync(sharedData('MoS2_Vdoped', 'MoS2_stem_Exp-000-2.npy'), path.join(dir, 'a.npy'));
    writeFileSync(path.join(dir, 'a.json'), '{"pixel_size_pm": 1e308}');
    const s = await openFrames(path.join(dir, 'a.npy'));
    expect(s.calibration.pixelSizePm.value).toBeNull();
    expect((s.metadata as { warnings: string[] }).warnings.join()).toMatch(/pixel size of 1e\+308 pm, outside the plausible/);
    await s.close();
  });
});
