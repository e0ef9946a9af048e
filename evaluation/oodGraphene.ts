/**
 * An out-of-distribution test set of Si in graphene, built apart from training: its own honeycomb,
 * its own defect geometry and relaxation, its own image formation and noise. It shares no code with
 * training/simulator/ (siConfigurations.ts, imageFormation.ts, probe.ts, detectorNoise.ts) so that
 * what the network learned from the training simulator's particular choices cannot flatter it here.
 *
 * Geometry (pm, projected): graphene with a = 246 pm (C-C 142 pm, models/materials.ts), a random
 * rotation and offset. Each frame holds `defectsPerFrame` copies of one configuration kind, on a
 * 2 x 2 grid of anchor sites, each copy with its own projected Si-C bond length d drawn uniformly
 * from `siCBondPm` (165-195 pm):
 *
 * | kind         | formula | what                                                                            |
 * | ------------ | ------- | ------------------------------------------------------------------------------- |
 * | `pristine`   | -       | no defect (tests spurious columns)                                              |
 * | `si-vacancy` | Si1C2   | Si on a site, one of its neighbours removed (an empty site beside the Si)       |
 * | `si-c4`      | Si1C4   | two neighbouring sites removed, Si at their midpoint, 4 C around it             |
 * | `si2`        | Si2C4   | two neighbouring sites Si, pushed apart to a Si-Si distance from `siSiPm`       |
 * | `si3`        | Si3C6   | one site removed, its three neighbours Si, each moved toward it (`si3InwardPm`) |
 *
 * The Si's C neighbours are placed at distance d from their Si along the Si-C direction; the other
 * atoms within `relaxRangePm` of the defect centre are moved radially by the first shell's mean
 * displacement times exp(-(r - r1) / `relaxDecayPm`) (an exponential screening, not the training
 * simulator's 1/r centre of dilation).
 *
 * Image: an incoherent sum of columns, each weighted (Z / 6)^n with n from `zExponent`, imaged with a
 * probe that is a Gaussian core (FWHM from `probeFwhmPm`) plus a broad Gaussian tail (`tailFraction`
 * of the intensity at `tailWidthFactor` x the core width). Expected counts per pixel are
 *   f (p / p0)^2 (B0 + C0 sum_j w_j P(r - r_j) / P(0)),
 * f the dose factor relative to G-Si-2nm.hdf5 (drawn log-uniformly from `doseFactor`), p the pixel
 * size (`pixelSizePm`), p0 = 7.8125 pm/px (G-Si-2nm), C0 = `carbonPeakCounts`, B0 = `backgroundCounts`
 * (so the dose per area, not per pixel, is what f sets), times a smooth background modulation
 * (`backgroundVariation`). Each pixel is a Poisson draw, multiplied by a detector gain drawn from
 * `gain` (the file carries no gain).
 *
 * The parameters in {@link OOD_PARAMETERS} were fixed before any fitting code was tuned against
 * this set.
 */
import { Random } from '../data/random.ts';
import { ATOMIC_NUMBER, MATERIALS } from '../models/materials.ts';

/** Configuration kinds of the set. */
export const OOD_KINDS = ['pristine', 'si-vacancy', 'si-c4', 'si2', 'si3'] as const;
/** One of {@link OOD_KINDS}. */
export type OodKind = (typeof OOD_KINDS)[number];

/** Formula of each kind (chemistry naming, dynamics/configurations/chemistry.ts); null for pristine. */
export const OOD_FORMULA: Readonly<Record<OodKind, string | null>> = { pristine: null, 'si-vacancy': 'Si1C2', 'si-c4': 'Si1C4', si2: 'Si2C4', si3: 'Si3C6' };

/** The generator's parameters (ranges are [lo, hi]). */
export interface OodParameters {
  /** Projected Si-C bond length, pm, uniform. */
  siCBondPm: [number, number];
  /** Projected Si-Si distance of `si2`, pm, uniform. */
  siSiPm: [number, number];
  /** Inward move of each Si of `si3` toward the empty site, pm, uniform. */
  si3InwardPm: [number, number];
  /** Decay length of the relaxation beyond the first shell, pm. */
  relaxDecayPm: number;
  /** Radius of the relaxed region around a defect, pm. */
  relaxRangePm: number;
  /** Dose relative to G-Si-2nm.hdf5, log-uniform. */
  doseFactor: [number, number];
  /** Pixel size, pm/px, uniform. */
  pixelSizePm: [number, number];
  /** Field of view (square), pm. */
  fieldPm: number;
  /** Probe core FWHM, pm, uniform. */
  probeFwhmPm: [number, number];
  /** Fraction of the probe intensity in the broad tail. */
  tailFraction: number;
  /** Tail width / core width. */
  tailWidthFactor: number;
  /** Z-contrast exponent n, uniform. */
  zExponent: [number, number];
  /** Peak counts of one C column above background at dose factor 1 and 7.8125 pm/px. */
  carbonPeakCounts: number;
  /** Background counts per pixel at dose factor 1 and 7.8125 pm/px. */
  backgroundCounts: number;
  /** Relative amplitude of the smooth background modulation. */
  backgroundVariation: number;
  /** Detector gain (file units per count), uniform. */
  gain: [number, number];
  /** Defects per frame (2 x 2 anchors). */
  defectsPerFrame: number;
}

