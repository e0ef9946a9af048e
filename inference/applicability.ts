/**
 * Does a frame look like the model's lattice? A check from the frame alone, before and independent of
 * the network, plus a check of the located atoms' bond lengths when the frame shows no usable
 * Fourier peak.
 *
 * Fourier check (Welch power spectrum, inference/latticeSpacing.ts). Two lattice templates are searched:
 * the model's (3 first-order spots 60° apart for hexagonal point groups, 2 spots 90° apart for
 * square ones) and the other family's. A spot counts when its log power stands `SPOT_MIN` above its
 * ring's mean log power (a factor e). The verdict:
 * - **false** when the other family's lattice is really there (all its first-order spots and its
 *   second-order ring, {110} at √2 r for square and √3 r for hexagonal lattices, rotated by 45° or
 *   30°) and it is stronger than any lattice of the model's symmetry (a perovskite in a graphene
 *   model); or when the model's template finds no complete set while the frame has a strong
 *   (`STRONG_PEAK`, e^4 = 55x its ring) peak that belongs to no lattice of the model's symmetry
 *   (a heterostructure survey);
 * - **true** when all first-order spots of the model's symmetry are there. With a stated pixel size the
 *   search is limited to spacings within 1.5x of the card's; the spacing itself is not held against the
 *   model, since correcting a wrong file calibration from it is the pixel-size policy's job
 *   (MoS2_stem_Exp-002-5.npy states 17.6 pm/px; its MoS2 lattice says 13.6);
 * - **unknown** otherwise (no clear Fourier peak, e.g. the low-dose G-trimSi.hdf5); then
 *   {@link bondVerdict} decides after locating: at the pixel size used, most atoms (>= 60 %) should
 *   have a neighbour at the material's bond length (inference/latticeScale.ts, `bondAgreement`).
 *
 * The first-order spacing of the model's lattice found here is what the pixel-size policy
 * (inference/calibrationCheck.ts) compares with the file's value.
 */
import { measureLatticeSpacing, spotLogRatios, welchPowerSpectrum, type LatticeSpacing, type PowerSpectrum } from './latticeSpacing.ts';
import { bondAgreement, expectedSpacingPx, firstOrderSpacingPm } from './latticeScale.ts';

/** A spot (log-ratio) counts as present above this: e times its ring's mean power. */
export const SPOT_MIN = 1.0;
/** A single Fourier peak this strong (natural log over its ring, e^4 = 55x) is certainly lattice, not noise. */
export const STRONG_PEAK = 4.0;
/** Least share of atoms at the bond length for the bond check to say the model applies. */
export const BOND_AGREEMENT_MIN = 0.6;

/** The three-valued verdict: true (the model applies), false (it does not), 'unknown' (cannot tell). */
export type Applicable = boolean | 'unknown';

/** One lattice template's best match in the power spectrum. */
export interface LatticePeaks {
  /** Point group of the template ('6mm' hexagonal, '4mm' square). */
  pointGroup: string;
  /** First-order spacing, px. */
  spacingPx: number;
  /** Mean spot power over the ring's mean power (geometric), as in inference/latticeSpacing.ts. */
  strength: number;
  /** Angle of the first spot, degrees, counter-clockwise on screen. */
  orientationDeg: number;
  /** Natural-log power ratio of each first-order spot over its ring. */
  firstOrder: number[];
  /** The same for the second-order ring ({110}). */
  secondOrder: number[];
  /** First-order spot frequencies, cycles per px `[fx, fy]` (fy positive downwards), one per spot. */
  spotsPerPx: Array<[number, number]>;
}

/** The verdict for one frame, with what was measured (written to run.json, docs/schema.md). */
export interface LatticeVerdict {
  applicable: Applicable;
  /** 'fourier' (from the frame alone) or 'bonds' (from the located atoms). */
  method: 'fourier' | 'bonds';
  /** One sentence a microscopist understands. */
  reason: string;
  /** The model's lattice name ('graphene', 'WSe2', ...). */
  lattice: string;
  /** Best match of the model's lattice symmetry, or null when none. */
  model: LatticePeaks | null;
  /** Best match of the other symmetry family, or null when none. */
  other: LatticePeaks | null;
  /** The card's first-order spacing, pm. */
  expectedSpacingPm: number;
  /** The model-symmetry spacing in pm at the stated pixel size, or null. */
  measuredSpacingPm: number | null;
  /** Share of atoms at the bond length (bond check), or null when not run. */
  bondAgreement: number | null;
}

