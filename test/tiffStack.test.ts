import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import UTIF from 'utif2';
import { toRational, writeTiffStack } from '../data/writers/tiffStack.ts';
import { openTiff } from '../data/readers/tiff.ts';
import { protectInput } from '../data/atomicWrite.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-tiffout-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const W = 6;
const H = 5;
const frames = [0, 1, 2, 3].map((k) => Float32Array.from({ length: W * H }, (_, i) => Math.sin(i + k) * 100 + k));

describe('multi-page float32 TIFF writer', () => {
  it('round-trips frames and calibration through the TIFF reader (ImageJ description + resolution)', async () => {
    const file = path.join(dir, 'stack.tif');
    await writeTiffStack(file, frames, { count: 4, height: H, width: W }, { pixelSizePm: 10.62231596676199, frameTimeS: 0.195, info: { source: 'test' } });
    const s = openTiff(file);
    expect([s.format, s.count, s.height, s.width, s.dtype]).toEqual(['imagej-tiff', 4, H, W, 'float32']);
    for (let k = 0; k < 4; k++) expect(Array.from(await s.readFrame(k))).toEqual(Array.from(frames[k]));
    expect(s.calibration.pixelSizePm.value! / 10.62231596676199).toBeCloseTo(1, 7);
    expect(s.calibration.frameTimeS.value).toBe(0.195);
    await s.close();
  });

  it('an independent decoder (UTIF) reads the same pages and tags', async () => {
    const file = path.join(dir, 'utif.tif');
    await writeTiffStack(file, frames, { count: 4, height: H, width: W }, { pixelSizePm: 31.25 });
    const buf = readFileSync(file);
    const ifds = UTIF.decode(buf);
    expect(ifds).toHaveLength(4);
    expect(String(ifds[0].t270)).toMatch(/^ImageJ=.*\nimages=4\nframes=4\nhyperstack=true\n.*unit=nm/s);
    UTIF.decodeImage(buf, ifds[3]);
    const d = ifds[3].data as Uint8Array;
    expect(Array.from(new Float32Array(d.buffer, d.byteOffset, W * H))).toEqual(Array.from(frames[3]));
  });

  it('BigTIFF on request; frames from an async generator; no calibration when none is given', async () => {
    const file = path.join(dir, 'big.tif');
    async function* gen(): AsyncGenerator<Float32Array> {
      for (const f of frames) yield f;
    }
    await writeTiffStack(file, gen(), { count: 4, height: H, width: W }, { bigTiff: true });
    expect(readFileSync(file).readUInt16LE(2)).toBe(43);
    const s = openTiff(file);
    expect(s.count).toBe(4);
    expect(Array.from(await s.readFrame(2))).toEqual(Array.from(frames[2]));
    expect(s.calibration.pixelSizePm.value).toBeNull();
    await s.close();
  });

  it('refuses inputs and wrong frame counts or sizes', async () => {
    const input = path.join(dir, 'in.tif');
    writeFileSync(input, 'x');
    protectInput(input);
    await expect(writeTiffStack(input, frames, { count: 4, height: H, width: W })).rejects.toThrow(/refusing to overwrite an input file/);
    await expect(writeTiffStack(path.join(dir, 'few.tif'), frames.slice(0, 3), { count: 4, height: H, width: W })).rejects.toThrow(/got 3 frames, expected 4/);
    await expect(writeTiffStack(path.join(dir, 'size.tif'), [new Float32Array(3)], { count: 1, height: H, width: W })).rejects.toThrow(/frame 0 has 3 pixels, expected 6 x 5/);
  });

  it('rationals approximate pixels per nm to 32-bit precision', () => {
    for (const v of [32, 94.14, 0.5, 12345.678]) {
      const [n, d] = toRational(v);
      expect(n).toBeLessThanOrEqual(0xffffffff);
      expect(n / d / v).toBeCloseTo(1, 7);
    }
  });
});
