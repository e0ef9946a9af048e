import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDm } from '../data/readers/dm.ts';
import { parseDmTags, dmGet, isArrayRef } from '../data/readers/dmTags.ts';
import { RandomAccessFile } from '../data/readers/randomAccessFile.ts';
import { AtomdynError } from '../data/errors.ts';
import { arr, group, imageEntry, num, text, writeDm } from './helpers/dmWriter.ts';
import { sharedData } from './sharedData.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-dm-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const thumbnail = imageEntry({ name: 'thumb', elemType: 5, dims: [4, 4], data: new Array(16).fill(0xff808080), imageType: 23 });

describe('DM reader: real DM3 file', () => {
  it('reads the perovskite survey: main image ImageList[1], 512 x 512 uint32, no spatial calibration', async () => {
    const file = sharedData('perovskite', 'DMReader_Image_SI-Survey.dm3');
    const s = openDm(file);
    expect([s.format, s.count, s.height, s.width, s.dtype]).toEqual(['dm3', 1, 512, 512, 'uint32']);
    expect(s.calibration.pixelSizePm.value).toBeNull();
    const summary = (s.metadata as { summary: Record<string, string> }).summary;
    expect(summary.image).toMatch(/^ImageList\/1 512 x 512 uint32/);
    expect(summary['acceleration voltage']).toBe('200 kV');
    const main = await s.readFrame(0);
    // Independent check of offset and orientation: the file's own 384 x 384 RGBA thumbnail
    // (ImageList[0]) is a display rendering of the main image, so the two must correlate.
    const tags = (s.metadata as { original: { tags: unknown } }).original.tags as never;
    const th = dmGet(tags, 'ImageList', 0, 'ImageData', 'Data');
    expect(isArrayRef(th)).toBe(true);
    const raf = new RandomAccessFile(file);
    const bytes = raf.read((th as { offset: number }).offset, 384 * 384 * 4);
    raf.close();
    const a: number[] = [];
    const b: number[] = [];
    for (let y = 0; y < 384; y++) {
      for (let x = 0; x < 384; x++) {
        a.push(bytes[(y * 384 + x) * 4]);
        b.push(main[Math.floor((y * 512) / 384) * 512 + Math.floor((x * 512) / 384)]);
      }
    }
    const mean = (v: number[]): number => v.reduce((p, c) => p + c, 0) / v.length;
    const ma = mean(a);
    const mb = mean(b);
    let sab = 0;
    let saa = 0;
    let sbb = 0;
    for (let i = 0; i < a.length; i++) {
      sab += (a[i] - ma) * (b[i] - mb);
      saa += (a[i] - ma) ** 2;
      sbb += (b[i] - mb) ** 2;
    }
    expect(sab / Math.sqrt(saa * sbb)).toBeGreaterThan(0.8);
    await s.close();
  });
});

