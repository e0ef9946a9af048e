/**
 * Hexagonal (2H) transition-metal dichalcogenide monolayers MX2 seen along c: a projected honeycomb
 * with metal columns (one atom) on sublattice A and chalcogen columns (two atoms stacked above and
 * below the metal plane) on sublattice B, a / sqrt(3) from the metal columns.
 *
 * Lattice constants (bulk 2H values, which monolayers keep to < 0.5 %): MoS2 316.0 pm, WS2 315.3 pm,
 * WSe2 328.2 pm (Wilson & Yoffe, Adv. Phys. 18, 193 (1969); Schutte et al., J. Solid State Chem. 70,
 * 207 (1987)). Point defects: single and double chalcogen vacancies (column of 1 atom / no column),
 * metal vacancies, substitutional metal dopants and chalcogen substitutions. Positions are not relaxed
 * around defects (the displacements are a few pm, far below the probe size).
 */
import { AtomdynError } from '../../../data/errors.ts';
import type { Random } from '../../../data/random.ts';
import { atomicNumber, columnElement, type ModelAtom } from '../atomModel.ts';
import { honeycombLattice, type HoneycombLattice, type Rect } from './honeycomb.ts';
import { MATERIALS } from '../../../models/materials.ts';

/** A material's constants. */
export interface Mx2Material {
  name: 'MoS2' | 'WS2' | 'WSe2';
  /** Lattice constant a, pm. */
  aPm: number;
  /** Metal element. */
  metal: string;
  /** Chalcogen element. */
  chalcogen: string;
  /** Usual substitutional metal dopants (first is the default). */
  metalDopants: string[];
  /** Usual chalcogen substitutions (first is the default). */
  chalcogenDopants: string[];
}

/** The materials the simulator knows. */
export const MX2_MATERIALS: Readonly<Record<Mx2Material['name'], Mx2Material>> = Object.freeze(
  Object.fromEntries((['MoS2', 'WS2', 'WSe2'] as const).map((name) => {
    const m = MATERIALS[name];
    return [name, { name, aPm: m.aPm, metal: m.sublattices.metal, chalcogen: m.sublattices.chalcogen, metalDopants: [...m.dopants.metal], chalcogenDopants: [...m.dopants.chalcogen] }];
  })) as Record<Mx2Material['name'], Mx2Material>,
);

/** Point-defect abundances: fraction of metal or chalcogen sites carrying each defect. */
export interface Mx2Defects {
  /** Chalcogen columns missing one of their two atoms. */
  chalcogenVacancy: number;
  /** Chalcogen columns missing both atoms. */
  chalcogenDivacancy: number;
  /** Metal sites empty. */
  metalVacancy: number;
  /** Metal sites holding the dopant `metalDopant`. */
  metalDopant: number;
  /** Chalcogen columns with one atom replaced by `chalcogenDopant`. */
  chalcogenDopant: number;
  /** Element of metal dopants (default: the material's first). */
  metalDopantElement?: string;
  /** Element of chalcogen substitutions (default: the material's first). */
  chalcogenDopantElement?: string;
}

/** No defects. */
export const NO_MX2_DEFECTS: Readonly<Mx2Defects> = { chalcogenVacancy: 0, chalcogenDivacancy: 0, metalVacancy: 0, metalDopant: 0, chalcogenDopant: 0 };

/**
 * Look up a material by name (case-insensitive).
 * @throws AtomdynError naming `source` for an unknown material
 */
export function mx2Material(name: string, source = 'lattice'): Mx2Material {
  const key = Object.keys(MX2_MATERIALS).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!key) throw new AtomdynError(source, `unknown MX2 material '${name}' (known: ${Object.keys(MX2_MATERIALS).join(', ')})`);
  return MX2_MATERIALS[key as Mx2Material['name']];
}

/** The projected lattice of a material covering `rect` (pm). Sublattice 0 = metal, 1 = chalcogen. */
export function mx2Lattice(material: Mx2Material, rect: Rect, rotationDeg: number, origin: { x: number; y: number }): HoneycombLattice {
  return honeycombLattice(material.aPm, rotationDeg, origin, rect);
}

/**
 * The atom model of an MX2 monolayer with random point defects.
 * Species: 'metal' for metal sites (dopants included), 'chalcogen' for chalcogen columns.
 *
 * @param rng draws which sites carry defects
 * @throws AtomdynError('dopant') for an unknown dopant element
 */
export function mx2Atoms(material: Mx2Material, lattice: HoneycombLattice, rng: Random, defects: Mx2Defects = NO_MX2_DEFECTS): ModelAtom[] {
  const zm = atomicNumber(material.metal);
  const zx = atomicNumber(material.chalcogen);
  const zmd = atomicNumber(defects.metalDopantElement ?? material.metalDopants[0]);
  const zxd = atomicNumber(defects.chalcogenDopantElement ?? material.chalcogenDopants[0]);
  const out: ModelAtom[] = [];
  for (let s = 0; s < lattice.count; s++) {
    const u = rng.uniform();
    let zList: number[];
    if (lattice.sublattice[s] === 0) {
      if (u < defects.metalVacancy) continue;
      zList = u < defects.metalVacancy + defects.metalDopant ? [zmd] : [zm];
      out.push({ x: lattice.x[s], y: lattice.y[s], zList, species: 'metal', element: columnElement(zList), site: s, heightPm: 0 });
    } else {
      let t = defects.chalcogenDivacancy;
      if (u < t) continue;
      if (u < (t += defects.chalcogenVacancy)) zList = [zx];
      else if (u < t + defects.chalcogenDopant) zList = [zx, zxd];
      else zList = [zx, zx];
      out.push({ x: lattice.x[s], y: lattice.y[s], zList, species: 'chalcogen', element: columnElement(zList), site: s, heightPm: 0 });
    }
  }
  return out;
}
