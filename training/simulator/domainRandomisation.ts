/**
 * Domain randomisation for training data: each training sample is simulated with physics drawn at
 * random from realistic ranges (dose, Z exponent, probe, detector, background, contamination, scan
 * distortion, lattice rotation and scale), so a network trained on them copes with the spread of real
 * instruments and sessions (Tobin et al., IROS 2017). Sample k depends only on (seed, k): the stream
 * is reproducible whatever the timing of the worker threads.
 */
import { AtomdynError } from '../../data/errors.ts';
import { Random } from '../../data/random.ts';
import type { TrainingSample } from '../sampleSource.ts';
import { MX2_MATERIALS, type Mx2Material } from './lattices/mx2.ts';
import { LEGACY_GRAPHENE_CONFIGURATIONS, type GrapheneConfiguration } from './siConfigurations.ts';
import { acquisitionSide, resampleSample } from './acquisitionResample.ts';
import { defaultMaskRadiusPm } from './labelMasks.ts';
import { DEFAULT_IMAGING, deriveSeed, simulateImage, type ImagingParams } from './simulateImage.ts';
import { latticeSpecies, type SpecimenOptions } from './specimen.ts';
import { GRAPHENE_PRESET, WSE2_MOVIE_PRESET } from './imagingPresets.ts';
import { drawMx2Defects } from './mx2RandomGeometry.ts';

/** Lattices a training source can draw: a material, or 'mx2' for any of MoS2, WS2, WSe2. */
export type SourceLattice = 'graphene' | 'MoS2' | 'WS2' | 'WSe2' | 'mx2';

/** Options of a simulated training source (training/simulatedSource.ts). */
export interface SimulatedSourceOptions {
  lattice: SourceLattice;
  /** Pixel size of every sample, pm. */
  pixelSizePm: number;
  /** Square patch side, px. Default 128. */
  patch?: number;
  /** Seed of the stream. */
  seed: number;
  /** Graphene: mean dopant configurations per nm^2 (enriched above real densities so the rare species is learned). Default 0.4. */
  dopantsPerNm2?: number;
  /** Graphene: configurations drawn from (uniformly; repeat a name to weight it). Default: every configuration, si-c3 twice. */
  configurations?: GrapheneConfiguration[];
  /** Dose range per frame, e-/Å², drawn log-uniformly. Default graphene [4e5, 1e7], MX2 [1.5e4, 5e5]. */
  doseRange?: [number, number];
  /** Z-exponent range. Default [1.6, 2.0]. */
  zExponentRange?: [number, number];
  /** Draw contamination blobs in about a third of the samples (the lattice under them is not labelled). Default true. */
  contamination?: boolean;
  /** Label contamination as class S+1 ('other'); otherwise it is background (class 0). Default false. */
  otherClass?: boolean;
  /** Relative spread of the lattice scale (calibration error, strain). Default 0.03. */
  scaleJitter?: number;
  /** Worker threads. Default 1. */
  workers?: number;
  /** Samples simulated ahead of the consumer. Default 4. */
  prefetch?: number;
  /** Index of the first sample (to resume a stream). Default 0. */
  startIndex?: number;
  /** Simulate in the calling thread instead of workers (tests, debugging). Default false. */
  inline?: boolean;
  /**
   * 'randomised' (default for training): physics drawn per sample from the ranges in this file;
   * 'matched': the imaging of the preset matched to real frames (graphene-si for graphene, wse2-movie
   * for MX2; training/simulator/imagingPresets.ts) at this source's pixel size, with random specimens, so
   * validation figures hold at the real frames' signal-to-noise.
   */
  physics?: 'randomised' | 'matched';
  /** What the stream is for; 'validation' makes `physics` default to 'matched' and `geometry` to 'fixed'. */
  purpose?: 'train' | 'validation';
  /**
   * Specimen geometry. 'randomised' (default for graphene training; MX2 sources default to 'fixed',
   * the recipe of mx2 1.0, and `atomdyn train` asks for 'randomised'):
   * - graphene: per-defect Si-C distances 140-200 pm, strain, edges, displaced and inserted columns,
   *   the LibraryNet clusters (training/simulator/randomGeometry.ts) and acquisition pixel sizes
   *   3.5-20 pm resampled to `pixelSizePm` as at inference (training/simulator/acquisitionResample.ts);
   * - MX2: per-image vacancy and dopant fractions (V or W in MoS2, Mo in WS2 and WSe2), strain, slow
   *   distortion and displaced columns (training/simulator/mx2RandomGeometry.ts), scan glitches (torn
   *   rows, 0-3 per frame), acquisition pixel sizes 8-40 pm resampled to `pixelSizePm`, and in 40 %
   *   of the images the WSe2-movie preset's probe, background and detector (its dose or the MoS2
   *   files' counting detector) with a dose log-uniform in 2e4-3e5 e-/Å².
   * 'fixed' (default for validation): graphene, one relaxed geometry per configuration, rendered at
   * `pixelSizePm`, the seven configurations of graphene-si 1.x; MX2, the ideal lattice with the point
   * defects of mx2 1.0 (both their training data, reproducible).
   */
  geometry?: 'fixed' | 'randomised';
  /** Randomised geometry: range of the acquisition pixel size, pm. Default [3.5, 20] for graphene, [8, 40] for MX2. */
  acquisitionPixelRange?: [number, number];
}

