/**
 * Randomised specimen geometry for training graphene segmenters without a geometry prior (issue 17):
 * instead of one relaxed geometry per configuration, every defect draws its own, and the sheet is
 * strained, cut, and has columns displaced or inserted off the lattice.
 *
 * | what | drawn | where |
 * | --- | --- | --- |
 * | projected Si-C distances (`siC3ProjectedPm`, `siC4Pm`) | uniform 140-200 pm, per defect, independently | {@link drawDefectGeometry} |
 * | Si-Si in Si2C6 | uniform 215-235 pm | {@link drawDefectGeometry} |
 * | Si height, vacancy shifts and pulls, trimer inward shift (8-30 pm, so the trimer Si stay bonded) | uniform over ranges around the relaxed values | {@link drawDefectGeometry} |
 * | hole radius | uniform 150-300 pm | {@link drawDefectGeometry} |
 * | C-C strain | a uniform displacement gradient, each component uniform in +-5 % | {@link drawStrain} |
 * | edges | in 15 % of images, everything beyond a random line removed (10-40 % of the area) | {@link cutEdge} |
 * | displaced / inserted columns | in 30 % of images, 5-15 % of the columns: 60 % displaced 20-80 pm in a random direction, 40 % inserted at random positions at least 60 pm from every column (C, or Si one time in ten) | {@link displaceColumns} |
 *
 * Labels follow the atoms: a displaced column is labelled where it is, an inserted one is labelled
 * with its species. Positions in pm (specimen coordinates, docs/schema.md).
 */
import type { Random } from '../../data/random.ts';
import { columnElement, type ModelAtom } from './atomModel.ts';
import type { GrapheneSheet } from './lattices/graphene.ts';
import type { Rect } from './lattices/honeycomb.ts';
import { DEFAULT_DEFECT_GEOMETRY, type DefectGeometry } from './siConfigurations.ts';
import { uniformField } from './strainFields.ts';
import { ATOMIC_NUMBER } from '../../models/materials.ts';

/** Ranges of the randomised geometry (pm, or fractions). */
export interface RandomGeometryRanges {
  /** Projected Si-C distance range of every defect, pm. Default [140, 200]. */
  siCPm: [number, number];
  /** Largest absolute component of the strain tensor. Default 0.05. */
  maxStrain: number;
  /** Probability that an image has an edge. Default 0.15. */
  edgeProbability: number;
  /** Probability that an image has displaced / inserted columns. Default 0.3. */
  displacedProbability: number;
  /** Fraction of the columns displaced or inserted in such an image. Default [0.05, 0.15]. */
  displacedFraction: [number, number];
  /** Displacement length range, pm. Default [20, 80]. */
  displacementPm: [number, number];
  /** Of the moved columns, the fraction inserted (the rest are displaced). Default 0.4. */
  insertedShare: number;
}

/** Defaults of {@link RandomGeometryRanges} (the recipe of graphene-si 2.x). */
export const RANDOM_GEOMETRY_DEFAULTS: Readonly<RandomGeometryRanges> = {
  siCPm: [140, 200],
  maxStrain: 0.05,
  edgeProbability: 0.15,
  displacedProbability: 0.3,
  displacedFraction: [0.05, 0.15],
  displacementPm: [20, 80],
  insertedShare: 0.4,
};

/**
 * One defect's geometry: `siC3ProjectedPm` and `siC4Pm` independently uniform in `siCPm`; the Si-C
 * bond (3-D) uniform 175-195 pm (a Si whose projected distance exceeds it lies in the plane); the
 * other fields uniform around {@link DEFAULT_DEFECT_GEOMETRY}'s values.
 */
export function drawDefectGeometry(rng: Random, ranges: Pick<RandomGeometryRanges, 'siCPm'> = RANDOM_GEOMETRY_DEFAULTS): DefectGeometry {
  const [lo, hi] = ranges.siCPm;
  return {
    ...DEFAULT_DEFECT_GEOMETRY,
    siC3ProjectedPm: rng.range(lo, hi),
    siC4Pm: rng.range(lo, hi),
    siCBondPm: rng.range(175, 195),
    siVacancyShiftPm: rng.range(10, 50),
    vacancyPullPm: rng.range(20, 60),
    divacancyPullPm: rng.range(40, 80),
    trimerInwardPm: rng.range(8, 30),
    siSiPm: rng.range(215, 235),
    holeRadiusPm: rng.range(150, 300),
  };
}

