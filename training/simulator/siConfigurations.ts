/**
 * Si dopant configurations and vacancies in graphene, with relaxed projected geometry, as seen under
 * the 60 kV beam (Zhou et al., PRL 109, 206803 (2012); Ramasse et al., Nano Lett. 13, 4989 (2013);
 * LibraryNet complexes Si1C3, Si2C5, Si3C6 of Ziatdinov et al.).
 *
 * | kind         | structure                                                                          |
 * | ------------ | ---------------------------------------------------------------------------------- |
 * | `si-c3`      | Si on a C site, buckled out of plane; its 3 C neighbours moved radially so the      |
 * |              | projected Si-C distance is `siC3ProjectedPm` (155-165 pm); height from `siCBondPm`  |
 * | `si-vacancy` | Si-C3 with one C neighbour removed: Si shifted `siVacancyShiftPm` toward the empty  |
 * |              | site, the empty site's other two C neighbours pulled in by `vacancyPullPm`/2        |
 * | `si-c4`      | two neighbouring C removed (divacancy), Si planar at their midpoint, its 4 C        |
 * |              | neighbours moved to `siC4Pm` (about 190 pm)                                         |
 * | `si-dimer`   | two Si on second-neighbour sites sharing one C (Si2C5), each as in `si-c3`          |
 * | `si-trimer`  | three Si around a single vacancy (Si3C6), each moved `trimerInwardPm` toward it     |
 * | `vacancy`    | one C removed; two of its neighbours pulled together (5-9 reconstruction)           |
 * | `divacancy`  | two neighbouring C removed; each side's two neighbours pulled together (5-8-5)      |
 * | `si2-c4`     | two Si on neighbouring sites (Si2C4), each with its two other C at `siC3ProjectedPm`|
 * | `si2-c6`     | a zigzag chain of four C removed (a1-A-B-b1), a Si at the middle of a1-A and of     |
 * |              | B-b1, moved toward each other to `siSiPm`; each has 3 C at `siC4Pm` (Si2C6)         |
 * | `si4-c6`     | a site and its three neighbours Si (Si4C6); the outer Si's two C at `siC3ProjectedPm`|
 * | `multivacancy` | a site and two (orientation 0-2) or three (3-5) of its neighbours removed          |
 * | `hole`       | every site within `holeRadiusPm` of the anchor removed                              |
 *
 * Beyond the set first shell, the lattice relaxes with the radial displacement of a 2-D centre of
 * dilation, u(r) = u1 r1 / r, tapered to zero at `relaxCutoffPm` (continuum elasticity, an
 * approximation to DFT relaxations: neighbouring C-C bonds stay within a few pm of 142 pm).
 */
import { AtomdynError } from '../../data/errors.ts';
import type { Random } from '../../data/random.ts';
import { columnElement } from './atomModel.ts';
import { GRAPHENE_BOND_PM, type GrapheneSheet } from './lattices/graphene.ts';
import { neighboursOf, type Rect } from './lattices/honeycomb.ts';

/** Configuration kinds the graphene simulator can build. */
export const GRAPHENE_CONFIGURATIONS = [
  'si-c3', 'si-vacancy', 'si-c4', 'si-dimer', 'si-trimer', 'vacancy', 'divacancy', 'si2-c4', 'si2-c6', 'si4-c6', 'multivacancy', 'hole',
] as const;
/** One of {@link GRAPHENE_CONFIGURATIONS}. */
export type GrapheneConfiguration = (typeof GRAPHENE_CONFIGURATIONS)[number];
/** The seven kinds of the fixed-geometry training data of graphene-si 1.x (kept so its recipe stays reproducible). */
export const LEGACY_GRAPHENE_CONFIGURATIONS: readonly GrapheneConfiguration[] = ['si-c3', 'si-vacancy', 'si-c4', 'si-dimer', 'si-trimer', 'vacancy', 'divacancy'];
/**
 * Formula (dynamics/configurations/chemistry.ts: the Si and the C bonded to them) of each Si-bearing
 * kind, as the LibraryNet crops name them; kinds without Si are absent.
 */
