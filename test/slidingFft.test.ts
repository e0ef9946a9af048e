import { describe, expect, it } from 'vitest';
import { featurePlane, slidingFftStack } from '../analytics/slidingFft.ts';
import { fitUnmixing } from '../analytics/unmixing/fitUnmixing.ts';
import { honeycombImage } from '../training/simulator/lattices/honeycombImage.ts';

/** Two simulated graphene grains, 0° left and 30° right of x = 256, meeting at a straight boundary. */
function twoGrains(): { image: Float32Array; width: number; height: number } {
  const width = 512, height = 256;
  const a = honeycombImage({ h: height, w: width, pxPm: 25, rotDeg: 0, seed: 1 }).image;
  const b = honeycombImage({ h: height, w: width, pxPm: 25, rotDeg: 30, seed: 2 }).image;
  const image = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) image[y * width + x] = (x < width / 2 ? a : b)[y * width + x];
  return { image, width, height };
}

/** IoU of each true region with the windows whose dominant component is matched to it (best of the two matchings). */
function regionIoU(loadings: Float64Array, truth: number[]): number[] {
  const n = truth.length;
  const label = truth.map((_, i) => (loadings[2 * i] >= loadings[2 * i + 1] ? 0 : 1));
  const iou = (comp: number, region: number) => {
    let inter = 0, union = 0;
    for (let i = 0; i < n; i++) {
      const p = label[i] === comp, q = truth[i] === region;
      if (p && q) inter++;
      if (p || q) union++;
    }
    return inter / union;
  };
  const direct = [iou(0, 0), iou(1, 1)];
  const swapped = [iou(1, 0), iou(0, 1)];
  return Math.min(...direct) >= Math.min(...swapped) ? direct : swapped;
}

describe('sliding-window FFT (analytics/slidingFft.ts)', () => {
  it('keeps the lattice frequency of a plane wave and crops the plane', () => {
    const width = 128, height = 96, period = 8; // 64 px window: 8 cycles per window along x
    const image = new Float64Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) image[y * width + x] = 10 + Math.cos((2 * Math.PI * x) / period);
    const s = slidingFftStack(image, width, height, { window: 64, step: 16 });
    expect(s.gridWidth).toBe(5);
    expect(s.gridHeight).toBe(3);
    expect(s.centreX[0]).toBe(31.5);
    expect(s.centreY[s.n - 1]).toBe(32 + 31.5);
    // cropped to 1.3 x the peak radius: far fewer than the 64²/2 bins of the half plane
    expect(s.d).toBeLessThan(400);
    const peak = Array.from(s.kx).findIndex((kx, j) => kx === 8 && s.ky[j] === 0);
    expect(peak).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < s.n; i++) {
      const row = s.data.subarray(i * s.d, (i + 1) * s.d);
      expect(row[peak]).toBe(Math.max(...row));
    }
    // back on the plane: the peak and its point-symmetric partner around the centre (32, 32)
    const plane = featurePlane(s, s.data.subarray(0, s.d));
    expect(plane[32 * 64 + 40]).toBe(plane[32 * 64 + 24]);
    expect(plane[32 * 64 + 40]).toBe(s.data[peak]);
  });

  it('rejects a window larger than the image', () => {
    expect(() => slidingFftStack(new Float64Array(32 * 32), 32, 32, { window: 64, step: 8 })).toThrow(/does not fit/);
  });

  it('abundance maps reproduce two simulated grains (regions 8 windows wide): IoU >= 0.9 for N-FINDR, NMF and k-means', () => {
    const { image, width, height } = twoGrains();
    const s = slidingFftStack(image, width, height, { window: 32, step: 8 });
    const truth = Array.from(s.centreX, (x) => (x < width / 2 ? 0 : 1));
    for (const method of ['nfindr', 'nmf', 'kmeans'] as const) {
      const m = fitUnmixing(method, 2, s, 0);
      const iou = regionIoU(m.loadings, truth);
      expect(Math.min(...iou), method).toBeGreaterThanOrEqual(0.9);
    }
  });
});
