import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sharedData } from './sharedData.ts';

const bin = path.resolve('bin/atomdyn.mjs');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-info-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('atomdyn info FILE', () => {
  it('prints 5 x 128 x 128, float32 and 31.25 pm/px for the WSe2 movie', () => {
    const r = spawnSync('node', [bin, 'info', sharedData('WSe2_movie', 'HAADF.tif')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^shape: +5 x 128 x 128 \(frames x height x width\)$/m);
    expect(r.stdout).toMatch(/^dtype: +float32/m);
    expect(r.stdout).toMatch(/^pixel size: +31\.25 pm\/px \(file: /m);
    expect(r.stderr).toBe('');
  });

  it('--dataset selects an HDF5 dataset', () => {
    const r = spawnSync('node', [bin, 'info', sharedData('perovskite', 'Cropped_PTO-SRO_Aligned.hspy'), '--dataset', 'Experiments/HAADF'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^shape: +1 x 224 x 1312/m);
  });

  it('a bad file prints one line to stderr and exits with code 2', () => {
    const bad = path.join(dir, 'broken.tif');
    writeFileSync(bad, 'II*\0 this header points nowhere');
    const r = spawnSync('node', [bin, 'info', bad], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^atomdyn: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });

  it('a wrong dataset path lists the datasets on one line, exit code 2', () => {
    const r = spawnSync('node', [bin, 'info', sharedData('graphene_Si', 'G-dimSi.hdf5'), '--dataset', 'nope'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no dataset '\/nope' in the file; datasets: \/image_data \(512, 512\) float32, \/metadata \(\) string/);
  });
});
