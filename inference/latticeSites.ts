/**
 * Lattice sites of an MX2 monolayer (docs/schema.md, `sites.csv`): the ideal 2H-MX2 lattice fitted to
 * one frame's located atoms, every metal and chalcogen site inside the frame, and what each column
 * holds, read from its Z-contrast.
 *
 * 1. Lattice vectors from the atoms' neighbour vectors (analytics/cells/latticeBasis.ts: a honeycomb
 *    gives its lattice vectors, not its bonds).
 * 2. The two honeycomb sublattices are the two most populated of the nine offsets (k/3, l/3) of the
 *    atoms' fractional coordinates; the one most of whose atoms the model called `metal` is the metal.
 * 3. Every atom is assigned to its nearest site; a smooth displacement field (polynomial of degree 2
 *    in the lattice coordinates, degree 1 under 40 atoms) is fitted to them by least squares, atoms
 *    farther than 3 robust standard deviations dropped, assigned again and refitted (scan distortion,
 *    slow strain and drift within the frame; the sites are not relaxed around single defects, whose
 *    displacements are a few pm). Scan glitches (torn lines) shift whole bands of rows, which no smooth
 *    field follows: per horizontal strip of 1.5 lattice constants the third-cell shift that puts most of
 *    its atoms on sites of their own sublattice is applied (the unshifted lattice unless another places
 *    20 % more), plus the strip's median remaining offset.
 * 4. Column amplitudes (inference/columnAmplitudes.ts): one linear least-squares fit of the whole frame
 *    with a Gaussian at every site (those up to 3.5 probe widths outside the frame included, so the
 *    tails that reach into it are modelled) over a smooth background (bilinear between nodes
 *    {@link BACKGROUND_SPACING_CELLS} lattice constants apart). The probe width is the one of least
 *    residual of that fit on a central window, searched within {@link PROBE_WIDTH_RANGE} of the median
 *    width of single-column fits (inference/gaussianRefine.ts). Each column is measured at its fitted
 *    site or at the located atom on it (the one of the two whose mixture, step 5, leaves less noise).
 *    The earlier reading (a constant and Gaussians fitted in a half-bond aperture around each site, the
 *    median single-column width) scattered 2-4 times more: the aperture cannot tell a wide Gaussian from
 *    the constant, and the single-column widths came out 20 % narrow on MoS2 at 17.6 pm/px, which put the
 *    one-of-two-S level at 0.35 instead of 0.5.
 * 5. Occupancy (inference/siteOccupancy.ts): per frame and sublattice, a Gaussian mixture of the
 *    amplitudes whose means are the Z-contrast levels of the possible contents times one host amplitude
 *    (Σ Z^1.7 over the content's atoms over the host column's: HAADF Z-contrast, e.g. Krivanek et al.,
 *    Nature 464, 571 (2010)), fitted by EM with one noise variance and the frame's abundances (Dirichlet
 *    prior: 100 pseudo-sites spread as {@link DEFECT_PRIOR} or `priors`); each site gets the content of
 *    highest posterior probability, i.e. a likelihood-ratio test against the host whose threshold is
 *    the fitted prior odds. A defect level nearer the host than 3 noise standard deviations is not
 *    offered in that frame (`notRead`). `ratio` is the amplitude over the fitted host amplitude. Not read (occupancy
 *    null): columns within half a bond of the frame edge, and sites where fewer than
 *    {@link MIN_ON_SITE_FRACTION} of the located atoms within a lattice constant sit on a site of their
 *    own sublattice (the smooth lattice is not where the atoms are: a torn band, another grain); these
 *    stay out of the mixture too.
 * 6. Torn scan rows (inference/tornRows.ts): rows shifted in x against the amplitude fit's model by at
 *    least {@link TORN_MIN_SHIFT_SIGMA} probe widths (and 4 standard errors). A column crossed by them is
 *    partly drawn elsewhere and reads low (a torn W column of WSe2 reads like a Mo dopant, a torn Se2
 *    column like a single vacancy), so the amplitudes are fitted again with the torn rows left out
 *    (weight 0), and a column with more than {@link TORN_MAX_FRACTION} of its image on torn rows is not
 *    read. On the bench's WSe2-movie tuning frames (80 frames, 90_000.., `truth` locator) this took the
 *    Mo_W precision from 0.971 to 0.996 and vac_Se's from 0.965 to 0.996, at recalls >= 0.987 (sites
 *    left unread count as missed). The real WSe2 movie and MoS2_Vdoped files have no torn rows by this
 *    test but one row of MoS2_stem_Exp-002-5 (their line jitter raises the shifts' overdispersion).
 */
import { AtomdynError } from '../data/errors.ts';
import { estimateLatticeBasis } from '../analytics/cells/latticeBasis.ts';
import { SpatialGrid } from '../numerics/spatialGrid.ts';
import { atomicNumberOf, materialByName, type Material } from '../models/materials.ts';
import { invert, refineAtom } from './gaussianRefine.ts';
import { fitColumnAmplitudes, fitProbeWidth } from './columnAmplitudes.ts';
import { tornFraction, tornRows } from './tornRows.ts';
import { DEFAULT_DEFECT_PRIOR, fitReadableMixture, mostProbableLevel, type OccupancyMixture } from './siteOccupancy.ts';

