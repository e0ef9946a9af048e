import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCsv, numericColumn } from '../data/csvTable.ts';
import { writeTiffStack } from '../data/writers/tiffStack.ts';
import { runLocate } from '../cli/commands/locate.ts';
import { runStrain } from './../cli/commands/strain.ts';
import { columnImage, strainedLattice, uniformField } from '../training/simulator/strainFields.ts';

describe('locate --model classical -> strain on a simulated perovskite image', () => {
  it('finds A (bright) and B (faint) columns, names them by geometry, and recovers the B-site displacement', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-classical-'));
    const H = 200, W = 200, a = 20, pixel = 19.5; // 390 pm cells
    const none = uniformField({ gxx: 0, gxy: 0, gyx: 0, gyy: 0 });
    const A = strainedLattice([a, 0], [0, a], 12, 12, [-10, -10], none, 0, 1);
    // B columns at the cell centres, displaced by (0, +1.0) px = 19.5 pm, a quarter as bright as A
    const B = strainedLattice([a, 0], [0, a], 12, 12, [0, 0 + 1.0], none, 0, 2);
    const imgA = columnImage(A.xTrue, A.yTrue, H, W, 2.2, 400, 0, 3);
    const imgB = columnImage(B.xTrue, B.yTrue, H, W, 2.2, 100, 30, 4);
    const img = Float32Array.from(imgA, (v, i) => v + imgB[i]);
    const file = path.join(dir, 'pto.tif');
    await writeTiffStack(file, [img], { count: 1, height: H, width: W }, { pixelSizePm: pixel });
    const out = path.join(dir, 'loc');
    const { table, run } = await runLocate(file, { out, model: 'classical', species: 'A=Pb,B=Ti' }, ['locate']);
    expect(run.model?.name).toBe('classical');
    expect(run.pixelSizePm.value).toBeCloseTo(pixel, 3);
    expect(table.columns).toEqual(['frame', 'x', 'y', 'species', 'element', 'confidence', 'presence', 'x_pm', 'y_pm', 'sigma_pm']);
    const atoms = readCsv(path.join(out, 'atoms.csv'), ['species', 'element', 'sigma_pm']);
    const nA = atoms.rows.filter((r) => r.species === 'A').length, nB = atoms.rows.filter((r) => r.species === 'B').length;
    // 100 A sites lie inside the frame; every one of the 81 B sites inside a complete A cell is found (B columns
    // cut by the frame edge count only where their fit converges)
    expect(nA).toBe(100);
    const bRows = atoms.rows.filter((r) => r.species === 'B');
    for (let i = 1; i < 10; i++) {
      for (let j = 1; j < 10; j++) {
        expect(bRows.some((r) => Math.hypot((r.x as number) - 20 * i, (r.y as number) - (20 * j + 1)) < 1.5)).toBe(true);
      }
    }
    expect(nB).toBeLessThanOrEqual(121);
    // geometry names the classes: every bright (A) column is at a lattice site of A, every B near a cell centre
    for (const r of atoms.rows.filter((q) => q.species === 'A')) {
      expect(r.element).toBe('Pb');
      const fx = ((((r.x as number) + 10) / a) % 1 + 1) % 1, fy = ((((r.y as number) + 10) / a) % 1 + 1) % 1;
      expect(Math.min(fx, 1 - fx)).toBeLessThan(0.1);
      expect(Math.min(fy, 1 - fy)).toBeLessThan(0.1);
    }
    const st = await runStrain(path.join(out, 'atoms.csv'), { out: path.join(dir, 'strain') }, ['strain']);
    const s = st.frames[0].analysis.summary;
    expect(s.sideA.median * pixel).toBeGreaterThan(388);
    expect(s.sideA.median * pixel).toBeLessThan(392);
    expect(Math.abs(s.exx.median)).toBeLessThan(3 * s.exx.medianErr + 1e-3);
    const pol = readCsv(path.join(dir, 'strain', 'polarisation.csv'), ['dy_pm', 'dy_pm_err']);
    const dy = Array.from(numericColumn(pol, 'dy_pm')).sort((p, q) => p - q);
    const med = dy[dy.length >> 1];
    expect(Math.abs(med - 19.5)).toBeLessThan(2);
  });
});
