/**
 * The run folder contract through the commands (docs/schema.md "Run folders"): a re-run cannot
 * show an earlier run's files, --overwrite replaces the whole folder, two runs at once into one
 * folder give one refusal and one complete run, inputs and their run.json are never rewritten, a
 * data folder is refused before anything is written, and `analyze` checks every option before it
 * reads a frame.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './helpers/runCli.ts';
import { runTransitions, type TransitionsFlags } from '../cli/commands/transitions.ts';
import { runAnalyze } from '../cli/commands/analyze.ts';
import { buildReport } from '../report/buildReport.ts';
import { toCsv } from '../data/csvTable.ts';
import { newRun } from '../data/runMetadata.ts';
import { syntheticConfigurations } from '../training/simulator/syntheticKinetics.ts';
import { npyBytes } from './helpers/npyWriter.ts';
import { sharedData } from './sharedData.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-runfolder-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
/** Relative path -> sha256 of every file under dir. */
function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      if (n.isDirectory()) walk(path.join(d, n.name), path.join(rel, n.name));
      else out[path.join(rel, n.name)] = sha(path.join(d, n.name));
    }
  };
  walk(dir, '');
  return out;
}

/** `atomdyn ARGS` in this process (test/helpers/runCli.ts): exit code and what it wrote to stderr. */
async function atomdyn(...args: string[]): Promise<{ code: number; stderr: string }> {
  const r = await runCli(args);
  return { code: r.status, stderr: r.stderr };
}

/** A classify-step folder: configurations.csv with its run.json. */
function classifyFolder(name: string, seed: number, particles: number): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'configurations.csv'), toCsv(syntheticConfigurations({ particles, frames: 40, seed })));
  const prev = newRun('classify', ['classify']);
  prev.source = `/data/${name}.tif`;
  prev.frames = { count: 40, height: 128, width: 128 };
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(prev));
  return path.join(dir, 'configurations.csv');
}
const flags = (out: string, extra: Partial<TransitionsFlags> = {}): TransitionsFlags => ({ out, lag: '1', counting: 'sliding', seed: '0', samples: '200', ckSteps: '2', ...extra });

