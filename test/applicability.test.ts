/**
 * The does-the-model-apply check (inference/applicability.ts) and the lattice-area mask
 * (inference/latticeMask.ts) on synthetic frames with known answers: a graphene honeycomb is
 * graphene, a square perovskite-like lattice is not, pure noise cannot tell; the bond check, the
 * run-level combination and the uncovered share of a half-detected lattice.
 */
import { describe, expect, it } from 'vitest';
import { bondVerdict, checkFrameLattice, runVerdict, type LatticeVerdict } from '../inference/applicability.ts';
import { latticeAreaMask, uncoveredLattice } from '../inference/latticeMask.ts';
import { choosePixelSize } from '../inference/calibrationCheck.ts';
import { honeycombImage } from '../training/simulator/lattices/honeycombImage.ts';
import { MATERIALS } from '../models/materials.ts';
import { columnDensityPerPm2 } from '../inference/latticeScale.ts';
import { Random } from '../data/random.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newRun } from '../data/runMetadata.ts';
import { buildReport } from '../report/buildReport.ts';

const graphene = { lattice: 'graphene', latticeConstantPm: MATERIALS.graphene.aPm, pointGroup: '6mm' };

/** A [001] perovskite-like square lattice: bright A columns at the corners, dimmer B columns at the cell centres, Poisson noise. */
function squareLattice(h: number, w: number, aPm: number, pxPm: number, seed: number): { image: Float32Array; columns: Array<{ x: number; y: number }> } {
  const rnd = new Random(seed);
  const img = new Float32Array(h * w);
  const a = aPm / pxPm, sig = 35 / pxPm;
  const columns: Array<{ x: number; y: number }> = [];
  for (let cy = -1; cy * a < h + a; cy++) for (let cx = -1; cx * a < w + a; cx++) {
    for (const [dx, dy, amp] of [[0, 0, 40], [0.5, 0.5, 20]]) {
      const x0 = (cx + dx) * a + 3.3, y0 = (cy + dy) * a + 2.1;
      if (x0 >= 0 && y0 >= 0 && x0 < w && y0 < h) columns.push({ x: x0, y: y0 });
      for (let y = Math.max(0, Math.floor(y0 - 4 * sig)); y <= Math.min(h - 1, y0 + 4 * sig); y++)
        for (let x = Math.max(0, Math.floor(x0 - 4 * sig)); x <= Math.min(w - 1, x0 + 4 * sig); x++)
          img[y * w + x] += amp * Math.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2 * sig * sig));
    }
  }
  for (let i = 0; i < img.length; i++) img[i] = rnd.poisson(img[i] + 2);
  return { image: img, columns };
}

describe('checkFrameLattice (Fourier verdict)', () => {
  it('a graphene honeycomb is graphene, at the right spacing', () => {
    const { image } = honeycombImage({ h: 256, w: 256, pxPm: 10, rotDeg: 17, counts: 20, seed: 3 });
    const v = checkFrameLattice(image, 256, 256, graphene, 10);
    expect(v.applicable).toBe(true);
    expect(v.method).toBe('fourier');
    expect(v.model!.spacingPx * 10).toBeCloseTo(213, -1); // 213 pm first-order planes, within 5 pm
    expect(Math.min(...v.model!.firstOrder)).toBeGreaterThan(1);
    expect(v.model!.spotsPerPx).toHaveLength(3);
    expect(Math.hypot(...v.model!.spotsPerPx[0]) * v.model!.spacingPx).toBeCloseTo(1, 6);
  });
  it('a square perovskite lattice is not graphene, with or without a stated pixel size', () => {
    const { image } = squareLattice(256, 256, 390, 15, 5);
    for (const stated of [15, null]) {
      const v = checkFrameLattice(image, 256, 256, graphene, stated);
      expect(v.applicable, String(stated)).toBe(false);
      expect(v.reason).toMatch(/4-fold \(square\)/);
      expect(v.other!.spacingPx * 15).toBeCloseTo(390, -1);
    }
  });
  it('pure noise cannot tell', () => {
    const rnd = new Random(9);
    const noise = Float32Array.from({ length: 128 * 128 }, () => rnd.poisson(20));
    expect(checkFrameLattice(noise, 128, 128, graphene, 10).applicable).toBe('unknown');
    expect(checkFrameLattice(new Float32Array(20 * 20), 20, 20, graphene, 10).applicable).toBe('unknown');
  });
});

