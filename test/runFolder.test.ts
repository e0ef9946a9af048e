/**
 * The run folder contract (data/runFolder.ts, docs/schema.md "Run folders"): a fresh temporary
 * folder moved into place with run.json last (complete: true), --overwrite swaps the whole folder,
 * input folders are refused, a lock refuses a second live run and does not outlive a killed one,
 * and a kill at any moment leaves either no target or the previous complete run untouched.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertOutsideInputs, finalPath, startRun, withRunFolder } from '../data/runFolder.ts';
import { newRun } from '../data/runMetadata.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-runfolder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const child = path.resolve('test/helpers/runFolderChild.ts');
/** Everything under `dir` as relative path -> contents. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      if (n.isDirectory()) walk(path.join(d, n.name), path.join(rel, n.name));
      else out[path.join(rel, n.name)] = readFileSync(path.join(d, n.name), 'utf8');
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return out;
}

/** Run the child; with `stopAt`, SIGKILL it once it reports that stage. */
function runChild(target: string, input: string, id: string, env: Record<string, string> = {}, stopAt?: string): Promise<{ code: number | null; signal: string | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, target, input, id], { env: { ...process.env, ...env, ...(stopAt ? { STOP_AT: stopAt } : {}) } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
      if (stopAt && stdout.includes(`stage ${stopAt}\n`)) p.kill('SIGKILL');
    });
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code, signal) => resolve({ code, signal, stderr, stdout }));
  });
}

async function commitRun(target: string, files: Record<string, string>, opts: { overwrite?: boolean; inputs?: string[] } = {}) {
  return withRunFolder(target, { inputs: opts.inputs ?? [], overwrite: opts.overwrite }, async (run) => {
    for (const [n, c] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(run.dir, n)), { recursive: true });
      writeFileSync(path.join(run.dir, n), c);
    }
    const meta = newRun('test', ['test']);
    meta.inputs = [path.join(run.dir, Object.keys(files)[0])];
    meta.outputs = [...Object.keys(files), 'run.json'];
    await run.commit(meta);
    return run;
  });
}

