/**
 * `atomdyn queue add MOVIE... | --manifest movies.csv --out ROOT` and `atomdyn queue status`: a
 * BullMQ job queue on Redis (data/jobQueue.ts), one job per movie, taken by `atomdyn worker` on any
 * number of machines, each movie analysed into ROOT/<id>/ exactly as `analyze --manifest` would.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import { AtomdynError } from '../../data/errors.ts';
import { protectInput } from '../../data/atomicWrite.ts';
import { readCsv, writeCsv, type Table } from '../../data/csvTable.ts';
import { ROOT_MANIFEST, isCompleteRun } from '../../data/movieRuns.ts';
import { addMovieJobs, connectRedis, DEFAULT_QUEUE, queueCounts, redisUrl, type MovieJob } from '../../data/jobQueue.ts';
import { addMovieAnalysisOptions, prepareManifestRoot } from './analyze.ts';

/** Flags of `queue add`: the queue's and analyze's (passed to every job). */
export interface QueueAddFlags {
  out: string;
  manifest?: string;
  redis?: string;
  queue: string;
  attempts: string;
  backoffMs: string;
  [analyzeFlag: string]: string | boolean | undefined;
}

/** analyze's flags a job carries (the worker's --out replaces `out`). */
const JOB_FLAGS = ['model', 'lattice', 'material', 'species', 'centre', 'classes', 'lag', 'memory', 'seed', 'refine', 'frameRange', 'roi', 'overwrite', 'pixelSize', 'trustMetadata', 'dataset'] as const;

/** A run-folder name for a movie file: its base name without extension, other characters as '_'. */
export function movieIdOf(file: string): string {
  const base = path.basename(file).replace(/\.(ome\.tiff?|tiff?|npy|h5|hdf5|emd|hspy|dm[34]|png|jpe?g)$/i, '');
  return base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '') || 'movie';
}

/**
 * Add movie files to ROOT/movies.csv (created when absent); a movie already there (same id and
 * path) is kept as it is.
 * @throws AtomdynError(movie) when its id is taken by another file in the manifest
 */
async function addMoviesToRootManifest(movies: string[], root: string): Promise<string> {
  const file = path.join(root, ROOT_MANIFEST);
  const table: Table = existsSync(file) ? readCsv(file, ['path', 'id']) : { columns: ['path', 'id'], rows: [] };
  const byId = new Map(table.rows.map((r) => [String(r.id), path.resolve(root, String(r.path))]));
  for (const m of movies) {
    const abs = path.resolve(m);
    const id = movieIdOf(abs);
    const there = byId.get(id);
    if (there === abs) continue;
    if (there) throw new AtomdynError(m, `its run folder name '${id}' is taken by ${there} in ${file}; rename the file or use --manifest with your own ids`);
    byId.set(id, abs);
    table.rows.push(Object.fromEntries(table.columns.map((c) => [c, c === 'path' ? abs : c === 'id' ? id : ''])));
  }
  await writeCsv(file, table);
  return file;
}

/**
 * `queue add`: one job per movie (of --manifest, or the MOVIE files), skipping movies whose run is
 * already complete in ROOT (unless --overwrite). ROOT/movies.csv lists every movie (for merge).
 *
 * @returns ids queued now, already queued, and already complete
 * @throws AtomdynError for a bad manifest, a bad flag, or no Redis
 */
export async function runQueueAdd(movies: string[], flags: QueueAddFlags): Promise<{ added: string[]; present: string[]; complete: string[] }> {
  if (!movies.length && !flags.manifest) throw new AtomdynError('queue add', 'give movie files or --manifest movies.csv');
  if (movies.length && flags.manifest) throw new AtomdynError('--manifest', `give movie files or --manifest, not both (got ${movies[0]})`);
  const attempts = Number(flags.attempts), backoffMs = Number(flags.backoffMs);
  if (!Number.isInteger(attempts) || attempts < 1) throw new AtomdynError('--attempts', `must be an integer >= 1, found '${flags.attempts}'`);
  if (!Number.isFinite(backoffMs) || backoffMs < 0) throw new AtomdynError('--backoff-ms', `must be a number >= 0, found '${flags.backoffMs}'`);
  const url = redisUrl(flags.redis);
  const root = path.resolve(flags.out);
  let manifest = flags.manifest;
  if (!manifest) {
    for (const m of movies) if (!existsSync(m)) throw new AtomdynError(m, 'no such file');
    mkdirSync(root, { recursive: true });
    manifest = await addMoviesToRootManifest(movies, root);
  } else protectInput(path.resolve(manifest));
  const { entries } = await prepareManifestRoot(manifest, root);
  const wanted = movies.length ? new Set(movies.map((m) => movieIdOf(path.resolve(m)))) : null;
  const jobFlags: MovieJob['flags'] = {};
  for (const k of JOB_FLAGS) if (flags[k] !== undefined) jobFlags[k] = flags[k] as string | boolean;
  const complete: string[] = [];
  const jobs: MovieJob[] = [];
  for (const entry of entries) {
    if (wanted && !wanted.has(entry.id)) continue;
    if (!flags.overwrite && isCompleteRun(path.join(root, entry.id))) complete.push(entry.id);
    else jobs.push({ entry, flags: jobFlags });
  }
  const redis = await connectRedis(url);
  try {
    const r = await addMovieJobs(redis, flags.queue, jobs, { attempts, backoffMs });
    return { ...r, complete };
  } finally {
    redis.disconnect();
  }
}