/** Configurations drawn in randomised geometry (repeats weight them: the LibraryNet formulas Si1C3, Si3C6, Si1C4 most). */
export const RANDOMISED_CONFIGURATIONS: readonly GrapheneConfiguration[] = [
  'si-c3', 'si-c3', 'si-c3', 'si-c4', 'si-c4', 'si-dimer', 'si-dimer', 'si-trimer', 'si-trimer', 'si2-c4', 'si2-c6', 'si2-c6', 'si4-c6',
  'si-vacancy', 'vacancy', 'divacancy', 'multivacancy', 'hole',
];

/** Species, elements and 'other' channel of a source. */
export function sourceClasses(o: SimulatedSourceOptions): { species: string[]; elements: Record<string, string>; hasOther: boolean } {
  // the class count stays the same for a training stream and its validation stream
  const hasOther = o.otherClass ?? false;
  if (o.lattice === 'graphene') return { ...latticeSpecies('graphene', 'Si'), hasOther };
  if (o.lattice === 'mx2') return { species: ['metal', 'chalcogen'], elements: { metal: 'Mo/W', chalcogen: 'S2/Se2' }, hasOther };
  return { ...latticeSpecies(o.lattice), hasOther };
}

/**
 * Check source options.
 * @throws AtomdynError naming the option
 */
export function validateSourceOptions(o: SimulatedSourceOptions): void {
  if (!['graphene', 'MoS2', 'WS2', 'WSe2', 'mx2'].includes(o.lattice)) throw new AtomdynError('lattice', `unknown lattice '${o.lattice}' (graphene, MoS2, WS2, WSe2, mx2)`);
  if (!(o.pixelSizePm > 1 && o.pixelSizePm < 200)) throw new AtomdynError('pixelSizePm', `pixel size must be in (1, 200) pm, got ${o.pixelSizePm}`);
  const patch = o.patch ?? 128;
  if (!(Number.isInteger(patch) && patch >= 16 && patch <= 2048)) throw new AtomdynError('patch', `patch must be an integer in [16, 2048], got ${patch}`);
  if (!Number.isInteger(o.seed)) throw new AtomdynError('seed', `seed must be an integer, got ${o.seed}`);
  for (const [name, r] of [['doseRange', o.doseRange], ['zExponentRange', o.zExponentRange]] as const) {
    if (r && !(r.length === 2 && r[0] > 0 && r[1] >= r[0])) throw new AtomdynError(name, `expected [low, high] with 0 < low <= high, got ${JSON.stringify(r)}`);
  }
  if (o.workers !== undefined && !(Number.isInteger(o.workers) && o.workers >= 1 && o.workers <= 64)) throw new AtomdynError('workers', `workers must be an integer in [1, 64], got ${o.workers}`);
  if (o.prefetch !== undefined && !(Number.isInteger(o.prefetch) && o.prefetch >= 1)) throw new AtomdynError('prefetch', `prefetch must be an integer >= 1, got ${o.prefetch}`);
  if (o.physics !== undefined && o.physics !== 'randomised' && o.physics !== 'matched') throw new AtomdynError('physics', `expected 'randomised' or 'matched', got '${o.physics}'`);
  if (o.geometry !== undefined && o.geometry !== 'randomised' && o.geometry !== 'fixed') throw new AtomdynError('geometry', `expected 'randomised' or 'fixed', got '${o.geometry}'`);
  const a = o.acquisitionPixelRange;
  if (a && !(a.length === 2 && a[0] > 1 && a[1] >= a[0] && a[1] < 200)) throw new AtomdynError('acquisitionPixelRange', `expected [low, high] pm with 1 < low <= high < 200, got ${JSON.stringify(a)}`);
}

