/**
 * Memory between the steps of a long pipeline. V8 lets garbage pile up to a multiple of the live heap
 * before it runs a full collection, so the garbage one step leaves behind (per-frame buffers, parsed
 * rows) is still there when the next step allocates its own, and the two add up in the peak resident
 * memory. {@link collectGarbage} runs a full collection at a step boundary, where it costs a few tens
 * of milliseconds and nothing is in flight. It uses `globalThis.gc` when Node was started with
 * `--expose-gc`, else the same function obtained as jest-leak-detector does (V8's `--expose-gc` flag
 * set at run time, `gc` read from a fresh context, the flag reset); where neither works it does nothing.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let gcFunction: (() => void) | null | undefined;

function findGc(): (() => void) | null {
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as () => void;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    v8.setFlagsFromString('--no-expose-gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

/**
 * Run a full garbage collection now (see the module comment).
 * @returns true when one ran, false where the runtime offers none
 */
export function collectGarbage(): boolean {
  if (gcFunction === undefined) gcFunction = findGc();
  if (!gcFunction) return false;
  gcFunction();
  return true;
}