export const CONFIGURATION_FORMULA: Readonly<Partial<Record<GrapheneConfiguration, string>>> = {
  'si-c3': 'Si1C3', 'si-vacancy': 'Si1C2', 'si-c4': 'Si1C4', 'si-dimer': 'Si2C5', 'si-trimer': 'Si3C6', 'si2-c4': 'Si2C4', 'si2-c6': 'Si2C6', 'si4-c6': 'Si4C6',
};

/** Geometry of the relaxed configurations (pm). */
export interface DefectGeometry {
  /** Projected Si-C distance in Si-C3 (and for each Si of dimers/trimers), pm. Default 160. */
  siC3ProjectedPm: number;
  /** True (3-D) Si-C bond length, pm; sets the Si height h = sqrt(bond^2 - projected^2). Default 180. */
  siCBondPm: number;
  /** Shift of the Si toward the empty site in `si-vacancy`, pm. Default 30. */
  siVacancyShiftPm: number;
  /** Projected Si-C distance in Si-C4 (planar, in a divacancy), pm. Default 190. */
  siC4Pm: number;
  /** Total approach of the two C atoms that re-bond across a vacancy (5-9), pm. Default 40 (246 -> 206 pm). */
  vacancyPullPm: number;
  /** Total approach of each C pair across a divacancy (5-8-5), pm. Default 66 (246 -> 180 pm). */
  divacancyPullPm: number;
  /** Inward shift of each Si of a trimer toward the vacancy, pm. Default 15. */
  trimerInwardPm: number;
  /** Radius beyond which the lattice is not relaxed, pm. Default 600. */
  relaxCutoffPm: number;
  /** Projected Si-Si distance in `si2-c6`, pm. Default 230. */
  siSiPm?: number;
  /** Radius of a `hole`, pm. Default 250. */
  holeRadiusPm?: number;
}

/** Default geometry (see the table in this file's header). */
export const DEFAULT_DEFECT_GEOMETRY: Readonly<DefectGeometry> = {
  siC3ProjectedPm: 160,
  siCBondPm: 180,
  siVacancyShiftPm: 30,
  siC4Pm: 190,
  vacancyPullPm: 40,
  divacancyPullPm: 66,
  trimerInwardPm: 15,
  relaxCutoffPm: 600,
};

/** A configuration placed on the sheet: its kind, its anchor site and an orientation. */
export interface PlacedConfiguration {
  kind: GrapheneConfiguration;
  /** Anchor site id (the Si site, or the vacant site for `vacancy`/`si-trimer`). */
  site: number;
  /** Orientation index: which neighbour (0..2) is involved; for `si-dimer` 0..5. */
  orientation: number;
}

/** Where a configuration's dopant atoms ended up. */
export interface PlacedResult {
  /** Positions of its dopant atoms, pm (empty for pure vacancies). */
  dopants: Array<{ x: number; y: number }>;
  /** Centre of the configuration, pm (the mean dopant position, or the vacancy centre). */
  centre: { x: number; y: number };
}

/**
 * Parse a comma-separated configuration list (e.g. `si-c3,si-c4`).
 * @throws AtomdynError naming `source` for an unknown name
 */
export function parseConfigurations(text: string, source = 'configurations'): GrapheneConfiguration[] {
  const out: GrapheneConfiguration[] = [];
  for (const raw of text.split(',')) {
    const name = raw.trim().toLowerCase();
    if (!name) continue;
    if (!(GRAPHENE_CONFIGURATIONS as readonly string[]).includes(name)) {
      throw new AtomdynError(source, `unknown configuration '${raw.trim()}' (known: ${GRAPHENE_CONFIGURATIONS.join(', ')})`);
    }
    out.push(name as GrapheneConfiguration);
  }
  if (out.length === 0) throw new AtomdynError(source, 'no configuration given');
  return out;
}