/** Exponent of the Z-contrast law: column intensity ∝ Σ Z^1.7. */
export const Z_CONTRAST_EXPONENT = 1.7;
/** A substitutional dopant is named only when its atomic number differs from the host's by at least this. */
export const MIN_DOPANT_DELTA_Z = 10;
/** A dopant level closer than this (in host-amplitude ratio) to a level already offered is not offered. */
export const MIN_LEVEL_SEPARATION = 0.2;

/** The probe width is searched within these factors of the single-column fits' median width. */
export const PROBE_WIDTH_RANGE: readonly [number, number] = [0.7, 1.6];
/** Spacing of the background's bilinear nodes in the amplitude fit, lattice constants. */
export const BACKGROUND_SPACING_CELLS = 2;
/** Side of the central window on which the probe width is searched, lattice constants (at least 96 px, at most the frame). */
export const PROBE_WIDTH_WINDOW_CELLS = 6;

/** A site is read only where at least this fraction of the located atoms within a lattice constant of it sit on sites of their own sublattice. */
export const MIN_ON_SITE_FRACTION = 0.5;
/** A row shifted in x against the fitted model by at least this many probe widths (and 4 standard errors) is torn (inference/tornRows.ts). */
export const TORN_MIN_SHIFT_SIGMA = 0.5;
/** A site is not read when more than this fraction of its column's image lies on torn rows. */
export const TORN_MAX_FRACTION = 0.5;

/** A column is measured at a located atom within this many bond lengths of its site (when measured at the atoms). */
export const AT_ATOM_RADIUS_BONDS = 0.35;

/** A located atom as the site fit reads it. */
export interface SiteAtom {
  /** Column, px. */
  x: number;
  /** Row, px. */
  y: number;
  /** Model class: `metal` or `chalcogen` (other names count as neither in the sublattice vote). */
  species: string;
}

/** One possible content of a site and its Z-contrast level. */
export interface SiteLevel {
  /** Defect name (docs/schema.md notation: `vac_Se`, `V_Mo`), or null for the host column. */
  defect: string | null;
  /** Atoms in the column. */
  occupancy: number;
  /** Expected amplitude over the host column's: Σ Z^1.7 of the content / Σ Z^1.7 of the host column. */
  level: number;
}

/** Options of {@link fitLatticeSites}. */
export interface LatticeSiteOptions {
  /** The material (models/materials.ts, family `mx2`): host elements, lattice constant, usual dopants. */
  material: Readonly<Material>;
  /** Pixel size, pm per px (used to check the fitted lattice constant and for the bond length). */
  pixelSizePm: number;
  /** Probe Gaussian standard deviation, px; default the width of least residual of the amplitude fit (module comment). */
  probeSigmaPx?: number;
  /** Degree of the displacement polynomial; default 2 (1 under 40 matched atoms). */
  degree?: number;
  /** Prior probability per defect name where it is not {@link DEFECT_PRIOR} (locate `--defect-prior`). */
  priors?: Readonly<Record<string, number>>;
  /** true: measure each column at the located atom on its site (within {@link AT_ATOM_RADIUS_BONDS} bond lengths); false: at the fitted site; default (undefined): both, keeping the one whose mixture leaves less noise. */
  measureAtAtoms?: boolean;
  /** Substitutional dopants to offer per sublattice (element symbols); default the material's. */
  dopants?: { metal?: readonly string[]; chalcogen?: readonly string[] };
}

/** One lattice site. */
export interface LatticeSite {
  /** Id within the frame, 0-based (lattice row by row). */
  site: number;
  sublattice: 'metal' | 'chalcogen';
  /** Lattice coordinates of the cell (the chalcogen sites are offset by a third of a cell diagonal). */
  i: number;
  j: number;
  /** Fitted site position, px. */
  x: number;
  y: number;
  /** Fitted column amplitude above the background, frame units. */
  amplitude: number;
  /** Amplitude / the frame's median amplitude on this sublattice. */
  ratio: number;
  /** Atoms in the column; null when not read (a column within half a bond of the frame edge, or where the located atoms are off the lattice). */
  occupancy: number | null;
  /** Defect name, or null for the host column (or a column not read). */
  defect: string | null;
}

/** Result of {@link fitLatticeSites}. */
export interface LatticeSitesResult {
  sites: LatticeSite[];
  /** Lattice vectors of the affine part of the fit, px. */
  basisPx: { a: [number, number]; b: [number, number] };
  /** Located atoms assigned to a site (within 0.35 bond lengths after the fit). */
  matched: number;
  /** Root-mean-square distance of the matched atoms to their fitted sites, px. */
  rmsResidualPx: number;
  /** Probe standard deviation used, px. */
  probeSigmaPx: number;
  /** Median amplitude of each sublattice (the host amplitude). */
  hostAmplitude: { metal: number; chalcogen: number };
  /** The levels offered per sublattice. */
  levels: { metal: SiteLevel[]; chalcogen: SiteLevel[] };
  /** The Z-contrast mixture fitted per sublattice (inference/siteOccupancy.ts); null when too few columns were read. */
  mixtures: { metal: OccupancyMixture | null; chalcogen: OccupancyMixture | null };
  /** Where the columns were measured: at the fitted sites or at the located atoms on them. */
  measuredAt: 'sites' | 'atoms';
  /** Defect levels not read in this frame: closer to the host than its noise allows (siteOccupancy.ts fitReadableMixture). */
  notRead: { metal: string[]; chalcogen: string[] };
  /** Torn scan rows of the frame (0-based; inference/tornRows.ts): their sites are not read. */
  tornRows: number[];
}

const zc = (z: number) => z ** Z_CONTRAST_EXPONENT;

