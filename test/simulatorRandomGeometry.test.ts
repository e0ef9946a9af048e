import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { analyseFrame, grapheneSiCutoffs } from '../dynamics/configurations/chemistry.ts';
import { resampleFrame, toInputCoordinate, toModelCoordinate } from '../inference/resample.ts';
import { acquisitionSide, resampleSample } from '../training/simulator/acquisitionResample.ts';
import { geometryMode, sampleParameters, simulateTrainingSample } from '../training/simulator/domainRandomisation.ts';
import { grapheneSheet, GRAPHENE_BOND_PM } from '../training/simulator/lattices/graphene.ts';
import { neighboursOf } from '../training/simulator/lattices/honeycomb.ts';
import { cutEdge, displaceColumns, drawDefectGeometry, RANDOM_GEOMETRY_DEFAULTS } from '../training/simulator/randomGeometry.ts';
import {
  CONFIGURATION_FORMULA, DEFAULT_DEFECT_GEOMETRY, placeRandomConfigurations, type GrapheneConfiguration,
} from '../training/simulator/siConfigurations.ts';
import { buildSpecimen } from '../training/simulator/specimen.ts';
import type { TrainingSample } from '../training/sampleSource.ts';

const rect = { x0: -1200, y0: -1200, x1: 1200, y1: 1200 };
const centre = { x0: -150, y0: -150, x1: 150, y1: 150 };

