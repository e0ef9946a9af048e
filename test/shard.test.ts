/** Shards of a manifest for job arrays (data/shard.ts) and `analyze --manifest --shard I/N`. */
import { sharedData } from './sharedData.ts';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseShard, shardItems } from '../data/shard.ts';
import { runManifest } from '../cli/commands/analyze.ts';
import { readCsv } from '../data/csvTable.ts';
import { Random } from '../data/random.ts';

describe('parseShard', () => {
  it('reads I/N with 0 <= I < N', () => {
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 });
    expect(parseShard(' 15 / 16 ')).toEqual({ index: 15, count: 16 });
  });
  it('refuses anything else with one line naming --shard', () => {
    expect(() => parseShard('16/16')).toThrow(/^shard: the shard index I must be 0\.\.15 \(sbatch --array=0-15\)/);
    expect(() => parseShard('0/0')).toThrow(/^shard: the number of shards N must be >= 1/);
    for (const bad of ['1', '-1/4', '1.5/4', 'a/b', '', '1/4/2']) expect(() => parseShard(bad)).toThrow(/^shard: expected I\/N/);
  });
});

describe('shardItems', () => {
  it('partitions any manifest exactly once, in order, with shard sizes differing by at most one', () => {
    const rng = new Random(19);
    for (let trial = 0; trial < 200; trial++) {
      const n = rng.int(60);
      const count = 1 + rng.int(20);
      const items = Array.from({ length: n }, (_, k) => `movie-${k}-${rng.int(1e6)}`);
      const shards = Array.from({ length: count }, (_, index) => shardItems(items, { index, count }));
      const seen = new Map<number, number>();
      for (const s of shards) {
        // each shard keeps the manifest order
        const positions = s.map((x) => items.indexOf(x));
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        for (const p of positions) seen.set(p, (seen.get(p) ?? 0) + 1);
      }
      expect([...seen.keys()].sort((a, b) => a - b)).toEqual(items.map((_, k) => k));
      expect([...seen.values()].every((c) => c === 1)).toBe(true);
      const sizes = shards.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(n === 0 ? 0 : 1);
    }
  });
  it('keeps every movie in its shard when movies are appended to the manifest', () => {
    const items = Array.from({ length: 23 }, (_, k) => k);
    const longer = Array.from({ length: 40 }, (_, k) => k);
    for (let index = 0; index < 7; index++) {
      const before = shardItems(items, { index, count: 7 });
      expect(shardItems(longer, { index, count: 7 }).slice(0, before.length)).toEqual(before);
    }
  });
});

describe('analyze --manifest --shard', () => {
  it('takes only its share of the manifest (missing movies fail, so the failures name exactly the shard)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-shard-'));
    const ids = ['m0', 'm1', 'm2', 'm3', 'm4'];
    writeFileSync(path.join(dir, 'movies.csv'), 'path,id\n' + ids.map((id) => `${id}.tif,${id}`).join('\n') + '\n');
    const out = path.join(dir, 'runs');
    const failedOf: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const lines: string[] = [];
      await expect(runManifest(path.join(dir, 'movies.csv'), { out, classes: 'auto', lag: '1', seed: '0', shard: `${i}/2` }, (l) => lines.push(l))).rejects.toThrow(/--manifest: \d of \d movies failed/);
      expect(lines[0]).toBe(`shard ${i}/2: ${i === 0 ? 3 : 2} of 5 movies`);
      failedOf.push(lines.filter((l) => l.includes('failed')).map((l) => /\] (\S+): failed/.exec(l)![1]));
    }
    expect(failedOf).toEqual([['m0', 'm2', 'm4'], ['m1', 'm3']]);
    expect(readCsv(path.join(out, 'movies.csv')).rows.map((r) => r.id)).toEqual(ids);
    await expect(runManifest(path.join(dir, 'movies.csv'), { out, classes: 'auto', lag: '1', seed: '0', shard: '2/2' })).rejects.toThrow(/--shard: the shard index/);
    expect(existsSync(path.join(out, 'm0'))).toBe(false);
  });
});

describe('analyze --manifest failure lines', () => {
  it("name analyze's flags, not the library's option names", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-manifest-flags-'));
    writeFileSync(path.join(dir, 'movies.csv'), `path,id\n${sharedData('graphene_Si', 'G-Si-2nm.hdf5')},one\n`);
    const lines: string[] = [];
    await expect(runManifest(path.join(dir, 'movies.csv'), { out: path.join(dir, 'runs'), classes: 'auto', lag: '1', seed: '0', frameRange: '0:5' }, (l) => lines.push(l)))
      .rejects.toThrow(/--manifest: 1 of 1 movies failed \(one: --frame-range: STOP 5 is past the end/);
    const failed = lines.find((l) => l.includes('failed'))!;
    expect(failed).toMatch(/one: failed: --frame-range: STOP 5 is past the end/);
    expect(failed).not.toMatch(/frameRange/);
  });
});
