import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { AtomdynError } from '../data/errors.ts';
import {
  gaussianBlur, normaliseFrame, normalisationLevels, normalisationForPixelSize, percentile,
} from '../models/inputNormalisation.ts';
import { syntheticSample, SYNTHETIC_DEFAULTS } from '../training/simulator/syntheticSource.ts';

const size = 64;
function frame(seed: number, dopantFraction = 0.03) {
  return syntheticSample(new Random(seed), { ...SYNTHETIC_DEFAULTS, size, dopantFraction, noise: 0.5, seed });
}

/** Mean of the normalised image around each atom of a species (3x3 window at the rounded position). */
function peakMean(img: Float32Array, atoms: { x: number; y: number; species: string }[], species: string): number {
  const vals: number[] = [];
  for (const a of atoms) {
    if (a.species !== species) continue;
    const x = Math.round(a.x), y = Math.round(a.y);
    if (x < 2 || y < 2 || x > size - 3 || y > size - 3) continue;
    let s = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += img[(y + dy) * size + x + dx];
    vals.push(s / 9);
  }
  return vals.reduce((a, b) => a + b, 0) / vals.length;
}

describe('input normalisation', () => {
  it('maps background to about 0 and the lattice columns to about 1', () => {
    const f = frame(1);
    const { image, levels } = normaliseFrame(f.image, size, size);
    expect(levels.fallback).toBe(false);
    expect(levels.peaks).toBeGreaterThan(30);
    // background 5; a column is a Gaussian of height 10, sigma 1.2 px; smoothed by sigma 1 px its
    // peak is 10 * 1.2^2 / (1.2^2 + 1) = 5.9 above the background (less where the lattice puts the
    // peak between pixels)
    expect(levels.background).toBeGreaterThan(4.5);
    expect(levels.background).toBeLessThan(6);
    expect(levels.column - levels.background).toBeGreaterThan(5);
    expect(levels.column - levels.background).toBeLessThan(6.3);
    expect(percentile(image, 5)).toBeLessThan(0.1);
    expect(peakMean(image, f.atoms, 'C')).toBeGreaterThan(0.8);
    expect(peakMean(image, f.atoms, 'C')).toBeLessThan(1.25);
  });

  it('keeps a dopant 3.5x brighter than the lattice columns (no clipping)', () => {
    const f = frame(2, 0.06);
    expect(f.atoms.some((a) => a.species === 'Si')).toBe(true);
    const { image } = normaliseFrame(f.image, size, size);
    const ratio = peakMean(image, f.atoms, 'Si') / peakMean(image, f.atoms, 'C');
    // raw peak-over-background ratio of the two species is 3.5; the 3x3 mean keeps it
    expect(ratio).toBeGreaterThan(3.1);
    expect(ratio).toBeLessThan(3.9);
    expect(Math.max(...image)).toBeGreaterThan(3);
  });

  it('gives a stable column level when two column types are equally common (MX2)', () => {
    // 64 isolated columns on an 8 px grid, `bright` of them twice as high as the others: a median
    // would jump from the dim to the bright level as the balance tips past half; the trimmed mean
    // moves only with the mixture
    const grid = (bright: number, columnTrim?: number) => {
      const img = new Float32Array(size * size).fill(2);
      const order = new Random(5).shuffle(Array.from({ length: 64 }, (_, i) => i));
      order.forEach((k, rank) => {
        const cx = 4 + 8 * (k % 8), cy = 4 + 8 * Math.floor(k / 8), h = rank < bright ? 12 : 6;
        for (let y = cy - 4; y < cy + 4; y++) for (let x = cx - 4; x < cx + 4; x++) img[y * size + x] += h * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * 1.5 ** 2));
      });
      const l = normalisationLevels(img, size, size, columnTrim === undefined ? {} : { columnTrim });
      return l.column - l.background;
    };
    const a = grid(30), b = grid(34);
    expect(Math.abs(a - b) / a).toBeLessThan(0.1);
    // the median (trim 0.49) doubles
    expect(grid(34, 0.49) / grid(30, 0.49)).toBeGreaterThan(1.8);
  });

  it('is invariant to detector scale and offset', () => {
    const f = frame(3);
    const scaled = f.image.map((v) => 37.5 * v + 1200);
    const a = normaliseFrame(f.image, size, size).image;
    const b = normaliseFrame(scaled, size, size).image;
    let maxd = 0;
    for (let i = 0; i < a.length; i++) maxd = Math.max(maxd, Math.abs(a[i] - b[i]));
    expect(maxd).toBeLessThan(1e-3);
  });

  it('takes the background percentile by selection: the value a full sort of the smoothed frame gives, ties included', () => {
    const rng = new Random(9);
    for (const quantised of [false, true]) {
      const h = 37, w = 53;
      const img = new Float32Array(h * w).map(() => (quantised ? Math.round(4 * rng.normal()) : 100 + 7 * rng.normal()));
      const sorted = Float32Array.from(gaussianBlur(img, h, w, 1)).sort();
      const pos = 0.05 * (sorted.length - 1), lo = Math.floor(pos);
      const expected = sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (pos - lo);
      expect(normalisationLevels(img, h, w, { smoothSigmaPx: 1, backgroundPercentile: 5 }).background).toBe(expected);
    }
  });

  it('is deterministic and falls back on a flat frame', () => {
    const f = frame(4);
    expect(normalisationLevels(f.image, size, size)).toEqual(normalisationLevels(f.image, size, size));
    const flat = new Float32Array(64).fill(3);
    const r = normaliseFrame(flat, 8, 8);
    expect(r.levels.fallback).toBe(true);
    expect(Array.from(r.image).every((v) => v === 0)).toBe(true);
  });

  it('rejects NaN pixels and size mismatches with the source named', () => {
    const img = new Float32Array(16);
    img[5] = NaN;
    expect(() => normaliseFrame(img, 4, 4, {}, 'a.tif')).toThrow(/a\.tif: .*non-finite.*row 1, column 1/);
    expect(() => normaliseFrame(new Float32Array(15), 4, 4)).toThrow(AtomdynError);
  });

  it('blurs with unit gain and derives parameters from the pixel size', () => {
    const img = new Float32Array(15 * 13).fill(2);
    img[7 * 13 + 6] = 15;
    const b = gaussianBlur(img, 15, 13, 1.3);
    expect(b.reduce((s, v) => s + v, 0)).toBeCloseTo(img.reduce((s, v) => s + v, 0), 2);
    expect(b[7 * 13 + 6]).toBeCloseTo(2 + 13 / (2 * Math.PI * 1.3 * 1.3), 1);
    expect(normalisationForPixelSize(16, 142)).toMatchObject({ peakRadiusPx: 3, smoothSigmaPx: 1.07, columnTrim: 0.2 });
    expect(normalisationForPixelSize(30, 185).peakRadiusPx).toBe(2);
  });
});
