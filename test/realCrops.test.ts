/**
 * evaluation/realCrops.ts on four of the real LibraryNet crops: the label formulas computed from the
 * labelled coordinates (known answers: the folder's formula where the crop is unambiguous; the Si
 * "dimer" of Si2C6/51.hdf5 is two Si1C3 for classify's rule, its Si 246 pm apart against a 240 pm
 * Si-Si cut-off), a perfect prediction (the labelled atoms fed back as located atoms) scoring 100 %,
 * one C removed changing exactly the formula of its complex, the match radius, and the shipped model
 * (network alone) run through the same path.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from './sharedData.ts';
import { complexFormulas, locateCrop, MISSED, readRealCrop, REAL_CROPS_MATCH_RADIUS_PM, RealCropTally, scoreCrop, type RealCrop } from '../evaluation/realCrops.ts';
import { initBackend } from '../models/tensorBackend.ts';
import { loadModelByName } from '../models/registry.ts';
import { tfSegmenter } from '../inference/segmenter.ts';
import { MATERIALS } from '../models/materials.ts';

const NAMES = ['Si1C3/102.hdf5', 'Si1C4/41.hdf5', 'Si3C6/10.hdf5', 'Si2C6/51.hdf5'];
const crops: Record<string, RealCrop> = {};
beforeAll(async () => {
  for (const n of NAMES) crops[n] = await readRealCrop(sharedData('graphene_Si', 'LibraryNet_refined_dev', ...n.split('/')));
});

describe('real crops: label formulas', () => {
  it('reads the crop: pixel size from the scan size, its group, the folder and the datasets', () => {
    const c = crops['Si1C3/102.hdf5'];
    expect(c.pixelSizePm).toBeCloseTo(2000 / 256, 10);
    expect(c.group).toBe('7.81 pm/px (256 px over 2000 pm)');
    expect(c.folderFormula).toBe('Si1C3');
    expect(c.datasetFormulas).toEqual(['Si1C3', 'Si1C3']);
    expect(c.atoms.filter((a) => a.element === 'Si')).toHaveLength(2);
  });

  for (const [name, formulas] of [
    ['Si1C3/102.hdf5', ['Si1C3', 'Si1C3']],
    ['Si1C4/41.hdf5', ['Si1C4']],
    ['Si3C6/10.hdf5', ['Si3C6', 'Si3C6', 'Si3C6']],
    ['Si2C6/51.hdf5', ['Si1C3', 'Si1C3']],
  ] as const) {
    it(`${name}: rule formulas ${formulas.join(', ')}; the labelled atoms fed back score 100 %`, () => {
      const c = crops[name];
      const s = scoreCrop(c, c.atoms);
      expect(s.outcomes.map((o) => o.labelFormula)).toEqual(formulas);
      expect(s.outcomes.every((o) => o.datasetFormula === c.folderFormula)).toBe(true);
      expect(s.outcomes.map((o) => o.predictedFormula)).toEqual(formulas);
      expect(s.outcomes.every((o) => o.distancePm === 0)).toBe(true);
      expect(s.extraSi).toBe(0);
    });
  }

  it('Si2C6/51.hdf5: the authors group a Si pair 246 pm apart (cut-off 240 pm) as one complex', () => {
    const si = crops['Si2C6/51.hdf5'].atoms.filter((a) => a.element === 'Si');
    const d = Math.hypot(si[0].x - si[1].x, si[0].y - si[1].y) * crops['Si2C6/51.hdf5'].pixelSizePm;
    expect(d).toBeGreaterThan(240);
    expect(d).toBeLessThan(250);
  });

  it('a perfect prediction scores 100 % over the crops; only the rule-split dimer differs from the datasets', () => {
    const t = new RealCropTally();
    for (const n of NAMES) t.add(scoreCrop(crops[n], crops[n].atoms));
    const s = t.summary();
    expect(s.si).toBe(2 + 1 + 3 + 2);
    expect(s.overall).toEqual({ right: 8, total: 8 });
    expect(s.found).toEqual({ right: 8, total: 8 });
    expect(s.perComplex).toEqual({ right: 2 + 1 + 1 + 1, total: 5 });
    expect(s.againstDataset).toEqual({ right: 6, total: 8 });
    expect(s.againstFolder).toEqual({ right: 6, total: 8 });
    expect(s.confusion['7.81 pm/px (256 px over 2000 pm)']).toEqual({ Si1C3: { Si1C3: 4 }, Si1C4: { Si1C4: 1 }, Si3C6: { Si3C6: 3 } });
  });
});

describe('real crops: a wrong prediction', () => {
  it('one C removed changes exactly the formula of its complex', () => {
    for (const name of ['Si1C3/102.hdf5', 'Si3C6/10.hdf5']) {
      const c = crops[name];
      const before = complexFormulas(c.atoms, c.pixelSizePm);
      // a C of the first dataset (bonded to its Si by construction of the labels)
      const drop = c.atoms.findIndex((a) => a.element === 'C' && a.complex === 0);
      const located = c.atoms.filter((_, i) => i !== drop);
      const s = scoreCrop(c, located);
      const firstSi = c.atoms.filter((a) => a.element === 'Si').map((a) => a.complex);
      s.outcomes.forEach((o, k) => {
        if (firstSi[k] === 0) {
          // one C fewer in that complex
          const m = /^Si(\d+)C(\d+)$/.exec(o.labelFormula)!;
          expect(o.predictedFormula).toBe(`Si${m[1]}C${Number(m[2]) - 1}`);
        } else expect(o.predictedFormula).toBe(o.labelFormula);
      });
      expect(before.filter((f) => f !== null).length).toBe(c.atoms.length);
      const t = new RealCropTally();
      t.add(s);
      expect(t.summary().overall.right).toBe(firstSi.filter((k) => k !== 0).length);
      // the complex that lost its C is wrong, any other right
      const nComplexes = new Set(firstSi).size;
      expect(t.summary().perComplex).toEqual({ right: nComplexes - 1, total: nComplexes });
    }
  });

  it('a Si moved beyond the match radius is missed; within it, found', () => {
    const c = crops['Si1C4/41.hdf5'];
    const px = c.pixelSizePm;
    const moved = (dPm: number) => c.atoms.map((a) => (a.element === 'Si' ? { ...a, x: a.x + dPm / px } : a));
    const near = scoreCrop(c, moved(0.9 * REAL_CROPS_MATCH_RADIUS_PM)).outcomes[0];
    expect(near.predictedFormula).not.toBe(MISSED);
    expect(near.distancePm).toBeCloseTo(0.9 * REAL_CROPS_MATCH_RADIUS_PM, 6);
    const far = scoreCrop(c, moved(1.1 * REAL_CROPS_MATCH_RADIUS_PM));
    expect(far.outcomes[0].predictedFormula).toBe(MISSED);
    expect(far.extraSi).toBe(1);
    // a C located as Si is an extra Si and joins the complex
    const asSi = c.atoms.map((a, i) => (i === c.atoms.findIndex((b) => b.element === 'C') ? { ...a, element: 'Si' } : a));
    const s = scoreCrop(c, asSi);
    expect(s.extraSi).toBe(1);
    expect(s.outcomes[0].predictedFormula).toBe('Si2C3');
  });
});

describe('real crops: the shipped model, network alone', () => {
  it('finds every labelled Si of the 7.8 pm/px crops, and each predicted formula is the rule on the located atoms', async () => {
    await initBackend();
    const { model, card } = await loadModelByName('graphene-si');
    const seg = tfSegmenter(model, card);
    try {
      for (const n of NAMES) {
        const c = crops[n];
        const located = await locateCrop(seg, c, false);
        // a graphene crop: hundreds of C, every atom inside the frame, elements from the card
        expect(located.length).toBeGreaterThan(0.8 * ((c.width * c.pixelSizePm) ** 2 / ((MATERIALS.graphene.aPm ** 2 * Math.sqrt(3)) / 4)));
        expect(new Set(located.map((a) => a.element))).toEqual(new Set(['C', 'Si']));
        const s = scoreCrop(c, located);
        const f = complexFormulas(located, c.pixelSizePm);
        for (const o of s.outcomes) {
          expect(o.predictedFormula, `${n} Si at ${o.x.toFixed(0)},${o.y.toFixed(0)}`).not.toBe(MISSED);
          const j = located.findIndex((a) => a.element === 'Si' && Math.hypot(a.x - o.x, a.y - o.y) * c.pixelSizePm === o.distancePm);
          expect(j).toBeGreaterThanOrEqual(0);
          expect(o.predictedFormula).toBe(f[j]);
        }
      }
    } finally {
      seg.dispose?.();
      model.dispose();
    }
  }, 60_000);
});

