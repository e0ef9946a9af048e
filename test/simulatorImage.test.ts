import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import type { ModelAtom } from '../training/simulator/atomModel.ts';
import { DEFAULT_IMAGING, imageFrame, simulateImage, type ImagingParams } from '../training/simulator/simulateImage.ts';
import { constantOffsets, scanDistortion, NO_SCAN_DISTORTION } from '../training/simulator/scanDistortion.ts';
import { IDEAL_DETECTOR } from '../training/simulator/detectorNoise.ts';
import { NO_CONTAMINATION } from '../training/simulator/contamination.ts';

const atom = (xPm: number, yPm: number, zList: number[], species: string, element: string): ModelAtom => ({ x: xPm, y: yPm, zList, species, element, site: null, heightPm: 0 });
const ideal: ImagingParams = { ...DEFAULT_IMAGING, detector: IDEAL_DETECTOR, distortion: NO_SCAN_DISTORTION, contamination: NO_CONTAMINATION, backgroundFraction: 0 };

/** Integrated intensity within `r` px of (x, y) above the mean of pixels farther than `far` px from every centre. */
function integrated(img: Float32Array, w: number, h: number, centres: Array<[number, number]>, r: number, far: number): number[] {
  let bg = 0;
  let nb = 0;
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) if (centres.every(([x, y]) => Math.hypot(j - x, i - y) > far)) { bg += img[i * w + j]; nb++; }
  bg /= nb;
  return centres.map(([x, y]) => {
    let s = 0;
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) if (Math.hypot(j - x, i - y) <= r) s += img[i * w + j] - bg;
    return s;
  });
}

