/**
 * End to end: two simulated movies with known kinetics through `analyze --manifest` (resuming after
 * a lost run) and `merge` (one configuration model for both, fitted on the pooled centres or given,
 * pooled counts equal to counting all trajectories at once, the report written).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProgram } from '../cli/main.ts';
import { runManifest } from '../cli/commands/analyze.ts';
import { runMerge } from '../cli/commands/merge.ts';
import { readCsv } from '../data/csvTable.ts';
import { countTransitions } from '../dynamics/kinetics/countMatrix.ts';
import { stateSequencesFromTable } from '../dynamics/kinetics/stateSequences.ts';

let dir = '';
const flags = { classes: '2', lag: '1', seed: '1', model: 'graphene-si' };
const mergeFlags = { counting: 'sliding', seed: '0', samples: '200' };

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-merge-'));
  process.env.ATOMDYN_QUIET = '1';
  for (const [id, seed] of [['a', 3], ['b', 4]] as const) {
    const program = await buildProgram();
    await program.parseAsync(['node', 'atomdyn', 'simulate', '--lattice', 'graphene', '--movie', '--frames', '12', '--size', '160', '--dopants', '3',
      '--transition-matrix', JSON.stringify({ states: ['si-c3', 'si-c4'], matrix: [[0.8, 0.2], [0.2, 0.8]], hop: 0 }), '--seed', String(seed), '--out', path.join(dir, `sim-${id}`)]);
  }
  writeFileSync(path.join(dir, 'movies.csv'), 'path,id,dose_rate_e_per_A2_s,frame_time_s,session\nsim-a/movie.tif,a,1e5,0.5,day1\nsim-b/movie.tif,b,1e5,0.5,day2\n');
}, 600_000);

describe('analyze --manifest and merge', () => {
  it('analyses every movie, and a re-run after a lost run finishes only the missing movie', async () => {
    const root = path.join(dir, 'runs');
    const first = await runManifest(path.join(dir, 'movies.csv'), { ...flags, out: root }, () => {});
    expect(first).toEqual({ analysed: ['a', 'b'], skipped: [], failed: [] });
    expect(readCsv(path.join(root, 'movies.csv')).rows.map((r) => r.path)).toEqual([path.join(dir, 'sim-a', 'movie.tif'), path.join(dir, 'sim-b', 'movie.tif')]);
    const createdA = JSON.parse(readFileSync(path.join(root, 'a', 'run.json'), 'utf8')).created;
    // a run killed before its commit leaves no folder (data/runFolder.ts)
    rmSync(path.join(root, 'b'), { recursive: true });
    const lines: string[] = [];
    const second = await runManifest(path.join(dir, 'movies.csv'), { ...flags, out: root }, (l) => lines.push(l));
    expect(second).toEqual({ analysed: ['b'], skipped: ['a'], failed: [] });
    expect(lines[0]).toMatch(/a: complete run .* skipped/);
    expect(JSON.parse(readFileSync(path.join(root, 'a', 'run.json'), 'utf8')).created).toBe(createdA);
    expect(JSON.parse(readFileSync(path.join(root, 'b', 'run.json'), 'utf8')).complete).toBe(true);
  }, 600_000);

  it('merge fits one classifier on the centres of all movies (or applies --model) and pools counts as counting all trajectories at once', async () => {
    const root = path.join(dir, 'runs');
    for (const [name, extra] of [['pooled', {}], ['pooled-model', { model: path.join(root, 'a', 'model.json') }]] as const) {
      const out = path.join(dir, name);
      const r = await runMerge(root, { ...mergeFlags, ...extra, out, groupBy: 'session' }, ['merge']);
      const doc = JSON.parse(readFileSync(path.join(out, 'pooled.json'), 'utf8'));
      expect(existsSync(path.join(out, 'classify', 'pooled', 'model.json'))).toBe(name === 'pooled');
      // all trajectories at once: both movies' configurations (classified with one model) in one table, particle ids apart
      const rows = ['a', 'b'].flatMap((id, k) => readCsv(path.join(out, 'classify', id, 'configurations.csv')).rows.map((row) => ({ ...row, particle: (row.particle as number) + 10000 * k })));
      const all = stateSequencesFromTable({ columns: Object.keys(rows[0]), rows }, 'all');
      expect(doc.states).toEqual(all.names);
      expect(doc.model.counts).toEqual(countTransitions(all, 1).counts);
      expect(doc.movies.map((m: { id: string }) => m.id)).toEqual(['a', 'b']);
      expect(doc.groups.map((g: { id: string }) => g.id)).toEqual(['day1', 'day2']);
      expect(doc.rates.flux_e_per_A2_s).toBe(1e5);
      expect(readCsv(path.join(out, 'pooled_movies.csv')).columns).toEqual(['id', 'n_trajectories', 'n_observed_frames', 'n_pairs', 'lag_frames', 'g', 'df', 'p_value', 'p_holm', 'path', 'dose_rate_e_per_A2_s', 'frame_time_s', 'session']);
      expect(readFileSync(r.report, 'utf8')).toContain('Do the movies agree?');
      expect(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')).complete).toBe(true);
    }
    await expect(runMerge(root, { ...mergeFlags, out: path.join(dir, 'bad'), lag: '0' }, ['merge'])).rejects.toThrow(/--lag.*integer >= 1/);
    expect(existsSync(path.join(dir, 'bad'))).toBe(false);
  }, 600_000);
});
