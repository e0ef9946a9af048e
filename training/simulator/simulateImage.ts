/**
 * Simulate one annular-dark-field STEM image with its ground truth: build the specimen (lattice,
 * dopant configurations or point defects, contamination), image it incoherently with the probe
 * (training/simulator/imageFormation.ts), add the background, record it with shot and detector noise, and
 * label every visible column (atom list in pixels + per-pixel class map).
 *
 * Units: dose in electrons per Å^2 per frame (1 Å^2 = 10^4 pm^2), so the beam delivers
 * dose * (pixel size / 100 pm)^2 electrons per pixel; an atom sends sigma_C (Z/6)^n P(r) of them
 * onto the detector (training/simulator/detectorCrossSection.ts), where P is the probe intensity (1/pm^2).
 */
import { AtomdynError } from '../../data/errors.ts';
import { Random } from '../../data/random.ts';
import type { LabelAtom, TrainingSample } from '../sampleSource.ts';
import { columnWeight, heaviestZ, type ModelAtom } from './atomModel.ts';
import { contamination, NO_CONTAMINATION, smoothRandomField, type Contamination, type ContaminationParams } from './contamination.ts';
import { annularCrossSectionPm2 } from './detectorCrossSection.ts';
import { detect, expectedCounts, IDEAL_DETECTOR, validateDetector, type DetectorParams } from './detectorNoise.ts';
import { apparentPosition, renderColumns, type RenderColumn } from './imageFormation.ts';
import { defaultMaskRadiusPm, paintLabels } from './labelMasks.ts';
import type { Rect } from './lattices/honeycomb.ts';
import { DEFAULT_PROBE, probeProfile, type ProbeParams, type ProbeProfile } from './probe.ts';
import { NO_SCAN_DISTORTION, scanDistortion, type RowOffsets, type ScanDistortionParams } from './scanDistortion.ts';
import { buildSpecimen, type Specimen, type SpecimenOptions } from './specimen.ts';

/** Everything about the microscope and the recording. */
export interface ImagingParams {
  /** Probe-forming optics. */
  probe: ProbeParams;
  /** Annular detector inner semi-angle, mrad. Default 80 (HAADF). */
  detectorInnerMrad: number;
  /** Annular detector outer semi-angle, mrad. Default 200. */
  detectorOuterMrad: number;
  /** Z-contrast exponent n: a column's weight is sum (Z/6)^n. Default 1.7. */
  zExponent: number;
  /** Electrons per Å^2 in one frame. */
  doseEPerA2: number;
  /** Detector gain, pulse-height spread, read noise, offset. */
  detector: DetectorParams;
  /** Fraction of beam electrons detected without any atom (diffuse background). Default 0. */
  backgroundFraction: number;
  /** Relative standard deviation of the smooth background modulation. Default 0. */
  backgroundVariation: number;
  /** Correlation length of the background modulation, pm. Default 1500. */
  backgroundCorrelationPm: number;
  /** Contamination blobs and amorphous carbon. */
  contamination: ContaminationParams;
  /** Scan distortions. */
  distortion: ScanDistortionParams;
  /** Label disk radius, pm (default 0.3 x nearest-neighbour distance). */
  maskRadiusPm?: number;
}

/**
 * Defaults: a 60 kV aberration-corrected HAADF recording with an ideal electron-counting detector
 * and no distortion or contamination. The presets in training/simulator/imagingPresets.ts match real frames.
 */
export const DEFAULT_IMAGING: Readonly<ImagingParams> = {
  probe: DEFAULT_PROBE,
  detectorInnerMrad: 80,
  detectorOuterMrad: 200,
  zExponent: 1.7,
  doseEPerA2: 1e6,
  detector: IDEAL_DETECTOR,
  backgroundFraction: 0,
  backgroundVariation: 0,
  backgroundCorrelationPm: 1500,
  contamination: NO_CONTAMINATION,
  distortion: NO_SCAN_DISTORTION,
};

