/**
 * The run folder contract (docs/schema.md, "Run folders"): every step writes its outputs into a
 * fresh hidden folder beside the target (`.NAME.atomdyn-<pid>-<random>.partial`), writes `run.json`
 * last with `"complete": true`, and only then moves the folder into place. So a folder named by
 * `--out` holds exactly one run, whole, or nothing:
 *
 * - a folder that already holds a run is replaced only with `overwrite` (the new run is moved in, then
 *   the old folder is removed); without it, an {@link AtomdynError} before anything is written;
 * - a folder that holds other files (not a run) is never replaced;
 * - `--out` may not be an input file, hold an input file or be an input's folder (after resolving
 *   symlinks and `..`);
 * - a lock file beside the target (`.NAME.atomdyn-lock`, holding the owner's pid and process start
 *   time) refuses a second run aimed at the same folder while the first is alive; a lock whose owner
 *   is dead (`kill -9`) is taken over, and the dead run's partial folder removed;
 * - a run killed between moving the old folder aside and moving the new one in leaves no target; the
 *   next run aimed there puts the previous complete run back first.
 *
 * Paths inside the temporary folder are recorded in run.json under their final names
 * ({@link finalPath}), so a moved run never names its temporary folder.
 */
import { promises as fs, closeSync, existsSync, linkSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AtomdynError } from './errors.ts';
import { writeRun, type RunMetadata } from './runMetadata.ts';

/** Stages of {@link PendingRun.commit}, reported to {@link StartRunOptions.onStage} (fault-injection tests). */
export type RunStage = 'locked' | 'run-json-written' | 'old-moved-aside' | 'moved-into-place' | 'done';

/** Options of {@link startRun}. */
export interface StartRunOptions {
  /** Files the run reads (movie, tables, `run.json` beside them); `FILE:DATASET` is accepted. */
  inputs: string[];
  /** Replace a folder that already holds a run (the whole folder). Default false. */
  overwrite?: boolean;
  /** Name of the option in messages. Default `out` (the option of the step functions; the CLI prints `--out`). */
  option?: string;
  /** Called at each stage (awaited); for tests that kill the process at a given moment. */
  onStage?: (stage: RunStage) => Promise<void> | void;
}

/** A run being written: outputs go into `dir`; {@link PendingRun.commit} moves it to `target`. */
export interface PendingRun {
  /** The final folder (absolute, symlinks of its parent resolved). */
  readonly target: string;
  /** The temporary folder to write into (absolute; beside `target`). */
  readonly dir: string;
  /**
   * Write `run.json` into `dir` with `complete: true` (last), check that every file in `run.outputs`
   * exists, move `dir` to `target` (replacing an old run when allowed) and release the lock.
   * @throws AtomdynError when a listed output is missing or the folder cannot be moved
   */
  commit(run: RunMetadata): Promise<void>;
  /** Remove `dir` and release the lock; the target is left as it was. Never throws. */
  abort(): Promise<void>;
}

/** Temporary folder -> final folder of the runs of this process, for {@link finalPath}. */
const aliases = new Map<string, string>();
/** Cleanup of pending runs if the process exits without commit or abort. */
const pendingCleanups = new Set<() => void>();
let exitHookInstalled = false;

/**
 * `p` with the temporary folder of a pending run replaced by its final folder (nested runs
 * too), so run.json and other outputs name where the files will be. Strings without such a
 * prefix are returned unchanged.
 */
export function finalPath(p: string): string {
  let out = p;
  for (let changed = true, guard = 0; changed && guard < 16; guard++) {
    changed = false;
    for (const [tmp, target] of aliases) {
      if (out === tmp || out.startsWith(tmp + path.sep)) {
        out = target + out.slice(tmp.length);
        changed = true;
      }
    }
  }
  return out;
}

