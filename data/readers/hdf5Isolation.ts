/**
 * The HDF5 library (h5wasm) run in a worker thread, with a time limit on every call. A corrupt file
 * can make HDF5 loop forever, call abort() (emscripten prints `Aborted(...)` and the module is dead)
 * or exhaust its 2 GB WebAssembly heap; here each of these ends in one {@link AtomdynError} naming
 * the file, the worker is terminated (which frees every HDF5 handle) and whatever the library
 * printed is kept as the error's `cause` instead of reaching the terminal.
 *
 * One thread serves the files of the process (starting one costs about as much as reading a small
 * file). HDF5 keeps a file open, and hands the open file back to a later open of the same file, as
 * long as any object in it is open, and h5wasm leaves objects open on some error paths; so a new
 * thread replaces the current one after a crash or a time-out, when a file is opened again that the
 * thread holds open or has opened before with other contents (size, modification or change time), and
 * after {@link MAX_OPENS_PER_THREAD} opens. A replaced thread stops when its last file is closed.
 */
import { Worker } from 'node:worker_threads';
import { statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { AtomdynError } from '../errors.ts';
import { siblingModule, workerBootstrap } from '../packagePaths.ts';
import type { FrameStack } from '../frameStack.ts';
import type { Hdf5Request, Hdf5StackInfo } from './hdf5Worker.ts';
import type { Hdf5Options } from './hdf5.ts';

const bootstrap = workerBootstrap();
// the worker module beside this one, with this module's extension (.ts from sources, .js when compiled)
const workerModule = siblingModule(import.meta.url, 'hdf5Worker').href;

/** Default seconds one HDF5 call (open, one frame) may take. */
export const HDF5_TIMEOUT_S = 60;

/** Opens served by one thread before a fresh one takes over (bounds what leaked handles hold). */
export const MAX_OPENS_PER_THREAD = 200;

/** Most characters of the library's own output kept for the error's cause. */
const MAX_CAPTURE = 20_000;

/** One worker thread running the HDF5 library. */
class Hdf5Thread {
  /** Paths open in this thread, by handle. */
  readonly open = new Map<number, string>();
  /** Every path opened in this thread, with the identity of its contents then. */
  readonly seen = new Map<string, string>();
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private nextId = 0;
  private dead: AtomdynError | null = null;
  private output = '';
  /** Resolves when the worker has loaded the library (start-up is not part of any time limit). */
  private readonly ready: Promise<void>;
  private markReady: () => void = () => {};

  constructor() {
    this.ready = new Promise<void>((resolve) => (this.markReady = resolve));
    this.worker = new Worker(bootstrap, { workerData: { __module: workerModule, __preload: ['h5wasm/node'] } });
    this.worker.on('message', (m: { id: number; ready?: boolean; output?: string; result?: unknown; error?: { message: string; name: string; source?: string } }) => {
      if (m.ready) return this.markReady();
      if (m.output !== undefined) {
        if (this.output.length < MAX_CAPTURE) this.output += m.output.slice(0, MAX_CAPTURE - this.output.length);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) p.reject(this.toAtomdynError(m.error));
      else p.resolve(m.result);
    });
    this.worker.on('error', (e: Error) => this.fail(this.crashed(e.message)));
    this.worker.on('exit', (code) => this.fail(this.crashed(`the HDF5 worker stopped (exit code ${code})`)));
    this.worker.unref();
  }

  /** The file of the call under way (named in crash messages). */
  private file = '';

  /** True once the thread crashed, timed out or was stopped. */
  get isDead(): boolean {
    return this.dead !== null;
  }

  /** The library's error as a one-line AtomdynError naming the file. */
  private toAtomdynError(err: { message: string; name: string; source?: string }): AtomdynError {
    if (err.name === 'AtomdynError' && err.source) {
      const prefix = `${err.source}: `;
      return new AtomdynError(err.source, err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message);
    }
    return this.crashed(err.message);
  }

  /** A crash of the library (abort, out of memory, an exception inside h5wasm). */
  private crashed(message: string): AtomdynError {
    const text = `${message}\n${this.output}`;
    const first = message.split('\n')[0].replace(/[^\x20-\x7e]/g, '?').slice(0, 160);
    const why = /out of memory|Cannot enlarge memory|OOM|Array buffer allocation failed/i.test(text)
      ? 'the HDF5 library ran out of memory (its heap is 2 GB); the file claims more data than it can hold, or is corrupt'
      : /abort/i.test(text)
        ? 'corrupt HDF5 file: the HDF5 library stopped on it (abort)'
        : `corrupt HDF5 file: the HDF5 library failed (${first})`;
    return new AtomdynError(this.file, why, { cause: new Error(text) });
  }

  private fail(e: AtomdynError): void {
    this.dead ??= e;
    this.markReady();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
  }

  /** Send one request; rejects with an AtomdynError on an error, a crash or the time limit. */
  async call<T>(req: Hdf5Request, file: string, what: string, timeoutS: number): Promise<T> {
    // the thread keeps the process alive only while a call is under way
    this.worker.ref();
    try {
      await this.ready;
      if (this.dead && this.dead.source !== file) {
        throw new AtomdynError(file, `the HDF5 reader was stopped after a problem with another file (${this.dead.message})`);
      }
      this.file = file;
      return await this.send<T>(req, what, timeoutS);
    } finally {
      if (this.pending.size === 0) this.worker.unref();
    }
  }

  private send<T>(req: Hdf5Request, what: string, timeoutS: number): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const e = new AtomdynError(
          this.file,
          `the HDF5 library did not finish ${what} within ${timeoutS} s (corrupt file?); stopped it`,
          { cause: new Error(this.output) },
        );
        this.fail(e);
        void this.worker.terminate();
      }, timeoutS * 1000);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.worker.postMessage({ id, payload: req });
    });
  }

  /** Stop the thread (frees every HDF5 handle). Idempotent. */
  async stop(): Promise<void> {
    this.dead ??= new AtomdynError(this.file, 'the HDF5 reader was stopped');
    await this.worker.terminate();
  }
}

