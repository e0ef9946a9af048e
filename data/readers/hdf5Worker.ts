/**
 * The worker thread that runs the HDF5 library (started by data/readers/hdf5Isolation.ts through
 * bin/worker.mjs). It holds several open files, each under a handle number. Requests, one at a time:
 * - `{ op: 'open', path, dataset }` -> `{ handle, info }`: the stack's description (path, format,
 *   count, height, width, dtype, calibration, metadata)
 * - `{ op: 'read', handle, index }` -> frame `index` as float32 `[height * width]` (buffer transferred)
 * - `{ op: 'close', handle }` -> closes that file
 * Once the library is loaded the worker posts `{ ready: true }` (the parent's time limits start then).
 * Errors go back as `{ name, message, source }`; the parent turns them into AtomdynErrors.
 */
import { parentPort, type Transferable } from 'node:worker_threads';
import { serveWorkerRequests } from '../workerPool.ts';
import type { FrameStack } from '../frameStack.ts';
import { openHdf5InThisThread } from './hdf5.ts';
import { h5wasm } from './h5wasmNode.ts';

/** A request to the HDF5 worker. */
export type Hdf5Request = { op: 'open'; path: string; dataset?: string } | { op: 'read'; handle: number; index: number } | { op: 'close'; handle: number };

/** The description of an opened stack (everything of a FrameStack but its methods). */
export type Hdf5StackInfo = Pick<FrameStack, 'path' | 'format' | 'count' | 'height' | 'width' | 'dtype' | 'calibration' | 'metadata'>;

// What the library prints (emscripten's `Aborted(...)`, HDF5 diagnostics) goes to the parent as
// `{ output }` messages, kept for error causes, instead of the terminal. (Piping the worker's stdio
// with `stdout: true` instead would keep the process alive after the command finished.)
for (const stream of [process.stdout, process.stderr]) {
  stream.write = ((chunk: string | Uint8Array) => {
    parentPort?.postMessage({ output: typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8') });
    return true;
  }) as typeof stream.write;
}

const stacks = new Map<number, FrameStack>();
let nextHandle = 1;

serveWorkerRequests<Hdf5Request, { handle: number; info: Hdf5StackInfo } | Float32Array | null>(async (req) => {
  if (req.op === 'open') {
    const stack = await openHdf5InThisThread(req.path, { dataset: req.dataset });
    const handle = nextHandle++;
    stacks.set(handle, stack);
    const { path, format, count, height, width, dtype, calibration, metadata } = stack;
    return { result: { handle, info: { path, format, count, height, width, dtype, calibration, metadata } } };
  }
  const stack = stacks.get(req.handle);
  if (!stack) throw new Error(`no open file with handle ${req.handle}`);
  if (req.op === 'read') {
    const data = await stack.readFrame(req.index);
    return { result: data, transfer: [data.buffer as ArrayBuffer] as Transferable[] };
  }
  stacks.delete(req.handle);
  await stack.close();
  return { result: null };
});

await h5wasm();
parentPort?.postMessage({ ready: true });
