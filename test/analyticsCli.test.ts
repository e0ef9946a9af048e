/**
 * `atomdyn unmix` and `atomdyn crystallography` end to end on simulated inputs: the files of
 * docs/schema.md, their columns, the known regions, and one-line errors (exit 2).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCsv, toCsv } from '../data/csvTable.ts';
import { writeNpy } from '../data/writers/npy.ts';
import { honeycombImage } from '../training/simulator/lattices/honeycombImage.ts';
import { Random } from '../data/random.ts';
import { runCli } from './helpers/runCli.ts';

const run = runCli;

const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-analytics-'));

describe('atomdyn unmix', () => {
  // two graphene grains (0° and 30°) meeting at x = 128 in a 256 x 128 image, 25 pm/px
  const width = 256, height = 128;
  const a = honeycombImage({ h: height, w: width, pxPm: 25, rotDeg: 0, seed: 1 }).image;
  const b = honeycombImage({ h: height, w: width, pxPm: 25, rotDeg: 30, seed: 2 }).image;
  const img = Float32Array.from({ length: width * height }, (_, i) => ((i % width) < width / 2 ? a[i] : b[i]));
  const file = path.join(dir, 'grains.npy');

  it('writes abundances.csv (x, y, c0, c1) whose dominant component follows the grains, and report.html', async () => {
    await writeNpy(file, img, [height, width]);
    writeFileSync(path.join(dir, 'grains.json'), JSON.stringify({ pixel_size_pm: 25 }));
    const out = path.join(dir, 'unmix');
    const r = await run(['unmix', file, '--method', 'nfindr', '--components', '2', '--window', '800pm', '--step', '8px', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const t = parseCsv(readFileSync(path.join(out, 'abundances.csv'), 'utf8'));
    expect(t.columns).toEqual(['x', 'y', 'c0', 'c1']);
    // window 800 pm = 32 px: centres from 15.5 in steps of 8
    expect(t.rows[0].x).toBe(15.5);
    const left = t.rows.filter((row) => (row.x as number) < 100);
    const right = t.rows.filter((row) => (row.x as number) > 156);
    const dominant = (row: Record<string, unknown>) => ((row.c0 as number) >= (row.c1 as number) ? 0 : 1);
    const leftMajority = left.filter((row) => dominant(row) === 0).length / left.length;
    const rightMajority = right.filter((row) => dominant(row) === 0).length / right.length;
    expect(Math.abs(leftMajority - rightMajority)).toBeGreaterThan(0.9);
    for (const row of t.rows) expect((row.c0 as number) + (row.c1 as number)).toBeCloseTo(1, 6);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('Scree');
    expect(html).toContain('Dendrogram');
    expect(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')).parameters.window_px).toBe(32);
  });

  it('stops with one line for a window larger than the image and for an unknown method', async () => {
    const r1 = await run(['unmix', file, '--window', '512px', '--out', path.join(dir, 'x')]);
    expect(r1.status).toBe(2);
    expect(r1.stderr.trim().split('\n')).toHaveLength(1);
    expect(r1.stderr).toMatch(/--window: 512 px does not fit/);
    const r2 = await run(['unmix', file, '--method', 'magic', '--out', path.join(dir, 'x')]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/--method: unknown method 'magic'/);
    expect(existsSync(path.join(dir, 'x', 'abundances.csv'))).toBe(false);
  });
});

describe('atomdyn crystallography', () => {
  it('writes one row per atom with its class, separating two variants, and class statistics', async () => {
    const rng = new Random(9);
    const rows: Array<Record<string, number | string>> = [];
    for (let x = 5; x < 150; x += 10) for (let y = 5; y < 150; y += 11.5) rows.push({ frame: 0, x: x + 0.1 * rng.normal(), y: y + 0.1 * rng.normal(), species: 'A', variant: 0 });
    for (let x = 155; x < 300; x += 11.5) for (let y = 5; y < 150; y += 10) rows.push({ frame: 0, x: x + 0.1 * rng.normal(), y: y + 0.1 * rng.normal(), species: 'A', variant: 1 });
    const atoms = path.join(dir, 'atoms.csv');
    writeFileSync(atoms, toCsv({ columns: ['frame', 'x', 'y', 'species'], rows }));
    const out = path.join(dir, 'cryst');
    const r = await run(['crystallography', atoms, '--neighbours', '4', '--classes', '2', '--pixel-size', '20', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const t = parseCsv(readFileSync(path.join(out, 'atom_classes.csv'), 'utf8'));
    expect(t.columns).toEqual(['frame', 'x', 'y', 'species', 'class', 'neighbour_distance', 'neighbour_distance_pm']);
    expect(t.rows).toHaveLength(rows.length);
    // interior atoms: the class follows the variant
    const agree = t.rows.map((row, i) => [row.class as number, rows[i].variant as number]).filter(([c]) => c >= 0);
    const same = agree.filter(([c, v]) => c === v).length / agree.length;
    expect(Math.max(same, 1 - same)).toBeGreaterThan(0.95);
    expect(t.rows[20].neighbour_distance_pm).toBeCloseTo((t.rows[20].neighbour_distance as number) * 20, 6);
    const s = parseCsv(readFileSync(path.join(out, 'class_statistics.csv'), 'utf8'));
    expect(s.rows).toHaveLength(2 * 4);
    expect(readFileSync(path.join(out, 'report.html'), 'utf8')).toContain('Neighbour statistics');
  });

  it('stops with one line for a missing column', async () => {
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'frame,x\n0,1\n');
    const r = await run(['crystallography', bad, '--out', path.join(dir, 'y')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('bad.csv');
  });
});
