/**
 * The `locate` step as one library call into a run folder: atoms with species in every frame of an
 * open movie, written as DIR/atoms.csv (docs/schema.md), DIR/results.h5 (the same table with units and
 * the run metadata), PNG overlays in DIR/overlays/ (every frame of a short movie; first, last and
 * every Nth of a long one) and DIR/run.json, under the run-folder rules of data/runFolder.ts.
 * `atomdyn locate` (cli/commands/locate.ts) parses its flags into {@link LocateStepOptions} and calls
 * {@link locateStep}; {@link analyzeMovie} calls it on the movie it opened once.
 */
import path from 'node:path';
import { AtomdynError, ModelNotApplicableError } from '../data/errors.ts';
import { finalPaths, withRunFolder } from '../data/runFolder.ts';
import { inRegion, selectFrames, type FrameRange, type Region } from '../data/frameSelection.ts';
import { writeCsv, type Cell, type Table } from '../data/csvTable.ts';
import { ColumnTable } from '../data/columnTable.ts';
import type { FrameStack } from '../data/frameStack.ts';
import { newRun, type RunMetadata } from '../data/runMetadata.ts';
import { silentProgress } from '../data/progress.ts';
import { writeOverlayPng } from '../data/writers/overlayPng.ts';
import { writeResultsHdf5 } from '../data/writers/hdf5Results.ts';
import { inferenceBackendName } from '../models/inferenceBackend.ts';
import {
  applicabilityFrames,
  atomsColumns,
  atomsRows,
  checkLocatedFrame,
  locateIter,
  planLocate,
  probeWidthOfRun,
  summariseChecks,
  unknownPixelSizeMessage,
  type FrameCheck,
  type LocateOptions,
  type LocatedFrame,
} from '../inference/locate.ts';
import { ttaApplies } from '../inference/testTimeAugmentation.ts';
import { AUTO_FIT_MIN_LIGHT_LLR } from '../inference/columnFit.ts';
import { locateClassical } from '../inference/classicalLocate.ts';
import { fitLatticeSites, siteFrameSummary, siteMaterial, sitesColumns, sitesRows, type SiteFrameSummary } from '../inference/latticeSites.ts';
import { asWritten, type StepOutput } from './stepOutput.ts';

/** Settings of the classical finder (`model: 'classical'`, inference/classicalLocate.ts). */
export interface ClassicalStepOptions {
  /** First-order lattice spacing, px (default: measured from the first frame's Fourier transform). */
  atomSpacingPx?: number;
  /** auto (two when the geometric split has intensity contrast), '1' or '2'. Default auto. */
  sublattices?: 'auto' | '1' | '2';
  /** Call the brighter (bright) or the dimmer (dim) sublattice A. Default bright. */
  aSite?: 'bright' | 'dim';
}

/** Options of {@link locateStep}: the library's {@link LocateOptions} and what the step adds. */
export interface LocateStepOptions extends LocateOptions {
  /** Only these frames (atoms.csv keeps the movie's frame numbers); null/absent: all. */
  frameRange?: FrameRange | null;
  /** Keep only the atoms in this region (found on whole frames); null/absent: all. */
  roi?: Region | null;
  /** Overlay every Nth frame (default: all of a short movie, about 10 of a long one). */
  overlayEvery?: number;
  /** Throw a {@link ModelNotApplicableError} when the frames do not look like the model's lattice. */
  strict?: boolean;
  /** The dataset inside a container file (for run.json). */
  dataset?: string | null;
  /** The classical finder's settings (only with `model: 'classical'`). */
  classical?: ClassicalStepOptions;
  /**
   * MX2 sites (inference/latticeSites.ts): prior probability of each point defect per site, by name
   * (e.g. `{ vac_Mo: 0.002, V_Mo: 0.02 }`); absent names keep 0.02. Only with an MX2 material.
   */
  defectPriors?: Readonly<Record<string, number>>;
  /**
   * Return the located frames' atom lists in {@link LocateStepResult.frames} (default true). Without
   * them (false: `frames` is empty) the step's memory does not grow with the movie's length beyond
   * its tables (analyze passes the table on and does not need the lists).
   */
  keepFrames?: boolean;
}