describe('image formation', () => {
  it('scales column intensity as Z^n (integrated Si / C = (14/6)^n, Se2 / W = 2 (34/74)^n)', () => {
    const px = 10;
    const frame = { width: 240, height: 80, pixelSizePm: px };
    for (const n of [1.6, 2.0]) {
      const img = imageFrame([atom(50 * px, 40 * px, [6], 'C', 'C'), atom(185 * px, 40 * px, [14], 'Si', 'Si')], ['C', 'Si'], 142, frame, { ...ideal, zExponent: n }, { offsets: constantOffsets(80), noiseRng: new Random(1) });
      const [c, si] = integrated(img.expected, 240, 80, [[50, 40], [185, 40]], 45, 60);
      expect(si / c).toBeCloseTo((14 / 6) ** n, 6);
      // the reported mean column counts (peaks, which include the uniform tail of distant atoms) scale alike
      expect(Math.abs(img.stats.columnCounts.Si / img.stats.columnCounts.C / (14 / 6) ** n - 1)).toBeLessThan(2e-3);
    }
    const img = imageFrame([atom(50 * px, 40 * px, [74], 'metal', 'W'), atom(185 * px, 40 * px, [34, 34], 'chalcogen', 'Se2')], ['metal', 'chalcogen'], 190, frame, { ...ideal, zExponent: 1.7 }, { offsets: constantOffsets(80), noiseRng: new Random(1) });
    const [w, se2] = integrated(img.expected, 240, 80, [[50, 40], [185, 40]], 45, 60);
    expect(se2 / w).toBeCloseTo(2 * (34 / 74) ** 1.7, 6);
  });

  it('recovers n from a noisy image at high dose (fit of the integrated ratio)', () => {
    const px = 10;
    const n = 1.75;
    const img = imageFrame([atom(50 * px, 40 * px, [6], 'C', 'C'), atom(185 * px, 40 * px, [14], 'Si', 'Si')], ['C', 'Si'], 142, { width: 240, height: 80, pixelSizePm: px }, { ...ideal, zExponent: n, doseEPerA2: 2e8 }, { offsets: constantOffsets(80), noiseRng: new Random(9) });
    const [c, si] = integrated(img.image, 240, 80, [[50, 40], [185, 40]], 25, 60);
    const fitted = Math.log(si / c) / Math.log(14 / 6);
    expect(Math.abs(fitted - n)).toBeLessThan(0.04);
  });

  it('puts an atom at integer (x, y) brightest at that pixel, and labels it there (pixel centres at integers)', () => {
    const px = 12;
    for (const [x, y] of [[20, 17], [31, 8], [5, 25]]) {
      const img = imageFrame([atom(x * px, y * px, [14], 'Si', 'Si')], ['C', 'Si'], 142, { width: 40, height: 32, pixelSizePm: px }, ideal, { offsets: constantOffsets(32), noiseRng: new Random(1) });
      let best = 0;
      for (let k = 1; k < img.expected.length; k++) if (img.expected[k] > img.expected[best]) best = k;
      expect([best % 40, Math.floor(best / 40)]).toEqual([x, y]);
      expect(img.atoms[0].x).toBeCloseTo(x, 9);
      expect(img.atoms[0].y).toBeCloseTo(y, 9);
      expect(img.labels[y * 40 + x]).toBe(2);
    }
    // half way between two pixels: both equally bright
    const img = imageFrame([atom(20.5 * px, 10 * px, [6], 'C', 'C')], ['C', 'Si'], 142, { width: 40, height: 24, pixelSizePm: px }, ideal, { offsets: constantOffsets(24), noiseRng: new Random(1) });
    expect(img.expected[10 * 40 + 20]).toBeCloseTo(img.expected[10 * 40 + 21], 9);
  });

  it('moves atoms with the scan offsets and labels them where they appear', () => {
    const px = 10;
    const offsets = scanDistortion(64, { ...NO_SCAN_DISTORTION, driftInFramePx: { x: 4, y: 2 } }, { x: 3, y: -2 }, new Random(3));
    const img = imageFrame([atom(30 * px, 40 * px, [14], 'Si', 'Si')], ['C', 'Si'], 142, { width: 64, height: 64, pixelSizePm: px }, ideal, { offsets, noiseRng: new Random(1) });
    let best = 0;
    for (let k = 1; k < img.expected.length; k++) if (img.expected[k] > img.expected[best]) best = k;
    const [bx, by] = [best % 64, Math.floor(best / 64)];
    expect(Math.abs(bx - img.atoms[0].x)).toBeLessThanOrEqual(0.6);
    expect(Math.abs(by - img.atoms[0].y)).toBeLessThanOrEqual(0.6);
    // content at row y is displaced by the offset + the drift accumulated by that row
    const expectedY = (40 - 2) / (1 - 2 / 63);
    expect(img.atoms[0].y).toBeCloseTo(expectedY, 3);
    expect(img.atoms[0].x).toBeCloseTo(30 + 3 + (4 * expectedY) / 63, 1);
  });

  it("labels contamination as 'other' and hides the lattice under it", () => {
    const imaging: ImagingParams = { ...ideal, contamination: { ...NO_CONTAMINATION, blobsPerNm2: 1.5, blobRadiusPm: 300 } };
    const img = simulateImage({ specimen: { lattice: 'graphene', configurationCount: 0 }, frame: { width: 96, height: 96, pixelSizePm: 15 }, imaging, seed: 8 });
    const other = img.labels.filter((v) => v === 3).length;
    expect(other).toBeGreaterThan(50);
    // no labelled atom lies inside an 'other' region
    for (const a of img.atoms) {
      const v = img.labels[Math.round(a.y) * 96 + Math.round(a.x)];
      if (Math.round(a.x) >= 0 && Math.round(a.x) < 96 && Math.round(a.y) >= 0 && Math.round(a.y) < 96) expect(v).not.toBe(3);
    }
    // contamination is bright: 'other' pixels are brighter on average than background pixels
    let so = 0;
    let no = 0;
    let sb = 0;
    let nb = 0;
    img.labels.forEach((v, k) => {
      if (v === 3) { so += img.expected[k]; no++; }
      if (v === 0) { sb += img.expected[k]; nb++; }
    });
    expect(so / no).toBeGreaterThan(1.5 * (sb / nb));
  });
});

