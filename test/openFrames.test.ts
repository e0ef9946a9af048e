import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openFrames, detectKind, splitContainerPath } from '../data/openFrames.ts';
import { AtomdynError } from '../data/errors.ts';
import { assertNotInput } from '../data/atomicWrite.ts';
import { buildTiff } from './helpers/tiffBuilder.ts';
import { npyBytes } from './helpers/npyWriter.ts';
import { sharedData } from './sharedData.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-open-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Buffer | string): string {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** Expect an AtomdynError whose one-line message names `file` and matches `re`. */
async function expectError(p: Promise<unknown>, file: string, re: RegExp): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, 'expected an error').toBeInstanceOf(AtomdynError);
  const msg = (e as Error).message;
  expect(msg.split('\n')).toHaveLength(1);
  expect(msg.startsWith(file)).toBe(true);
  expect(msg).toMatch(re);
}

async function openAndRead(file: string, opts = {}): Promise<void> {
  const s = await openFrames(file, opts);
  try {
    for (let i = 0; i < s.count; i++) await s.readFrame(i);
  } finally {
    await s.close();
  }
}

describe('openFrames: every shared data file opens', () => {
  const files = [
    ['WSe2_movie', 'HAADF.tif'],
    ['WSe2_movie', 'SEEBIC.tif'],
    ['perovskite', 'FigS6_0716__Cryo_NSMO110_5-1Mx_0p5us_1024px_REGISTERED.tif'],
    ['perovskite', 'DMReader_Image_SI-Survey.dm3'],
    ['perovskite', 'Cropped_PTO-SRO_Aligned.hspy'],
    ['MoS2_Vdoped', 'MoS2_stem.npy'],
    ['WS2_velox_emd', 'WS2.emd'],
    ['graphene_Si', 'G-Si-2nm.hdf5'],
    ['graphene_Si', 'LibraryNet_Si3C6_test-3.hdf5'],
  ];
  for (const parts of files) {
    it(parts.join('/'), async () => {
      const file = sharedData(...parts);
      const s = await openFrames(file);
      expect(s.count).toBeGreaterThanOrEqual(1);
      expect((await s.readFrame(0)).length).toBe(s.height * s.width);
      await s.close();
      // Inputs are protected from being overwritten.
      expect(() => assertNotInput(file)).toThrow(/refusing to overwrite an input/);
    });
  }

  it('the npy sidecar JSON is protected too', async () => {
    const s = await openFrames(sharedData('MoS2_Vdoped', 'MoS2_stem.npy'));
    await s.close();
    expect(() => assertNotInput(sharedData('MoS2_Vdoped', 'MoS2_stem.json'))).toThrow(/refusing/);
  });

  it('file:/dataset (as FrameStack.path prints it) opens the same dataset', async () => {
    const s = await openFrames(sharedData('perovskite', 'Cropped_PTO-SRO_Aligned.hspy'));
    const again = await openFrames(s.path);
    expect(again.path).toBe(s.path);
    expect(splitContainerPath(s.path).dataset).toBe('/Experiments/HAADF/data');
    await s.close();
    await again.close();
  });
});

describe('openFrames: format detection', () => {
  it('decides by magic bytes and warns when the extension disagrees', async () => {
    const png = await sharp(Uint8Array.from([1, 2, 3, 4]), { raw: { width: 2, height: 2, channels: 1 } }).png().toBuffer();
    const file = write('really-a-png.tif', png);
    expect(detectKind(file).kind).toBe('png');
    const s = await openFrames(file);
    expect(s.format).toBe('png');
    expect((s.metadata as { warnings: string[] }).warnings[0]).toMatch(/named \.tif but its content is PNG/);
    await s.close();
  });

  it('reads an unknown extension when the magic bytes are known', async () => {
    const s = await openFrames(write('movie.data', npyBytes('float32', [2, 3, 4], Array(24).fill(1))));
    expect(s.format).toBe('npy');
    await s.close();
  });
});

