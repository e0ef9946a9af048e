/**
 * The whole analysis of one movie in memory: locate -> drift registration and linking -> classify ->
 * transitions, then results.h5, the mean drift-corrected frame, event crops and one self-contained
 * report.html. The movie is opened once (by the caller, or here when given a path) and every step
 * reads its frames from that handle: locate streams them through the segmenter and, on the whole
 * movie, the drift registration runs on each frame as locate reads it (one pass; the track step links
 * with that drift, the one `track --frames` would register); the gallery reads frames again from the
 * same handle. Tables pass from step to step
 * as typed data, exactly as each step's file holds them (data/csvTable.ts canonicalTable, then the
 * same checks as the file readers, data/tableChecks.ts), so the result is the same as running the
 * steps one after another on each other's files. The long tables (atoms, tracks) are held by column
 * (data/columnTable.ts) and locate keeps no per-frame atom lists, so memory after locate grows by
 * about 0.2 kB per atom detection rather than by several copies of a JavaScript object per row.
 *
 * Each step writes its files as it ends, into its own run folder (DIR/locate, DIR/track,
 * DIR/classify, DIR/transitions, each with its run.json, so any step can be re-run alone on the
 * previous step's files); the tables and figures are then gathered into DIR (atoms.csv, tracks.csv,
 * drift.csv, configurations.csv, transitions.json, events.csv, results.h5, report.html, run.json).
 * DIR itself is a run folder (data/runFolder.ts): written beside, moved into place when complete.
 */
import path from 'node:path';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { AtomdynError } from '../data/errors.ts';
import { assertNotInput } from '../data/atomicWrite.ts';
import { canonicalCell, canonicalTable, type Table } from '../data/csvTable.ts';
import { ColumnTable } from '../data/columnTable.ts';
import { selectFrames } from '../data/frameSelection.ts';
import type { FrameStack } from '../data/frameStack.ts';
import { openFrames } from '../data/openFrames.ts';
import { finalPath, finalPaths, withRunFolder } from '../data/runFolder.ts';
import { newRun, readRunBeside, writeRun, type RunMetadata } from '../data/runMetadata.ts';
import { checkedRows, checkTable } from '../data/tableChecks.ts';
import { releaseMemory } from '../data/memory.ts';
import { silentProgress, type ProgressSink } from '../data/progress.ts';
import { writeResultsHdf5, type ResultTable } from '../data/writers/hdf5Results.ts';
import { writeEventCrops } from '../report/eventCrops.ts';
import { MeanFrameAccumulator, writeMeanFrame, writeMeanFramePng } from '../report/meanFrame.ts';
import { buildReport } from '../report/buildReport.ts';
import { locateStep, type LocateStepOptions, type LocateStepResult } from './locateStep.ts';
import { trackStep } from './trackStep.ts';
import { FrameDriftEstimator, driftTrackFromSteps, type DriftStep } from '../dynamics/registration/driftCorrection.ts';
import { frameRegistrationOptions } from '../dynamics/tracking/trackAtoms.ts';
import { classifyInputFromTable, classifyStep, CONFIGURATION_COLUMNS } from './classifyStep.ts';
import { transitionsStep } from './transitionsStep.ts';
import { asWritten } from './stepOutput.ts';

/** The tracks columns classify reads (dynamics/configurations/centres.ts atomsFromTable). */
const CLASSIFY_READS = ['frame', 'x', 'y', 'species', 'element', 'particle'];

/** The steps of {@link analyzeMovie} that write a run folder of their own. */
export type AnalyzeStep = 'locate' | 'track' | 'classify' | 'transitions';

/** Options of {@link analyzeMovie}. */
export interface AnalyzeOptions {
  /** The locate step's options (model, calibration, species, per-frame settings, frame range, region). */
  locate: LocateStepOptions;
  /** Centre atoms to classify (default: the dopant species); 'all' for every atom. */
  centre?: string;
  /** Number of configuration classes, or 'auto' (BIC). Default 'auto'. */
  classes?: number | 'auto';
  /** Lag time of the transition matrix, movie frames (a multiple of the frame range's step). Default 1. */
  lag?: number;
  /** Seed of every random step. Default 0. */
  seed?: number;
  /** Frames a track may be missed and still continue. Default: the track step's (2). */
  memory?: number;
}