/** The committed parameters of the set (see the header). */
export const OOD_PARAMETERS: Readonly<OodParameters> = Object.freeze({
  siCBondPm: [165, 195],
  siSiPm: [215, 235],
  si3InwardPm: [10, 25],
  relaxDecayPm: 120,
  relaxRangePm: 600,
  doseFactor: [0.5, 4],
  pixelSizePm: [4, 16],
  fieldPm: 3000,
  probeFwhmPm: [85, 105],
  tailFraction: 0.08,
  tailWidthFactor: 3,
  zExponent: [1.6, 1.9],
  carbonPeakCounts: 55,
  backgroundCounts: 12,
  backgroundVariation: 0.05,
  gain: [1, 4],
  defectsPerFrame: 4,
} as OodParameters);

/** G-Si-2nm.hdf5's pixel size, pm/px: the reference of the dose factor. */
export const OOD_REFERENCE_PIXEL_PM = 7.8125;

/** A true atom of an OOD frame. */
export interface OodAtom {
  /** Column x, y in pixels of the frame. */
  x: number;
  y: number;
  /** 'C' or 'Si'. */
  element: string;
}

/** A true Si-C bond: indices into the frame's atoms, and its projected length (pm). */
export interface OodBond {
  si: number;
  c: number;
  lengthPm: number;
}

/** One defect of a frame. */
export interface OodDefect {
  kind: OodKind;
  /** Indices of the defect's Si atoms. */
  si: number[];
  /** Formula (chemistry naming). */
  formula: string | null;
}

/** One frame of the set with its truth. */
export interface OodFrame {
  kind: OodKind;
  /** float32 `[height * width]`, file units (counts x gain). */
  image: Float32Array;
  height: number;
  width: number;
  pixelSizePm: number;
  doseFactor: number;
  gain: number;
  atoms: OodAtom[];
  /** Sites left empty by the defects, pixels. */
  emptySites: Array<{ x: number; y: number }>;
  bonds: OodBond[];
  defects: OodDefect[];
}

interface Site {
  x: number;
  y: number;
  element: string;
  removed: boolean;
}

/** Honeycomb sites (pm) covering [-m, L + m]^2, rotated by `theta`, shifted by (ox, oy). */
function honeycomb(L: number, m: number, theta: number, ox: number, oy: number): Site[] {
  const bond = MATERIALS.graphene.bondPm;
  const a = bond * Math.sqrt(3);
  const c = Math.cos(theta), s = Math.sin(theta);
  const a1 = [a * c, a * s], a2 = [a * (c / 2 - (Math.sqrt(3) / 2) * s), a * (s / 2 + (Math.sqrt(3) / 2) * c)];
  const b = [bond * -s, bond * c]; // second sublattice: one bond along the rotated y axis
  const n = Math.ceil((2 * (L + 2 * m)) / a) + 2;
  const out: Site[] = [];
  for (let i = -n; i <= n; i++) {
    for (let j = -n; j <= n; j++) {
      for (const [dx, dy] of [[0, 0], b]) {
        const x = L / 2 + ox + i * a1[0] + j * a2[0] + dx, y = L / 2 + oy + i * a1[1] + j * a2[1] + dy;
        if (x >= -m && y >= -m && x <= L + m && y <= L + m) out.push({ x, y, element: 'C', removed: false });
      }
    }
  }
  return out;
}

function nearestSite(sites: Site[], x: number, y: number, exclude: Set<number> = new Set()): number {
  let best = -1, bd = Infinity;
  sites.forEach((p, i) => {
    if (p.removed || exclude.has(i)) return;
    const d = (p.x - x) ** 2 + (p.y - y) ** 2;
    if (d < bd) {
      bd = d;
      best = i;
    }
  });
  return best;
}

function neighbours(sites: Site[], i: number): number[] {
  const r = 1.2 * MATERIALS.graphene.bondPm;
  const out: number[] = [];
  sites.forEach((p, j) => {
    if (j !== i && (p.x - sites[i].x) ** 2 + (p.y - sites[i].y) ** 2 < r * r) out.push(j);
  });
  return out;
}

/**
 * Build one defect around the site nearest (ax, ay) (pm); modifies `sites`.
 * @returns the defect's Si site indices, the removed site positions and the Si-C bonds as site pairs
 */
