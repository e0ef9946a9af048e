/**
 * `atomdyn merge ROOT --out DIR`: kinetics pooled across the movie runs under ROOT (written by
 * `atomdyn analyze --manifest movies.csv --out ROOT`): count matrices summed across movies at one lag
 * (trajectories never cross movies), one transition matrix with intervals, stationary distribution,
 * rates per dose, a matrix per movie (and per `--group-by` group) beside it, and homogeneity G-tests
 * that the movies agree. Writes DIR/pooled.json, DIR/pooled_movies.csv, DIR/report.html and
 * DIR/run.json (docs/schema.md, "The merge folder"). The work is dynamics/kinetics/pooledKinetics.ts.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../data/atomicWrite.ts';
import { readCsv, writeCsv, type Cell } from '../../data/csvTable.ts';
import { AtomdynError } from '../../data/errors.ts';
import { findMovieRuns, type MovieRun } from '../../data/movieRuns.ts';
import { finalPath, withRunFolder } from '../../data/runFolder.ts';
import { newRun } from '../../data/runMetadata.ts';
import { COUNTING_MODES, type CountingMode } from '../../dynamics/kinetics/countMatrix.ts';
import { poolKinetics, pooledToJSON, type MovieSequences, type PoolLag } from '../../dynamics/kinetics/pooledKinetics.ts';
import { stateSequencesFromTable } from '../../dynamics/kinetics/stateSequences.ts';
import { pooledKineticsPage } from '../../report/pooledKineticsPage.ts';
import { runSubcommand } from './analyze.ts';
import { compactJson } from './transitions.ts';

/** Flags of `merge`. */
interface MergeFlags {
  out: string;
  groupBy?: string;
  model?: string;
  manifest?: string;
  lag?: string;
  lagS?: string;
  counting: string;
  seed: string;
  samples: string;
  overwrite?: boolean;
}

function parseNumber(flag: string, v: string, ok: (x: number) => boolean, what: string): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || !ok(x)) throw new AtomdynError(flag, `expected ${what}, found '${v}'`);
  return x;
}

/** The fitted classes of a run's model.json, as text to compare (null without a model). */
function classesOf(run: MovieRun): string | null {
  if (!run.model) return null;
  const m = JSON.parse(readFileSync(run.model, 'utf8')) as Record<string, unknown>;
  return JSON.stringify([m.classNames, m.fit]);
}

/**
 * Pool the movie runs under `root` into a fresh run folder.
 * @param root the root of the movie runs
 * @param flags parsed options
 * @param command argv (for run.json)
 * @returns pooled.json content and the report path
 * @throws AtomdynError (one line, naming the flag or file) on bad options, no complete run, frame
 *   times that differ with a lag in frames, movies classified with different models without --model
 */
