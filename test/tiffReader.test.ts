import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import UTIF from 'utif2';
import { openTiff } from '../data/readers/tiff.ts';
import { lzwDecode, packBitsDecode, undoFloatPredictor } from '../data/readers/tiffDecompress.ts';
import type { PixelType } from '../data/readers/pixelDecode.ts';
import { buildTiff, type PageSpec } from './helpers/tiffBuilder.ts';
import { sharedData } from './sharedData.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-tiff-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** A W x H ramp with distinct values per page, in the range of `type`. */
function ramp(type: PixelType, w: number, h: number, page: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < w * h; i++) {
    const v = (i * 37 + page * 101) % 200;
    out.push(type.startsWith('int') ? v - 100 : type.startsWith('float') ? v / 7 - 3.5 : v * (type === 'uint8' ? 1 : 251));
  }
  return out;
}

describe('TIFF reader: real data', () => {
  it('reads the WSe2 HAADF movie: 5 x 128 x 128 float32, 31.25 pm/px from Nion + ImageJ metadata', async () => {
    const file = sharedData('WSe2_movie', 'HAADF.tif');
    const s = openTiff(file);
    expect([s.count, s.height, s.width, s.dtype, s.format]).toEqual([5, 128, 128, 'float32', 'imagej-tiff']);
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(31.25, 10);
    expect(s.calibration.pixelSizePm.origin).toBe('file');
    expect(s.calibration.pixelSizePm.note).toMatch(/Nion.*0\.03125 nm.*ImageJ XResolution 32 px\/nm agrees/);
    // line_time_us 1527.1667 x 128 lines
    expect(s.calibration.frameTimeS.value).toBeCloseTo((1527.16666666667 * 128) / 1e6, 9);
    // Frames match an independent decoder (UTIF) pixel for pixel.
    const buf = readFileSync(file);
    const ifds = UTIF.decode(buf);
    for (const i of [0, 4]) {
      UTIF.decodeImage(buf, ifds[i]);
      const ref = new Float32Array(new Uint8Array(ifds[i].data).buffer);
      expect(Array.from(await s.readFrame(i))).toEqual(Array.from(ref));
    }
    await s.close();
  });

  it('reads the tifffile float32 perovskite image without calibration', async () => {
    const s = openTiff(sharedData('perovskite', 'FigS6_0716__Cryo_NSMO110_5-1Mx_0p5us_1024px_REGISTERED.tif'));
    expect([s.count, s.height, s.width, s.dtype, s.format]).toEqual([1, 898, 963, 'float32', 'tiff']);
    expect(s.calibration.pixelSizePm.value).toBeNull();
    expect(s.calibration.pixelSizePm.origin).toBe('none');
    const f = await s.readFrame(0);
    expect(f.length).toBe(898 * 963);
    await s.close();
  });
});

describe('TIFF reader: sample types and byte orders', () => {
  const types: PixelType[] = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'];
  for (const type of types) {
    for (const bigEndian of [false, true]) {
      it(`${type} ${bigEndian ? 'big' : 'little'}-endian, 3 pages, 2 strips each`, async () => {
        const w = 7;
        const h = 5;
        const pages: PageSpec[] = [0, 1, 2].map((p) => ({ width: w, height: h, type, data: ramp(type, w, h, p) }));
        const file = write(`t-${type}-${bigEndian}.tif`, buildTiff(pages, { bigEndian, rowsPerStrip: 3 }));
        const s = openTiff(file);
        expect([s.count, s.height, s.width, s.dtype]).toEqual([3, h, w, type]);
        for (let p = 0; p < 3; p++) {
          const got = await s.readFrame(p);
          expect(Array.from(got)).toEqual(ramp(type, w, h, p).map((v) => Math.fround(v)));
        }
        await s.close();
      });
    }
  }

  it('reads BigTIFF', async () => {
    const pages: PageSpec[] = [0, 1].map((p) => ({ width: 6, height: 4, type: 'uint16', data: ramp('uint16', 6, 4, p) }));
    const s = openTiff(write('big.tif', buildTiff(pages, { bigTiff: true, bigEndian: true })));
    expect(s.count).toBe(2);
    expect(Array.from(await s.readFrame(1))).toEqual(ramp('uint16', 6, 4, 1));
    await s.close();
  });

  it('skips reduced-resolution pages (thumbnails)', async () => {
    const pages: PageSpec[] = [
      { width: 6, height: 4, type: 'uint8', data: ramp('uint8', 6, 4, 0) },
      { width: 3, height: 2, type: 'uint8', data: ramp('uint8', 3, 2, 9), subfileType: 1 },
      { width: 6, height: 4, type: 'uint8', data: ramp('uint8', 6, 4, 1) },
    ];
    const s = openTiff(write('thumb.tif', buildTiff(pages)));
    expect(s.count).toBe(2);
    expect(Array.from(await s.readFrame(1))).toEqual(ramp('uint8', 6, 4, 1));
    await s.close();
  });

  it('converts RGB pages to BT.601 luminance and says so', async () => {
    const rgb = [10, 20, 30, 200, 100, 0];
    const s = openTiff(write('rgb.tif', buildTiff([{ width: 2, height: 1, type: 'uint8', data: rgb, samplesPerPixel: 3 }])));
    const f = await s.readFrame(0);
    expect(f[0]).toBeCloseTo(0.299 * 10 + 0.587 * 20 + 0.114 * 30, 4);
    expect(f[1]).toBeCloseTo(0.299 * 200 + 0.587 * 100, 4);
    expect((s.metadata as { warnings: string[] }).warnings.join()).toMatch(/luminance/);
    await s.close();
  });
});