describe('openFrames: bad input gives one-line errors naming the file', () => {
  it('missing file, folder, empty file', async () => {
    const missing = path.join(dir, 'nope.tif');
    await expectError(openFrames(missing), missing, /no such file/);
    await expectError(openFrames(dir), dir, /is a folder/);
    const empty = write('empty.npy', '');
    await expectError(openFrames(empty), empty, /empty file/);
  });

  it('unsupported extension', async () => {
    const f = write('notes.xyz', 'just some text, not an image');
    await expectError(openFrames(f), f, /unsupported file type '\.xyz'; atomdyn reads \.tif/);
    const z = write('arrays.npz', Buffer.from('PK\x03\x04 zip archive', 'latin1'));
    await expectError(openFrames(z), z, /unsupported file type '\.npz'/);
  });

  it('corrupt headers', async () => {
    const t = write('garbage.tif', Buffer.from('this is not a tiff file at all.'));
    await expectError(openFrames(t), t, /not a valid TIFF file/);
    const n = write('garbage.npy', Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 20, 0]), Buffer.from("{'nonsense': 42}    \n")]));
    await expectError(openFrames(n), n, /corrupt \.npy header/);
    const tiff = buildTiff([{ width: 4, height: 4, type: 'uint8', data: Array(16).fill(3) }]);
    tiff.writeUInt32LE(10_000_000, 4);
    const off = write('ifd-off.tif', tiff);
    await expectError(openFrames(off), off, /truncated or corrupt: TIFF directory offset 10000000 is outside the file/);
    const h = write('fake.h5', Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 7)]));
    await expectError(openFrames(h), h, /corrupt HDF5 file: unknown superblock version 7 \(0-3 exist\)$/);
    const c = write('complex.npy', npyBytes('float64', [2, 2], [1, 2, 3, 4], { descr: '<c16' }));
    await expectError(openFrames(c), c, /unsupported \.npy array of complex numbers/);
  });

  it('truncated files', async () => {
    const haadf = readFileSync(sharedData('WSe2_movie', 'HAADF.tif'));
    const t = write('cut.tif', haadf.subarray(0, 100_000));
    await expectError(openFrames(t), t, /truncated|claims more data than the file holds/);
    const npy = readFileSync(sharedData('MoS2_Vdoped', 'MoS2_stem.npy'));
    const n = write('cut.npy', npy.subarray(0, 50_000));
    await expectError(openFrames(n), n, /file is truncated: shape \(512, 512\) <f8 needs 2097280 bytes but the file has 50000/);
    const dm = readFileSync(sharedData('perovskite', 'DMReader_Image_SI-Survey.dm3'));
    const d = write('cut.dm3', dm.subarray(0, 600_000));
    await expectError(openFrames(d), d, /truncated/);
  });

  it('wrong dataset path lists the datasets that exist', async () => {
    const f = sharedData('graphene_Si', 'LibraryNet_Si2C5_test-2.hdf5');
    await expectError(openFrames(f, { dataset: '/image' }), f, /no dataset '\/image' in the file; datasets: \/defect_coord_0 \(7, 3\) string, \/nn_input \(1, 256, 256, 1\) float32/);
    const n = sharedData('MoS2_Vdoped', 'MoS2_stem.npy');
    await expectError(openFrames(n, { dataset: 'x' }), n, /`dataset` does not apply to a \.npy file/);
  });

  it('zero-sized and 1-D arrays', async () => {
    const z = write('zero.npy', npyBytes('float32', [0, 128, 128], []));
    await expectError(openFrames(z), z, /zero-sized array \(shape \(0, 128, 128\)\)/);
    const one = write('line.npy', npyBytes('float64', [100], Array(100).fill(0.5)));
    await expectError(openFrames(one), one, /1-D array \(shape \(100,\)\); atomdyn needs a 2-D image or a 3-D stack/);
    const t = write('zero.tif', buildTiff([{ width: 4, height: 4, type: 'uint8', data: Array(16).fill(1), claimWidth: 0 }]));
    await expectError(openFrames(t), t, /has no image width\/height/);
  });

  it('NaN and Inf pixels name the file and the frame', async () => {
    const data = Array.from({ length: 3 * 4 * 5 }, (_, i) => i);
    data[2 * 20 + 7] = NaN;
    const n = write('nan.npy', npyBytes('float32', [3, 4, 5], data));
    const s = await openFrames(n);
    await s.readFrame(1);
    await expectError(s.readFrame(2), n, /frame 2 holds NaN or Inf pixels \(first at x=2, y=1\)/);
    await s.close();
    const inf = Array.from({ length: 16 }, () => 1);
    inf[0] = Infinity;
    const t = write('inf.tif', buildTiff([{ width: 4, height: 4, type: 'float32', data: inf }]));
    await expectError(openAndRead(t), t, /frame 0 holds NaN or Inf pixels/);
  });

  it('TIFFs that claim a huge size are rejected at once', async () => {
    const small = Array(16).fill(1);
    const giant = write('giant.tif', buildTiff([{ width: 4, height: 4, type: 'uint8', data: small, claimWidth: 65535, claimHeight: 65535 }]));
    await expectError(openFrames(giant), giant, /larger than atomdyn's limit of 2\^28 pixels/);
    const big = write('big.tif', buildTiff([{ width: 4, height: 4, type: 'uint16', data: small, claimWidth: 3000, claimHeight: 3000 }]));
    await expectError(openFrames(big), big, /strip|claims/);
    const past = write('past.tif', buildTiff([{ width: 4, height: 4, type: 'uint8', data: small, claimByteCounts: [1_000_000_000] }]));
    await expectError(openFrames(past), past, /TIFF claims more data than the file holds: page 0 strip 0 ends at byte/);
    const ij = write('ij.tif', buildTiff([{ width: 4, height: 4, type: 'uint8', data: small }], { description: 'ImageJ=1.54f\nimages=1000000\nframes=1000000\n' }));
    await expectError(openFrames(ij), ij, /claims 1000000 images of 4 x 4 uint8 .* but the file holds only \d+ bytes/);
    const zipBomb = write('bomb.tif', buildTiff([{ width: 4, height: 4, type: 'float32', data: small, claimWidth: 10000, claimHeight: 10000, claimRowsPerStrip: 10000 }], { compression: 8 }));
    await expectError(openFrames(zipBomb), zipBomb, /cannot fit in its \d+-byte strip 0/);
  });
});