export function register(program: Command): void {
  const queue = program
    .command('queue')
    .description('a job queue of movies on Redis (BullMQ) for atomdyn worker on many machines: queue add, queue status')
    .addHelpText('after', '\nRedis: --redis URL, or ATOMDYN_REDIS, else redis://127.0.0.1:6379 (Debian: apt-get install redis-server).\n' +
      'Example: atomdyn queue add --manifest movies.csv --out /shared/runs\n' +
      '         atomdyn worker --out /shared/runs --exit-when-empty     # on each machine\n' +
      '         atomdyn merge /shared/runs --out pooled');
  const add = queue
    .command('add')
    .description('queue one job per movie (of --manifest, or the MOVIE files; id = file name) to be analysed into OUT/<id>/; movies whose run is complete are not queued, a movie already queued is not queued twice')
    .argument('[movies...]', 'movie files (or --manifest)')
    .requiredOption('--out <root>', 'the root of one run folder per movie, seen by every worker (a shared file system); OUT/movies.csv lists the movies for merge')
    .option('--manifest <movies.csv>', 'the movies of a manifest (path, id, material, dose_rate_e_per_A2_s, frame_time_s, pixel_size_pm, ...)')
    .option('--redis <url>', 'Redis address, e.g. redis://labserver:6379 (default: ATOMDYN_REDIS, else redis://127.0.0.1:6379)')
    .option('--queue <name>', 'queue name', DEFAULT_QUEUE)
    .option('--attempts <n>', 'tries per movie before it counts as failed (bad input fails at once)', '3')
    .option('--backoff-ms <ms>', 'delay before the first retry, doubled at each retry, ms', '10000');
  addMovieAnalysisOptions(add)
    .option('--overwrite', 'queue complete movies too and replace their runs')
    .action(async (movies: string[], flags: QueueAddFlags) => {
      const r = await runQueueAdd(movies, flags);
      process.stdout.write(`${r.added.length} movies queued, ${r.present.length} already queued, ${r.complete.length} already complete; start workers: atomdyn worker --out ${flags.out}\n`);
    });
  queue
    .command('status')
    .description('jobs waiting, running, delayed (retry backoff) and failed (with the reason); with --out, the complete runs in ROOT')
    .option('--redis <url>', 'Redis address (default: ATOMDYN_REDIS, else redis://127.0.0.1:6379)')
    .option('--queue <name>', 'queue name', DEFAULT_QUEUE)
    .option('--out <root>', 'also count the complete runs of ROOT/movies.csv')
    .action(async (flags: { redis?: string; queue: string; out?: string }) => {
      const redis = await connectRedis(redisUrl(flags.redis));
      try {
        const { counts, failed } = await queueCounts(redis, flags.queue);
        const lines = [`queue ${flags.queue}: ${counts.waiting + counts.prioritized} waiting, ${counts.active} running, ${counts.delayed} delayed (retry), ${counts.failed} failed`];
        for (const f of failed) lines.push(`  failed ${f.id}: ${f.reason}`);
        if (flags.out) {
          const file = path.join(path.resolve(flags.out), ROOT_MANIFEST);
          if (!existsSync(file)) throw new AtomdynError(flags.out, `no ${ROOT_MANIFEST} (not a queue root)`);
          const ids = readCsv(file, ['id']).rows.map((r) => String(r.id));
          lines.push(`${flags.out}: ${ids.filter((id) => isCompleteRun(path.join(path.resolve(flags.out!), id))).length} of ${ids.length} movies complete`);
        }
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        redis.disconnect();
      }
    });
}
