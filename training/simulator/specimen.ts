/**
 * A specimen to image: the lattice (graphene or an MX2 monolayer) with a random rotation and offset,
 * its dopant configurations / point defects, and the class names (species) its atoms are labelled with.
 */
import { AtomdynError } from '../../data/errors.ts';
import type { Random } from '../../data/random.ts';
import { atomicNumber, columnElement, type ModelAtom } from './atomModel.ts';
import { GRAPHENE_A_PM, GRAPHENE_BOND_PM, grapheneSheet, type GrapheneSheet } from './lattices/graphene.ts';
import type { Rect } from './lattices/honeycomb.ts';
import { applyStrain, cutEdge, displaceColumns, drawDefectGeometry, drawStrain, RANDOM_GEOMETRY_DEFAULTS, type RandomGeometryRanges } from './randomGeometry.ts';
import { MX2_RANDOM_GEOMETRY_DEFAULTS, randomiseMx2Columns, type Mx2RandomGeometryRanges } from './mx2RandomGeometry.ts';
import { mx2Atoms, mx2Lattice, mx2Material, NO_MX2_DEFECTS, type Mx2Defects } from './lattices/mx2.ts';
import {
  DEFAULT_DEFECT_GEOMETRY,
  placeRandomConfigurations,
  type DefectGeometry,
  type GrapheneConfiguration,
  type PlacedConfiguration,
  type PlacedResult,
} from './siConfigurations.ts';

/** Lattices the simulator builds. */
export const LATTICES = ['graphene', 'MoS2', 'WS2', 'WSe2'] as const;
/** One of {@link LATTICES}. */
export type LatticeName = (typeof LATTICES)[number];

/** What to build. */
export interface SpecimenOptions {
  lattice: LatticeName;
  /** Lattice rotation, degrees counter-clockwise on screen; random in [0, 360) when omitted. */
  rotationDeg?: number;
  /** Graphene dopant element (default 'Si'); its species name is the element symbol. */
  dopant?: string;
  /** Graphene configurations to draw from (uniformly), default ['si-c3', 'si-c4']. */
  configurations?: GrapheneConfiguration[];
  /** Exact number of graphene configurations; otherwise Poisson with mean `configurationsPerNm2` x area. */
  configurationCount?: number;
  /** Graphene configurations per nm^2 of placement area. Default 0.1. */
  configurationsPerNm2?: number;
  /** Minimum distance between graphene configurations, pm. Default 4 bonds (568 pm). */
  minSeparationPm?: number;
  /** Relaxed geometry of graphene configurations. */
  geometry?: Partial<DefectGeometry>;
  /** MX2 point-defect fractions. */
  mx2Defects?: Partial<Mx2Defects>;
  /**
   * Graphene: randomised geometry (training/simulator/randomGeometry.ts): each configuration draws its
   * own geometry (`geometry` is then ignored), the sheet is strained, sometimes cut by an edge, and
   * sometimes has columns displaced or inserted. Absent: the fixed relaxed geometry.
   */
  randomGeometry?: Partial<RandomGeometryRanges>;
  /**
   * MX2: randomised geometry (training/simulator/mx2RandomGeometry.ts): after the point defects of
   * `mx2Defects` are placed, the columns are strained, slowly distorted and sometimes displaced (only
   * the ranges of strain, distortion and displacement are read here; draw the defect fractions with
   * `drawMx2Defects`). Absent: the ideal lattice.
   */
  mx2RandomGeometry?: Partial<Mx2RandomGeometryRanges>;
}

/** A built specimen. */
export interface Specimen {
  lattice: LatticeName;
  /** Class names for label values 1..S. */
  species: string[];
  /** Species -> element. */
  elements: Record<string, string>;
  /** Every column, pm (specimen coordinates). */
  atoms: ModelAtom[];
  /** Lattice constant a, pm. */
  latticeConstantPm: number;
  /** Nearest-neighbour projected distance, pm. */
  nearestNeighbourPm: number;
  /** Lattice rotation, degrees. */
  rotationDeg: number;
  /** Graphene configurations placed (empty for MX2). */
  configurations: Array<PlacedConfiguration & PlacedResult>;
  /** The edited graphene sheet (graphene only), for movies that change configurations. */
  sheet?: GrapheneSheet;
}

/**
 * Parse a lattice name (case-insensitive).
 * @throws AtomdynError naming `source`
 */