/** The geometry mode of a source (see {@link SimulatedSourceOptions.geometry}). */
export function geometryMode(o: SimulatedSourceOptions): 'fixed' | 'randomised' {
  return o.geometry ?? (o.purpose === 'validation' || o.lattice !== 'graphene' ? 'fixed' : 'randomised');
}

/** The physics mode of a source (see {@link SimulatedSourceOptions.physics}). */
export function physicsMode(o: SimulatedSourceOptions): 'randomised' | 'matched' {
  return o.physics ?? (o.purpose === 'validation' ? 'matched' : 'randomised');
}

const logUniform = (rng: Random, lo: number, hi: number) => Math.exp(rng.range(Math.log(lo), Math.log(hi)));

/**
 * The specimen and imaging of sample `index` (pure function of the options and the index).
 */
export function sampleParameters(
  o: SimulatedSourceOptions, index: number,
): { specimen: SpecimenOptions; imaging: ImagingParams; pixelSizePm: number; seed: number; acquisitionScale: number } {
  const seed = deriveSeed(o.seed, index);
  const rng = new Random(deriveSeed(seed, 77));
  const graphene = o.lattice === 'graphene';
  let material: Mx2Material | null = null;
  if (!graphene) {
    const names = Object.keys(MX2_MATERIALS) as Array<Mx2Material['name']>;
    material = MX2_MATERIALS[o.lattice === 'mx2' ? names[rng.int(names.length)] : (o.lattice as Mx2Material['name'])];
  }
  const [d0, d1] = o.doseRange ?? (graphene ? [4e5, 1e7] : [1.5e4, 5e5]);
  const [n0, n1] = o.zExponentRange ?? [1.6, 2.0];
  const uContamination = rng.uniform();
  const contaminated = (o.contamination ?? true) && uContamination < 0.35;
  const pulse = rng.uniform() < 0.5 ? Infinity : rng.range(0.7, 5);
  const imaging: ImagingParams = {
    ...DEFAULT_IMAGING,
    probe: {
      voltageKv: 60,
      convergenceMrad: rng.range(27, 35),
      defocusNm: rng.range(-2, 2),
      csUm: rng.range(-5, 5),
      c5Mm: 0,
      sourceFwhmPm: rng.range(40, 110),
    },
    zExponent: rng.range(n0, n1),
    doseEPerA2: logUniform(rng, d0, d1),
    detector: {
      gain: 1,
      pulseShape: pulse,
      readNoise: rng.uniform() < 0.5 ? 0 : rng.range(0, 1.5),
      offset: 0,
      quantise: rng.uniform() < 0.3,
      noiseCorrelationPx: rng.uniform() < 0.5 ? 0 : rng.range(0, 1.6),
    },
    backgroundFraction: graphene ? logUniform(rng, 1e-4, 3e-3) : logUniform(rng, 1e-3, 3e-2),
    backgroundVariation: rng.range(0, 0.12),
    backgroundCorrelationPm: rng.range(300, 2000),
    contamination: {
      blobsPerNm2: contaminated ? rng.range(0.03, 0.2) : 0,
      blobRadiusPm: rng.range(150, 500),
      blobAtomsPerNm2: rng.range(150, 500),
      amorphousAtomsPerNm2: rng.uniform() < 0.5 ? 0 : rng.range(0, 8),
      otherThreshold: 0.5,
    },
    distortion: {
      driftInFramePx: { x: rng.range(-2, 2), y: rng.range(-2, 2) },
      lineJitterPx: rng.range(0, 0.3),
      slowOffsetPx: rng.range(0, 0.5),
      slowRows: rng.range(5, 40),
      glitchesPerFrame: rng.range(0, 1),
      glitchPx: rng.range(0.5, 2.5),
    },
  };
  const scale = 1 + (o.scaleJitter ?? 0.03) * rng.range(-1, 1);
  const randomised = geometryMode(o) === 'randomised';
  const specimen: SpecimenOptions = graphene
    ? {
        lattice: 'graphene',
        configurations: o.configurations ?? [...(randomised ? RANDOMISED_CONFIGURATIONS : ['si-c3', ...LEGACY_GRAPHENE_CONFIGURATIONS] as GrapheneConfiguration[])],
        configurationsPerNm2: o.dopantsPerNm2 ?? 0.4,
        minSeparationPm: rng.range(400, 700),
        ...(randomised ? { randomGeometry: {} } : {}),
      }
    : randomised
    ? { lattice: material!.name, mx2Defects: drawMx2Defects(material!, rng), mx2RandomGeometry: {} }
    : {
        lattice: material!.name,
        mx2Defects: {
          chalcogenVacancy: rng.range(0, 0.08),
          chalcogenDivacancy: rng.range(0, 0.02),
          metalVacancy: rng.range(0, 0.005),
          metalDopant: rng.range(0, 0.03),
          chalcogenDopant: rng.range(0, 0.02),
          metalDopantElement: material!.metalDopants[rng.int(material!.metalDopants.length)],
          chalcogenDopantElement: material!.chalcogenDopants[0],
        },
      };
  // randomised geometry: record at an acquisition pixel size (a quarter of the samples at the model's)
  let acquisitionScale = 1;
  if (randomised) {
    const [a0, a1] = o.acquisitionPixelRange ?? (graphene ? [3.5, 20] : [8, 40]);
    if (rng.uniform() >= 0.25) acquisitionScale = o.pixelSizePm / logUniform(rng, a0, a1);
  }
  if (randomised && !graphene) {
    // torn rows as in the real WSe2 movie, and often
    imaging.distortion.glitchesPerFrame = rng.range(0, 3);
    imaging.distortion.glitchPx = rng.range(0.5, 3);
    if (rng.uniform() < 0.4) {
      // the shared files' imaging: the WSe2-movie preset's probe, background and detector (its scaled
      // intensities, or the MoS2 files' counts), at a dose covering the preset's and the MoS2 files'
      const preset = WSE2_MOVIE_PRESET.imaging;
      const counting = rng.uniform() < 0.5;
      const [p0, p1] = o.doseRange ?? [2e4, 3e5];
      Object.assign(imaging, {
        probe: { ...preset.probe, sourceFwhmPm: rng.range(80, 110) },
        zExponent: preset.zExponent,
        doseEPerA2: logUniform(rng, p0, p1),
        backgroundFraction: preset.backgroundFraction * rng.range(0.5, 2),
        backgroundVariation: preset.backgroundVariation,
        backgroundCorrelationPm: preset.backgroundCorrelationPm,
        detector: counting ? DEFAULT_IMAGING.detector : preset.detector,
      });
    }
  }
  if (physicsMode(o) === 'matched') {
    const preset = graphene ? GRAPHENE_PRESET : WSE2_MOVIE_PRESET;
    return { specimen, imaging: preset.imaging, pixelSizePm: o.pixelSizePm / acquisitionScale, seed, acquisitionScale };
  }
  // a lattice `scale` times larger in pm is the same as pixels `1/scale` times smaller
  return { specimen, imaging, pixelSizePm: o.pixelSizePm / scale / acquisitionScale, seed, acquisitionScale };
}