/** What {@link locateStep} returns. */
export interface LocateStepResult {
  /** atoms.csv as written (a {@link ColumnTable}: typed columns, rows read on demand). */
  table: Table;
  /** run.json as written (paths final, `complete: true`). */
  run: RunMetadata;
  /** The located frames (movie frame numbers; atoms in the region only); empty with `keepFrames: false`. */
  frames: LocatedFrame[];
  /** sites.csv as written (MX2 materials: every lattice site with occupancy and defect), else null. */
  sites?: Table | null;
}

/** Frames that get an overlay: all of a short movie (<= 20 frames), else first, last and every Nth. */
export function overlayFrames(count: number, every?: number): Set<number> {
  if (count <= 20 && !every) return new Set(Array.from({ length: count }, (_, i) => i));
  const n = every ?? Math.ceil(count / 10);
  const s = new Set<number>([0, count - 1]);
  for (let i = 0; i < count; i += n) s.add(i);
  return s;
}

/** The one-line warning when the model does not apply. */
function notApplicableLine(input: string, model: string, reason: string): string {
  return `the model ${model} does not apply to ${input}: ${reason}`;
}

/**
 * Locate atoms in every frame of `full` (or of its frame range) and write the step's files into a
 * fresh run folder at `output.out`. The frames stream through the segmenter (inference/locate.ts
 * {@link locateIter}), one at a time; overlays and the does-the-model-apply checks
 * (inference/applicability.ts) read the few frames they need from the same stack. With a region, the
 * atoms found on whole frames that lie in it are kept; `frame`, `x`, `y` stay the full movie's.
 *
 * @param full the open movie (not closed here)
 * @param options model, calibration, species, per-frame settings, selection
 * @param output where and how to write (run folder, inputs, command, previous run.json, log)
 * @returns atoms.csv as a table, run.json as written and the located frames
 * @throws AtomdynError for bad options (naming the option), an --out folder refused by the run-folder
 *   rules, and when the pixel size stays unknown (run.json with the verdict is still written);
 *   ModelNotApplicableError (exit code 3) with `strict` when the model does not apply
 */
