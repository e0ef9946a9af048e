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
 * Run a garbage collection now (see the module comment): a full one, or with `young` only the young
 * generation's (a scavenge, a few milliseconds), which frees the backing stores of short-lived typed
 * arrays. Those live outside the JavaScript heap, so a loop that makes a few small typed arrays per
 * iteration (one frame's working arrays) can hold tens of megabytes of them before the young generation
 * fills and V8 scavenges on its own.
 * @param opts `young`: the young generation only
 * @returns true when one ran, false where the runtime offers none
 */
export function collectGarbage(opts: { young?: boolean } = {}): boolean {
  if (gcFunction === undefined) gcFunction = findGc();
  if (!gcFunction) return false;
  if (opts.young) (gcFunction as (o: { type: string }) => void)({ type: 'minor' });
  else gcFunction();
  return true;
}

let heapAfterLast = 0;

/**
 * A full collection ({@link collectGarbage}) only where the JavaScript heap in use has grown by more than
 * `bytes` since the last one made here: for a loop over parts of uneven weight (the report's sections),
 * whose garbage V8 would otherwise let pile up to a multiple of the live heap before collecting. A
 * collection with some 50 MB live takes a few tens of milliseconds; below the threshold this costs one
 * read of V8's heap statistics.
 * @param bytes growth that triggers a collection (default 16 MB)
 * @returns true when a collection ran
 */
export function collectGarbageIfGrown(bytes = 16e6): boolean {
  const used = v8.getHeapStatistics().used_heap_size;
  if (used <= heapAfterLast + bytes) return false;
  const ran = collectGarbage();
  heapAfterLast = v8.getHeapStatistics().used_heap_size;
  return ran;
}
