/**
 * One frame from pixels to atoms: hot-pixel removal, anti-aliased resampling to the model's pixel
 * size, the model card's normalisation, tiled segmentation, connected components with
 * probability-weighted centroids (touching atoms split), coordinates mapped back to the input frame,
 * then the joint column fit on the raw frame (inference/columnFit.ts: positions, presence test, added
 * columns, Cramér-Rao sigma; `fit: true`, or `'auto'` where the pixels resolve single light columns; `locate's default) or the older per-atom Gaussian refinement (`refine`). This is the per-frame core that
 * inference/locate.ts streams frames through (in worker threads or in the calling thread).
 */
import { removeHotPixels } from './hotPixels.ts';
import { resampleFrame, toInputCoordinate, toModelCoordinate } from './resample.ts';
import { predictTiled } from './tiling.ts';
import { findBlobs } from './blobs.ts';
import { splitTouchingAtoms } from './splitTouchingAtoms.ts';
import { refineAtom } from './gaussianRefine.ts';
import { AUTO_FIT_MIN_LIGHT_LLR, fitColumns, type StartColumn } from './columnFit.ts';
import { latticeAreaMask } from './latticeMask.ts';
import { dihedralAveraged, ttaApplies } from './testTimeAugmentation.ts';
import { normaliseFrame, type NormalisationParameters } from '../models/inputNormalisation.ts';
import type { Segmenter } from './segmenter.ts';
import { columnAtomicNumber, materialByName } from '../models/materials.ts';

/** An atom found in a frame; coordinates in pixels of the input frame (docs/schema.md). */
export interface LocatedAtom {
  x: number;
  y: number;
  /** Species (model class name). */
  species: string;
  /** Mean probability of that class over the atom's pixels, 0..1. */
  confidence: number;
  /** Position standard error (per coordinate) from the column fit, input pixels; NaN when not fitted. */
  sigmaPx: number;
  /** Log-likelihood ratio of the column fit with this column over the fit without it (counts); NaN when not fitted. */
  presence: number;
}

/** What {@link locateFrame} returns. */
export interface LocatedFrameResult {
  /** The atoms, input pixels. */
  atoms: LocatedAtom[];
  /** Class probabilities at the model's pixel size, float32 `[modelHeight, modelWidth, classes]`. */
  probabilities: Float32Array;
  modelHeight: number;
  modelWidth: number;
  /** Model pixels per input pixel. */
  scale: number;
  /** The probe width (Gaussian standard deviation) the column fit measured, input pixels; NaN where the fit did not run or (automatic mode) left the frame to the network. */
  probeSigmaPx: number;
  /** The column fit's median light-column Wald LLR (inference/columnFit.ts `medianLightLlr`); NaN where the fit did not run. */
  fitLightLlr: number;
}

/** Settings of {@link locateFrame}. */
export interface LocateFrameOptions {
  /** Pixel size of the input frame, pm/px (the decided one: see inference/calibrationCheck.ts). */
  inputPixelSizePm: number;
  /** Replace single-pixel outliers first (default true). */
  hotPixels?: boolean;
  /**
   * Joint column fit on the raw frame (inference/columnFit.ts: positions, amplitude and presence tests,
   * added columns, sigma), graphene-family models only. `'auto'` (the default of `locate`; the library's
   * default stays `false`): the fit runs its first sweep and goes on only where the pixels resolve single
   * light columns (median light-column Wald LLR >= columnFit.ts AUTO_FIT_MIN_LIGHT_LLR = 60), else the
   * frame keeps the network's atoms. On the real labelled LibraryNet crops the forced fit (`true`) gets
   * 80.8 % of labelled Si right against 95.4 % without it (it removes real C columns beside Si clusters;
   * bench/locate.ts, real-crops section), and every real frame in ../shared lies below the automatic
   * threshold, while on the simulated out-of-distribution set (all above it) the fit is what gives the
   * issue-13 figures. MX2 models are never fitted: a column there holds a metal or two chalcogens, whose
   * amplitudes the single light-column floor of the amplitude test does not describe.
   */
  fit?: boolean | 'auto';
  /** Presence threshold of the column fit, log-likelihood ratio (default: inference/columnFit.ts). */
  presenceThreshold?: number;
  /** Let the column fit add columns the network missed (default true). */
  addColumns?: boolean;
  /** Refine positions by single-atom 2-D Gaussian fits instead (default false; only used when `fit` is false). */
  refine?: boolean;
  /**
   * First-order Fourier peaks of the frame's lattice, `[fx, fy]` cycles per input pixel (as
   * `LatticeVerdict.model.spotsPerPx`), when the frame is known to show the model's lattice. With a model
   * that has the class 'other' (contamination), 'other' is then not allowed inside the frame's lattice
   * area (inference/latticeMask.ts): contamination is what hides the lattice, so where the lattice's
   * fringes stand out the network's 'other' is a mistake (seen on WS2.emd: bright, clean WS2 called
   * contamination over 28 % of the frame). There the 'other' probability is removed and the rest
   * renormalised. Absent: no change.
   */
  latticeSpotsPerPx?: Array<[number, number]>;
  /**
   * Test-time augmentation: average the network's class probabilities over the 8 dihedral transforms
   * of each patch (inference/testTimeAugmentation.ts; 8x the network time). `'auto'` (default): on for
   * graphene models on frames at about the model's own pixel size (>= 0.75 of it), where it makes the
   * formulas of noisy real frames reliable (bench/locate.ts, real-crops section), off otherwise.
   */
  tta?: boolean | 'auto';
  /** Patch side for tiling, model pixels, multiple of 8 (default 512: frames up to 512 model pixels run whole). */
  patch?: number;
  /** Overlap between patches, model pixels (default 32). */
  overlap?: number;
  /** Patches per network call (default 4). */
  batchSize?: number;
}

