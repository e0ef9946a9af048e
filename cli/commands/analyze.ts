/**
 * `atomdyn analyze <movie> --out DIR`: the whole chain in one command: locate -> track (drift
 * registration on the frames) -> classify -> transitions, then results.h5, event crops and one
 * self-contained report.html. Each step runs exactly as its own subcommand would, into its own folder
 * (DIR/locate, DIR/track, DIR/classify, DIR/transitions, each with its run.json, so any step can be
 * re-run alone on the previous step's files); the tables and figures are then gathered into DIR
 * (atoms.csv, tracks.csv, drift.csv, configurations.csv, transitions.json, events.csv, run.json).
 */
import type { Command } from 'commander';
import path from 'node:path';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { bondLengthPm } from '../../inference/latticeScale.ts';
import { AtomdynError } from '../../data/errors.ts';
import { assertNotInput, protectInput } from '../../data/atomicWrite.ts';
import { assertOutsideInputs, finalPath, finalPaths, withRunFolder } from '../../data/runFolder.ts';
import { readManifest, type ManifestEntry } from '../../data/manifest.ts';
import { parseShard, shardItems } from '../../data/shard.ts';
import { isCompleteRun, ROOT_MANIFEST } from '../../data/movieRuns.ts';
import { materialByName } from '../../models/materials.ts';
import { selectFrames } from '../../data/frameSelection.ts';
import { readCsv, writeCsv, type Table } from '../../data/csvTable.ts';
import { openFrames } from '../../data/openFrames.ts';
import { newRun, writeRun, type RunMetadata } from '../../data/runMetadata.ts';
import { writeResultsHdf5, type ResultTable } from '../../data/writers/hdf5Results.ts';
import { writeEventCrops } from '../../report/eventCrops.ts';
import { writeMeanFrame } from '../../report/meanFrame.ts';
import { buildReport } from '../../report/buildReport.ts';
import { locateOptionsFromFlags, runLocate, type LocateFlags, type ParsedLocateFlags } from './locate.ts';
import { checkClassifyFlags } from './classify.ts';
import { parseTransitionsFlags } from './transitions.ts';

/** Flags of `analyze`. */
export interface AnalyzeFlags extends Omit<LocateFlags, 'out' | 'overlayEvery'> {
  out: string;
  centre?: string;
  classes: string;
  lag: string;
  seed: string;
  memory?: string;
}

/** Run one subcommand in-process exactly as `atomdyn <args>` would (a fresh program per call). */
export async function runSubcommand(args: string[]): Promise<void> {
  const { buildProgram } = await import('../main.ts');
  const program = await buildProgram();
  await program.parseAsync(['node', 'atomdyn', ...args]);
}

function copyInto(fromDir: string, toDir: string, names: string[]): string[] {
  const copied: string[] = [];
  for (const n of names) {
    const src = path.join(fromDir, n);
    if (!existsSync(src)) continue;
    const dst = path.join(toDir, n);
    mkdirSync(path.dirname(dst), { recursive: true });
    assertNotInput(dst);
    copyFileSync(src, dst);
    copied.push(n);
  }
  return copied;
}

function step(k: number, n: number, text: string): void {
  if (!process.env.ATOMDYN_QUIET) process.stderr.write(`[${k}/${n}] ${text}\n`);
}

/**
 * Check every option of every step `analyze` will run, then the movie's header (frame range and
 * region against its size), without reading a frame or writing anything.
 * @returns the parsed locate options
 * @throws AtomdynError naming the option or the file
 */
export async function checkAnalyzeOptions(movie: string, flags: AnalyzeFlags): Promise<ParsedLocateFlags> {
  const parsed = locateOptionsFromFlags(flags);
  if (flags.memory !== undefined && !/^\s*\d+\s*$/.test(flags.memory)) throw new AtomdynError('--memory', `expected a whole number of frames >= 0, got '${flags.memory}'`);
  checkClassifyFlags({ classes: flags.classes, seed: flags.seed, centre: flags.centre });
  const { lag } = parseTransitionsFlags({ lag: flags.lag, seed: flags.seed });
  const step = parsed.frameRange?.step ?? 1;
  if (lag % step !== 0) throw new AtomdynError('--lag', `is counted in movie frames; with --frame-range step ${step} it must be a multiple of ${step}, got ${lag}`);
  const stack = await openFrames(movie, { dataset: flags.dataset });
  try {
    selectFrames(stack, parsed.frameRange, parsed.roi);
  } finally {
    await stack.close();
  }
  return parsed;
}