/** What {@link checkFrameLattice} needs to know about the model. */
export interface LatticeExpectation {
  /** Material or lattice name, for messages ('graphene', 'WSe2'). */
  lattice: string;
  /** Lattice constant a, pm (models/materials.ts). */
  latticeConstantPm: number;
  /** Point group of the model's lattice ('6mm', '3m', '4mm'). */
  pointGroup: string;
}

const isSquare = (pg: string) => /^4/.test(pg);
const symmetryWords = (pg: string) => (isSquare(pg) ? '4-fold (square)' : '6-fold (hexagonal)');

function describePeaks(spec: PowerSpectrum, m: LatticeSpacing, pointGroup: string): LatticePeaks {
  const r = spec.N / m.spacingPx;
  const sq = isSquare(pointGroup);
  const step = sq ? 90 : 60;
  const spots: Array<[number, number]> = [];
  for (let k = 0; k < (sq ? 2 : 3); k++) {
    const t = ((m.orientationDeg + k * step) * Math.PI) / 180;
    spots.push([Math.cos(t) / m.spacingPx, -Math.sin(t) / m.spacingPx]);
  }
  return {
    pointGroup,
    spacingPx: m.spacingPx,
    strength: m.strength,
    orientationDeg: m.orientationDeg,
    firstOrder: spotLogRatios(spec, r, m.orientationDeg, pointGroup),
    secondOrder: spotLogRatios(spec, r * (sq ? Math.SQRT2 : Math.sqrt(3)), m.orientationDeg + (sq ? 45 : 30), pointGroup),
    spotsPerPx: spots,
  };
}

const fmt = (v: number, d = 2) => Number(v.toFixed(d));

/**
 * The Fourier verdict of one frame (see the module comment).
 * @param frame float32 `[height * width]`
 * @param model the model's lattice
 * @param statedPixelSizePm the pixel size the file or the user states (pm/px), or null: it narrows
 *   the search for the model's lattice and allows the spacing check
 */
export function checkFrameLattice(frame: Float32Array, height: number, width: number, model: LatticeExpectation, statedPixelSizePm: number | null): LatticeVerdict {
  const expectedSpacingPm = firstOrderSpacingPm(model.latticeConstantPm, model.pointGroup);
  const base = { method: 'fourier' as const, lattice: model.lattice, expectedSpacingPm: fmt(expectedSpacingPm), bondAgreement: null };
  const spec = welchPowerSpectrum(frame, height, width);
  if (!spec) return { ...base, applicable: 'unknown', reason: 'the frame is smaller than 32 x 32 pixels: no Fourier check', model: null, other: null, measuredSpacingPm: null };
  const ownGroup = model.pointGroup;
  const otherGroup = isSquare(ownGroup) ? '6mm' : '4mm';
  const expectedPx = statedPixelSizePm ? expectedSpacingPx(model.latticeConstantPm, ownGroup, statedPixelSizePm) : undefined;
  let ownM = measureLatticeSpacing(frame, height, width, { expectedPx, pointGroup: ownGroup, spectrum: spec });
  if (!ownM && expectedPx) ownM = measureLatticeSpacing(frame, height, width, { pointGroup: ownGroup, spectrum: spec }); // far off: search everything
  const otherM = measureLatticeSpacing(frame, height, width, { pointGroup: otherGroup, spectrum: spec });
  const own = ownM ? describePeaks(spec, ownM, ownGroup) : null;
  const other = otherM ? describePeaks(spec, otherM, otherGroup) : null;
  const measuredSpacingPm = own && statedPixelSizePm ? fmt(own.spacingPx * statedPixelSizePm) : null;
  const res = (applicable: Applicable, reason: string): LatticeVerdict => ({ ...base, applicable, reason, model: own, other, measuredSpacingPm });
  const ownComplete = !!own && Math.min(...own.firstOrder) >= SPOT_MIN;
  const otherReal = !!other && Math.min(...other.firstOrder) >= SPOT_MIN && Math.min(...other.secondOrder) >= SPOT_MIN;
  const name = model.lattice;
  if (otherReal && (!ownComplete || other!.strength > own!.strength)) {
    return res(false, `not ${name}: the frame's Fourier peaks form a ${symmetryWords(otherGroup)} lattice (spacing ${other!.spacingPx.toFixed(2)} px${statedPixelSizePm ? ` = ${(other!.spacingPx * statedPixelSizePm).toFixed(0)} pm` : ''}), not the ${symmetryWords(ownGroup)} lattice of ${name}`);
  }
  if (ownComplete) {
    return res(true, `${symmetryWords(ownGroup)} Fourier peaks of ${name} (first-order spacing ${own!.spacingPx.toFixed(2)} px${measuredSpacingPm !== null ? ` = ${measuredSpacingPm.toFixed(0)} pm, card ${expectedSpacingPm.toFixed(0)} pm` : ''})`);
  }
  const strongest = Math.max(...(own?.firstOrder ?? [-Infinity]), ...(other?.firstOrder ?? [-Infinity]));
  if (strongest >= STRONG_PEAK) {
    return res(false, `not ${name}: the frame's strongest Fourier peak (${Math.exp(strongest).toFixed(0)}x its ring) has no ${symmetryWords(ownGroup)} partners`);
  }
  return res('unknown', 'no clear Fourier lattice peak in the frame (too noisy or too small); the bond lengths of the located atoms decide');
}

