/**
 * `locate`'s automatic column fit (issue 13; inference/columnFit.ts AUTO_FIT_MIN_LIGHT_LLR): a simulated
 * frame at 100x G-Si-2nm's nominal dose resolves single C columns and is fitted (the same atoms as
 * `--fit`); the same frame at the nominal dose (the training simulator's GRAPHENE_PRESET, whose image
 * statistics match the real frame: bench/realism.ts) does not and keeps the network's atoms (the same as
 * `--no-fit`), with run.json saying which. The real frames' side (G-Si-2nm, G-dimSi left to the network) is in
 * test/locateRealData.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runLocate } from '../cli/commands/locate.ts';
import { simulateImage } from '../training/simulator/simulateImage.ts';
import { GRAPHENE_PRESET } from '../training/simulator/imagingPresets.ts';
import { writeTiffStack } from '../data/writers/tiffStack.ts';
import { AUTO_FIT_MIN_LIGHT_LLR } from '../inference/columnFit.ts';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-autofit-'));
  process.env.ATOMDYN_QUIET = '1';
});

/** One simulated 160 x 160 graphene frame with a Si, at 10 pm/px and the given dose (e-/Å²), as a TIFF. */
async function frameFile(name: string, doseEPerA2: number): Promise<string> {
  const sim = simulateImage({
    frame: { width: 160, height: 160, pixelSizePm: 10 },
    imaging: { ...GRAPHENE_PRESET.imaging, doseEPerA2 },
    specimen: { lattice: 'graphene', configurationCount: 1, rotationDeg: 7 },
    seed: 42,
  });
  const file = path.join(dir, `${name}.tif`);
  await writeTiffStack(file, [sim.image], { count: 1, height: 160, width: 160 }, { pixelSizePm: 10 });
  return file;
}

const xy = (rows: Array<Record<string, unknown>>) => rows.map((r) => `${r.species} ${(r.x as number).toFixed(3)} ${(r.y as number).toFixed(3)}`);

describe('locate: the automatic column fit', () => {
  it('fits a frame whose C columns are resolved one by one, as --fit does', async () => {
    const file = await frameFile('resolved', 100 * GRAPHENE_PRESET.imaging.doseEPerA2);
    const auto = await runLocate(file, { out: path.join(dir, 'a-auto'), model: 'graphene-si', pixelSize: '10' }, ['test']);
    const p = auto.run.parameters as { fit: boolean; fitMode: unknown; fitFrames: number; fitLightLlr: number };
    expect(p).toMatchObject({ fit: true, fitMode: 'auto', fitFrames: 1 });
    expect(p.fitLightLlr).toBeGreaterThan(AUTO_FIT_MIN_LIGHT_LLR);
    expect(auto.table.rows.filter((r) => Number.isFinite(r.sigma_pm as number)).length).toBe(auto.table.rows.length);
    const forced = await runLocate(file, { out: path.join(dir, 'a-fit'), model: 'graphene-si', pixelSize: '10', fit: true }, ['test']);
    expect(forced.run.parameters).toMatchObject({ fitMode: true, fitFrames: 1 });
    expect(xy(auto.table.rows)).toEqual(xy(forced.table.rows));
    const off = await runLocate(file, { out: path.join(dir, 'a-off'), model: 'graphene-si', pixelSize: '10', fit: false }, ['test']);
    expect(off.run.parameters).toMatchObject({ fit: false, fitMode: false, fitFrames: 0, fitLightLlr: null });
    expect(off.table.rows.every((r) => !Number.isFinite(r.sigma_pm as number))).toBe(true);
  });

  it('leaves a frame whose C columns are not resolved to the network, as --no-fit, and records the measure', async () => {
    const file = await frameFile('nominal', GRAPHENE_PRESET.imaging.doseEPerA2);
    const auto = await runLocate(file, { out: path.join(dir, 'b-auto'), model: 'graphene-si', pixelSize: '10' }, ['test']);
    const p = auto.run.parameters as { fit: boolean; fitFrames: number; fitLightLlr: number };
    expect(p).toMatchObject({ fit: false, fitMode: 'auto', fitFrames: 0 });
    expect(p.fitLightLlr).toBeLessThan(AUTO_FIT_MIN_LIGHT_LLR);
    const off = await runLocate(file, { out: path.join(dir, 'b-off'), model: 'graphene-si', pixelSize: '10', fit: false }, ['test']);
    expect(xy(auto.table.rows)).toEqual(xy(off.table.rows));
    expect(auto.table.rows.length).toBeGreaterThan(0);
  });
});