describe('noise statistics', () => {
  it('match the dose: (image - expected) / sqrt(expected) has unit variance for an electron counter', () => {
    const img = simulateImage({ specimen: { lattice: 'graphene', configurationCount: 1 }, frame: { width: 128, height: 128, pixelSizePm: 10 }, imaging: { ...ideal, doseEPerA2: 3e6, backgroundFraction: 1e-3 }, seed: 2 });
    expect(img.stats.electronsPerPixel).toBeCloseTo(3e6 * 100 / 1e4, 9);
    let m = 0;
    let v = 0;
    const n = img.image.length;
    for (let k = 0; k < n; k++) {
      const z = (img.image[k] - img.expected[k]) / Math.sqrt(img.expected[k]);
      m += z;
      v += z * z;
    }
    m /= n;
    v = v / n - m * m;
    expect(Math.abs(m)).toBeLessThan(0.02);
    expect(Math.abs(v - 1)).toBeLessThan(0.03);
    // counts on C columns at this dose: sigma_C P(0) electrons per incident electron
    expect(img.stats.columnCounts.C).toBeGreaterThan(10);
  });

  it('variance = mean on a flat field (Poisson), scaled by gain, pulse spread and read noise', async () => {
    const { detect } = await import('../training/simulator/detectorNoise.ts');
    const lam = 40;
    const flat = new Float64Array(200 * 200).fill(lam);
    const moments = (a: Float32Array) => {
      let m = 0;
      let v = 0;
      for (const x of a) m += x;
      m /= a.length;
      for (const x of a) v += (x - m) ** 2;
      return { m, v: v / (a.length - 1) };
    };
    const tol = (want: number) => 4 * want * Math.sqrt(2 / flat.length) + 0.01 * want;
    let r = moments(detect(flat, IDEAL_DETECTOR, new Random(1)));
    expect(Math.abs(r.m - lam)).toBeLessThan(0.2);
    expect(Math.abs(r.v - lam)).toBeLessThan(tol(lam));
    r = moments(detect(flat, { ...IDEAL_DETECTOR, gain: 3 }, new Random(2)));
    expect(Math.abs(r.m - 3 * lam)).toBeLessThan(0.6);
    expect(Math.abs(r.v - 9 * lam)).toBeLessThan(tol(9 * lam));
    r = moments(detect(flat, { ...IDEAL_DETECTOR, gain: 3, pulseShape: 2, readNoise: 5, offset: 100 }, new Random(3)));
    expect(Math.abs(r.m - (3 * lam + 100))).toBeLessThan(0.8);
    const want = 9 * lam * (1 + 1 / 2) + 25;
    expect(Math.abs(r.v - want)).toBeLessThan(tol(want));
    // noise correlated along x keeps the mean and scales the variance by (1 - a) / (1 + a)
    const a = Math.exp(-1 / 1.5);
    r = moments(detect(flat, { ...IDEAL_DETECTOR, noiseCorrelationPx: 1.5 }, new Random(4), 200));
    expect(Math.abs(r.m - lam)).toBeLessThan(0.2);
    expect(Math.abs(r.v - (lam * (1 - a)) / (1 + a))).toBeLessThan(tol(lam) * 0.5 + 0.3);
  });
});

describe('seeds', () => {
  const opts = (seed: number) => ({
    specimen: { lattice: 'graphene' as const, configurations: ['si-c3', 'si-c4'] as Array<'si-c3' | 'si-c4'> },
    frame: { width: 64, height: 64, pixelSizePm: 12 },
    imaging: { ...DEFAULT_IMAGING, distortion: { ...NO_SCAN_DISTORTION, lineJitterPx: 0.2, glitchesPerFrame: 1 }, contamination: { ...NO_CONTAMINATION, blobsPerNm2: 0.3, amorphousAtomsPerNm2: 5 }, backgroundFraction: 1e-3, backgroundVariation: 0.1 },
    seed,
  });
  it('reproduce: same seed -> identical bytes; another seed -> different images and atoms', () => {
    const a = simulateImage(opts(11));
    const b = simulateImage(opts(11));
    const c = simulateImage(opts(12));
    expect(Buffer.from(a.image.buffer).equals(Buffer.from(b.image.buffer))).toBe(true);
    expect(Buffer.from(a.labels.buffer).equals(Buffer.from(b.labels.buffer))).toBe(true);
    expect(JSON.stringify(a.atoms)).toBe(JSON.stringify(b.atoms));
    expect(Buffer.from(a.image.buffer).equals(Buffer.from(c.image.buffer))).toBe(false);
    expect(JSON.stringify(a.atoms)).not.toBe(JSON.stringify(c.atoms));
  });
});
