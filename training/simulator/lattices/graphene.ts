/**
 * Graphene: a honeycomb of carbon with C-C = 142 pm (a = 246 pm), as a mutable sheet that defect
 * builders (training/simulator/siConfigurations.ts) edit: atoms are replaced, removed, displaced in the plane
 * and lifted out of it, and extra atoms added off the lattice.
 */
import { honeycombLattice, type HoneycombLattice, type Rect } from './honeycomb.ts';
import { columnElement, type ModelAtom } from '../atomModel.ts';
import { MATERIALS } from '../../../models/materials.ts';

/** Graphene C-C bond length, pm. */
export const GRAPHENE_BOND_PM = MATERIALS.graphene.bondPm;
/** Graphene lattice constant a = sqrt(3) * 142 pm. */
export const GRAPHENE_A_PM = MATERIALS.graphene.aPm;

/** A graphene patch with per-site edits. Arrays are indexed by lattice site id. */
export class GrapheneSheet {
  /** The pristine lattice (never modified). */
  readonly lattice: HoneycombLattice;
  /** Atomic number at each site; 0 = removed (vacancy). */
  readonly z: Uint8Array;
  /** In-plane displacement from the pristine site, pm. */
  readonly dx: Float64Array;
  /** In-plane displacement from the pristine site, pm. */
  readonly dy: Float64Array;
  /** Out-of-plane offset, pm. */
  readonly height: Float64Array;
  /** 1 where a site belongs to a placed defect (dopant, removed, or first shell), so defects do not overlap. */
  readonly reserved: Uint8Array;
  /** Atoms off the lattice (Si in a divacancy), pm. */
  readonly extra: ModelAtom[] = [];

  /**
   * @param lattice a honeycomb lattice with a = {@link GRAPHENE_A_PM}
   * @param copyFrom when given, start from that sheet's edits (used by the movie simulator)
   */
  constructor(lattice: HoneycombLattice, copyFrom?: GrapheneSheet) {
    this.lattice = lattice;
    this.z = copyFrom ? copyFrom.z.slice() : new Uint8Array(lattice.count).fill(6);
    this.dx = copyFrom ? copyFrom.dx.slice() : new Float64Array(lattice.count);
    this.dy = copyFrom ? copyFrom.dy.slice() : new Float64Array(lattice.count);
    this.height = copyFrom ? copyFrom.height.slice() : new Float64Array(lattice.count);
    this.reserved = copyFrom ? copyFrom.reserved.slice() : new Uint8Array(lattice.count);
    if (copyFrom) this.extra.push(...copyFrom.extra.map((a) => ({ ...a, zList: [...a.zList] })));
  }

  /** Current projected position of site `s`, pm. */
  position(s: number): { x: number; y: number } {
    return { x: this.lattice.x[s] + this.dx[s], y: this.lattice.y[s] + this.dy[s] };
  }

  /** An independent copy (edits to it leave this sheet unchanged). */
  clone(): GrapheneSheet {
    return new GrapheneSheet(this.lattice, this);
  }

  /**
   * The atom model: every present site plus the extra atoms. Carbon is species 'C'; every other
   * element is the dopant species (`dopantSpecies`, default 'Si').
   */
  toAtoms(dopantSpecies = 'Si'): ModelAtom[] {
    const out: ModelAtom[] = [];
    for (let s = 0; s < this.lattice.count; s++) {
      const z = this.z[s];
      if (z === 0) continue;
      out.push({
        x: this.lattice.x[s] + this.dx[s],
        y: this.lattice.y[s] + this.dy[s],
        zList: [z],
        species: z === 6 ? 'C' : dopantSpecies,
        element: columnElement([z]),
        site: s,
        heightPm: this.height[s],
      });
    }
    for (const a of this.extra) out.push({ ...a, zList: [...a.zList] });
    return out;
  }
}

/**
 * A pristine graphene sheet covering `rect` (pm).
 * @param rotationDeg lattice rotation, degrees counter-clockwise on screen
 * @param origin position of one A site, pm (the lattice offset)
 */
export function grapheneSheet(rect: Rect, rotationDeg: number, origin: { x: number; y: number }): GrapheneSheet {
  return new GrapheneSheet(honeycombLattice(GRAPHENE_A_PM, rotationDeg, origin, rect));
}
