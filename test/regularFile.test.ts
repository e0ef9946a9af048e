import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertRegularFile, readTextInput } from '../data/regularFile.ts';
import { openFrames } from '../data/openFrames.ts';
import { readCsv } from '../data/csvTable.ts';
import { sharedData } from './sharedData.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-regular-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fifo = (name: string): string => {
  const p = path.join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
};

describe('only regular files are read', () => {
  it('a named pipe as a movie, a table or a sidecar is refused at once (opening it would block)', async () => {
    await expect(openFrames(fifo('movie.tif'))).rejects.toThrow(/movie\.tif: is a named pipe \(FIFO\), not a regular file$/);
    expect(() => readCsv(fifo('atoms.csv'))).toThrow(/atoms\.csv: is a named pipe \(FIFO\), not a regular file \(expected a table\)$/);
    // a .npy whose sidecar .json is a pipe: the image is read, the sidecar is reported and skipped
    const sub = path.join(dir, 'npy');
    mkdirSync(sub);
    copyFileSync(sharedData('MoS2_Vdoped', 'MoS2_stem_Exp-000-2.npy'), path.join(sub, 'a.npy'));
    execFileSync('mkfifo', [path.join(sub, 'a.json')]);
    const s = await openFrames(path.join(sub, 'a.npy'));
    expect([s.height, s.width]).toEqual([512, 512]);
    expect(s.calibration.pixelSizePm.value).toBeNull();
    expect((s.metadata as { warnings: string[] }).warnings.join()).toMatch(/a\.json: is a named pipe \(FIFO\)/);
    await s.close();
  });

  it('devices and folders are named as such; regular files pass; text inputs have a size limit', async () => {
    await expect(openFrames('/dev/zero')).rejects.toThrow(/\/dev\/zero: is a device, not a regular file$/);
    await expect(openFrames(dir)).rejects.toThrow(/is a folder, not a regular file$/);
    await expect(openFrames(path.join(dir, 'nope.tif'))).rejects.toThrow(/nope\.tif: no such file$/);
    const t = path.join(dir, 't.csv');
    writeFileSync(t, 'frame,x,y\n0,1,2\n');
    expect(assertRegularFile(t).size).toBe(16);
    expect(readTextInput(t)).toBe('frame,x,y\n0,1,2\n');
    expect(() => readTextInput(t, 'table', 10)).toThrow(/t\.csv: table of 16 bytes is larger than the 10 bytes atomdyn reads/);
  });
});
