import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openNpy } from '../data/readers/npy.ts';
import type { PixelType } from '../data/readers/pixelDecode.ts';
import { npyBytes } from './helpers/npyWriter.ts';
import { sharedData } from './sharedData.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-npy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Buffer | string): string {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

function values(type: PixelType, n: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    const v = (i * 13) % 97;
    return type.startsWith('uint') ? v : type.startsWith('int') ? v - 48 : v / 4 - 12.125;
  });
}

describe('NumPy reader: real data with sidecar JSON', () => {
  it('MoS2_stem.npy: 512 x 512 float64; 9 nm field of view -> 17.578125 pm/px', async () => {
    const file = sharedData('MoS2_Vdoped', 'MoS2_stem.npy');
    const s = openNpy(file);
    expect([s.format, s.count, s.height, s.width, s.dtype]).toEqual(['npy', 1, 512, 512, 'float64']);
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(9000 / 512, 10);
    expect(s.calibration.pixelSizePm.note).toMatch(/MoS2_stem\.json: experimental_details\.spatial_info\.field_of_view_x 9 nm \/ 512 px/);
    // Independent decode: the v1 header length is at bytes 8-9, float64 little-endian data follow.
    const raw = readFileSync(file);
    const offset = 10 + raw.readUInt16LE(8);
    const ref = new Float64Array(raw.buffer.slice(raw.byteOffset + offset, raw.byteOffset + offset + 512 * 512 * 8));
    const f = await s.readFrame(0);
    for (const i of [0, 1, 513, 100_000, 512 * 512 - 1]) expect(f[i]).toBe(Math.fround(ref[i]));
    await s.close();
  });

  it('MoS2_stem_Exp-001-5.npy: 7 nm field of view -> 13.671875 pm/px', () => {
    const s = openNpy(sharedData('MoS2_Vdoped', 'MoS2_stem_Exp-001-5.npy'));
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(7000 / 512, 10);
  });
});

describe('NumPy reader: dtypes, byte orders, memory orders, versions', () => {
  const types: PixelType[] = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'uint64', 'int64', 'float32', 'float64'];
  for (const type of types) {
    for (const bigEndian of [false, true]) {
      it(`${type} ${bigEndian ? '>' : '<'}: 3-D [frames, h, w], C order`, async () => {
        const data = values(type, 3 * 4 * 5);
        const s = openNpy(write(`${type}-${bigEndian}.npy`, npyBytes(type, [3, 4, 5], data, { bigEndian })));
        expect([s.count, s.height, s.width, s.dtype]).toEqual([3, 4, 5, type]);
        for (let f = 0; f < 3; f++) expect(Array.from(await s.readFrame(f))).toEqual(data.slice(f * 20, f * 20 + 20).map(Math.fround));
        await s.close();
      });
    }
  }

  it('Fortran order, 2-D and 3-D, gives the same frames as C order', async () => {
    for (const shape of [
      [6, 7],
      [3, 4, 5],
    ]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = values('float64', n);
      const c = openNpy(write(`c${shape.length}.npy`, npyBytes('float64', shape, data)));
      const f = openNpy(write(`f${shape.length}.npy`, npyBytes('float64', shape, data, { fortran: true, bigEndian: true })));
      expect([f.count, f.height, f.width]).toEqual([c.count, c.height, c.width]);
      for (let i = 0; i < c.count; i++) expect(Array.from(await f.readFrame(i))).toEqual(Array.from(await c.readFrame(i)));
      await c.close();
      await f.close();
    }
  });

  it('format versions 2.0 and 3.0 headers', async () => {
    for (const version of [2, 3] as const) {
      const data = values('int16', 12);
      const s = openNpy(write(`v${version}.npy`, npyBytes('int16', [3, 4], data, { version })));
      expect(Array.from(await s.readFrame(0))).toEqual(data);
    }
  });

  it('size-1 axes are dropped: (1, 4, 5, 1) is one 4 x 5 image', async () => {
    const data = values('float32', 20);
    const s = openNpy(write('squeeze.npy', npyBytes('float32', [1, 4, 5, 1], data)));
    expect([s.count, s.height, s.width]).toEqual([1, 4, 5]);
    expect(Array.from(await s.readFrame(0))).toEqual(data.map(Math.fround));
  });
});

describe('NumPy reader: sidecar calibration rules', () => {
  const img = (): Buffer => npyBytes('float32', [4, 8], values('float32', 32));
  it('pixel_size with units', () => {
    const f = write('ps.npy', img());
    write('ps.json', JSON.stringify({ pixel_size: 0.25, pixel_size_units: 'Å', frame_time: 40, frame_time_units: 'ms' }));
    const s = openNpy(f);
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(25, 10);
    expect(s.calibration.frameTimeS.value).toBeCloseTo(0.04, 12);
  });
  it('pixel_size_pm', () => {
    const f = write('pm.npy', img());
    write('pm.json', JSON.stringify({ calibration: { pixel_size_pm: 12.5 } }));
    expect(openNpy(f).calibration.pixelSizePm).toMatchObject({ value: 12.5, origin: 'file' });
  });
  it('a field of view without a unit is not used, and the user is told', () => {
    const f = write('nounit.npy', img());
    write('nounit.json', JSON.stringify({ spatial_info: { field_of_view_x: 2 } }));
    const s = openNpy(f);
    expect(s.calibration.pixelSizePm.value).toBeNull();
    expect((s.metadata as { warnings: string[] }).warnings.join()).toMatch(/field_of_view_x has no length unit/);
  });
  it('no sidecar: unknown, with a note naming the missing file', () => {
    const s = openNpy(write('alone.npy', img()));
    expect(s.calibration.pixelSizePm).toMatchObject({ value: null, origin: 'none' });
    expect(s.calibration.pixelSizePm.note).toMatch(/no sidecar alone\.json/);
  });
});
