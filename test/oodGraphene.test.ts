import { describe, expect, it } from 'vitest';
import { OOD_FORMULA, OOD_KINDS, OOD_PARAMETERS, oodFrame } from '../evaluation/oodGraphene.ts';
import { analyseFrame, grapheneSiCutoffs } from '../dynamics/configurations/chemistry.ts';

describe('out-of-distribution Si-in-graphene set', () => {
  for (const kind of OOD_KINDS) {
    it(`${kind}: true atoms give the stated formula, bonds in range, C-C bonds 142 pm far from defects`, () => {
      const f = oodFrame(kind, 77, {}, { pixelSizePm: 12, doseFactor: 1 });
      expect(f.width).toBe(Math.round(OOD_PARAMETERS.fieldPm / 12));
      const chem = analyseFrame(f.atoms.map((a) => ({ xPm: a.x * f.pixelSizePm, yPm: a.y * f.pixelSizePm, element: a.element })), grapheneSiCutoffs());
      const formulas = chem.complexes.map((c) => c.formula);
      if (kind === 'pristine') {
        expect(formulas).toEqual([]);
        expect(f.bonds).toEqual([]);
        for (const e of chem.graph.edges()) expect(chem.graph.getEdgeAttribute(e, 'length')).toBeCloseTo(142, 6);
      } else {
        expect(f.defects).toHaveLength(OOD_PARAMETERS.defectsPerFrame);
        for (const d of f.defects) {
          expect(chem.complexes[chem.complexOf[d.si[0]]].formula).toBe(OOD_FORMULA[kind]);
        }
        const perDefect = { 'si-vacancy': 2, 'si-c4': 4, si2: 4, si3: 6 }[kind];
        expect(f.bonds).toHaveLength(perDefect * OOD_PARAMETERS.defectsPerFrame);
        for (const b of f.bonds) {
          expect(b.lengthPm).toBeGreaterThanOrEqual(165 - 1e-9);
          expect(b.lengthPm).toBeLessThanOrEqual(195 + 1e-9);
          const a = f.atoms[b.si], c = f.atoms[b.c];
          expect(Math.hypot(a.x - c.x, a.y - c.y) * f.pixelSizePm).toBeCloseTo(b.lengthPm, 6);
        }
      }
      // the frame's intensity: mean counts x gain near (B0 + C0 x column density) at dose 1 (order of magnitude)
      let s = 0;
      for (const v of f.image) s += v;
      expect(s / f.image.length / f.gain).toBeGreaterThan(10);
    });
  }
  it('is deterministic in the seed', () => {
    const a = oodFrame('si3', 5), b = oodFrame('si3', 5), c = oodFrame('si3', 6);
    expect(a.image).toEqual(b.image);
    expect(c.image.length === a.image.length && c.image.every((v, i) => v === a.image[i])).toBe(false);
  });
});
