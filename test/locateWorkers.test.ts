/**
 * The default number of locate's worker threads (inference/locate.ts defaultLocateWorkers): none where a
 * worker's start-up is not repaid or the backend is multi-threaded itself, workers x threads <= cores,
 * at most 4, never a lone worker where two are not repaid; within a memory budget (which may leave one).
 */
import { describe, expect, it } from 'vitest';
import { defaultLocateWorkers, workerMemoryBudgetMb, workerMemoryMb, WORKER_MIN_MODEL_PIXELS } from '../inference/locate.ts';

const wasm = { name: 'wasm', threads: 1 };

describe('defaultLocateWorkers', () => {
  it('runs few frames in the calling thread: 12 frames of 512 x 512 at 7.8 pm/px (the network sees 250 x 250)', () => {
    expect(defaultLocateWorkers(wasm, 12, 250 * 250, 2)).toBe(0);
    expect(defaultLocateWorkers(wasm, 20, 160 * 160, 2)).toBe(0);
    expect(defaultLocateWorkers(wasm, 1, 4096 * 4096, 16)).toBe(0);
  });

  it('starts two workers on two cores once each gets its share of work, and never one alone', () => {
    const framesFor = (k: number, px: number) => Math.ceil((k * WORKER_MIN_MODEL_PIXELS) / px);
    expect(defaultLocateWorkers(wasm, framesFor(2, 250 * 250), 250 * 250, 2)).toBe(2);
    expect(defaultLocateWorkers(wasm, framesFor(2, 250 * 250) - 1, 250 * 250, 2)).toBe(0);
    expect(defaultLocateWorkers(wasm, 300, 160 * 160, 2)).toBe(2);
    expect(defaultLocateWorkers(wasm, 10000, 160 * 160, 1)).toBe(0);
  });

  it('keeps workers x threads within the cores, at most 4, and none on the native backend', () => {
    expect(defaultLocateWorkers(wasm, 10000, 512 * 512, 16)).toBe(4);
    expect(defaultLocateWorkers(wasm, 10000, 512 * 512, 3)).toBe(3);
    expect(defaultLocateWorkers({ name: 'wasm', threads: 2 }, 10000, 512 * 512, 5)).toBe(2);
    expect(defaultLocateWorkers({ name: 'wasm', threads: 2 }, 10000, 512 * 512, 3)).toBe(0);
    expect(defaultLocateWorkers({ name: 'tensorflow', threads: 1 }, 10000, 512 * 512, 16)).toBe(0);
  });

  it('keeps the workers within the memory budget: two on 256 x 256 frames, one on 512 x 512 at 10 pm/px under 256 MB', () => {
    // 300 frames of 256 x 256 px at 10 pm/px: the network sees 160 x 160 (graphene-si, 16 pm/px)
    expect(workerMemoryMb(160 * 160)).toBeCloseTo(80.48, 6);
    expect(defaultLocateWorkers(wasm, 300, 160 * 160, 2, 256)).toBe(2);
    // 60 frames of 512 x 512 px: 320 x 320, about 142 MB a worker: one fits (and takes the network's heap with it when it ends)
    expect(defaultLocateWorkers(wasm, 60, 320 * 320, 2, 256)).toBe(1);
    expect(defaultLocateWorkers(wasm, 60, 320 * 320, 2, 300)).toBe(2);
    expect(defaultLocateWorkers(wasm, 60, 320 * 320, 2, 100)).toBe(0);
    // the memory budget never makes a lone worker where the work or the cores would not repay two
    expect(defaultLocateWorkers(wasm, 20, 160 * 160, 2, 100)).toBe(0);
    expect(defaultLocateWorkers(wasm, 10000, 160 * 160, 16, 256)).toBe(3);
    expect(defaultLocateWorkers(wasm, 10000, 160 * 160, 16, 0)).toBe(0);
  });

  it('reads the budget from ATOMDYN_WORKER_MEMORY_MB (default 256) and refuses a bad value in one line', () => {
    expect(workerMemoryBudgetMb({})).toBe(256);
    expect(workerMemoryBudgetMb({ ATOMDYN_WORKER_MEMORY_MB: '1024' })).toBe(1024);
    expect(() => workerMemoryBudgetMb({ ATOMDYN_WORKER_MEMORY_MB: 'lots' })).toThrow(/ATOMDYN_WORKER_MEMORY_MB.*must be a number of MB >= 0, got 'lots'/);
  });
});