let current: Hdf5Thread | null = null;

/** Size, modification and change times (ns) of a file: changes when its contents are rewritten. */
function contentsKey(file: string): string {
  try {
    const st = statSync(file, { bigint: true });
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch {
    return '';
  }
}

/**
 * The thread to open `file` in: the current one, unless it is dead, holds `file` open, has opened it
 * before with other contents, or has served {@link MAX_OPENS_PER_THREAD} opens.
 */
function threadFor(file: string): Hdf5Thread {
  const key = contentsKey(file);
  const seen = current?.seen.get(file);
  if (!current || current.isDead || [...current.open.values()].includes(file) || (seen !== undefined && seen !== key) || current.seen.size >= MAX_OPENS_PER_THREAD) {
    const old = current;
    if (old && !old.isDead && old.open.size === 0) void old.stop();
    current = new Hdf5Thread();
  }
  current.seen.set(file, key);
  return current;
}

/**
 * Open `file` in the HDF5 worker thread; the returned stack reads frames through it.
 * @param file the HDF5 file (its superblock already checked)
 * @param opts `dataset`, and `timeoutS` (seconds per call, default {@link HDF5_TIMEOUT_S})
 * @throws AtomdynError naming the file for every failure, including a crash or a hang of the library
 */
export async function openHdf5Isolated(file: string, opts: Hdf5Options = {}): Promise<FrameStack> {
  const timeoutS = opts.timeoutS ?? (Number(process.env.ATOMDYN_HDF5_TIMEOUT_S) || HDF5_TIMEOUT_S);
  const thread = threadFor(file);
  const { handle, info } = await thread.call<{ handle: number; info: Hdf5StackInfo }>(
    { op: 'open', path: file, dataset: opts.dataset },
    file,
    'opening the file',
    timeoutS,
  );
  thread.open.set(handle, file);
  let closed = false;
  return {
    ...info,
    async readFrame(index: number): Promise<Float32Array> {
      if (closed) throw new AtomdynError(info.path, 'the file was already closed');
      // a frame error (NaN, bad index) leaves the file usable; a crash or a time-out stops the thread
      return thread.call<Float32Array>({ op: 'read', handle, index }, file, `reading frame ${index}`, timeoutS);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      thread.open.delete(handle);
      if (thread.isDead) return;
      if (thread !== current && thread.open.size === 0) return thread.stop();
      await thread.call({ op: 'close', handle }, file, 'closing the file', timeoutS).catch(() => undefined);
    },
  };
}
