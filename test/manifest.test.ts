/** The movie manifest (data/manifest.ts). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../data/manifest.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-manifest-'));
function manifest(text: string): string {
  const f = path.join(dir, `m${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(f, text);
  return f;
}

describe('readManifest', () => {
  it('reads paths relative to the manifest, numbers with units, empty cells as null and every column as metadata', () => {
    const f = manifest('path,id,material,dose_rate_e_per_A2_s,frame_time_s,pixel_size_pm,session\nmovies/a.tif,a,graphene-si,1.5e5,0.5,,day1\n/abs/b.h5,b-2,,,,12.5,day2\n');
    const m = readManifest(f);
    expect(m.map((e) => e.id)).toEqual(['a', 'b-2']);
    expect(m[0].path).toBe(path.join(dir, 'movies', 'a.tif'));
    expect(m[1].path).toBe('/abs/b.h5');
    expect(m[0]).toMatchObject({ material: 'graphene-si', doseRateEPerA2S: 1.5e5, frameTimeS: 0.5, pixelSizePm: null, line: 2 });
    expect(m[1]).toMatchObject({ material: null, doseRateEPerA2S: null, frameTimeS: null, pixelSizePm: 12.5 });
    expect(m[0].metadata).toEqual({ path: 'movies/a.tif', id: 'a', material: 'graphene-si', dose_rate_e_per_A2_s: '150000', frame_time_s: '0.5', pixel_size_pm: '', session: 'day1' });
  });

  it('refuses with one line naming the file and what is wrong', () => {
    expect(() => readManifest(manifest('file,id\na.tif,a\n'))).toThrow(/missing column\(s\) path/);
    expect(() => readManifest(manifest('path,id\n'))).toThrow(/no movies/);
    expect(() => readManifest(manifest('path,id\na.tif,a\nb.tif,a\n'))).toThrow(/line 3: id 'a' is used on line 2 too/);
    expect(() => readManifest(manifest('path,id\na.tif,../x\n'))).toThrow(/not a folder name/);
    expect(() => readManifest(manifest('path,id\n,a\n'))).toThrow(/line 2: empty path/);
    expect(() => readManifest(manifest('path,id,frame_time_s\na.tif,a,fast\n'))).toThrow(/line 2: frame_time_s must be a number > 0/);
    expect(() => readManifest(manifest('path,id,frame_time_s\na.tif,a,-1\n'))).toThrow(/m.*\.csv.*frame_time_s/);
  });
});
