/**
 * `atomdyn worker --out ROOT`: take movie jobs from the Redis queue (data/jobQueue.ts) and analyse
 * each into ROOT/<id>/ through analyze's own per-movie function (the same code path as
 * `analyze --manifest`). Start any number, on any machines that see ROOT.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { AtomdynError } from '../../data/errors.ts';
import { connectRedis, DEFAULT_QUEUE, redisUrl, runWorker } from '../../data/jobQueue.ts';
import { analyseManifestEntry, analyzeErrorLine, type AnalyzeFlags } from './analyze.ts';

/** Flags of `atomdyn worker`. */
export interface WorkerFlags {
  out: string;
  redis?: string;
  queue: string;
  concurrency: string;
  exitWhenEmpty?: boolean;
  lockMs: string;
  stalledMs: string;
}

function positiveInt(v: string, flag: string, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new AtomdynError(flag, `must be an integer >= ${min}, found '${v}'`);
  return n;
}

/**
 * Run one worker until stopped (SIGINT/SIGTERM: running jobs finish first) or, with
 * --exit-when-empty, until no job waits or runs anywhere.
 * @returns the movie ids this worker analysed, skipped (complete already) and failed
 * @throws AtomdynError for a bad flag or no Redis
 */
export async function runWorkerCommand(flags: WorkerFlags, log: (line: string) => void = (l) => { if (!process.env.ATOMDYN_QUIET) process.stderr.write(l + '\n'); }): Promise<{ analysed: string[]; skipped: string[]; failed: string[] }> {
  const concurrency = positiveInt(flags.concurrency, '--concurrency');
  const lockDurationMs = positiveInt(flags.lockMs, '--lock-ms', 100);
  const stalledIntervalMs = positiveInt(flags.stalledMs, '--stalled-ms', 100);
  const root = path.resolve(flags.out);
  const redis = await connectRedis(redisUrl(flags.redis));
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    log(`worker ${process.pid}: queue ${flags.queue}, runs into ${root}`);
    return await runWorker(redis, flags.queue, (job) => analyseManifestEntry(job.entry, root, { ...(job.flags as unknown as AnalyzeFlags), out: root }), {
      concurrency, exitWhenEmpty: flags.exitWhenEmpty, lockDurationMs, stalledIntervalMs, signal: abort.signal,
      log: (l) => log(`[worker ${process.pid}] ${l}`),
      describeError: analyzeErrorLine,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    redis.disconnect();
  }
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('take movie jobs from the Redis queue (atomdyn queue add) and analyse each into OUT/<id>/; run any number on any machines that see OUT; a worker killed mid-movie leaves its movie to another worker')
    .requiredOption('--out <root>', 'the root of the run folders (as given to queue add; a shared file system)')
    .option('--redis <url>', 'Redis address (default: ATOMDYN_REDIS, else redis://127.0.0.1:6379)')
    .option('--queue <name>', 'queue name', DEFAULT_QUEUE)
    .option('--concurrency <n>', 'movies at once in this worker', '1')
    .option('--exit-when-empty', 'stop once no movie waits or runs in the queue (batch use); default: wait for jobs until Ctrl-C')
    .option('--lock-ms <ms>', "a job's lock, renewed every half while the worker lives; a killed worker's movie goes to another after it lapses", '30000')
    .option('--stalled-ms <ms>', 'how often to look for movies of killed workers, ms', '30000')
    .addHelpText('after', '\nExample: atomdyn worker --out /shared/runs --redis redis://labserver:6379 --exit-when-empty\nThen: atomdyn queue status; atomdyn merge /shared/runs --out pooled')
    .action(async (flags: WorkerFlags) => {
      const r = await runWorkerCommand(flags);
      process.stdout.write(`${r.analysed.length} movies analysed, ${r.skipped.length} already complete, ${r.failed.length} failed\n`);
      if (r.failed.length) throw new AtomdynError('worker', `${r.failed.length} movies failed (${r.failed.join('; ')})`);
    });
}
