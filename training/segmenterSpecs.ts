/**
 * The two shipped segmenters' material descriptions (model card `lattice`, species, default
 * pixel size). Bond lengths are projected nearest-neighbour distances:
 *
 * - graphene: a = 246 pm, C-C 142 pm, point group 6/mmm. Si-C is 175 pm, between the projected
 *   distance of buckled Si-C3 (about 155-165 pm) and planar Si-C4 (about 190 pm) (Zhou et al., PRL
 *   109, 206803 (2012); Ramasse et al., Nano Lett. 13, 4989 (2013)); Si-Si 230 pm (dimers).
 *   Model pixel size 16 pm/px (about 9 px per C-C bond; the issue suggests 15-20 pm/px).
 * - mx2 (1H MoS2, WS2, WSe2, one model for all): a = 320 pm (MoS2 316, WS2 315, WSe2 328),
 *   metal-chalcogen projected distance a / sqrt(3) = 185 pm, metal-metal and chalcogen-chalcogen
 *   (same sublattice) = a; point group -6m2. Chalcogen columns hold 2 atoms. Elements are given
 *   generically (Mo/W, S2/Se2); `atomdyn locate --species` sets the actual ones.
 *   Model pixel size 30 pm/px (about 6 px per metal-chalcogen distance).
 */
import type { SegmenterSpec } from './trainer.ts';

/** A lattice the `train` command knows. */
export interface LatticePreset {
  spec: SegmenterSpec;
  /** Default model pixel size, pm/px. */
  pixelSizePm: number;
}

/** Presets by `--lattice` name. */
export const LATTICE_PRESETS: Readonly<Record<'graphene' | 'mx2', LatticePreset>> = Object.freeze({
  graphene: {
    pixelSizePm: 16,
    spec: {
      name: 'graphene-si',
      description: 'U-Net segmenter for HAADF-STEM images of graphene with Si dopants: classes background, C, Si. ' +
        'Trained on simulated images (training/simulatedSource.ts) at the pixel size below; inputs are resampled to it and normalised with the card\'s method.',
      lattice: { name: 'graphene', latticeConstantPm: 246, pointGroup: '6/mmm', bondLengthsPm: { 'C-C': 142, 'C-Si': 175, 'Si-Si': 230 } },
      atomsPerColumn: { C: 1, Si: 1 },
    },
  },
  mx2: {
    pixelSizePm: 30,
    spec: {
      name: 'mx2',
      description: 'U-Net segmenter for HAADF-STEM images of 1H MX2 monolayers (MoS2, WS2, WSe2): classes background, metal, chalcogen (two-atom columns). ' +
        'Trained on simulated images at the pixel size below.',
      lattice: { name: 'mx2', latticeConstantPm: 320, pointGroup: '-6m2', bondLengthsPm: { 'metal-chalcogen': 185, 'metal-metal': 320, 'chalcogen-chalcogen': 320 } },
      atomsPerColumn: { metal: 1, chalcogen: 2 },
    },
  },
});
