/**
 * `analyze` is one in-memory pipeline (pipeline/analyzeMovie.ts): it opens the movie once (every
 * openFrames call is counted) and gives the same tables as `locate`, `track`, `classify` and
 * `transitions` run one after another on each other's files, with the same options, on a small
 * simulated Si-in-graphene movie (5 frames of 192 x 192 px with known dopants).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const opens = vi.hoisted(() => ({ files: [] as string[] }));
vi.mock('../data/openFrames.ts', async (importOriginal) => {
  const m = await importOriginal<typeof import('../data/openFrames.ts')>();
  return {
    ...m,
    openFrames: (file: string, opts?: import('../data/openFrames.ts').OpenOptions) => {
      opens.files.push(file);
      return m.openFrames(file, opts);
    },
  };
});

const { runCli } = await import('./helpers/runCli.ts');
const { runAnalyze } = await import('../cli/commands/analyze.ts');

const root = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-analyze-once-'));
const movie = path.join(root, 'input', 'movie.tif');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `atomdyn ARGS` in this process, quiet; throws on a non-zero exit code with what it printed. */
async function atomdyn(...args: string[]): Promise<void> {
  const r = await runCli(args);
  if (r.status !== 0) throw new Error(`atomdyn ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
}

const text = (dir: string, name: string) => readFileSync(path.join(root, dir, name), 'utf8');
const json = (dir: string, name: string) => JSON.parse(text(dir, name)) as Record<string, unknown>;
let opensInAnalyze: string[] = [];

beforeAll(async () => {
  process.env.ATOMDYN_QUIET = '1';
  await atomdyn('simulate', '--lattice', 'graphene', '--movie', '--frames', '5', '--size', '192', '--dopants', '2', '--seed', '5', '--out', path.join(root, 'input'));
  // the same options for the pipeline and for the steps one after another (whatever locate's defaults are)
  opens.files = [];
  await runAnalyze(movie, { out: path.join(root, 'analyze'), model: 'graphene-si', workers: '0', classes: '2', lag: '1', seed: '3' }, ['analyze']);
  opensInAnalyze = [...opens.files];
  await atomdyn('locate', movie, '--model', 'graphene-si', '--workers', '0', '--out', path.join(root, 'locate'));
  await atomdyn('track', path.join(root, 'locate', 'atoms.csv'), '--frames', movie, '--out', path.join(root, 'track'));
  await atomdyn('classify', path.join(root, 'track', 'tracks.csv'), '--frames', movie, '--classes', '2', '--seed', '3', '--out', path.join(root, 'classify'));
  await atomdyn('transitions', path.join(root, 'classify', 'configurations.csv'), '--lag', '1', '--seed', '3', '--out', path.join(root, 'transitions'));
}, 600_000);

describe('analyze: one in-memory pipeline', () => {
  it('opens the movie once', () => {
    expect(opensInAnalyze).toEqual([movie]);
  });

  it('gives the same atoms, tracks and configurations as the steps run one after another', () => {
    const atoms = text('locate', 'atoms.csv');
    expect(atoms.split('\n').length).toBeGreaterThan(5 * 100); // over a hundred atoms in every frame
    expect(text('analyze', 'atoms.csv')).toBe(atoms);
    expect(text('analyze/locate', 'atoms.csv')).toBe(atoms);
    expect(text('analyze', 'tracks.csv')).toBe(text('track', 'tracks.csv'));
    expect(text('analyze', 'drift.csv')).toBe(text('track', 'drift.csv'));
    const conf = text('classify', 'configurations.csv');
    expect(conf.split('\n').filter((l) => /,Si1C\d/.test(l)).length).toBeGreaterThan(5); // dopants were classified
    expect(text('analyze', 'configurations.csv')).toBe(conf);
  });

  it('gives the same transition counts, matrix and intervals', () => {
    const a = json('analyze', 'transitions.json');
    const b = json('transitions', 'transitions.json');
    for (const k of ['states', 'counts', 'matrix', 'ci_low', 'ci_high', 'stationary', 'dwell_frames', 'n_events', 'n_trajectories']) expect(a[k], k).toEqual(b[k]);
    expect(text('analyze', 'events.csv')).toBe(text('transitions', 'events.csv'));
  });

  it("records each step's run.json as the step alone would (apart from the command)", () => {
    const drop = (r: Record<string, unknown>): Record<string, unknown> => {
      const { command: _c, created: _t, inputs: _i, previous, source: _s, ...rest } = r;
      return { ...rest, previous: previous && typeof previous === 'object' ? drop(previous as Record<string, unknown>) : previous };
    };
    for (const step of ['locate', 'track', 'classify', 'transitions']) {
      const alone = drop(json(step, 'run.json'));
      const inPipeline = drop(json(`analyze/${step}`, 'run.json'));
      expect(JSON.parse(JSON.stringify(inPipeline).replaceAll(path.join(root, 'analyze'), root)), step).toEqual(JSON.parse(JSON.stringify(alone)));
    }
  });

  it('sums mean_frame.png as locate reads the frames: the image drawn from the movie and drift.csv afterwards', async () => {
    const { openFrames } = await import('../data/openFrames.ts');
    const { readCsv } = await import('../data/csvTable.ts');
    const { writeMeanFrame } = await import('../report/meanFrame.ts');
    const stack = await openFrames(movie);
    try {
      await writeMeanFrame(path.join(root, 'mean-again.png'), stack, readCsv(path.join(root, 'analyze', 'drift.csv')));
    } finally {
      await stack.close();
    }
    const png = readFileSync(path.join(root, 'analyze', 'mean_frame.png'));
    expect(png.length).toBeGreaterThan(1000);
    expect(png.equals(readFileSync(path.join(root, 'mean-again.png')))).toBe(true);
  });

  it('writes the report that `atomdyn report` builds from the folder (the tables it passes in memory are the files)', async () => {
    const { buildReport } = await import('../report/buildReport.ts');
    const again = await buildReport(path.join(root, 'analyze'), { out: path.join(root, 'report-again.html') });
    const strip = (html: string) => html.replace(/built \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, 'built');
    const a = strip(text('analyze', 'report.html'));
    expect(a.length).toBeGreaterThan(10_000);
    expect(a).toBe(strip(readFileSync(again, 'utf8')));
  });
});
