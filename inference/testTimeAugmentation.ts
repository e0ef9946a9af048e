/**
 * Test-time augmentation over the dihedral group D4 (the 8 symmetries of the square: 4 rotations by 90°,
 * each with and without a mirror). The network is run on each transformed patch, each output is mapped
 * back, and the 8 class-probability maps are averaged. The segmenters are trained with the same
 * dihedral augmentation (training/augment.ts), so each transform is an equally valid view of the frame;
 * their average cancels what the network does differently per orientation on noise (a speck read as a
 * column in one view only), which matters most on noisy frames at the model's own pixel size, where no
 * down-sampling averages the noise first. Cost: 8 forward passes instead of 1.
 *
 * Reference: test-time augmentation, averaging a network's predictions over transformed copies of
 * its input (Krizhevsky, Sutskever & Hinton, NeurIPS 2012: crops and reflections; Wang et al.,
 * Neurocomputing 338, 34 (2019): flips and rotations for segmentation).
 */
import type { Segmenter } from './segmenter.ts';
import { materialByName } from '../models/materials.ts';

/** `auto` uses test-time augmentation when the input pixel size is at least this share of the model's. */
export const AUTO_TTA_MIN_PIXEL_RATIO = 0.75;

/**
 * Whether test-time augmentation runs for a frame: `true` / `false` as given; `'auto'` (the default of
 * `locate`) for graphene-family models on frames whose pixel size is at least
 * {@link AUTO_TTA_MIN_PIXEL_RATIO} of the model's, i.e. frames the network sees at about their own
 * resolution, so that no down-sampling has averaged the noise before it (real LibraryNet crops at
 * 15.63 pm/px with graphene-si 2.1.0 at 16 pm/px: formula accuracy 59 % without, 82 % with;
 * docs/real-crops.md). Finer frames (e.g. 7.8 pm/px, down-sampled 2x) and MX2 models, where it has not
 * been measured, do not use it under 'auto'.
 * @param mode true, false or 'auto'
 * @param card the model card (lattice name, pixel size in pm)
 * @param inputPixelSizePm the frame's pixel size, pm/px
 */
export function ttaApplies(mode: boolean | 'auto', card: Pick<Segmenter['card'], 'lattice' | 'pixelSizePm'>, inputPixelSizePm: number): boolean {
  if (mode !== 'auto') return mode;
  return materialByName(card.lattice.name)?.family === 'graphene' && inputPixelSizePm >= AUTO_TTA_MIN_PIXEL_RATIO * card.pixelSizePm;
}

/** The 8 elements of D4 as (transpose, flip x, flip y) applied in that order to (row, column). */
const D4: ReadonlyArray<{ transpose: boolean; flipX: boolean; flipY: boolean }> = [false, true].flatMap((transpose) =>
  [false, true].flatMap((flipX) => [false, true].map((flipY) => ({ transpose, flipX, flipY }))));

/**
 * A segmenter whose `predict` averages the wrapped one's class probabilities over the 8 dihedral
 * transforms of each patch. Patches need not be square: transposed views are predicted at the swapped
 * shape (the U-Net is fully convolutional; the tiler's patch sides are multiples of its pooling factor).
 * @param seg the segmenter to wrap (its card is shared, not copied)
 * @returns a segmenter with the same card and contract (float32 NHWC softmax probabilities); its
 *   `dispose` disposes the wrapped one
 */
export function dihedralAveraged(seg: Segmenter): Segmenter {
  const classes = seg.card.classes.length;
  return {
    card: seg.card,
    async predict(patches: Float32Array, k: number, ph: number, pw: number): Promise<Float32Array> {
      const n = ph * pw;
      const out = new Float32Array(k * n * classes);
      const view = new Float32Array(k * n);
      // src[i]: index in the original patch of pixel i of the transformed view (h x w)
      const src = new Int32Array(n);
      for (const t of D4) {
        const h = t.transpose ? pw : ph, w = t.transpose ? ph : pw;
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            let sy = t.transpose ? x : y, sx = t.transpose ? y : x;
            if (t.flipY) sy = ph - 1 - sy;
            if (t.flipX) sx = pw - 1 - sx;
            src[y * w + x] = sy * pw + sx;
          }
        }
        for (let b = 0; b < k; b++) {
          const o = b * n;
          for (let i = 0; i < n; i++) view[o + i] = patches[o + src[i]];
        }
        const p = await seg.predict(view, k, h, w);
        for (let b = 0; b < k; b++) {
          const o = b * n;
          for (let i = 0; i < n; i++) {
            const from = (o + i) * classes, to = (o + src[i]) * classes;
            for (let c = 0; c < classes; c++) out[to + c] += p[from + c];
          }
        }
      }
      const inv = 1 / D4.length;
      for (let i = 0; i < out.length; i++) out[i] *= inv;
      return out;
    },
    dispose() {
      seg.dispose?.();
    },
  };
}