/**
 * Run the whole chain into a fresh run folder (data/runFolder.ts): every option is checked and the
 * --out folder accepted before any frame is read; the steps run in a temporary folder beside --out,
 * which is moved into place with run.json (`complete: true`) and report.html once all is written.
 * Exported for `demo` and tests.
 * @returns the report path (in the final folder) and the final run metadata
 * @throws AtomdynError from any step (one line, naming the file or flag)
 */
export async function runAnalyze(movie: string, flags: AnalyzeFlags, command: string[]): Promise<{ report: string; run: RunMetadata; configurations: number }> {
  const input = path.resolve(movie);
  const parsed = await checkAnalyzeOptions(movie, flags);
  const partOfMovie = parsed.frameRange !== null;
  const inputs = [input, path.join(path.dirname(input), 'run.json')];
  if (flags.model && /[/\\]/.test(flags.model)) inputs.push(path.resolve(flags.model));
  return withRunFolder(flags.out, { inputs, overwrite: flags.overwrite }, async (folder) => {
    const out = folder.dir;
    const dirs = { locate: path.join(out, 'locate'), track: path.join(out, 'track'), classify: path.join(out, 'classify'), transitions: path.join(out, 'transitions') };
    const N = 6;

    step(1, N, `locate atoms in ${movie}`);
    const loc = await runLocate(movie, { ...flags, overwrite: false, out: dirs.locate }, ['locate', movie, '--out', finalPath(dirs.locate), ...locateArgs(flags)]);
    const pixel = loc.run.pixelSizePm.value;

    step(2, N, 'register drift and link trajectories');
    // on a frame range the drift is registered on the atoms' coordinates (the frame registration reads the whole movie)
    await runSubcommand(['track', path.join(dirs.locate, 'atoms.csv'), '--frames', movie, ...(partOfMovie ? ['--drift', 'coordinates'] : []), '--out', dirs.track, ...(flags.memory ? ['--memory', flags.memory] : [])]);

    step(3, N, 'classify local configurations');
    const tracks = readCsv(path.join(dirs.track, 'tracks.csv'), ['frame', 'x', 'y']);
    await runSubcommand(['classify', path.join(dirs.track, 'tracks.csv'), '--frames', movie, '--out', dirs.classify, '--classes', flags.classes, '--seed', flags.seed, ...(flags.centre ? ['--centre', flags.centre] : [])]);
    const configurations = readCsv(path.join(dirs.classify, 'configurations.csv'), ['frame', 'state']);
    const classified = configurations.rows.filter((r) => r.state !== null && r.state !== undefined).length;

    step(4, N, 'estimate transition probabilities');
    let events: Table | null = null;
    if (classified > 0 && loc.run.frames!.count > 1) {
      await runSubcommand(['transitions', path.join(dirs.classify, 'configurations.csv'), '--lag', flags.lag, '--seed', flags.seed, '--out', dirs.transitions]);
      events = readCsv(path.join(dirs.transitions, 'events.csv'), ['frame', 'particle']);
    }

    step(5, N, 'gather tables, results.h5 and event crops');
    const outputs: string[] = [];
    // the report shows the first, middle and last overlays; all of them stay in DIR/locate/overlays
    const overlays = readdirSync(path.join(dirs.locate, 'overlays')).sort();
    const shown = [...new Set([overlays[0], overlays[overlays.length >> 1], overlays[overlays.length - 1]].filter(Boolean))];
    outputs.push(...copyInto(dirs.locate, out, ['atoms.csv', 'sites.csv', ...shown.map((f) => `overlays/${f}`)]));
    // MX2: the point defects of the first shown frame (the report lists it under "Other figures")
    if (shown[0] && existsSync(path.join(dirs.locate, 'sites', shown[0]))) {
      copyFileSync(path.join(dirs.locate, 'sites', shown[0]), path.join(out, `defects_${shown[0]}`));
      outputs.push(`defects_${shown[0]}`);
    }
    outputs.push(...copyInto(dirs.track, out, ['tracks.csv', 'drift.csv', 'drift.png', 'hops.csv', 'msd.csv']));
    outputs.push(...copyInto(dirs.classify, out, ['configurations.csv', 'model.json']));
    if (existsSync(path.join(dirs.classify, 'classes.png'))) {
      copyFileSync(path.join(dirs.classify, 'classes.png'), path.join(out, 'class_gallery.png'));
      outputs.push('class_gallery.png');
    }
    if (events) outputs.push(...copyInto(dirs.transitions, out, ['transitions.json', 'events.csv']));
    const last = JSON.parse(readFileSync(path.join(events ? dirs.transitions : dirs.classify, 'run.json'), 'utf8')) as RunMetadata;
    if ((events && events.rows.length) || loc.run.frames!.count > 1) {
      const stack = await openFrames(movie);
      try {
        if (stack.count > 1 && existsSync(path.join(dirs.track, 'drift.csv'))) {
          await writeMeanFrame(path.join(out, 'mean_frame.png'), stack, readCsv(path.join(dirs.track, 'drift.csv')));
          outputs.push('mean_frame.png');
        }
        if (events && events.rows.length) outputs.push(...(await writeEventCrops(out, stack, events, { pixelSizePm: pixel, atoms: loc.table, lattice: loc.run.lattice })));
      } finally {
        await stack.close();
      }
    }
    const tables: Record<string, ResultTable> = {
      atoms: { table: loc.table, units: { x: 'px', y: 'px', x_pm: 'pm', y_pm: 'pm', sigma_pm: 'pm' } },
      tracks: { table: tracks, units: { x: 'px', y: 'px', x_corr: 'px', y_corr: 'px', x_pm: 'pm', y_pm: 'pm', x_corr_pm: 'pm', y_corr_pm: 'pm' } },
      drift: { table: readCsv(path.join(dirs.track, 'drift.csv')), units: { dx: 'px', dy: 'px', dx_pm: 'pm', dy_pm: 'pm' } },
      configurations: { table: configurations, units: { x: 'px', y: 'px', rotation: 'deg' } },
    };
    if (events) tables.events = { table: events, units: { x: 'px', y: 'px', x_pm: 'pm', y_pm: 'pm' } };
    if (existsSync(path.join(dirs.locate, 'sites.csv'))) tables.sites = { table: readCsv(path.join(dirs.locate, 'sites.csv')), units: { x: 'px', y: 'px', x_pm: 'pm', y_pm: 'pm' } };
    const run = newRun('analyze', command, last);
    run.source = input;
    run.inputs = [input];
    run.seed = Number(flags.seed);
    run.parameters = { centre: flags.centre ?? null, classes: flags.classes, lag: Number(flags.lag), steps: finalPaths(dirs) };
    const truth = simulationTruth(input);
    if (truth) run.truth = truth;
    run.warnings = classified === 0 ? ['no configurations were found (no centre atoms classified)'] : []; // the steps' own warnings are in the chain
    const transitions = events ? JSON.parse(readFileSync(path.join(dirs.transitions, 'transitions.json'), 'utf8')) : null;
    await writeResultsHdf5(path.join(out, 'results.h5'), {
      run: finalPaths(run),
      tables,
      attributes: transitions ? { transitions_json: JSON.stringify(transitions) } : {},
  });
  outputs.push('results.h5');
  run.outputs = [...outputs, 'run.json', 'report.html'];
  await writeRun(out, finalPaths(run)); // read by the report; rewritten with complete: true by commit

  step(6, N, 'write report.html');
  await buildReport(out);
  await folder.commit(run);
  return { report: path.join(folder.target, 'report.html'), run, configurations: classified };
  });
}