describe('randomised graphene geometry', () => {
  it('draws each projected Si-C distance uniformly over 140-200 pm', () => {
    const rng = new Random(11);
    const n = 3000;
    for (const key of ['siC3ProjectedPm', 'siC4Pm'] as const) {
      const v = Array.from({ length: n }, () => drawDefectGeometry(rng)[key]);
      expect(Math.min(...v)).toBeGreaterThanOrEqual(140);
      expect(Math.max(...v)).toBeLessThanOrEqual(200);
      // uniform: six 10 pm bins each hold 1/6 (binomial sd 0.7 %), mean 170 (sd 0.3 pm)
      for (let b = 0; b < 6; b++) {
        const share = v.filter((x) => x >= 140 + 10 * b && x < 150 + 10 * b).length / n;
        expect(Math.abs(share - 1 / 6)).toBeLessThan(0.035);
      }
      expect(Math.abs(v.reduce((s, x) => s + x, 0) / n - 170)).toBeLessThan(1.5);
    }
  });

  it('builds each Si-C3 with its own drawn distance: the measured Si-C distances span the range', () => {
    const measured: number[] = [];
    for (let seed = 0; seed < 40; seed++) {
      const rng = new Random(seed);
      const sheet = grapheneSheet(rect, rng.range(0, 360), { x: 0, y: 0 });
      let drawn = 0;
      const placed = placeRandomConfigurations(sheet, rng, ['si-c3'], centre, 500, DEFAULT_DEFECT_GEOMETRY, 14, (r) => {
        const g = drawDefectGeometry(r);
        drawn = g.siC3ProjectedPm;
        return g;
      });
      expect(placed).toHaveLength(1);
      const si = placed[0].site;
      for (const c of neighboursOf(sheet.lattice, si)) {
        const p = sheet.position(c);
        const d = Math.hypot(p.x - placed[0].dopants[0].x, p.y - placed[0].dopants[0].y);
        expect(d).toBeCloseTo(drawn, 6); // the first shell sits exactly at the drawn distance
        measured.push(d);
      }
    }
    expect(Math.min(...measured)).toBeLessThan(150);
    expect(Math.max(...measured)).toBeGreaterThan(190);
  });

  it('builds the LibraryNet clusters: the formula found by counting neighbours (chemistry.ts) is the named one', () => {
    for (const [kind, formula] of Object.entries(CONFIGURATION_FORMULA)) {
      if (kind === 'si-vacancy') continue; // Si1C2 or Si1C4 depending on how close the Si moves to the pulled-in C
      let right = 0;
      const n = 30;
      for (let seed = 0; seed < n; seed++) {
        const rng = new Random(1000 + seed);
        const sheet = grapheneSheet(rect, rng.range(0, 360), { x: 0, y: 0 });
        placeRandomConfigurations(sheet, rng, [kind as GrapheneConfiguration], centre, 500, DEFAULT_DEFECT_GEOMETRY, 14, (r) => drawDefectGeometry(r));
        const atoms = sheet.toAtoms('Si').map((a) => ({ xPm: a.x, yPm: a.y, element: a.element }));
        const complexes = analyseFrame(atoms, grapheneSiCutoffs(), 'C').complexes;
        if (complexes.length === 1 && complexes[0].formula === formula) right++;
      }
      // a few draws at the ends of the ranges push a C past the 215 pm Si-C cut-off
      expect(right / n, kind).toBeGreaterThanOrEqual(0.85);
    }
  });

  it('cuts edges, holes and multivacancies: the sites removed are those the geometry names', () => {
    for (let seed = 0; seed < 10; seed++) {
      const rng = new Random(50 + seed);
      const sheet = grapheneSheet(rect, 0, { x: 0, y: 0 });
      const region = { x0: -800, y0: -800, x1: 800, y1: 800 };
      const insideSites = () => Array.from({ length: sheet.lattice.count }, (_, s) => s).filter((s) => {
        const p = sheet.position(s);
        return p.x >= region.x0 && p.x <= region.x1 && p.y >= region.y0 && p.y <= region.y1;
      });
      const total = insideSites().length;
      cutEdge(sheet, region, rng);
      const removed = insideSites().filter((s) => sheet.z[s] === 0).length;
      // 10-40 % of the area is vacuum (the lattice is uniform, so about that share of its sites)
      expect(removed / total).toBeGreaterThan(0.07);
      expect(removed / total).toBeLessThan(0.43);
      // the vacuum is a half-plane: the removed sites and the kept ones are separated by a line, so the
      // centroid of the removed lies farther from the region's centre than that of the kept
      const centroid = (list: number[]) => list.reduce((a, s) => ({ x: a.x + sheet.position(s).x / list.length, y: a.y + sheet.position(s).y / list.length }), { x: 0, y: 0 });
      const cutC = centroid(insideSites().filter((s) => sheet.z[s] === 0));
      const keptC = centroid(insideSites().filter((s) => sheet.z[s] !== 0));
      expect(Math.hypot(cutC.x, cutC.y)).toBeGreaterThan(Math.hypot(keptC.x, keptC.y));
    }
    for (const [kind, count] of [['multivacancy', [3, 4]], ['hole', null]] as const) {
      for (let seed = 0; seed < 10; seed++) {
        const rng = new Random(70 + seed);
        const sheet = grapheneSheet(rect, 30, { x: 0, y: 0 });
        let g = DEFAULT_DEFECT_GEOMETRY;
        const placed = placeRandomConfigurations(sheet, rng, [kind], centre, 500, DEFAULT_DEFECT_GEOMETRY, 14, (r) => (g = drawDefectGeometry(r)));
        const gone = Array.from({ length: sheet.lattice.count }, (_, s) => s).filter((s) => sheet.z[s] === 0);
        if (count) expect(count).toContain(gone.length);
        else {
          const c = placed[0].centre;
          const r = g.holeRadiusPm!;
          for (let s = 0; s < sheet.lattice.count; s++) {
            const d = Math.hypot(sheet.lattice.x[s] - c.x, sheet.lattice.y[s] - c.y);
            if (d < r - 1) expect(sheet.z[s]).toBe(0);
            if (d > r + 1) expect(sheet.z[s]).toBe(6);
          }
        }
      }
    }
  });

  it('displaces 20-80 pm or inserts off the lattice the requested fraction of columns; labels follow the atoms', () => {
    const rng = new Random(5);
    const sheet = grapheneSheet(rect, 17, { x: 0, y: 0 });
    const atoms = sheet.toAtoms('Si');
    const before = atoms.map((a) => ({ ...a }));
    const region = { x0: -1000, y0: -1000, x1: 1000, y1: 1000 };
    const inside = atoms.filter((a) => a.x >= region.x0 && a.x <= region.x1 && a.y >= region.y0 && a.y <= region.y1).length;
    const r = displaceColumns(atoms, 0.1, region, rng);
    expect(r.displaced + r.inserted).toBe(Math.round(0.1 * inside));
    expect(r.inserted / (r.displaced + r.inserted)).toBeGreaterThan(0.25);
    expect(r.inserted / (r.displaced + r.inserted)).toBeLessThan(0.55);
    const moved = before.map((b, i) => Math.hypot(atoms[i].x - b.x, atoms[i].y - b.y)).filter((d) => d > 0);
    expect(moved).toHaveLength(r.displaced);
    for (const d of moved) {
      expect(d).toBeGreaterThanOrEqual(20);
      expect(d).toBeLessThanOrEqual(80);
    }
    // inserted columns lie off the lattice: at least 60 pm from every site
    for (const a of atoms.slice(before.length)) {
      const nearest = Math.min(...before.map((b) => Math.hypot(b.x - a.x, b.y - a.y)));
      expect(nearest).toBeGreaterThanOrEqual(60);
      expect(nearest).toBeLessThan(GRAPHENE_BOND_PM * 2);
    }
  });

  it('has >= 5 % of the columns moved in >= 20 % of the training specimens', () => {
    const n = 200;
    let many = 0;
    for (let k = 0; k < n; k++) {
      const p = sampleParameters({ lattice: 'graphene', pixelSizePm: 16, patch: 128, seed: 3 }, k);
      const placement = { x0: -8, y0: -8, x1: 2040, y1: 2040 };
      const s = buildSpecimen(p.specimen, { x0: -300, y0: -300, x1: 2340, y1: 2340 }, placement, new Random(k));
      const inPlacement = s.atoms.filter((a) => a.x >= placement.x0 && a.x <= placement.x1 && a.y >= placement.y0 && a.y <= placement.y1);
      // displaced and inserted columns are the C off any lattice site
      const off = inPlacement.filter((a) => a.site === null && a.species === 'C').length;
      if (off >= 0.05 * inPlacement.length) many++;
    }
    expect(many / n).toBeGreaterThanOrEqual(0.2);
    expect(many / n).toBeLessThan(0.4); // about 30 % of images are disturbed (RANDOM_GEOMETRY_DEFAULTS)
    expect(RANDOM_GEOMETRY_DEFAULTS.displacedProbability).toBe(0.3);
  });

  it('draws acquisition pixel sizes over 3.5-20 pm (a quarter at the model pixel size); validation stays fixed', () => {
    const o = { lattice: 'graphene' as const, pixelSizePm: 16, patch: 128, seed: 8 };
    const acq = Array.from({ length: 400 }, (_, k) => {
      const p = sampleParameters(o, k);
      return o.pixelSizePm / p.acquisitionScale;
    });
    const resampled = acq.filter((a) => a !== 16);
    expect(resampled.length / acq.length).toBeGreaterThan(0.68);
    expect(resampled.length / acq.length).toBeLessThan(0.82);
    expect(Math.min(...resampled)).toBeGreaterThanOrEqual(3.5);
    expect(Math.min(...resampled)).toBeLessThan(4);
    expect(Math.max(...resampled)).toBeLessThanOrEqual(20);
    expect(Math.max(...resampled)).toBeGreaterThan(18);
    expect(geometryMode(o)).toBe('randomised');
    expect(geometryMode({ ...o, purpose: 'validation' })).toBe('fixed');
    for (let k = 0; k < 20; k++) expect(sampleParameters({ ...o, purpose: 'validation' }, k).acquisitionScale).toBe(1);
    expect(sampleParameters({ ...o, purpose: 'validation' }, 0).specimen.randomGeometry).toBeUndefined();
  });
});

