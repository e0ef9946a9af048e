/**
 * The worker thread that runs the HDF5 library for one file (started by data/readers/hdf5Isolation.ts
 * through bin/tsWorker.mjs). Requests, one at a time:
 * - `{ op: 'open', path, dataset }` -> the stack's description (path, format, count, height, width,
 *   dtype, calibration, metadata)
 * - `{ op: 'read', index }` -> frame `index` as float32 `[height * width]` (its buffer is transferred)
 * - `{ op: 'close' }` -> closes the file
 * Once the library is loaded the worker posts `{ ready: true }` (the parent's time limits start then).
 * Errors go back as `{ name, message, source }`; the parent turns them into AtomdynErrors.
 */
import { parentPort, type Transferable } from 'node:worker_threads';
import { serveWorkerRequests } from '../workerPool.ts';
import type { FrameStack } from '../frameStack.ts';
import { openHdf5InThisThread } from './hdf5.ts';
import { h5wasm } from './h5wasmNode.ts';

/** A request to the HDF5 worker. */
export type Hdf5Request = { op: 'open'; path: string; dataset?: string } | { op: 'read'; index: number } | { op: 'close' };

/** The description of an opened stack (everything of a FrameStack but its methods). */
export type Hdf5StackInfo = Pick<FrameStack, 'path' | 'format' | 'count' | 'height' | 'width' | 'dtype' | 'calibration' | 'metadata'>;

let stack: FrameStack | null = null;

serveWorkerRequests<Hdf5Request, Hdf5StackInfo | Float32Array | null>(async (req) => {
  if (req.op === 'open') {
    stack = await openHdf5InThisThread(req.path, { dataset: req.dataset });
    const { path, format, count, height, width, dtype, calibration, metadata } = stack;
    return { result: { path, format, count, height, width, dtype, calibration, metadata } };
  }
  if (req.op === 'read') {
    if (!stack) throw new Error('no file open');
    const data = await stack.readFrame(req.index);
    return { result: data, transfer: [data.buffer as ArrayBuffer] as Transferable[] };
  }
  await stack?.close();
  stack = null;
  return { result: null };
});

await h5wasm();
parentPort?.postMessage({ ready: true });