/** The species whose columns scatter most (sum of Z over its atoms per column; elements like 'Se2' count twice). */
export function heaviestSpecies(card: Segmenter['card']): string | null {
  let best: string | null = null, bestZ = 0;
  for (const s of card.species) {
    const z = columnAtomicNumber(s.element);
    if (z > bestZ) {
      bestZ = z;
      best = s.name;
    }
  }
  return best;
}

/**
 * True when the normalised frame has a compact peak near (x, y): the best 3x3 mean within 1 px stands
 * `level` column levels above the median of the ring at half the nearest-neighbour distance around it
 * (a column under diffuse contamination is raised, but not above its own surroundings).
 */
function isBrightPeak(norm: Float32Array, height: number, width: number, x: number, y: number, level: number, nnPx: number): boolean {
  const at = (xx: number, yy: number) => norm[Math.min(height - 1, Math.max(0, yy)) * width + Math.min(width - 1, Math.max(0, xx))];
  const mean3 = (cx: number, cy: number) => {
    let s = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += at(cx + dx, cy + dy);
    return s / 9;
  };
  let bx = Math.round(x), by = Math.round(y), best = -Infinity;
  for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
    const v = mean3(Math.round(x) + dx, Math.round(y) + dy);
    if (v > best) {
      best = v;
      bx = Math.round(x) + dx;
      by = Math.round(y) + dy;
    }
  }
  const r = Math.max(2, 0.5 * nnPx);
  const ring: number[] = [];
  for (let k = 0; k < 24; k++) ring.push(at(Math.round(bx + r * Math.cos((k * Math.PI) / 12)), Math.round(by + r * Math.sin((k * Math.PI) / 12))));
  ring.sort((p, q) => p - q);
  return best - ring[ring.length >> 1] >= level;
}

/**
 * Remove the class 'other' where the frame shows its lattice: for every model pixel whose input-frame
 * position lies in `mask`, p(other) is set to 0 and the other classes are divided by 1 - p(other)
 * (when p(other) is 1 the pixel becomes background).
 * @param probs float32 `[mh * mw * classes]` HWC softmax probabilities at the model's pixel size, changed in place
 * @param other index of 'other' in the classes
 * @param mask uint8 `[height * width]` of the input frame, 1 = lattice
 * @param scale input pixels per model pixel (inference/resample.ts)
 */
export function suppressOtherInLattice(probs: Float32Array, mh: number, mw: number, classes: number, other: number, mask: Uint8Array, height: number, width: number, scale: number): void {
  const col = new Int32Array(mw);
  for (let x = 0; x < mw; x++) col[x] = Math.min(width - 1, Math.max(0, Math.round(toInputCoordinate(x, scale))));
  for (let y = 0; y < mh; y++) {
    const row = Math.min(height - 1, Math.max(0, Math.round(toInputCoordinate(y, scale)))) * width;
    for (let x = 0; x < mw; x++) {
      if (!mask[row + col[x]]) continue;
      const b = (y * mw + x) * classes;
      const rest = 1 - probs[b + other];
      probs[b + other] = 0;
      if (rest <= 1e-6) {
        for (let k = 0; k < classes; k++) probs[b + k] = k === 0 ? 1 : 0;
        continue;
      }
      for (let k = 0; k < classes; k++) probs[b + k] /= rest;
    }
  }
}