export function parseLattice(name: string, source = 'lattice'): LatticeName {
  const hit = LATTICES.find((l) => l.toLowerCase() === name.toLowerCase());
  if (!hit) throw new AtomdynError(source, `unknown lattice '${name}' (known: ${LATTICES.join(', ')})`);
  return hit;
}

/** Species and elements of a lattice's labels. */
export function latticeSpecies(lattice: LatticeName, dopant = 'Si'): { species: string[]; elements: Record<string, string> } {
  if (lattice === 'graphene') return { species: ['C', dopant], elements: { C: 'C', [dopant]: dopant } };
  const m = mx2Material(lattice);
  return { species: ['metal', 'chalcogen'], elements: { metal: m.metal, chalcogen: columnElement([atomicNumber(m.chalcogen), atomicNumber(m.chalcogen)]) } };
}

/**
 * Build a specimen covering `rect` (pm), with configurations placed inside `placement` (pm).
 * @throws AtomdynError for an unknown lattice, dopant or configuration
 */
export function buildSpecimen(opts: SpecimenOptions, rect: Rect, placement: Rect, rng: Random): Specimen {
  const rotationDeg = opts.rotationDeg ?? rng.range(0, 360);
  const { species, elements } = latticeSpecies(opts.lattice, opts.dopant ?? 'Si');
  if (opts.lattice === 'graphene') {
    const dopant = opts.dopant ?? 'Si';
    const dopantZ = atomicNumber(dopant);
    if (dopantZ === 6) throw AtomdynError.forOption('dopant', 'the dopant must differ from carbon');
    const origin = { x: rng.range(0, GRAPHENE_A_PM), y: rng.range(0, GRAPHENE_A_PM) };
    const sheet = grapheneSheet(rect, rotationDeg, origin);
    const kinds = opts.configurations ?? ['si-c3', 'si-c4'];
    const areaNm2 = ((placement.x1 - placement.x0) * (placement.y1 - placement.y0)) / 1e6;
    const count = opts.configurationCount ?? rng.poisson((opts.configurationsPerNm2 ?? 0.1) * Math.max(0, areaNm2));
    const list: GrapheneConfiguration[] = [];
    for (let k = 0; k < count && kinds.length > 0; k++) list.push(kinds[rng.int(kinds.length)]);
    const geometry = { ...DEFAULT_DEFECT_GEOMETRY, ...(opts.geometry ?? {}) };
    const rg = opts.randomGeometry ? { ...RANDOM_GEOMETRY_DEFAULTS, ...opts.randomGeometry } : null;
    if (rg && rng.uniform() < rg.edgeProbability) cutEdge(sheet, placement, rng);
    const configurations = placeRandomConfigurations(
      sheet, rng, list, placement, opts.minSeparationPm ?? 4 * GRAPHENE_BOND_PM, geometry, dopantZ, rg ? (r) => drawDefectGeometry(r, rg) : undefined,
    );
    const atoms = sheet.toAtoms(dopant);
    if (rg) {
      applyStrain(atoms, drawStrain(rng, rg.maxStrain), { x: (placement.x0 + placement.x1) / 2, y: (placement.y0 + placement.y1) / 2 });
      if (rng.uniform() < rg.displacedProbability) displaceColumns(atoms, rng.range(rg.displacedFraction[0], rg.displacedFraction[1]), placement, rng, rg, dopant);
    }
    return {
      lattice: 'graphene',
      species,
      elements,
      atoms,
      latticeConstantPm: GRAPHENE_A_PM,
      nearestNeighbourPm: GRAPHENE_BOND_PM,
      rotationDeg,
      configurations,
      sheet,
    };
  }
  const material = mx2Material(opts.lattice);
  const origin = { x: rng.range(0, material.aPm), y: rng.range(0, material.aPm) };
  const lattice = mx2Lattice(material, rect, rotationDeg, origin);
  const atoms = mx2Atoms(material, lattice, rng, { ...NO_MX2_DEFECTS, ...(opts.mx2Defects ?? {}) });
  if (opts.mx2RandomGeometry) randomiseMx2Columns(atoms, placement, rng, { ...MX2_RANDOM_GEOMETRY_DEFAULTS, ...opts.mx2RandomGeometry });
  return {
    lattice: opts.lattice,
    species,
    elements,
    atoms,
    latticeConstantPm: material.aPm,
    nearestNeighbourPm: material.aPm / Math.sqrt(3),
    rotationDeg,
    configurations: [],
  };
}
