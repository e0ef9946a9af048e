/**
 * Background and contamination on the specimen.
 * - Bright contamination blobs (hydrocarbon / amorphous carbon patches): random carbon atoms at an
 *   areal density that is flat inside a blob and falls off at its edge, D(r) = D0 exp(-(r/R)^4).
 *   They are imaged like any other atom, so they carry the probe's texture; where the blob density
 *   exceeds `otherThreshold * D0` the pixels are labelled 'other' and the lattice atoms beneath are
 *   left out of the labels (they cannot be seen through it).
 * - A thin uniform amorphous layer: random carbon atoms at a low areal density everywhere.
 * - A smooth diffuse background (detector dark level is in training/simulator/detectorNoise.ts): a fraction of
 *   the beam reaching the detector without an atom, modulated by a smooth random field.
 */
import type { Random } from '../../data/random.ts';
import type { ModelAtom } from './atomModel.ts';
import type { Rect } from './lattices/honeycomb.ts';

/** Contamination settings. */
export interface ContaminationParams {
  /** Expected number of contamination blobs per nm^2 of field. Default 0. */
  blobsPerNm2: number;
  /** Typical blob radius, pm (each blob draws 0.5-1.5 times this). Default 300. */
  blobRadiusPm: number;
  /** Carbon atoms per nm^2 in a blob (about 100 per nm of amorphous carbon thickness). Default 300. */
  blobAtomsPerNm2: number;
  /** Uniform amorphous carbon, atoms per nm^2. Default 0. */
  amorphousAtomsPerNm2: number;
  /** Blob density fraction above which pixels are labelled 'other'. Default 0.5. */
  otherThreshold: number;
}

/** No contamination. */
export const NO_CONTAMINATION: Readonly<ContaminationParams> = {
  blobsPerNm2: 0,
  blobRadiusPm: 300,
  blobAtomsPerNm2: 300,
  amorphousAtomsPerNm2: 0,
  otherThreshold: 0.5,
};

/** A blob: centre and radius, pm. */
export interface Blob {
  x: number;
  y: number;
  r: number;
}

/** Contamination of one field. */
export interface Contamination {
  /** Random carbon atoms (species 'other', element 'C'). */
  atoms: ModelAtom[];
  /** The blobs. */
  blobs: Blob[];
  /** Relative blob density at a point (pm): sum over blobs of exp(-(r/R)^4), 0 outside blobs. */
  relativeDensity(xPm: number, yPm: number): number;
}

/**
 * Draw the contamination of a field (pm rectangle).
 */
export function contamination(rect: Rect, p: ContaminationParams, rng: Random): Contamination {
  const areaNm2 = ((rect.x1 - rect.x0) * (rect.y1 - rect.y0)) / 1e6;
  const blobs: Blob[] = [];
  const nBlobs = p.blobsPerNm2 > 0 ? rng.poisson(p.blobsPerNm2 * areaNm2) : 0;
  for (let b = 0; b < nBlobs; b++) {
    blobs.push({ x: rng.range(rect.x0, rect.x1), y: rng.range(rect.y0, rect.y1), r: p.blobRadiusPm * rng.range(0.5, 1.5) });
  }
  const atoms: ModelAtom[] = [];
  const carbon = (x: number, y: number): ModelAtom => ({ x, y, zList: [6], species: 'other', element: 'C', site: null, heightPm: 0 });
  for (const b of blobs) {
    const half = 1.6 * b.r;
    const expected = (p.blobAtomsPerNm2 * (2 * half) * (2 * half)) / 1e6;
    const n = rng.poisson(expected);
    for (let k = 0; k < n; k++) {
      const x = b.x + rng.range(-half, half);
      const y = b.y + rng.range(-half, half);
      const q = Math.hypot(x - b.x, y - b.y) / b.r;
      if (rng.uniform() < Math.exp(-(q ** 4))) atoms.push(carbon(x, y));
    }
  }
  if (p.amorphousAtomsPerNm2 > 0) {
    const n = rng.poisson(p.amorphousAtomsPerNm2 * areaNm2);
    for (let k = 0; k < n; k++) atoms.push(carbon(rng.range(rect.x0, rect.x1), rng.range(rect.y0, rect.y1)));
  }
  const relativeDensity = (x: number, y: number): number => {
    let d = 0;
    for (const b of blobs) {
      const q2 = ((x - b.x) ** 2 + (y - b.y) ** 2) / (b.r * b.r);
      if (q2 < 9) d += Math.exp(-(q2 * q2));
    }
    return d;
  };
  return { atoms, blobs, relativeDensity };
}

/**
 * A smooth random field on a `height x width` pixel grid with mean about 0 and standard deviation
 * about 1: a sum of Gaussian bumps of width `correlationPx` at random positions with random signs.
 */
export function smoothRandomField(width: number, height: number, correlationPx: number, rng: Random): Float64Array {
  const out = new Float64Array(width * height);
  const s = Math.max(1, correlationPx);
  const n = Math.max(4, Math.round((width * height) / (s * s)) * 2);
  const bumps: Array<{ x: number; y: number; a: number }> = [];
  for (let k = 0; k < n; k++) bumps.push({ x: rng.range(-2 * s, width + 2 * s), y: rng.range(-2 * s, height + 2 * s), a: rng.normal() });
  // separable evaluation on a coarse grid, then bilinear upsampling
  const step = Math.max(1, Math.floor(s / 4));
  const gw = Math.ceil(width / step) + 2;
  const gh = Math.ceil(height / step) + 2;
  const grid = new Float64Array(gw * gh);
  const inv = 1 / (2 * s * s);
  for (const b of bumps) {
    for (let gy = 0; gy < gh; gy++) {
      const dy = gy * step - b.y;
      const ey = Math.exp(-dy * dy * inv);
      if (ey < 1e-6) continue;
      for (let gx = 0; gx < gw; gx++) {
        const dx = gx * step - b.x;
        grid[gy * gw + gx] += b.a * ey * Math.exp(-dx * dx * inv);
      }
    }
  }
  let sum = 0;
  let sum2 = 0;
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      const fy = i / step;
      const fx = j / step;
      const y0 = Math.floor(fy);
      const x0 = Math.floor(fx);
      const ty = fy - y0;
      const tx = fx - x0;
      const v =
        (1 - ty) * ((1 - tx) * grid[y0 * gw + x0] + tx * grid[y0 * gw + x0 + 1]) +
        ty * ((1 - tx) * grid[(y0 + 1) * gw + x0] + tx * grid[(y0 + 1) * gw + x0 + 1]);
      out[i * width + j] = v;
      sum += v;
      sum2 += v * v;
    }
  }
  const m = sum / out.length;
  const sd = Math.sqrt(Math.max(1e-12, sum2 / out.length - m * m));
  for (let k = 0; k < out.length; k++) out[k] = (out[k] - m) / sd;
  return out;
}