/**
 * Analyse one movie of a manifest into `ROOT/<id>/`, the unit of work of `analyze --manifest`,
 * of a shard (`--shard I/N`) and of a queue job (`atomdyn worker`). Idempotent: a movie whose run
 * folder already holds a complete run is skipped (unless `flags.overwrite`), and a run is committed
 * whole or not at all (data/runFolder.ts), so a second delivery of the same movie skips or
 * replaces it whole. The manifest's `pixel_size_pm` overrides the file's, and a `material` known
 * to the materials table is the lattice-constant check's.
 *
 * @param entry the manifest row (data/manifest.ts)
 * @param root the output root (absolute)
 * @param flags analyze's flags (`out` is ignored; `ROOT/<id>` is used)
 * @returns 'skipped' when a complete run was there, else 'analysed'
 * @throws AtomdynError when the movie cannot be analysed (bad file, flags); other errors are bugs
 */
export async function analyseManifestEntry(entry: ManifestEntry, root: string, flags: AnalyzeFlags): Promise<'analysed' | 'skipped'> {
  const target = path.join(root, entry.id);
  if (!flags.overwrite && isCompleteRun(target)) return 'skipped';
  const material = flags.material ?? (entry.material && materialByName(entry.material) ? entry.material : undefined);
  const pixelSize = entry.pixelSizePm !== null ? String(entry.pixelSizePm) : flags.pixelSize;
  const args = ['analyze', entry.path, '--out', target, ...(material ? ['--material', material] : []), ...(pixelSize ? ['--pixel-size', pixelSize] : [])];
  await runAnalyze(entry.path, { ...flags, out: target, material, pixelSize }, args);
  return 'analysed';
}

