import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { numericColumn, readCsv, toCsv, type Cell } from '../data/csvTable.ts';
import { runStrain } from '../cli/commands/strain.ts';
import { strainedLattice, strainAt, type DisplacementField } from '../training/simulator/strainFields.ts';

const bin = path.resolve('bin/atomdyn.mjs');
const atomdyn = (...args: string[]) => spawnSync('node', [bin, ...args], { encoding: 'utf8', env: { ...process.env, ATOMDYN_QUIET: '1' } });
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

/** A perovskite-like crystal: A sites on a square lattice (20 px), B sites at the cell centres shifted by (0.6, -0.3) px; e_xx = 3 % for x > 330 px (a smooth step). */
function perovskiteAtoms(noisePx: number, pixelPm: number) {
  const step: DisplacementField = (x) => [0.03 * 40 * Math.log(1 + Math.exp((x - 330) / 40)), 0];
  const a = strainedLattice([20, 0], [0, 20], 30, 20, [15, 15], step, noisePx, 5);
  const b = strainedLattice([20, 0], [0, 20], 29, 19, [25 + 0.6, 25 - 0.3], step, noisePx, 6);
  const rows: Array<Record<string, Cell>> = [];
  for (let i = 0; i < a.x.length; i++) rows.push({ frame: 0, x: a.x[i], y: a.y[i], species: 'A', element: 'Pb', confidence: 1, x_pm: a.x[i] * pixelPm, y_pm: a.y[i] * pixelPm, sigma_pm: noisePx * pixelPm });
  // one atom without a refined sigma
  rows[0].sigma_pm = null;
  for (let i = 0; i < b.x.length; i++) rows.push({ frame: 0, x: b.x[i], y: b.y[i], species: 'B', element: 'Ti', confidence: 1, x_pm: b.x[i] * pixelPm, y_pm: b.y[i] * pixelPm, sigma_pm: noisePx * pixelPm });
  return { rows, step };
}

describe('atomdyn strain', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-strain-'));
  const { rows, step } = perovskiteAtoms(0.3, 19.5);
  const input = path.join(dir, 'atoms.csv');
  writeFileSync(input, toCsv({ columns: ['frame', 'x', 'y', 'species', 'element', 'confidence', 'x_pm', 'y_pm', 'sigma_pm'], rows }));
  const before = sha(input);

  it('writes cells, strain and polarisation with error bars; the strained half and the B-site shift are recovered', () => {
    const out = path.join(dir, 'out');
    const r = atomdyn('strain', input, '--reference', '0,0,200,500', '--out', out);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/strain: frame 0: 551 cells, side a 3\d\d\.\d pm/);
    expect(r.stderr).toMatch(/1 atom\(s\) without sigma_pm/);
    for (const f of ['cells.csv', 'strain.csv', 'polarisation.csv', 'cells.json', 'strain.html', 'run.json']) expect(existsSync(path.join(out, f))).toBe(true);
    const cells = readCsv(path.join(out, 'cells.csv'), ['frame', 'x', 'y', 'shape', 'side_a', 'side_a_err', 'side_b', 'angle', 'angle_err', 'area', 'area_err', 'side_a_pm', 'side_a_pm_err', 'area_pm2']);
    expect(cells.rows.length).toBe(29 * 19);
    const strain = readCsv(path.join(out, 'strain.csv'), ['x', 'y', 'exx', 'exx_err', 'eyy', 'eyy_err', 'exy', 'exy_err', 'rotation', 'rotation_err']);
    const x = numericColumn(strain, 'x'), exx = numericColumn(strain, 'exx'), err = numericColumn(strain, 'exx_err');
    // 95 % intervals cover the truth at the cells' reference-frame centres (the step is smooth on the cell scale)
    let hit = 0;
    for (let i = 0; i < exx.length; i++) {
      // the cell centre in the reference frame: invert x = X + u(X) by a few fixed-point steps
      let X = x[i];
      for (let k = 0; k < 20; k++) X = x[i] - step(X, 0)[0];
      if (Math.abs(exx[i] - strainAt(step, X, 0).exx) <= 1.96 * err[i]) hit++;
    }
    expect(hit / exx.length).toBeGreaterThanOrEqual(0.9);
    expect(hit / exx.length).toBeLessThanOrEqual(0.98);
    const far = Array.from(exx).filter((_, i) => x[i] > 500);
    expect(far.reduce((s, t) => s + t, 0) / far.length).toBeCloseTo(0.03, 2);
    // B-site displacement: (0.6, -0.3) px = (11.7, -5.85) pm in the unstrained part
    const pol = readCsv(path.join(out, 'polarisation.csv'), ['x', 'y', 'dx', 'dx_err', 'dy', 'dy_err', 'dx_pm', 'dy_pm', 'magnitude_pm']);
    const px = numericColumn(pol, 'x'), dx = numericColumn(pol, 'dx_pm'), dy = numericColumn(pol, 'dy_pm'), dxe = numericColumn(pol, 'dx_pm_err');
    const left = Array.from(dx.keys()).filter((i) => px[i] < 250);
    const mean = (v: number[]) => v.reduce((s, t) => s + t, 0) / v.length;
    expect(mean(left.map((i) => dx[i]))).toBeCloseTo(11.7, 0);
    expect(mean(left.map((i) => dy[i]))).toBeCloseTo(-5.85, 0);
    // per-site error: sqrt(sigma² + 4 sigma² / 16) = 1.118 sigma = 6.54 pm
    expect(dxe[1]).toBeCloseTo(0.3 * 19.5 * Math.sqrt(1.25), 1);
    const summary = JSON.parse(readFileSync(path.join(out, 'cells.json'), 'utf8'));
    // left of x = 330 px the side is 20 px = 390 pm; the median over all cells lies a little above
    expect(summary.frames[0].summary.sideA.median * 19.5).toBeGreaterThan(387);
    expect(summary.frames[0].summary.sideA.median * 19.5).toBeLessThan(400);
    const html = readFileSync(path.join(out, 'strain.html'), 'utf8');
    expect(html).toMatch(/<svg/);
    expect(html).toMatch(/e_xx standard error/);
    expect(sha(input)).toBe(before);
  });

  it('bad input: one line naming the file or flag, exit code 2', async () => {
    const bare = path.join(dir, 'bare.csv');
    writeFileSync(bare, 'frame,x,y\n0,1,1\n0,21,1\n0,1,21\n0,21,21\n');
    const r1 = atomdyn('strain', bare, '--out', path.join(dir, 'o1'));
    expect(r1.status).toBe(2);
    expect(r1.stderr.trim().split('\n')).toHaveLength(1);
    expect(r1.stderr).toMatch(/bare\.csv: no sigma_pm column/);
    await expect(runStrain(input, { out: path.join(dir, 'o2'), reference: '1,2,3' }, [])).rejects.toThrow(/--reference: expected X,Y,W,H/);
    await expect(runStrain(input, { out: path.join(dir, 'o3'), reference: '5000,5000,10,10' }, [])).rejects.toThrow(/reference region holds 0 complete cell/);
    await expect(runStrain(input, { out: path.join(dir, 'o4'), species: 'C' }, [])).rejects.toThrow(/--species: no atoms of species 'C'/);
    expect(sha(input)).toBe(before);
  });
});
