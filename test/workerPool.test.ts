import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
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

  it('close(graceMs) lets each worker free what it holds before it ends, and terminates one that does not end', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-pool-'));
    const closedFile = path.join(dir, 'closed');
    const pool = new WorkerPool<Float32Array, Float32Array>(path.resolve('test/fixtures/echoWorker.ts'), 2, { factor: 2, closedFile });
    expect(Array.from(await pool.run(Float32Array.from([1])))).toEqual([2]);
    await pool.close(5000);
    expect([0, 1].map((i) => existsSync(`${closedFile}.${i}`))).toEqual([true, true]);
    // without a grace period the workers are terminated: nothing is freed
    const abrupt = new WorkerPool<Float32Array, Float32Array>(path.resolve('test/fixtures/echoWorker.ts'), 1, { factor: 2, closedFile: `${closedFile}-abrupt` });
    expect(Array.from(await abrupt.run(Float32Array.from([1])))).toEqual([2]);
    await abrupt.close();
    expect(existsSync(`${closedFile}-abrupt.0`)).toBe(false);
    await expect(pool.run(Float32Array.from([1]))).rejects.toThrow('closed');
    const hanging = new WorkerPool<Float32Array, Float32Array>(path.resolve('test/fixtures/echoWorker.ts'), 1, { factor: 2, hangOnClose: true });
    expect(Array.from(await hanging.run(Float32Array.from([3])))).toEqual([6]);
    const t0 = Date.now();
    await hanging.close(300);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