/**
 * Prepare the output root of a manifest: check it lies outside the inputs, create it and keep a
 * copy of the manifest with absolute paths as ROOT/movies.csv (read by `atomdyn merge`; written
 * atomically, so shards or workers that prepare the same root at once leave one whole copy).
 *
 * @param manifest path of movies.csv
 * @param out the output root
 * @returns the manifest's entries and the absolute root
 * @throws AtomdynError(manifest) for a bad manifest; AtomdynError when the root lies among the inputs
 */
export async function prepareManifestRoot(manifest: string, out: string): Promise<{ entries: ManifestEntry[]; root: string }> {
  const entries = readManifest(manifest);
  const root = path.resolve(out);
  assertOutsideInputs(root, [path.resolve(manifest), ...entries.map((e) => e.path)]);
  mkdirSync(root, { recursive: true });
  const copy = path.join(root, ROOT_MANIFEST);
  if (path.resolve(manifest) !== copy) {
    const table = readCsv(manifest);
    await writeCsv(copy, { columns: table.columns, rows: table.rows.map((r, k) => ({ ...r, path: entries[k].path })) });
  }
  return { entries, root };
}

/**
 * `analyze --manifest movies.csv --out ROOT [--shard I/N]`: each movie of the manifest
 * (data/manifest.ts), or of shard I of N (data/shard.ts: rows k with k mod N = I), into
 * `ROOT/<id>/` one after the other through {@link analyseManifestEntry}: a movie whose run is
 * complete is skipped (so a re-run after a kill finishes only the missing movies), unless
 * `--overwrite`. A copy of the manifest with absolute paths is kept as ROOT/movies.csv (read by
 * `atomdyn merge`). A movie that fails is reported and the others still run.
 *
 * @param manifest path of movies.csv
 * @param flags analyze's flags (`out` = ROOT, `shard` = 'I/N' or absent), applied to every movie
 * @param log one line per movie (default: stderr unless ATOMDYN_QUIET)
 * @returns ids analysed now, skipped (already complete) and failed (with the message)
 * @throws AtomdynError(manifest) for a bad manifest; AtomdynError('--shard') for a bad shard;
 *   AtomdynError('--manifest') after the loop when any movie failed
 */
