import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { honeycombLattice } from '../training/simulator/lattices/honeycomb.ts';
import { grapheneSheet, GRAPHENE_A_PM } from '../training/simulator/lattices/graphene.ts';
import { mx2Atoms, mx2Lattice, MX2_MATERIALS } from '../training/simulator/lattices/mx2.ts';
import { applyConfiguration, DEFAULT_DEFECT_GEOMETRY, parseConfigurations, type GrapheneConfiguration } from '../training/simulator/siConfigurations.ts';
import { DEFAULT_IMAGING, simulateImage } from '../training/simulator/simulateImage.ts';
import type { ModelAtom } from '../training/simulator/atomModel.ts';

const rect = { x0: -800, y0: -800, x1: 800, y1: 800 };

/** Projected distances from atom `a` to every other atom within `r` pm. */
function near(atoms: ModelAtom[], a: { x: number; y: number }, r: number): number[] {
  return atoms.map((b) => Math.hypot(b.x - a.x, b.y - a.y)).filter((d) => d > 1e-9 && d < r).sort((p, q) => p - q);
}

/** The site nearest the origin. */
function centreSite(sheet: ReturnType<typeof grapheneSheet>): number {
  let best = 0;
  for (let s = 0; s < sheet.lattice.count; s++) if (Math.hypot(sheet.lattice.x[s], sheet.lattice.y[s]) < Math.hypot(sheet.lattice.x[best], sheet.lattice.y[best])) best = s;
  return best;
}

describe('honeycomb lattice', () => {
  it('gives each interior site three neighbours at a / sqrt(3), for any rotation and offset', () => {
    for (const rot of [0, 17.3, 90, 211]) {
      const lat = honeycombLattice(246, rot, { x: 31, y: -12 }, rect);
      let checked = 0;
      for (let s = 0; s < lat.count; s++) {
        if (Math.abs(lat.x[s]) > 500 || Math.abs(lat.y[s]) > 500) continue;
        for (let k = 0; k < 3; k++) {
          const n = lat.neighbours[3 * s + k];
          expect(n).toBeGreaterThanOrEqual(0);
          expect(Math.hypot(lat.x[n] - lat.x[s], lat.y[n] - lat.y[s])).toBeCloseTo(246 / Math.sqrt(3), 9);
          expect(lat.sublattice[n]).not.toBe(lat.sublattice[s]);
        }
        checked++;
      }
      expect(checked).toBeGreaterThan(25);
    }
  });

  it('rotates counter-clockwise on screen (y down)', () => {
    const lat = honeycombLattice(246, 30, { x: 0, y: 0 }, rect);
    // the A site at i = 1, j = 0 lies at a (cos 30, -sin 30)
    const hit = [...lat.x.keys()].some((s) => Math.abs(lat.x[s] - 246 * Math.cos(Math.PI / 6)) < 1e-9 && Math.abs(lat.y[s] + 246 * 0.5) < 1e-9);
    expect(hit).toBe(true);
  });
});

describe('graphene labels', () => {
  it('place every pristine C at 142 pm from its neighbours (labels in pixels x pixel size)', () => {
    const px = 9.3;
    const img = simulateImage({ specimen: { lattice: 'graphene', configurationCount: 0 }, frame: { width: 128, height: 112, pixelSizePm: px }, imaging: DEFAULT_IMAGING, seed: 4 });
    const pts = img.atoms.map((a) => ({ x: a.x * px, y: a.y * px }));
    expect(img.atoms.every((a) => a.species === 'C' && a.z === 6)).toBe(true);
    // areal density of graphene: 2 atoms per (sqrt(3)/2) a^2
    const area = 128 * 112 * px * px;
    expect(pts.length / area).toBeCloseTo(2 / ((Math.sqrt(3) / 2) * GRAPHENE_A_PM ** 2), 5);
    let interior = 0;
    for (const p of pts) {
      if (p.x < 160 || p.y < 160 || p.x > 128 * px - 160 || p.y > 112 * px - 160) continue;
      const d = near(pts as ModelAtom[], p, 200);
      expect(d).toHaveLength(3);
      for (const v of d) expect(Math.abs(v - 142)).toBeLessThan(1e-6);
      interior++;
    }
    expect(interior).toBeGreaterThan(20);
  });
});