describe('run folder', () => {
  const input = path.join(root, 'data', 'movie.tif');
  mkdirSync(path.dirname(input), { recursive: true });
  writeFileSync(input, 'movie');

  it('moves a complete run into place, run.json last and complete, naming final paths only', async () => {
    const target = path.join(root, 'a', 'run1');
    const pending = await commitRun(target, { 'atoms.csv': 'x\n1\n', 'overlays/f0.png': 'png' });
    expect(pending.target).toBe(target);
    expect(Object.keys(snapshot(target)).sort()).toEqual(['atoms.csv', 'overlays/f0.png', 'run.json']);
    const run = JSON.parse(readFileSync(path.join(target, 'run.json'), 'utf8'));
    expect(run.complete).toBe(true);
    expect(run.inputs).toEqual([path.join(target, 'atoms.csv')]); // written as the temp path, recorded as the final one
    expect(finalPath(path.join(pending.dir, 'x.csv'))).toBe(path.join(target, 'x.csv'));
    expect(readdirSync(path.dirname(target))).toEqual(['run1']); // no lock, no temporary folder left
  });

  it('refuses a folder that holds a run unless overwrite, which replaces it whole', async () => {
    const target = path.join(root, 'b');
    await commitRun(target, { 'atoms.csv': 'first', 'report.html': 'first report', 'events.csv': 'first events' });
    const before = snapshot(target);
    await expect(commitRun(target, { 'atoms.csv': 'second' })).rejects.toThrow(/^out: '.*b' already holds a run; add `overwrite`/);
    expect(snapshot(target)).toEqual(before);
    expect(readdirSync(root).filter((n) => n.startsWith('.b.'))).toEqual([]);
    await commitRun(target, { 'atoms.csv': 'second' }, { overwrite: true });
    expect(Object.keys(snapshot(target)).sort()).toEqual(['atoms.csv', 'run.json']); // no report.html, no events.csv of the first run
    expect(readFileSync(path.join(target, 'atoms.csv'), 'utf8')).toBe('second');
    expect(readdirSync(root).filter((n) => n.startsWith('.b.'))).toEqual([]);
  });

  it('never replaces a folder of other files; uses an empty one; refuses a file', async () => {
    const other = path.join(root, 'mine');
    mkdirSync(other);
    writeFileSync(path.join(other, 'notes.txt'), 'mine');
    for (const overwrite of [false, true]) await expect(commitRun(other, { 'a.csv': '1' }, { overwrite })).rejects.toThrow(/holds files that are not an atomdyn run/);
    expect(snapshot(other)).toEqual({ 'notes.txt': 'mine' });
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    await commitRun(empty, { 'a.csv': '1' });
    expect(Object.keys(snapshot(empty)).sort()).toEqual(['a.csv', 'run.json']);
    await expect(commitRun(input, { 'a.csv': '1' }, { overwrite: true })).rejects.toThrow(/^out: .* is a file, not a folder/);
    await expect(commitRun(input, { 'a.csv': '1' }, { overwrite: true, inputs: [input] })).rejects.toThrow(/^out: .* is the input file/);
  });

  it('refuses an --out that is an input, holds one or is its folder, through symlinks and ..', () => {
    const link = path.join(root, 'link-to-data');
    symlinkSync(path.dirname(input), link);
    const cases: Array<[string, RegExp]> = [
      [input, /is the input file/],
      [path.dirname(input), /is the input's folder/],
      [path.join(root, 'a', '..', 'data'), /is the input's folder/],
      [link, /is the input's folder/],
      [path.join(link, 'movie.tif'), /is the input file/],
      [root, /holds the input/],
    ];
    for (const [out, msg] of cases) expect(() => assertOutsideInputs(out, [input]), out).toThrow(msg);
    expect(() => assertOutsideInputs(path.join(root, 'data-out'), [input, `${input}:Data/Image`])).not.toThrow();
    expect(() => assertOutsideInputs(path.dirname(input), [`${input}:Data/Image`])).toThrow(/input's folder/);
  });

  it('abort and errors leave the target as it was; a listed output must exist', async () => {
    const target = path.join(root, 'c');
    await commitRun(target, { 'a.csv': 'kept' });
    const before = snapshot(target);
    await expect(withRunFolder(target, { inputs: [], overwrite: true }, async (run) => {
      writeFileSync(path.join(run.dir, 'a.csv'), 'half');
      throw new Error('step failed');
    })).rejects.toThrow('step failed');
    expect(snapshot(target)).toEqual(before);
    await expect(withRunFolder(target, { inputs: [], overwrite: true }, async (run) => {
      const meta = newRun('test', []);
      meta.outputs = ['report.html', 'run.json'];
      await run.commit(meta);
    })).rejects.toThrow(/report\.html: listed in run\.json outputs but not written/);
    expect(snapshot(target)).toEqual(before);
    expect(readdirSync(root).filter((n) => n.startsWith('.c.'))).toEqual([]);
  });

  it('a second run aimed at a folder a live run is writing is refused (also in this process)', async () => {
    const target = path.join(root, 'd');
    const first = await startRun(target, { inputs: [] });
    await expect(startRun(target, { inputs: [] })).rejects.toThrow(new RegExp(`another atomdyn run \\(pid ${process.pid}.*is writing`));
    await first.abort();
    const again = await startRun(target, { inputs: [] });
    await again.abort();
    expect(existsSync(target)).toBe(false);
  });

  it('two concurrent processes into one folder: one refused, the other complete and unmixed', async () => {
    const target = path.join(root, 'e');
    const [a, b] = await Promise.all([runChild(target, input, 'A', { FILES: '6', DELAY_MS: '150' }), runChild(target, input, 'B', { FILES: '6', DELAY_MS: '150' })]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 2]);
    const loser = a.code === 2 ? a : b;
    expect(loser.stderr).toMatch(/^atomdyn: out: (another atomdyn run \(pid \d+.*is writing|'.*e' already holds a run)/);
    const winner = a.code === 0 ? 'A' : 'B';
    const files = snapshot(target);
    expect(files['id.txt']).toBe(winner);
    for (let i = 0; i < 6; i++) expect(files[`part${i}.txt`]).toBe(`${winner} ${i}\n`);
    expect(JSON.parse(files['run.json']).complete).toBe(true);
  }, 30000);

  it('kill -9 at any moment leaves no target or the previous run untouched; the lock never stays stuck', async () => {
    // no previous run: a kill anywhere before the move leaves no target
    const fresh = path.join(root, 'f');
    // four moments: while writing, after run.json, between the two renames, after the move (each child costs a Node start)
    const killed = await runChild(fresh, input, 'K', {}, 'writing');
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(fresh)).toBe(false);
    // a later run takes over the dead lock and removes the dead runs' partial folders
    expect((await runChild(fresh, input, 'N', { DELAY_MS: '0' })).code).toBe(0);
    expect(snapshot(fresh)['id.txt']).toBe('N');
    expect(readdirSync(root).filter((n) => n.startsWith('.f.'))).toEqual([]);

    // with a previous run and --overwrite
    const prev = snapshot(fresh);
    const killedWriting = await runChild(fresh, input, 'K', { OVERWRITE: '1' }, 'run-json-written');
    expect(killedWriting.signal).toBe('SIGKILL');
    expect(snapshot(fresh)).toEqual(prev);
    // killed between moving the old run aside and moving the new one in: no target ...
    const r = await runChild(fresh, input, 'K', { OVERWRITE: '1' }, 'old-moved-aside');
    expect(r.signal).toBe('SIGKILL');
    expect(existsSync(fresh)).toBe(false);
    // ... and the next run aimed there puts the previous run back first (so without --overwrite it is refused)
    const next = await runChild(fresh, input, 'M', { DELAY_MS: '0' });
    expect(next.code).toBe(2);
    expect(next.stderr).toMatch(/already holds a run/);
    expect(snapshot(fresh)).toEqual(prev);
    // killed after the move: the new run is complete
    const late = await runChild(fresh, input, 'L', { OVERWRITE: '1', DELAY_MS: '0' }, 'moved-into-place');
    expect(late.signal).toBe('SIGKILL');
    expect(snapshot(fresh)['id.txt']).toBe('L');
    expect(JSON.parse(snapshot(fresh)['run.json']).complete).toBe(true);
    // its dead lock is taken over by the next run in this process
    const again = await startRun(fresh, { inputs: [], overwrite: true });
    await again.abort();
    expect(readdirSync(root).filter((n) => n.startsWith('.f.'))).toEqual([]);
  }, 60000);
});