export async function runMerge(root: string, flags: MergeFlags, command: string[]): Promise<{ doc: Record<string, unknown>; report: string; missing: string[] }> {
  const counting = flags.counting as CountingMode;
  if (!COUNTING_MODES.includes(counting)) throw new AtomdynError('--counting', `expected one of ${COUNTING_MODES.join(', ')}, found '${flags.counting}'`);
  const lag: PoolLag = {};
  if (flags.lag !== undefined) lag.frames = parseNumber('--lag', flags.lag, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1 (frames)');
  if (flags.lagS !== undefined) lag.seconds = parseNumber('--lag-s', flags.lagS, (x) => x > 0, 'a lag time > 0 in s');
  const seed = parseNumber('--seed', flags.seed, Number.isInteger, 'an integer');
  const samples = parseNumber('--samples', flags.samples, (x) => Number.isInteger(x) && x >= 100, 'an integer >= 100');
  const model = flags.model ? path.resolve(flags.model) : null;
  const { runs, missing } = findMovieRuns(root, flags.manifest);
  if (!model) {
    const distinct = new Set(runs.map(classesOf));
    if (distinct.size > 1) {
      throw new AtomdynError('--model', `the ${runs.length} movies were classified with ${distinct.size} different configuration models, so one state name need not mean one configuration; give --model FILE (e.g. ${path.join(root, runs[0].id, 'model.json')}) to classify every movie with one set of classes`);
    }
  }
  const inputs = [path.resolve(root), ...(flags.manifest ? [path.resolve(flags.manifest)] : []), ...(model ? [model] : [])];
  return withRunFolder(flags.out, { inputs, overwrite: flags.overwrite }, async (folder) => {
    const movies: MovieSequences[] = [];
    for (const r of runs) {
      let table = r.configurations;
      if (model) {
        if (!r.tracks) throw new AtomdynError(r.dir, 'no track/tracks.csv to classify with --model');
        const dir = path.join(folder.dir, 'classify', r.id);
        await runSubcommand(['classify', r.tracks, '--model', model, '--out', dir]);
        table = path.join(dir, 'configurations.csv');
      }
      movies.push({ id: r.id, sequences: stateSequencesFromTable(readCsv(table, ['frame', 'particle', 'state']), table), frameTimeS: r.frameTimeS, doseRate: r.doseRate, metadata: r.metadata });
    }
    const pooled = poolKinetics(movies, { lag, counting, groupBy: flags.groupBy ?? null, estimator: { seed, samples } });
    if (missing.length) pooled.notes.push(`left out (run missing or incomplete): ${missing.join(', ')}`);
    const doc = pooledToJSON(pooled);
    const out = folder.dir;
    await writeFileAtomic(path.join(out, 'pooled.json'), compactJson(doc) + '\n');
    const metaColumns = [...new Set(runs.flatMap((r) => Object.keys(r.metadata)))].filter((c) => c !== 'id');
    const rows: Array<Record<string, Cell>> = pooled.movies.map((m, k) => ({
      id: m.id, n_trajectories: m.counts.trajectories, n_observed_frames: m.counts.observedFrames, n_pairs: m.counts.pairs, lag_frames: m.lagFrames,
      g: m.test.g, df: m.test.df, p_value: Number.isNaN(m.test.pValue) ? null : m.test.pValue, p_holm: Number.isNaN(m.pAdjusted) ? null : m.pAdjusted,
      ...Object.fromEntries(metaColumns.map((c) => [c, runs[k].metadata[c] ?? null])),
    }));
    await writeCsv(path.join(out, 'pooled_movies.csv'), { columns: ['id', 'n_trajectories', 'n_observed_frames', 'n_pairs', 'lag_frames', 'g', 'df', 'p_value', 'p_holm', ...metaColumns], rows });
    await writeFileAtomic(path.join(out, 'report.html'), pooledKineticsPage(doc, { command: ['atomdyn', ...command].join(' ') }));
    const run = newRun('merge', command, null);
    run.source = finalPath(path.resolve(root));
    run.inputs = runs.map((r) => r.configurations);
    run.seed = seed;
    run.parameters = { lag_frames: pooled.lagFrames, lag_time_s: pooled.lagSeconds, counting, group_by: flags.groupBy ?? null, model, samples };
    run.outputs = ['pooled.json', 'pooled_movies.csv', 'report.html', ...(model ? ['classify'] : [])];
    run.warnings = [...pooled.notes];
    await folder.commit(run);
    return { doc, report: path.join(folder.target, 'report.html'), missing };
  });
}

/** Adds `merge` (with its --help text) to the program. */
export function register(program: Command): void {
  program
    .command('merge')
    .description(
      'pool the kinetics of many movies: the movie runs under ROOT (from analyze --manifest) counted at one lag and summed ' +
        '(trajectories never cross movies), one transition matrix with intervals, stationary distribution and rates per dose, ' +
        'a matrix per movie (and per --group-by group) beside it, and G-tests of homogeneity: do the movies agree? ' +
        'Writes DIR/pooled.json, DIR/pooled_movies.csv, DIR/report.html and DIR/run.json.',
    )
    .argument('<root>', 'folder of the movie runs ROOT/<id>/ (the --out of analyze --manifest; its movies.csv gives ids and metadata)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--group-by <column>', 'compare groups of movies by a manifest column (material, dose_rate_e_per_A2_s, session, ...)')
    .option('--model <model.json>', 'classify every movie with this saved configuration model, so that a state is one configuration in all movies (needed when the runs were classified with different models)')
    .option('--manifest <movies.csv>', 'manifest with ids and metadata (default ROOT/movies.csv)')
    .option('--lag <frames>', 'lag time in frames (default 1); refused when frame times differ by more than 1 %')
    .option('--lag-s <seconds>', 'lag time in seconds: each movie is counted at this time in its own frames (a whole number of frames within 1 %)')
    .option('--counting <mode>', `counting mode: ${COUNTING_MODES.join(', ')}`, 'sliding')
    .option('--seed <n>', 'seed of the posterior sampling', '0')
    .option('--samples <n>', 'posterior samples for the intervals', '1000')
    .option('--overwrite', 'replace the run already in --out')
    .addHelpText('after', '\nExample:\n  atomdyn analyze --manifest movies.csv --out runs\n  atomdyn merge runs --group-by dose_rate_e_per_A2_s --out pooled && open pooled/report.html\n' +
      'A movie whose p (Holm) is below 0.01 does not follow the others\' transition matrix: look at its matrix in the report.')
    .action(async (root: string, flags: MergeFlags) => {
      const r = await runMerge(root, flags, process.argv.slice(2));
      const hom = r.doc.homogeneity as { p_value: number | null };
      process.stdout.write(`${(r.doc.movies as unknown[]).length} movies pooled${r.missing.length ? ` (${r.missing.length} missing or incomplete left out)` : ''}; movies agree: p = ${hom.p_value ?? '–'}; report: ${r.report}\n`);
    });
}
