/**
 * Shards of a movie manifest, for job arrays (`atomdyn analyze --manifest movies.csv --shard I/N`,
 * I = `$SLURM_ARRAY_TASK_ID`, submitted with `sbatch --array=0-<N-1>`; docs/slurm-array.sh).
 * Shard I of N takes the manifest rows k (0-based, file order) with k mod N = I: round robin, so the
 * N shards partition any manifest exactly once, differ in size by at most one movie, and a movie
 * appended at the end of the manifest leaves every earlier movie in the shard it was in.
 */
import { AtomdynError } from './errors.ts';

/** One shard: index (0-based) and count. */
export interface Shard {
  /** Shard index, 0 <= index < count. */
  index: number;
  /** Number of shards, >= 1. */
  count: number;
}

/**
 * Parse `I/N` (e.g. `3/16`; I = 0..N-1).
 *
 * @param text the flag value
 * @param source what to name in the error (default `--shard`)
 * @throws AtomdynError(source) unless I and N are integers with N >= 1 and 0 <= I < N
 */
export function parseShard(text: string, source = 'shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new AtomdynError(source, `expected I/N with integers, e.g. 0/8 (I = $SLURM_ARRAY_TASK_ID of sbatch --array=0-7), found '${text}'`);
  const index = Number(m[1]), count = Number(m[2]);
  if (count < 1) throw new AtomdynError(source, `the number of shards N must be >= 1, found '${text}'`);
  if (index >= count) throw new AtomdynError(source, `the shard index I must be 0..${count - 1} (sbatch --array=0-${count - 1}), found '${text}'`);
  return { index, count };
}

/**
 * The items of one shard: those at positions k with k mod count = index, in their order.
 *
 * @param items all items (e.g. manifest entries), in manifest order
 * @param shard the shard (from {@link parseShard})
 * @returns a new array; the shards 0..count-1 together hold every item exactly once
 */
export function shardItems<T>(items: readonly T[], shard: Shard): T[] {
  return items.filter((_, k) => k % shard.count === shard.index);
}