describe('pixel-size policy (choosePixelSize)', () => {
  it("keeps the file's value on a frame that is not the model's lattice, and gives 'unknown' without one", () => {
    const { image } = squareLattice(256, 256, 390, 15, 6);
    const base = { frame: image, height: 256, width: 256, latticeConstantPm: MATERIALS.graphene.aPm, pointGroup: '6mm', latticeName: 'graphene' };
    const kept = choosePixelSize({ ...base, file: { value: 15, origin: 'file' } });
    expect(kept.pixelSizePm).toEqual({ value: 15, origin: 'file' });
    expect(kept.verdict.applicable).toBe(false);
    const none = choosePixelSize(base);
    expect(none.pixelSizePm).toEqual({ value: null, origin: 'none' });
    expect(none.warnings.join(' ')).toMatch(/not a graphene lattice/);
  });
  it("replaces a file value 20 % off on the model's lattice, keeps one 3 % off", () => {
    const { image } = honeycombImage({ h: 256, w: 256, pxPm: 10, rotDeg: 5, counts: 20, seed: 4 });
    const base = { frame: image, height: 256, width: 256, latticeConstantPm: MATERIALS.graphene.aPm, pointGroup: '6mm', latticeName: 'graphene' };
    const off = choosePixelSize({ ...base, file: { value: 8, origin: 'file' } });
    expect(off.pixelSizePm.origin).toBe('lattice');
    expect(off.pixelSizePm.value!).toBeCloseTo(10, 0);
    expect(choosePixelSize({ ...base, file: { value: 10.3, origin: 'file' } }).pixelSizePm).toEqual({ value: 10.3, origin: 'file' });
  });
});

describe('bondVerdict and runVerdict', () => {
  const unknown: LatticeVerdict = { applicable: 'unknown', method: 'fourier', reason: 'no clear Fourier lattice peak', lattice: 'graphene', model: null, other: null, expectedSpacingPm: 213, measuredSpacingPm: null, bondAgreement: null };
  it('graphene columns at the right scale have graphene bonds; square-lattice columns do not', () => {
    const { columns } = honeycombImage({ h: 128, w: 128, pxPm: 10, seed: 1 });
    const yes = bondVerdict(unknown, columns, 10, 142);
    expect(yes.applicable).toBe(true);
    expect(yes.method).toBe('bonds');
    expect(yes.bondAgreement!).toBeGreaterThan(0.95);
    const no = bondVerdict(unknown, squareLattice(128, 128, 390, 15, 1).columns, 15, 142);
    expect(no.applicable).toBe(false);
    expect(no.bondAgreement!).toBeLessThan(0.1);
    const fourierTrue = { ...unknown, applicable: true as const };
    expect(bondVerdict(fourierTrue, [], 10, 142)).toBe(fourierTrue);
  });
  it('combines frames: majority false wins, any true otherwise, else unknown', () => {
    const v = (a: boolean | 'unknown') => ({ ...unknown, applicable: a });
    expect(runVerdict([{ frame: 0, verdict: v(false) }, { frame: 1, verdict: v(false) }, { frame: 2, verdict: v(true) }]).applicable).toBe(false);
    expect(runVerdict([{ frame: 0, verdict: v('unknown') }, { frame: 1, verdict: v(true) }]).applicable).toBe(true);
    expect(runVerdict([{ frame: 0, verdict: v('unknown') }]).applicable).toBe('unknown');
  });
});