export async function runManifest(manifest: string, flags: AnalyzeFlags & { shard?: string }, log: (line: string) => void = (l) => { if (!process.env.ATOMDYN_QUIET) process.stderr.write(l + '\n'); }): Promise<{ analysed: string[]; skipped: string[]; failed: string[] }> {
  const shard = flags.shard !== undefined ? parseShard(flags.shard) : null;
  const prepared = await prepareManifestRoot(manifest, flags.out);
  const root = prepared.root;
  const entries = shard ? shardItems(prepared.entries, shard) : prepared.entries;
  if (shard) log(`shard ${shard.index}/${shard.count}: ${entries.length} of ${prepared.entries.length} movies`);
  const analysed: string[] = [], skipped: string[] = [], failed: string[] = [];
  for (const [k, e] of entries.entries()) {
    const target = path.join(root, e.id);
    const head = `[movie ${k + 1}/${entries.length}] ${e.id}`;
    if (!flags.overwrite && isCompleteRun(target)) {
      log(`${head}: complete run in ${target}, skipped`);
      skipped.push(e.id);
      continue;
    }
    log(`${head}: ${e.path}`);
    try {
      if ((await analyseManifestEntry(e, root, flags)) === 'skipped') skipped.push(e.id);
      else analysed.push(e.id);
    } catch (err) {
      if (!(err instanceof AtomdynError)) throw err;
      log(`${head}: failed: ${err.message}`);
      failed.push(`${e.id}: ${err.message}`);
    }
  }
  if (failed.length) throw new AtomdynError('--manifest', `${failed.length} of ${entries.length} movies failed (${failed.join('; ')}); the others are in ${root}; re-run to retry only the missing ones`);
  return { analysed, skipped, failed };
}

/**
 * The truth file of a simulated movie: truth.csv beside it, written by the simulate step whose
 * run.json lies there too; else null.
 * @param movie absolute path of the input
 */
export function simulationTruth(movie: string): string | null {
  const dir = path.dirname(movie.replace(/:[^/\\]*$/, ''));
  const truth = path.join(dir, 'truth.csv');
  if (!existsSync(truth) || !existsSync(path.join(dir, 'run.json'))) return null;
  try {
    const sim = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as { step?: string; outputs?: string[] };
    return sim.step === 'simulate' && (sim.outputs ?? []).includes('truth.csv') ? truth : null;
  } catch {
    return null;
  }
}

function locateArgs(f: AnalyzeFlags): string[] {
  const a: string[] = [];
  if (f.model) a.push('--model', f.model);
  if (f.lattice) a.push('--lattice', f.lattice);
  if (f.pixelSize) a.push('--pixel-size', f.pixelSize);
  if (f.trustMetadata) a.push('--trust-metadata');
  if (f.species) a.push('--species', f.species);
  if (f.material) a.push('--material', f.material);
  if (f.dataset) a.push('--dataset', f.dataset);
  if (f.fit === false) a.push('--no-fit');
  if (f.refine) a.push('--refine');
  if (f.hotPixels === false) a.push('--no-hot-pixels');
  if (f.workers) a.push('--workers', f.workers);
  if (f.backend && f.backend !== 'auto') a.push('--backend', f.backend);
  if (f.frameRange) a.push('--frame-range', f.frameRange);
  if (f.roi) a.push('--roi', f.roi);
  if (f.strict) a.push('--strict');
  if (f.defectPrior) a.push('--defect-prior', f.defectPrior);
  return a;
}

/**
 * Add the options of the analysis of one movie (segmenter, calibration, species, classification,
 * kinetics, seed, frames, region) to a command: `analyze`'s, and `queue add`'s, whose jobs carry them
 * to the workers. Flag names match {@link AnalyzeFlags}.
 * @returns the same command
 */
export function addMovieAnalysisOptions(command: Command): Command {
  return command
    .option('--model <name|path>', 'segmenter: graphene-si, mx2 or a model folder (default graphene-si)')
    .option('--lattice <name>', 'pick the default model of a lattice: graphene, mx2 (MoS2, WS2, WSe2)')
    .option('--pixel-size <pm>', 'pixel size of the input, pm/px (overrides the file and the lattice check)')
    .option('--trust-metadata', "keep the file's pixel size even when the lattice disagrees")
    .option('--species <map>', 'elements of the species, e.g. metal=W,chalcogen=Se2')
    .option('--material <name>', 'material for the lattice-constant check: graphene, MoS2, WS2, MoSe2, WSe2')
    .option('--dataset <path>', 'dataset inside a container file')
    .option('--centre <species>', "centre atoms to classify (default: the dopant species, else an MX2 run's point defects); 'all' for every atom; 'defects' or defect names (vac_Se, V_Mo) for the point defects")
    .option('--defect-prior <name=p,...>', 'MX2 sites: prior probability of a point defect per site where it is not 0.02, e.g. vac_Mo=0.002,V_Mo=0.02 (locate --defect-prior)')
    .option('--classes <K>', "number of configuration classes, or 'auto' (BIC)", 'auto')
    .option('--lag <frames>', 'lag time of the transition matrix, frames', '1')
    .option('--memory <frames>', 'frames a track may be missed and still continue (track --memory)')
    .option('--seed <n>', 'seed of every random step', '0')
    .option('--no-fit', 'graphene models: skip the joint column fit of locate (locate --no-fit)')
    .option('--refine', 'with --no-fit: single-atom 2-D Gaussian refinement (locate --refine)')
    .option('--frame-range <start:stop[:step]>', 'only these frames (0-based, STOP exclusive; e.g. 0:50, 10:100:2); tables keep the movie\'s frame numbers, --lag counts movie frames; the drift is then registered on the atoms\' coordinates')
    .option('--roi <x,y,w,h>', 'keep only the atoms in this region, in input pixels (first column, first row, width, height; found on whole frames, so they are those of a full run); x, y stay the full frame\'s');
}