/**
 * The bond-length verdict after locating, for frames whose Fourier verdict is 'unknown'.
 * @param fourier the frame's Fourier verdict (returned unchanged unless it is 'unknown')
 * @param atoms located atoms, px
 * @param pixelSizePm pixel size used, pm/px
 * @param bondPm the material's bond length, pm (inference/latticeScale.ts `bondLengthPm`)
 */
export function bondVerdict(fourier: LatticeVerdict, atoms: Array<{ x: number; y: number }>, pixelSizePm: number, bondPm: number): LatticeVerdict {
  if (fourier.applicable !== 'unknown') return fourier;
  const { agreement } = bondAgreement(atoms, pixelSizePm, bondPm);
  const share = `${(100 * agreement).toFixed(0)} % of ${atoms.length} atoms`;
  if (atoms.length < 20) return { ...fourier, method: 'bonds', bondAgreement: fmt(agreement, 3), reason: `${fourier.reason}; too few atoms (${atoms.length}) for the bond check` };
  return agreement >= BOND_AGREEMENT_MIN
    ? { ...fourier, applicable: true, method: 'bonds', bondAgreement: fmt(agreement, 3), reason: `no clear Fourier peak, but ${share} have a neighbour at ${fourier.lattice}'s bond length (${bondPm.toFixed(0)} pm)` }
    : { ...fourier, applicable: false, method: 'bonds', bondAgreement: fmt(agreement, 3), reason: `not ${fourier.lattice}: no clear Fourier peak and only ${share} have a neighbour at its bond length (${bondPm.toFixed(0)} pm)` };
}

/** The verdict of a whole run (docs/schema.md, run.json `applicability`). */
export interface RunVerdict {
  applicable: Applicable;
  reason: string;
  /** Frames checked and their verdicts. */
  frames: Array<{ frame: number; applicable: Applicable; method: 'fourier' | 'bonds'; reason: string }>;
}

/**
 * Combine per-frame verdicts: false when more checked frames say false than true, true when any frame
 * says true (and not more say false), unknown when no frame could tell.
 */
export function runVerdict(frames: Array<{ frame: number; verdict: LatticeVerdict }>): RunVerdict {
  const nTrue = frames.filter((f) => f.verdict.applicable === true).length;
  const nFalse = frames.filter((f) => f.verdict.applicable === false).length;
  const list = frames.map((f) => ({ frame: f.frame, applicable: f.verdict.applicable, method: f.verdict.method, reason: f.verdict.reason }));
  const first = (v: Applicable) => frames.find((f) => f.verdict.applicable === v)!.verdict.reason;
  if (nFalse > nTrue) return { applicable: false, reason: `${nFalse} of ${frames.length} checked frame(s): ${first(false)}`, frames: list };
  if (nTrue > 0) return { applicable: true, reason: `${nTrue} of ${frames.length} checked frame(s): ${first(true)}`, frames: list };
  return { applicable: 'unknown', reason: frames.length ? first('unknown') : 'no frame checked', frames: list };
}
