import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../models/tensorBackend.ts';
import { buildUNet } from '../models/unet.ts';
import { saveModel } from '../models/modelIO.ts';
import { writeTiffStack } from '../data/writers/tiffStack.ts';
import { readCsv } from '../data/csvTable.ts';
import { readResultsHdf5 } from '../data/writers/hdf5Results.ts';
import { runLocate } from '../cli/commands/locate.ts';
import { exampleCard } from './helpers/card.ts';
import { honeycombImage } from '../training/simulator/lattices/honeycombImage.ts';

// An untrained (random) 4-filter U-Net: what it finds is meaningless, but every run on the same
// frames must find the same thing, and the files, units and pixel-size decisions are checked.
let dir: string, modelDir: string, movie: string, miscalibrated: string;

beforeAll(async () => {
  await initBackend();
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-locate-'));
  modelDir = path.join(dir, 'model');
  const model = buildUNet({ baseFilters: 4, classes: 3, seed: 3 });
  await saveModel(model, modelDir, exampleCard());
  model.dispose();
  const frames = [1, 2, 3].map((seed) => honeycombImage({ h: 128, w: 136, pxPm: 12, rotDeg: 7, seed, counts: 30 }).image);
  movie = path.join(dir, 'movie.tif');
  await writeTiffStack(movie, frames, { count: 3, height: 128, width: 136 }, { pixelSizePm: 12 });
  miscalibrated = path.join(dir, 'wrong.tif');
  await writeTiffStack(miscalibrated, frames.slice(0, 1), { count: 1, height: 128, width: 136 }, { pixelSizePm: 9.5 });
});

