/**
 * Library errors name options, not flags: no AtomdynError in a library file names a `--flag` (a
 * whole command quoted as advice, `atomdyn analyze --manifest ...`, `sbatch --array=...`, is not a
 * flag of the caller), an error about a value carries the option (`error.option`), and the command
 * line prints its own flag for it (cli/optionFlags.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { AtomdynError } from '../data/errors.ts';
import { toCsv } from '../data/csvTable.ts';
import { TransitionCountEstimator } from '../dynamics/kinetics/transitionCountEstimator.ts';
import { syntheticConfigurations } from '../training/simulator/syntheticKinetics.ts';
import { stateSequencesFromTable } from '../dynamics/kinetics/stateSequences.ts';
import { cliMessage, flagOf, flagTable } from '../cli/optionFlags.ts';
import { runCli } from './helpers/runCli.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LIBRARY = ['data', 'numerics', 'models', 'training', 'inference', 'dynamics', 'evaluation', 'report', 'analytics', 'pipeline'];
const root = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-option-errors-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(repo, dir))) {
    const rel = path.join(dir, e);
    if (e === 'node_modules' || e === 'pretrained') continue;
    if (statSync(path.join(repo, rel)).isDirectory()) out.push(...sources(rel));
    else if (rel.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** The argument text of every `AtomdynError(...)`, `AtomdynError.forOption(...)` and `ModelNotApplicableError(...)` call in `text`. */
function errorCalls(text: string): Array<{ line: number; args: string }> {
  const out: Array<{ line: number; args: string }> = [];
  for (const m of text.matchAll(/(?:AtomdynError|ModelNotApplicableError)(?:\.forOption)?\(/g)) {
    let depth = 1;
    let j = m.index! + m[0].length;
    while (j < text.length && depth) {
      if (text[j] === '(') depth++;
      else if (text[j] === ')') depth--;
      j++;
    }
    out.push({ line: text.slice(0, m.index).split('\n').length, args: text.slice(m.index! + m[0].length, j - 1) });
  }
  return out;
}

/** `atomdyn ARGS` in this process (test/helpers/runCli.ts): exit code and what it wrote to stderr. */
async function atomdyn(...args: string[]): Promise<{ code: number; stderr: string }> {
  const r = await runCli(args);
  return { code: r.status, stderr: r.stderr };
}

describe('library errors name options', () => {
  it('no library file names a --flag in an error', () => {
    const bad: string[] = [];
    for (const file of LIBRARY.flatMap(sources)) {
      for (const c of errorCalls(readFileSync(path.join(repo, file), 'utf8'))) {
        const advice = c.args.replace(/(?:atomdyn|sbatch) [^'`"]*/g, ''); // a whole command quoted as advice
        if (/--[a-z]/.test(advice)) bad.push(`${file}:${c.line}: ${c.args.slice(0, 120)}`);
      }
    }
    expect(bad).toEqual([]);
    // the scan sees the calls it checks: a flag in a test string is found
    expect(errorCalls("throw new AtomdynError('--lag', 'x');").map((c) => /--[a-z]/.test(c.args))).toEqual([true]);
  });

  it('an error about a value names the option and carries it', () => {
    const seqs = stateSequencesFromTable(syntheticConfigurations({ particles: 3, frames: 5, seed: 2 }), 'c.csv');
    let e: unknown;
    try {
      new TransitionCountEstimator({ lag: 50 }).fit(seqs);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(AtomdynError);
    expect((e as AtomdynError).option).toBe('lag');
    expect((e as AtomdynError).message).toMatch(/^lag: no particle was observed at two frames 50 apart.*use a shorter `lag`/);
    expect((e as AtomdynError).message).not.toMatch(/--/);
  });

  it('the table from the commander definitions maps options to flags', () => {
    const program = new Command();
    program.command('track').option('--search-range <length>').option('--pixel-size <pm>').option('--scan-drift [fraction]').option('--dopant <species...>');
    const table = flagTable(program);
    expect(flagOf('searchRange', table)).toBe('--search-range');
    expect(flagOf('pixelSizePm', table)).toBe('--pixel-size');
    expect(flagOf('scanDriftFraction', table)).toBe('--scan-drift');
    expect(flagOf('dopants', table)).toBe('--dopant');
    expect(flagOf('lag', table)).toBeNull();
    const e = AtomdynError.forOption('searchRange', 'cannot be derived; give it, or `pixelSizePm` and `lag`');
    expect(e.message).toBe('searchRange: cannot be derived; give it, or `pixelSizePm` and `lag`');
    expect(cliMessage(e, table)).toBe('--search-range: cannot be derived; give it, or --pixel-size and lag');
  });

  it('the command line prints the flag for a bad value', async () => {
    const dir = path.join(root, 'classify');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'configurations.csv'), toCsv(syntheticConfigurations({ particles: 3, frames: 5, seed: 2 })));
    const r = await atomdyn('transitions', path.join(dir, 'configurations.csv'), '--lag', '50', '--out', path.join(root, 'transitions'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^atomdyn: --lag: no particle was observed at two frames 50 apart .*use a shorter --lag or longer tracks\n$/);
    const s = await atomdyn('simulate', '--lattice', 'graphene', '--movie', '--frames', '1', '--size', '64', '--dopants', '40', '--out', path.join(root, 'sim'));
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/^atomdyn: --dopants: cannot place 40 dopants .*use fewer dopants or larger frames \(--size\)\n$/);
  });
});