/**
 * Simulate training sample `index` of a source.
 * @throws AtomdynError for invalid options
 */
export function simulateTrainingSample(o: SimulatedSourceOptions, index: number): TrainingSample {
  const p = sampleParameters(o, index);
  const patch = o.patch ?? 128;
  const side = p.acquisitionScale === 1 ? patch : acquisitionSide(patch, p.acquisitionScale);
  const img = simulateImage({ specimen: p.specimen, imaging: p.imaging, frame: { width: side, height: side, pixelSizePm: p.pixelSizePm }, seed: p.seed });
  const hasOther = o.otherClass ?? false;
  if (p.acquisitionScale !== 1) {
    const radiusPx = (p.imaging.maskRadiusPm ?? defaultMaskRadiusPm(img.specimen.nearestNeighbourPm)) / (p.pixelSizePm * p.acquisitionScale);
    const r = resampleSample(img, p.acquisitionScale, img.species, radiusPx, patch);
    if (!hasOther) for (let k = 0; k < r.labels.length; k++) if (r.labels[k] > img.species.length) r.labels[k] = 0;
    return r;
  }
  const labels = img.labels;
  if (!hasOther) for (let k = 0; k < labels.length; k++) if (labels[k] > img.species.length) labels[k] = 0;
  return {
    image: img.image,
    labels,
    height: img.height,
    width: img.width,
    atoms: img.atoms.map((a) => ({ x: a.x, y: a.y, species: a.species, element: a.element, z: a.z })),
  };
}