function zOf(element: string, what: string): number {
  const z = atomicNumberOf(element);
  if (z === null) throw new AtomdynError(what, `unknown element '${element}' (no atomic number in models/materials.ts)`);
  return z;
}

/**
 * The contents a site of each sublattice can hold and their Z-contrast levels (see the module
 * comment): host, vacancies, and the substitutional dopants whose atomic number differs from the
 * host's by at least {@link MIN_DOPANT_DELTA_Z} and whose level lies at least
 * {@link MIN_LEVEL_SEPARATION} from every level already offered (in the material's order, most common
 * first). Names follow docs/schema.md: `vac_Mo`, `vac_S`, `vac_S2`, `V_Mo`, `Se_S`.
 * @throws AtomdynError('material') when an element has no atomic number
 */
export function siteLevels(material: Readonly<Material>, dopants: LatticeSiteOptions['dopants'] = {}): { metal: SiteLevel[]; chalcogen: SiteLevel[] } {
  const M = material.sublattices.metal, X = material.sublattices.chalcogen;
  if (!M || !X) throw new AtomdynError('material', `${material.name} is not an MX2 material (no metal and chalcogen sublattices)`);
  const zm = zOf(M, 'material'), zx = zOf(X, 'material');
  const metal: SiteLevel[] = [{ defect: null, occupancy: 1, level: 1 }, { defect: `vac_${M}`, occupancy: 0, level: 0 }];
  const chalcogen: SiteLevel[] = [
    { defect: null, occupancy: 2, level: 1 },
    { defect: `vac_${X}`, occupancy: 1, level: 0.5 },
    { defect: `vac_${X}2`, occupancy: 0, level: 0 },
  ];
  const offer = (list: SiteLevel[], el: string, zHost: number, level: number, occupancy: number, site: string) => {
    const z = zOf(el, 'dopants');
    if (Math.abs(z - zHost) < MIN_DOPANT_DELTA_Z) return;
    if (list.some((l) => Math.abs(l.level - level) < MIN_LEVEL_SEPARATION)) return;
    list.push({ defect: `${el}_${site}`, occupancy, level });
  };
  for (const d of dopants.metal ?? material.dopants.metal ?? []) offer(metal, d, zm, zc(zOf(d, 'dopants')) / zc(zm), 1, M);
  for (const d of dopants.chalcogen ?? material.dopants.chalcogen ?? []) offer(chalcogen, d, zx, (zc(zx) + zc(zOf(d, 'dopants'))) / (2 * zc(zx)), 2, X);
  return { metal: metal.sort((p, q) => p.level - q.level), chalcogen: chalcogen.sort((p, q) => p.level - q.level) };
}

/**
 * The level nearest a measured ratio (boundaries at the midpoints between levels).
 * @param levels sorted by level, at least one
 */
export function nearestLevel(levels: readonly SiteLevel[], ratio: number): SiteLevel {
  let best = levels[0];
  for (const l of levels) if (Math.abs(l.level - ratio) < Math.abs(best.level - ratio)) best = l;
  return best;
}

/** Prior probability of each defect level at a site (the host takes the rest); inference/siteOccupancy.ts holds the value. */
export const DEFECT_PRIOR = DEFAULT_DEFECT_PRIOR;

/**
 * The most probable level of a measured ratio: Gaussian noise of standard deviation `spread` about
 * each level (the measured spread of the host columns' ratios), prior {@link DEFECT_PRIOR} per defect
 * level and the rest for the host. With a small spread this is {@link nearestLevel}; with a noisy frame
 * the boundaries move towards the defect levels, so the host's noise tail is not read as defects.
 * (fitLatticeSites decides with the same rule, but with the noise and the abundances of the mixture
 * fitted to the frame: inference/siteOccupancy.ts.)
 * @param levels sorted by level, at least one, exactly one with `defect` null (the host)
 * @param spread standard deviation of the host's ratios (>= 0; 0 gives the nearest level)
 * @param priors prior per defect name where it is not {@link DEFECT_PRIOR} (e.g. a V-doped sample:
 *   `{ V_Mo: 0.02, vac_Mo: 0.002 }`)
 */
export function likeliestLevel(levels: readonly SiteLevel[], ratio: number, spread: number, priors: Readonly<Record<string, number>> = {}): SiteLevel {
  if (!(spread > 0)) return nearestLevel(levels, ratio);
  const priorOf = (l: SiteLevel) => (l.defect !== null ? priors[l.defect] ?? DEFECT_PRIOR : 0);
  const defectsTotal = levels.reduce((t, l) => t + priorOf(l), 0);
  let best = levels[0], bestScore = -Infinity;
  for (const l of levels) {
    const prior = l.defect === null ? Math.max(1e-6, 1 - defectsTotal) : Math.max(1e-12, priorOf(l));
    const score = Math.log(prior) - (ratio - l.level) ** 2 / (2 * spread * spread);
    if (score > bestScore) [best, bestScore] = [l, score];
  }
  return best;
}

/** Monomials s^m t^n, m + n <= degree, in a fixed order. */
function monomials(degree: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let d = 0; d <= degree; d++) for (let m = d; m >= 0; m--) out.push([m, d - m]);
  return out;
}

/** A smooth map from lattice coordinates (U, V) to pixel positions. */
interface LatticeMap {
  terms: Array<[number, number]>;
  cx: Float64Array;
  cy: Float64Array;
  u0: number;
  v0: number;
  scale: number;
}