describe('Si configurations (relaxed projected geometry)', () => {
  const build = (kind: GrapheneConfiguration, orientation = 0) => {
    const sheet = grapheneSheet(rect, 13, { x: 7, y: 3 });
    const site = centreSite(sheet);
    const res = applyConfiguration(sheet, { kind, site, orientation }, DEFAULT_DEFECT_GEOMETRY, 14);
    return { sheet, site, res, atoms: sheet.toAtoms('Si') };
  };
  const cc = (atoms: ModelAtom[]) => {
    const c = atoms.filter((a) => a.species === 'C');
    const out: number[] = [];
    for (const a of c) for (const d of near(c, a, 175)) out.push(d);
    return out;
  };

  it('si-c3: Si buckled out of plane, its three C at the projected Si-C distance (155-165 pm)', () => {
    const { atoms, res } = build('si-c3');
    const si = atoms.filter((a) => a.species === 'Si');
    expect(si).toHaveLength(1);
    expect(si[0].heightPm).toBeCloseTo(Math.sqrt(180 ** 2 - 160 ** 2), 6);
    const d = near(atoms, si[0], 200);
    expect(d).toHaveLength(3);
    for (const v of d) {
      expect(v).toBeGreaterThanOrEqual(155);
      expect(v).toBeLessThanOrEqual(165);
      expect(v).toBeCloseTo(DEFAULT_DEFECT_GEOMETRY.siC3ProjectedPm, 6);
    }
    expect(res.dopants[0].x).toBeCloseTo(si[0].x, 9);
    // the strain field keeps C-C bonds near 142 pm (continuum relaxation, no overlaps)
    for (const v of cc(atoms)) {
      expect(v).toBeGreaterThan(125);
      expect(v).toBeLessThan(160);
    }
  });

  it('si-c4: Si planar in a divacancy with four C at about 190 pm', () => {
    const { atoms, sheet } = build('si-c4', 1);
    const si = atoms.filter((a) => a.species === 'Si');
    expect(si).toHaveLength(1);
    expect(si[0].heightPm).toBe(0);
    expect(si[0].site).toBeNull();
    expect(sheet.lattice.count - atoms.length).toBe(2 - 1); // two C removed, one Si added
    const d = near(atoms, si[0], 230);
    expect(d).toHaveLength(4);
    for (const v of d) expect(v).toBeCloseTo(190, 6);
  });

  it('si-vacancy: Si shifted toward the empty neighbour, two C left bonded', () => {
    const { atoms, sheet, site } = build('si-vacancy', 2);
    const si = atoms.filter((a) => a.species === 'Si')[0];
    const empty = sheet.lattice.neighbours[3 * site + 2];
    expect(sheet.z[empty]).toBe(0);
    const shift = Math.hypot(si.x - sheet.lattice.x[site], si.y - sheet.lattice.y[site]);
    expect(shift).toBeCloseTo(DEFAULT_DEFECT_GEOMETRY.siVacancyShiftPm, 6);
    const toEmpty = Math.hypot(si.x - sheet.lattice.x[empty], si.y - sheet.lattice.y[empty]);
    expect(toEmpty).toBeCloseTo(142 - DEFAULT_DEFECT_GEOMETRY.siVacancyShiftPm, 6);
    expect(near(atoms, si, 175)).toHaveLength(2);
  });

  it('si-dimer (Si2C5) and si-trimer (Si3C6)', () => {
    const dimer = build('si-dimer', 4).atoms;
    const sis = dimer.filter((a) => a.species === 'Si');
    expect(sis).toHaveLength(2);
    const dd = Math.hypot(sis[0].x - sis[1].x, sis[0].y - sis[1].y);
    expect(dd).toBeGreaterThan(230);
    expect(dd).toBeLessThan(290);
    const bondedC = new Set<ModelAtom>();
    for (const s of sis) for (const c of dimer.filter((a) => a.species === 'C' && Math.hypot(a.x - s.x, a.y - s.y) < 175)) bondedC.add(c);
    expect(bondedC.size).toBe(5);

    const trimer = build('si-trimer').atoms;
    const ts = trimer.filter((a) => a.species === 'Si');
    expect(ts).toHaveLength(3);
    const bonded3 = new Set<ModelAtom>();
    for (const s of ts) for (const c of trimer.filter((a) => a.species === 'C' && Math.hypot(a.x - s.x, a.y - s.y) < 175)) bonded3.add(c);
    expect(bonded3.size).toBe(6);
    const cx = ts.reduce((a, b) => a + b.x, 0) / 3;
    const cy = ts.reduce((a, b) => a + b.y, 0) / 3;
    for (const s of ts) expect(Math.hypot(s.x - cx, s.y - cy)).toBeCloseTo(142 - DEFAULT_DEFECT_GEOMETRY.trimerInwardPm, 6);
  });

  it('vacancy (5-9) and divacancy (5-8-5) remove one and two C and pull neighbours together', () => {
    const v = build('vacancy');
    expect(v.sheet.lattice.count - v.atoms.length).toBe(1);
    const dv = build('divacancy');
    expect(dv.sheet.lattice.count - dv.atoms.length).toBe(2);
    const short = (atoms: ModelAtom[]) => cc(atoms).filter((d) => d > 160).length;
    // a reconstructed 206 pm (5-9) and two 180 pm (5-8-5) C-C pairs appear (each counted from both ends)
    const pairs = (atoms: ModelAtom[], lo: number, hi: number) => {
      const c = atoms.filter((a) => a.species === 'C');
      let n = 0;
      for (const a of c) for (const d of near(c, a, hi)) if (d > lo) n++;
      return n / 2;
    };
    expect(pairs(v.atoms, 200, 212)).toBe(1);
    expect(pairs(dv.atoms, 175, 185)).toBe(2);
    expect(short(v.atoms)).toBe(0);
  });

  it('parses configuration lists and rejects unknown names', () => {
    expect(parseConfigurations('si-c3, SI-C4')).toEqual(['si-c3', 'si-c4']);
    expect(() => parseConfigurations('si-c5')).toThrow(/^configurations: unknown configuration 'si-c5'/);
  });
});

