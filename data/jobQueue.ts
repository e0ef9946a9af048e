/**
 * A job queue of movies on Redis (BullMQ, https://docs.bullmq.io): `atomdyn queue add` puts one job
 * per movie of a manifest, `atomdyn worker` (on any number of machines) takes them and analyses each
 * movie into `ROOT/<id>/`. Delivery is at least once: a worker killed mid-job loses its lock, and
 * BullMQ's stalled-job check (every `stalledIntervalMs`, run by the other workers) puts the job
 * back for another worker. Jobs are idempotent because a movie's run folder is complete or absent
 * (data/runFolder.ts): a second delivery finds the complete run and skips it, or replaces a partial
 * one whole. Failures are retried with exponential backoff, except bad input (AtomdynError), which
 * fails at once. The processor is injected (the CLI passes `analyze`'s), so this module stays library code.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { AtomdynError } from './errors.ts';
import type { ManifestEntry } from './manifest.ts';

/** Default queue name. */
export const DEFAULT_QUEUE = 'atomdyn';
/** Redis address used when neither `--redis` nor `ATOMDYN_REDIS` is given. */
export const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

/** The data of one job: a manifest row and the analyze flags (plain JSON). */
export interface MovieJob {
  /** The manifest row (absolute path). */
  entry: ManifestEntry;
  /** analyze's flags as given to `queue add` (classes, lag, seed, model, ...); `out` is the worker's. */
  flags: Record<string, string | boolean>;
}

/** Timing of the locks and retries (ms); the defaults suit real movies, tests shorten them. */
export interface QueueTiming {
  /** How long a job's lock lasts without renewal (BullMQ lockDuration; renewed every half). Default 30 000. */
  lockDurationMs?: number;
  /** How often workers look for jobs whose lock expired (BullMQ stalledInterval). Default 30 000. */
  stalledIntervalMs?: number;
  /** Tries per job, the first included (retries = attempts - 1). Default 3. */
  attempts?: number;
  /** First retry delay; doubled at each retry (exponential backoff). Default 10 000. */
  backoffMs?: number;
}

/**
 * The Redis address: the flag, else `ATOMDYN_REDIS`, else redis://127.0.0.1:6379.
 * @throws AtomdynError('redis') unless it is a redis:// or rediss:// URL
 */
export function redisUrl(flag?: string): string {
  const url = flag ?? process.env.ATOMDYN_REDIS ?? DEFAULT_REDIS;
  if (!/^rediss?:\/\/[^\s]+$/.test(url)) throw new AtomdynError(flag !== undefined ? 'redis' : 'ATOMDYN_REDIS', `expected a URL like redis://host:6379, found '${url}'`);
  return url;
}

/**
 * Connect to Redis and check it answers (within `timeoutMs`).
 * @throws AtomdynError('redis') when it does not answer
 */
export async function connectRedis(url: string, timeoutMs = 5000): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: timeoutMs, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw AtomdynError.forOption('redis', `no Redis answers at ${url} (${(err as Error).message}); start one (redis-server, see README) or give \`redis\` / ATOMDYN_REDIS`);
  }
  // reconnect after a drop once the first connection worked
  redis.options.retryStrategy = (times: number) => Math.min(times * 200, 5000);
  return redis;
}

/** The BullMQ job id of a movie (BullMQ refuses plain integers as custom ids). */
export function jobId(movieId: string): string {
  return `movie-${movieId}`;
}

/**
 * Queue one job per movie; a movie already waiting, delayed or running is not queued twice (the
 * job id is the movie id). Finished jobs are removed from Redis (the run folder is the record).
 *
 * @returns the job ids queued now and those already present
 */
export async function addMovieJobs(redis: Redis, queueName: string, jobs: MovieJob[], timing: QueueTiming = {}): Promise<{ added: string[]; present: string[] }> {
  const queue = new Queue<MovieJob>(queueName, { connection: redis });
  try {
    const added: string[] = [], present: string[] = [];
    for (const job of jobs) {
      const id = jobId(job.entry.id);
      const existing = await queue.getJob(id);
      if (existing && !(await existing.isCompleted()) && !(await existing.isFailed())) {
        present.push(job.entry.id);
        continue;
      }
      if (existing) await existing.remove();
      await queue.add(job.entry.id, job, {
        jobId: id, attempts: timing.attempts ?? 3, backoff: { type: 'exponential', delay: timing.backoffMs ?? 10_000 },
        removeOnComplete: true, removeOnFail: false,
      });
      added.push(job.entry.id);
    }
    return { added, present };
  } finally {
    await queue.close();
  }
}

