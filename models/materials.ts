/**
 * The one materials table of atomdyn: atomic numbers, lattice constants, bond lengths, sublattices and
 * point groups of the materials it knows. Every stage reads its material facts from here (the simulator,
 * the pixel-size check, locate's column weights, the classifier's host bond and point group, analyze).
 *
 * Sources: graphene a = 246 pm, C-C 142 pm (Castro Neto et al., Rev. Mod. Phys. 81, 109 (2009));
 * 2H MX2 in-plane lattice constants MoS2 316.0, WS2 315.3, MoSe2 329, WSe2 328.2 pm (Wilson & Yoffe,
 * Adv. Phys. 18, 193 (1969); Schutte et al., J. Solid State Chem. 70, 207 (1987)); the projected M-X
 * distance of a 1H monolayer is a / sqrt(3).
 */

/** Atomic numbers of the elements atomdyn knows (symbol -> Z). */
export const ATOMIC_NUMBER: Readonly<Record<string, number>> = Object.freeze({
  C: 6, N: 7, O: 8, Si: 14, P: 15, S: 16, Ti: 22, V: 23, Cr: 24, Mn: 25, Fe: 26, Se: 34, Sr: 38,
  Nb: 41, Mo: 42, Ru: 44, Te: 52, W: 74, Re: 75, Pb: 82,
});

/**
 * Atomic number of an element symbol, or null when the symbol is unknown.
 * @param element e.g. 'Si'; case-sensitive
 */
export function atomicNumberOf(element: string): number | null {
  return Object.prototype.hasOwnProperty.call(ATOMIC_NUMBER, element) ? ATOMIC_NUMBER[element] : null;
}

/**
 * Total atomic number of a column label: an element symbol with an optional count ('Se2' -> 68,
 * 'W' -> 74); 0 when the symbol is unknown.
 */
export function columnAtomicNumber(label: string): number {
  const m = /^([A-Z][a-z]?)(\d*)$/.exec(label);
  if (!m) return 0;
  return (atomicNumberOf(m[1]) ?? 0) * Number(m[2] || 1);
}

/** One material: a 2-D lattice with its constants. */
export interface Material {
  /** Name as users write it ('graphene', 'WSe2'). */
  name: string;
  /** The lattice family the models are trained for ('graphene' or 'mx2'). */
  family: 'graphene' | 'mx2';
  /** In-plane lattice constant a, pm. */
  aPm: number;
  /** Nearest-neighbour distance in projection (host-host bond for graphene, M-X for MX2), pm. */
  bondPm: number;
  /** Projected 2-D point group of the lattice about an atom site (Hermann-Mauguin, e.g. '6mm'). */
  pointGroup: string;
  /** Elements of each sublattice: graphene { host: 'C' }, MX2 { metal: 'W', chalcogen: 'Se' }. */
  sublattices: Readonly<Record<string, string>>;
  /** Usual substitutional dopants per sublattice, most common first. */
  dopants: Readonly<Record<string, readonly string[]>>;
}

const SQRT3 = Math.sqrt(3);

function material(m: Material): Readonly<Material> {
  return Object.freeze({ ...m, sublattices: Object.freeze({ ...m.sublattices }), dopants: Object.freeze({ ...m.dopants }) });
}