describe('atomdyn locate (files and calibration)', () => {
  it('writes atoms.csv, run.json, results.h5 and one overlay per frame; workers change nothing', async () => {
    const a = await runLocate(movie, { out: path.join(dir, 'a'), model: modelDir, workers: '2' }, ['locate']);
    const b = await runLocate(movie, { out: path.join(dir, 'b'), model: modelDir, workers: '0' }, ['locate']);
    expect(b.table.rows).toEqual(a.table.rows);
    const csv = readCsv(path.join(dir, 'a', 'atoms.csv'), ['frame', 'x', 'y', 'species', 'element', 'confidence', 'x_pm', 'y_pm', 'sigma_pm']);
    expect(csv.rows.length).toBe(a.table.rows.length);
    for (const r of csv.rows) {
      expect([0, 1, 2]).toContain(r.frame);
      expect(r.x_pm).toBeCloseTo((r.x as number) * 12, 1);
      expect(['C', 'Si']).toContain(r.species);
    }
    expect(readdirSync(path.join(dir, 'a', 'overlays')).sort()).toEqual(['frame_0000.png', 'frame_0001.png', 'frame_0002.png']);
    const run = JSON.parse(readFileSync(path.join(dir, 'a', 'run.json'), 'utf8'));
    expect(run.step).toBe('locate');
    expect(run.pixelSizePm.origin).toBe('file');
    expect(run.pixelSizePm.value).toBeCloseTo(12, 5); // a TIFF rational
    expect(run.frames).toEqual({ count: 3, height: 128, width: 136 });
    expect(run.species).toEqual({ C: 'C', Si: 'Si' });
    expect(['onnxruntime', 'wasm', 'tensorflow', 'cpu']).toContain(run.backend);
    const h5 = await readResultsHdf5(path.join(dir, 'a', 'results.h5'));
    expect(h5.tables!.atoms.table.rows.length).toBe(csv.rows.length);
  });

  it('replaces a pixel size that disagrees with the lattice, keeps it with --trust-metadata, obeys --pixel-size', async () => {
    const w = await runLocate(miscalibrated, { out: path.join(dir, 'c'), model: modelDir }, ['locate']);
    expect(w.run.pixelSizePm.origin).toBe('lattice');
    expect(Math.abs(w.run.pixelSizePm.value! / 12 - 1)).toBeLessThan(0.02);
    expect(w.run.warnings.join(' ')).toMatch(/states 9\.5 pm\/px but the lattice measures 1[12]\.\d+ pm\/px/);
    const t = await runLocate(miscalibrated, { out: path.join(dir, 'd'), model: modelDir, trustMetadata: true }, ['locate']);
    expect(t.run.pixelSizePm.origin).toBe('file');
    expect(t.run.pixelSizePm.value).toBeCloseTo(9.5, 5);
    const c = await runLocate(miscalibrated, { out: path.join(dir, 'e'), model: modelDir, pixelSize: '11' }, ['locate']);
    expect(c.run.pixelSizePm).toEqual({ value: 11, origin: 'command-line' });
  });

  it('refuses to write over its input and names unknown species', async () => {
    await expect(runLocate(movie, { out: dir, model: modelDir }, ['locate'])).rejects.toThrow(/^out: '.*' is the input's folder .*movie\.tif/);
    await expect(runLocate(movie, { out: path.join(dir, 'ge'), model: modelDir, species: 'Ge=Ge' }, ['locate'])).rejects.toThrow(/^speciesElements: the model has no species 'Ge'/);
    expect(existsSync(path.join(dir, 'ge'))).toBe(false);
  });

  it('--frame-range and --roi give the atoms of a full run restricted to them, in full-frame pixels', async () => {
    // tta off: at 12 pm/px with the card's 16 'auto' would average this random network over 8 views
    const full = await runLocate(movie, { out: path.join(dir, 'full'), model: modelDir, workers: '0', tta: false }, ['locate']);
    const roi = { x: 24, y: 16, width: 96, height: 100 };
    const part = await runLocate(movie, { out: path.join(dir, 'part'), model: modelDir, workers: '0', tta: false, frameRange: '1:3', roi: `${roi.x},${roi.y},${roi.width},${roi.height}` }, ['locate']);
    const inside = (r: Record<string, unknown>) => (r.x as number) >= roi.x - 0.5 && (r.x as number) < roi.x + roi.width - 0.5 &&
      (r.y as number) >= roi.y - 0.5 && (r.y as number) < roi.y + roi.height - 0.5;
    const want = full.table.rows.filter((r) => (r.frame === 1 || r.frame === 2) && inside(r));
    expect(want.length).toBeGreaterThan(10);
    expect(want.length).toBeLessThan(full.table.rows.filter((r) => r.frame === 1 || r.frame === 2).length);
    expect(part.table.rows).toEqual(want);
    expect(part.run.pixelSizePm).toEqual(full.run.pixelSizePm);
    const run = JSON.parse(readFileSync(path.join(dir, 'part', 'run.json'), 'utf8'));
    expect(run.selection).toEqual({ frameRange: { start: 1, stop: 3, step: 1 }, roi, frames: 2 });
    expect(run.frames).toEqual({ count: 3, height: 128, width: 136 });
    expect(readdirSync(path.join(dir, 'part', 'overlays')).sort()).toEqual(['frame_0001.png', 'frame_0002.png']);
    await expect(runLocate(movie, { out: path.join(dir, 'p2'), model: modelDir, roi: '100,0,40,10' }, ['locate'])).rejects.toThrow(/^roi: 100,0,40,10 does not lie inside the 136x128 px frames/);
    await expect(runLocate(movie, { out: path.join(dir, 'p3'), model: modelDir, frameRange: '2:9' }, ['locate'])).rejects.toThrow(/^frameRange: STOP 9 is past the end/);
    await expect(runLocate(movie, { out: path.join(dir, 'p4'), model: modelDir, frameRange: '5' }, ['locate'])).rejects.toThrow(/--frame-range: expected START:STOP\[:STEP\]/);
    for (const p of ['p2', 'p3', 'p4']) expect(existsSync(path.join(dir, p))).toBe(false);
  });
});