function evalMap(m: LatticeMap, U: number, V: number): [number, number] {
  const s = (U - m.u0) / m.scale, t = (V - m.v0) / m.scale;
  let x = 0, y = 0;
  for (let k = 0; k < m.terms.length; k++) {
    const f = s ** m.terms[k][0] * t ** m.terms[k][1];
    x += m.cx[k] * f;
    y += m.cy[k] * f;
  }
  return [x, y];
}

/** Least-squares polynomial map through (U, V) -> (x, y) pairs; null when singular. */
function fitMap(U: number[], V: number[], X: number[], Y: number[], degree: number): LatticeMap | null {
  const n = U.length;
  const terms = monomials(degree);
  const k = terms.length;
  if (n < k + 2) return null;
  const u0 = U.reduce((s, v) => s + v, 0) / n, v0 = V.reduce((s, v) => s + v, 0) / n;
  let scale = 1;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(U[i] - u0), Math.abs(V[i] - v0));
  const A = new Float64Array(k * k), bx = new Float64Array(k), by = new Float64Array(k), f = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const s = (U[i] - u0) / scale, t = (V[i] - v0) / scale;
    for (let a = 0; a < k; a++) f[a] = s ** terms[a][0] * t ** terms[a][1];
    for (let a = 0; a < k; a++) {
      bx[a] += f[a] * X[i];
      by[a] += f[a] * Y[i];
      for (let b = 0; b < k; b++) A[a * k + b] += f[a] * f[b];
    }
  }
  const inv = invert(A, k);
  if (!inv) return null;
  const cx = new Float64Array(k), cy = new Float64Array(k);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
    cx[a] += inv[a * k + b] * bx[b];
    cy[a] += inv[a * k + b] * by[b];
  }
  return { terms, cx, cy, u0, v0, scale };
}

const wrap = (v: number) => v - Math.round(v); // to [-0.5, 0.5]

/**
 * Fit the MX2 lattice to one frame's atoms, list its sites inside the frame and read each column's
 * content from its amplitude (module comment).
 *
 * @param frame raw frame, float32 `[height * width]`, row-major
 * @param atoms the frame's located atoms (px), species `metal` / `chalcogen`
 * @throws AtomdynError('atoms') when the atoms are too few (< 12) or form no lattice, or when the
 *   fitted lattice constant is more than 25 % from the material's at the given pixel size
 */
