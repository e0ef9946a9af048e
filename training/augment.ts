/**
 * Turning a simulated sample into a training patch: crop, augmentation, and the input
 * normalisation of models/inputNormalisation.ts, with the labels transformed consistently.
 *
 * Order (each step seeded by the caller's Random):
 *   1. geometry on the raw image: a random crop of `patch` x `patch` with a random zoom about its
 *      centre (bilinear for the image, nearest for the labels, reflecting edges; atoms moved the same
 *      way), then one of the 8 flips/90-degree rotations of the square (the dihedral group D4);
 *   2. normalisation (background -> 0, typical column -> 1);
 *   3. intensity in normalised units: Gaussian blur (probe/scan blur), gamma on the positive part
 *      (changes the species contrast, like a different Z exponent or detector angle), a linear
 *      background ramp (thickness / contamination haze), additive Gaussian noise;
 *   4. normalisation again, so the network always sees exactly what the inference normaliser makes
 *      of such a frame.
 * Without augmentation ({@link prepareValidationPatch}) only the central crop and the normalisation
 * are applied.
 */
import { Random } from '../data/random.ts';
import { AtomdynError } from '../data/errors.ts';
import { gaussianBlur, normaliseFrame, type NormalisationParameters } from '../models/inputNormalisation.ts';
import type { LabelAtom, TrainingSample } from './sampleSource.ts';

/** Augmentation settings; ranges are [min, max], drawn uniformly. */
export interface AugmentOptions {
  /** Random flips and 90-degree rotations. Default true. */
  dihedral: boolean;
  /** Zoom factor range (output px per input px). Default [0.9, 1.1]. */
  zoom: [number, number];
  /** Extra Gaussian blur sigma range, px. Default [0, 1]. */
  blurSigmaPx: [number, number];
  /** Gamma range applied to the positive part of the normalised image. Default [0.8, 1.25]. */
  gamma: [number, number];
  /** Maximum amplitude of a linear background ramp across the patch, normalised units. Default 0.3. */
  rampAmplitude: number;
  /** Additive Gaussian noise sd range, normalised units. Default [0, 0.15]. */
  noiseSd: [number, number];
}

/** Default augmentation. */
export const AUGMENT_DEFAULTS: Readonly<AugmentOptions> = Object.freeze({
  dihedral: true,
  zoom: [0.9, 1.1] as [number, number],
  blurSigmaPx: [0, 1] as [number, number],
  gamma: [0.8, 1.25] as [number, number],
  rampAmplitude: 0.3,
  noiseSd: [0, 0.15] as [number, number],
});

/** A network-ready patch. */
export interface Patch {
  /** Normalised image, float32 `[patch * patch]`, row-major. */
  image: Float32Array;
  /** Class labels, uint8 `[patch * patch]` (0 = background, as training/sampleSource.ts). */
  labels: Uint8Array;
  /** Side, px. */
  size: number;
  /** Atoms in patch coordinates (pixel centres at integers), those inside the patch. */
  atoms: LabelAtom[];
}

function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const p = 2 * n - 2;
  i = ((i % p) + p) % p;
  return i < n ? i : p - i;
}

/**
 * Resample a `patch` x `patch` window: output pixel (u, v) shows input point
 * (cx + (u - c) / zoom, cy + (v - c) / zoom), c = (patch - 1) / 2, reflecting at the edges.
 */
function cropZoom(s: TrainingSample, patch: number, cx: number, cy: number, zoom: number): Patch {
  const { width: W, height: H } = s;
  const image = new Float32Array(patch * patch);
  const labels = new Uint8Array(patch * patch);
  const c = (patch - 1) / 2;
  for (let v = 0; v < patch; v++) {
    const y = cy + (v - c) / zoom;
    const y0 = Math.floor(y), fy = y - y0;
    const ya = reflect(y0, H), yb = reflect(y0 + 1, H), yn = reflect(Math.round(y), H);
    for (let u = 0; u < patch; u++) {
      const x = cx + (u - c) / zoom;
      const x0 = Math.floor(x), fx = x - x0;
      const xa = reflect(x0, W), xb = reflect(x0 + 1, W);
      image[v * patch + u] = (1 - fy) * ((1 - fx) * s.image[ya * W + xa] + fx * s.image[ya * W + xb])
        + fy * ((1 - fx) * s.image[yb * W + xa] + fx * s.image[yb * W + xb]);
      labels[v * patch + u] = s.labels[yn * W + reflect(Math.round(x), W)];
    }
  }
  const atoms = s.atoms
    .map((a) => ({ ...a, x: c + (a.x - cx) * zoom, y: c + (a.y - cy) * zoom }))
    .filter((a) => a.x >= -0.5 && a.y >= -0.5 && a.x < patch - 0.5 && a.y < patch - 0.5);
  return { image, labels, size: patch, atoms };
}

/**
 * Apply dihedral element k (0..7) of the square: k & 3 quarter turns (counter-clockwise on screen),
 * then a left-right mirror when k >= 4. Works in place on a copy; atoms move the same way.
 */
