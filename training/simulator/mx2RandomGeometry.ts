/**
 * Randomised specimen geometry for training MX2 segmenters (issue 22, part 4), the MX2 counterpart of
 * the graphene recipe in training/simulator/randomGeometry.ts (issue 17): every sample draws its own
 * point defects, strain, slow distortion and displaced columns, so the network sees the defect kinds
 * bench/mx2Sites.ts scores on a lattice that is never quite ideal.
 *
 * | what | drawn | where |
 * | --- | --- | --- |
 * | single chalcogen vacancies (vac_S / vac_Se: one of the two atoms of a column) | fraction of chalcogen sites uniform in 0-8 % | {@link drawMx2Defects} |
 * | double chalcogen vacancies (vac_S2 / vac_Se2: empty column) | uniform 0-3 % | {@link drawMx2Defects} |
 * | metal vacancies | uniform 0-3 % of metal sites | {@link drawMx2Defects} |
 * | substitutional metal dopants | uniform 0-6 % of metal sites; V or W in MoS2 (V two times in three), Mo in WS2 and WSe2 | {@link drawMx2Defects} |
 * | strain | a uniform displacement gradient, each component uniform in +-3 % | {@link applyStrain} (randomGeometry.ts) |
 * | slow distortion | two plane sinusoidal displacement waves, amplitude 0-25 pm, wavelength 1.5-6 nm, random direction, polarisation and phase | {@link slowDistortionField} |
 * | displaced columns | in 30 % of images, 1-4 % of the columns moved 15-60 pm in a random direction | {@link displaceMx2Columns} |
 *
 * Scan glitches (torn rows), acquisition pixel sizes and doses are imaging, drawn in
 * training/simulator/domainRandomisation.ts. Labels follow the atoms: a displaced column is labelled
 * where it is; a double chalcogen vacancy or a metal vacancy has no column, hence no label. Positions
 * in pm (specimen coordinates, docs/schema.md).
 */
import type { Random } from '../../data/random.ts';
import type { ModelAtom } from './atomModel.ts';
import type { Rect } from './lattices/honeycomb.ts';
import type { Mx2Defects, Mx2Material } from './lattices/mx2.ts';
import { applyStrain, drawStrain } from './randomGeometry.ts';
import type { DisplacementField } from './strainFields.ts';

/** Ranges of the randomised MX2 geometry (fractions of sites, pm). */
export interface Mx2RandomGeometryRanges {
  /** Single chalcogen vacancies, fraction of chalcogen sites. Default [0, 0.08]. */
  chalcogenVacancy: [number, number];
  /** Double chalcogen vacancies (empty columns), fraction of chalcogen sites. Default [0, 0.03]. */
  chalcogenDivacancy: [number, number];
  /** Metal vacancies, fraction of metal sites. Default [0, 0.03]. */
  metalVacancy: [number, number];
  /** Substitutional metal dopants, fraction of metal sites. Default [0, 0.06]. */
  metalDopant: [number, number];
  /** Largest absolute component of the uniform strain. Default 0.03. */
  maxStrain: number;
  /** Amplitude range of each slow distortion wave, pm. Default [0, 25]. */
  slowAmplitudePm: [number, number];
  /** Wavelength range of the slow distortion waves, pm. Default [1500, 6000]. */
  slowWavelengthPm: [number, number];
  /** Probability that an image has displaced columns. Default 0.3. */
  displacedProbability: number;
  /** Fraction of the columns displaced in such an image. Default [0.01, 0.04]. */
  displacedFraction: [number, number];
  /** Displacement length range, pm. Default [15, 60]. */
  displacementPm: [number, number];
}

/** Defaults of {@link Mx2RandomGeometryRanges} (the recipe of `atomdyn train --lattice mx2`; its 1.1.0 fine-tune was not shipped, docs/simulator.md). */
export const MX2_RANDOM_GEOMETRY_DEFAULTS: Readonly<Mx2RandomGeometryRanges> = {
  chalcogenVacancy: [0, 0.08],
  chalcogenDivacancy: [0, 0.03],
  metalVacancy: [0, 0.03],
  metalDopant: [0, 0.06],
  maxStrain: 0.03,
  slowAmplitudePm: [0, 25],
  slowWavelengthPm: [1500, 6000],
  displacedProbability: 0.3,
  displacedFraction: [0.01, 0.04],
  displacementPm: [15, 60],
};

/**
 * The metal dopant a material is drawn with: |ΔZ| >= 10 from the host, as inference/siteOccupancy.ts
 * reads them (V or W in MoS2, V two times in three; Mo in WS2 and WSe2).
 */
export function drawMetalDopant(material: Mx2Material, rng: Random): string {
  if (material.metal === 'Mo') return rng.uniform() < 2 / 3 ? 'V' : 'W';
  return 'Mo';
}