/** Job counts of a queue (BullMQ states). */
export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  prioritized: number;
}

/** The job counts of a queue, and the failed jobs' movie ids with their last error. */
export async function queueCounts(redis: Redis, queueName: string): Promise<{ counts: QueueCounts; failed: Array<{ id: string; reason: string }> }> {
  const queue = new Queue<MovieJob>(queueName, { connection: redis });
  try {
    const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
    const failedJobs = await queue.getFailed(0, 99);
    return {
      counts: { waiting: c.waiting ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0, completed: c.completed ?? 0, prioritized: c.prioritized ?? 0 },
      failed: failedJobs.map((j) => ({ id: j.data.entry.id, reason: j.failedReason })),
    };
  } finally {
    await queue.close();
  }
}

/** What a worker does with one movie: 'analysed' or 'skipped' (complete run there); AtomdynError for bad input. */
export type MovieProcessor = (job: MovieJob) => Promise<'analysed' | 'skipped'>;

/** Options of {@link runWorker}. */
export interface WorkerOptions extends QueueTiming {
  /** Jobs at once in this process. Default 1. */
  concurrency?: number;
  /** Stop once no job is waiting, delayed or active anywhere (checked every `pollMs`). */
  exitWhenEmpty?: boolean;
  /** Period of the empty check, ms. Default 500. */
  pollMs?: number;
  /** One line per event (job started, done, failed). */
  log?: (line: string) => void;
  /** Stops the worker when aborted (e.g. on SIGINT/SIGTERM): running jobs finish first. */
  signal?: AbortSignal;
  /** How a failed movie's AtomdynError is written in the log and the failed list (default: its message; the CLI maps option names to flags). */
  describeError?: (err: AtomdynError) => string | Promise<string>;
}

/**
 * Take jobs from the queue until stopped (or, with `exitWhenEmpty`, until the queue is empty) and
 * run `process` on each. A processor's AtomdynError fails the job at once (bad input is not
 * retried); any other error is retried with backoff up to the job's attempts.
 *
 * @returns the movie ids this worker analysed, skipped and failed (with the message)
 */
export async function runWorker(redis: Redis, queueName: string, process: MovieProcessor, options: WorkerOptions = {}): Promise<{ analysed: string[]; skipped: string[]; failed: string[] }> {
  const log = options.log ?? (() => {});
  const analysed: string[] = [], skipped: string[] = [], failed: string[] = [];
  const worker = new Worker<MovieJob>(queueName, async (job: Job<MovieJob>) => {
    const id = job.data.entry.id;
    log(`${id}: started (try ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1})`);
    try {
      const r = await process(job.data);
      (r === 'skipped' ? skipped : analysed).push(id);
      log(`${id}: ${r === 'skipped' ? 'complete run there, skipped' : 'analysed'}`);
      return r;
    } catch (err) {
      const text = err instanceof AtomdynError && options.describeError ? await options.describeError(err) : (err as Error).message;
      log(`${id}: failed: ${text}`);
      if (err instanceof AtomdynError) {
        failed.push(`${id}: ${text}`);
        throw new UnrecoverableError(text);
      }
      throw err;
    }
  }, {
    connection: redis, concurrency: options.concurrency ?? 1, autorun: false,
    lockDuration: options.lockDurationMs ?? 30_000, stalledInterval: options.stalledIntervalMs ?? 30_000, maxStalledCount: 3,
  });
  worker.on('error', (err) => log(`worker: ${err.message}`));
  const running = worker.run();
  const queue = new Queue<MovieJob>(queueName, { connection: redis });
  const stop = () => void worker.close();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    if (options.exitWhenEmpty) {
      const poll = options.pollMs ?? 500;
      while (!worker.closing && !options.signal?.aborted) {
        await new Promise((r) => setTimeout(r, poll));
        const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
        if (Object.values(c).every((n) => !n)) break;
      }
      await worker.close();
    }
    await running;
  } finally {
    options.signal?.removeEventListener('abort', stop);
    await queue.close();
  }
  return { analysed, skipped, failed };
}
