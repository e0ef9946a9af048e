import { describe, expect, it } from 'vitest';
import { ttaAutoLine } from '../pipeline/locateStep.ts';
import { ttaApplies } from '../inference/testTimeAugmentation.ts';
import { anyArgmax, locateFrame, suppressOtherInLattice } from '../inference/locateFrame.ts';
import type { Segmenter } from '../inference/segmenter.ts';
import { gaussianBlur } from '../numerics/gaussianBlur.ts';
import { exampleCard } from './helpers/card.ts';
import { honeycombImage } from '../training/simulator/lattices/honeycombImage.ts';

/**
 * An analytic stand-in for the U-Net: on the normalised patch (columns at ~1, background ~0), a blurred
 * intensity above 0.45 is an atom, and a wide-blurred one above 1.2 makes it a Si atom (as a trained
 * network labels the whole disk of a dopant). It lets the test check the pipeline around the
 * network (resampling, coordinate mapping, tiling, blobs, refinement) against known positions.
 */
function thresholdSegmenter(): Segmenter {
  const card = exampleCard();
  return {
    card,
    async predict(patches, k, ph, pw) {
      const out = new Float32Array(k * ph * pw * 3);
      for (let n = 0; n < k; n++) {
        const b = gaussianBlur(patches.subarray(n * ph * pw, (n + 1) * ph * pw), ph, pw, 1);
        const wide = gaussianBlur(patches.subarray(n * ph * pw, (n + 1) * ph * pw), ph, pw, 2.5);
        for (let i = 0; i < ph * pw; i++) {
          const v = b[i], o = (n * ph * pw + i) * 3;
          const atom = 1 / (1 + Math.exp(-12 * (v - 0.45)));
          const si = 1 / (1 + Math.exp(-8 * (wide[i] - 1.2)));
          out[o] = 1 - atom;
          out[o + 1] = atom * (1 - si);
          out[o + 2] = atom * si;
        }
      }
      return out;
    },
  };
}

describe('locateFrame', () => {
  it('finds every column of a frame finer than the model, maps positions back exactly, and labels the dopant', async () => {
    const pxPm = 9; // input finer than the model's 16 pm/px: resampled by s = 1.78
    const { image, columns } = honeycombImage({ h: 200, w: 230, pxPm, rotDeg: 11, dopants: [40], seed: 3, counts: 40 });
    const si = columns.find((c) => c.species === 'Si')!;
    const { atoms, scale } = await locateFrame(thresholdSegmenter(), image, 200, 230, { inputPixelSizePm: pxPm, patch: 64, overlap: 16, refine: true });
    expect(scale).toBeCloseTo(16 / 9, 10);
    const bondPx = 142 / pxPm;
    const inner = columns.filter((c) => c.x > 4 && c.y > 4 && c.x < 225 && c.y < 195);
    let found = 0, sq = 0;
    for (const c of inner) {
      const d = Math.min(...atoms.map((a) => Math.hypot(a.x - c.x, a.y - c.y)));
      if (d < bondPx / 2) {
        found++;
        sq += d * d;
      }
    }
    expect(found / inner.length).toBeGreaterThan(0.98);
    // refined positions: RMS error well under a tenth of a bond
    expect(Math.sqrt(sq / found)).toBeLessThan(0.1 * bondPx);
    const sis = atoms.filter((a) => a.species === 'Si');
    expect(sis).toHaveLength(1);
    expect(Math.hypot(sis[0].x - si.x, sis[0].y - si.y)).toBeLessThan(0.1 * bondPx);
    expect(atoms.every((a) => a.confidence > 0 && a.confidence <= 1)).toBe(true);
    expect(atoms.filter((a) => Number.isFinite(a.sigmaPx)).length / atoms.length).toBeGreaterThan(0.9);
  });

  it('without refinement, centroids alone are still within a fifth of a bond', async () => {
    const pxPm = 20; // coarser than the model: upsampled
    const { image, columns } = honeycombImage({ h: 120, w: 120, pxPm, rotDeg: 30, seed: 5, counts: 60 });
    const { atoms } = await locateFrame(thresholdSegmenter(), image, 120, 120, { inputPixelSizePm: pxPm, refine: false });
    const bondPx = 142 / pxPm;
    const inner = columns.filter((c) => c.x > 3 && c.y > 3 && c.x < 116 && c.y < 116);
    const errs = inner.map((c) => Math.min(...atoms.map((a) => Math.hypot(a.x - c.x, a.y - c.y))));
    expect(errs.filter((d) => d < bondPx / 5).length / inner.length).toBeGreaterThan(0.97);
  });
});

