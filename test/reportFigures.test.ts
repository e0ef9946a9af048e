/**
 * Tests of the report's figure helpers: scale bars (report/scaleBar.ts), the drift-corrected mean
 * frame (report/meanFrame.ts), event crops with masked edges and a ringed centre
 * (report/eventCrops.ts), the time colours of the trajectory map, and the time axis.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { lengthLabel, niceLength, scaleBarSvg } from '../report/scaleBar.ts';
import { MeanFrameAccumulator, meanCorrectedFrame } from '../report/meanFrame.ts';
import { cropMasked, drawPanel, pairStretch, writeEventCrops } from '../report/eventCrops.ts';
import { timeColour } from '../report/sections/trajectories.ts';
import { timeAxis } from '../report/reportContext.ts';
import { createFrameStack } from '../data/readers/stackBase.ts';
import type { Calibration } from '../data/runMetadata.ts';

function stack(frames: Float32Array[], width: number, height: number) {
  const calibration: Calibration = { pixelSizePm: { value: 10, origin: 'file' }, frameTimeS: { value: null, origin: 'none' } };
  return createFrameStack({ path: 'mem', format: 'test', count: frames.length, height, width, dtype: 'float32', calibration, metadata: {} as never, decodeFrame: (i) => frames[i] });
}

/** A smooth pattern g(x, y) sampled at (x - sx, y - sy): the content moved by (sx, sy). */
function pattern(width: number, height: number, sx: number, sy: number): Float32Array {
  const f = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) f[y * width + x] = 3 * (x - sx) + 0.5 * (y - sy) + 100;
  return f;
}

describe('scale bars', () => {
  it('pick a 1-2-5 length and label it in pm, nm or px', () => {
    expect([niceLength(0.9), niceLength(1), niceLength(4.99), niceLength(5), niceLength(512), niceLength(1999)]).toEqual([0.5, 1, 2, 5, 500, 1000]);
    expect(lengthLabel(500, 'pm')).toBe('500 pm');
    expect(lengthLabel(2000, 'pm')).toBe('2 nm');
    expect(lengthLabel(20, 'px')).toBe('20 px');
    expect(() => niceLength(0)).toThrow(RangeError);
  });

  it('draw a bar whose length in image pixels is the labelled length over the image-pixel size', () => {
    // 512-px overlay of a 256-px frame at 10 pm/px: 5 pm per image pixel, 512 * 5 / 5 = 512 pm -> 500 pm = 100 image px
    const g = scaleBarSvg(512, 512, { inputPxPerImagePx: 0.5, pixelSizePm: 10 });
    expect(g).toMatch(/data-length="500" data-unit="pm" data-bar-width="100.000"/);
    expect(g).toContain('>500 pm<');
    const px = scaleBarSvg(128, 128, { inputPxPerImagePx: 1, pixelSizePm: null });
    expect(px).toMatch(/data-length="20" data-unit="px" data-bar-width="20.000"/);
  });
});