/** A homogeneous strain: displacement gradient components (dimensionless). */
export interface Strain {
  gxx: number;
  gxy: number;
  gyx: number;
  gyy: number;
}

/** A strain with every component uniform in [-maxStrain, maxStrain]. */
export function drawStrain(rng: Random, maxStrain = RANDOM_GEOMETRY_DEFAULTS.maxStrain): Strain {
  return { gxx: rng.range(-maxStrain, maxStrain), gxy: rng.range(-maxStrain, maxStrain), gyx: rng.range(-maxStrain, maxStrain), gyy: rng.range(-maxStrain, maxStrain) };
}

/** Strain every atom about `origin` (pm), in place: x += G (x - origin). */
export function applyStrain(atoms: ModelAtom[], strain: Strain, origin: { x: number; y: number }): void {
  const u = uniformField(strain, [origin.x, origin.y]);
  for (const a of atoms) {
    const [ux, uy] = u(a.x, a.y);
    a.x += ux;
    a.y += uy;
  }
}

/**
 * Cut the sheet along a random line through `placement` (pm): every unreserved site on the far side
 * is removed, so that 10-40 % of the placement rectangle is vacuum. Call before placing
 * configurations (they then avoid the vacuum).
 *
 * @returns the number of sites removed
 */
export function cutEdge(sheet: GrapheneSheet, placement: Rect, rng: Random): number {
  const theta = rng.range(0, 2 * Math.PI);
  const nx = Math.cos(theta);
  const ny = Math.sin(theta);
  const cx = (placement.x0 + placement.x1) / 2;
  const cy = (placement.y0 + placement.y1) / 2;
  // half-extent of the rectangle along the normal; the cut leaves fraction f beyond it
  const half = (Math.abs(nx) * (placement.x1 - placement.x0) + Math.abs(ny) * (placement.y1 - placement.y0)) / 2;
  const f = rng.range(0.1, 0.4);
  const offset = half * (1 - 2 * f);
  const lat = sheet.lattice;
  let removed = 0;
  for (let s = 0; s < lat.count; s++) {
    if (sheet.z[s] === 0 || sheet.reserved[s]) continue;
    const p = sheet.position(s);
    if ((p.x - cx) * nx + (p.y - cy) * ny > offset) {
      sheet.z[s] = 0;
      removed++;
    }
  }
  return removed;
}

/**
 * Displace a fraction of the columns and insert new ones (in place, appended at the end).
 *
 * @param atoms the specimen's columns, pm
 * @param fraction moved columns / columns inside `region`
 * @param region where columns are moved and inserted, pm
 * @param dopant species name of an inserted dopant column (one in ten inserted columns)
 * @returns how many columns were displaced and inserted
 */
export function displaceColumns(
  atoms: ModelAtom[], fraction: number, region: Rect, rng: Random, ranges: Pick<RandomGeometryRanges, 'displacementPm' | 'insertedShare'> = RANDOM_GEOMETRY_DEFAULTS, dopant = 'Si',
): { displaced: number; inserted: number } {
  const inside: number[] = [];
  atoms.forEach((a, i) => {
    if (a.x >= region.x0 && a.x <= region.x1 && a.y >= region.y0 && a.y <= region.y1) inside.push(i);
  });
  const n = Math.round(fraction * inside.length);
  let displaced = 0;
  let inserted = 0;
  const [d0, d1] = ranges.displacementPm;
  for (let k = 0; k < n; k++) {
    if (rng.uniform() >= ranges.insertedShare && inside.length > 0) {
      const j = inside.splice(rng.int(inside.length), 1)[0];
      const r = rng.range(d0, d1);
      const t = rng.range(0, 2 * Math.PI);
      atoms[j].x += r * Math.cos(t);
      atoms[j].y += r * Math.sin(t);
      atoms[j].site = null;
      displaced++;
    } else {
      for (let attempt = 0; attempt < 50; attempt++) {
        const x = rng.range(region.x0, region.x1);
        const y = rng.range(region.y0, region.y1);
        if (atoms.some((a) => Math.abs(a.x - x) < 60 && Math.abs(a.y - y) < 60 && Math.hypot(a.x - x, a.y - y) < 60)) continue;
        const si = rng.uniform() < 0.1;
        const z = si ? ATOMIC_NUMBER[dopant] ?? 14 : 6;
        atoms.push({ x, y, zList: [z], species: si ? dopant : 'C', element: columnElement([z]), site: null, heightPm: 0 });
        inserted++;
        break;
      }
    }
  }
  return { displaced, inserted };
}