export function fitLatticeSites(frame: Float32Array, height: number, width: number, atoms: readonly SiteAtom[], opts: LatticeSiteOptions): LatticeSitesResult {
  if (atoms.length < 12) throw new AtomdynError('atoms', `${atoms.length} atoms are too few to fit a lattice (12 or more)`);
  const xs = atoms.map((a) => a.x), ys = atoms.map((a) => a.y);
  let basis;
  try {
    basis = estimateLatticeBasis(xs, ys);
  } catch (e) {
    throw new AtomdynError('atoms', (e as Error).message);
  }
  const aPx = opts.material.aPm / opts.pixelSizePm;
  const la = Math.hypot(...basis.a), lb = Math.hypot(...basis.b);
  if (Math.abs(la / aPx - 1) > 0.25 || Math.abs(lb / aPx - 1) > 0.25) {
    throw new AtomdynError('atoms', `the atoms' lattice vectors (${la.toFixed(2)}, ${lb.toFixed(2)} px) are not the ${opts.material.name} lattice constant (${aPx.toFixed(2)} px at ${opts.pixelSizePm.toFixed(2)} pm/px)`);
  }
  const bondPx = (la + lb) / 2 / Math.sqrt(3);
  const [a0, a1] = basis.a, [b0, b1] = basis.b;
  const det = a0 * b1 - a1 * b0;
  const toLattice = (dx: number, dy: number): [number, number] => [(dx * b1 - dy * b0) / det, (a0 * dy - a1 * dx) / det];
  // the sublattices: the two most populated of the nine third-cell offsets around the atom nearest the centre
  let ref = 0;
  for (let i = 1; i < atoms.length; i++) if (Math.hypot(xs[i] - width / 2, ys[i] - height / 2) < Math.hypot(xs[ref] - width / 2, ys[ref] - height / 2)) ref = i;
  const counts = Array.from({ length: 9 }, () => ({ n: 0, metal: 0 }));
  for (let i = 0; i < atoms.length; i++) {
    const [u, v] = toLattice(xs[i] - xs[ref], ys[i] - ys[ref]);
    for (let k = 0; k < 9; k++) {
      const du = wrap(u - Math.floor(k / 3) / 3), dv = wrap(v - (k % 3) / 3);
      if (Math.hypot(du * a0 + dv * b0, du * a1 + dv * b1) < 0.3 * bondPx) {
        counts[k].n++;
        if (atoms[i].species === 'metal') counts[k].metal++;
        else if (atoms[i].species === 'chalcogen') counts[k].metal--;
      }
    }
  }
  const order = counts.map((c, k) => k).sort((p, q) => counts[q].n - counts[p].n || p - q);
  const [k1, k2] = order;
  if (counts[k2].n < 3) throw new AtomdynError('atoms', 'the atoms do not form two sublattices (no honeycomb)');
  const [km, kx] = counts[k1].metal >= counts[k2].metal ? [k1, k2] : [k2, k1];
  const offM: [number, number] = [Math.floor(km / 3) / 3, (km % 3) / 3];
  const offX: [number, number] = [Math.floor(kx / 3) / 3, (kx % 3) / 3];
  const delta: [number, number] = [((offX[0] - offM[0]) % 1 + 1) % 1, ((offX[1] - offM[1]) % 1 + 1) % 1];
  const ox = xs[ref] + offM[0] * a0 + offM[1] * b0, oy = ys[ref] + offM[0] * a1 + offM[1] * b1;
  // start: the affine lattice
  let map: LatticeMap = { terms: monomials(1), cx: Float64Array.of(ox, a0, b0), cy: Float64Array.of(oy, a1, b1), u0: 0, v0: 0, scale: 1 };
  const invertMap = (m: LatticeMap, x: number, y: number): [number, number] => {
    let [u, v] = toLattice(x - ox, y - oy);
    for (let it = 0; it < 4; it++) {
      const [px, py] = evalMap(m, u, v);
      const [du, dv] = toLattice(x - px, y - py);
      u += du;
      v += dv;
    }
    return [u, v];
  };
  /** Nearest site of either sublattice: [U, V, sub (0 metal, 1 chalcogen), distance px]. */
  const assign = (m: LatticeMap, x: number, y: number): [number, number, number, number] => {
    const [u, v] = invertMap(m, x, y);
    let best: [number, number, number, number] = [0, 0, 0, Infinity];
    for (let s = 0; s < 2; s++) {
      const du = s ? delta[0] : 0, dv = s ? delta[1] : 0;
      const ci = Math.round(u - du), cj = Math.round(v - dv);
      for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) {
        const U = ci + di + du, V = cj + dj + dv;
        const [px, py] = evalMap(m, U, V);
        const d = Math.hypot(px - x, py - y);
        if (d < best[3]) best = [U, V, s, d];
      }
    }
    return best;
  };
  const degreeWanted = opts.degree ?? 2;
  for (let round = 0; round < 3; round++) {
    const U: number[] = [], V: number[] = [], X: number[] = [], Y: number[] = [], res: number[] = [];
    for (let i = 0; i < atoms.length; i++) {
      const [Ui, Vi, , d] = assign(map, xs[i], ys[i]);
      if (d > 0.35 * bondPx) continue;
      U.push(Ui); V.push(Vi); X.push(xs[i]); Y.push(ys[i]); res.push(d);
    }
    // drop outliers: farther than 3 robust standard deviations of the residual
    const sorted = [...res].sort((p, q) => p - q);
    const cut = Math.max(3 * 1.4826 * (sorted[sorted.length >> 1] ?? 0), 0.05 * bondPx);
    const keep = res.map((r) => r <= cut);
    const sel = <T>(v: T[]) => v.filter((_, k) => keep[k]);
    const degree = sel(U).length >= 40 ? degreeWanted : Math.min(1, degreeWanted);
    const next = fitMap(sel(U), sel(V), sel(X), sel(Y), degree);
    if (!next) break;
    map = next;
  }
  // scan glitches (torn lines) shift whole bands of rows by a fraction of a cell, which no smooth field
  // follows: per horizontal strip of 1.5 lattice constants, the third-cell lattice shift that places most
  // of its atoms on sites of their own sublattice (the model's species break ties), plus the median
  // remaining offset
  const stripH = Math.max(4, 1.5 * la);
  const nStrips = Math.max(1, Math.ceil(height / stripH));
  const shifts: Array<[number, number]> = [];
  for (let k = 0; k < nStrips; k++) {
    const y0 = k * stripH - 0.25 * stripH, y1 = (k + 1) * stripH + 0.25 * stripH;
    const members: Array<[number, number, number]> = [];
    for (let i = 0; i < atoms.length; i++) if (ys[i] >= y0 && ys[i] < y1) members.push([...invertMap(map, xs[i], ys[i]), i]);
    let best = { score: -Infinity, su: 0, sv: 0, rx: [] as number[], ry: [] as number[] };
    let score0 = 0;
    for (let c = 0; c < 9; c++) {
      const su = Math.floor(c / 3) / 3, sv = (c % 3) / 3;
      let score = 0;
      const rx: number[] = [], ry: number[] = [];
      for (const [u, v, i] of members) {
        for (let sub = 0; sub < 2; sub++) {
          const du = wrap(u - su - (sub ? delta[0] : 0)), dv = wrap(v - sv - (sub ? delta[1] : 0));
          const ex = du * a0 + dv * b0, ey = du * a1 + dv * b1;
          if (Math.hypot(ex, ey) < 0.35 * bondPx) {
            score += 1 + (atoms[i].species === (sub ? 'chalcogen' : 'metal') ? 0.5 : 0);
            rx.push(ex);
            ry.push(ey);
            break;
          }
        }
      }
      if (c === 0) score0 = score;
      // the unshifted lattice wins unless another shift places clearly more atoms
      const better = c === 0 ? true : score > Math.max(best.score, 1.2 * score0 + 2);
      if (better) best = { score, su, sv, rx, ry };
    }
    const med = (v: number[]) => (v.length ? [...v].sort((p, q) => p - q)[v.length >> 1] : 0);
    shifts.push(best.rx.length >= 6 ? [best.su * a0 + best.sv * b0 + med(best.rx), best.su * a1 + best.sv * b1 + med(best.ry)] : [0, 0]);
  }
  const shiftAt = (y: number) => shifts[Math.min(nStrips - 1, Math.max(0, Math.floor(y / stripH)))];
  // probe width, a first estimate: median of single-column Gaussian fits on the atoms
  let sigma0 = opts.probeSigmaPx ?? NaN;
  if (!(sigma0 > 0)) {
    const widths: number[] = [];
    const step = Math.max(1, Math.floor(atoms.length / 300));
    for (let i = 0; i < atoms.length; i += step) {
      const r = refineAtom(frame, height, width, xs[i], ys[i], Math.max(1.5, 0.5 * bondPx), Math.max(0.5, 0.25 * bondPx), 0.3 * bondPx);
      if (r.refined) widths.push(r.width);
    }
    widths.sort((p, q) => p - q);
    sigma0 = widths.length >= 5 ? widths[widths.length >> 1] : Math.max(0.5, 0.25 * bondPx);
  }
  const sigmaRange: [number, number] = opts.probeSigmaPx ? [sigma0, sigma0] : [PROBE_WIDTH_RANGE[0] * sigma0, PROBE_WIDTH_RANGE[1] * sigma0];
  // every site inside the frame, and a margin: atoms on the edge are matched, and the columns just
  // outside the frame, whose tails reach into it, enter the amplitude fit
  const margin = Math.max(bondPx, 3.5 * sigmaRange[1] + 1);
  const corners = [[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]].map(([x, y]) => invertMap(map, x, y));
  const imin = Math.floor(Math.min(...corners.map((c) => c[0]))) - 3 - Math.ceil(margin / la), imax = Math.ceil(Math.max(...corners.map((c) => c[0]))) + 3 + Math.ceil(margin / la);
  const jmin = Math.floor(Math.min(...corners.map((c) => c[1]))) - 3 - Math.ceil(margin / lb), jmax = Math.ceil(Math.max(...corners.map((c) => c[1]))) + 3 + Math.ceil(margin / lb);
  if ((imax - imin + 1) * (jmax - jmin + 1) > 4_000_000) throw new AtomdynError('atoms', 'the fitted lattice is too fine for the frame (more than 8 million sites)');
  const all: LatticeSite[] = [];
  for (let j = jmin; j <= jmax; j++) {
    for (let i = imin; i <= imax; i++) {
      for (let s = 0; s < 2; s++) {
        const [x0, y0] = evalMap(map, i + (s ? delta[0] : 0), j + (s ? delta[1] : 0));
        const [tx, ty] = shiftAt(y0);
        const x = x0 + tx, y = y0 + ty;
        if (!(x >= -margin && x <= width - 1 + margin && y >= -margin && y <= height - 1 + margin)) continue;
        all.push({ site: -1, sublattice: s ? 'chalcogen' : 'metal', i, j, x, y, amplitude: NaN, ratio: NaN, occupancy: s ? 2 : 1, defect: null });
      }
    }
  }
  // matched atoms and their residual
  let ss = 0, matched = 0;
  const onSite = new Uint8Array(atoms.length);
  if (all.length) {
    const g = new SpatialGrid(all.map((t) => t.x), all.map((t) => t.y), bondPx);
    for (let i = 0; i < atoms.length; i++) {
      const k = g.nearest(xs[i], ys[i], 0.35 * bondPx);
      if (k < 0) continue;
      ss += (all[k].x - xs[i]) ** 2 + (all[k].y - ys[i]) ** 2;
      matched++;
      // on its own sublattice's site (an atom the model called neither counts wherever it sits)
      const sp = atoms[i].species;
      onSite[i] = sp !== 'metal' && sp !== 'chalcogen' ? 1 : sp === all[k].sublattice ? 1 : 0;
    }
  }
  const rms = matched ? Math.sqrt(ss / matched) : NaN;
  const sites = all.filter((t) => t.x >= 0 && t.x <= width - 1 && t.y >= 0 && t.y <= height - 1);
  sites.forEach((t, k) => { t.site = k; });
  // where each column is measured: at the fitted site, or at the located atom on the site when there
  // is one (scan noise moves columns off the smooth lattice by a fraction of a pixel to a pixel, but
  // the located atoms have their own position errors); by default both are tried and the one whose
  // mixture leaves the smaller noise (relative to the host, summed over the sublattices) is kept
  const atSites = all.map((t) => ({ x: t.x, y: t.y }));
  let atAtoms: Array<{ x: number; y: number }> | null = null;
  if (opts.measureAtAtoms !== false && atoms.length) {
    const g = new SpatialGrid(xs, ys, bondPx);
    atAtoms = all.map((t) => {
      const i = g.nearest(t.x, t.y, AT_ATOM_RADIUS_BONDS * bondPx);
      return i >= 0 ? { x: xs[i], y: ys[i] } : { x: t.x, y: t.y };
    });
  }
  const candidates: Array<['sites' | 'atoms', Array<{ x: number; y: number }>]> = [];
  if (opts.measureAtAtoms !== true || !atAtoms) candidates.push(['sites', atSites]);
  if (atAtoms) candidates.push(['atoms', atAtoms]);
  const backgroundSpacingPx = Math.max(2, BACKGROUND_SPACING_CELLS * (la + lb) / 2);
  const sigma = sigmaRange[0] === sigmaRange[1] ? sigmaRange[0] : probeWidthOnCentre(frame, height, width, candidates[0][1], sigmaRange, backgroundSpacingPx, (la + lb) / 2);
  const levels = siteLevels(opts.material, opts.dopants);
  const edge = Math.max(1.5, 0.5 * bondPx);
  // where the lattice is not where the atoms are (a region the smooth lattice does not follow: a torn
  // band of rows, another grain), a site's amplitude says nothing about its column: of the located
  // atoms within one lattice constant of the site, fewer than half sit on a site of their own
  // sublattice (and at least 3 are there to tell) -> the site is not read
  const offLattice = new Set<LatticeSite>();
  if (atoms.length) {
    const g = new SpatialGrid(xs, ys, la);
    for (const t of sites) {
      const near = g.within(t.x, t.y, (la + lb) / 2, -1);
      const on = near.filter((h) => onSite[h.index]).length;
      if (near.length >= 3 && on < MIN_ON_SITE_FRACTION * near.length) offLattice.add(t);
    }
  }
  const cutFixed = (s: LatticeSite) => s.x < edge || s.y < edge || s.x > width - 1 - edge || s.y > height - 1 - edge || offLattice.has(s);
  const inFrame = all.map((t) => t.x >= 0 && t.x <= width - 1 && t.y >= 0 && t.y <= height - 1);
  let chosen: { measuredAt: 'sites' | 'atoms'; amplitudes: Float64Array; mixtures: LatticeSitesResult['mixtures']; notRead: LatticeSitesResult['notRead']; score: number; torn: Uint8Array } | null = null;
  for (const [measuredAt, at] of candidates) {
    const first = fitColumnAmplitudes(frame, height, width, at, { sigmaPx: sigma, backgroundSpacingPx, keepModel: true });
    // torn scan rows against this fit's model: their columns are partly drawn elsewhere; the fit is
    // repeated without those rows (weight 0), and columns mostly on them are not read
    const torn = tornRows(frame, first.model!, height, width, { minShiftPx: TORN_MIN_SHIFT_SIGMA * sigma }).torn;
    const anyTorn = torn.some((v) => v === 1);
    let amplitudes = first.amplitudes;
    if (anyTorn) {
      const weights = new Float32Array(width * height).fill(1);
      torn.forEach((v, y) => { if (v) weights.fill(0, y * width, (y + 1) * width); });
      amplitudes = fitColumnAmplitudes(frame, height, width, at, { sigmaPx: sigma, backgroundSpacingPx, weights }).amplitudes;
    }
    const cut = (s: LatticeSite) => cutFixed(s) || (anyTorn && tornFraction(torn, s.y, sigma) > TORN_MAX_FRACTION);
    const mixtures: LatticeSitesResult['mixtures'] = { metal: null, chalcogen: null };
    const notRead: LatticeSitesResult['notRead'] = { metal: [], chalcogen: [] };
    let score = 0;
    for (const sub of ['metal', 'chalcogen'] as const) {
      // the mixture is fitted to the columns that are read: inside the frame, not cut by its edge
      const read = all.map((t, k) => k).filter((k) => inFrame[k] && all[k].sublattice === sub && !cut(all[k]));
      const fitted = fitReadableMixture(read.map((k) => amplitudes[k]), levels[sub], { priors: opts.priors });
      const mix = fitted?.mixture ?? null;
      mixtures[sub] = mix;
      notRead[sub] = fitted?.dropped ?? [];
      score += mix ? mix.noise / mix.scale : Infinity;
    }
    if (!chosen || score < chosen.score) chosen = { measuredAt, amplitudes, mixtures, notRead, score, torn };
  }
  const { mixtures, measuredAt, notRead, torn } = chosen!;
  const anyTorn = torn.some((v) => v === 1);
  const cut = (s: LatticeSite) => cutFixed(s) || (anyTorn && tornFraction(torn, s.y, sigma) > TORN_MAX_FRACTION);
  all.forEach((t, k) => { t.amplitude = chosen!.amplitudes[k]; });
  const host = { metal: mixtures.metal?.scale ?? NaN, chalcogen: mixtures.chalcogen?.scale ?? NaN };
  for (const sub of ['metal', 'chalcogen'] as const) {
    const mix = mixtures[sub];
    for (const s of sites) {
      if (s.sublattice !== sub) continue;
      s.ratio = host[sub] > 0 ? s.amplitude / host[sub] : NaN;
      // a column cut by the frame edge, or off the lattice, is not read: occupancy and defect unknown
      if (cut(s) || !mix || !Number.isFinite(s.ratio)) {
        s.occupancy = null;
        s.defect = null;
        continue;
      }
      const read = mix.levels[mostProbableLevel(mix, s.amplitude).index];
      const l = levels[sub].find((v) => v.defect === read.defect)!;
      s.occupancy = l.occupancy;
      s.defect = l.defect;
    }
  }
  const affine = fitMap(
    sites.map((s) => s.i + (s.sublattice === 'chalcogen' ? delta[0] : 0)), sites.map((s) => s.j + (s.sublattice === 'chalcogen' ? delta[1] : 0)),
    sites.map((s) => s.x), sites.map((s) => s.y), 1,
  );
  const basisPx = affine
    ? { a: [affine.cx[1] / affine.scale, affine.cy[1] / affine.scale] as [number, number], b: [affine.cx[2] / affine.scale, affine.cy[2] / affine.scale] as [number, number] }
    : { a: basis.a, b: basis.b };
  const tornList: number[] = [];
  torn.forEach((v, y) => { if (v) tornList.push(y); });
  return { sites, basisPx, matched, rmsResidualPx: rms, probeSigmaPx: sigma, hostAmplitude: host, levels, mixtures, measuredAt, notRead, tornRows: tornList };
}