function nb(sheet: GrapheneSheet, s: number, k: number): number {
  const n = sheet.lattice.neighbours[3 * s + (((k % 3) + 3) % 3)];
  if (n < 0) throw new Error(`site ${s} has no neighbour ${k}`);
  return n;
}

/** Move site `s` so its projected distance from (cx, cy) is `target`, returning the displacement. */
function setDistance(sheet: GrapheneSheet, s: number, cx: number, cy: number, target: number): number {
  const p = sheet.position(s);
  const vx = p.x - cx;
  const vy = p.y - cy;
  const r = Math.hypot(vx, vy);
  const u = target - r;
  sheet.dx[s] += (u * vx) / r;
  sheet.dy[s] += (u * vy) / r;
  return u;
}

/**
 * Relax: put the first-shell sites at `target` from (cx, cy) and displace every other present site
 * within the cutoff radially by u1 r1 / r with a taper (1 - ((r - r1) / (Rc - r1))^2) to zero at Rc.
 */
function relaxAround(sheet: GrapheneSheet, cx: number, cy: number, shell: number[], target: number, skip: Set<number>, g: DefectGeometry): void {
  let uSum = 0;
  let rSum = 0;
  for (const s of shell) {
    const p = sheet.position(s);
    rSum += Math.hypot(p.x - cx, p.y - cy);
    uSum += setDistance(sheet, s, cx, cy, target);
  }
  if (shell.length === 0) return;
  const u1 = uSum / shell.length;
  const r1 = rSum / shell.length;
  const rc = g.relaxCutoffPm;
  if (!(rc > r1) || Math.abs(u1) < 1e-9) return;
  const lat = sheet.lattice;
  const shellSet = new Set(shell);
  for (let s = 0; s < lat.count; s++) {
    if (sheet.z[s] === 0 || shellSet.has(s) || skip.has(s)) continue;
    const vx = lat.x[s] + sheet.dx[s] - cx;
    const vy = lat.y[s] + sheet.dy[s] - cy;
    const r = Math.hypot(vx, vy);
    if (r <= r1 || r >= rc) continue;
    const t = (r - r1) / (rc - r1);
    const u = ((u1 * r1) / r) * (1 - t * t);
    sheet.dx[s] += (u * vx) / r;
    sheet.dy[s] += (u * vy) / r;
  }
}

/** Move two sites toward each other by `total` pm in all. */
function pullTogether(sheet: GrapheneSheet, s1: number, s2: number, total: number): void {
  const p1 = sheet.position(s1);
  const p2 = sheet.position(s2);
  const d = Math.hypot(p2.x - p1.x, p2.y - p1.y);
  const ux = (p2.x - p1.x) / d;
  const uy = (p2.y - p1.y) / d;
  sheet.dx[s1] += (ux * total) / 2;
  sheet.dy[s1] += (uy * total) / 2;
  sheet.dx[s2] -= (ux * total) / 2;
  sheet.dy[s2] -= (uy * total) / 2;
}

/** Sites a configuration anchored at `site` touches: the anchor and its first and second neighbours. */
function footprint(sheet: GrapheneSheet, site: number): number[] | null {
  const out = [site];
  for (let k = 0; k < 3; k++) {
    const n = sheet.lattice.neighbours[3 * site + k];
    if (n < 0) return null;
    out.push(n);
    for (let m = 0; m < 3; m++) {
      const n2 = sheet.lattice.neighbours[3 * n + m];
      if (n2 < 0) return null;
      out.push(n2);
      for (let q = 0; q < 3; q++) if (sheet.lattice.neighbours[3 * n2 + q] < 0) return null;
    }
  }
  return out;
}

/**
 * Build one configuration on the sheet (in place).
 *
 * @param dopantZ atomic number of the dopant (14 for Si)
 * @throws Error when the anchor is too close to the patch edge (callers place configurations
 *   through {@link placeRandomConfigurations}, which checks this)
 */
