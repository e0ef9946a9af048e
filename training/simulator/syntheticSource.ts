/**
 * A tiny synthetic stand-in for the simulator (tests and benchmarks only): a honeycomb lattice of
 * Gaussian columns on a background with Gaussian noise, a fraction of the columns replaced by a
 * brighter dopant, per-pixel labels (discs around each column) and the atom list. Implements the
 * SampleSource interface of training/sampleSource.ts.
 */
import { Random } from '../../data/random.ts';
import type { LabelAtom, SampleSource, TrainingSample } from '../sampleSource.ts';

export interface SyntheticOptions {
  /** Image side, px. */
  size: number;
  /** Nearest-neighbour distance, px. */
  bondPx: number;
  /** Column Gaussian sigma, px. */
  sigmaPx: number;
  /** Label disc radius, px. */
  labelRadiusPx: number;
  /** Fraction of columns that are the dopant. */
  dopantFraction: number;
  /** Peak height of a majority column above background. */
  columnHeight: number;
  /** Dopant peak / majority peak. */
  dopantRatio: number;
  /** Background level. */
  background: number;
  /** Noise standard deviation. */
  noise: number;
  /** Pixel size reported, pm. */
  pixelSizePm: number;
  seed: number;
}

export const SYNTHETIC_DEFAULTS: SyntheticOptions = {
  size: 32, bondPx: 6, sigmaPx: 1.2, labelRadiusPx: 1.5, dopantFraction: 0.05, columnHeight: 10, dopantRatio: 3.5,
  background: 5, noise: 1, pixelSizePm: 142 / 6, seed: 1,
};

/** One synthetic labelled image. */
export function syntheticSample(rng: Random, o: SyntheticOptions): TrainingSample {
  const { size } = o;
  const a = o.bondPx * Math.sqrt(3);
  const theta = rng.range(0, Math.PI / 3);
  const ox = rng.range(0, a), oy = rng.range(0, a);
  const c = Math.cos(theta), s = Math.sin(theta);
  const a1 = [a * c, a * s], a2 = [a * Math.cos(theta + Math.PI / 3), a * Math.sin(theta + Math.PI / 3)];
  const basis = [[0, 0], [(a1[0] + a2[0]) / 3, (a1[1] + a2[1]) / 3]];
  const atoms: LabelAtom[] = [];
  const n = Math.ceil((2 * size) / a) + 2;
  for (let i = -n; i <= n; i++) {
    for (let j = -n; j <= n; j++) {
      for (const b of basis) {
        const x = ox + i * a1[0] + j * a2[0] + b[0];
        const y = oy + i * a1[1] + j * a2[1] + b[1];
        if (x < -2 || y < -2 || x > size + 1 || y > size + 1) continue;
        const dop = rng.uniform() < o.dopantFraction;
        atoms.push({ x, y, species: dop ? 'Si' : 'C', element: dop ? 'Si' : 'C', z: dop ? 14 : 6 });
      }
    }
  }
  const image = new Float32Array(size * size);
  const labels = new Uint8Array(size * size);
  for (let k = 0; k < image.length; k++) image[k] = o.background + o.noise * rng.normal();
  const r = Math.ceil(3 * o.sigmaPx);
  for (const at of atoms) {
    const h = at.species === 'Si' ? o.columnHeight * o.dopantRatio : o.columnHeight;
    const cls = at.species === 'Si' ? 2 : 1;
    for (let y = Math.max(0, Math.floor(at.y) - r); y <= Math.min(size - 1, Math.ceil(at.y) + r); y++) {
      for (let x = Math.max(0, Math.floor(at.x) - r); x <= Math.min(size - 1, Math.ceil(at.x) + r); x++) {
        const d2 = (x - at.x) ** 2 + (y - at.y) ** 2;
        image[y * size + x] += h * Math.exp(-d2 / (2 * o.sigmaPx ** 2));
        if (d2 <= o.labelRadiusPx ** 2) labels[y * size + x] = cls;
      }
    }
  }
  const inside = atoms.filter((t) => t.x >= -0.5 && t.y >= -0.5 && t.x < size - 0.5 && t.y < size - 0.5);
  return { image, labels, height: size, width: size, atoms: inside };
}

/** A SampleSource of {@link syntheticSample}s (species C and Si). */
export function createSyntheticSource(options: Partial<SyntheticOptions> = {}): SampleSource & { produced: number } {
  const o = { ...SYNTHETIC_DEFAULTS, ...options };
  const rng = new Random(o.seed);
  const src = {
    species: ['C', 'Si'],
    elements: { C: 'C', Si: 'Si' },
    hasOther: false,
    pixelSizePm: o.pixelSizePm,
    produced: 0,
    async next() {
      src.produced++;
      return syntheticSample(rng, o);
    },
    async close() {},
  };
  return src;
}
