import { describe, expect, it } from 'vitest';
import { locateClassicalFrame } from '../inference/classicalLocate.ts';
import { analyseCells } from '../analytics/cells/cellAnalysis.ts';
import { exactReference } from '../analytics/cells/unitCells.ts';
import { columnImage, edgeDislocationField, gradientField, strainAt, strainedLattice, uniformField, type DisplacementField } from '../training/simulator/strainFields.ts';

// simulate -> locate (classical finder, Gaussian refinement with its own sigma) -> cells and strain
const H = 320, W = 320, A = 16;

function chain(u: DisplacementField, seed: number, skip: (x: number, y: number) => boolean = () => false) {
  const lat = strainedLattice([A, 0], [0, A], 24, 24, [-24, -24], u, 0, seed);
  const img = columnImage(lat.xTrue, lat.yTrue, H, W, 1.8, 200, 20, seed);
  const found = locateClassicalFrame(img, H, W, { sublattices: '1' }).atoms.filter((t) => t.sigmaPx > 0);
  const res = analyseCells({ x: found.map((t) => t.x), y: found.map((t) => t.y), sigma: found.map((t) => t.sigmaPx) }, null, { reference: exactReference({ a: [A, 0], b: [0, A] }) });
  let hit = 0, total = 0;
  for (const c of res.measurements) {
    if (skip(c.x, c.y)) continue;
    // the cell centre in the undisplaced crystal: invert x = X + u(X) by fixed-point steps
    let X = c.x, Y = c.y;
    for (let k = 0; k < 30; k++) {
      const d = u(X, Y);
      X = c.x - d[0];
      Y = c.y - d[1];
    }
    const t = strainAt(u, X, Y);
    for (const k of ['exx', 'eyy', 'exy', 'rotation'] as const) {
      total++;
      if (Math.abs(c[k] - t[k]) <= 1.96 * c[`${k}Err`]) hit++;
    }
  }
  return { res, coverage: hit / total, total };
}

describe('known strain through simulate -> locate -> strain', () => {
  it('uniform strain: 95 % intervals cover the truth in 90-98 % of cells', () => {
    const { res, coverage, total } = chain(uniformField({ gxx: 0.02, gxy: 0.01, gyx: -0.004, gyy: -0.015 }, [160, 160]), 1);
    expect(total).toBeGreaterThan(800);
    expect(coverage).toBeGreaterThanOrEqual(0.9);
    expect(coverage).toBeLessThanOrEqual(0.98);
    expect(Math.abs(res.summary.exx.median - 0.02)).toBeLessThan(0.002);
  });

  it('a linear gradient of e_xx', () => {
    const { res, coverage, total } = chain(gradientField(1.5e-4, 160), 2);
    expect(total).toBeGreaterThan(800);
    expect(coverage).toBeGreaterThanOrEqual(0.9);
    expect(coverage).toBeLessThanOrEqual(0.98);
    const m = res.measurements;
    const mx = m.reduce((s, c) => s + c.x, 0) / m.length, me = m.reduce((s, c) => s + c.exx, 0) / m.length;
    let sxy = 0, sxx = 0;
    for (const c of m) {
      sxy += (c.x - mx) * (c.exx - me);
      sxx += (c.x - mx) ** 2;
    }
    expect(sxy / sxx / 1.5e-4).toBeGreaterThan(0.9);
    expect(sxy / sxx / 1.5e-4).toBeLessThan(1.1);
  });

  it('an edge dislocation, outside three spacings of its core', () => {
    const core = [160, 160];
    const { coverage, total } = chain(edgeDislocationField(A, core[0], core[1]), 3, (x, y) => Math.hypot(x - core[0], y - core[1]) < 3 * A);
    expect(total).toBeGreaterThan(700);
    expect(coverage).toBeGreaterThanOrEqual(0.9);
    expect(coverage).toBeLessThanOrEqual(0.98);
  });
});