describe('mean frame and crops', () => {
  it('the drift-corrected mean of moving frames equals frame 0 where covered', async () => {
    const W = 40, H = 30;
    const shifts: Array<[number, number]> = [[0, 0], [1.5, -0.5], [3, -1], [4.25, 0.75]];
    const s = stack(shifts.map(([sx, sy]) => pattern(W, H, sx, sy)), W, H);
    const drift = { columns: ['frame', 'dx', 'dy'], rows: shifts.map(([dx, dy], frame) => ({ frame, dx, dy })) };
    const mean = await meanCorrectedFrame(s, drift);
    const f0 = pattern(W, H, 0, 0);
    let checked = 0;
    for (let y = 3; y < H - 3; y++) for (let x = 2; x < W - 6; x++) {
      expect(mean[y * W + x]).toBeCloseTo(f0[y * W + x], 4);
      checked++;
    }
    expect(checked).toBeGreaterThan(500);
    // without the correction the mean is shifted by the average drift
    const raw = await meanCorrectedFrame(s, null);
    expect(Math.abs(raw[10 * W + 10] - f0[10 * W + 10])).toBeGreaterThan(4);
  });

  it('the running sum (frames added as they are read) gives the mean bit for bit, and says whether its shifts are drift.csv\'s', async () => {
    const W = 24, H = 20;
    const shifts: Array<[number, number]> = [[0, 0], [0.7, -0.2], [1.9, 0.4], [2.2, 1.1], [3.05, 0.35]];
    const frames = shifts.map(([sx, sy]) => pattern(W, H, sx, sy).map((v, i) => v + Math.sin(i)));
    const drift = { columns: ['frame', 'dx', 'dy'], rows: shifts.map(([dx, dy], frame) => ({ frame, dx, dy })) };
    for (const maxFrames of [200, 3]) {
      const acc = new MeanFrameAccumulator(W, H, frames.length, maxFrames);
      expect([...acc.frames]).toEqual(maxFrames === 3 ? [0, 2, 4] : [0, 1, 2, 3, 4]);
      expect(acc.matches(drift)).toBe(false); // nothing added yet
      frames.forEach((f, k) => {
        if (acc.frames.has(k)) acc.add(k, f, shifts[k][0], shifts[k][1]);
      });
      expect(acc.matches(drift)).toBe(true);
      const want = await meanCorrectedFrame(stack(frames, W, H), drift, maxFrames);
      expect(Array.from(acc.mean())).toEqual(Array.from(want));
      expect(Array.from(acc.finish())).toEqual(Array.from(want));
      expect(acc.mean()).toBe(acc.finish()); // kept
      expect(() => acc.add(0, frames[0], 0, 0)).toThrow(/after finish/);
      expect(acc.matches(drift)).toBe(true);
    }
    // a shift that differs in the last bit, or a missing frame, and the accumulator does not stand for drift.csv
    const off = new MeanFrameAccumulator(W, H, frames.length);
    frames.forEach((f, k) => off.add(k, f, k === 2 ? shifts[k][0] + 1e-15 : shifts[k][0], shifts[k][1]));
    expect(off.matches(drift)).toBe(false);
    const missing = new MeanFrameAccumulator(W, H, frames.length);
    frames.forEach((f, k) => k !== 3 && missing.add(k, f, shifts[k][0], shifts[k][1]));
    expect(missing.matches(drift)).toBe(false);
  });

  it('crops beyond the frame edge are masked (NaN), not padded with edge pixels', () => {
    const W = 10, H = 8;
    const f = Float32Array.from({ length: W * H }, (_, i) => i);
    const c = cropMasked(f, W, H, 1, 6, 3);
    const side = 7;
    expect(c[3 * side + 3]).toBe(6 * W + 1); // centre
    expect(Number.isNaN(c[3 * side + 0])).toBe(true); // x = -2
    expect(Number.isNaN(c[6 * side + 3])).toBe(true); // y = 9
    expect(c[3 * side + 2]).toBe(6 * W + 0); // x = 0 inside
  });

  it('drawPanel paints each crop pixel as a scale x scale block of its stretched grey, NaN as the hatching; pairStretch takes the 1 % and 99.5 % values', () => {
    const side = 9, scale = 3;
    const crops = [0, 1].map((k) => Float32Array.from({ length: side * side }, (_, i) => (i % 7 === k ? NaN : Math.sin(i * 1.7 + k) * 50 + i)));
    const finite = crops.flatMap((c) => [...c].filter((v) => !Number.isNaN(v))).sort((a, b) => a - b);
    const { lo, hi } = pairStretch(crops);
    expect(lo).toBe(finite[Math.floor(0.01 * (finite.length - 1))]);
    expect(hi).toBe(finite[Math.floor(0.995 * (finite.length - 1))]);
    expect(pairStretch([Float32Array.of(NaN, NaN)])).toEqual({ lo: 0, hi: 1 }); // nothing inside the frame
    const W = 2 * side * scale + 4, top = 5, H = side * scale + top;
    const rgb = Buffer.alloc(W * H * 3, 255);
    drawPanel(rgb, W, top, side * scale + 4, crops[1], side, scale, lo, hi);
    for (let y = 0; y < side * scale; y++) {
      for (let x = 0; x < side * scale; x++) {
        const v = crops[1][Math.floor(y / scale) * side + Math.floor(x / scale)];
        const want = Number.isNaN(v) ? ((x + y) % 6 < 3 ? [70, 78, 96] : [48, 54, 68]) : Array(3).fill(Math.max(0, Math.min(255, Math.round((255 * (v - lo)) / (hi - lo)))));
        const px = 3 * ((y + top) * W + side * scale + 4 + x);
        expect([rgb[px], rgb[px + 1], rgb[px + 2]]).toEqual(want);
      }
    }
    // nothing outside the panel was touched
    expect(rgb.subarray(0, 3 * top * W).every((b) => b === 255)).toBe(true);
    expect(rgb[3 * (top * W + side * scale)]).toBe(255);
  });

  it('writes event crops with a ringed centre, a frame-label strip and hatched masks at the edge', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-crops-'));
    try {
      const W = 64, H = 64;
      const s = stack([pattern(W, H, 0, 0), pattern(W, H, 0, 0)], W, H);
      const events = { columns: ['frame', 'particle', 'x', 'y', 'from', 'to'], rows: [{ frame: 1, particle: 7, x: 3, y: 30, from: 'Si1C3', to: 'Si1C4' }] };
      const atoms = { columns: ['frame', 'x', 'y'], rows: [0, 1].flatMap((frame) => [{ frame, x: 3.2, y: 30 }, { frame, x: 3.2, y: 44.2 }, { frame, x: 15.5, y: 30 }]) };
      const files = await writeEventCrops(dir, s, events, { pixelSizePm: 10, atoms, lattice: 'graphene' });
      expect(files).toEqual(['crops/event_1_7.png']);
      const { data, info } = await sharp(path.join(dir, files[0])).raw().toBuffer({ resolveWithObject: true });
      // bond 142 pm = 14.2 px -> r = 57, side 115, scale 2; strip of 22 px; left panel, a pixel 10 px left of the frame edge (x = -7) is mask colour
      expect(info.width).toBe(2 * (2 * 115 + 2));
      const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
      const mask = at(2 * (57 - 10), 22 + 2 * (57 - 20));
      expect([[70, 78, 96], [48, 54, 68]]).toContainEqual(mask);
      // the centre ring: red pixels about 0.4 bond lengths (5.7 px) from the centre
      let red = 0;
      for (let y = 22 + 2 * 57 - 16; y <= 22 + 2 * 57 + 16; y++) for (let x = 2 * 57 - 16; x <= 2 * 57 + 16; x++) { const [r, g, b] = at(x, y); if (r > 200 && g < 120 && b < 120) red++; }
      expect(red).toBeGreaterThan(10);
      // the label strip is white apart from text
      expect(at(info.width - 3, 3)).toEqual([255, 255, 255]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('time', () => {
  it('uses seconds when the frame time is known, else frames', () => {
    expect(timeAxis(0.5).of(4)).toBe(2);
    expect(timeAxis(0.5).title('dwell')).toBe('dwell (s)');
    expect(timeAxis(null).of(4)).toBe(4);
    expect(timeAxis(0).title('dwell')).toBe('dwell (frames)');
  });

  it('colours time from dark violet (start) to yellow (end)', () => {
    expect(timeColour(0)).toBe('rgb(68,1,84)');
    expect(timeColour(1)).toBe('rgb(253,231,37)');
    expect(timeColour(0.5)).toBe('rgb(33,145,140)');
    expect(timeColour(2)).toBe(timeColour(1));
  });
});