/** Size and sampling of a frame. */
export interface FrameSpec {
  /** Columns. */
  width: number;
  /** Rows. */
  height: number;
  /** Pixel size, pm. */
  pixelSizePm: number;
}

/** A labelled column of a simulated image (LabelAtom plus the simulator's truth). */
export interface SimulatedAtom extends LabelAtom {
  /** Specimen position, pm (undistorted, undrifted). */
  xPm: number;
  yPm: number;
  /** Out-of-plane offset, pm. */
  heightPm: number;
  /** Lattice site id, or null off the lattice. */
  site: number | null;
  /** Atoms in the column. */
  count: number;
}

/** Figures that describe a simulated image. */
export interface ImageStats {
  /** Beam electrons per pixel (dose x pixel area). */
  electronsPerPixel: number;
  /** Detector cross-section of one C atom, pm^2. */
  carbonCrossSectionPm2: number;
  /** Probe intensity FWHM including the source blur, pm. */
  probeFwhmPm: number;
  /** Mean noise-free counts at the columns of each species (sampled at the column position). */
  columnCounts: Record<string, number>;
  /** Mean noise-free counts over the frame. */
  meanCounts: number;
}

/** One simulated image with its truth. */
export interface SimulatedImage extends TrainingSample {
  /** Pixel size, pm. */
  pixelSizePm: number;
  /** Noise-free counts, float32 `[height * width]`. */
  expected: Float32Array;
  /** Labelled columns (visible, not under thick contamination). */
  atoms: SimulatedAtom[];
  /** Class names for label values 1..S (S+1 = 'other'). */
  species: string[];
  /** Figures. */
  stats: ImageStats;
}

const profileCache = new Map<string, ProbeProfile>();

/** Probe profile, cached by its parameters (the last 16). */
export function cachedProbeProfile(p: ProbeParams): ProbeProfile {
  const key = JSON.stringify([p.voltageKv, p.convergenceMrad, p.defocusNm, p.csUm, p.c5Mm, p.sourceFwhmPm]);
  let hit = profileCache.get(key);
  if (!hit) {
    hit = probeProfile(p);
    profileCache.set(key, hit);
    if (profileCache.size > 16) profileCache.delete(profileCache.keys().next().value as string);
  }
  return hit;
}

