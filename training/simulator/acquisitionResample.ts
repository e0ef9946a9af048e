/**
 * Training samples recorded at an acquisition pixel size and brought to the model's pixel size exactly
 * as inference does (inference/resample.ts): the image is resampled by `scale = modelPixelPm /
 * acquisitionPixelPm` (anti-aliased when shrinking, bilinear), atom coordinates are mapped with
 * `toModelCoordinate`, and the label map is painted again at the model pixel size (disks of the same
 * radius in pm; the 'other' region is the resampled 'other' mask thresholded at 0.5).
 */
import { resampleFrame, toModelCoordinate } from '../../inference/resample.ts';
import type { LabelAtom, TrainingSample } from '../sampleSource.ts';
import { paintLabels } from './labelMasks.ts';

/**
 * Smallest side (px) to render at the acquisition pixel size so that resampling by `scale` gives at
 * least `patch` px (inference/resample.ts rounds `side / scale`; when enlarging, not every output
 * size is reachable, so {@link resampleSample} crops the excess at the far edges).
 *
 * @param scale modelPixelPm / acquisitionPixelPm, > 0
 */
export function acquisitionSide(patch: number, scale: number): number {
  // round(side / scale) >= patch exactly when side >= (patch - 0.5) scale; step from just below for rounding safety
  let side = Math.max(1, Math.ceil((patch - 0.5) * scale) - 2);
  while (Math.max(1, Math.round(side / scale)) < patch) side++;
  return side;
}

/**
 * Resample a sample recorded at the acquisition pixel size to the model pixel size.
 *
 * @param sample image, labels (0 background, 1..S species, S+1 other) and atoms in acquisition pixels
 * @param scale modelPixelPm / acquisitionPixelPm
 * @param species class names for label values 1..S
 * @param maskRadiusModelPx label disk radius at the model pixel size, px
 * @param side crop the result to its first `side` rows and columns (default: no crop); the crop
 *   keeps the origin, so coordinates are unchanged
 * @returns the sample at the model pixel size, `round(height / scale)` (or `side`) square; atoms
 *   outside it are dropped
 */
export function resampleSample(sample: TrainingSample, scale: number, species: string[], maskRadiusModelPx: number, side?: number): TrainingSample {
  const full = resampleFrame(sample.image, sample.height, sample.width, scale);
  const height = Math.min(full.height, side ?? full.height);
  const width = Math.min(full.width, side ?? full.width);
  const crop = (a: Float32Array): Float32Array => {
    if (height === full.height && width === full.width) return a;
    const out = new Float32Array(height * width);
    for (let i = 0; i < height; i++) out.set(a.subarray(i * full.width, i * full.width + width), i * width);
    return out;
  };
  const img = { data: crop(full.data) };
  const otherValue = species.length + 1;
  let other: Uint8Array | undefined;
  if (sample.labels.some((v) => v === otherValue)) {
    const mask = new Float32Array(sample.labels.length);
    for (let k = 0; k < mask.length; k++) mask[k] = sample.labels[k] === otherValue ? 1 : 0;
    const m = crop(resampleFrame(mask, sample.height, sample.width, scale).data);
    other = new Uint8Array(m.length);
    for (let k = 0; k < m.length; k++) other[k] = m[k] >= 0.5 ? 1 : 0;
  }
  const atoms: LabelAtom[] = [];
  for (const a of sample.atoms) {
    const x = toModelCoordinate(a.x, scale);
    const y = toModelCoordinate(a.y, scale);
    if (x >= -0.5 && x < width - 0.5 && y >= -0.5 && y < height - 0.5) atoms.push({ x, y, species: a.species, element: a.element, z: a.z });
  }
  const labels = paintLabels(atoms, species, maskRadiusModelPx, width, height, other);
  return { image: img.data, labels, height, width, atoms };
}