function placeDefect(sites: Site[], kind: OodKind, ax: number, ay: number, rng: Random, p: OodParameters): { si: number[]; empty: Array<{ x: number; y: number }>; bonds: Array<[number, number]> } {
  if (kind === 'pristine') return { si: [], empty: [], bonds: [] };
  const d = rng.range(p.siCBondPm[0], p.siCBondPm[1]);
  const s0 = nearestSite(sites, ax, ay);
  const nb0 = neighbours(sites, s0);
  const t = nb0[rng.int(nb0.length)];
  const si: number[] = [];
  const empty: Array<{ x: number; y: number }> = [];
  const moved = new Set<number>();
  let cx = sites[s0].x, cy = sites[s0].y;
  const remove = (i: number) => {
    sites[i].removed = true;
    empty.push({ x: sites[i].x, y: sites[i].y });
    moved.add(i);
  };
  if (kind === 'si-vacancy') {
    si.push(s0);
    remove(t);
    cx = (sites[s0].x + sites[t].x) / 2;
    cy = (sites[s0].y + sites[t].y) / 2;
  } else if (kind === 'si-c4') {
    cx = (sites[s0].x + sites[t].x) / 2;
    cy = (sites[s0].y + sites[t].y) / 2;
    remove(s0);
    remove(t);
    sites.push({ x: cx, y: cy, element: 'Si', removed: false });
    si.push(sites.length - 1);
  } else if (kind === 'si2') {
    const dss = rng.range(p.siSiPm[0], p.siSiPm[1]);
    cx = (sites[s0].x + sites[t].x) / 2;
    cy = (sites[s0].y + sites[t].y) / 2;
    const ux = (sites[t].x - sites[s0].x), uy = (sites[t].y - sites[s0].y), ul = Math.hypot(ux, uy);
    sites[s0].x = cx - (ux / ul) * (dss / 2);
    sites[s0].y = cy - (uy / ul) * (dss / 2);
    sites[t].x = cx + (ux / ul) * (dss / 2);
    sites[t].y = cy + (uy / ul) * (dss / 2);
    si.push(s0, t);
  } else {
    // si3: the site s0 removed, its three neighbours Si moved inward
    remove(s0);
    const inward = rng.range(p.si3InwardPm[0], p.si3InwardPm[1]);
    for (const j of nb0) {
      const ux = cx - sites[j].x, uy = cy - sites[j].y, ul = Math.hypot(ux, uy);
      sites[j].x += (ux / ul) * inward;
      sites[j].y += (uy / ul) * inward;
      si.push(j);
    }
  }
  for (const i of si) {
    sites[i].element = 'Si';
    moved.add(i);
  }
  // first shell: every C within 1.4 bonds of a Si goes to distance d from it, along the Si-C line
  const bonds: Array<[number, number]> = [];
  const firstShell: number[] = [];
  let shift = 0;
  for (const i of si) {
    for (let j = 0; j < sites.length; j++) {
      const q = sites[j];
      if (q.removed || q.element !== 'C' || moved.has(j)) continue;
      const dx = q.x - sites[i].x, dy = q.y - sites[i].y, r = Math.hypot(dx, dy);
      if (r > 1.4 * MATERIALS.graphene.bondPm) continue;
      const rc0 = Math.hypot(q.x - cx, q.y - cy);
      q.x = sites[i].x + (dx / r) * d;
      q.y = sites[i].y + (dy / r) * d;
      shift += Math.hypot(q.x - cx, q.y - cy) - rc0;
      firstShell.push(j);
      bonds.push([i, j]);
    }
  }
  for (const j of firstShell) moved.add(j);
  const u0 = firstShell.length ? shift / firstShell.length : 0;
  const r1 = firstShell.length ? Math.max(...firstShell.map((j) => Math.hypot(sites[j].x - cx, sites[j].y - cy))) : 0;
  for (let j = 0; j < sites.length; j++) {
    if (moved.has(j) || sites[j].removed) continue;
    const dx = sites[j].x - cx, dy = sites[j].y - cy, r = Math.hypot(dx, dy);
    if (r > p.relaxRangePm || r < 1e-9) continue;
    const u = u0 * Math.exp(-Math.max(0, r - r1) / p.relaxDecayPm);
    sites[j].x += (dx / r) * u;
    sites[j].y += (dy / r) * u;
  }
  return { si, empty, bonds };
}

/**
 * Generate one frame of the set.
 * @param kind configuration kind
 * @param seed random seed (data/random.ts); the same seed gives the same frame
 * @param over parameter overrides (tests); the committed set uses {@link OOD_PARAMETERS}
 * @param fixed fixes the pixel size (pm/px) and/or dose factor instead of drawing them
 */