describe('latticeAreaMask and uncoveredLattice', () => {
  it('finds the lattice half of a half-amorphous frame and the undetected share of it', () => {
    const h = 192, w = 192;
    const { image, columns } = honeycombImage({ h, w, pxPm: 10, rotDeg: 11, counts: 20, seed: 8 });
    const rnd = new Random(2);
    // right half: no lattice, the same mean intensity (amorphous carbon-like noise)
    let mean = 0;
    for (const v of image) mean += v / image.length;
    for (let y = 0; y < h; y++) for (let x = w / 2; x < w; x++) image[y * w + x] = rnd.poisson(mean);
    const v = checkFrameLattice(image, h, w, graphene, 10);
    expect(v.applicable).toBe(true);
    const area = latticeAreaMask(image, h, w, v.model!.spotsPerPx);
    // away from the boundary by more than the low-pass width (1.5 spacings = 32 px): lattice left, none right
    const share = (x0: number, x1: number) => {
      let n = 0;
      for (let y = 0; y < h; y++) for (let x = x0; x < x1; x++) n += area.mask[y * w + x];
      return n / (h * (x1 - x0));
    };
    expect(share(0, w / 2 - 32)).toBeGreaterThan(0.9);
    expect(share(w / 2 + 32, w)).toBeLessThan(0.1);
    // detections only in the top half of the lattice: about half of the lattice area is uncovered
    const detected = columns.filter((c) => c.x < w / 2 && c.y < h / 2);
    const cov = uncoveredLattice(area.mask, h, w, detected, 1.5 * 14.2);
    expect(cov.uncoveredShare!).toBeGreaterThan(0.35);
    expect(cov.uncoveredShare!).toBeLessThan(0.65);
  });
  it('an intact lattice with every column detected is fully covered', () => {
    const { image, columns } = honeycombImage({ h: 128, w: 128, pxPm: 10, rotDeg: 3, counts: 20, seed: 12 });
    const v = checkFrameLattice(image, 128, 128, graphene, 10);
    const area = latticeAreaMask(image, 128, 128, v.model!.spotsPerPx);
    expect(area.share).toBeGreaterThan(0.9);
    const density = columnDensityPerPm2(MATERIALS.graphene.aPm, '6mm') * 10 * 10; // columns per px² at 10 pm/px
    const full = uncoveredLattice(area.mask, 128, 128, columns, 1.5 * 14.2, density);
    expect(full.uncoveredShare!).toBeLessThan(0.01);
    expect(full.missedColumnShare!).toBeLessThan(0.05);
    // every other column missed: no uncovered patch, but half the columns
    const half = uncoveredLattice(area.mask, 128, 128, columns.filter((_, i) => i % 2 === 0), 1.5 * 14.2, density);
    expect(half.uncoveredShare!).toBeLessThan(0.01);
    expect(half.missedColumnShare!).toBeGreaterThan(0.45);
    expect(half.missedColumnShare!).toBeLessThan(0.55);
    // a 40 px wide band of missed columns is found, in proportion to its area
    const missed = columns.filter((c) => c.x < 44 || c.x > 84);
    const cov = uncoveredLattice(area.mask, 128, 128, missed, 1.5 * 14.2);
    expect(cov.uncoveredShare!).toBeGreaterThan(0.1);
    expect(cov.uncoveredShare!).toBeLessThan(0.35);
  });
});

describe('report section', () => {
  it("shows the verdict, its reason and the missed lattice of locate's run.json", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-applicability-report-'));
    const run = newRun('locate', ['locate', 'x.hspy']);
    run.applicability = {
      applicable: false,
      reason: 'not graphene: a 4-fold lattice',
      model: 'graphene-si',
      frames: [],
      missedLattice: { meanUncoveredShare: 0.18, maxUncoveredShare: 0.18, meanMissedColumnShare: 0.4, maxMissedColumnShare: 0.4, threshold: 0.2, flaggedFrames: [0] },
    };
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run));
    const html = readFileSync(await buildReport(dir), 'utf8');
    const section = html.match(/<section id="applicability">[\s\S]*?<\/section>/)?.[0] ?? '';
    expect(section).toMatch(/model graphene-si applies<\/th><td class="text"><strong>no<\/strong>/);
    expect(section).toContain('not graphene: a 4-fold lattice');
    expect(section).toMatch(/lattice columns not detected<\/th><td class="text">40 %/);
    expect(section).toMatch(/frames above 20 %<\/th><td class="text">0 /);
  });
});
