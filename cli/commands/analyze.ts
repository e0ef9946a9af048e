/**
 * `atomdyn analyze <movie> --out DIR`: the whole chain in one command, as one library call
 * (pipeline/analyzeMovie.ts): locate -> track (drift registration on the frames) -> classify ->
 * transitions, then results.h5, event crops and one self-contained report.html, on the movie opened
 * once. Each step writes its own folder (DIR/locate, DIR/track, DIR/classify, DIR/transitions, each
 * with its run.json, so any step can be re-run alone on the previous step's files); the tables and
 * figures are then gathered into DIR (atoms.csv, tracks.csv, drift.csv, configurations.csv,
 * transitions.json, events.csv, run.json). Also `analyze --manifest` (many movies, resumable, shards).
 */
import type { Command } from 'commander';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { AtomdynError } from '../../data/errors.ts';
import { protectInput } from '../../data/atomicWrite.ts';
import { assertOutsideInputs } from '../../data/runFolder.ts';
import { readManifest, type ManifestEntry } from '../../data/manifest.ts';
import { parseShard, shardItems } from '../../data/shard.ts';
import { isCompleteRun, ROOT_MANIFEST } from '../../data/movieRuns.ts';
import { materialByName } from '../../models/materials.ts';
import { readCsv, writeCsv } from '../../data/csvTable.ts';
import { openFrames } from '../../data/openFrames.ts';
import type { RunMetadata } from '../../data/runMetadata.ts';
import { analyzeMovie, type AnalyzeOptions, type AnalyzeStep } from '../../pipeline/analyzeMovie.ts';
import { terminalProgress } from '../progress.ts';
import { locateOptionsFromFlags, type LocateFlags } from './locate.ts';
import { checkClassifyFlags } from './classify.ts';
import { parseTransitionsFlags } from './transitions.ts';
import { cliMessage, flagTable } from '../optionFlags.ts';

/** Flags of `analyze`. */
export interface AnalyzeFlags extends Omit<LocateFlags, 'out' | 'overlayEvery'> {
  out: string;
  centre?: string;
  classes: string;
  lag: string;
  seed: string;
  memory?: string;
}

function step(k: number, n: number, text: string): void {
  if (!process.env.ATOMDYN_QUIET) process.stderr.write(`[${k}/${n}] ${text}\n`);
}

/**
 * Check every option of every step `analyze` will run, without opening the movie or writing
 * anything (the movie's header is checked by the library before any frame is read).
 * @returns the library options of pipeline/analyzeMovie.ts
 * @throws AtomdynError naming the flag
 */
export function checkAnalyzeOptions(flags: AnalyzeFlags): AnalyzeOptions {
  const locate = locateOptionsFromFlags(flags);
  if (flags.memory !== undefined && !/^\s*\d+\s*$/.test(flags.memory)) throw new AtomdynError('--memory', `expected a whole number of frames >= 0, got '${flags.memory}'`);
  checkClassifyFlags({ classes: flags.classes, seed: flags.seed, centre: flags.centre });
  const { lag, seed } = parseTransitionsFlags({ lag: flags.lag, seed: flags.seed });
  const classes = flags.classes.trim().toLowerCase() === 'auto' ? 'auto' : Number(flags.classes);
  return { locate, centre: flags.centre, classes, lag, seed, memory: flags.memory !== undefined ? Number(flags.memory) : undefined };
}

/**
 * `atomdyn analyze MOVIE --out DIR`: flags -> options, open the movie once, one library call
 * (pipeline/analyzeMovie.ts) into a fresh run folder: every option is checked and the --out folder
 * accepted before any frame is read; the steps run in a temporary folder beside --out, which is
 * moved into place with run.json (`complete: true`) and report.html once all is written.
 * Exported for `demo` and tests.
 * @returns the report path (in the final folder), the final run metadata and the classified configurations
 * @throws AtomdynError from any step (one line, naming the file or option)
 */
