/**
 * Tests of data/memory.ts: collectGarbage runs a full collection, so an object reachable only through a
 * WeakRef is gone after it (observed through the WeakRef, not through timing or sizes).
 */
import { describe, expect, it } from 'vitest';
import { collectGarbage, collectGarbageIfGrown } from '../data/memory.ts';

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
    const held = Array.from({ length: 200000 }, (_, i) => ({ v: [i, i + 1, i + 2] })); // some 20 MB, live
    expect(collectGarbageIfGrown(4e6)).toBe(true);
    expect(held.length).toBe(200000);
    expect(collectGarbageIfGrown(4e6)).toBe(false); // nothing new since
  });
});