export function oodFrame(kind: OodKind, seed: number, over: Partial<OodParameters> = {}, fixed: { pixelSizePm?: number; doseFactor?: number } = {}): OodFrame {
  const p: OodParameters = { ...OOD_PARAMETERS, ...over };
  const rng = new Random(seed);
  const px = fixed.pixelSizePm ?? rng.range(p.pixelSizePm[0], p.pixelSizePm[1]);
  const f = fixed.doseFactor ?? Math.exp(rng.range(Math.log(p.doseFactor[0]), Math.log(p.doseFactor[1])));
  const L = p.fieldPm;
  const side = Math.round(L / px);
  const margin = 400;
  const sites = honeycomb(L, margin, rng.range(0, Math.PI / 3), rng.range(-200, 200), rng.range(-200, 200));
  const n = Math.round(Math.sqrt(p.defectsPerFrame));
  const bondPairs: Array<[number, number]> = [];
  const empty: Array<{ x: number; y: number }> = [];
  const defectSites: number[][] = [];
  for (let k = 0; k < p.defectsPerFrame && kind !== 'pristine'; k++) {
    const gx = (k % n) + 0.5, gy = Math.floor(k / n) + 0.5;
    const r = placeDefect(sites, kind, (gx / n) * L + rng.range(-60, 60), (gy / n) * L + rng.range(-60, 60), rng, p);
    bondPairs.push(...r.bonds);
    empty.push(...r.empty);
    defectSites.push(r.si);
  }
  // site index -> atom index among the kept sites
  const index = new Int32Array(sites.length).fill(-1);
  const atoms: OodAtom[] = [];
  sites.forEach((q, i) => {
    if (q.removed) return;
    index[i] = atoms.length;
    atoms.push({ x: q.x / px, y: q.y / px, element: q.element });
  });
  const bonds: OodBond[] = bondPairs.map(([a, b]) => ({ si: index[a], c: index[b], lengthPm: Math.hypot(sites[a].x - sites[b].x, sites[a].y - sites[b].y) }));
  const defects: OodDefect[] = defectSites.map((l) => ({ kind, si: l.map((i) => index[i]), formula: OOD_FORMULA[kind] }));
  // image
  const fwhm = rng.range(p.probeFwhmPm[0], p.probeFwhmPm[1]);
  const sc = fwhm / 2.3548 / px, st = sc * p.tailWidthFactor;
  const n_ = rng.range(p.zExponent[0], p.zExponent[1]);
  const gain = rng.range(p.gain[0], p.gain[1]);
  const perArea = f * (px / OOD_REFERENCE_PIXEL_PM) ** 2;
  // P(r)/P(0) of the two-Gaussian probe: core (1 - t) / sc^2, tail t / st^2 (2-D normalised), over their sum at r = 0
  const wc = (1 - p.tailFraction) / (sc * sc), wt = p.tailFraction / (st * st), w0 = wc + wt;
  const signal = new Float64Array(side * side);
  const R = Math.ceil(4 * st);
  for (const a of atoms) {
    const w = (ATOMIC_NUMBER[a.element] / 6) ** n_;
    const x0 = Math.max(0, Math.floor(a.x - R)), x1 = Math.min(side - 1, Math.ceil(a.x + R));
    const y0 = Math.max(0, Math.floor(a.y - R)), y1 = Math.min(side - 1, Math.ceil(a.y + R));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const r2 = (x - a.x) ** 2 + (y - a.y) ** 2;
        signal[y * side + x] += (w * (wc * Math.exp(-r2 / (2 * sc * sc)) + wt * Math.exp(-r2 / (2 * st * st)))) / w0;
      }
    }
  }
  // smooth background modulation: a random plane wave of period about the field
  const kx = rng.range(-1, 1) / side, ky = rng.range(-1, 1) / side, ph = rng.range(0, 2 * Math.PI);
  const image = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const mod = 1 + p.backgroundVariation * Math.sin(2 * Math.PI * (kx * x + ky * y) + ph);
      const lam = perArea * mod * (p.backgroundCounts + p.carbonPeakCounts * signal[y * side + x]);
      image[y * side + x] = gain * rng.poisson(lam);
    }
  }
  return { kind, image, height: side, width: side, pixelSizePm: px, doseFactor: f, gain, atoms, emptySites: empty.map((e) => ({ x: e.x / px, y: e.y / px })), bonds, defects };
}

/**
 * The committed set: `framesPerKind` frames of each kind, seeds `seedBase + 1000 * kindIndex + k`.
 */
export function* oodSet(framesPerKind: number, seedBase = 13_000): Generator<OodFrame> {
  for (let ki = 0; ki < OOD_KINDS.length; ki++) for (let k = 0; k < framesPerKind; k++) yield oodFrame(OOD_KINDS[ki], seedBase + 1000 * ki + k);
}
