/**
 * The Redis job queue (data/jobQueue.ts, `atomdyn queue`, `atomdyn worker`) on a private
 * redis-server: jobs queued once, retried with backoff, bad input failed at once; and end to end:
 * 6 simulated movies, 2 worker processes, one killed with kill -9 mid-movie, 6 complete runs, and
 * `merge` over them equal to counting all trajectories at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AtomdynError } from '../data/errors.ts';
import { addMovieJobs, connectRedis, queueCounts, redisUrl, runWorker, type MovieJob } from '../data/jobQueue.ts';
import { buildProgram } from '../cli/main.ts';
import { runQueueAdd, movieIdOf } from '../cli/commands/queue.ts';
import { runMerge } from '../cli/commands/merge.ts';
import { readCsv } from '../data/csvTable.ts';
import { isCompleteRun } from '../data/movieRuns.ts';
import { countTransitions } from '../dynamics/kinetics/countMatrix.ts';
import { stateSequencesFromTable } from '../dynamics/kinetics/stateSequences.ts';
import { startRedis, type TestRedis } from './helpers/redisServer.ts';

let redis: TestRedis | null = null;
beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(async () => {
  await redis?.stop();
});

function job(id: string): MovieJob {
  return { entry: { id, path: `/nowhere/${id}.tif`, material: null, doseRateEPerA2S: null, frameTimeS: null, pixelSizePm: null, metadata: { id }, line: 2 }, flags: {} };
}

describe('redis address and movie ids', () => {
  it('takes --redis, else ATOMDYN_REDIS, else 127.0.0.1:6379, and refuses what is not a redis URL', () => {
    const env = process.env.ATOMDYN_REDIS;
    try {
      delete process.env.ATOMDYN_REDIS;
      expect(redisUrl()).toBe('redis://127.0.0.1:6379');
      process.env.ATOMDYN_REDIS = 'redis://lab:6380';
      expect(redisUrl()).toBe('redis://lab:6380');
      expect(redisUrl('redis://other:1')).toBe('redis://other:1');
      expect(() => redisUrl('lab:6379')).toThrow(/^redis: expected a URL like redis:\/\/host:6379/);
    } finally {
      if (env === undefined) delete process.env.ATOMDYN_REDIS;
      else process.env.ATOMDYN_REDIS = env;
    }
  });
  it('names run folders after the movie file', () => {
    expect(movieIdOf('/data/2024 run/G-dimSi.hdf5')).toBe('G-dimSi');
    expect(movieIdOf('a b(1).ome.tif')).toBe('a_b_1_');
  });
  it('says in one line that no Redis answers', async () => {
    await expect(connectRedis('redis://127.0.0.1:1', 1000)).rejects.toThrow(/^redis: no Redis answers at redis:\/\/127\.0\.0\.1:1/);
  });
});

describe('job queue on a private Redis', () => {
  it('queues a movie once, retries a failing try with backoff, fails bad input at once', async () => {
    if (!redis) return expect(process.env.CI).not.toBe('true');
    const conn = await connectRedis(redis.url);
    try {
      const q = 'unit';
      expect(await addMovieJobs(conn, q, [job('a'), job('b'), job('c')], { attempts: 3, backoffMs: 50 })).toEqual({ added: ['a', 'b', 'c'], present: [] });
      expect(await addMovieJobs(conn, q, [job('a')], { attempts: 3, backoffMs: 50 })).toEqual({ added: [], present: ['a'] });
      const tries = new Map<string, number>();
      const lines: string[] = [];
      const r = await runWorker(conn, q, async (j) => {
        const n = (tries.get(j.entry.id) ?? 0) + 1;
        tries.set(j.entry.id, n);
        if (j.entry.id === 'b' && n < 3) throw new Error('node lost the file system');
        if (j.entry.id === 'c') throw new AtomdynError(j.entry.path, 'no such file');
        return n === 1 && j.entry.id === 'a' ? 'analysed' : 'skipped';
      }, { exitWhenEmpty: true, pollMs: 50, log: (l) => lines.push(l) });
      expect(Object.fromEntries(tries)).toEqual({ a: 1, b: 3, c: 1 });
      expect(r).toEqual({ analysed: ['a'], skipped: ['b'], failed: ['c: /nowhere/c.tif: no such file'] });
      const s = await queueCounts(conn, q);
      expect(s.counts).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 1 });
      expect(s.failed).toEqual([{ id: 'c', reason: '/nowhere/c.tif: no such file' }]);
      // a failed movie can be queued again (after fixing its file)
      expect(await addMovieJobs(conn, q, [job('c')])).toEqual({ added: ['c'], present: [] });
    } finally {
      conn.disconnect();
    }
  }, 60_000);
});

/** Spawn `atomdyn worker`, collecting its stderr. */
function spawnWorker(args: string[]): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [path.resolve('bin/atomdyn.mjs'), 'worker', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ATOMDYN_QUIET: '' } });
  let err = '';
  child.stderr!.on('data', (d) => (err += String(d)));
  child.stdout!.resume();
  return { child, stderr: () => err, exit: new Promise((r) => child.once('exit', (code) => r(code))) };
}

