import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { readCsv, toCsv } from '../data/csvTable.ts';
import { newRun } from '../data/runMetadata.ts';
import { syntheticConfigurations } from '../training/simulator/syntheticKinetics.ts';

const bin = path.resolve('bin/atomdyn.mjs');
const atomdyn = (...args: string[]) => spawnSync('node', [bin, ...args], { encoding: 'utf8', env: { ...process.env, ATOMDYN_QUIET: '1' } });
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

describe('atomdyn transitions', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-transitions-'));
  const classify = path.join(dir, 'classify');
  mkdirSync(classify);
  const table = syntheticConfigurations({ particles: 15, frames: 80, seed: 9 });
  const input = path.join(classify, 'configurations.csv');
  writeFileSync(input, toCsv(table));
  const prev = newRun('classify', ['classify', 'tracks.csv']);
  prev.source = '/data/movie.tif';
  prev.frames = { count: 80, height: 256, width: 256 };
  prev.pixelSizePm = { value: 12.5, origin: 'file' };
  prev.frameTimeS = { value: 0.5, origin: 'file' };
  writeFileSync(path.join(classify, 'run.json'), JSON.stringify(prev));
  const before = sha(input);

  it('writes transitions.json, events.csv and run.json; inherits calibration; leaves the input alone', () => {
    const out = path.join(dir, 'kin');
    const r = atomdyn('transitions', input, '--out', out, '--lag', '1', '--beam-current', '50', '--frame-time', '0.25', '--samples', '300');
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/transitions: 3 states \(Si1C3, Si1C4, class2\), 15 particles/);
    const t = JSON.parse(readFileSync(path.join(out, 'transitions.json'), 'utf8'));
    expect(t.lag).toBe(1);
    expect(t.states).toEqual(['Si1C3', 'Si1C4', 'class2']);
    for (const k of ['counts', 'matrix', 'ci_low', 'ci_high', 'stationary', 'dwell_frames', 'connected_sets', 'settings', 'versions']) expect(t).toHaveProperty(k);
    expect(t.frame_time_s).toBe(0.25); // command line beats run.json
    expect(t.pixel_size_pm).toBe(12.5);
    expect(t.rates.flux_e_per_A2_s).toBeCloseTo((50e-12 / 1.602176634e-19) / (256 * 256 * 0.125 * 0.125), 3);
    // events: every change between consecutive observed frames of a particle, counted here independently
    const byParticle = new Map<number, Array<{ frame: number; state: number; x: number }>>();
    for (const row of table.rows) {
      const p = row.particle as number;
      if (!byParticle.has(p)) byParticle.set(p, []);
      byParticle.get(p)!.push({ frame: row.frame as number, state: row.state as number, x: row.x as number });
    }
    let changes = 0;
    for (const obs of byParticle.values()) {
      obs.sort((a, b) => a.frame - b.frame);
      for (let k = 1; k < obs.length; k++) if (obs[k].state !== obs[k - 1].state) changes++;
    }
    const ev = readCsv(path.join(out, 'events.csv'), ['frame', 'particle', 'from', 'to', 'x', 'y', 'x_pm', 'y_pm']);
    expect(ev.rows.length).toBe(changes);
    expect(t.n_events).toBe(changes);
    const e0 = ev.rows[0];
    expect(e0.x_pm as number).toBeCloseTo((e0.x as number) * 12.5, 6);
    expect(e0.from).not.toBe(e0.to);
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.step).toBe('transitions');
    expect(run.source).toBe('/data/movie.tif');
    expect(run.frameTimeS).toEqual({ value: 0.25, origin: 'command-line' });
    expect(run.pixelSizePm.value).toBe(12.5);
    expect(run.previous.step).toBe('classify');
    expect(run.command).toEqual(['transitions', input, '--out', out, '--lag', '1', '--beam-current', '50', '--frame-time', '0.25', '--samples', '300']);
    expect(sha(input)).toBe(before);
  });

  it('refuses to write into the input folder and rejects bad flags with one line (exit 2)', () => {
    const r = atomdyn('transitions', input, '--out', classify);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--out: '.*classify' is the input's folder .*configurations\.csv/);
    expect(sha(input)).toBe(before);
    const bad = atomdyn('transitions', input, '--out', path.join(dir, 'x'), '--counting', 'windowed');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^atomdyn: --counting: expected one of sliding, sample, effective, found 'windowed'\n$/);
    const noParticle = path.join(dir, 'atoms-configurations.csv');
    writeFileSync(noParticle, 'frame,particle,x,y,state\n0,,1,2,0\n');
    const np = atomdyn('transitions', noParticle, '--out', path.join(dir, 'y'));
    expect(np.status).toBe(2);
    expect(np.stderr).toMatch(/no particle id.*run 'atomdyn track' first/);
  });
});
