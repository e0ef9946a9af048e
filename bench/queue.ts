/**
 * Job-queue benchmark (issue 19), on a running Redis (ATOMDYN_REDIS, else redis://127.0.0.1:6379;
 * start one with `redis-server --port 6379 --save '' --appendonly no`): Redis memory per queued movie
 * job (INFO memory, used_memory before and after queueing 2 000 jobs), the queue's own overhead
 * (jobs per second through one worker with a processor that does nothing), and the throughput of
 * one worker analysing simulated movies (5 frames of 128 x 128) beside `analyze --manifest` on the
 * same movies in the same process (the baseline without a queue).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addMovieJobs, connectRedis, redisUrl, runWorker, type MovieJob } from '../data/jobQueue.ts';
import { readManifest } from '../data/manifest.ts';
import { buildProgram } from '../cli/main.ts';
import { analyseManifestEntry, runManifest } from '../cli/commands/analyze.ts';

const url = redisUrl();
const redis = await connectRedis(url);
const rows: Array<[string, string]> = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-bench-queue-'));
process.env.ATOMDYN_QUIET = '1';
const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);

// 1. memory per queued job: a manifest row like a real one (absolute path, 8 metadata columns)
const n = 2000;
const fake = (k: number): MovieJob => ({
  entry: { id: `movie-${k}`, path: `/scratch/lab/2026-11-30/session-${k % 7}/movie-${k}.emd`, material: 'graphene-si', doseRateEPerA2S: 1.5e5, frameTimeS: 0.5, pixelSizePm: 12.5,
    metadata: { path: `session-${k % 7}/movie-${k}.emd`, id: `movie-${k}`, material: 'graphene-si', dose_rate_e_per_A2_s: '150000', frame_time_s: '0.5', pixel_size_pm: '12.5', session: `day${k % 7}`, operator: 'ab' }, line: k + 2 },
  flags: { classes: 'auto', lag: '1', seed: '0', model: 'graphene-si' },
});
await redis.del(...(await redis.keys('bull:bench-mem:*')), 'bench-none');
const before = await used();
let t = performance.now();
await addMovieJobs(redis, 'bench-mem', Array.from({ length: n }, (_, k) => fake(k)));
const addS = (performance.now() - t) / 1000;
const perJob = (await used() - before) / n;
rows.push(['Redis memory per queued movie job', `${(perJob / 1024).toFixed(2)} KiB (${n} jobs: ${((perJob * n) / 2 ** 20).toFixed(1)} MiB)`]);
rows.push(['queue add', `${(n / addS).toFixed(0)} jobs/s`]);

// 2. queue overhead: the same jobs through one worker doing nothing
t = performance.now();
await runWorker(redis, 'bench-mem', async () => 'skipped', { exitWhenEmpty: true, pollMs: 100, concurrency: 1 });
rows.push(['worker, empty processor (queue overhead)', `${(n / ((performance.now() - t) / 1000)).toFixed(0)} jobs/s`]);
await redis.del(...(await redis.keys('bull:bench-mem:*')), 'bench-none');

// 3. one worker analysing movies, beside analyze --manifest without a queue
const m = 3;
for (let k = 0; k < m; k++) {
  const program = await buildProgram();
  await program.parseAsync(['node', 'atomdyn', 'simulate', '--lattice', 'graphene', '--movie', '--frames', '5', '--size', '128', '--dopants', '2', '--seed', String(10 + k), '--out', path.join(dir, `sim-${k}`)]);
}
writeFileSync(path.join(dir, 'movies.csv'), 'path,id\n' + Array.from({ length: m }, (_, k) => `sim-${k}/movie.tif,m${k}`).join('\n') + '\n');
const flags = { classes: '2', lag: '1', seed: '1', model: 'graphene-si' };
const log = console.log;
console.log = () => {};
// warm-up (model load) outside the timings
await runManifest(path.join(dir, 'movies.csv'), { ...flags, out: path.join(dir, 'warm'), shard: `0/${m}` }, () => {});
t = performance.now();
await runManifest(path.join(dir, 'movies.csv'), { ...flags, out: path.join(dir, 'baseline') }, () => {});
const baseS = (performance.now() - t) / 1000 / m;
const root = path.join(dir, 'queued');
await redis.del(...(await redis.keys('bull:bench-run:*')), 'bench-none');
await addMovieJobs(redis, 'bench-run', readManifest(path.join(dir, 'movies.csv')).map((entry) => ({ entry, flags })));
t = performance.now();
await runWorker(redis, 'bench-run', (j) => analyseManifestEntry(j.entry, root, { ...flags, out: root }), { exitWhenEmpty: true, pollMs: 100 });
const queueS = (performance.now() - t) / 1000 / m;
console.log = log;
rows.push([`analyze --manifest (baseline, no queue), ${m} movies 5 x 128 x 128`, `${baseS.toFixed(1)} s per movie (${(3600 / baseS).toFixed(0)} movies/h)`]);
rows.push([`one queue worker, same movies`, `${queueS.toFixed(1)} s per movie (${(3600 / queueS).toFixed(0)} movies/h)`]);
rows.push(['machine', `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg()[0].toFixed(1)}`]);
redis.disconnect();
rmSync(dir, { recursive: true, force: true });
const w = Math.max(...rows.map((r) => r[0].length));
for (const [k, v] of rows) process.stdout.write(`${k.padEnd(w)}  ${v}\n`);