describe('queue add, two workers, one killed with kill -9 mid-movie', () => {
  it('ends with 6 complete runs, and merge over them equals counting all trajectories at once', async () => {
    if (!redis) return expect(process.env.CI).not.toBe('true');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-queue-'));
    process.env.ATOMDYN_QUIET = '1';
    const ids = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'];
    for (const [k, id] of ids.entries()) {
      const program = await buildProgram();
      await program.parseAsync(['node', 'atomdyn', 'simulate', '--lattice', 'graphene', '--movie', '--frames', '5', '--size', '128', '--dopants', '2',
        '--transition-matrix', JSON.stringify({ states: ['si-c3', 'si-c4'], matrix: [[0.6, 0.4], [0.4, 0.6]], hop: 0 }), '--seed', String(10 + k), '--out', path.join(dir, `sim-${id}`)]);
    }
    writeFileSync(path.join(dir, 'movies.csv'), 'path,id,frame_time_s\n' + ids.map((id) => `sim-${id}/movie.tif,${id},0.5`).join('\n') + '\n');
    const root = path.join(dir, 'runs');
    const added = await runQueueAdd([], { out: root, manifest: path.join(dir, 'movies.csv'), redis: redis.url, queue: 'e2e', attempts: '3', backoffMs: '200', classes: '2', lag: '1', seed: '1', model: 'graphene-si' });
    expect(added).toEqual({ added: ids, present: [], complete: [] });
    const workerArgs = ['--out', root, '--redis', redis.url, '--queue', 'e2e', '--exit-when-empty', '--lock-ms', '2000', '--stalled-ms', '1000'];
    const a = spawnWorker(workerArgs);
    const b = spawnWorker(workerArgs);
    // kill -9 worker a as soon as it has started a movie
    let victim = '';
    for (let t = 0; t < 1200 && !victim; t++) {
      victim = /\] (m\d): started/.exec(a.stderr())?.[1] ?? '';
      if (!victim) await new Promise((r) => setTimeout(r, 100));
    }
    expect(victim).not.toBe('');
    a.child.kill('SIGKILL');
    expect(await a.exit).toBe(null);
    expect(a.stderr()).not.toContain(`${victim}: analysed`);
    expect(await b.exit).toBe(0);
    // the killed worker's movie was taken over by worker b
    expect(b.stderr()).toMatch(new RegExp(`\\] ${victim}: (analysed|complete run there, skipped)`));
    for (const id of ids) expect(isCompleteRun(path.join(root, id))).toBe(true);
    expect(readdirSync(root).filter((n) => !ids.includes(n) && n !== 'movies.csv' && !n.startsWith('.'))).toEqual([]);
    const conn = await connectRedis(redis.url);
    try {
      expect((await queueCounts(conn, 'e2e')).counts).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    } finally {
      conn.disconnect();
    }
    // a second delivery of every movie skips them whole
    expect((await runQueueAdd([], { out: root, manifest: path.join(dir, 'movies.csv'), redis: redis.url, queue: 'e2e', attempts: '3', backoffMs: '200' })).complete).toEqual(ids);
    const out = path.join(dir, 'pooled');
    await runMerge(root, { counting: 'sliding', seed: '0', samples: '100', out }, ['merge']);
    const doc = JSON.parse(readFileSync(path.join(out, 'pooled.json'), 'utf8'));
    expect(doc.movies.map((m: { id: string }) => m.id)).toEqual(ids);
    const rows = ids.flatMap((id, k) => readCsv(path.join(out, 'classify', id, 'configurations.csv')).rows.map((row) => ({ ...row, particle: (row.particle as number) + 10000 * k })));
    const all = stateSequencesFromTable({ columns: Object.keys(rows[0]), rows }, 'all');
    expect(doc.states).toEqual(all.names);
    expect(doc.model.counts).toEqual(countTransitions(all, 1).counts);
    expect(existsSync(path.join(out, 'report.html'))).toBe(true);
  }, 600_000);
});