/** Where {@link analyzeMovie} writes, and what it tells as it goes. */
export interface AnalyzeSink {
  /** The run folder of the whole analysis (replaced whole only with `overwrite`). */
  out: string;
  /** Replace a folder that already holds a run. Default false. */
  overwrite?: boolean;
  /** The command line recorded in DIR/run.json. */
  command: string[];
  /** The movie as the user named it (run.json `source`, the inputs no output may replace); default: the path given, or the stack's. */
  movie?: string;
  /**
   * The command recorded in each step's run.json (the equivalent single-step command, so the step can be
   * re-run alone); default `[step]`.
   * @param step the step
   * @param files its input table (the movie for locate), its run folder and the movie
   */
  stepCommand?: (step: AnalyzeStep, files: { input: string; out: string; movie: string }) => string[];
  /** `[k/n] what` as each step starts (default: none). */
  step?: (k: number, n: number, text: string) => void;
  /** Warnings and notes of the steps, one line each (default: none). */
  log?: (line: string) => void;
  /** Progress of the long steps (default: silent). */
  progress?: ProgressSink;
}

/** What {@link analyzeMovie} returns. */
export interface AnalyzeResult {
  /** DIR/report.html (final path). */
  report: string;
  /** DIR/run.json as written. */
  run: RunMetadata;
  /** Centre-frame configurations classified (rows of configurations.csv with a state). */
  configurations: number;
  /** The tables as written, in memory. */
  tables: { atoms: Table; tracks: Table; drift: Table; configurations: Table; events: Table | null };
  /** transitions.json as written, or null when there were no transitions to estimate. */
  transitions: Record<string, unknown> | null;
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

/** A locate step's result without its per-frame atom lists (analyze passes the table on; the lists would only hold memory). */
function withoutFrames(r: LocateStepResult): Omit<LocateStepResult, 'frames'> {
  return { table: r.table, run: r.run, sites: r.sites };
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

/**
 * Analyse one movie into a fresh run folder at `sink.out` (see the module comment).
 *
 * @param source the open movie (not closed here), or its path (opened once here, with
 *   `options.locate.dataset`, and closed at the end)
 * @param options the steps' settings
 * @param sink where to write and what to tell
 * @returns the report path, DIR/run.json, the number of classified configurations and the tables
 * @throws AtomdynError naming the option (`lag` not a multiple of the frame range's step; `frameRange`,
 *   `roi` outside the movie) before anything is written; from any step (one line, naming the file
 *   or option); ModelNotApplicableError with `locate.strict` when the model does not apply
 */
export async function analyzeMovie(source: FrameStack | string, options: AnalyzeOptions, sink: AnalyzeSink): Promise<AnalyzeResult> {
  if (typeof source === 'string') {
    const stack = await openFrames(source, { dataset: options.locate.dataset ?? undefined });
    try {
      return await analyzeStack(stack, sink.movie ?? source, options, sink);
    } finally {
      await stack.close();
    }
  }
  return analyzeStack(source, sink.movie ?? source.path, options, sink);
}

async function analyzeStack(stack: FrameStack, movie: string, options: AnalyzeOptions, sink: AnalyzeSink): Promise<AnalyzeResult> {
  const lag = options.lag ?? 1;
  const seed = options.seed ?? 0;
  const classes = options.classes ?? 'auto';
  const frameStep = options.locate.frameRange?.step ?? 1;
  if (!Number.isInteger(lag) || lag < 1) throw AtomdynError.forOption('lag', `expected an integer >= 1 (frames), got ${lag}`);
  if (lag % frameStep !== 0) throw AtomdynError.forOption('lag', `is counted in movie frames; with \`frameRange\` step ${frameStep} it must be a multiple of ${frameStep}, got ${lag}`);
  selectFrames(stack, options.locate.frameRange ?? null, options.locate.roi ?? null); // the frame range and region against the movie, before anything is written
  const input = path.resolve(movie);
  const partOfMovie = !!options.locate.frameRange;
  const inputs = [input, path.join(path.dirname(input), 'run.json')];
  const model = options.locate.model;
  if (model && /[/\\]/.test(model)) inputs.push(path.resolve(model));
  const step = sink.step ?? (() => {});
  const log = sink.log ?? (() => {});
  const progress = sink.progress ?? silentProgress;
  const stepCommand = sink.stepCommand ?? ((s: AnalyzeStep) => [s]);
  return withRunFolder(sink.out, { inputs, overwrite: sink.overwrite }, async (folder) => {
    const out = folder.dir;
    const dirs = { locate: path.join(out, 'locate'), track: path.join(out, 'track'), classify: path.join(out, 'classify'), transitions: path.join(out, 'transitions') };
    const files = {
      atoms: path.join(dirs.locate, 'atoms.csv'),
      tracks: path.join(dirs.track, 'tracks.csv'),
      configurations: path.join(dirs.classify, 'configurations.csv'),
    };
    const N = 6;

    step(1, N, `locate atoms in ${movie}`);
    // one pass over the movie: the frame registration of the track step runs on each frame as locate
    // reads it (in this thread, while the worker threads run the network), with the options the track
    // step would use, so the drift is the one `track --frames` registers
    const registration = partOfMovie ? null : { est: new FrameDriftEstimator(stack.width, stack.height, frameRegistrationOptions({})) as FrameDriftEstimator | null, steps: [] as DriftStep[] };
    // the drift-corrected mean frame (step 5's mean_frame.png) is summed here too, each frame shifted by its
    // registered drift as drift.csv will hold it, so step 5 does not read the movie again (issue 24); step 5
    // checks the shifts against drift.csv and reads the movie when they differ
    const mean = registration && stack.count > 1 ? new MeanFrameAccumulator(stack.width, stack.height, stack.count) : null;
    const onFrame = registration
      ? (i: number, data: Float32Array) => {
          const s = registration.est!.push(data, i);
          registration.steps.push(s);
          const dx = canonicalCell(s.dx), dy = canonicalCell(s.dy);
          // (a drift drift.csv would not hold as numbers leaves the frame out: step 5 then reads the movie)
          if (mean?.frames.has(i) && typeof dx === 'number' && typeof dy === 'number') mean.add(i, data, dx, dy);
        }
      : undefined;
    const loc = await locateStep(stack, { ...options.locate, progress, onFrame, keepFrames: false }, {
      out: dirs.locate,
      inputs,
      command: stepCommand('locate', { input: movie, out: finalPath(dirs.locate), movie }),
      source: movie,
      previous: readRunBeside(input),
      log: (l) => log(`locate: ${l}`),
    }).then(withoutFrames); // the per-frame atom lists would duplicate the table: not kept
    const pixel = loc.run.pixelSizePm.value;
    // the estimator's spectra and the mean frame's float64 sums are not needed after locate
    if (registration) registration.est = null;
    mean?.finish();

    releaseMemory(); // what the last step left (data/memory.ts) goes before the next allocates
    step(2, N, 'register drift and link trajectories');
    // on a frame range the drift is registered on the atoms' coordinates (the frame registration reads the whole movie)
    // MX2: the point defects of sites.csv are linked as particles too (docs/schema.md)
    const sitesFile = path.join(dirs.locate, 'sites.csv');
    const defectSites = loc.sites ? { table: checkTable(sitesFile, canonicalTable(loc.sites), { canonicalOrder: false }).table, source: sitesFile } : null;
    const atoms = () => {
      const checked = checkTable(files.atoms, canonicalTable(loc.table), { canonicalOrder: false }).table; // made for the call only
      releaseMemory(); // the check's hashes and row texts go before the linking allocates
      return checked;
    };
    const frameDrift = registration && registration.steps.length === stack.count ? driftTrackFromSteps(registration.steps, 'frames') : undefined;
    const trk = await trackStep(atoms(), { drift: partOfMovie ? 'coordinates' : 'frames', memory: options.memory, progress, defectSites, frameDrift }, stack, {
      out: dirs.track,
      inputs: [files.atoms, path.join(dirs.locate, 'run.json'), input, ...(defectSites ? [sitesFile] : [])],
      command: stepCommand('track', { input: files.atoms, out: dirs.track, movie }),
      source: files.atoms,
      previous: loc.run,
    }).then((t) => {
      releaseMemory(); // the registration's buffers and the CSV text go before the canonical copies are made
      return { run: t.run, tracks: canonicalTable(t.result.tracks), drift: canonicalTable(t.result.drift) }; // the linking's working tables go
    });
    for (const w of trk.run.warnings) log(`track: warning: ${w}`);
    const { tracks, drift } = trk; // as tracks.csv and drift.csv hold them

    releaseMemory();
    step(3, N, 'classify local configurations');
    // classify reads only these columns; each tracks row is one detection of one particle (no two rows
    // share frame and particle), so the check orders and keeps the same rows either way; the checked
    // rows are read straight into classify's atoms (no checked copy of the table)
    const classifyReads = tracks instanceof ColumnTable ? tracks.project(CLASSIFY_READS.filter((c) => tracks.columns.includes(c))) : tracks;
    const cls = await classifyStep(
      classifyInputFromTable(classifyReads, files.tracks, trk.run, stack, movie, checkedRows(files.tracks, classifyReads).order),
      { centre: options.centre, classes, seed, progress },
      {
        out: dirs.classify,
        inputs: [files.tracks, path.join(dirs.track, 'run.json'), input],
        command: stepCommand('classify', { input: files.tracks, out: dirs.classify, movie }),
        source: files.tracks,
        previous: trk.run,
      },
    ).then((c) => ({ run: c.run, rows: c.rows })); // the classification's instances and sub-images (which grow with the movie) go
    for (const w of cls.run.warnings) log(`classify: warning: ${w}`);
    const configurations = canonicalTable({ columns: CONFIGURATION_COLUMNS, rows: cls.rows as Table['rows'] });
    const classified = configurations.rows.filter((r) => r.state !== null && r.state !== undefined).length;

    releaseMemory();
    step(4, N, 'estimate transition probabilities');
    let events: Table | null = null;
    let transitions: Record<string, unknown> | null = null;
    let last: RunMetadata = cls.run;
    if (classified > 0 && loc.run.frames!.count > 1) {
      const tr = await transitionsStep(checkTable(files.configurations, configurations).table, { lag, seed }, {
        out: dirs.transitions,
        inputs: [files.configurations, path.join(dirs.classify, 'run.json')],
        command: stepCommand('transitions', { input: files.configurations, out: dirs.transitions, movie }),
        source: files.configurations,
        previous: cls.run,
      });
      for (const w of tr.run.warnings) log(`transitions: warning: ${w}`);
      events = canonicalTable(tr.events);
      transitions = asWritten(tr.doc); // as transitions.json holds it
      last = tr.run;
    }

    releaseMemory();
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
    // the event crops (and the mean frame, when its sums from step 1 do not stand for drift.csv) read the
    // frames from the handle already open
    if (stack.count > 1) {
      if (mean?.matches(drift)) await writeMeanFramePng(path.join(out, 'mean_frame.png'), mean.mean(), stack.width, stack.height);
      else await writeMeanFrame(path.join(out, 'mean_frame.png'), stack, drift);
      outputs.push('mean_frame.png');
    }
    if (events && events.rows.length) outputs.push(...(await writeEventCrops(out, stack, events, { pixelSizePm: pixel, atoms: loc.table, lattice: loc.run.lattice })));
    const tables: Record<string, ResultTable> = {
      atoms: { table: loc.table, units: { x: 'px', y: 'px', x_pm: 'pm', y_pm: 'pm', sigma_pm: 'pm' } },
      tracks: { table: tracks, units: { x: 'px', y: 'px', x_corr: 'px', y_corr: 'px', x_pm: 'pm', y_pm: 'pm', x_corr_pm: 'pm', y_corr_pm: 'pm' } },
      drift: { table: drift, units: { dx: 'px', dy: 'px', dx_pm: 'pm', dy_pm: 'pm' } },
      configurations: { table: configurations, units: { x: 'px', y: 'px', rotation: 'deg' } },
    };
    if (events) tables.events = { table: events, units: { x: 'px', y: 'px', x_pm: 'pm', y_pm: 'pm' } };
    if (defectSites) tables.sites = { table: defectSites.table, units: { x: 'px', y: 'px', x_pm: 'pm', y_pm: 'pm' } };
    const run = newRun('analyze', sink.command, last);
    run.source = input;
    run.inputs = [input];
    run.seed = seed;
    run.parameters = { centre: options.centre ?? null, classes: String(classes), lag, steps: finalPaths(dirs) };
    const truth = simulationTruth(input);
    if (truth) run.truth = truth;
    run.warnings = classified === 0 ? ['no configurations were found (no centre atoms classified)'] : []; // the steps' own warnings are in the chain
    await writeResultsHdf5(path.join(out, 'results.h5'), {
      run: finalPaths(run),
      tables,
      attributes: transitions ? { transitions_json: JSON.stringify(transitions) } : {},
    });
    outputs.push('results.h5');
    run.outputs = [...outputs, 'run.json', 'report.html'];
    await writeRun(out, finalPaths(run)); // read by the report; rewritten with complete: true by commit

    releaseMemory();
    step(6, N, 'write report.html');
    // the tables as their files hold them (what the report would read back), so they are not parsed again
    await buildReport(out, { tables: { atoms: canonicalTable(loc.table), tracks, drift, configurations, events } });
    await folder.commit(run);
    return {
      report: path.join(folder.target, 'report.html'),
      run: asWritten(finalPaths(run)),
      configurations: classified,
      tables: { atoms: loc.table, tracks, drift, configurations, events },
      transitions,
    };
  });
}