describe('MX2 monolayers', () => {
  it('put metal and two-atom chalcogen columns a / sqrt(3) apart with the material lattice constant', () => {
    for (const m of Object.values(MX2_MATERIALS)) {
      const lat = mx2Lattice(m, rect, 23, { x: 5, y: 9 });
      const atoms = mx2Atoms(m, lat, new Random(1));
      const metal = atoms.filter((a) => a.species === 'metal');
      const chalc = atoms.filter((a) => a.species === 'chalcogen');
      expect(metal.every((a) => a.element === m.metal && a.zList.length === 1)).toBe(true);
      expect(chalc.every((a) => a.element === `${m.chalcogen}2` && a.zList.length === 2)).toBe(true);
      const c = metal.find((a) => Math.hypot(a.x, a.y) < 300)!;
      expect(near(metal, c, m.aPm * 1.01)[0]).toBeCloseTo(m.aPm, 6);
      const dmx = near(chalc, c, m.aPm * 0.7);
      expect(dmx).toHaveLength(3);
      for (const d of dmx) expect(d).toBeCloseTo(m.aPm / Math.sqrt(3), 6);
    }
    expect(MX2_MATERIALS.WSe2.aPm).toBeCloseTo(328.2, 1);
    expect(MX2_MATERIALS.MoS2.aPm).toBeCloseTo(316.0, 1);
  });

  it('draws chalcogen vacancies and metal dopants at the requested fractions', () => {
    const m = MX2_MATERIALS.WSe2;
    const big = { x0: -8000, y0: -8000, x1: 8000, y1: 8000 };
    const lat = mx2Lattice(m, big, 0, { x: 0, y: 0 });
    const atoms = mx2Atoms(m, lat, new Random(2), { chalcogenVacancy: 0.1, chalcogenDivacancy: 0.05, metalVacancy: 0, metalDopant: 0.08, chalcogenDopant: 0, metalDopantElement: 'Mo' });
    const chalcSites = [...lat.sublattice].filter((s) => s === 1).length;
    const metalSites = lat.count - chalcSites;
    const single = atoms.filter((a) => a.element === 'Se').length / chalcSites;
    const missing = 1 - atoms.filter((a) => a.species === 'chalcogen').length / chalcSites;
    const mo = atoms.filter((a) => a.element === 'Mo').length / metalSites;
    // binomial standard errors are about 0.006 (about 2700 sites of each kind)
    expect(Math.abs(single - 0.1)).toBeLessThan(0.02);
    expect(Math.abs(missing - 0.05)).toBeLessThan(0.015);
    expect(Math.abs(mo - 0.08)).toBeLessThan(0.02);
    expect(atoms.filter((a) => a.element === 'Mo').every((a) => a.species === 'metal')).toBe(true);
  });
});