/**
 * One image's point-defect fractions, each uniform over its range, and its metal dopant
 * ({@link drawMetalDopant}). No chalcogen substitutions (their contrast is not scored).
 */
export function drawMx2Defects(material: Mx2Material, rng: Random, ranges: Mx2RandomGeometryRanges = MX2_RANDOM_GEOMETRY_DEFAULTS): Mx2Defects {
  const u = (r: [number, number]) => rng.range(r[0], r[1]);
  return {
    chalcogenVacancy: u(ranges.chalcogenVacancy),
    chalcogenDivacancy: u(ranges.chalcogenDivacancy),
    metalVacancy: u(ranges.metalVacancy),
    metalDopant: u(ranges.metalDopant),
    chalcogenDopant: 0,
    metalDopantElement: drawMetalDopant(material, rng),
    chalcogenDopantElement: material.chalcogenDopants[0],
  };
}

/**
 * A slow distortion: the sum of two plane waves u = A e sin(k·x + φ), each with amplitude A uniform in
 * `slowAmplitudePm`, wavelength uniform in `slowWavelengthPm`, wave vector and polarisation e in random
 * directions and a random phase. Largest displacement <= 2 max(A); largest strain 2π A / λ (<= 10 %
 * at the defaults' extremes, typically ~1 %).
 */
export function slowDistortionField(rng: Random, ranges: Pick<Mx2RandomGeometryRanges, 'slowAmplitudePm' | 'slowWavelengthPm'> = MX2_RANDOM_GEOMETRY_DEFAULTS): DisplacementField {
  const waves = [0, 1].map(() => {
    const amp = rng.range(ranges.slowAmplitudePm[0], ranges.slowAmplitudePm[1]);
    const k = (2 * Math.PI) / rng.range(ranges.slowWavelengthPm[0], ranges.slowWavelengthPm[1]);
    const tk = rng.range(0, 2 * Math.PI);
    const te = rng.range(0, 2 * Math.PI);
    return { amp, kx: k * Math.cos(tk), ky: k * Math.sin(tk), ex: Math.cos(te), ey: Math.sin(te), phase: rng.range(0, 2 * Math.PI) };
  });
  return (x, y) => {
    let ux = 0, uy = 0;
    for (const w of waves) {
      const s = w.amp * Math.sin(w.kx * x + w.ky * y + w.phase);
      ux += s * w.ex;
      uy += s * w.ey;
    }
    return [ux, uy];
  };
}

/**
 * Move a fraction of the columns inside `region` (pm) by a length uniform in `displacementPm` in a
 * random direction, in place; a moved column keeps its species and loses its lattice site
 * (`site = null`).
 *
 * @returns the number of columns moved
 */
export function displaceMx2Columns(atoms: ModelAtom[], fraction: number, region: Rect, rng: Random, ranges: Pick<Mx2RandomGeometryRanges, 'displacementPm'> = MX2_RANDOM_GEOMETRY_DEFAULTS): number {
  const inside: number[] = [];
  atoms.forEach((a, i) => {
    if (a.x >= region.x0 && a.x <= region.x1 && a.y >= region.y0 && a.y <= region.y1) inside.push(i);
  });
  const n = Math.min(inside.length, Math.round(fraction * inside.length));
  for (let k = 0; k < n; k++) {
    const j = inside.splice(rng.int(inside.length), 1)[0];
    const r = rng.range(ranges.displacementPm[0], ranges.displacementPm[1]);
    const t = rng.range(0, 2 * Math.PI);
    atoms[j].x += r * Math.cos(t);
    atoms[j].y += r * Math.sin(t);
    atoms[j].site = null;
  }
  return n;
}

/**
 * Randomise an MX2 specimen's columns in place: a uniform strain about the centre of `region`, a slow
 * distortion, then (with `displacedProbability`) displaced columns inside `region`. Point defects are
 * drawn before, with {@link drawMx2Defects}, when the lattice is filled (lattices/mx2.ts mx2Atoms).
 *
 * @param atoms the specimen's columns, pm
 * @param region the imaged area, pm
 * @returns the number of columns displaced
 */
export function randomiseMx2Columns(atoms: ModelAtom[], region: Rect, rng: Random, ranges: Mx2RandomGeometryRanges = MX2_RANDOM_GEOMETRY_DEFAULTS): number {
  applyStrain(atoms, drawStrain(rng, ranges.maxStrain), { x: (region.x0 + region.x1) / 2, y: (region.y0 + region.y1) / 2 });
  const u = slowDistortionField(rng, ranges);
  for (const a of atoms) {
    const [ux, uy] = u(a.x, a.y);
    a.x += ux;
    a.y += uy;
  }
  if (rng.uniform() >= ranges.displacedProbability) return 0;
  return displaceMx2Columns(atoms, rng.range(ranges.displacedFraction[0], ranges.displacedFraction[1]), region, rng, ranges);
}