/** A deep copy of a JSON value with every string passed through {@link finalPath}. */
export function finalPaths<T>(value: T): T {
  if (aliases.size === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return finalPath(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}

/** Absolute path with symlinks resolved as far as the path exists (the rest appended). */
export function resolveReal(p: string): string {
  const abs = path.resolve(p);
  const rest: string[] = [];
  let head = abs;
  for (;;) {
    try {
      return path.join(realpathSync(head), ...rest.reverse());
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return abs;
      rest.push(path.basename(head));
      head = parent;
    }
  }
}

/** The file of an input argument: `FILE:DATASET` gives FILE when only FILE exists. */
function inputFile(p: string): string {
  if (existsSync(p)) return p;
  for (let i = p.indexOf(':', 1); i > 0; i = p.indexOf(':', i + 1)) if (existsSync(p.slice(0, i))) return p.slice(0, i);
  return p;
}

const within = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);

/**
 * Refuse an output folder that overlaps an input: that is an input file, holds one (at any
 * depth) or is an input's folder. Paths are compared after resolving `..` and symlinks.
 * @throws AtomdynError naming the option and the input
 */
export function assertOutsideInputs(out: string, inputs: string[], option = 'out'): void {
  const target = resolveReal(out);
  for (const raw of inputs) {
    const input = resolveReal(inputFile(raw));
    if (input === target) throw AtomdynError.forOption(option, `'${out}' is the input file ${raw}; give a new folder for the outputs`);
    if (within(input, target)) {
      const what = path.dirname(input) === target ? "is the input's folder" : 'holds the input';
      throw AtomdynError.forOption(option, `'${out}' ${what} ${raw}; outputs never go beside or over the inputs: give a new folder`);
    }
  }
}

/** Start time of a process (clock ticks since boot) from /proc, or null where unavailable. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

interface LockOwner {
  pid: number;
  host: string;
  start: string | null;
  started: string;
}

/** True when the process that wrote `owner` is still running (same host: pid alive with the same start time). */
function ownerAlive(owner: LockOwner | null): boolean {
  if (!owner || !Number.isInteger(owner.pid)) return false;
  if (owner.host !== os.hostname()) return true; // cannot tell: assume it is running
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = processStart(owner.pid);
  return !(owner.start && start && owner.start !== start); // pid reused by another process
}

function readOwner(file: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

/** Temporary names of target `t`: `.NAME.atomdyn-<pid>-<random>.<kind>` in its parent. */
function tempName(target: string, kind: 'partial' | 'old'): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.atomdyn-${process.pid}-${Math.random().toString(36).slice(2, 10)}.${kind}`);
}

/**
 * Take the lock of `target` (exclusive create). A lock left by a dead process is taken over.
 * @throws AtomdynError when a live run holds it
 */
function acquireLock(target: string, option: string): string {
  const lock = path.join(path.dirname(target), `.${path.basename(target)}.atomdyn-lock`);
  const me: LockOwner = { pid: process.pid, host: os.hostname(), start: processStart(process.pid), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, JSON.stringify(me) + '\n');
      closeSync(fd);
      return lock;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw AtomdynError.forOption(option, `cannot create the lock ${lock}: ${(e as Error).message}`);
    }
    const owner = readOwner(lock);
    if (owner === null) {
      // being written this instant by its owner, or left empty by a kill: wait a little, then take it over
      const age = (() => { try { return Date.now() - statSync(lock).mtimeMs; } catch { return 0; } })();
      if (age < 2000) { sleepSync(50); continue; }
    } else if (ownerAlive(owner)) {
      throw AtomdynError.forOption(option, `another atomdyn run (pid ${owner.pid}, started ${owner.started}) is writing '${target}' (lock ${lock}); wait for it or choose another folder`);
    }
    // stale: move it aside under a unique name (only one process can), check it is the stale one, drop it
    const aside = `${lock}.${process.pid}-${Math.random().toString(36).slice(2, 8)}.stale`;
    try {
      renameSync(lock, aside);
    } catch {
      continue;
    }
    const taken = readOwner(aside);
    if (taken && ownerAlive(taken)) {
      // a live run re-took the lock between our read and our rename: give it back
      try { linkSync(aside, lock); } catch { /* it has a newer one */ }
    }
    rmSync(aside, { force: true });
  }
  throw AtomdynError.forOption(option, `cannot take the lock ${lock} (runs keep racing for '${target}')`);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * With the lock held: remove partial folders of dead runs aimed at `target`, and put back an old
 * run that a killed `overwrite` had moved aside when the target is missing.
 */
function recoverLeftovers(target: string): void {
  const dir = path.dirname(target);
  const prefix = `.${path.basename(target)}.atomdyn-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const m = /^(\d+)-[a-z0-9]+\.(partial|old)$/.exec(n.slice(prefix.length));
    if (!m || Number(m[1]) === process.pid) continue;
    const full = path.join(dir, n);
    // the lock is ours, so no live run of this target owns these
    if (m[2] === 'old' && !existsSync(target)) renameSync(full, target);
    else rmSync(full, { recursive: true, force: true });
  }
}

/** What a folder holds: nothing, a run (it has run.json) or other files. */
function folderState(target: string, option: string, out: string): 'absent' | 'empty' | 'run' | 'other' {
  if (!existsSync(target)) return 'absent';
  if (!statSync(target).isDirectory()) throw AtomdynError.forOption(option, `'${out}' is a file, not a folder`);
  const names = readdirSync(target);
  if (names.length === 0) return 'empty';
  return names.includes('run.json') ? 'run' : 'other';
}