/** The materials atomdyn knows, by name. */
export const MATERIALS: Readonly<Record<string, Readonly<Material>>> = Object.freeze({
  graphene: material({ name: 'graphene', family: 'graphene', aPm: 142 * SQRT3, bondPm: 142, pointGroup: '6mm', sublattices: { host: 'C' }, dopants: { host: ['Si', 'N', 'P'] } }),
  MoS2: material({ name: 'MoS2', family: 'mx2', aPm: 316.0, bondPm: 316.0 / SQRT3, pointGroup: '3m', sublattices: { metal: 'Mo', chalcogen: 'S' }, dopants: { metal: ['V', 'W', 'Re', 'Nb'], chalcogen: ['Se', 'O'] } }),
  WS2: material({ name: 'WS2', family: 'mx2', aPm: 315.3, bondPm: 315.3 / SQRT3, pointGroup: '3m', sublattices: { metal: 'W', chalcogen: 'S' }, dopants: { metal: ['Mo', 'V', 'Re'], chalcogen: ['Se', 'O'] } }),
  MoSe2: material({ name: 'MoSe2', family: 'mx2', aPm: 329.0, bondPm: 329.0 / SQRT3, pointGroup: '3m', sublattices: { metal: 'Mo', chalcogen: 'Se' }, dopants: { metal: ['W', 'V'], chalcogen: ['S'] } }),
  WSe2: material({ name: 'WSe2', family: 'mx2', aPm: 328.2, bondPm: 328.2 / SQRT3, pointGroup: '3m', sublattices: { metal: 'W', chalcogen: 'Se' }, dopants: { metal: ['Mo', 'V'], chalcogen: ['S'] } }),
});

/** Lattice constant a by material name, pm (a view of {@link MATERIALS}). */
export const LATTICE_CONSTANT_PM: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(Object.values(MATERIALS).map((m) => [m.name, m.aPm])),
);

/** The lattice constant a model family is trained for when no material is named, pm (mx2: a MoS2/WS2/WSe2 mean). */
export const FAMILY_LATTICE_CONSTANT_PM: Readonly<Record<Material['family'], number>> = Object.freeze({ graphene: 142 * SQRT3, mx2: 320 });

/**
 * Host-host bond length in projection by element, pm, for lattices whose scale is derived from their
 * bonds (graphene's C-C). Null for an element without a known host bond.
 */
export function hostBondPm(element: string): number | null {
  for (const m of Object.values(MATERIALS)) if (m.family === 'graphene' && m.sublattices.host === element) return m.bondPm;
  return null;
}

/**
 * The material or family a lattice name means ('graphene', 'hBN', 'WSe2', 'mx2', 'mos2' ...), or null.
 * Case-insensitive; a family name ('mx2') returns the family's first material only through
 * {@link pointGroupForLattice}, which needs the family alone.
 */
export function materialByName(name: string | null | undefined): Readonly<Material> | null {
  if (!name) return null;
  const l = name.toLowerCase();
  for (const m of Object.values(MATERIALS)) if (m.name.toLowerCase() === l) return m;
  return null;
}

/**
 * The projected point group a lattice name implies (graphene, hBN, graphite: 6mm; MX2 materials or
 * 'mx2': 3m; square and perovskite lattices: 4mm), or null when the name says nothing.
 */
export function pointGroupForLattice(lattice: string | null | undefined): string | null {
  if (!lattice) return null;
  const known = materialByName(lattice);
  if (known) return known.pointGroup;
  const l = lattice.toLowerCase();
  if (l.includes('graphene') || l.includes('hbn') || l.includes('graphite')) return '6mm';
  if (/^(mo|w|nb|ta|v|re)(s|se|te)2/.test(l) || l.includes('mx2')) return '3m';
  if (l.includes('square') || l.includes('perovskite')) return '4mm';
  return null;
}

/**
 * The material named by a species -> element map, e.g. { metal: 'W', chalcogen: 'Se2' } -> 'WSe2';
 * null when the elements do not name a known material.
 */
export function materialFromElements(elements: Record<string, string>): string | null {
  const els = Object.values(elements).map((e) => e.replace(/\d+$/, ''));
  const metal = els.find((e) => e === 'Mo' || e === 'W');
  const chalc = els.find((e) => e === 'S' || e === 'Se');
  if (metal && chalc) return `${metal}${chalc}2`;
  if (els.includes('C')) return 'graphene';
  return null;
}

/**
 * Parse `--species metal=W,chalcogen=Se2` into a map.
 * @throws Error with the offending part when an entry is not NAME=ELEMENT
 */
export function parseSpeciesElements(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z_][\w-]*)=([A-Z][a-z]?\d*)$/.exec(part);
    if (!m) throw new Error(`'${part}' is not NAME=ELEMENT (e.g. metal=W)`);
    out[m[1]] = m[2];
  }
  return out;
}