/** True when class `k` is the most probable one at some pixel of `probs` (HWC, `classes` per pixel). */
export function anyArgmax(probs: Float32Array, classes: number, k: number): boolean {
  for (let b = 0; b < probs.length; b += classes) {
    const v = probs[b + k];
    let wins = true;
    for (let c = 0; c < classes; c++) {
      if (c !== k && probs[b + c] >= v) {
        wins = false;
        break;
      }
    }
    if (wins) return true;
  }
  return false;
}

/** Shortest projected nearest-neighbour distance in the card, pm. */
export function nearestNeighbourPm(seg: Segmenter): number {
  return Math.min(...Object.values(seg.card.lattice.bondLengthsPm));
}

/**
 * Find the atoms of one frame.
 * @param frame raw float32 `[height * width]` (not modified)
 * @returns atoms in input-frame pixels, and the model-resolution probability map (HWC) for overlays
 * @throws AtomdynError when the frame cannot be normalised (flat frame), from models/inputNormalisation.ts
 */
export async function locateFrame(
  seg: Segmenter,
  frame: Float32Array,
  height: number,
  width: number,
  opts: LocateFrameOptions,
  source = 'frame',
): Promise<LocatedFrameResult> {
  const card = seg.card;
  const raw = opts.hotPixels === false ? frame : removeHotPixels(frame, height, width).data;
  const scale = card.pixelSizePm / opts.inputPixelSizePm;
  const r = resampleFrame(raw, height, width, scale);
  const norm = normaliseFrame(r.data, r.height, r.width, card.normalisation.parameters as Partial<NormalisationParameters>, source).image;
  const classes = card.classes.length;
  const net = ttaApplies(opts.tta ?? 'auto', card, opts.inputPixelSizePm) ? dihedralAveraged(seg) : seg;
  const probs = await predictTiled(norm, r.height, r.width, (p, k, ph, pw) => net.predict(p, k, ph, pw), classes, {
    patch: opts.patch ?? 512,
    overlap: opts.overlap ?? 32,
    batchSize: opts.batchSize ?? 4,
  });
  if (opts.latticeSpotsPerPx && opts.latticeSpotsPerPx.length > 0) {
    const o = card.classes.indexOf('other');
    // the mask costs about as much as the network on a clean frame: only where 'other' wins somewhere
    if (o > 0 && anyArgmax(probs, classes, o)) suppressOtherInLattice(probs, r.height, r.width, classes, o, latticeAreaMask(raw, height, width, opts.latticeSpotsPerPx).mask, height, width, scale);
  }
  const nnModelPx = nearestNeighbourPm(seg) / card.pixelSizePm;
  // an atom's label disk covers about pi (0.3 nn)^2 pixels; drop specks under a fifth of that
  const minArea = Math.max(2, Math.floor(0.2 * Math.PI * (0.3 * nnModelPx) ** 2));
  const blobs = splitTouchingAtoms(findBlobs(probs, r.height, r.width, classes, { minArea }), probs, r.height, r.width, classes, 0.6 * nnModelPx);
  const nnInputPx = nearestNeighbourPm(seg) / opts.inputPixelSizePm;
  const atoms: LocatedAtom[] = [];
  const heavy = heaviestSpecies(card);
  for (const b of blobs) {
    let species = card.classes[b.classIndex];
    if (species === 'other') {
      // Contamination is diffuse; a compact peak standing 2 column levels above its surroundings inside
      // an 'other' region is a heavy atom the network took for contamination (seen on the Si trimer of
      // G-trimSi.hdf5): it is kept as the heaviest species. Anything else there is dropped.
      if (!heavy || !isBrightPeak(norm, r.height, r.width, b.x, b.y, 2, nnModelPx)) continue;
      species = heavy;
    }
    let x = toInputCoordinate(b.x, scale), y = toInputCoordinate(b.y, scale), sigmaPx = NaN;
    if (opts.refine === true && !(opts.fit === true && materialByName(card.lattice.name)?.family === 'graphene')) {
      // probe-blurred column: Gaussian width about 0.25 of the nearest-neighbour distance
      const f = refineAtom(raw, height, width, x, y, 0.45 * nnInputPx, 0.25 * nnInputPx, 0.25 * nnInputPx);
      if (f.refined) {
        x = f.x;
        y = f.y;
        sigmaPx = f.sigma;
      }
    }
    if (x < -0.5 || y < -0.5 || x > width - 0.5 || y > height - 0.5) continue;
    atoms.push({ x, y, species, confidence: b.confidence, sigmaPx, presence: NaN });
  }
  const fitOn = (opts.fit === true || opts.fit === 'auto') && materialByName(card.lattice.name)?.family === 'graphene';
  if (!fitOn || atoms.length === 0) return { atoms, probabilities: probs, modelHeight: r.height, modelWidth: r.width, scale, probeSigmaPx: NaN, fitLightLlr: NaN };
  const minMedianLightLlr = opts.fit === 'auto' ? AUTO_FIT_MIN_LIGHT_LLR : 0;
  const fitted = fitAtoms(raw, height, width, atoms, heavy, nnInputPx, { presenceThreshold: opts.presenceThreshold, addColumns: opts.addColumns, minMedianLightLlr }, (x, y, sp) => {
    const mx = Math.min(r.width - 1, Math.max(0, Math.round(toModelCoordinate(x, scale))));
    const my = Math.min(r.height - 1, Math.max(0, Math.round(toModelCoordinate(y, scale))));
    return probs[(my * r.width + mx) * classes + card.classes.indexOf(sp)];
  }, (x, y) => {
    // not where the network sees contamination ('other' the most probable class)
    const o = card.classes.indexOf('other');
    if (o < 0) return true;
    const mx = Math.min(r.width - 1, Math.max(0, Math.round(toModelCoordinate(x, scale))));
    const my = Math.min(r.height - 1, Math.max(0, Math.round(toModelCoordinate(y, scale))));
    const base = (my * r.width + mx) * classes;
    let best = 0;
    for (let k = 1; k < classes; k++) if (probs[base + k] > probs[base + best]) best = k;
    return best !== o;
  });
  return { atoms: fitted.atoms, probabilities: probs, modelHeight: r.height, modelWidth: r.width, scale, probeSigmaPx: fitted.probeSigmaPx, fitLightLlr: fitted.medianLightLlr };
}