function checkReplaceable(state: ReturnType<typeof folderState>, overwrite: boolean, option: string, out: string): void {
  if (state === 'run' && !overwrite) throw AtomdynError.forOption(option, `'${out}' already holds a run; add \`overwrite\` to replace it (the whole folder), or choose a new folder`);
  if (state === 'other') throw AtomdynError.forOption(option, `'${out}' holds files that are not an atomdyn run; give a new or empty folder`);
}

/**
 * Begin a run aimed at the folder `out`: check it against the inputs and what it holds, take its
 * lock and create the temporary folder beside it. Nothing is written when a check fails.
 *
 * @param out the `--out` folder
 * @throws AtomdynError (naming `options.option`) when `out` overlaps an input, is a file, holds a
 *   run and `overwrite` is not set, holds other files, or a live run holds its lock
 */
export async function startRun(out: string, options: StartRunOptions): Promise<PendingRun> {
  const option = options.option ?? 'out';
  const overwrite = options.overwrite === true;
  if (!out || !out.trim()) throw AtomdynError.forOption(option, 'empty folder name');
  assertOutsideInputs(out, options.inputs, option);
  const target = resolveReal(out);
  if (path.dirname(target) === target) throw AtomdynError.forOption(option, `'${out}' is the root folder`);
  checkReplaceable(folderState(target, option, out), overwrite, option, out);
  await fs.mkdir(path.dirname(target), { recursive: true }).catch((e: Error) => {
    throw AtomdynError.forOption(option, `cannot create the folder of '${out}': ${e.message}`);
  });
  const lock = acquireLock(target, option);
  let dir = '';
  const release = () => {
    if (readOwner(lock)?.pid === process.pid) rmSync(lock, { force: true });
  };
  const cleanup = () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    release();
  };
  try {
    recoverLeftovers(target);
    checkReplaceable(folderState(target, option, out), overwrite, option, out); // again, under the lock
    dir = tempName(target, 'partial');
    await fs.mkdir(dir);
  } catch (e) {
    cleanup();
    throw e;
  }
  aliases.set(dir, target);
  pendingCleanups.add(cleanup);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of pendingCleanups) c();
    });
  }
  await options.onStage?.('locked');
  let settled = false;
  let old: string | null = null; // the previous run, while it is moved aside
  const settle = () => {
    settled = true;
    pendingCleanups.delete(cleanup);
  };
  return {
    target,
    dir,
    async commit(run: RunMetadata) {
      if (settled) throw new Error(`run folder ${target} already committed or aborted`);
      try {
        for (const o of run.outputs ?? []) {
          if (o !== 'run.json' && !existsSync(path.join(dir, o))) throw new AtomdynError(finalPath(path.join(dir, o)), 'listed in run.json outputs but not written');
        }
        run.complete = true;
        run.created = new Date().toISOString();
        await writeRun(dir, finalPaths(run));
        await options.onStage?.('run-json-written');
        const state = folderState(target, option, out);
        checkReplaceable(state, overwrite, option, out);
        if (state === 'empty') await fs.rmdir(target);
        else if (state === 'run') {
          old = tempName(target, 'old');
          await fs.rename(target, old);
          await options.onStage?.('old-moved-aside');
        }
        await fs.rename(dir, target);
        await options.onStage?.('moved-into-place');
        if (old) await fs.rm(old, { recursive: true, force: true }).catch(() => undefined); // else the next run aimed here removes it
      } catch (e) {
        settle();
        if (old && existsSync(old) && !existsSync(target)) renameSync(old, target); // put the previous run back
        cleanup();
        if (e instanceof AtomdynError) throw e;
        throw AtomdynError.forOption(option, `cannot move the run into '${out}': ${(e as Error).message}`, { cause: e });
      }
      settle();
      release();
      await options.onStage?.('done');
    },
    async abort() {
      if (settled) return;
      settle();
      cleanup();
    },
  };
}

/**
 * Run `body` in a fresh run folder aimed at `out` ({@link startRun}); `body` writes into
 * `run.dir` and calls `run.commit(metadata)` when done. On any error the temporary folder is
 * removed, the target left as it was, and the error rethrown; a body that returns without
 * committing leaves the target as it was too (its files are discarded).
 * @throws AtomdynError as {@link startRun}, and whatever `body` throws
 */
export async function withRunFolder<T>(out: string, options: StartRunOptions, body: (run: PendingRun) => Promise<T>): Promise<T> {
  const pending = await startRun(out, options);
  try {
    return await body(pending);
  } catch (e) {
    await pending.abort();
    throw e;
  } finally {
    await pending.abort(); // no-op after commit
  }
}
