/**
 * `atomdyn classify` end to end: files per docs/schema.md, run.json inheritance and precedence,
 * printed formulas of the LibraryNet files, one-line errors.
 */
import { describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { generateMovie } from '../training/simulator/syntheticConfigurations.ts';
import { toCsv, parseCsv } from '../data/csvTable.ts';
import { writeNpy } from '../data/writers/npy.ts';
import { sharedData } from './sharedData.ts';
import { runCli } from './helpers/runCli.ts';

const bin = path.resolve('bin/atomdyn.mjs');
/** The real binary (exit code, stderr), for the error cases. */
const spawnRun = (args: string[]) => spawnSync('node', [bin, 'classify', ...args], { encoding: 'utf8', env: { ...process.env, ATOMDYN_QUIET: '1' } });
/** The same CLI in this process (cli/main.ts), capturing stdout and stderr: no start-up cost per run. */
const run = (args: string[]) => runCli(['classify', ...args]);


describe('atomdyn classify', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-classify-'));
  const trackDir = path.join(dir, 'track');
  const mv = generateMovie(['SiC3', 'SiC4'], { seed: 3, frames: 12, dopants: 4, switchProbability: 0.1, jitterPm: 3, staticPm: 4, pixelSizePm: 10 });
  const tracks = path.join(trackDir, 'tracks.csv');
  writeFileSync(path.join(dir, 'placeholder'), '');
  {
    const rows = mv.atoms.map((a) => ({ frame: a.frame, x: a.x, y: a.y, species: a.species, element: a.element, confidence: 1, particle: a.particle ?? 1000 + a.row }));
    const csv = toCsv({ columns: ['frame', 'x', 'y', 'species', 'element', 'confidence', 'particle'], rows });
    spawnSync('mkdir', ['-p', trackDir]);
    writeFileSync(tracks, csv);
    writeFileSync(
      path.join(trackDir, 'run.json'),
      JSON.stringify({
        schema: 'atomdyn-run/1', step: 'track', created: '2026-01-01T00:00:00Z', command: ['track'], source: '/data/movie.tif', inputs: [],
        frames: { count: 12, height: 400, width: 600 }, pixelSizePm: { value: 10, origin: 'file', note: 'test' }, frameTimeS: { value: 0.5, origin: 'file' },
        lattice: 'graphene',
        // a model card as models/modelCard.ts writes it: no dopant flag, a 3-D point group, typical bond lengths
        model: { name: 'graphene-si', card: { species: [{ name: 'C', element: 'C', atomsPerColumn: 1 }, { name: 'Si', element: 'Si', atomsPerColumn: 1 }], lattice: { name: 'graphene', latticeConstantPm: 246, pointGroup: '6/mmm', bondLengthsPm: { 'C-C': 142, 'C-Si': 175, 'Si-Si': 230 } } } },
        species: { C: 'C', Si: 'Si' }, backend: null, versions: {}, seed: null, parameters: {}, outputs: ['tracks.csv'], warnings: [],
      }),
    );
  }

  it('writes configurations.csv, classes.png, model.json and run.json, inheriting the calibration', async () => {
    const out = path.join(dir, 'classify');
    const r = await run([tracks, '--out', out, '--seed', '1']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/complexes over 12 frames: Si1C[34] x\d+, Si1C[34] x\d+/);
    expect(r.stdout).toMatch(/classified into 2 class\(es\)/);
    const t = parseCsv(readFileSync(path.join(out, 'configurations.csv'), 'utf8'));
    expect(t.columns).toEqual(['frame', 'particle', 'x', 'y', 'complex', 'formula', 'state', 'state_name', 'rotation', 'mirror', 'probability']);
    expect(t.rows.length).toBe(48);
    for (const row of t.rows) {
      expect(['Si1C3', 'Si1C4']).toContain(row.formula);
      expect(row.state_name).toBe(row.formula);
      expect(typeof row.mirror).toBe('boolean');
    }
    // the state agrees with the simulated truth up to naming
    const agree = t.rows.filter((row) => (mv.truth[(row.frame as number) * 4 + (row.particle as number)] === 0) === (row.formula === 'Si1C3')).length;
    expect(agree).toBe(48);
    const runJson = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(runJson.step).toBe('classify');
    expect(runJson.command).toEqual(['classify', tracks, '--out', out, '--seed', '1']);
    expect(runJson.pixelSizePm).toMatchObject({ value: 10, origin: 'file' });
    expect(runJson.source).toBe('/data/movie.tif');
    expect(runJson.previous.step).toBe('track');
    expect(runJson.parameters.pointGroup).toBe('6mm');
    expect(runJson.parameters.centreOrigin).toBe('rarest');
    expect(runJson.parameters.cutoffsPm).toMatchObject({ 'C-C': 180, 'C-Si': 215, 'Si-Si': 240 });
    expect(runJson.outputs).toEqual(['configurations.csv', 'classes.png', 'model.json']);
    const model = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8'));
    expect(model.k).toBe(2);
    expect(model.fit.kind).toBe('atomdyn-symmetric-mixture/1');
    expect(model.fit.means.length).toBe(2);
    expect(model.bic.length).toBeGreaterThanOrEqual(2);
    expect(model.classes.map((c: { name: string }) => c.name).sort()).toEqual(['Si1C3', 'Si1C4']);
    expect((await sharp(path.join(out, 'classes.png')).metadata()).format).toBe('png');
  });

  it('cuts sub-images from the movie given with --frames (read through data/openFrames)', async () => {
    // render the simulated movie: Gaussian columns, intensity ~ Z^1.7
    let W = 0;
    let H = 0;
    for (const a of mv.atoms) {
      W = Math.max(W, Math.ceil(a.x) + 20);
      H = Math.max(H, Math.ceil(a.y) + 20);
    }
    const stack = new Float32Array(12 * H * W);
    for (const a of mv.atoms) {
      const amp = a.species === 'Si' ? 89 : 21;
      for (let y = Math.max(0, Math.floor(a.y - 12)); y < Math.min(H, a.y + 12); y++) {
        for (let x = Math.max(0, Math.floor(a.x - 12)); x < Math.min(W, a.x + 12); x++) stack[(a.frame * H + y) * W + x] += amp * Math.exp(-((x - a.x) ** 2 + (y - a.y) ** 2) / 32);
      }
    }
    const movie = path.join(dir, 'movie.npy');
    await writeNpy(movie, stack, [12, H, W]);
    const out = path.join(dir, 'classify-frames');
    const r = await run([tracks, '--frames', movie, '--out', out, '--window', '250']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const model = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8'));
    expect(model.window.radiusPx).toBeCloseTo(25, 9);
    const runJson = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(runJson.inputs).toContain(movie);
    // the gallery now has a row of sub-images under each row of diagrams
    const withFrames = await sharp(path.join(out, 'classes.png')).metadata();
    const without = await sharp(path.join(dir, 'classify', 'classes.png')).metadata();
    expect(withFrames.height!).toBeGreaterThan(without.height! + 2 * 128);
  });

  it('takes the pixel size from the command line over run.json', async () => {
    const out = path.join(dir, 'classify2');
    const r = await run([tracks, '--out', out, '--pixel-size', '10.5', '--classes', '2', '--method', 'gmm']);
    expect(r.status).toBe(0);
    const runJson = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(runJson.pixelSizePm).toMatchObject({ value: 10.5, origin: 'command-line' });
    expect(runJson.parameters.method).toBe('gmm');
  });

  it('fails with one line and exit code 2 on bad input, and never overwrites its input', async () => {
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'frame,x,y\n0,1,2\n');
    // (the library's own input errors, --centre, --covariance, ..., are tested in classifyConfigurations.test.ts)
    for (const [args, msg] of [
      [[bad, '--out', path.join(dir, 'o1')], /bad\.csv: missing column\(s\) species/],
      [[tracks, '--out', path.join(dir, 'o2'), '--centre', 'N'], /--centre: no atoms of N/],
    ] as const) {
      const r = spawnRun([...args]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
    // an input named like an output in the output folder is refused
    const inOut = path.join(dir, 'same');
    spawnSync('mkdir', ['-p', inOut]);
    const input = path.join(inOut, 'configurations.csv');
    writeFileSync(input, readFileSync(tracks));
    const before = readFileSync(input, 'utf8');
    const r = await run([input, '--out', inOut, '--classes', '2']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out: '.*same' is the input's folder .*configurations\.csv/);
    expect(readFileSync(input, 'utf8')).toBe(before);
  });

  it("classifies the simulator's movie (atomdyn simulate -> track -> classify) as its truth", async () => {
    const { buildProgram } = await import('../cli/main.ts');
    const sim = path.join(dir, 'sim');
    const quiet = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await (await buildProgram()).parseAsync(['node', 'atomdyn', 'simulate', '--lattice', 'graphene', '--movie', '--frames', '20', '--size', '256', '--dopants', '4',
        '--transition-matrix', JSON.stringify({ states: ['si-c3', 'si-c4'], matrix: [[0.8, 0.2], [0.2, 0.8]], hop: 0 }), '--seed', '11', '--out', path.join(sim, 'input')]);
      // the simulator's labels stand in for locate's atoms.csv
      await (await buildProgram()).parseAsync(['node', 'atomdyn', 'track', path.join(sim, 'input', 'labels.csv'), '--frames', path.join(sim, 'input', 'movie.tif'), '--out', path.join(sim, 'track')]);
    } finally {
      quiet.mockRestore();
    }
    const r = await run([path.join(sim, 'track', 'tracks.csv'), '--frames', path.join(sim, 'input', 'movie.tif'), '--out', path.join(sim, 'classify')]);
    expect(r.status).toBe(0);
    const truth = parseCsv(readFileSync(path.join(sim, 'input', 'truth.csv'), 'utf8')).rows.filter((t) => t.in_view === true);
    const conf = parseCsv(readFileSync(path.join(sim, 'classify', 'configurations.csv'), 'utf8')).rows.filter((c) => c.state !== null);
    let agree = 0;
    for (const c of conf) {
      const t = truth
        .filter((x) => x.frame === c.frame)
        .map((x) => ({ x, d: Math.hypot((x.x as number) - (c.x as number), (x.y as number) - (c.y as number)) }))
        .sort((a, b) => a.d - b.d)[0];
      expect(t.d).toBeLessThan(14.2);
      if (String(t.x.formula) === c.state_name) agree++;
    }
    expect(conf.length).toBeGreaterThan(40);
    expect(agree).toBe(conf.length);
    expect(JSON.parse(readFileSync(path.join(sim, 'classify', 'model.json'), 'utf8')).k).toBe(2);
  });

  it('prints the formulas of the LibraryNet coordinate files', async () => {
    const expected: Record<string, string[]> = { 'Si1C3_test-1': ['Si1C3', 'Si1C3'], 'Si2C5_test-2': ['Si2C5'], 'Si3C6_test-3': ['Si3C6'] };
    for (const [name, formulas] of Object.entries(expected)) {
      const out = path.join(dir, `lib-${name}`);
      const r = await run([sharedData('graphene_Si', `LibraryNet_${name}.hdf5`), '--out', out]);
      expect(r.status).toBe(0);
      const line = r.stdout.split('\n').find((l) => l.startsWith('frame 0:'))!;
      expect(r.stdout).toMatch(new RegExp(`${formulas.reduce((n, f) => n + Number(f[2]), 0)} centre\\(s\\) classified`));
      expect([...line.matchAll(/(Si\dC\d) at/g)].map((m) => m[1])).toEqual(formulas);
      const runJson = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
      expect(runJson.pixelSizePm).toMatchObject({ value: 7.8125, origin: 'file' });
      expect(existsSync(path.join(out, 'classes.png'))).toBe(true);
    }
  });
});