export async function locateStep(full: FrameStack, options: LocateStepOptions, output: StepOutput): Promise<LocateStepResult> {
  if (options.model === 'classical') return classicalStep(full, options, output);
  const input = full.path;
  const log = output.log ?? (() => {});
  const selection = selectFrames(full, options.frameRange ?? null, options.roi ?? null);
  const stack = selection.stack;
  let stop: Error | null = null;
  const result = await withRunFolder(output.out, { inputs: output.inputs, overwrite: output.overwrite }, async (folder) => {
    const outDir = folder.dir;
    const previous = output.previous ?? null;
    const opts: LocateOptions = { ...options, runJsonPixelSize: previous?.pixelSizePm ?? null, progress: options.progress ?? silentProgress };
    const plan = await planLocate(full, opts); // the pixel size from the movie's first frame, as a full run
    for (const w of plan.pixel.warnings) log(w);
    const ttaMode = options.frame?.tta ?? 'auto';
    const ttaUsed = plan.pixel.pixelSizePm.value != null && ttaApplies(ttaMode, plan.card, plan.pixel.pixelSizePm.value);
    if (ttaUsed && ttaMode === 'auto') log(ttaAutoLine(plan.card.pixelSizePm, plan.pixel.pixelSizePm.value!));
    const baseRun = (): RunMetadata => {
      const run = newRun('locate', output.command, previous);
      run.source = previous?.source ?? path.resolve(output.source ?? input);
      run.inputs = [path.resolve(output.source ?? input)];
      run.frames = { count: full.count, height: full.height, width: full.width };
      if (options.frameRange || options.roi) {
        run.selection = {
          frameRange: options.frameRange ? { ...options.frameRange, stop: options.frameRange.stop ?? full.count } : null,
          roi: options.roi ?? null,
          frames: selection.frames.length,
        };
      }
      run.pixelSizePm = plan.pixel.pixelSizePm;
      if (full.calibration.frameTimeS.value != null && run.frameTimeS.value == null) run.frameTimeS = full.calibration.frameTimeS;
      run.lattice = plan.material;
      run.model = { name: opts.model, card: plan.card };
      run.species = plan.elements;
      run.parameters = {
        dataset: options.dataset ?? null,
        refine: opts.frame?.refine,
        hotPixels: opts.frame?.hotPixels,
        tta: ttaUsed,
        ttaMode,
        latticeOtherCheck: !(opts.frame?.latticeSpotsPerPx && opts.frame.latticeSpotsPerPx.length === 0),
        strict: !!options.strict,
        latticeConstantPm: plan.latticeConstantPm,
        measuredPixelSizePm: plan.pixel.measuredPm,
        stackCalibration: full.calibration,
        fileMetadata: full.metadata,
      };
      run.warnings = [...plan.pixel.warnings];
      return run;
    };
    // stop before the network when the first frame already says the model does not apply (strict),
    // or when the pixel size stayed unknown: the run (run.json only) still records the verdict
    const firstVerdict = plan.pixel.verdict;
    const stopStrict = options.strict && firstVerdict.applicable === false;
    if (stopStrict || plan.pixel.pixelSizePm.value == null) {
      const run = baseRun();
      run.applicability = summariseChecks(plan, opts.model, [{ frame: 0, verdict: firstVerdict, latticeShare: null, uncoveredShare: null, missedColumnShare: null, flagged: false, uncovered: null }]);
      run.outputs = [];
      await folder.commit(run);
      if (firstVerdict.applicable === false) log(`warning: ${notApplicableLine(input, opts.model, firstVerdict.reason)}`);
      stop = stopStrict
        ? new ModelNotApplicableError(input, `the model ${opts.model} does not apply (\`strict\`): ${firstVerdict.reason}`)
        : new AtomdynError(input, unknownPixelSizeMessage(plan));
      return null;
    }
    const overlays = overlayFrames(stack.count, options.overlayEvery);
    const checkFrames = applicabilityFrames(stack.count);
    const calibrated = plan.pixel.pixelSizePm.value != null;
    // typed columns, not one object per row: the table of a long movie stays small (data/columnTable.ts)
    const table = new ColumnTable(atomsColumns(calibrated));
    const frames: LocatedFrame[] = [];
    const probes: LocatedFrame[] = []; // each frame's probe width only, for run.json
    const keepFrames = options.keepFrames ?? true;
    const checks: FrameCheck[] = [];
    const outputs = ['atoms.csv', 'results.h5'];
    // MX2: the lattice sites of every frame, their occupancy and defects (inference/latticeSites.ts)
    const sitesOf = siteMaterial(plan.material);
    const siteRows = new ColumnTable(sitesColumns(calibrated));
    const siteFrames: SiteFrameSummary[] = [];
    const siteWarnings: string[] = [];
    let sitesTable: Table | null = null;
    for await (const f of locateIter(stack, plan, opts)) {
      // back to the full movie's frame numbers and pixels
      const roi = options.roi;
      const atFull: LocatedFrame = { frame: selection.frames[f.frame], atoms: roi ? f.atoms.filter((a) => inRegion(roi, a.x, a.y)) : f.atoms, probeSigmaPx: f.probeSigmaPx, fitLightLlr: f.fitLightLlr };
      if (keepFrames) frames.push(atFull);
      probes.push({ frame: atFull.frame, atoms: [], probeSigmaPx: f.probeSigmaPx, fitLightLlr: f.fitLightLlr });
      for (const r of atomsRows(atFull, plan)) table.append(r);
      let siteData: Float32Array | null = null;
      let defectsDrawn: Array<{ x: number; y: number; species: string }> | null = null;
      let siteRadius = 2;
      if (sitesOf) {
        siteData = await stack.readFrame(f.frame);
        try {
          const fit = fitLatticeSites(siteData, stack.height, stack.width, f.atoms, { material: sitesOf, pixelSizePm: plan.pixel.pixelSizePm.value!, priors: options.defectPriors });
          const kept = roi ? fit.sites.filter((s) => inRegion(roi, s.x, s.y)) : fit.sites;
          for (const r of sitesRows(atFull.frame, kept, plan.pixel.pixelSizePm.value)) siteRows.append(r);
          siteFrames.push(siteFrameSummary(atFull.frame, { ...fit, sites: kept }));
          defectsDrawn = kept.filter((s) => s.defect).map((s) => ({ x: s.x, y: s.y, species: s.defect! }));
          siteRadius = (0.45 * Math.hypot(...fit.basisPx.a)) / Math.sqrt(3);
        } catch (e) {
          if (!(e instanceof AtomdynError)) throw e;
          siteWarnings.push(`frame ${atFull.frame}: no lattice sites: ${e.message}`);
        }
      }
      if (!overlays.has(f.frame) && !checkFrames.has(f.frame)) continue;
      const data = siteData ?? (await stack.readFrame(f.frame));
      if (defectsDrawn && overlays.has(f.frame)) {
        const name = `sites/frame_${String(atFull.frame).padStart(4, '0')}.png`;
        await writeOverlayPng(path.join(outDir, name), data, stack.height, stack.width, defectsDrawn, {
          title: `frame ${atFull.frame}  ${plan.material} point defects  ${plan.pixel.pixelSizePm.value!.toFixed(2)} pm/px`,
          radius: siteRadius,
        });
        outputs.push(name);
      }
      // the checks see every atom of the whole frame (the region only selects what is written)
      const check = checkLocatedFrame(plan, data, stack.height, stack.width, atFull.frame, f.atoms, checkFrames.has(f.frame));
      checks.push(check);
      if (overlays.has(f.frame)) {
        const name = `overlays/frame_${String(atFull.frame).padStart(4, '0')}.png`;
        const shade = check.uncovered && check.uncoveredShare !== null
          ? { mask: check.uncovered, color: [255, 0, 255] as [number, number, number], label: `lattice without atoms ${(100 * check.uncoveredShare).toFixed(0)} % of area, ${(100 * (check.missedColumnShare ?? 0)).toFixed(0)} % of columns missed` }
          : undefined;
        await writeOverlayPng(path.join(outDir, name), data, stack.height, stack.width, atFull.atoms, {
          title: `frame ${atFull.frame}  ${plan.card.name}  ${plan.pixel.pixelSizePm.value!.toFixed(2)} pm/px`,
          shade,
        });
        outputs.push(name);
      }
    }
    table.trim(); // the room the table reserved as it grew
    siteRows.trim();
    const run = baseRun();
    run.backend = inferenceBackendName();
    const fitMode = options.frame?.fit ?? false;
    const fitFrames = probes.filter((f) => Number.isFinite(f.probeSigmaPx)).length;
    const medianLlr = (l: LocatedFrame[]) => {
      const v = l.map((f) => f.fitLightLlr ?? NaN).filter(Number.isFinite).sort((a, b) => a - b);
      return v.length ? Math.round(100 * v[v.length >> 1]) / 100 : null;
    };
    const fitLightLlr = medianLlr(probes);
    // frames the automatic mode measured and left to the network
    const left = probes.filter((f) => Number.isFinite(f.fitLightLlr ?? NaN) && !Number.isFinite(f.probeSigmaPx));
    if (fitMode === 'auto' && left.length) log(fitAutoLine(left.length, left.length + fitFrames, medianLlr(left)!));
    run.parameters = { ...run.parameters, fit: fitFrames > 0, fitMode, fitFrames, fitLightLlr, probeWidth: probeWidthOfRun(probes, plan.pixel.pixelSizePm.value) };
    const summary = summariseChecks(plan, opts.model, checks);
    run.applicability = summary;
    const lines: string[] = [];
    if (summary.applicable === false) lines.push(notApplicableLine(input, opts.model, summary.reason));
    else if (summary.applicable === 'unknown') lines.push(`could not tell whether the model ${opts.model} applies to ${input}: ${summary.reason}`);
    const ml = summary.missedLattice;
    if (ml.flaggedFrames.length) {
      const fr = `frame(s) ${ml.flaggedFrames.slice(0, 5).join(', ')}${ml.flaggedFrames.length > 5 ? ', ...' : ''}`;
      lines.push(`missed lattice: up to ${(100 * (ml.maxMissedColumnShare ?? 0)).toFixed(0)} % of the lattice's columns were not detected and ${(100 * (ml.maxUncoveredShare ?? 0)).toFixed(0)} % of the lattice area has no detected column nearby (${fr}; tinted magenta on the overlays)`);
    }
    for (const l of lines) log(`warning: ${l}`);
    run.warnings.push(...lines);
    if (sitesOf) {
      const defects: Record<string, number> = {};
      for (const fr of siteFrames) for (const [k, n] of Object.entries(fr.defects)) defects[k] = (defects[k] ?? 0) + n;
      run.parameters = { ...run.parameters, sites: { material: sitesOf.name, frames: siteFrames, defects } };
      sitesTable = siteRows;
      await writeCsv(path.join(outDir, 'sites.csv'), sitesTable);
      outputs.push('sites.csv');
      for (const w of siteWarnings.slice(0, 5)) log(`warning: ${w}`);
      run.warnings.push(...siteWarnings);
    } else if (plan.card.lattice.name === 'mx2') {
      const line = `no sites.csv: the material '${plan.material}' names no MX2 elements (give --species metal=W,chalcogen=Se2 or --material WSe2 to list lattice sites and point defects)`;
      log(`warning: ${line}`);
      run.warnings.push(line);
    }
    run.outputs = [...outputs, 'run.json'];
    await writeCsv(path.join(outDir, 'atoms.csv'), table);
    const units: Record<string, string> = { x: 'px', y: 'px', x_pm: 'pm', y_pm: 'pm', sigma_pm: 'pm', presence: 'log-likelihood ratio' };
    await writeResultsHdf5(path.join(outDir, 'results.h5'), { run: asWritten(finalPaths(run)), tables: { atoms: { table, units, description: 'atoms.csv (docs/schema.md)' } } });
    await folder.commit(run);
    if (options.strict && summary.applicable === false) stop = new ModelNotApplicableError(input, `the model ${opts.model} does not apply (\`strict\`): ${summary.reason}`);
    return { table, run: asWritten(finalPaths(run)), frames, sites: sitesTable };
  });
  if (stop) throw stop;
  return result!;
}

