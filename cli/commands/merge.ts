/**
 * `atomdyn merge ROOT --out DIR`: kinetics pooled across the movie runs under ROOT (written by
 * `atomdyn analyze --manifest movies.csv --out ROOT`): count matrices summed across movies at one lag
 * (trajectories never cross movies), one transition matrix with intervals, stationary distribution,
 * rates per dose, a matrix per movie (and per `--group-by` group) beside it, and homogeneity G-tests
 * that the movies agree. Writes DIR/pooled.json, DIR/pooled_movies.csv, DIR/report.html and
 * DIR/run.json (docs/schema.md, "The merge folder"). One set of classes for all movies: every movie's
 * tracks are classified again (classify --model) with a saved configuration model (--model) or with
 * one fitted on the centres of all movies together (DIR/classify/pooled/). The work is
 * dynamics/kinetics/pooledKinetics.ts.
 */
import type { Command } from 'commander';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../data/atomicWrite.ts';
import { readCsv, readCsvColumns, writeCsv, type Cell } from '../../data/csvTable.ts';
import { ColumnTable } from '../../data/columnTable.ts';
import { AtomdynError } from '../../data/errors.ts';
import { findMovieRuns, type MovieRun } from '../../data/movieRuns.ts';
import { finalPath, withRunFolder } from '../../data/runFolder.ts';
import { newRun, readRunBeside } from '../../data/runMetadata.ts';
import { COUNTING_MODES, type CountingMode } from '../../dynamics/kinetics/countMatrix.ts';
import { poolKinetics, pooledToJSON, type MovieSequences, type PoolLag } from '../../dynamics/kinetics/pooledKinetics.ts';
import { stateSequencesFromTable } from '../../dynamics/kinetics/stateSequences.ts';
import { pooledKineticsPage } from '../../report/pooledKineticsPage.ts';
import { compactJson } from '../../pipeline/transitionsStep.ts';
import { runClassify } from './classify.ts';

/** Flags of `merge`. */
interface MergeFlags {
  out: string;
  groupBy?: string;
  model?: string;
  classes?: string;
  centre?: string;
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

/** The centre atoms a movie's classify step was told (`--centre`), or undefined for its default. */
function centreOf(run: MovieRun): string | undefined {
  const p = readRunBeside(path.join(run.dir, 'classify'))?.parameters ?? {};
  return p.centreOrigin === 'command-line' && Array.isArray(p.centres) ? p.centres.join(',') : undefined;
}

/**
 * The tracked atoms of all movies in one tracks.csv, so that one classifier is fitted on the pooled
 * centres: movie k's frames follow movie k-1's (frame + offset), particle ids are kept apart, and
 * coordinates are rescaled to the first movie's pixel size; the first movie's track run.json goes
 * beside it (pixel size, lattice, species, model card for the centre atoms).
 * @throws AtomdynError when a movie's pixel size is unknown while another's is known
 */
async function writePooledTracks(runs: MovieRun[], file: string): Promise<void> {
  const pixel = (r: MovieRun) => readRunBeside(r.tracks!)?.pixelSizePm?.value ?? null;
  const p0 = pixel(runs[0]);
  // by column on both sides (data/columnTable.ts): many long movies' tracks never exist as row objects
  let pooled: ColumnTable | null = null;
  let frameOffset = 0, particleOffset = 0;
  for (const r of runs) {
    const t = readCsvColumns(r.tracks!, ['frame', 'x', 'y', 'species']);
    pooled ??= new ColumnTable(t.columns);
    const p = pixel(r);
    if ((p === null) !== (p0 === null)) throw new AtomdynError(r.tracks!, `pixel size ${p === null ? 'unknown' : `${p} pm`} where movie ${runs[0].id}'s is ${p0 === null ? 'unknown' : `${p0} pm`}; give every movie a pixel size (manifest pixel_size_pm)`);
    const scale = p !== null && p0 !== null ? p / p0 : 1;
    let lastFrame = 0, lastParticle = -1;
    for (const row of t.rows) {
      const out: Record<string, Cell> = { ...row, frame: (row.frame as number) + frameOffset };
      for (const c of ['x', 'y', 'x_corr', 'y_corr']) if (typeof row[c] === 'number') out[c] = (row[c] as number) * scale;
      if (typeof row.particle === 'number') {
        out.particle = row.particle + particleOffset;
        lastParticle = Math.max(lastParticle, row.particle);
      }
      lastFrame = Math.max(lastFrame, row.frame as number);
      pooled.append(out);
    }
    frameOffset += lastFrame + 1;
    particleOffset += lastParticle + 1;
  }
  await writeCsv(file, pooled!);
  copyFileSync(path.join(path.dirname(runs[0].tracks!), 'run.json'), path.join(path.dirname(file), 'run.json'));
}

/**
 * Pool the movie runs under `root` into a fresh run folder.
 * @param root the root of the movie runs
 * @param flags parsed options
 * @param command argv (for run.json)
 * @returns pooled.json content and the report path
 * @throws AtomdynError (one line, naming the flag or file) on bad options, no complete run, a run
 *   without tracks, pixel sizes known for some movies only, frame times that differ with a lag in frames
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
  const noTracks = runs.find((r) => !r.tracks);
  if (noTracks) throw new AtomdynError(noTracks.dir, 'no track/tracks.csv to classify (not an analyze run?)');
  const classes = flags.classes ?? 'auto';
  const inputs = [path.resolve(root), ...(flags.manifest ? [path.resolve(flags.manifest)] : []), ...(model ? [model] : [])];
  return withRunFolder(flags.out, { inputs, overwrite: flags.overwrite }, async (folder) => {
    // one set of classes: the saved model, else one fitted on the centres of all movies
    let classModel = model;
    if (!classModel) {
      const pooledTracks = path.join(folder.dir, 'pooled_centres', 'tracks.csv');
      await writePooledTracks(runs, pooledTracks);
      const dir = path.join(folder.dir, 'classify', 'pooled');
      const centre = flags.centre ?? centreOf(runs[0]);
      await runClassify(pooledTracks, { classes, seed: flags.seed, out: dir, centre }, ['classify', pooledTracks, '--classes', classes, '--seed', flags.seed, '--out', dir, ...(centre ? ['--centre', centre] : [])]);
      classModel = path.join(dir, 'model.json');
    }
    const movies: MovieSequences[] = [];
    for (const r of runs) {
      const dir = path.join(folder.dir, 'classify', r.id);
      await runClassify(r.tracks!, { model: classModel, out: dir }, ['classify', r.tracks!, '--model', classModel, '--out', dir]);
      const table = path.join(dir, 'configurations.csv');
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
    run.parameters = { lag_frames: pooled.lagFrames, lag_time_s: pooled.lagSeconds, counting, group_by: flags.groupBy ?? null, model: model ?? finalPath(classModel), classes: model ? null : classes, samples };
    run.outputs = ['pooled.json', 'pooled_movies.csv', 'report.html', 'classify', ...(model ? [] : ['pooled_centres'])];
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
    .option('--model <model.json>', 'classify every movie with this saved configuration model (default: fit one classifier on the centres of all movies, DIR/classify/pooled/model.json), so that a state is one configuration in all movies')
    .option('--classes <K>', "number of classes of the pooled fit, or 'auto' (BIC)", 'auto')
    .option('--centre <species>', "centre atoms of the pooled fit (default: the first movie's classify --centre, else the dopant)")
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