describe('TIFF reader: compression and predictors', () => {
  it('Deflate and PackBits strips, with horizontal predictor, decode to the original values', async () => {
    const data = ramp('uint16', 9, 6, 0);
    for (const [compression, predictor] of [
      [8, 2],
      [32773, 1],
      [8, 1],
    ] as const) {
      const f = write(`c${compression}-${predictor}.tif`, buildTiff([{ width: 9, height: 6, type: 'uint16', data }], { compression, predictor, rowsPerStrip: 4 }));
      const s = openTiff(f);
      expect(Array.from(await s.readFrame(0))).toEqual(data);
      await s.close();
    }
  });

  it('floating-point predictor (3) with Deflate, both byte orders', async () => {
    const data = ramp('float32', 8, 5, 2).map((v) => v * 1e3 + 0.125);
    for (const bigEndian of [false, true]) {
      const f = write(`fp-${bigEndian}.tif`, buildTiff([{ width: 8, height: 5, type: 'float32', data }], { compression: 8, predictor: 3, bigEndian }));
      const s = openTiff(f);
      expect(Array.from(await s.readFrame(0))).toEqual(data.map(Math.fround));
      await s.close();
    }
  });

  it('predictor 3 known answer: float32 1.0, 2.0 stored as differenced MSB-first byte planes', () => {
    // big-endian 1.0 = 3F800000, 2.0 = 40000000; planes [3F 40][80 00][00 00][00 00]; differenced:
    const stored = Uint8Array.from([0x3f, 0x01, 0x40, 0x80, 0x00, 0x00, 0x00, 0x00]);
    const be = undoFloatPredictor(stored, 1, 2, 1, 4);
    const dv = new DataView(be.buffer);
    expect([dv.getFloat32(0, false), dv.getFloat32(4, false)]).toEqual([1, 2]);
  });

  it('PackBits known answer (TIFF 6.0 spec example)', () => {
    const packed = Uint8Array.from([0xfe, 0xaa, 0x02, 0x80, 0x00, 0x2a, 0xfd, 0xaa, 0x03, 0x80, 0x00, 0x2a, 0x22, 0xf7, 0xaa]);
    const expected = [0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0xaa, 0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0x22, ...Array(10).fill(0xaa)];
    expect(Array.from(packBitsDecode(packed, expected.length))).toEqual(expected);
  });

  it('LZW known answer: codes 256 (clear), 65, 66, 258, 257 (end) in 9 bits -> "ABAB"', () => {
    const codes = [256, 65, 66, 258, 257];
    let bits = '';
    for (const c of codes) bits += c.toString(2).padStart(9, '0');
    while (bits.length % 8) bits += '0';
    const bytes = Uint8Array.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
    expect(Buffer.from(lzwDecode(bytes, 4)).toString('latin1')).toBe('ABAB');
  });

  it('LZW, Deflate and PackBits, stripped and tiled, match libtiff-written files (via sharp)', async () => {
    const W = 37;
    const H = 29;
    const u16 = new Uint16Array(W * H).map((_, i) => (i * 977) % 65521);
    const u8 = new Uint8Array(W * H).map((_, i) => (i * 7) % 251);
    const variants = [
      ['lzw', 'horizontal', false],
      ['lzw', 'none', true],
      ['deflate', 'horizontal', true],
      ['packbits', 'none', false],
    ] as const;
    for (const [compression, predictor, tile] of variants) {
      for (const [data, cs] of [
        [u16, 'grey16'],
        [u8, 'b-w'],
      ] as const) {
        const buf = await sharp(data, { raw: { width: W, height: H, channels: 1 } })
          .toColourspace(cs)
          .tiff({ compression, predictor, tile, tileWidth: 16, tileHeight: 16 })
          .toBuffer();
        const s = openTiff(write(`sharp-${compression}-${predictor}-${tile}-${cs}.tif`, buf));
        expect(Array.from(await s.readFrame(0)), `${compression}/${predictor}/${tile}/${cs}`).toEqual(Array.from(data));
        await s.close();
      }
    }
  });
});