/**
 * The probe width of least residual of the amplitude fit ({@link fitProbeWidth}) on a central window
 * of the frame ({@link PROBE_WIDTH_WINDOW_CELLS} lattice constants, at least 96 px, at most the frame),
 * with the columns that reach it.
 * @param range [lo, hi] px
 */
function probeWidthOnCentre(frame: Float32Array, height: number, width: number, columns: ReadonlyArray<{ x: number; y: number }>, range: [number, number], backgroundSpacingPx: number, latticePx: number): number {
  const side = Math.max(96, Math.round(PROBE_WIDTH_WINDOW_CELLS * latticePx));
  const w = Math.min(width, side), h = Math.min(height, side);
  const x0 = Math.floor((width - w) / 2), y0 = Math.floor((height - h) / 2);
  const crop = new Float32Array(w * h);
  for (let y = 0; y < h; y++) crop.set(frame.subarray((y0 + y) * width + x0, (y0 + y) * width + x0 + w), y * w);
  const reach = 3.5 * range[1] + 1;
  const near = columns.map((c) => ({ x: c.x - x0, y: c.y - y0 })).filter((c) => c.x >= -reach && c.y >= -reach && c.x <= w - 1 + reach && c.y <= h - 1 + reach);
  return fitProbeWidth(crop, h, w, near, range[0], range[1], backgroundSpacingPx).sigmaPx;
}