/**
 * `model: 'classical'`: the classical finder on every frame (inference/classicalLocate.ts); writes the
 * same files as the network path. Without a pixel size the table stays in px and carries `sigma_px`
 * instead of `sigma_pm`.
 */
async function classicalStep(stack: FrameStack, options: LocateStepOptions, output: StepOutput): Promise<LocateStepResult> {
  const species = options.speciesElements ?? {};
  const sublattices = options.classical?.sublattices ?? 'auto';
  const aSite = options.classical?.aSite ?? 'bright';
  const previous = output.previous ?? null;
  const input = output.source ?? stack.path;
  const run = newRun('locate', output.command, previous);
  const given = options.pixelSizePm ?? undefined;
  run.pixelSizePm = given != null ? { value: given, origin: 'command-line' } : previous?.pixelSizePm?.value != null ? previous.pixelSizePm : stack.calibration.pixelSizePm;
  const pixel = run.pixelSizePm.value ?? null;
  const res = await locateClassical((i) => stack.readFrame(i), stack.count, stack.height, stack.width, { spacingPx: options.classical?.atomSpacingPx, sublattices, aSite }, stack.path, options.progress ?? silentProgress);
  const r4 = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
  const rows: Array<Record<string, Cell>> = res.frames.flatMap((f) => f.atoms.map((a) => ({
    frame: f.frame, x: r4(a.x, 4), y: r4(a.y, 4), species: a.species, element: species[a.species] ?? a.species, confidence: 1,
    ...(pixel !== null ? { x_pm: r4(a.x * pixel, 2), y_pm: r4(a.y * pixel, 2), sigma_pm: Number.isFinite(a.sigmaPx) ? r4(a.sigmaPx * pixel, 2) : null } : { sigma_px: Number.isFinite(a.sigmaPx) ? r4(a.sigmaPx, 4) : null }),
  })));
  const table: Table = { columns: pixel !== null ? atomsColumns(true) : [...atomsColumns(false), 'sigma_px'], rows };
  return withRunFolder(output.out, { inputs: output.inputs, overwrite: output.overwrite }, async (folder) => {
    const outDir = folder.dir;
    const outputs = ['atoms.csv', 'results.h5'];
    const overlays = overlayFrames(stack.count, options.overlayEvery);
    for (const f of res.frames.filter((g) => overlays.has(g.frame))) {
      const name = `overlays/frame_${String(f.frame).padStart(4, '0')}.png`;
      await writeOverlayPng(path.join(outDir, name), await stack.readFrame(f.frame), stack.height, stack.width, f.atoms, { title: `frame ${f.frame}  classical  ${pixel === null ? 'px' : `${pixel.toFixed(2)} pm/px`}` });
      outputs.push(name);
    }
    run.source = previous?.source ?? path.resolve(input);
    run.inputs = [path.resolve(input)];
    run.frames = { count: stack.count, height: stack.height, width: stack.width };
    if (stack.calibration.frameTimeS.value != null && run.frameTimeS.value == null) run.frameTimeS = stack.calibration.frameTimeS;
    run.model = { name: 'classical' };
    run.species = Object.fromEntries([...new Set(rows.map((r) => String(r.species)))].map((s) => [s, species[s] ?? s]));
    run.parameters = { dataset: options.dataset ?? null, spacingPx: res.spacingPx, sublattices, aSite, sublatticeContrast: res.contrast, centreFits: res.centreFits, stackCalibration: stack.calibration, fileMetadata: stack.metadata };
    if (pixel === null) run.warnings = ['no pixel size: positions and sigma_px are in pixels (give --pixel-size PM for pm)'];
    run.outputs = [...outputs, 'run.json'];
    await writeCsv(path.join(outDir, 'atoms.csv'), table);
    await writeResultsHdf5(path.join(outDir, 'results.h5'), { run: asWritten(finalPaths(run)), tables: { atoms: { table, units: { x: 'px', y: 'px', x_pm: 'pm', y_pm: 'pm', sigma_pm: 'pm', sigma_px: 'px' }, description: 'atoms.csv (docs/schema.md)' } } });
    await folder.commit(run);
    return { table, run: asWritten(finalPaths(run)), frames: res.frames.map((f) => ({ ...f, probeSigmaPx: NaN })) };
  });
}