describe('TIFF reader: ImageJ hyperstacks and calibration', () => {
  it('ImageJ unit + XResolution give the pixel size; finterval the frame time', async () => {
    const pages: PageSpec[] = [0, 1].map((p) => ({ width: 4, height: 3, type: 'float32', data: ramp('float32', 4, 3, p) }));
    const desc = 'ImageJ=1.54f\nimages=2\nframes=2\nhyperstack=true\nunit=\\u00B5m\nfinterval=0.5\ntunit=ms\nloop=false\n';
    const s = openTiff(write('ij.tif', buildTiff(pages, { description: desc, resolution: [500, 1] })));
    expect(s.format).toBe('imagej-tiff');
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(1e6 / 500, 6); // 0.002 µm = 2000 pm (20000 pm would be beyond the plausible 10 000)
    expect(s.calibration.frameTimeS.value).toBeCloseTo(0.0005, 12);
    await s.close();
  });

  it('Ångström units and a Nion calibration that disagrees with ImageJ: the instrument wins, with a warning', async () => {
    const nion = JSON.stringify({ spatial_calibrations: [{ offset: 0, scale: 0.05, units: 'nm' }, { offset: 0, scale: 0.05, units: 'nm' }], properties: { line_time_us: 100 } });
    const desc = `ImageJ=1.11a\nimages=1\nunit=A\nnion.1=${nion}\n`;
    const s = openTiff(write('nion.tif', buildTiff([{ width: 4, height: 3, type: 'float32', data: ramp('float32', 4, 3, 0) }], { description: desc, resolution: [1, 1] })));
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(50, 10);
    expect(s.calibration.pixelSizePm.note).toMatch(/disagrees with ImageJ/);
    expect((s.metadata as { warnings: string[] }).warnings.join()).toMatch(/using the instrument's value/);
    expect(s.calibration.frameTimeS.value).toBeCloseTo(300e-6, 12);
    await s.close();
  });

  it('multi-channel hyperstack: channel 0 by default, channel=K via dataset, images interleaved channel-fastest', async () => {
    const pages: PageSpec[] = [0, 1, 2, 3, 4, 5].map((p) => ({ width: 3, height: 2, type: 'uint8', data: Array(6).fill(p) }));
    const desc = 'ImageJ=1.54f\nimages=6\nchannels=2\nframes=3\nhyperstack=true\n';
    const file = write('chan.tif', buildTiff(pages, { description: desc }));
    const s0 = openTiff(file);
    expect(s0.count).toBe(3);
    expect([(await s0.readFrame(0))[0], (await s0.readFrame(1))[0], (await s0.readFrame(2))[0]]).toEqual([0, 2, 4]);
    expect((s0.metadata as { warnings: string[] }).warnings.join()).toMatch(/2 channels; reading channel 0/);
    await s0.close();
    const s1 = openTiff(file, { dataset: 'channel=1' });
    expect([(await s1.readFrame(0))[0], (await s1.readFrame(2))[0]]).toEqual([1, 5]);
    await s1.close();
    expect(() => openTiff(file, { dataset: 'channel=2' })).toThrow(/has 2 channels/);
  });

  it('ImageJ large-file layout: one directory, images contiguous after it', async () => {
    // One page holding frame 0; frames 1..2 appended right after its data.
    const w = 4;
    const h = 3;
    const frames = [0, 1, 2].map((p) => ramp('uint16', w, h, p));
    const base = buildTiff([{ width: w, height: h, type: 'uint16', data: frames[0] }], { description: 'ImageJ=1.54f\nimages=3\nframes=3\n' });
    // The builder writes data at byte 8, then the IFD; insert frames 1..2 by rebuilding with data first.
    const dataStart = 8;
    const frameBytes = w * h * 2;
    const extra = Buffer.concat(frames.slice(1).map((f) => Buffer.from(new Uint16Array(f).buffer)));
    const out = Buffer.concat([base.subarray(0, dataStart + frameBytes), extra, base.subarray(dataStart + frameBytes)]);
    // Shift the IFD offset (bytes 4..7) and out-of-line offsets: rebuild the IFD pointer only (IFD has its own absolute offsets).
    const ifdOld = base.readUInt32LE(4);
    out.writeUInt32LE(ifdOld + extra.length, 4);
    const n = out.readUInt16LE(ifdOld + extra.length);
    for (let i = 0; i < n; i++) {
      const e = ifdOld + extra.length + 2 + 12 * i;
      const type = out.readUInt16LE(e + 2);
      const count = out.readUInt32LE(e + 4);
      const size = ({ 2: 1, 3: 2, 4: 4, 5: 8 } as Record<number, number>)[type] * count;
      if (size > 4) out.writeUInt32LE(out.readUInt32LE(e + 8) + extra.length, e + 8);
    }
    const s = openTiff(write('ijbig.tif', out));
    expect(s.count).toBe(3);
    for (let p = 0; p < 3; p++) expect(Array.from(await s.readFrame(p))).toEqual(frames[p]);
    await s.close();
  });

  it("ImageJ 'info' property (IJMetadata tag) can hold the Nion calibration", async () => {
    const info = `nion.1=${JSON.stringify({ spatial_calibrations: [{ scale: 0.02, units: 'nm' }, { scale: 0.02, units: 'nm' }] })}\nother=1\n`;
    // Little-endian file: magic 'IJIJ' and type 'info' written as little-endian ints, UTF-16LE text.
    const header = Buffer.concat([Buffer.from('JIJIofni', 'latin1'), Buffer.from([1, 0, 0, 0])]);
    const body = Buffer.from(info, 'utf16le');
    const ij = Buffer.concat([header, body]);
    const s = openTiff(
      write(
        'ijinfo.tif',
        buildTiff([{ width: 2, height: 2, type: 'uint8', data: [1, 2, 3, 4] }], {
          description: 'ImageJ=1.54f\nimages=1\n',
          extraTags: [
            { tag: 50838, type: 4, values: [header.length, body.length] },
            { tag: 50839, type: 1, values: Array.from(ij) },
          ],
        }),
      ),
    );
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(20, 10);
    expect(s.calibration.pixelSizePm.note).toMatch(/Nion/);
    await s.close();
  });

  it('Thermo Fisher/FEI metadata tag gives pixel size and frame time', async () => {
    const ini = '[User]\nDate=01/02/2024\n[Scan]\nPixelWidth=1.5e-11\nPixelHeight=1.5e-11\nFrameTime=2.5\n';
    const s = openTiff(
      write('fei.tif', buildTiff([{ width: 2, height: 2, type: 'uint16', data: [1, 2, 3, 4] }], { extraTags: [{ tag: 34682, type: 2, values: Buffer.from(ini + '\0') }] })),
    );
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(15, 10);
    expect(s.calibration.frameTimeS.value).toBe(2.5);
    await s.close();
  });

  it('baseline resolution in inches is a print resolution and gives no pixel size', async () => {
    const s = openTiff(write('dpi.tif', buildTiff([{ width: 2, height: 2, type: 'uint8', data: [1, 2, 3, 4] }], { resolution: [72, 1], resolutionUnit: 2 })));
    expect(s.calibration.pixelSizePm.value).toBeNull();
    expect(s.calibration.pixelSizePm.note).toMatch(/print resolution/);
    await s.close();
  });
});
