import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { WorkerPool, WORKER_YOUNG_GENERATION_MB } from '../data/workerPool.ts';

describe('WorkerPool', () => {
  it('runs TypeScript workers in parallel, keeps request/answer pairing, and reports errors', async () => {
    const pool = new WorkerPool<Float32Array, Float32Array>(path.resolve('test/fixtures/echoWorker.ts'), 2, { factor: 3 });
    try {
      const inputs = Array.from({ length: 7 }, (_, i) => Float32Array.from([i, i + 0.5]));
      const outs = await Promise.all(inputs.map((a) => pool.run(a)));
      outs.forEach((o, i) => expect(Array.from(o)).toEqual([3 * i, 3 * (i + 0.5)]));
      await expect(pool.run(Float32Array.from([-1]))).rejects.toThrow('negative input');
      expect(Array.from(await pool.run(Float32Array.from([2])))).toEqual([6]);
      // every worker runs with the young generation capped (data/workerPool.ts WORKER_YOUNG_GENERATION_MB)
      const limits = await Promise.all([pool.run(new Float32Array(0)), pool.run(new Float32Array(0))]);
      expect(limits.map((l) => l[0])).toEqual([WORKER_YOUNG_GENERATION_MB, WORKER_YOUNG_GENERATION_MB]);
      expect(WORKER_YOUNG_GENERATION_MB).toBe(8);
    } finally {
      await pool.close();
    }
  });
});