describe("locateFrame: 'other' (contamination) regions", () => {
  it('keeps compact peaks 2 column levels above their surroundings there as the heaviest species, drops diffuse contamination', async () => {
    const card = exampleCard({ classes: ['background', 'C', 'Si', 'other'], hasOther: true });
    // a network that calls everything bright 'other' (as the shipped model does on a Si trimer)
    const seg: Segmenter = {
      card,
      async predict(patches, k, ph, pw) {
        const out = new Float32Array(k * ph * pw * 4);
        for (let n = 0; n < k; n++) {
          const b = gaussianBlur(patches.subarray(n * ph * pw, (n + 1) * ph * pw), ph, pw, 1);
          const wide = gaussianBlur(patches.subarray(n * ph * pw, (n + 1) * ph * pw), ph, pw, 2.5);
          for (let i = 0; i < ph * pw; i++) {
            const o = (n * ph * pw + i) * 4;
            const atom = 1 / (1 + Math.exp(-12 * (b[i] - 0.45)));
            const other = 1 / (1 + Math.exp(-8 * (wide[i] - 1.2)));
            out[o] = 1 - atom;
            out[o + 1] = atom * (1 - other);
            out[o + 3] = atom * other;
          }
        }
        return out;
      },
    };
    const pxPm = 16;
    const { image, columns } = honeycombImage({ h: 160, w: 160, pxPm, rotDeg: 5, dopants: [60], seed: 9, counts: 40 });
    const si = columns.find((c) => c.species === 'Si')!;
    // diffuse contamination: a broad bright patch away from the dopant
    const cont = new Float32Array(image);
    for (let y = 0; y < 160; y++) for (let x = 0; x < 160; x++) cont[y * 160 + x] += 90 * Math.exp(-((x - 30) ** 2 + (y - 130) ** 2) / (2 * 14 ** 2));
    const { atoms } = await locateFrame(seg, cont, 160, 160, { inputPixelSizePm: pxPm });
    const sis = atoms.filter((a) => a.species === 'Si');
    expect(sis).toHaveLength(1);
    expect(Math.hypot(sis[0].x - si.x, sis[0].y - si.y)).toBeLessThan(2);
    expect(atoms.some((a) => Math.hypot(a.x - 30, a.y - 130) < 10 && a.species === 'Si')).toBe(false);
  });
});

describe('suppressOtherInLattice', () => {
  it("removes 'other' only at model pixels whose input position is lattice, renormalising the rest", () => {
    // model 2 x 2, classes [background, C, other], scale 2 (input 4 x 4); lattice = left half of the input
    const probs = Float32Array.from([
      0.2, 0.2, 0.6, /**/ 0.1, 0.1, 0.8,
      0.0, 0.0, 1.0, /**/ 0.5, 0.5, 0.0,
    ]);
    const mask = new Uint8Array(16);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 2; x++) mask[y * 4 + x] = 1;
    suppressOtherInLattice(probs, 2, 2, 3, 2, mask, 4, 4, 2);
    const p = Array.from(probs, (v) => Number(v.toFixed(6)));
    expect(p.slice(0, 3)).toEqual([0.5, 0.5, 0]); // lattice: 'other' gone, the rest / 0.4
    expect(p.slice(3, 6)).toEqual([0.1, 0.1, 0.8]); // not lattice: unchanged
    expect(p.slice(6, 9)).toEqual([1, 0, 0]); // lattice, p(other) = 1: background
    expect(p.slice(9, 12)).toEqual([0.5, 0.5, 0]);
    for (let i = 0; i < 12; i += 3) expect(probs[i] + probs[i + 1] + probs[i + 2]).toBeCloseTo(1, 6);
  });
});

describe("test-time augmentation 'auto'", () => {
  it('is on for graphene models on frames at >= 0.75 of the model pixel size, off for finer frames and MX2 models; true/false as given', () => {
    const graphene = { lattice: { name: 'graphene' }, pixelSizePm: 16 } as const;
    const mx2 = { lattice: { name: 'mx2' }, pixelSizePm: 30 } as const;
    expect(ttaApplies('auto', graphene as never, 15.625)).toBe(true);
    expect(ttaApplies('auto', graphene as never, 12)).toBe(true);
    expect(ttaApplies('auto', graphene as never, 11.9)).toBe(false);
    expect(ttaApplies('auto', graphene as never, 7.8125)).toBe(false);
    expect(ttaApplies('auto', mx2 as never, 37.4)).toBe(false);
    expect(ttaApplies(true, graphene as never, 7.8125)).toBe(true);
    expect(ttaApplies(false, graphene as never, 15.625)).toBe(false);
    expect(ttaAutoLine(16, 15.625)).toMatch(/15\.6 pm\/px .*--no-tta/);
  });
});

describe('anyArgmax', () => {
  it("is true only when the class is the most probable one at some pixel (ties do not count)", () => {
    expect(anyArgmax(Float32Array.from([0.6, 0.3, 0.1, 0.2, 0.2, 0.6]), 3, 2)).toBe(true);
    expect(anyArgmax(Float32Array.from([0.6, 0.3, 0.1, 0.4, 0.4, 0.2]), 3, 2)).toBe(false);
    expect(anyArgmax(Float32Array.from([0.4, 0.2, 0.4]), 3, 2)).toBe(false);
  });
});
