import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import UTIF from 'utif2';
import { readCsv } from '../data/csvTable.ts';
import { runSimulate, type SimulateFlags } from '../cli/commands/simulate.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'atomdyn-sim-'));
const flags = (out: string, extra: Partial<SimulateFlags> = {}): SimulateFlags => ({ lattice: 'graphene', out, size: '48', seed: '7', count: '2', ...extra });

function readTiff(file: string): { frames: Float32Array[]; width: number; height: number; description: string } {
  const buf = readFileSync(file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const ifds = UTIF.decode(ab);
  const frames = ifds.map((ifd) => {
    UTIF.decodeImage(ab, ifd);
    const d = (ifd as unknown as { data: Uint8Array }).data;
    return new Float32Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
  });
  return { frames, width: ifds[0].width as number, height: ifds[0].height as number, description: String((ifds[0] as unknown as { t270: string[] }).t270) };
}

function npyShape(file: string): number[] {
  const b = readFileSync(file);
  expect(b.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
  const header = b.subarray(10, 10 + b.readUInt16LE(8)).toString('latin1');
  return header.match(/'shape': \(([^)]*)\)/)![1].split(',').filter((s) => s.trim()).map(Number);
}

describe('atomdyn simulate', () => {
  it('writes images, labels, masks and run.json, reproducibly for a seed', async () => {
    const a = tmp();
    const b = tmp();
    const run = await runSimulate(flags(a, { config: 'si-c3,si-c4', dopants: '1', pixelSize: '14' }), ['simulate']);
    await runSimulate(flags(b, { config: 'si-c3,si-c4', dopants: '1', pixelSize: '14' }), ['simulate']);
    for (const f of ['images.tif', 'labels.csv', 'classes.npy', 'mask_C.npy', 'mask_Si.npy']) expect(readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f)))).toBe(true);
    const tif = readTiff(path.join(a, 'images.tif'));
    expect(tif.frames).toHaveLength(2);
    expect([tif.width, tif.height]).toEqual([48, 48]);
    expect(tif.description).toMatch(/images=2/);
    expect(tif.frames[0].every(Number.isFinite)).toBe(true);
    const labels = readCsv(path.join(a, 'labels.csv'));
    expect(labels.columns).toEqual(['frame', 'x', 'y', 'species', 'element', 'confidence', 'x_pm', 'y_pm', 'sigma_pm', 'z', 'height_pm', 'site', 'count']);
    expect(new Set(labels.rows.map((r) => r.frame))).toEqual(new Set([0, 1]));
    for (const r of labels.rows.slice(0, 20)) expect(r.x_pm as number).toBeCloseTo((r.x as number) * 14, 2);
    expect(labels.rows.filter((r) => r.species === 'Si')).toHaveLength(2);
    expect(npyShape(path.join(a, 'classes.npy'))).toEqual([2, 48, 48]);
    const classes = readFileSync(path.join(a, 'classes.npy'));
    const body = classes.subarray(classes.length - 2 * 48 * 48);
    expect(Math.max(...body)).toBe(2);
    const runJson = JSON.parse(readFileSync(path.join(a, 'run.json'), 'utf8'));
    expect(runJson.step).toBe('simulate');
    expect(runJson.pixelSizePm).toMatchObject({ value: 14, origin: 'command-line' });
    expect(runJson.species).toEqual({ C: 'C', Si: 'Si' });
    expect(runJson.parameters.figures.meanCountsOnColumns.C).toBeGreaterThan(0);
    expect(runJson.outputs).toContain('mask_Si.npy');
    expect(run.seed).toBe(7);
    // the analysis reads the stack back with its pixel size
    const { openFrames } = await import('../data/openFrames.ts');
    const stack = await openFrames(path.join(a, 'images.tif'));
    expect([stack.count, stack.height, stack.width]).toEqual([2, 48, 48]);
    expect(stack.calibration.pixelSizePm.value).toBeCloseTo(14, 3);
    expect(Array.from(await stack.readFrame(1))).toEqual(Array.from(tif.frames[1]));
    await stack.close();
  });

  it('writes a movie with drift, kinetics truth and the transition matrix it used', async () => {
    const out = tmp();
    const matrix = '{"states":["si-c3","si-c4"],"matrix":[[0.7,0.3],[0.3,0.7]],"hop":0}';
    await runSimulate(flags(out, { movie: true, frames: '4', dopants: '2', transitionMatrix: matrix, size: '96', pixelSize: '16', count: '1' }), ['simulate']);
    const tif = readTiff(path.join(out, 'movie.tif'));
    expect(tif.frames).toHaveLength(4);
    expect(tif.description).toMatch(/frames=4/);
    const truth = readCsv(path.join(out, 'truth.csv'));
    expect(truth.columns).toEqual(['frame', 'particle', 'x', 'y', 'state', 'formula', 'x_pm', 'y_pm', 'site', 'in_view']);
    expect(truth.rows).toHaveLength(8);
    expect(new Set(truth.rows.map((r) => r.state)).size).toBeGreaterThanOrEqual(1);
    for (const r of truth.rows) expect(['si-c3', 'si-c4']).toContain(r.state);
    const drift = readCsv(path.join(out, 'drift_truth.csv'));
    expect(drift.rows).toHaveLength(4);
    expect(drift.rows[3].dx).not.toBe(0);
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.parameters.movie.kinetics.model.matrix).toEqual([[0.7, 0.3], [0.3, 0.7]]);
    expect(run.frames).toEqual({ count: 4, height: 96, width: 96 });
  });

  it('simulates MX2 with metal and chalcogen masks', async () => {
    const out = tmp();
    await runSimulate(flags(out, { lattice: 'WSe2', count: '1', size: '40' }), ['simulate']);
    const labels = readCsv(path.join(out, 'labels.csv'));
    expect(new Set(labels.rows.map((r) => r.species))).toEqual(new Set(['metal', 'chalcogen']));
    expect(labels.rows.some((r) => r.element === 'Se2' && r.count === 2)).toBe(true);
    expect(npyShape(path.join(out, 'mask_chalcogen.npy'))).toEqual([1, 40, 40]);
  });

  it('rejects bad flags with the flag named', async () => {
    await expect(runSimulate(flags(tmp(), { size: 'big' }), [])).rejects.toThrow(/--size: expected a size in pixels/);
    await expect(runSimulate(flags(tmp(), { frames: '3' }), [])).rejects.toThrow(/--frames: needs --movie/);
    await expect(runSimulate(flags(tmp(), { config: 'si-c9' }), [])).rejects.toThrow(/--config: unknown configuration/);
    await expect(runSimulate(flags(tmp(), { lattice: 'WSe2', config: 'si-c3' }), [])).rejects.toThrow(/--config: applies to graphene/);
    await expect(runSimulate(flags(tmp(), { dose: '-1' }), [])).rejects.toThrow(/--dose/);
    await expect(runSimulate(flags(tmp(), { preset: 'hubble' }), [])).rejects.toThrow(/--preset: unknown preset/);
  });

  it('prints one line and exits 2 on bad input from the command line', () => {
    const r = spawnSync('node', [path.resolve('bin/atomdyn.mjs'), 'simulate', '--lattice', 'graphite', '--out', tmp()], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--lattice: unknown lattice 'graphite'/);
  });
});
