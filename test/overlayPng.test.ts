import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { renderOverlayPng, speciesColors, stretchToGrey, writeOverlayPng, SPECIES_PALETTE } from '../data/writers/overlayPng.ts';
import { protectInput } from '../data/atomicWrite.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-overlay-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function pixels(png: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

function hex(c: string): number[] {
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
}

describe('contrast stretch', () => {
  it('maps the percentiles to 0 and 255, clips outside, and a constant frame to mid-grey', () => {
    const f = Float32Array.from({ length: 1001 }, (_, i) => i);
    const g = stretchToGrey(f, 10, 90);
    expect(g[100]).toBe(0);
    expect(g[0]).toBe(0);
    expect(g[900]).toBe(255);
    expect(g[1000]).toBe(255);
    expect(Math.abs(g[500] - 127.5)).toBeLessThanOrEqual(0.5);
    expect(Array.from(stretchToGrey(new Float32Array(5).fill(3)))).toEqual([128, 128, 128, 128, 128]);
  });

  it('takes its percentiles at the ranks a sort gives (quickselect), with ties, negative zero and non-finite pixels', () => {
    const rng = (i: number) => Math.sin(12.9898 * i) * 43758.5453 - Math.floor(Math.sin(12.9898 * i) * 43758.5453);
    const f = Float32Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? 3 : i % 11 === 0 ? -0 : i % 97 === 0 ? NaN : i % 89 === 0 ? Infinity : Math.round(1000 * rng(i)) / 10 - 20));
    const sorted = Array.from(f).filter(Number.isFinite).sort((a, b) => a - b);
    for (const [lo, hi] of [[0.5, 99.5], [0, 100], [10, 90], [37, 38], [37, 60]]) {
      const at = (p: number) => sorted[Math.round((p / 100) * (sorted.length - 1))];
      const a = at(lo), b = at(hi);
      const k = 255 / (b - a);
      const want = Array.from(f, (v) => {
        const t = (v - a) * k;
        return t <= 0 ? 0 : t >= 255 ? 255 : Math.round(t);
      });
      const got = Array.from(stretchToGrey(f, lo, hi));
      if (!(b > a)) {
        // both percentiles on one tied value: mid-grey, as for a constant frame
        expect(got, `${lo}-${hi}`).toEqual(new Array(f.length).fill(128));
        continue;
      }
      // NaN pixels: (NaN - lo) * k is NaN, which is neither <= 0 nor >= 255: Math.round(NaN) -> 0
      expect(got, `${lo}-${hi}`).toEqual(want.map((v) => (Number.isNaN(v) ? 0 : v)));
    }
  });

  it('species colours are stable: sorted names, explicit ones kept', () => {
    expect(speciesColors(['Si', 'C', 'Si'])).toEqual({ C: SPECIES_PALETTE[0], Si: SPECIES_PALETTE[1] });
    expect(speciesColors(['Si', 'C'], { Si: '#ff0000' })).toEqual({ C: SPECIES_PALETTE[0], Si: '#ff0000' });
  });
});

describe('PNG overlay', () => {
  const W = 32;
  const H = 24;
  const frame = Float32Array.from({ length: W * H }, (_, i) => (i % W) / W);

  it('draws circles in species colours at (x + 0.5) * scale, tracks, and keeps the grey frame elsewhere', async () => {
    const atoms = [
      { x: 20, y: 12, species: 'C' },
      { x: 8, y: 18, species: 'Si' },
    ];
    const png = await renderOverlayPng(frame, H, W, atoms, { scale: 8, radius: 1.5, legend: false, tracks: [{ points: [{ x: 2, y: 2 }, { x: 12, y: 2 }], species: 'Si' }] });
    const img = await pixels(png);
    expect([img.width, img.height]).toEqual([W * 8, H * 8]);
    const at = (x: number, y: number): number[] => Array.from(img.data.subarray((y * img.width + x) * img.channels, (y * img.width + x) * img.channels + 3));
    const near = (a: number[], b: number[]): boolean => a.every((v, i) => Math.abs(v - b[i]) <= 40);
    const colors = speciesColors(['C', 'Si']);
    // Circle of radius 1.5 px = 12 output px around (20.5 * 8, 12.5 * 8) = (164, 100): its rightmost point.
    expect(near(at(164 + 12, 100), hex(colors.C))).toBe(true);
    expect(near(at(8.5 * 8 - 12, 18.5 * 8), hex(colors.Si))).toBe(true);
    // The track from (2.5, 2.5) to (12.5, 2.5) in input pixels, i.e. y = 20 in output pixels.
    expect(near(at(60, 20), hex(colors.Si))).toBe(true);
    // Away from the drawing: grey, increasing left to right (the frame is a horizontal ramp).
    const left = at(4, 180);
    const right = at(250, 180);
    expect(left[0]).toBe(left[1]);
    expect(left[1]).toBe(left[2]);
    expect(right[0]).toBeGreaterThan(left[0] + 150);
  });

  it('the legend lists each species with its count, on a dark box', async () => {
    const atoms = Array.from({ length: 5 }, (_, i) => ({ x: 25, y: 3 + 3 * i, species: i < 2 ? 'Si' : 'C' }));
    // Bright on the left, where the legend goes.
    const bright = Float32Array.from({ length: W * H }, (_, i) => 1 - (i % W) / W);
    const withLegend = await pixels(await renderOverlayPng(bright, H, W, atoms, { scale: 8 }));
    const without = await pixels(await renderOverlayPng(bright, H, W, atoms, { scale: 8, legend: false }));
    const mean = (img: { data: Buffer; width: number; channels: number }): number => {
      let s = 0;
      for (let y = 4; y < 20; y++) for (let x = 4; x < 40; x++) s += img.data[(y * img.width + x) * img.channels];
      return s / (16 * 36);
    };
    expect(mean(withLegend)).toBeLessThan(mean(without) - 50);
  });

  it('writes atomically and refuses inputs and wrong frame sizes', async () => {
    const out = path.join(dir, 'overlay.png');
    await writeOverlayPng(out, frame, H, W, [{ x: 1, y: 1, species: 'C' }], { title: 'frame 0 <&>' });
    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('png');
    const input = path.join(dir, 'input.png');
    writeFileSync(input, 'x');
    protectInput(input);
    await expect(writeOverlayPng(input, frame, H, W, [])).rejects.toThrow(/refusing to overwrite an input file/);
    await expect(writeOverlayPng(path.join(dir, 'bad.png'), frame, H + 1, W, [])).rejects.toThrow(/bad\.png: overlay: frame has 768 pixels, expected 32 x 25/);
  });
});
