import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openRaster } from '../data/readers/raster.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-raster-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const W = 9;
const H = 7;

async function save(name: string, img: ReturnType<typeof sharp>): Promise<string> {
  const p = path.join(dir, name);
  await img.toFile(p);
  return p;
}

describe('PNG/JPEG reader', () => {
  it('8-bit greyscale PNG keeps its values', async () => {
    const data = Uint8Array.from({ length: W * H }, (_, i) => (i * 11) % 256);
    const file = await save('g8.png', sharp(data, { raw: { width: W, height: H, channels: 1 } }).png());
    const s = await openRaster(file, 'png');
    expect([s.format, s.count, s.height, s.width, s.dtype]).toEqual(['png', 1, H, W, 'uint8']);
    expect(Array.from(await s.readFrame(0))).toEqual(Array.from(data));
    expect(s.calibration.pixelSizePm.value).toBeNull();
  });

  it('16-bit greyscale PNG keeps its values', async () => {
    const data = Uint16Array.from({ length: W * H }, (_, i) => (i * 997) % 65536);
    const file = await save('g16.png', sharp(data, { raw: { width: W, height: H, channels: 1 } }).toColourspace('grey16').png());
    const s = await openRaster(file, 'png');
    expect(s.dtype).toBe('uint16');
    expect(Array.from(await s.readFrame(0))).toEqual(Array.from(data));
  });

  it('RGB PNG becomes BT.601 luminance, and the metadata says so', async () => {
    const rgb = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 29) % 256);
    const file = await save('rgb.png', sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png());
    const s = await openRaster(file, 'png');
    const f = await s.readFrame(0);
    for (const i of [0, 5, W * H - 1]) expect(f[i]).toBeCloseTo(0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2], 3);
    expect((s.metadata as { warnings: string[] }).warnings.join()).toMatch(/luminance/);
  });

  it('JPEG (lossy) is read close to the original', async () => {
    const data = Uint8Array.from({ length: 64 * 64 }, (_, i) => 100 + Math.round(50 * Math.sin(i / 300)));
    const file = await save('g.jpg', sharp(data, { raw: { width: 64, height: 64, channels: 1 } }).jpeg({ quality: 95 }));
    const s = await openRaster(file, 'jpeg');
    expect([s.height, s.width]).toEqual([64, 64]);
    const f = await s.readFrame(0);
    let err = 0;
    for (let i = 0; i < f.length; i++) err = Math.max(err, Math.abs(f[i] - data[i]));
    expect(err).toBeLessThan(6);
  });

  it('a truncated PNG gives an error naming the file', async () => {
    const data = Uint8Array.from({ length: 64 * 64 }, (_, i) => i % 256);
    const buf = await sharp(data, { raw: { width: 64, height: 64, channels: 1 } }).png().toBuffer();
    const file = path.join(dir, 'cut.png');
    writeFileSync(file, buf.subarray(0, Math.floor(buf.length / 2)));
    const err = await openRaster(file, 'png')
      .then((s) => s.readFrame(0))
      .catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/cut\.png: cannot (read|decode) PNG/);
  });
});

describe('PNG reader: 16-bit colour', () => {
  it('16-bit RGB PNG becomes luminance on the 0-65535 scale', async () => {
    const rgb = Uint16Array.from({ length: W * H * 3 }, (_, i) => (i * 2999) % 65536);
    const file = await save('rgb16.png', sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).toColourspace('rgb16').png());
    const s = await openRaster(file, 'png');
    expect(s.dtype).toBe('uint16');
    const f = await s.readFrame(0);
    for (const i of [0, 7, W * H - 1]) expect(f[i]).toBeCloseTo(0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2], 0);
  });
});
