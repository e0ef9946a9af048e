/**
 * Imaging presets matched to real frames by bench/realism.ts (`--fit`): the specimen, pixel
 * size and imaging parameters under which simulated frames have the real frames' noise, lattice
 * fringe strength, contrast and background (figures in docs/simulator.md).
 */
import { DEFAULT_IMAGING, type ImagingParams } from './simulateImage.ts';
import type { SpecimenOptions } from './specimen.ts';

/** A named imaging setup. */
export interface ImagingPreset {
  /** Preset name (CLI `--preset`). */
  name: string;
  /** What it reproduces. */
  description: string;
  /** Specimen like the real frame's. */
  specimen: SpecimenOptions;
  /** Pixel size, pm (from the real frame's lattice period). */
  pixelSizePm: number;
  /** Frames compared by the realism check. */
  frames: number;
  /** Imaging parameters. */
  imaging: ImagingParams;
}

/** G-Si-2nm.hdf5: one noisy 60 kV HAADF frame of graphene with a Si dopant (Nion UltraSTEM). */
export const GRAPHENE_PRESET: ImagingPreset = {
  name: 'graphene-si',
  description: 'graphene with Si, 60 kV HAADF, matched to ../shared/data/graphene_Si/G-Si-2nm.hdf5',
  specimen: { lattice: 'graphene', configurations: ['si-c3'], configurationCount: 1, rotationDeg: 24 },
  pixelSizePm: 7.47,
  frames: 4,
  imaging: {
    ...DEFAULT_IMAGING,
    probe: { ...DEFAULT_IMAGING.probe, sourceFwhmPm: 66 },
    zExponent: 1.85,
    doseEPerA2: 1.39e6,
    backgroundFraction: 1.11e-3,
    backgroundVariation: 0.022,
    backgroundCorrelationPm: 300,
    detector: { gain: 3.62, pulseShape: 0.97, readNoise: 0, offset: 0, quantise: true, noiseCorrelationPx: 0.37 },
  },
};

/** WSe2_movie/HAADF.tif: a 5-frame 60 kV HAADF movie of monolayer WSe2 (Nion SuperScan). */
export const WSE2_MOVIE_PRESET: ImagingPreset = {
  name: 'wse2-movie',
  description: 'monolayer WSe2, 60 kV HAADF movie, matched to ../shared/data/WSe2_movie/HAADF.tif',
  specimen: { lattice: 'WSe2', mx2Defects: { chalcogenVacancy: 0.02 }, rotationDeg: 37 },
  pixelSizePm: 37.18,
  frames: 5,
  imaging: {
    ...DEFAULT_IMAGING,
    probe: { ...DEFAULT_IMAGING.probe, sourceFwhmPm: 98 },
    doseEPerA2: 5.02e4,
    backgroundFraction: 1.68e-2,
    backgroundVariation: 0.033,
    backgroundCorrelationPm: 1000,
    // the file holds scaled intensities (about 0.04), not counts
    detector: { gain: 2.18e-4, pulseShape: Infinity, readNoise: 0, offset: 0, quantise: false, noiseCorrelationPx: 1.53 },
    // chosen by eye: the real frames show shear from drift and a few torn lines
    distortion: { driftInFramePx: { x: 2, y: 1 }, lineJitterPx: 0.15, slowOffsetPx: 0.3, slowRows: 20, glitchesPerFrame: 0.6, glitchPx: 1.5 },
  },
};

/** Every preset by name. */
export const IMAGING_PRESETS: Readonly<Record<string, ImagingPreset>> = {
  [GRAPHENE_PRESET.name]: GRAPHENE_PRESET,
  [WSE2_MOVIE_PRESET.name]: WSE2_MOVIE_PRESET,
};
