/**
 * Memory between the steps of a long pipeline. V8 lets garbage pile up to a multiple of the live heap
 * before it runs a full collection, so the garbage one step leaves behind (per-frame buffers, parsed
 * rows) is still there when the next step allocates its own, and the two add up in the peak resident
 * memory. {@link collectGarbage} runs a full collection at a step boundary, where it costs a few tens
 * of milliseconds and nothing is in flight. It uses `globalThis.gc` when Node was started with
 * `--expose-gc`, else the same function obtained as jest-leak-detector does (V8's `--expose-gc` flag
 * set at run time, `gc` read from a fresh context, the flag reset); where neither works it does nothing.
 *
 * A collection frees memory to the C allocator, not to the system: glibc's malloc keeps the pages it
 * got (typed arrays' backing stores, the locate workers' onnxruntime sessions and arenas, libvips'
 * buffers) for reuse, in the main heap and in one arena per thread that ever allocated, and returns
 * them only where a whole free stretch sits at the top of one. After a 60-frame `analyze` had located
 * its atoms, some 130 MiB of its 390 MiB resident were such free pages. {@link releaseMemory} therefore
 * follows the collection with glibc's `malloc_trim(0)`, which hands every free page of every arena back
 * (Linux `madvise(MADV_DONTNEED)`): on the 60-frame movie the resident memory between the steps fell
 * from about 390 to 250 MiB. It is called through koffi (a foreign-function interface shipped with
 * prebuilt binaries), loaded on first use; where there is no glibc (macOS, Windows, musl) or koffi does
 * not load, only the collection runs.
 */
import { createRequire } from 'node:module';
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

/** What {@link heldBytes} read after the last release made here. */
let heapAfterLast = 0;
let trimFunction: ((pad: number) => number) | null | undefined;

/** glibc's `int malloc_trim(size_t pad)` through koffi, or null where there is none (loaded once). */
function findMallocTrim(): ((pad: number) => number) | null {
  if (process.platform !== 'linux') return null;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as { load(name: string): { func(signature: string): (pad: number) => number } };
    return koffi.load('libc.so.6').func('int malloc_trim(size_t pad)'); // musl has no libc.so.6: throws
  } catch {
    return null;
  }
}

/**
 * Hand the C allocator's free pages back to the system: glibc's `malloc_trim(0)` (see the module
 * comment). Takes a few to a few tens of milliseconds (it walks every arena); safe while other threads
 * allocate (each arena is locked in turn). Use {@link releaseMemory} to collect garbage first.
 * @returns true when the allocator released at least one page, false when it released none or there is
 *   no glibc (or koffi does not load)
 */
export function trimAllocator(): boolean {
  if (trimFunction === undefined) trimFunction = findMallocTrim();
  return trimFunction ? trimFunction(0) === 1 : false;
}

/**
 * A full garbage collection ({@link collectGarbage}), then the allocator's free pages handed back to the
 * system ({@link trimAllocator}): the resident memory a step leaves goes before the next step allocates.
 * For step boundaries of a long pipeline (some tens of milliseconds).
 * @returns whether a collection ran and whether pages were released
 */
export function releaseMemory(): { collected: boolean; trimmed: boolean } {
  const collected = collectGarbage();
  const trimmed = trimAllocator();
  heapAfterLast = heldBytes();
  return { collected, trimmed };
}

/**
 * Bytes the JavaScript heap's old generation uses (every space but the young generation's, whose garbage
 * a scavenge frees at little cost) plus the external memory V8 knows of (typed arrays' backing stores).
 */
function heldBytes(): number {
  let used = 0;
  for (const s of v8.getHeapSpaceStatistics()) if (!s.space_name.startsWith('new_')) used += s.space_used_size;
  return used + ((v8.getHeapStatistics() as v8.HeapInfo & { external_memory?: number }).external_memory ?? 0);
}

/**
 * {@link releaseMemory} only where the memory V8 holds (its old generation plus typed arrays' backing
 * stores, {@link heldBytes}) has grown by more than `bytes` since the last release: for a loop over
 * parts of uneven weight (the report's sections, the frames of a long movie), whose garbage V8 would
 * otherwise let pile up to a multiple of the live heap before collecting. A collection with some 50 MB
 * live and the trim take a few tens of milliseconds; below the threshold this costs one read of V8's
 * heap statistics.
 * @param bytes growth that triggers a release (default 16 MB)
 * @returns true when a collection ran
 */
export function collectGarbageIfGrown(bytes = 16e6): boolean {
  if (heldBytes() <= heapAfterLast + bytes) return false;
  return releaseMemory().collected;
}