/**
 * The line `locate` prints when the automatic column fit (inference/columnFit.ts AUTO_FIT_MIN_LIGHT_LLR)
 * left frames to the network: how many, the measured median light-column LLR, and how to force the fit.
 * @param skipped frames left to the network
 * @param tried frames where the automatic mode measured the LLR (those left and those fitted)
 * @param medianLlr median over the frames left to the network of their median light-column Wald LLR (counts)
 */
export function fitAutoLine(skipped: number, tried: number, medianLlr: number): string {
  return `note: column fit left ${skipped} of ${tried} frames to the network: their C columns are not resolved one by one (median column LLR ${medianLlr.toFixed(1)} < ${AUTO_FIT_MIN_LIGHT_LLR}; on such real frames the fit lowers formula accuracy, README); sigma_pm and presence are empty there; --fit forces it`;
}

/**
 * The line `locate` prints when `'auto'` turned test-time augmentation on (inference/testTimeAugmentation.ts
 * ttaApplies): why, what it costs, and how to turn it off.
 */
export function ttaAutoLine(modelPixelSizePm: number, inputPixelSizePm: number): string {
  return `note: test-time augmentation on (${inputPixelSizePm.toFixed(1)} pm/px is about the model's own ${modelPixelSizePm} pm/px, so no down-sampling averages the noise): 8x the network time; --no-tta turns it off`;
}