describe('acquisition pixel size resampling', () => {
  it('renders enough pixels for the patch at any scale', () => {
    for (const s of [16 / 3.5, 16 / 7.8, 16 / 15.6, 1.001, 16 / 20, 0.8056563000519605]) {
      const side = acquisitionSide(128, s);
      expect(Math.round(side / s)).toBeGreaterThanOrEqual(128);
      expect(Math.round((side - 1) / s)).toBeLessThan(128);
    }
  });

  it('maps a column through the resample as inference does (round trip of coordinates and image)', () => {
    for (const scale of [16 / 5, 16 / 12, 16 / 19]) {
      const side = acquisitionSide(64, scale);
      // one Gaussian column of sd 2.5 model px at a known position
      const xm = 30.3, ym = 21.7;
      const xa = toInputCoordinate(xm, scale), ya = toInputCoordinate(ym, scale);
      expect(toModelCoordinate(xa, scale)).toBeCloseTo(xm, 10);
      const sd = 2.5 * scale;
      const image = new Float32Array(side * side);
      for (let i = 0; i < side; i++) for (let j = 0; j < side; j++) image[i * side + j] = Math.exp(-((j - xa) ** 2 + (i - ya) ** 2) / (2 * sd * sd));
      const sample: TrainingSample = { image, labels: new Uint8Array(side * side), height: side, width: side, atoms: [{ x: xa, y: ya, species: 'Si', element: 'Si', z: 14 }] };
      const r = resampleSample(sample, scale, ['C', 'Si'], 3, 64);
      expect([r.height, r.width]).toEqual([64, 64]);
      // the image equals inference/resample.ts's output, cropped
      const direct = resampleFrame(image, side, side, scale);
      expect(r.image[10 * 64 + 20]).toBe(direct.data[10 * direct.width + 20]);
      // the atom and its label are where the image's column is
      expect(r.atoms[0].x).toBeCloseTo(xm, 10);
      expect(r.atoms[0].y).toBeCloseTo(ym, 10);
      let sw = 0, sx = 0, sy = 0;
      for (let i = 0; i < 64; i++) for (let j = 0; j < 64; j++) {
        const w = r.image[i * 64 + j];
        sw += w; sx += w * j; sy += w * i;
      }
      expect(sx / sw).toBeCloseTo(xm, 1);
      expect(sy / sw).toBeCloseTo(ym, 1);
      expect(r.labels[Math.round(ym) * 64 + Math.round(xm)]).toBe(2);
      expect(r.labels[Math.round(ym) * 64 + Math.round(xm) + 4]).toBe(0);
    }
  });

  it('gives patch-sized training samples whose labels sit on their atoms', () => {
    const o = { lattice: 'graphene' as const, pixelSizePm: 16, patch: 64, seed: 4, otherClass: true };
    let checked = 0, onLabel = 0;
    for (let k = 0; k < 12; k++) {
      const s = simulateTrainingSample(o, k);
      expect([s.height, s.width, s.image.length, s.labels.length]).toEqual([64, 64, 64 * 64, 64 * 64]);
      for (const a of s.atoms) {
        const i = Math.round(a.y), j = Math.round(a.x);
        if (i < 0 || j < 0 || i >= 64 || j >= 64) continue;
        checked++;
        const v = s.labels[i * 64 + j];
        if (v === (a.species === 'C' ? 1 : 2) || (a.species === 'C' && v === 2)) onLabel++;
      }
    }
    expect(checked).toBeGreaterThan(300);
    expect(onLabel / checked).toBeGreaterThan(0.97);
  });
});
