/**
 * The track step end to end: the library call on simulated and real (WSe2) data, and the
 * `atomdyn track` command (files, columns, run.json, errors, inputs never overwritten).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toCsv, parseCsv, type Table } from '../data/csvTable.ts';
import { simulateLatticeMovie } from '../training/simulator/latticeMovie.ts';
import { trackAtoms } from '../dynamics/tracking/trackAtoms.ts';
import { linkScores } from '../evaluation/trackingMetrics.ts';
import { parseLength } from '../cli/commands/track.ts';
import { AtomdynError } from '../data/errors.ts';
import { openFrames } from '../data/openFrames.ts';
import { findAtomsClassical } from '../inference/classicalFinder.ts';
import { gaussianBlur } from '../numerics/gaussianBlur.ts';

const bin = path.resolve('bin/atomdyn.mjs');

function movieTable(seed: number): { table: Table; truth: Int32Array; m: ReturnType<typeof simulateLatticeMovie> } {
  const m = simulateLatticeMovie({ atoms: 300, frames: 15, jitter: 0.05, dopants: 2, hopRate: 0.3, seed });
  const rows = Array.from(m.frame, (f, i) => ({ frame: f, x: m.x[i], y: m.y[i], species: m.species[i], element: m.species[i], confidence: 0.9, truth: m.particle[i] }));
  return { table: { columns: ['frame', 'x', 'y', 'species', 'element', 'confidence', 'truth'], rows }, truth: m.particle, m };
}

describe('trackAtoms (library)', () => {
  it('tracks a simulated graphene movie with dopant hops: every link right, hops and exchanges found', async () => {
    const { table, truth, m } = movieTable(21);
    expect(m.hops).toBeGreaterThan(3);
    const r = await trackAtoms(table, { pixelSizePm: 14.2 });
    expect(r.parameters.dopants).toEqual(['Si']);
    const particle = r.tracks.rows.map((o) => o.particle as number);
    const s = linkScores(m.frame, truth, particle);
    expect(s.precision).toBe(1);
    expect(s.recall).toBe(1);
    // every Si hop is a hop row, paired with its exchange partner
    const siHops = r.hops.rows.filter((h) => h.species === 'Si');
    expect(siHops.length).toBe(m.hops);
    for (const h of siHops) expect(h.exchange_with).not.toBeNull();
    // corrected positions of one static C atom stay within the jitter
    const c = r.tracks.rows.filter((o) => o.particle === r.tracks.rows[0].particle);
    const xs = c.map((o) => o.x_corr as number);
    expect(Math.max(...xs) - Math.min(...xs)).toBeLessThan(3);
    expect(r.tracks.columns).toEqual(['frame', 'x', 'y', 'species', 'element', 'confidence', 'truth', 'particle', 'particle_species', 'x_corr', 'y_corr', 'x_corr_pm', 'y_corr_pm']);
    expect(r.drift.columns).toEqual(['frame', 'dx', 'dy', 'dx_pm', 'dy_pm', 'peak', 'ambiguous', 'chosen_by', 'dx_smooth', 'dy_smooth', 'jitter_x', 'jitter_y', 'jitter_x_pm', 'jitter_y_pm']);
    // drift refined from the links follows the truth
    for (let k = 0; k < 15; k++) {
      expect(Math.abs((r.drift.rows[k].dx as number) - m.driftX[k])).toBeLessThan(0.1);
      expect(Math.abs((r.drift.rows[k].dy as number) - m.driftY[k])).toBeLessThan(0.1);
    }
    const msdAll = r.msd.rows.filter((o) => o.species === 'all');
    expect(msdAll[0].lag).toBe(1);
  });

  it('rejects tables without positions, with bad frames, or with nothing to measure the spacing on', async () => {
    await expect(trackAtoms({ columns: ['frame', 'x'], rows: [{ frame: 0, x: 1 }] }, {}, 'a.csv')).rejects.toThrow(/a\.csv: missing column 'y'/);
    await expect(trackAtoms({ columns: ['frame', 'x', 'y'], rows: [{ frame: -1, x: 1, y: 1 }] }, {}, 'a.csv')).rejects.toThrow(/row 2: frame/);
    await expect(trackAtoms({ columns: ['frame', 'x', 'y'], rows: [{ frame: 0, x: 1, y: 1 }] }, {}, 'a.csv')).rejects.toThrow(/^searchRange: /);
    await expect(trackAtoms({ columns: ['frame', 'x', 'y'], rows: [{ frame: 0, x: 1, y: 1 }] }, { drift: 'frames', searchRange: 1 }, 'a.csv')).rejects.toThrow(/^frames: /);
  });
});

describe('parseLength', () => {
  it('reads px by default and converts pm, nm and angstrom with the pixel size', () => {
    expect(parseLength('5', null, '--x')).toBe(5);
    expect(parseLength('2.5px', null, '--x')).toBe(2.5);
    expect(parseLength('150pm', 31.25, '--x')).toBeCloseTo(4.8, 12);
    expect(parseLength('0.15nm', 31.25, '--x')).toBeCloseTo(4.8, 12);
    expect(parseLength('1.5A', 31.25, '--x')).toBeCloseTo(4.8, 12);
    expect(() => parseLength('150pm', null, '--search-range')).toThrow(/--search-range: '150pm' needs a pixel size/);
    expect(() => parseLength('-1', null, '--x')).toThrow(AtomdynError);
    expect(() => parseLength('3 furlongs', 1, '--x')).toThrow(/unknown unit|not a length/);
  });
});

const wse2 = '/work/shared/data/WSe2_movie/HAADF.tif';
describe.skipIf(!existsSync(wse2))('tracking the real WSe2 movie (atoms from a plain local-maximum finder)', () => {
  it('links most columns through all 5 frames, with frame and coordinate registration agreeing', async () => {
    const stack = await openFrames(wse2);
    const w = stack.width;
    const h = stack.height;
    const frames: Float32Array[] = [];
    for (let i = 0; i < stack.count; i++) frames.push(await stack.readFrame(i));
    await stack.close();
    const rows = naiveColumns(frames, w, h);
    const table = { columns: ['frame', 'x', 'y'], rows };
    const src = { count: frames.length, width: w, height: h, readFrame: async (i: number) => frames[i] };
    const byFrames = await trackAtoms(table, { drift: 'frames', pixelSizePm: 31.25 }, 'wse2', src);
    const byCoords = await trackAtoms(table, { drift: 'coordinates', pixelSizePm: 31.25 }, 'wse2');
    // most detections belong to trajectories present in every frame (columns drift out at the edges)
    expect(byFrames.summary.detectionsOnFullLengthTracks / byFrames.summary.detections).toBeGreaterThan(0.55);
    // two independent registrations agree to within a pixel (the lattice vector is ~8.7 px)
    for (let k = 0; k < 5; k++) {
      expect(Math.abs((byFrames.drift.rows[k].dx as number) - (byCoords.drift.rows[k].dx as number))).toBeLessThan(1);
      expect(Math.abs((byFrames.drift.rows[k].dy as number) - (byCoords.drift.rows[k].dy as number))).toBeLessThan(1);
    }
    expect(byFrames.drift.rows[4].dx as number).toBeGreaterThan(10);
  });

  it('runs from the command line with --frames on atoms from the classical finder: most columns tracked through all frames', async () => {
    const stack = await openFrames(wse2);
    const rows: Array<Record<string, number | string>> = [];
    for (let t = 0; t < stack.count; t++) {
      for (const a of findAtomsClassical(await stack.readFrame(t), stack.height, stack.width, { atomSigmaPx: 1.5, minDistancePx: 4 })) {
        rows.push({ frame: t, x: a.x, y: a.y, species: a.speciesIndex ? 'metal' : 'chalcogen' });
      }
    }
    await stack.close();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-wse2-'));
    const atoms = path.join(dir, 'atoms.csv');
    writeFileSync(atoms, toCsv({ columns: ['frame', 'x', 'y', 'species'], rows }));
    const out = path.join(dir, 'out');
    const r = run(['track', atoms, '--frames', wse2, '--out', out, '--scan-drift']);
    expect(r.status).toBe(0);
    const drift = parseCsv(readFileSync(path.join(out, 'drift.csv'), 'utf8'));
    expect(drift.rows.map((o) => o.chosen_by)).toEqual(['reference', 'features', 'features', 'prior', 'features']);
    expect(drift.rows[4].dx_pm as number).toBeGreaterThan(300);
    const runJson = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(runJson.pixelSizePm).toMatchObject({ value: 31.25, origin: 'file' });
    expect(runJson.frames).toEqual({ count: 5, height: 128, width: 128 });
    expect(runJson.source).toBe(wse2);
    expect(runJson.parameters.scanDrift).toEqual({ height: 128, fraction: 1 });
    const sum = runJson.parameters.summary;
    expect(sum.detectionsOnFullLengthTracks / sum.detections).toBeGreaterThan(0.8);
    expect(runJson.parameters.dopants).toEqual([]);
  });
});

/** Columns as local maxima (5x5) of the Gaussian-smoothed frame above its mean, parabolic sub-pixel. */
function naiveColumns(frames: Float32Array[], w: number, h: number): Array<Record<string, number>> {
  const rows: Array<Record<string, number>> = [];
  frames.forEach((f, t) => {
    const b = gaussianBlur(f, h, w, 1);
    let mean = 0;
    for (const v of b) mean += v;
    mean /= b.length;
    for (let y = 2; y < h - 2; y++) for (let x = 2; x < w - 2; x++) {
      const v = b[y * w + x];
      if (v <= mean) continue;
      let isMax = true;
      for (let oy = -2; oy <= 2 && isMax; oy++) for (let ox = -2; ox <= 2; ox++) if ((ox || oy) && b[(y + oy) * w + x + ox] >= v) isMax = false;
      if (!isMax) continue;
      const fx = (0.5 * (b[y * w + x - 1] - b[y * w + x + 1])) / (b[y * w + x - 1] - 2 * v + b[y * w + x + 1]);
      const fy = (0.5 * (b[(y - 1) * w + x] - b[(y + 1) * w + x])) / (b[(y - 1) * w + x] - 2 * v + b[(y + 1) * w + x]);
      rows.push({ frame: t, x: x + fx, y: y + fy });
    }
  });
  return rows;
}