export function applyConfiguration(sheet: GrapheneSheet, placed: PlacedConfiguration, g: DefectGeometry = DEFAULT_DEFECT_GEOMETRY, dopantZ = 14): PlacedResult {
  const A = placed.site;
  const k = placed.orientation;
  const fp = footprint(sheet, A);
  if (!fp) throw new Error(`site ${A} is too close to the edge of the lattice patch`);
  for (const s of fp) sheet.reserved[s] = 1;
  const h = g.siCBondPm > g.siC3ProjectedPm ? Math.sqrt(g.siCBondPm ** 2 - g.siC3ProjectedPm ** 2) : 0;
  const buckledSi = (s: number): { x: number; y: number } => {
    sheet.z[s] = dopantZ;
    sheet.height[s] = h;
    const p = sheet.position(s);
    relaxAround(sheet, p.x, p.y, neighboursOf(sheet.lattice, s).filter((n) => sheet.z[n] !== 0), g.siC3ProjectedPm, new Set([s]), g);
    return sheet.position(s);
  };
  switch (placed.kind) {
    case 'si-c3': {
      const p = buckledSi(A);
      return { dopants: [p], centre: p };
    }
    case 'si-vacancy': {
      const B = nb(sheet, A, k);
      const pa = sheet.position(A);
      const pb = sheet.position(B);
      sheet.z[B] = 0;
      sheet.z[A] = dopantZ;
      sheet.height[A] = h / 2;
      const d = Math.hypot(pb.x - pa.x, pb.y - pa.y);
      sheet.dx[A] += (g.siVacancyShiftPm * (pb.x - pa.x)) / d;
      sheet.dy[A] += (g.siVacancyShiftPm * (pb.y - pa.y)) / d;
      const others = neighboursOf(sheet.lattice, B).filter((n) => n !== A);
      if (others.length === 2) pullTogether(sheet, others[0], others[1], g.vacancyPullPm / 2);
      const p = sheet.position(A);
      return { dopants: [p], centre: p };
    }
    case 'si-c4': {
      const B = nb(sheet, A, k);
      const pa = sheet.position(A);
      const pb = sheet.position(B);
      sheet.z[A] = 0;
      sheet.z[B] = 0;
      const c = { x: (pa.x + pb.x) / 2, y: (pa.y + pb.y) / 2 };
      const shell = [...neighboursOf(sheet.lattice, A), ...neighboursOf(sheet.lattice, B)].filter((n) => n !== A && n !== B);
      relaxAround(sheet, c.x, c.y, shell, g.siC4Pm, new Set(), g);
      sheet.extra.push({ x: c.x, y: c.y, zList: [dopantZ], species: columnElement([dopantZ]), element: columnElement([dopantZ]), site: null, heightPm: 0 });
      return { dopants: [c], centre: c };
    }
    case 'si-dimer': {
      const C = nb(sheet, A, k % 3);
      const others = neighboursOf(sheet.lattice, C).filter((n) => n !== A);
      const A2 = others[Math.floor(k / 3) % others.length];
      const p1 = buckledSi(A);
      const p2 = buckledSi(A2);
      return { dopants: [p1, p2], centre: { x: (p1.x + p2.x) / 2, y: (p1.y + p2.y) / 2 } };
    }
    case 'si-trimer': {
      const v = sheet.position(A);
      sheet.z[A] = 0;
      const sis = neighboursOf(sheet.lattice, A);
      for (const s of sis) {
        const p = sheet.position(s);
        const d = Math.hypot(v.x - p.x, v.y - p.y);
        sheet.dx[s] += (g.trimerInwardPm * (v.x - p.x)) / d;
        sheet.dy[s] += (g.trimerInwardPm * (v.y - p.y)) / d;
      }
      const dopants = sis.map((s) => {
        sheet.z[s] = dopantZ;
        sheet.height[s] = h;
        const p = sheet.position(s);
        const shell = neighboursOf(sheet.lattice, s).filter((n) => n !== A && sheet.z[n] !== 0 && !sis.includes(n));
        relaxAround(sheet, p.x, p.y, shell, g.siC3ProjectedPm, new Set([...sis, A]), g);
        return p;
      });
      return { dopants, centre: v };
    }
    case 'vacancy': {
      const v = sheet.position(A);
      sheet.z[A] = 0;
      const ns = neighboursOf(sheet.lattice, A).filter((_, i) => i !== k % 3);
      if (ns.length === 2) pullTogether(sheet, ns[0], ns[1], g.vacancyPullPm);
      return { dopants: [], centre: v };
    }
    case 'si2-c4': {
      const B = nb(sheet, A, k);
      for (const S of [A, B]) {
        sheet.z[S] = dopantZ;
        sheet.height[S] = h;
      }
      for (const S of [A, B]) {
        const p = sheet.position(S);
        relaxAround(sheet, p.x, p.y, neighboursOf(sheet.lattice, S).filter((n) => n !== A && n !== B && sheet.z[n] !== 0), g.siC3ProjectedPm, new Set([A, B]), g);
      }
      const p1 = sheet.position(A);
      const p2 = sheet.position(B);
      return { dopants: [p1, p2], centre: { x: (p1.x + p2.x) / 2, y: (p1.y + p2.y) / 2 } };
    }
    case 'si2-c6': {
      // zigzag chain a1 - A - B - b1; the Si sit at the middles of a1-A and B-b1
      const B = nb(sheet, A, k);
      const a1 = neighboursOf(sheet.lattice, A).filter((n) => n !== B)[0];
      const b1 = neighboursOf(sheet.lattice, B).filter((n) => n !== A)[1];
      const chain = [a1, A, B, b1];
      const pos = chain.map((s) => sheet.position(s));
      for (const s of chain) sheet.z[s] = 0;
      let c1 = { x: (pos[0].x + pos[1].x) / 2, y: (pos[0].y + pos[1].y) / 2 };
      let c2 = { x: (pos[2].x + pos[3].x) / 2, y: (pos[2].y + pos[3].y) / 2 };
      const d = Math.hypot(c2.x - c1.x, c2.y - c1.y);
      const shift = (d - (g.siSiPm ?? 230)) / 2;
      const ux = (c2.x - c1.x) / d;
      const uy = (c2.y - c1.y) / d;
      c1 = { x: c1.x + ux * shift, y: c1.y + uy * shift };
      c2 = { x: c2.x - ux * shift, y: c2.y - uy * shift };
      const removed = new Set(chain);
      const shellOf = (pair: number[]) => pair.flatMap((s) => neighboursOf(sheet.lattice, s)).filter((n) => !removed.has(n));
      const shell1 = shellOf([a1, A]);
      const shell2 = shellOf([B, b1]);
      relaxAround(sheet, c1.x, c1.y, shell1, g.siC4Pm, new Set(shell2), g);
      relaxAround(sheet, c2.x, c2.y, shell2, g.siC4Pm, new Set(shell1), g);
      for (const c of [c1, c2]) sheet.extra.push({ x: c.x, y: c.y, zList: [dopantZ], species: columnElement([dopantZ]), element: columnElement([dopantZ]), site: null, heightPm: 0 });
      return { dopants: [c1, c2], centre: { x: (c1.x + c2.x) / 2, y: (c1.y + c2.y) / 2 } };
    }
    case 'si4-c6': {
      const outer = neighboursOf(sheet.lattice, A);
      sheet.z[A] = dopantZ;
      for (const s of outer) sheet.z[s] = dopantZ;
      const centre = sheet.position(A);
      const dopants = [centre];
      for (const s of outer) {
        sheet.height[s] = h / 2;
        const p = sheet.position(s);
        const shell = neighboursOf(sheet.lattice, s).filter((n) => n !== A);
        relaxAround(sheet, p.x, p.y, shell, g.siC3ProjectedPm, new Set([A, ...outer]), g);
        dopants.push(sheet.position(s));
      }
      return { dopants, centre };
    }
    case 'multivacancy': {
      const v = sheet.position(A);
      sheet.z[A] = 0;
      const ns = neighboursOf(sheet.lattice, A);
      ns.forEach((n, i) => {
        if (k >= 3 || i !== k % 3) sheet.z[n] = 0;
      });
      return { dopants: [], centre: v };
    }
    case 'hole': {
      const v = sheet.position(A);
      const r = g.holeRadiusPm ?? 250;
      const lat = sheet.lattice;
      for (let s = 0; s < lat.count; s++) {
        const p = sheet.position(s);
        if (Math.hypot(p.x - v.x, p.y - v.y) <= r && (fp.includes(s) || !sheet.reserved[s])) {
          sheet.z[s] = 0;
          sheet.reserved[s] = 1;
        }
      }
      return { dopants: [], centre: v };
    }
    case 'divacancy': {
      const B = nb(sheet, A, k);
      const pa = sheet.position(A);
      const pb = sheet.position(B);
      sheet.z[A] = 0;
      sheet.z[B] = 0;
      for (const S of [A, B]) {
        const ns = neighboursOf(sheet.lattice, S).filter((n) => n !== A && n !== B);
        if (ns.length === 2) pullTogether(sheet, ns[0], ns[1], g.divacancyPullPm);
      }
      return { dopants: [], centre: { x: (pa.x + pb.x) / 2, y: (pa.y + pb.y) / 2 } };
    }
  }
}