export async function runAnalyze(movie: string, flags: AnalyzeFlags, command: string[]): Promise<{ report: string; run: RunMetadata; configurations: number }> {
  const options = checkAnalyzeOptions(flags);
  const stack = await openFrames(movie, { dataset: flags.dataset });
  try {
    options.locate.progress = terminalProgress();
    const steps = stepArgs(flags);
    const r = await analyzeMovie(stack, options, {
      out: flags.out,
      overwrite: flags.overwrite,
      command,
      movie,
      stepCommand: (s, f) => [s, f.input, ...(s === 'track' || s === 'classify' ? ['--frames', f.movie] : []), '--out', f.out, ...steps[s]],
      step,
      log: (line) => process.stderr.write(`atomdyn ${line}\n`),
      progress: terminalProgress(),
    });
    return { report: r.report, run: r.run, configurations: r.configurations };
  } finally {
    await stack.close();
  }
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
  const shard = flags.shard !== undefined ? parseShard(flags.shard, '--shard') : null;
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
      const line = await analyzeErrorLine(err);
      log(`${head}: failed: ${line}`);
      failed.push(`${e.id}: ${line}`);
    }
  }
  if (failed.length) throw new AtomdynError('--manifest', `${failed.length} of ${entries.length} movies failed (${failed.join('; ')}); the others are in ${root}; re-run to retry only the missing ones`);
  return { analysed, skipped, failed };
}

let analyzeFlags: Map<string, string> | null = null;

/**
 * A movie's failure as the CLI says it (cli/optionFlags.ts `cliMessage`): library option names in the
 * message become `analyze`'s flags (`searchRangePm` -> `--search-range`), so the per-movie lines of
 * `analyze --manifest` and of `atomdyn worker` read like the errors of a single `analyze`.
 */
export async function analyzeErrorLine(err: AtomdynError): Promise<string> {
  if (!analyzeFlags) {
    const { Command } = await import('commander');
    const program = new Command();
    register(program);
    analyzeFlags = flagTable(program);
  }
  return cliMessage(err, analyzeFlags);
}

/** The flags of each step that reproduce what `analyze` ran (recorded in each step's run.json). */
function stepArgs(f: AnalyzeFlags): Record<AnalyzeStep, string[]> {
  const a: string[] = [];
  if (f.model) a.push('--model', f.model);
  if (f.lattice) a.push('--lattice', f.lattice);
  if (f.pixelSize) a.push('--pixel-size', f.pixelSize);
  if (f.trustMetadata) a.push('--trust-metadata');
  if (f.species) a.push('--species', f.species);
  if (f.material) a.push('--material', f.material);
  if (f.dataset) a.push('--dataset', f.dataset);
  if (f.fit === true) a.push('--fit');
  if (f.fit === false) a.push('--no-fit');
  if (f.tta === true) a.push('--tta');
  if (f.tta === false) a.push('--no-tta');
  if (f.refine) a.push('--refine');
  if (f.hotPixels === false) a.push('--no-hot-pixels');
  if (f.workers) a.push('--workers', f.workers);
  if (f.backend && f.backend !== 'auto') a.push('--backend', f.backend);
  if (f.frameRange) a.push('--frame-range', f.frameRange);
  if (f.roi) a.push('--roi', f.roi);
  if (f.strict) a.push('--strict');
  if (f.defectPrior) a.push('--defect-prior', f.defectPrior);
  return {
    locate: a,
    track: [...(f.frameRange ? ['--drift', 'coordinates'] : []), ...(f.memory ? ['--memory', f.memory] : [])],
    classify: ['--classes', f.classes, '--seed', f.seed, ...(f.centre ? ['--centre', f.centre] : [])],
    transitions: ['--lag', f.lag, '--seed', f.seed],
  };
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
    .option('--fit', 'graphene models: the joint column fit of locate on every frame (locate --fit; default: automatic, only where the pixels resolve single C columns)')
    .option('--no-fit', 'never run the column fit (locate --no-fit)')
    .option('--refine', 'without --fit: single-atom 2-D Gaussian refinement (locate --refine)')
    .option('--tta', 'test-time augmentation of the network over 8 rotations and mirrors (locate --tta; 8x the network time; default: on for graphene frames at about the model\'s pixel size)')
    .option('--no-tta', 'never use test-time augmentation (locate --no-tta)')
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
    .option('--backend <name>', 'tensor backend: auto (ATOMDYN_BACKEND where set, else the first that works), tensorflow, onnxruntime (forward passes on onnxruntime-node, from the model folder\'s ONNX export where it has one), wasm, cpu', 'auto')
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