/** Independent seed for sub-stream `stream` of `seed` (so e.g. the noise does not depend on the atom count). */
export function deriveSeed(seed: number, stream: number): number {
  let h = (seed >>> 0) ^ Math.imul(stream + 1, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Check imaging parameters.
 * @throws AtomdynError naming the flag of a bad value
 */
export function validateImaging(p: ImagingParams, frame: FrameSpec): void {
  if (!(Number.isInteger(frame.width) && frame.width >= 8 && frame.width <= 8192)) throw AtomdynError.forOption('width', `image width must be an integer in [8, 8192], got ${frame.width}`);
  if (!(Number.isInteger(frame.height) && frame.height >= 8 && frame.height <= 8192)) throw AtomdynError.forOption('height', `image height must be an integer in [8, 8192], got ${frame.height}`);
  if (!(frame.pixelSizePm > 0.5 && frame.pixelSizePm <= 500)) throw AtomdynError.forOption('pixelSizePm', `pixel size must be in (0.5, 500] pm, got ${frame.pixelSizePm}`);
  if (!(p.doseEPerA2 > 0 && Number.isFinite(p.doseEPerA2))) throw AtomdynError.forOption('doseEPerA2', `dose must be a positive number of e-/Å², got ${p.doseEPerA2}`);
  if (!(p.zExponent > 0 && p.zExponent <= 3)) throw AtomdynError.forOption('zExponent', `Z exponent must be in (0, 3], got ${p.zExponent}`);
  if (!(p.backgroundFraction >= 0)) throw AtomdynError.forOption('backgroundFraction', `background fraction must be >= 0, got ${p.backgroundFraction}`);
  validateDetector(p.detector);
}

/** Everything beyond the atoms that one frame's image formation needs. */
export interface FrameContext {
  /** Per-row content displacement (drift and scan distortions), px. */
  offsets: RowOffsets;
  /** Contamination whose blobs hide atoms and mark 'other' pixels (its atoms must be in `atoms`). */
  contamination?: Contamination;
  /** Smooth background modulation (mean 0, sd 1), `[height * width]`. */
  backgroundField?: Float64Array;
  /** Random source for the detector noise. */
  noiseRng: Random;
}

/**
 * Form, record and label one frame of a specimen.
 *
 * @param atoms every column to image, pm (lattice + contamination; species not in `species` are imaged, not labelled)
 * @param species class names for label values 1..S
 * @param nearestNeighbourPm sets the default label disk radius
 */
export function imageFrame(atoms: ModelAtom[], species: string[], nearestNeighbourPm: number, frame: FrameSpec, p: ImagingParams, ctx: FrameContext): SimulatedImage {
  validateImaging(p, frame);
  const { width, height, pixelSizePm: px } = frame;
  const profile = cachedProbeProfile(p.probe);
  const sigmaC = annularCrossSectionPm2(6, p.probe.voltageKv, p.detectorInnerMrad, p.detectorOuterMrad);
  const columns: RenderColumn[] = atoms.map((a) => ({ x: a.x / px, y: a.y / px, weight: columnWeight(a.zList, p.zExponent) }));
  const sum = renderColumns(columns, width, height, profile, px, ctx.offsets);
  // signal lost beyond the render radius, spread uniformly
  let wIn = 0;
  for (const c of columns) if (c.x >= -0.5 && c.x < width - 0.5 && c.y >= -0.5 && c.y < height - 0.5) wIn += c.weight;
  const tail = (profile.tailFraction * wIn) / (width * height * px * px);
  const electronsPerPixel = (p.doseEPerA2 * px * px) / 1e4;
  const expectedElectrons = new Float64Array(width * height);
  const bg = p.backgroundFraction;
  const field = ctx.backgroundField;
  for (let k = 0; k < expectedElectrons.length; k++) {
    const b = bg * (field && p.backgroundVariation > 0 ? Math.max(0, 1 + p.backgroundVariation * field[k]) : 1);
    expectedElectrons[k] = electronsPerPixel * (sigmaC * (sum[k] + tail) + b);
  }
  const image = detect(expectedElectrons, p.detector, ctx.noiseRng, width);
  const expected = expectedCounts(expectedElectrons, p.detector);

  // labels
  const probeSigmaPx = profile.fwhmPm / 2.3548 / px;
  const cont = ctx.contamination;
  const threshold = p.contamination.otherThreshold;
  const labelled: SimulatedAtom[] = [];
  for (const a of atoms) {
    if (!species.includes(a.species)) continue;
    const pos = apparentPosition(a.x / px, a.y / px, ctx.offsets, probeSigmaPx);
    if (!(pos.x >= -0.5 && pos.x < width - 0.5 && pos.y >= -0.5 && pos.y < height - 0.5)) continue;
    if (cont && cont.blobs.length > 0 && cont.relativeDensity(a.x, a.y) >= threshold) continue;
    labelled.push({ x: pos.x, y: pos.y, species: a.species, element: a.element, z: heaviestZ(a), xPm: a.x, yPm: a.y, heightPm: a.heightPm, site: a.site, count: a.zList.length });
  }
  let other: Uint8Array | undefined;
  if (cont && cont.blobs.length > 0) {
    other = new Uint8Array(width * height);
    for (let i = 0; i < height; i++) {
      const sy = (i - ctx.offsets.oy[i]) * px;
      for (let j = 0; j < width; j++) {
        const sx = (j - ctx.offsets.ox[i]) * px;
        if (cont.relativeDensity(sx, sy) >= threshold) other[i * width + j] = 1;
      }
    }
  }
  const radiusPx = (p.maskRadiusPm ?? defaultMaskRadiusPm(nearestNeighbourPm)) / px;
  const labels = paintLabels(labelled, species, radiusPx, width, height, other);

  // figures
  const columnCounts: Record<string, number> = {};
  const counts: Record<string, number> = {};
  for (const a of labelled) {
    if (a.x < 1 || a.y < 1 || a.x > width - 2 || a.y > height - 2) continue;
    columnCounts[a.species] = (columnCounts[a.species] ?? 0) + bilinear(expected, width, a.x, a.y);
    counts[a.species] = (counts[a.species] ?? 0) + 1;
  }
  for (const s of Object.keys(columnCounts)) columnCounts[s] /= counts[s];
  let meanCounts = 0;
  for (let k = 0; k < expected.length; k++) meanCounts += expected[k];
  meanCounts /= expected.length;
  return {
    image,
    labels,
    height,
    width,
    atoms: labelled,
    pixelSizePm: px,
    expected,
    species,
    stats: { electronsPerPixel, carbonCrossSectionPm2: sigmaC, probeFwhmPm: profile.fwhmPm, columnCounts, meanCounts },
  };
}

function bilinear(a: Float32Array, width: number, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const tx = x - x0;
  const ty = y - y0;
  const v = (i: number, j: number) => a[i * width + j];
  return (1 - ty) * ((1 - tx) * v(y0, x0) + tx * v(y0, x0 + 1)) + ty * ((1 - tx) * v(y0 + 1, x0) + tx * v(y0 + 1, x0 + 1));
}

/**
 * The specimen rectangle (pm) a frame needs: the frame plus the probe's render radius and `extraPm`
 * (drift) on every side.
 */
export function specimenRect(frame: FrameSpec, imaging: ImagingParams, extraPm = 0): Rect {
  const m = cachedProbeProfile(imaging.probe).radiusPm + 2 * frame.pixelSizePm + extraPm;
  return { x0: -0.5 * frame.pixelSizePm - m, y0: -0.5 * frame.pixelSizePm - m, x1: (frame.width - 0.5) * frame.pixelSizePm + m, y1: (frame.height - 0.5) * frame.pixelSizePm + m };
}

/** Options of {@link simulateImage}. */
export interface SimulateImageOptions {
  specimen: SpecimenOptions;
  frame: FrameSpec;
  imaging: ImagingParams;
  /** Seed; the same seed and options give identical bytes. */
  seed: number;
}

/**
 * Simulate one labelled image.
 * Random sub-streams of `seed`: 0 specimen, 1 contamination, 2 background, 3 scan distortion, 4 noise.
 *
 * @throws AtomdynError for invalid options (unknown lattice, dopant, out-of-range parameter)
 */
export function simulateImage(o: SimulateImageOptions): SimulatedImage & { specimen: Specimen } {
  validateImaging(o.imaging, o.frame);
  const { frame, imaging } = o;
  const rect = specimenRect(frame, imaging);
  const px = frame.pixelSizePm;
  const placement: Rect = { x0: -0.5 * px, y0: -0.5 * px, x1: (frame.width - 0.5) * px, y1: (frame.height - 0.5) * px };
  const specimen = buildSpecimen(o.specimen, rect, placement, new Random(deriveSeed(o.seed, 0)));
  const cont = contamination(rect, imaging.contamination, new Random(deriveSeed(o.seed, 1)));
  const backgroundField =
    imaging.backgroundVariation > 0 && imaging.backgroundFraction > 0
      ? smoothRandomField(frame.width, frame.height, imaging.backgroundCorrelationPm / px, new Random(deriveSeed(o.seed, 2)))
      : undefined;
  const offsets = scanDistortion(frame.height, imaging.distortion, { x: 0, y: 0 }, new Random(deriveSeed(o.seed, 3)));
  const img = imageFrame([...specimen.atoms, ...cont.atoms], specimen.species, specimen.nearestNeighbourPm, frame, imaging, {
    offsets,
    contamination: cont,
    backgroundField,
    noiseRng: new Random(deriveSeed(o.seed, 4)),
  });
  return { ...img, specimen };
}