/**
 * Place configurations at random sites inside `region` (pm), at least `minSeparationPm` apart and
 * never overlapping; each gets a random orientation. Configurations that find no room after many
 * tries are skipped (the returned list is shorter).
 *
 * @param kinds the configuration to build, one entry per instance, in order
 * @param drawGeometry when given, each configuration gets its own geometry drawn from `rng` by it
 *   (randomised geometry, training/simulator/randomGeometry.ts) instead of `g`
 */
export function placeRandomConfigurations(
  sheet: GrapheneSheet,
  rng: Random,
  kinds: GrapheneConfiguration[],
  region: Rect,
  minSeparationPm = 4 * GRAPHENE_BOND_PM,
  g: DefectGeometry = DEFAULT_DEFECT_GEOMETRY,
  dopantZ = 14,
  drawGeometry?: (rng: Random) => DefectGeometry,
): Array<PlacedConfiguration & PlacedResult> {
  const lat = sheet.lattice;
  const candidates: number[] = [];
  for (let s = 0; s < lat.count; s++) {
    if (lat.x[s] >= region.x0 && lat.x[s] <= region.x1 && lat.y[s] >= region.y0 && lat.y[s] <= region.y1) candidates.push(s);
  }
  const placed: Array<PlacedConfiguration & PlacedResult> = [];
  if (candidates.length === 0) return placed;
  for (const kind of kinds) {
    for (let attempt = 0; attempt < 200; attempt++) {
      const site = candidates[rng.int(candidates.length)];
      const fp = footprint(sheet, site);
      if (!fp || fp.some((s) => sheet.reserved[s] || sheet.z[s] !== 6)) continue;
      const x = lat.x[site];
      const y = lat.y[site];
      if (placed.some((p) => Math.hypot(p.centre.x - x, p.centre.y - y) < minSeparationPm)) continue;
      const orientation = rng.int(kind === 'si-dimer' || kind === 'multivacancy' ? 6 : 3);
      const result = applyConfiguration(sheet, { kind, site, orientation }, drawGeometry ? drawGeometry(rng) : g, dopantZ);
      placed.push({ kind, site, orientation, ...result });
      break;
    }
  }
  return placed;
}