describe('run folders through the commands', () => {
  const inputA = classifyFolder('classifyA', 3, 6);
  const inputB = classifyFolder('classifyB', 4, 9);
  const inputHashes = { a: hashes(path.dirname(inputA)), b: hashes(path.dirname(inputB)) };

  it('a re-run never shows the earlier run: refused without --overwrite, replaced whole with it', async () => {
    const out = path.join(root, 'runs', 'kinetics');
    await runTransitions(inputA, flags(out), ['transitions']);
    await buildReport(out); // the report of run A, as `atomdyn report` writes it
    writeFileSync(path.join(out, 'overlay_stale.png'), 'a figure an older version left here');
    const before = hashes(out);
    const refused = await atomdyn('transitions', inputB, '--out', out, '--samples', '200');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^atomdyn: --out: '.*kinetics' already holds a run; add --overwrite to replace it \(the whole folder\), or choose a new folder\n$/);
    expect(hashes(out)).toEqual(before);
    const replaced = await atomdyn('transitions', inputB, '--out', out, '--samples', '200', '--overwrite');
    expect(replaced.code).toBe(0);
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.complete).toBe(true);
    expect(run.inputs).toEqual([inputB]);
    // every file in the folder is one the new run wrote: no report.html, no figure of run A
    expect(Object.keys(hashes(out)).sort()).toEqual([...run.outputs, 'run.json'].sort());
    expect(JSON.parse(readFileSync(path.join(out, 'transitions.json'), 'utf8')).input).toBe(inputB);
    expect(readdirSync(path.dirname(out))).toEqual(['kinetics']);
  });

  it("simulate follows the contract too, and locate cannot write over the simulator's run.json", async () => {
    const sim = path.join(root, 'sim');
    const r1 = await atomdyn('simulate', '--lattice', 'graphene', '--size', '32', '--count', '1', '--out', sim);
    expect(r1.code).toBe(0);
    const before = hashes(sim);
    expect(JSON.parse(readFileSync(path.join(sim, 'run.json'), 'utf8')).complete).toBe(true);
    const again = await atomdyn('simulate', '--lattice', 'graphene', '--size', '32', '--count', '1', '--seed', '5', '--out', sim);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a run/);
    const locate = await atomdyn('locate', path.join(sim, 'images.tif'), '--out', sim);
    expect(locate.code).toBe(2);
    expect(locate.stderr).toMatch(/is the input's folder .*images\.tif/);
    expect(hashes(sim)).toEqual(before);
  });

  it('two runs at once into one folder: one refused, the other complete and unmixed', async () => {
    const out = path.join(root, 'both');
    const results = await Promise.allSettled([runTransitions(inputA, flags(out), ['A']), runTransitions(inputB, flags(out), ['B'])]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(String(rejected.reason)).toMatch(/^AtomdynError: out: another atomdyn run \(pid \d+.*\) is writing/);
    const winner = results[0].status === 'fulfilled' ? inputA : inputB;
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.inputs).toEqual([winner]);
    expect(JSON.parse(readFileSync(path.join(out, 'transitions.json'), 'utf8')).input).toBe(winner);
    expect(Object.keys(hashes(out)).sort()).toEqual([...run.outputs, 'run.json'].sort());
  });

  it('never rewrites an input or its run.json; --out naming the input itself is one line, exit 2', async () => {
    for (const out of [inputA, path.dirname(inputA), root]) {
      const r = await atomdyn('transitions', inputA, '--out', out, '--overwrite');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^atomdyn: --out: .*(is the input file|is the input's folder|holds the input) .*configurations\.csv; /);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(hashes(path.dirname(inputA))).toEqual(inputHashes.a);
    expect(hashes(path.dirname(inputB))).toEqual(inputHashes.b);
  });

  it('--out naming the input file itself: one line and exit 2 from every step, the file untouched', async () => {
    const atoms = path.join(root, 'atomsdir', 'atoms.csv');
    mkdirSync(path.dirname(atoms));
    writeFileSync(atoms, 'frame,x,y,species\n' + [0, 1].flatMap((f) => [[10, 10, 'C'], [20, 12, 'C'], [15, 20, 'Si']].map(([x, y, s]) => `${f},${x},${y},${s}`)).join('\n') + '\n');
    const movie = sharedData('WSe2_movie', 'HAADF.tif');
    const before = [sha(atoms), sha(movie)];
    for (const args of [['track', atoms], ['classify', atoms, '--classes', '1'], ['locate', movie], ['analyze', movie]]) {
      const out = args[1];
      const r = await atomdyn(...args, '--out', out);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr).toMatch(/^atomdyn: --out: '.*' is the input file .*; give a new folder for the outputs\n$/);
    }
    expect([sha(atoms), sha(movie)]).toEqual(before);
    expect(readdirSync(path.dirname(atoms))).toEqual(['atoms.csv']);
  });

  it('refuses the folder of real microscope data before writing anything', async () => {
    const movie = sharedData('graphene_Si', 'G-dimSi.hdf5');
    const folder = path.dirname(movie);
    const listing = readdirSync(folder).sort();
    for (const cmd of ['locate', 'analyze']) {
      const r = await atomdyn(cmd, movie, '--out', path.join(folder, '..', 'graphene_Si'));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^atomdyn: --out: '.*graphene_Si' is the input's folder .*G-dimSi\.hdf5; outputs never go beside or over the inputs/);
    }
    expect(readdirSync(folder).sort()).toEqual(listing);
  });

  it('analyze checks every option of every step before reading a frame, and leaves nothing', async () => {
    // a movie whose frames cannot be read (NaN pixels): a check that came after reading a frame would report those
    const movie = path.join(root, 'nan', 'movie.npy');
    mkdirSync(path.dirname(movie));
    writeFileSync(movie, npyBytes('float32', [2, 32, 32], new Float32Array(2 * 32 * 32).fill(NaN)));
    const out = path.join(root, 'analyses', 'x');
    const bad: Array<[string[], RegExp]> = [
      [['--classes', 'seven'], /--classes: expected an integer >= 1, got 'seven'/],
      [['--lag', '0'], /--lag: expected an integer >= 1/],
      [['--seed', 'x'], /--seed: expected an integer >= 0/],
      [['--memory', '-1'], /--memory: expected a whole number/],
      [['--species', 'metal'], /--species/],
      [['--lattice', 'perovskite'], /--lattice: no default model for lattice 'perovskite'/],
      [['--model', path.join(root, 'no-model')], /--model: no model named/],
      [['--material', 'unobtainium'], /--material: unknown material 'unobtainium'/],
      [['--backend', 'cuda'], /--backend: expected one of auto, tensorflow, onnxruntime, wasm, cpu/],
      [['--pixel-size', '-3'], /--pixel-size: expected a positive number/],
      [['--frame-range', '0:9'], /--frame-range: STOP 9 is past the end of .*movie\.npy, which has 2 frame\(s\)/],
      [['--frame-range', '0:2:2', '--lag', '1'], /--lag: is counted in movie frames; with --frame-range step 2 it must be a multiple of 2/],
      [['--roi', '0,0,64,8'], /--roi: 0,0,64,8 does not lie inside the 32x32 px frames/],
    ];
    for (const [args, msg] of bad) {
      const r = await atomdyn('analyze', movie, '--out', out, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(path.dirname(out))).toBe(false);
    }
    // with good options the same movie fails at its first frame, and still leaves no folder
    await expect(runAnalyze(movie, { out, classes: 'auto', lag: '1', seed: '0' }, ['analyze'])).rejects.toThrow(/movie\.npy.*frame 0 holds NaN or Inf pixels/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(path.dirname(out))).toEqual([]);
  });
});