/** Columns of sites.csv in order (docs/schema.md). */
export function sitesColumns(calibrated: boolean): string[] {
  return ['frame', 'site', 'sublattice', 'x', 'y', 'occupancy', 'defect', 'ratio', ...(calibrated ? ['x_pm', 'y_pm'] : [])];
}

/**
 * The sites.csv rows of one frame.
 * @param pixelSizePm adds x_pm, y_pm when not null
 */
export function sitesRows(frame: number, sites: readonly LatticeSite[], pixelSizePm: number | null): Array<Record<string, string | number | null>> {
  const r = (v: number, d: number) => (Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : null);
  return sites.map((s) => ({
    frame, site: s.site, sublattice: s.sublattice, x: r(s.x, 4), y: r(s.y, 4), occupancy: s.occupancy, defect: s.defect,
    ratio: r(s.ratio, 4), ...(pixelSizePm !== null ? { x_pm: r(s.x * pixelSizePm, 2), y_pm: r(s.y * pixelSizePm, 2) } : {}),
  }));
}

/**
 * The MX2 material whose sites a locate run can list: the run's material when it is a known MX2
 * material (models/materials.ts), else null (a family name such as `mx2` names no elements: give
 * `--species metal=W,chalcogen=Se2` or `--material WSe2`).
 * @param material the run's material name (LocatePlan.material)
 */
