/**
 * Tests of data/memory.ts: collectGarbage runs a full collection, so an object reachable only through a
 * WeakRef is gone after it (observed through the WeakRef, not through timing or sizes); trimAllocator
 * hands freed pages back (observed in the resident memory of this process).
 */
import { describe, expect, it } from 'vitest';
import { collectGarbage, collectGarbageIfGrown, releaseMemory, trimAllocator } from '../data/memory.ts';

describe('collectGarbage', () => {
  it('collects an unreachable object at once', async () => {
    let held: { data: Float64Array } | null = { data: new Float64Array(1000) };
    const ref = new WeakRef(held);
    held = null;
    await new Promise((r) => setTimeout(r, 0)); // WeakRef targets are kept alive until the current job ends
    expect(collectGarbage()).toBe(true);
    expect(ref.deref()).toBeUndefined();
  });

  it('collectGarbageIfGrown collects only after the heap grew by the threshold', () => {
    collectGarbageIfGrown(0); // a baseline
    expect(collectGarbageIfGrown(64e6)).toBe(false);
    const held = new Float64Array(1e6); // 8 MB, live (a typed array's backing store counts)
    expect(collectGarbageIfGrown(4e6)).toBe(true);
    expect(held.length).toBe(1e6);
    expect(collectGarbageIfGrown(4e6)).toBe(false); // nothing new since
  });

  it('trimAllocator returns the pages of freed memory to the system (glibc), which a collection alone does not', async () => {
    const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
    // 48 MB in 96 kB buffers (below glibc's mmap threshold, so from malloc's heap), one more kept after them
    let buffers: Float64Array[] | null = Array.from({ length: 500 }, () => new Float64Array(12000).fill(1));
    const kept = new Float64Array(12000).fill(2);
    expect(buffers.length).toBe(500);
    const before = rssMiB();
    buffers = null;
    await new Promise((r) => setTimeout(r, 0));
    expect(collectGarbage()).toBe(true);
    await new Promise((r) => setTimeout(r, 200)); // V8 may free the backing stores on a background thread
    const afterCollection = rssMiB();
    expect(before - afterCollection).toBeLessThan(20); // the collection alone gave the pages to malloc, not back to the system
    expect(trimAllocator()).toBe(true);
    const afterTrim = rssMiB();
    expect(afterCollection - afterTrim).toBeGreaterThan(20);
    expect(kept[0]).toBe(2);
    expect(releaseMemory().collected).toBe(true);
  });
});