describe('DM reader: synthetic DM3 and DM4 files', () => {
  it('DM3, little-endian data: skips the RGB thumbnail, reads float32 values and nm calibration', async () => {
    const data = Array.from({ length: 6 * 5 }, (_, i) => i * 0.5 - 3);
    const file = write(
      'a.dm3',
      writeDm(3, [
        ['ImageList', group([['', thumbnail], ['', imageEntry({ name: 'HAADF', elemType: 6, dims: [6, 5], data, scales: [{ scale: 0.02, units: 'nm' }, { scale: 0.02, units: 'nm' }], voltage: 300000 })]])],
      ]),
    );
    const s = openDm(file);
    expect([s.format, s.count, s.height, s.width, s.dtype]).toEqual(['dm3', 1, 5, 6, 'float32']);
    expect(Array.from(await s.readFrame(0))).toEqual(data);
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(20, 4);
    expect(s.calibration.pixelSizePm.origin).toBe('file');
    expect((s.metadata as { summary: Record<string, string> }).summary['acceleration voltage']).toBe('300 kV');
    await s.close();
  });

  it('DM4, big-endian data: a 3-frame int16 stack in Å with a time axis', async () => {
    const w = 4;
    const h = 3;
    const frames = [0, 1, 2].map((f) => Array.from({ length: w * h }, (_, i) => (i - 6) * (f + 1)));
    const file = write(
      'b.dm4',
      writeDm(
        4,
        [
          ['ApplicationBounds', arr(3, [0, 0, 10, 10])],
          [
            'ImageList',
            group([
              ['', thumbnail],
              [
                '',
                imageEntry({
                  name: 'movie',
                  elemType: 2,
                  dims: [w, h, 3],
                  data: frames.flat(),
                  scales: [
                    { scale: 0.5, units: 'Å' },
                    { scale: 0.5, units: 'Å' },
                    { scale: 0.25, units: 's' },
                  ],
                }),
              ],
            ]),
          ],
        ],
        false,
      ),
    );
    const s = openDm(file);
    expect([s.format, s.count, s.height, s.width, s.dtype]).toEqual(['dm4', 3, h, w, 'int16']);
    for (let f = 0; f < 3; f++) expect(Array.from(await s.readFrame(f))).toEqual(frames[f]);
    expect(s.calibration.pixelSizePm.value).toBeCloseTo(50, 6);
    expect(s.calibration.frameTimeS.value).toBeCloseTo(0.25, 9);
    await s.close();
  });

  it('parses structure: text tags, unnamed lists, small arrays; DM3 and DM4 give the same tree', () => {
    const root: Array<[string, ReturnType<typeof group>]> = [
      ['Info', group([['Name', text('Gatan µ')], ['Values', arr(7, [1.5, -2.25])], ['Count', num(3, -7)]])],
      ['List', group([['', num(4, 1)], ['', num(4, 2)]])],
    ];
    const trees = ([3, 4] as const).map((v) => {
      const f = write(`s${v}.dm${v}`, writeDm(v, root));
      const raf = new RandomAccessFile(f);
      const t = parseDmTags(raf);
      raf.close();
      return t.root;
    });
    expect(trees[0]).toEqual({ Info: { Name: 'Gatan µ', Values: [1.5, -2.25], Count: -7 }, List: [1, 2] });
    expect(trees[1]).toEqual(trees[0]);
  });

  it('dataset picks an ImageList entry; unknown entries and colour images are refused with the list', () => {
    const data = Array.from({ length: 4 }, (_, i) => i);
    const file = write('c.dm3', writeDm(3, [['ImageList', group([['', thumbnail], ['', imageEntry({ name: 'x', elemType: 4, dims: [2, 2], data })]])]]));
    expect(() => openDm(file, { dataset: 'ImageList/0' })).toThrow(/unsupported DigitalMicrograph image: ImageList\/0 .*RGB/);
    expect(() => openDm(file, { dataset: 'ImageList/7' })).toThrow(/no image 'ImageList\/7'; images: ImageList\/0 .*, ImageList\/1 2 x 2 uint16/);
    const s = openDm(file, { dataset: '1' });
    expect(s.dtype).toBe('uint16');
  });

  it('truncated and corrupt files give one-line errors naming the file', () => {
    const data = Array.from({ length: 400 }, (_, i) => i);
    const full = writeDm(3, [['ImageList', group([['', imageEntry({ name: 'x', elemType: 6, dims: [20, 20], data })]])]]);
    const cut = write('cut.dm3', full.subarray(0, Math.floor(full.length * 0.6)));
    expect(() => openDm(cut)).toThrow(AtomdynError);
    expect(() => openDm(cut)).toThrow(new RegExp(`${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: file is truncated`));
    const bad = Buffer.from(full);
    bad.writeInt32BE(9, 0);
    expect(() => openDm(write('bad.dm3', bad))).toThrow(/not a DigitalMicrograph DM3\/DM4 file \(version 9\)/);
    const oneD = write('line.dm3', writeDm(3, [['ImageList', group([['', imageEntry({ name: 'spectrum', elemType: 6, dims: [400], data })]])]]));
    expect(() => openDm(oneD)).toThrow(/1-D data/);
  });
});
