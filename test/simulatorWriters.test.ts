import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import UTIF from 'utif2';
import { encodeFloat32Tiff, writeFloat32Tiff } from '../data/writers/float32Tiff.ts';
import { encodeNpy } from '../data/writers/npy.ts';

describe('float32 TIFF writer', () => {
  it('round-trips a multi-page stack through an independent TIFF decoder (utif2), with pixel size and ImageJ description', async () => {
    const w = 5;
    const h = 3;
    const frames = [0, 1, 2].map((k) => Float32Array.from({ length: w * h }, (_, i) => (k - 1) * 1e3 + i * 0.125 - 1e-6 * k));
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'atomdyn-tif-')), 's.tif');
    await writeFloat32Tiff(file, frames, w, h, { pixelSizePm: 12.5, description: { source: 'test' } });
    const buf = readFileSync(file);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const ifds = UTIF.decode(ab);
    expect(ifds).toHaveLength(3);
    ifds.forEach((ifd, k) => {
      UTIF.decodeImage(ab, ifd);
      expect([ifd.width, ifd.height]).toEqual([w, h]);
      const d = (ifd as unknown as { data: Uint8Array }).data;
      expect(Array.from(new Float32Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength)))).toEqual(Array.from(frames[k]));
      const [num, den] = (ifd as unknown as { t282: number[][] }).t282[0];
      expect(1000 / (num / den)).toBeCloseTo(12.5, 6); // pixels per nm -> pm per pixel
      expect((ifd as unknown as { t339: number[] }).t339[0]).toBe(3);
    });
    const desc = String((ifds[0] as unknown as { t270: string[] }).t270);
    expect(desc).toMatch(/^ImageJ=/);
    expect(desc).toMatch(/images=3\nframes=3\nunit=nm/);
    expect(desc).toMatch(/source=test/);
  });

  it('rejects frames that do not match the size', () => {
    expect(() => encodeFloat32Tiff([new Float32Array(5)], 2, 2)).toThrow(/does not match 2x2/);
    expect(() => encodeFloat32Tiff([], 2, 2)).toThrow(/no frames/);
  });
});

describe('.npy writer', () => {
  it('writes a version-1.0 header padded to 64 bytes and C-order data', () => {
    const a = encodeNpy(Float32Array.from([1.5, -2, 3, 4, 5, 6]), [2, 3]);
    expect(Array.from(a.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const hlen = new DataView(a.buffer).getUint16(8, true);
    expect((10 + hlen) % 64).toBe(0);
    const header = Buffer.from(a.subarray(10, 10 + hlen)).toString('latin1');
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    expect(Array.from(new Float32Array(a.buffer.slice(10 + hlen)))).toEqual([1.5, -2, 3, 4, 5, 6]);
    const b = encodeNpy(Uint8Array.from([7, 8, 9]), [3]);
    const hb = new DataView(b.buffer).getUint16(8, true);
    expect(Buffer.from(b.subarray(10, 10 + hb)).toString('latin1')).toMatch(/'descr': '\|u1', 'fortran_order': False, 'shape': \(3,\)/);
    expect(Array.from(b.subarray(10 + hb))).toEqual([7, 8, 9]);
    expect(() => encodeNpy(new Uint8Array(4), [3])).toThrow(/holds 3 values, the data 4/);
  });
});