export function siteMaterial(material: string | null | undefined): Readonly<Material> | null {
  const m = materialByName(material);
  return m && m.family === 'mx2' ? m : null;
}

/** Per-frame figures of a site fit, as run.json `parameters.sites.frames` holds them. */
export interface SiteFrameSummary {
  frame: number;
  sites: number;
  matched: number;
  rmsResidualPx: number;
  probeSigmaPx: number;
  basisPx: { a: [number, number]; b: [number, number] };
  defects: Record<string, number>;
  /** Where the columns were measured (LatticeSitesResult.measuredAt). */
  measuredAt: 'sites' | 'atoms';
  /** Noise of each sublattice's ratios: the mixture's standard deviation over its host amplitude (null: no mixture). */
  noise: { metal: number | null; chalcogen: number | null };
  /** Defect names not read in this frame (too close to the host for its noise). */
  notRead: string[];
  /** Torn scan rows (0-based), whose sites are not read. */
  tornRows: number[];
}

/** The run.json summary of one frame's fit (numbers rounded for the file). */
export function siteFrameSummary(frame: number, r: LatticeSitesResult): SiteFrameSummary {
  const defects: Record<string, number> = {};
  for (const s of r.sites) if (s.defect) defects[s.defect] = (defects[s.defect] ?? 0) + 1;
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  return {
    frame, sites: r.sites.length, matched: r.matched, rmsResidualPx: r3(r.rmsResidualPx), probeSigmaPx: r3(r.probeSigmaPx),
    basisPx: { a: [r3(r.basisPx.a[0]), r3(r.basisPx.a[1])], b: [r3(r.basisPx.b[0]), r3(r.basisPx.b[1])] }, defects,
    measuredAt: r.measuredAt,
    noise: { metal: r.mixtures.metal ? r3(r.mixtures.metal.noise / r.mixtures.metal.scale) : null, chalcogen: r.mixtures.chalcogen ? r3(r.mixtures.chalcogen.noise / r.mixtures.chalcogen.scale) : null },
    notRead: [...r.notRead.metal, ...r.notRead.chalcogen],
    tornRows: r.tornRows,
  };
}

/**
 * Parse defect priors written as `vac_Mo=0.002,V_Mo=0.02` (the CLI's --defect-prior value).
 * @throws AtomdynError naming the option `defectPriors` for an entry that is not NAME=P with 0 < P < 0.5
 */
export function parseDefectPriors(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((t) => t.trim()).filter(Boolean)) {
    const m = /^([A-Za-z]+_[A-Za-z]+\d*)=([0-9.eE+-]+)$/.exec(part);
    const p = m ? Number(m[2]) : NaN;
    if (!m || !(p > 0 && p < 0.5)) throw AtomdynError.forOption('defectPriors', `'${part}' is not NAME=P with 0 < P < 0.5 (e.g. vac_Mo=0.002)`);
    out[m[1]] = p;
  }
  return out;
}