function run(args: string[]) {
  return spawnSync('node', [bin, ...args], { encoding: 'utf8', env: { ...process.env, ATOMDYN_QUIET: '1' } });
}

describe('atomdyn track (command line)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-track-'));
  const { table, truth, m } = movieTable(22);
  const atoms = path.join(dir, 'atoms.csv');
  writeFileSync(atoms, toCsv(table));
  writeFileSync(
    path.join(dir, 'run.json'),
    JSON.stringify({ schema: 'atomdyn-run/1', step: 'locate', pixelSizePm: { value: 14.2, origin: 'file' }, frames: { count: 15, width: 260, height: 260 }, source: '/data/movie.tif', warnings: [] }),
  );

  it('writes tracks, drift, hops, msd, the drift plot and run.json', () => {
    const out = path.join(dir, 'out');
    const r = run(['track', atoms, '--out', out, '--search-range', '100pm', '--dopant', 'Si', '--graph']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/tracked \d+ detections in 15 frames/);
    const tracks = parseCsv(readFileSync(path.join(out, 'tracks.csv'), 'utf8'));
    expect(tracks.columns.slice(-6)).toEqual(['particle', 'particle_species', 'x_corr', 'y_corr', 'x_corr_pm', 'y_corr_pm']);
    const s = linkScores(m.frame, truth, tracks.rows.map((o) => o.particle as number));
    expect(s.precision).toBe(1);
    expect(s.recall).toBe(1);
    const drift = parseCsv(readFileSync(path.join(out, 'drift.csv'), 'utf8'));
    expect(drift.rows).toHaveLength(15);
    expect(drift.rows[0]).toMatchObject({ frame: 0, dx: 0, dy: 0, peak: null, ambiguous: false, chosen_by: 'reference' });
    const png = readFileSync(path.join(out, 'drift.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(900);
    const runJson = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(runJson).toMatchObject({ schema: 'atomdyn-run/1', step: 'track', source: '/data/movie.tif', pixelSizePm: { value: 14.2, origin: 'file' } }); // run.json's value keeps its origin (data/pixelSize.ts)
    expect(runJson.parameters.searchRangePx).toBeCloseTo(100 / 14.2, 9);
    expect(runJson.parameters.searchRangeOrigin).toBe('command-line');
    expect(runJson.previous.step).toBe('locate');
    expect(runJson.outputs).toContain('tracks.csv');
    const hops = parseCsv(readFileSync(path.join(out, 'hops.csv'), 'utf8'));
    expect(hops.rows.filter((h) => h.species === 'Si')).toHaveLength(m.hops);
    const msd = parseCsv(readFileSync(path.join(out, 'msd.csv'), 'utf8'));
    expect(msd.columns).toEqual(['species', 'lag', 'msd_px2', 'msd_pm2', 'count']);
    const graph = JSON.parse(readFileSync(path.join(out, 'graph.json'), 'utf8'));
    expect(graph.nodes).toHaveLength(tracks.rows.length);
    expect(graph.edges.filter((e: { attributes: { kind: string } }) => e.attributes.kind === 'exchange')).toHaveLength(hops.rows.filter((h) => h.species === 'Si').length);
    expect(runJson.outputs).toContain('graph.json');
  });

  it('refuses to overwrite its input and reports bad flags in one line', () => {
    const inPlace = path.join(dir, 'tracks.csv');
    writeFileSync(inPlace, toCsv(table));
    const r = run(['track', inPlace, '--out', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--out: '.*' is the input's folder .*tracks\.csv; outputs never go beside or over the inputs/);
    const bad = run(['track', atoms, '--out', path.join(dir, 'o2'), '--search-range', 'far']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--search-range: 'far' is not a length/);
    const miss = run(['track', path.join(dir, 'none.csv'), '--out', path.join(dir, 'o3')]);
    expect(miss.status).toBe(2);
    expect(miss.stderr).toMatch(/none\.csv: no such file/);
  });
});
