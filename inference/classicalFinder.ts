/**
 * The classical atom finder (`locate --model classical`, and the benchmark's baseline beside the network): Laplacian-of-Gaussian blob
 * detection (Lindeberg, Int. J. Comput. Vision 30, 79 (1998)) at the expected atom scale, local maxima
 * with a minimum separation, optional 2-D Gaussian refinement (inference/gaussianRefine.ts), and species
 * from the peak intensities split in two by Otsu's threshold (Otsu, IEEE Trans. SMC 9, 62 (1979)):
 * bright columns are the heavy species.
 */
import { gaussianBlur } from '../numerics/gaussianBlur.ts';
import { refineAtom } from './gaussianRefine.ts';

/** An atom found by the baseline; coordinates in pixels of the input frame (docs/schema.md). */
export interface BaselineAtom {
  x: number;
  y: number;
  /** 0 = light (majority), 1 = heavy (bright) species. */
  speciesIndex: number;
  /** Peak of the smoothed frame at the atom. */
  intensity: number;
  /** Position standard error per coordinate from the Gaussian refinement, px; NaN when not refined. */
  sigma: number;
}

/** Settings of {@link findAtomsClassical}. */
export interface BaselineOptions {
  /** Expected atom (probe-blurred column) Gaussian width, px. */
  atomSigmaPx: number;
  /** Minimum distance between atoms, px (about 0.7 of the nearest-neighbour distance). */
  minDistancePx: number;
  /** Detection threshold in robust standard deviations of the LoG response (default 1: the MAD includes the lattice signal itself). */
  threshold?: number;
  /** Refine positions with 2-D Gaussian fits (default true). */
  refine?: boolean;
  /** Radius of the refinement window, px (default max(2, 0.5 x minDistancePx / 0.7)). */
  refineRadiusPx?: number;
  /** Split species by intensity (default true); false puts every atom in species 0. */
  twoSpecies?: boolean;
}

/** Otsu's threshold of a list of values (maximises the between-class variance). */
export function otsuThreshold(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  if (n < 2) return Infinity;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + v[i];
  let best = -1, thr = v[n - 1];
  for (let i = 1; i < n; i++) {
    const w0 = i / n, w1 = 1 - w0;
    const m0 = prefix[i] / i, m1 = (prefix[n] - prefix[i]) / (n - i);
    const between = w0 * w1 * (m0 - m1) ** 2;
    if (between > best) {
      best = between;
      thr = 0.5 * (v[i - 1] + v[i]);
    }
  }
  return thr;
}

/**
 * Find atoms in a raw frame without a network.
 * @param frame float32 `[height * width]`
 */
export function findAtomsClassical(frame: Float32Array, height: number, width: number, opts: BaselineOptions): BaselineAtom[] {
  const s = opts.atomSigmaPx;
  // scale-normalised LoG, negated so bright blobs are positive: -s² (G_s * f)'' = difference of two blurs approximation
  const g1 = gaussianBlur(frame, height, width, s);
  const g2 = gaussianBlur(frame, height, width, s * 1.6);
  const dog = new Float32Array(frame.length);
  for (let i = 0; i < dog.length; i++) dog[i] = g1[i] - g2[i];
  const sorted = Float32Array.from(dog).sort();
  const med = sorted[sorted.length >> 1];
  const mad = Float32Array.from(dog, (v) => Math.abs(v - med)).sort()[dog.length >> 1] * 1.4826 || 1e-12;
  const thr = med + (opts.threshold ?? 1) * mad;
  const r = Math.max(1, Math.floor(opts.minDistancePx));
  const cands: Array<[number, number, number]> = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = dog[y * width + x];
      if (v <= thr) continue;
      let isMax = true;
      for (let dy = -r; dy <= r && isMax; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -r; dx <= r; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width || (dx === 0 && dy === 0) || dx * dx + dy * dy > r * r) continue;
          const u = dog[yy * width + xx];
          if (u > v || (u === v && yy * width + xx < y * width + x)) {
            isMax = false;
            break;
          }
        }
      }
      if (isMax) cands.push([x, y, g1[y * width + x]]);
    }
  }
  const atoms: BaselineAtom[] = cands.map(([x, y, intensity]) => {
    if (opts.refine === false) return { x, y, speciesIndex: 0, intensity, sigma: NaN };
    const f = refineAtom(frame, height, width, x, y, opts.refineRadiusPx ?? Math.max(2, 0.5 * opts.minDistancePx / 0.7), s, 0.5 * opts.minDistancePx);
    return { x: f.x, y: f.y, speciesIndex: 0, intensity, sigma: f.sigma };
  });
  if (opts.twoSpecies !== false && atoms.length >= 2) {
    const t = otsuThreshold(atoms.map((a) => a.intensity));
    const hi = atoms.filter((a) => a.intensity > t);
    const lo = atoms.filter((a) => a.intensity <= t);
    // only call the bright group a second species when it is clearly brighter (means 1.5x apart above the minimum)
    const mean = (l: BaselineAtom[]) => l.reduce((acc, a) => acc + a.intensity, 0) / Math.max(1, l.length);
    const floor = Math.min(...atoms.map((a) => a.intensity));
    if (hi.length && lo.length && mean(hi) - floor > 1.5 * (mean(lo) - floor)) for (const a of hi) a.speciesIndex = 1;
  }
  return atoms;
}
