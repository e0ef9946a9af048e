import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { geometryMode, sampleParameters, simulateTrainingSample, type SimulatedSourceOptions } from '../training/simulator/domainRandomisation.ts';
import { MX2_MATERIALS } from '../training/simulator/lattices/mx2.ts';
import {
  displaceMx2Columns, drawMx2Defects, MX2_RANDOM_GEOMETRY_DEFAULTS, slowDistortionField,
} from '../training/simulator/mx2RandomGeometry.ts';
import { buildSpecimen } from '../training/simulator/specimen.ts';
import { WSE2_MOVIE_PRESET } from '../training/simulator/imagingPresets.ts';

const rect = { x0: -1500, y0: -1500, x1: 1500, y1: 1500 };
const placement = { x0: -1000, y0: -1000, x1: 1000, y1: 1000 };
const o: SimulatedSourceOptions = { lattice: 'mx2', pixelSizePm: 30, patch: 64, seed: 5, geometry: 'randomised', contamination: false };

describe('randomised MX2 geometry', () => {
  it('draws the dopants the sites fit reads (V or W in MoS2, Mo in WS2 and WSe2) and fractions inside the ranges', () => {
    const rng = new Random(3);
    const seen: Record<string, Set<string>> = { MoS2: new Set(), WS2: new Set(), WSe2: new Set() };
    for (let k = 0; k < 300; k++) {
      for (const m of Object.values(MX2_MATERIALS)) {
        const d = drawMx2Defects(m, rng);
        seen[m.name].add(d.metalDopantElement!);
        for (const key of ['chalcogenVacancy', 'chalcogenDivacancy', 'metalVacancy', 'metalDopant'] as const) {
          expect(d[key]).toBeGreaterThanOrEqual(MX2_RANDOM_GEOMETRY_DEFAULTS[key][0]);
          expect(d[key]).toBeLessThanOrEqual(MX2_RANDOM_GEOMETRY_DEFAULTS[key][1]);
        }
        expect(d.chalcogenDopant).toBe(0);
      }
    }
    expect(seen).toEqual({ MoS2: new Set(['V', 'W']), WS2: new Set(['Mo']), WSe2: new Set(['Mo']) });
  });

  it('places the drawn defects: column counts and elements follow the fractions, strain and distortion move atoms but keep them', () => {
    const m = MX2_MATERIALS.MoS2;
    const defects = { chalcogenVacancy: 0.08, chalcogenDivacancy: 0.03, metalVacancy: 0.03, metalDopant: 0.06, chalcogenDopant: 0, metalDopantElement: 'V' };
    const ideal = buildSpecimen({ lattice: 'MoS2', rotationDeg: 10, mx2Defects: defects }, rect, placement, new Random(8));
    const random = buildSpecimen({ lattice: 'MoS2', rotationDeg: 10, mx2Defects: defects, mx2RandomGeometry: {} }, rect, placement, new Random(8));
    // the same sites carry the same defects (the defects are drawn before the columns move)
    expect(random.atoms.map((a) => a.element)).toEqual(ideal.atoms.map((a) => a.element));
    const metal = random.atoms.filter((a) => a.species === 'metal');
    const chalcogen = random.atoms.filter((a) => a.species === 'chalcogen');
    expect(new Set(metal.map((a) => a.element))).toEqual(new Set([m.metal, 'V']));
    for (const a of chalcogen) expect([1, 2]).toContain(a.zList.length);
    // fractions within binomial noise of the drawn ones (about 1100 sites per sublattice)
    const v = metal.filter((a) => a.element === 'V').length / metal.length;
    expect(Math.abs(v - 0.06)).toBeLessThan(0.03);
    const single = chalcogen.filter((a) => a.zList.length === 1).length / chalcogen.length;
    expect(Math.abs(single - 0.08)).toBeLessThan(0.035);
    // positions moved, by at most the strain (3 % of ~2100 pm), the slow waves (50 pm) and a displacement (60 pm)
    let moved = 0;
    random.atoms.forEach((a, i) => {
      const d = Math.hypot(a.x - ideal.atoms[i].x, a.y - ideal.atoms[i].y);
      if (d > 0.5) moved++;
      expect(d).toBeLessThan(0.03 * 2 * 2150 + 50 + 60);
    });
    expect(moved).toBeGreaterThan(0.9 * random.atoms.length);
  });

  it('bounds the slow distortion by twice the largest amplitude and keeps it slow', () => {
    for (let seed = 0; seed < 20; seed++) {
      const u = slowDistortionField(new Random(seed));
      for (let k = 0; k < 200; k++) {
        const x = -3000 + 30 * k, y = 1000 - 17 * k;
        const [ux, uy] = u(x, y);
        expect(Math.hypot(ux, uy)).toBeLessThanOrEqual(50 + 1e-9);
        // neighbouring columns (180 pm) move together within 2π·2·25/1500·180 ≈ 38 pm
        const [vx, vy] = u(x + 180, y);
        expect(Math.hypot(vx - ux, vy - uy)).toBeLessThan(38);
      }
    }
  });

  it('displaces the asked fraction of columns by the drawn lengths and takes them off the lattice', () => {
    const s = buildSpecimen({ lattice: 'WS2', rotationDeg: 0 }, rect, placement, new Random(2));
    const before = s.atoms.map((a) => ({ ...a }));
    const inside = before.filter((a) => a.x >= placement.x0 && a.x <= placement.x1 && a.y >= placement.y0 && a.y <= placement.y1).length;
    const n = displaceMx2Columns(s.atoms, 0.04, placement, new Random(9));
    expect(n).toBe(Math.round(0.04 * inside));
    const moved = s.atoms.filter((a, i) => a.x !== before[i].x || a.y !== before[i].y);
    expect(moved).toHaveLength(n);
    for (const a of moved) expect(a.site).toBeNull();
    s.atoms.forEach((a, i) => {
      const d = Math.hypot(a.x - before[i].x, a.y - before[i].y);
      if (d > 0) {
        expect(d).toBeGreaterThanOrEqual(15 - 1e-9);
        expect(d).toBeLessThanOrEqual(60 + 1e-9);
      }
      expect(a.species).toBe(before[i].species);
    });
  });
});