/**
 * The joint column fit applied to the network's atoms: kept atoms take the fitted positions, sigma and
 * presence; atoms that fail the presence test are dropped; added columns get the heavy species when
 * their amplitude is nearer (geometrically) the median heavy amplitude than the median light one (or,
 * with no heavy atom in the frame, above 2.5 x the light median), else the most common species, and
 * the network's probability of that species at their position as confidence. No column is added where
 * the network's most probable class is 'other' (contamination).
 */
function fitAtoms(raw: Float32Array, height: number, width: number, atoms: LocatedAtom[], heavy: string | null, nnPx: number, fitOpts: { presenceThreshold?: number; addColumns?: boolean; minMedianLightLlr?: number }, probabilityAt: (x: number, y: number, species: string) => number, canAdd: (x: number, y: number) => boolean): { atoms: LocatedAtom[]; probeSigmaPx: number; medianLightLlr: number; skipped: boolean } {
  const start: StartColumn[] = atoms.map((a) => ({ x: a.x, y: a.y, heavy: a.species === heavy }));
  const f = fitColumns(raw, height, width, start, { nnPx, ...fitOpts, canAdd: (x, y) => canAdd(x, y) });
  // left to the network (automatic mode): its atoms as they are, no probe width
  if (f.skipped) return { atoms, probeSigmaPx: NaN, medianLightLlr: f.medianLightLlr, skipped: true };
  const counts = new Map<string, number>();
  for (const a of atoms) counts.set(a.species, (counts.get(a.species) ?? 0) + 1);
  const common = [...counts.entries()].sort((p, q) => q[1] - p[1])[0][0];
  const median = (l: number[]) => (l.length ? [...l].sort((p, q) => p - q)[l.length >> 1] : NaN);
  const kept = f.columns.filter((c) => c.start >= 0);
  const lightA = median(kept.filter((c) => atoms[c.start].species === common).map((c) => c.amplitude));
  const heavyA = median(kept.filter((c) => atoms[c.start].species === heavy && heavy !== common).map((c) => c.amplitude));
  const cut = Number.isFinite(heavyA) ? Math.sqrt(lightA * heavyA) : 2.5 * lightA;
  const out: LocatedAtom[] = f.columns.map((c) => {
    if (c.start >= 0) return { ...atoms[c.start], x: c.x, y: c.y, sigmaPx: c.sigmaPx, presence: c.presence };
    const species = heavy && c.amplitude > cut ? heavy : common;
    return { x: c.x, y: c.y, species, confidence: probabilityAt(c.x, c.y, species), sigmaPx: c.sigmaPx, presence: c.presence };
  });
  return { atoms: out, probeSigmaPx: f.probeSigmaPx, medianLightLlr: f.medianLightLlr, skipped: false };
}