export function dihedral(p: Patch, k: number): Patch {
  const n = p.size;
  const map = (x: number, y: number): [number, number] => {
    let a = x, b = y;
    for (let r = 0; r < (k & 3); r++) [a, b] = [b, n - 1 - a]; // 90 deg counter-clockwise as seen (y down)
    if (k >= 4) a = n - 1 - a;
    return [a, b];
  };
  const image = new Float32Array(n * n);
  const labels = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const [a, b] = map(x, y);
      image[b * n + a] = p.image[y * n + x];
      labels[b * n + a] = p.labels[y * n + x];
    }
  }
  const atoms = p.atoms.map((at) => {
    const [a, b] = map(at.x, at.y);
    return { ...at, x: a, y: b };
  });
  return { image, labels, size: n, atoms };
}

function checkSample(s: TrainingSample, patch: number): void {
  if (s.image.length !== s.width * s.height || s.labels.length !== s.width * s.height) {
    throw new AtomdynError('training sample', `image/labels of ${s.image.length}/${s.labels.length} values do not match ${s.height} x ${s.width}`);
  }
  if (s.width < patch || s.height < patch) {
    throw AtomdynError.forOption('patch', `training samples are ${s.height} x ${s.width} px, smaller than the ${patch} px patch`);
  }
}

/**
 * An augmented, normalised training patch from a raw simulated sample (see the module description).
 *
 * @param sample raw sample (float32 detector signal, uint8 labels, atoms)
 * @param patch output side, px (<= the sample's sides)
 * @param rng seeded generator (advanced)
 * @param norm normalisation parameters (the model card's)
 * @param options overrides of {@link AUGMENT_DEFAULTS}
 * @throws AtomdynError when the sample is smaller than the patch or inconsistent
 */
export function augmentSample(
  sample: TrainingSample, patch: number, rng: Random, norm: Partial<NormalisationParameters>, options: Partial<AugmentOptions> = {},
): Patch {
  checkSample(sample, patch);
  const o = { ...AUGMENT_DEFAULTS, ...options };
  const zoom = rng.range(o.zoom[0], o.zoom[1]);
  const half = (patch - 1) / 2 / zoom;
  const span = (n: number) => [Math.min(half, (n - 1) / 2), Math.max(n - 1 - half, (n - 1) / 2)];
  const [x0, x1] = span(sample.width), [y0, y1] = span(sample.height);
  let p = cropZoom(sample, patch, rng.range(x0, x1), rng.range(y0, y1), zoom);
  if (o.dihedral) p = dihedral(p, rng.int(8));
  let img = normaliseFrame(p.image, patch, patch, norm, 'training sample').image;
  const blur = rng.range(o.blurSigmaPx[0], o.blurSigmaPx[1]);
  if (blur > 0.05) img = gaussianBlur(img, patch, patch, blur);
  const gamma = rng.range(o.gamma[0], o.gamma[1]);
  const angle = rng.range(0, 2 * Math.PI);
  const ramp = rng.range(0, o.rampAmplitude);
  const gx = (Math.cos(angle) * ramp) / patch, gy = (Math.sin(angle) * ramp) / patch;
  const sd = rng.range(o.noiseSd[0], o.noiseSd[1]);
  const c = (patch - 1) / 2;
  for (let y = 0; y < patch; y++) {
    for (let x = 0; x < patch; x++) {
      const i = y * patch + x;
      const v = img[i];
      img[i] = (v > 0 ? Math.pow(v, gamma) : v) + gx * (x - c) + gy * (y - c) + (sd > 0 ? sd * rng.normal() : 0);
    }
  }
  p.image = normaliseFrame(img, patch, patch, norm, 'training sample').image;
  return p;
}

/**
 * A validation patch: the central `patch` x `patch` crop of the sample, normalised, no augmentation.
 * @throws AtomdynError as {@link augmentSample}
 */
export function prepareValidationPatch(sample: TrainingSample, patch: number, norm: Partial<NormalisationParameters>): Patch {
  checkSample(sample, patch);
  const ox = Math.floor((sample.width - patch) / 2), oy = Math.floor((sample.height - patch) / 2);
  const image = new Float32Array(patch * patch);
  const labels = new Uint8Array(patch * patch);
  for (let y = 0; y < patch; y++) {
    image.set(sample.image.subarray((y + oy) * sample.width + ox, (y + oy) * sample.width + ox + patch), y * patch);
    labels.set(sample.labels.subarray((y + oy) * sample.width + ox, (y + oy) * sample.width + ox + patch), y * patch);
  }
  const atoms = sample.atoms
    .map((a) => ({ ...a, x: a.x - ox, y: a.y - oy }))
    .filter((a) => a.x >= -0.5 && a.y >= -0.5 && a.x < patch - 0.5 && a.y < patch - 0.5);
  return { image: normaliseFrame(image, patch, patch, norm, 'validation sample').image, labels, size: patch, atoms };
}