export function register(program: Command): void {
  const command = program
    .command('analyze')
    .description('the whole analysis of a movie in one command: locate, drift-correct and track, classify configurations, transition probabilities, report.html')
    .argument('[movie]', 'movie or image (tif, npy, h5/emd/hspy, dm3/dm4, png/jpg); or --manifest')
    .requiredOption('--out <dir>', 'output folder (report.html, tables, results.h5; one sub-folder per step); with --manifest the root of one folder per movie')
    .option('--manifest <movies.csv>', 'analyse every movie of a manifest (columns path, id, material, dose_rate_e_per_A2_s, frame_time_s, pixel_size_pm, ...) into OUT/<id>/; movies whose run is complete are skipped, so a re-run resumes; then: atomdyn merge OUT')
    .option('--shard <I/N>', 'with --manifest: only shard I of N (rows k with k mod N = I, I = 0..N-1), e.g. --shard $SLURM_ARRAY_TASK_ID/16 under sbatch --array=0-15 (docs/slurm-array.sh); the N shards cover every movie once');
  addMovieAnalysisOptions(command);
  command
    .option('--workers <n>', 'worker threads for locate')
    .option('--backend <name>', 'tensor backend: auto, tensorflow, wasm, cpu', 'auto')
    .option('--overwrite', 'replace the run already in --out (the whole folder, swapped once the new run is complete)')
    .option('--strict', "exit with code 3 when the frames do not look like the model's lattice (locate --strict)")
    .addHelpText('after', '\nExample: atomdyn analyze movie.tif --lattice graphene --out out/run1 && open out/run1/report.html\n' +
      'Many movies: atomdyn analyze --manifest movies.csv --out runs && atomdyn merge runs --out pooled\n' +
      'On a Slurm cluster: sbatch --array=0-15 docs/slurm-array.sh (each task: --shard $SLURM_ARRAY_TASK_ID/16), then merge\n' +
      'Each step can be re-run alone on the files of the previous one (see DIR/*/run.json for the exact commands).\n' +
      'Re-runs: a folder that holds a run is refused unless --overwrite; the new run is written beside it and\n' +
      'replaces it whole only when complete (an interrupted run leaves the previous one as it was).')
    .action(async (movie: string | undefined, flags: AnalyzeFlags & { manifest?: string; shard?: string }) => {
      if (flags.shard !== undefined && !flags.manifest) throw new AtomdynError('--shard', 'needs --manifest movies.csv (a shard is a share of a manifest)');
      if (flags.manifest) {
        if (movie) throw new AtomdynError('--manifest', `give a movie or --manifest, not both (got ${movie})`);
        protectInput(path.resolve(flags.manifest));
        const r = await runManifest(flags.manifest, flags);
        process.stdout.write(`${r.analysed.length} movies analysed, ${r.skipped.length} already complete; next: atomdyn merge ${flags.out} --out POOLED\n`);
        return;
      }
      if (!movie) throw new AtomdynError('<movie>', 'give a movie file, or --manifest movies.csv');
      protectInput(path.resolve(movie));
      const r = await runAnalyze(movie, flags, process.argv.slice(2));
      process.stdout.write(`${r.configurations ? `${r.configurations} classified configurations` : 'no configurations found'}; report: ${r.report}\n`);
    });
}
