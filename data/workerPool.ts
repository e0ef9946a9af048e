/**
 * A small pool of worker threads running one TypeScript module, for work that parallelises across
 * frames (inference) or overlaps with the main thread (simulation during training).
 *
 * The worker module is started through bin/worker.mjs (which registers the TypeScript loader for .ts modules) with
 * `workerData = { __module: <file URL>, ...init }`. It must answer each `{ id, payload }` message
 * with `{ id, result }` or `{ id, error }` (see {@link serveWorkerRequests}). Results come back in the
 * order requests were made when awaited in order; each worker runs one request at a time.
 */
import { Worker, parentPort, workerData, type Transferable } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { workerBootstrap } from './packagePaths.ts';

const bootstrap = workerBootstrap();

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/**
 * The young generation of each worker thread's V8 heap, MB (`resourceLimits.maxYoungGenerationSizeMb`).
 * A pool's jobs (one frame each) leave garbage that dies young; V8's default lets every worker's young
 * generation grow to tens of MB before it is scavenged, held as resident memory per thread. Capped at
 * 8 MB, `locate` with two workers on 300 frames of 256 x 256 px peaked at 374-405 MB instead of 477 MB,
 * in the same time (13.4-14.0 s; /usr/bin/time -v, one run each). Objects too large for it (frames,
 * probability maps) go to V8's large-object space as before: the cap never fails a job.
 */
export const WORKER_YOUNG_GENERATION_MB = 8;

/** A pool of `size` workers running the module at `moduleFile`. */
export class WorkerPool<Req, Res> {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Array<{ id: number; payload: Req; transfer: Transferable[] }> = [];
  private readonly pending = new Map<number, Pending>();
  private readonly busy = new Map<Worker, number>();
  private nextId = 0;
  private closed = false;

  /**
   * @param moduleFile path of the worker's TypeScript module
   * @param size number of threads (>= 1)
   * @param init extra workerData given to every worker (structured-cloneable)
   */
  constructor(moduleFile: string, size: number, init: Record<string, unknown> = {}) {
    const url = pathToFileURL(path.resolve(moduleFile)).href;
    for (let i = 0; i < Math.max(1, size); i++) {
      const w = new Worker(bootstrap, { workerData: { ...init, __module: url, __index: i }, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
      w.on('message', (m: { id: number; result?: Res; error?: { message: string; name: string; source?: string }; closed?: boolean }) => {
        if (m.closed) return; // the answer to close(): the worker has freed what it holds and is ending
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        this.busy.delete(w);
        this.idle.push(w);
        if (p) {
          if (m.error) {
            const e = new Error(m.error.message);
            e.name = m.error.name;
            (e as Error & { source?: string }).source = m.error.source;
            p.reject(e);
          } else p.resolve(m.result);
        }
        this.pump();
      });
      w.on('error', (e: Error) => {
        const id = this.busy.get(w);
        if (id !== undefined) {
          this.pending.get(id)?.reject(e);
          this.pending.delete(id);
        }
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** Number of threads. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Run one request on the next free worker.
   * @param transfer ArrayBuffers to move (not copy) to the worker
   */
  run(payload: Req, transfer: Transferable[] = []): Promise<Res> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    const id = this.nextId++;
    const p = new Promise<Res>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    this.queue.push({ id, payload, transfer });
    this.pump();
    return p;
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.shift()!;
      const job = this.queue.shift()!;
      this.busy.set(w, job.id);
      w.postMessage({ id: job.id, payload: job.payload }, job.transfer);
    }
  }

  /**
   * Stop every worker. Idempotent. With `graceMs` > 0 each idle worker is first asked to free what it
   * holds (the `onClose` of {@link serveWorkerRequests}: native memory such as an onnxruntime session
   * and its arena, which a terminated thread leaves allocated for the rest of the process: about 150 MB
   * for `analyze`'s two locate workers, measured) and to end; a worker that has not ended within
   * `graceMs`, or is still busy, is terminated. With 0 (the default) every worker is terminated at once.
   * @param graceMs how long to wait for the workers to end by themselves, ms (default 0)
   */
  async close(graceMs = 0): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map(async (w) => {
      if (graceMs <= 0 || this.busy.has(w)) return w.terminate();
      const ended = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), graceMs);
        w.once('exit', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      w.postMessage({ close: true });
      if (!(await ended)) await w.terminate();
    }));
  }
}

/**
 * Inside a worker module: answer requests with `handler` (one at a time). Errors are sent back with
 * their name, message and, for AtomdynError, the file they name. `onClose` runs when the pool closes,
 * before the thread ends: free native memory there (WorkerPool.close).
 */
export function serveWorkerRequests<Req, Res>(handler: (payload: Req) => Promise<{ result: Res; transfer?: Transferable[] }>, onClose?: () => void | Promise<void>): void {
  if (!parentPort) throw new Error('serveWorkerRequests must run inside a worker thread');
  const port = parentPort;
  port.on('message', async (m: { id: number; payload: Req; close?: boolean }) => {
    if (m.close) {
      // WorkerPool.close(): free what the thread holds, then let it end (nothing else keeps it alive)
      try {
        await onClose?.();
      } finally {
        port.postMessage({ closed: true });
        port.close();
      }
      return;
    }
    try {
      const { result, transfer } = await handler(m.payload);
      port.postMessage({ id: m.id, result }, transfer ?? []);
    } catch (e) {
      const err = e as Error & { source?: string };
      port.postMessage({ id: m.id, error: { message: err.message, name: err.name, source: err.source } });
    }
  });
}

/** The init data a worker was started with (inside a worker). */
export function workerInit<T extends Record<string, unknown>>(): T {
  return workerData as T;
}
