/**
 * The atom model the simulator images: a list of projected atomic columns in specimen coordinates.
 *
 * Specimen coordinates are picometres with the origin at the centre of pixel (0, 0) of the
 * (undistorted, undrifted) first frame, x to the right (columns) and y down (rows), so an atom at
 * (X, Y) pm appears at pixel (X / p, Y / p) for pixel size p (docs/schema.md conventions).
 */
import { AtomdynError } from '../../data/errors.ts';
import { ATOMIC_NUMBER } from '../../models/materials.ts';

/** One projected atomic column (a single atom in graphene; a metal or a two-atom chalcogen column in MX2). */
export interface ModelAtom {
  /** Projected position, pm (specimen coordinates). */
  x: number;
  /** Projected position, pm. */
  y: number;
  /** Atomic numbers of every atom in the column (e.g. [34, 34] for an Se2 column). Never empty. */
  zList: number[];
  /** Model class name ('C', 'Si', 'metal', 'chalcogen'). */
  species: string;
  /** Chemistry of the column ('C', 'Si', 'W', 'Se2', 'SSe', 'Se'). */
  element: string;
  /** Lattice site id (index into the generating lattice), or null for an atom off the lattice. */
  site: number | null;
  /** Out-of-plane offset of the column's heaviest atom, pm (Si-C3 buckling); 0 for planar atoms. */
  heightPm: number;
}

/** Atomic numbers of the elements the simulator knows (the materials table's). */
export { ATOMIC_NUMBER };

/**
 * Atomic number of an element symbol.
 * @throws AtomdynError('dopant', ...) for an unknown symbol
 */
export function atomicNumber(element: string, source = 'dopant'): number {
  const z = ATOMIC_NUMBER[element];
  if (z === undefined) {
    throw new AtomdynError(source, `unknown element '${element}' (known: ${Object.keys(ATOMIC_NUMBER).join(', ')})`);
  }
  return z;
}

/** Heaviest atomic number in a column. */
export function heaviestZ(atom: ModelAtom): number {
  let z = 0;
  for (const v of atom.zList) if (v > z) z = v;
  return z;
}

/**
 * The chemistry string of a column from its atomic numbers: one symbol per distinct element in
 * order of decreasing Z, each followed by its count when > 1 ('Se2', 'SeS', 'W').
 */
export function columnElement(zList: readonly number[]): string {
  const bySymbol = new Map<number, string>();
  for (const [sym, z] of Object.entries(ATOMIC_NUMBER)) bySymbol.set(z, sym);
  const counts = new Map<number, number>();
  for (const z of zList) counts.set(z, (counts.get(z) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([z, c]) => `${bySymbol.get(z) ?? `Z${z}`}${c > 1 ? c : ''}`)
    .join('');
}

/**
 * Incoherent (HAADF/MADF) scattering weight of a column relative to one carbon atom:
 * sum over its atoms of (Z / 6)^n (the "Z-contrast" power law; Krivanek et al., Nature 464, 571 (2010)
 * measured n of about 1.64 for a medium-angle detector at 60 kV).
 *
 * @param n exponent, about 1.6-2 for HAADF, lower for MADF
 */
export function columnWeight(zList: readonly number[], n: number): number {
  let w = 0;
  for (const z of zList) w += Math.pow(z / 6, n);
  return w;
}