describe('randomised MX2 training samples', () => {
  it('is used when asked for (train asks for it), and MX2 sources default to the fixed geometry of mx2 1.0', () => {
    expect(geometryMode(o)).toBe('randomised');
    const { geometry: _, ...unset } = o;
    expect(geometryMode({ ...unset, purpose: 'validation' })).toBe('fixed');
    expect(geometryMode({ ...unset, purpose: 'train' })).toBe('fixed');
    expect(geometryMode(unset)).toBe('fixed');
    expect(sampleParameters({ ...unset, purpose: 'validation' }, 0).specimen.mx2RandomGeometry).toBeUndefined();
    expect(sampleParameters(unset, 0).acquisitionScale).toBe(1);
  });

  it('draws acquisition pixel sizes over 8-40 pm, torn rows, and the shared files\' imaging in about 40 % of the images', () => {
    const acq: number[] = [];
    let preset = 0, glitchy = 0;
    const n = 400;
    for (let k = 0; k < n; k++) {
      const p = sampleParameters(o, k);
      expect(p.specimen.mx2RandomGeometry).toEqual({});
      if (p.acquisitionScale !== 1) acq.push(o.pixelSizePm / p.acquisitionScale);
      if (p.imaging.probe.sourceFwhmPm >= 80 && p.imaging.zExponent === WSE2_MOVIE_PRESET.imaging.zExponent && p.imaging.backgroundCorrelationPm === WSE2_MOVIE_PRESET.imaging.backgroundCorrelationPm) preset++;
      if (p.imaging.distortion.glitchesPerFrame > 1) glitchy++;
      expect(p.imaging.distortion.glitchesPerFrame).toBeLessThanOrEqual(3);
    }
    expect(acq.length / n).toBeGreaterThan(0.68);
    expect(acq.length / n).toBeLessThan(0.82);
    expect(Math.min(...acq)).toBeGreaterThanOrEqual(8);
    expect(Math.min(...acq)).toBeLessThan(9); // reaches WS2.emd's 10.6 pm/px
    expect(Math.max(...acq)).toBeLessThanOrEqual(40);
    expect(Math.max(...acq)).toBeGreaterThan(37); // and the WSe2 movie's 37.18
    expect(preset / n).toBeGreaterThan(0.33);
    expect(preset / n).toBeLessThan(0.47);
    expect(glitchy / n).toBeGreaterThan(0.55);
  });

  it('labels every column where it is placed (its centre pixel carries its class) and nothing far from a column', () => {
    for (let k = 0; k < 6; k++) {
      const s = simulateTrainingSample(o, k);
      expect(s.width).toBe(64);
      expect(s.height).toBe(64);
      let checked = 0;
      for (const a of s.atoms) {
        const i = Math.round(a.y), j = Math.round(a.x);
        if (i < 1 || j < 1 || i >= s.height - 1 || j >= s.width - 1) continue;
        expect(s.labels[i * s.width + j]).toBe(a.species === 'metal' ? 1 : 2);
        checked++;
      }
      expect(checked).toBeGreaterThan(40);
      // every labelled pixel lies within a bond (183 pm = 6.1 px) of a column
      for (let i = 0; i < s.height; i++) {
        for (let j = 0; j < s.width; j++) {
          if (s.labels[i * s.width + j] === 0) continue;
          expect(s.atoms.some((a) => Math.hypot(a.x - j, a.y - i) < 6.1)).toBe(true);
        }
      }
    }
  });

  it('is deterministic per seed and differs between seeds', () => {
    const a = simulateTrainingSample(o, 3);
    const b = simulateTrainingSample(o, 3);
    expect(Buffer.from(a.image.buffer).equals(Buffer.from(b.image.buffer))).toBe(true);
    expect(Buffer.from(a.labels.buffer).equals(Buffer.from(b.labels.buffer))).toBe(true);
    expect(a.atoms).toEqual(b.atoms);
    const c = simulateTrainingSample({ ...o, seed: 6 }, 3);
    expect(Buffer.from(a.image.buffer).equals(Buffer.from(c.image.buffer))).toBe(false);
  });
});
