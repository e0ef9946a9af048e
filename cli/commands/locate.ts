/**
 * `atomdyn locate <input> --out DIR`: atoms with species in every frame of a movie or image.
 * Writes DIR/atoms.csv (docs/schema.md), DIR/run.json, DIR/results.h5 (the same table with units and
 * the run metadata) and PNG overlays in DIR/overlays/ (every frame of a short movie; first, last and
 * every Nth of a long one).
 */
import type { Command } from 'commander';
import path from 'node:path';
import { AtomdynError, ModelNotApplicableError } from '../../data/errors.ts';
import { finalPaths, withRunFolder } from '../../data/runFolder.ts';
import { inRegion, parseFrameRange, parseRegion, selectFrames, type FrameRange, type Region } from '../../data/frameSelection.ts';
import { writeCsv, type Cell, type Table } from '../../data/csvTable.ts';
import { openFrames } from '../../data/openFrames.ts';
import { newRun, readRunBeside, type RunMetadata } from '../../data/runMetadata.ts';
import { writeOverlayPng } from '../../data/writers/overlayPng.ts';
import { writeResultsHdf5 } from '../../data/writers/hdf5Results.ts';
import { activeBackend, type BackendChoice } from '../../models/tensorBackend.ts';
import { PRETRAINED_MODELS, resolveModelPath } from '../../models/registry.ts';
import { MATERIALS, materialByName, parseSpeciesElements } from '../../models/materials.ts';
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
} from '../../inference/locate.ts';
import { terminalProgress } from '../progress.ts';
import { locateClassical } from '../../inference/classicalLocate.ts';
import { fitLatticeSites, parseDefectPriors, siteFrameSummary, siteMaterial, sitesColumns, sitesRows, type SiteFrameSummary } from '../../inference/latticeSites.ts';

/** Parsed flags of `locate`. */
export interface LocateFlags {
  out: string;
  model?: string;
  lattice?: string;
  pixelSize?: string;
  trustMetadata?: boolean;
  species?: string;
  material?: string;
  dataset?: string;
  refine?: boolean;
  fit?: boolean;
  hotPixels?: boolean;
  workers?: string;
  backend?: string;
  overlayEvery?: string;
  defectPrior?: string;
  /** Replace the run already in --out (the whole folder). */
  overwrite?: boolean;
  /** `START:STOP[:STEP]`, 0-based, STOP exclusive. */
  frameRange?: string;
  /** `X,Y,W,H` in input pixels. */
  roi?: string;
  atomSpacing?: string;
  sublattices?: string;
  aSite?: string;
  strict?: boolean;
}

/** The model to use: --model, else the default of --lattice, else graphene-si. */
export function modelFromFlags(model: string | undefined, lattice: string | undefined): string {
  if (model) return model;
  if (lattice) {
    const l = lattice.toLowerCase();
    const byLattice = Object.entries(PRETRAINED_MODELS).find(([, m]) => m.lattice.toLowerCase() === l || (l !== 'graphene' && m.lattice === 'mx2' && /^(mos2|ws2|wse2|mose2|mx2)$/.test(l)));
    if (!byLattice) throw new AtomdynError('--lattice', `no default model for lattice '${lattice}'; use graphene, mx2 (or MoS2, WS2, WSe2), or --model PATH`);
    return byLattice[0];
  }
  return 'graphene-si';
}

function positiveNumber(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v.replace(/pm$/, ''));
  if (!(x > 0) || !Number.isFinite(x)) throw new AtomdynError(flag, `expected a positive number, found '${v}'`);
  return x;
}

function nonNegativeInteger(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isInteger(x) || x < 0) throw new AtomdynError(flag, `expected a whole number >= 0, found '${v}'`);
  return x;
}

/** Frames that get an overlay: all of a short movie (<= 20 frames), else first, last and every Nth. */
export function overlayFrames(count: number, every?: number): Set<number> {
  if (count <= 20 && !every) return new Set(Array.from({ length: count }, (_, i) => i));
  const n = every ?? Math.ceil(count / 10);
  const s = new Set<number>([0, count - 1]);
  for (let i = 0; i < count; i += n) s.add(i);
  return s;
}

/** The options of `locate` parsed and checked without reading the input (see {@link locateOptionsFromFlags}). */
export interface ParsedLocateFlags {
  /** Library options; `runJsonPixelSize` and `progress` are filled when the run starts. */
  options: LocateOptions;
  overlayEvery?: number;
  frameRange: FrameRange | null;
  roi: Region | null;
}

const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'];

/**
 * Parse and check every option of `locate` without reading a frame: numbers, species, material,
 * backend, the model (it must exist), frame range and region syntax. `analyze` calls it before
 * any step runs.
 * @throws AtomdynError naming the option
 */
export function locateOptionsFromFlags(flags: Omit<LocateFlags, 'out'>): ParsedLocateFlags {
  if (flags.defectPrior !== undefined) parseDefectPriors(flags.defectPrior);
  let speciesElements: Record<string, string> | undefined;
  if (flags.species) {
    try {
      speciesElements = parseSpeciesElements(flags.species);
    } catch (e) {
      throw new AtomdynError('--species', (e as Error).message);
    }
  }
  if (flags.material && !materialByName(flags.material)) throw new AtomdynError('--material', `unknown material '${flags.material}'; known: ${Object.keys(MATERIALS).join(', ')}`);
  const backend = flags.backend ?? 'auto';
  if (!BACKENDS.includes(backend)) throw new AtomdynError('--backend', `expected one of ${BACKENDS.join(', ')}, got '${backend}'`);
  const model = modelFromFlags(flags.model, flags.lattice);
  if (model !== 'classical') resolveModelPath(model);
  const every = positiveNumber('--overlay-every', flags.overlayEvery);
  return {
    options: {
      model,
      backend: backend as BackendChoice,
      pixelSizePm: positiveNumber('--pixel-size', flags.pixelSize) ?? null,
      trustMetadata: !!flags.trustMetadata,
      speciesElements,
      material: flags.material ?? null,
      workers: nonNegativeInteger('--workers', flags.workers),
      frame: { fit: flags.fit !== false, refine: flags.refine === true, hotPixels: flags.hotPixels !== false },
    },
    overlayEvery: every ? Math.round(every) : undefined,
    frameRange: flags.frameRange ? parseFrameRange(flags.frameRange) : null,
    roi: flags.roi ? parseRegion(flags.roi) : null,
  };
}

/**
 * Run `locate` and write its files into a fresh run folder (data/runFolder.ts). Exported for
 * `analyze` and tests. Options are checked before the input is opened, the input (header only) and
 * the --out folder before any frame is read. With a frame range only those frames are processed;
 * with a region, the atoms found on whole frames that lie in it are kept (the same atoms as a full
 * run restricted to it); `frame`, `x`, `y` in atoms.csv stay the full movie's. Does the model apply
 * (inference/applicability.ts) is checked on the first frame before the network runs and on located
 * frames after; run.json records the verdict (`applicability`) and the missed lattice.
 * @returns the atoms table and the run metadata written
 * @throws AtomdynError for bad input, flags, models or --out folders (one line, naming the file or flag),
 *   and when the pixel size stays unknown (run.json with the verdict is still written);
 *   ModelNotApplicableError (exit code 3) under --strict when the model does not apply
 */
export async function runLocate(input: string, flags: LocateFlags, command: string[]): Promise<{ table: Table; run: RunMetadata; frames: LocatedFrame[] }> {
  if (flags.model === 'classical') return runClassicalLocate(input, flags, command);
  const parsed = locateOptionsFromFlags(flags);
  const full = await openFrames(input, { dataset: flags.dataset });
  let stop: Error | null = null;
  try {
    const selection = selectFrames(full, parsed.frameRange, parsed.roi);
    const stack = selection.stack;
    const inputs = [path.resolve(input), path.join(path.dirname(path.resolve(input)), 'run.json')];
    if (flags.model && /[/\\]/.test(flags.model)) inputs.push(path.resolve(flags.model));
    const result = await withRunFolder(flags.out, { inputs, overwrite: flags.overwrite }, async (folder) => {
      const outDir = folder.dir;
      const previous = readRunBeside(path.resolve(input));
      const opts: LocateOptions = { ...parsed.options, runJsonPixelSize: previous?.pixelSizePm ?? null, progress: terminalProgress() };
      const plan = await planLocate(full, opts); // the pixel size from the movie's first frame, as a full run
      for (const w of plan.pixel.warnings) process.stderr.write(`atomdyn locate: ${w}\n`);
      const baseRun = (): RunMetadata => {
        const run = newRun('locate', command, previous);
        run.source = previous?.source ?? path.resolve(input);
        run.inputs = [path.resolve(input)];
        run.frames = { count: full.count, height: full.height, width: full.width };
        if (parsed.frameRange || parsed.roi) {
          run.selection = {
            frameRange: parsed.frameRange ? { ...parsed.frameRange, stop: parsed.frameRange.stop ?? full.count } : null,
            roi: parsed.roi,
            frames: selection.frames.length,
          };
        }
        run.pixelSizePm = plan.pixel.pixelSizePm;
        if (full.calibration.frameTimeS.value != null && run.frameTimeS.value == null) run.frameTimeS = full.calibration.frameTimeS;
        run.lattice = plan.material;
        run.model = { name: opts.model, card: plan.card };
        run.species = plan.elements;
        run.parameters = {
          dataset: flags.dataset ?? null,
          refine: opts.frame?.refine,
          hotPixels: opts.frame?.hotPixels,
          strict: !!flags.strict,
          latticeConstantPm: plan.latticeConstantPm,
          measuredPixelSizePm: plan.pixel.measuredPm,
          stackCalibration: full.calibration,
          fileMetadata: full.metadata,
        };
        run.warnings = [...plan.pixel.warnings];
        return run;
      };
      // stop before the network when the first frame already says the model does not apply (--strict),
      // or when the pixel size stayed unknown: the run (run.json only) still records the verdict
      const firstVerdict = plan.pixel.verdict;
      const stopStrict = flags.strict && firstVerdict.applicable === false;
      if (stopStrict || plan.pixel.pixelSizePm.value == null) {
        const run = baseRun();
        run.applicability = summariseChecks(plan, opts.model, [{ frame: 0, verdict: firstVerdict, latticeShare: null, uncoveredShare: null, missedColumnShare: null, flagged: false, uncovered: null }]);
        run.outputs = [];
        await folder.commit(run);
        if (firstVerdict.applicable === false) process.stderr.write(`atomdyn locate: warning: ${notApplicableLine(input, opts.model, firstVerdict.reason)}\n`);
        stop = stopStrict
          ? new ModelNotApplicableError(input, `the model ${opts.model} does not apply (--strict): ${firstVerdict.reason}`)
          : new AtomdynError(input, unknownPixelSizeMessage(plan));
        return null;
      }
      const overlays = overlayFrames(stack.count, parsed.overlayEvery);
      const checkFrames = applicabilityFrames(stack.count);
      const rows: Array<Record<string, Cell>> = [];
      const frames: LocatedFrame[] = [];
      const checks: FrameCheck[] = [];
      const outputs = ['atoms.csv', 'results.h5'];
      // MX2: the lattice sites of every frame, their occupancy and defects (inference/latticeSites.ts)
      const sitesOf = siteMaterial(plan.material);
      const priors = flags.defectPrior ? parseDefectPriors(flags.defectPrior) : undefined;
      const siteRows: Array<Record<string, Cell>> = [];
      const siteFrames: SiteFrameSummary[] = [];
      const siteWarnings: string[] = [];
      for await (const f of locateIter(stack, plan, opts)) {
        // back to the full movie's frame numbers and pixels
        const roi = parsed.roi;
        const atFull: LocatedFrame = { frame: selection.frames[f.frame], atoms: roi ? f.atoms.filter((a) => inRegion(roi, a.x, a.y)) : f.atoms, probeSigmaPx: f.probeSigmaPx };
        frames.push(atFull);
        rows.push(...atomsRows(atFull, plan));
        let siteData: Float32Array | null = null;
        let defectsDrawn: Array<{ x: number; y: number; species: string }> | null = null;
        let siteRadius = 2;
        if (sitesOf) {
          siteData = await stack.readFrame(f.frame);
          try {
            const fit = fitLatticeSites(siteData, stack.height, stack.width, f.atoms, { material: sitesOf, pixelSizePm: plan.pixel.pixelSizePm.value!, priors });
            const kept = roi ? fit.sites.filter((s) => inRegion(roi, s.x, s.y)) : fit.sites;
            siteRows.push(...sitesRows(atFull.frame, kept, plan.pixel.pixelSizePm.value));
            siteFrames.push(siteFrameSummary(atFull.frame, { ...fit, sites: kept }));
            defectsDrawn = kept.filter((s) => s.defect).map((s) => ({ x: s.x, y: s.y, species: s.defect! }));
            siteRadius = 0.45 * Math.hypot(...fit.basisPx.a) / Math.sqrt(3);
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
      const calibrated = plan.pixel.pixelSizePm.value != null;
      const table: Table = { columns: atomsColumns(calibrated), rows };
      const run = baseRun();
      run.backend = activeBackend()?.name ?? null;
      run.parameters = { ...run.parameters, fit: frames.some((f) => Number.isFinite(f.probeSigmaPx)), probeWidth: probeWidthOfRun(frames, plan.pixel.pixelSizePm.value) };
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
      for (const l of lines) process.stderr.write(`atomdyn locate: warning: ${l}\n`);
      run.warnings.push(...lines);
      if (sitesOf) {
        const defects: Record<string, number> = {};
        for (const fr of siteFrames) for (const [k, n] of Object.entries(fr.defects)) defects[k] = (defects[k] ?? 0) + n;
        run.parameters = { ...run.parameters, sites: { material: sitesOf.name, frames: siteFrames, defects } };
        await writeCsv(path.join(outDir, 'sites.csv'), { columns: sitesColumns(plan.pixel.pixelSizePm.value != null), rows: siteRows });
        outputs.push('sites.csv');
        for (const w of siteWarnings.slice(0, 5)) process.stderr.write(`atomdyn locate: warning: ${w}\n`);
        run.warnings.push(...siteWarnings);
      } else if (plan.card.lattice.name === 'mx2') {
        lines.push(`no sites.csv: the material '${plan.material}' names no MX2 elements (give --species metal=W,chalcogen=Se2 or --material WSe2 to list lattice sites and point defects)`);
        process.stderr.write(`atomdyn locate: warning: ${lines[lines.length - 1]}\n`);
        run.warnings.push(lines[lines.length - 1]);
      }
      run.outputs = [...outputs, 'run.json'];
      await writeCsv(path.join(outDir, 'atoms.csv'), table);
      const units: Record<string, string> = { x: 'px', y: 'px', x_pm: 'pm', y_pm: 'pm', sigma_pm: 'pm', presence: 'log-likelihood ratio' };
      await writeResultsHdf5(path.join(outDir, 'results.h5'), { run: finalPaths(run), tables: { atoms: { table, units, description: 'atoms.csv (docs/schema.md)' } } });
      await folder.commit(run);
      if (flags.strict && summary.applicable === false) stop = new ModelNotApplicableError(input, `the model ${opts.model} does not apply (--strict): ${summary.reason}`);
      return { table, run, frames };
    });
    if (stop) throw stop;
    return result!;
  } finally {
    await full.close();
  }
}

/** The one-line warning when the model does not apply. */
function notApplicableLine(input: string, model: string, reason: string): string {
  return `the model ${model} does not apply to ${input}: ${reason}`;
}

export function register(program: Command): void {
  program
    .command('locate')
    .description('find atoms and their species in every frame with the U-Net segmenter')
    .argument('<input>', 'movie or image (tif, npy, h5/emd/hspy, dm3/dm4, png/jpg)')
    .requiredOption('--out <dir>', 'output folder (atoms.csv, run.json, results.h5, overlays/)')
    .option('--model <name|path>', `segmenter: ${Object.keys(PRETRAINED_MODELS).join(', ')}, a model folder, or 'classical' (no network: Laplacian of Gaussian + Gaussian fits, sublattices A/B from the geometry; any well-resolved crystal) (default graphene-si)`)
    .option('--lattice <name>', 'pick the default model of a lattice: graphene, mx2 (MoS2, WS2, WSe2)')
    .option('--pixel-size <pm>', 'pixel size of the input in pm/px; overrides the file and the lattice check')
    .option('--trust-metadata', "keep the file's pixel size even when the lattice spacing disagrees by more than 5 %")
    .option('--species <map>', 'elements of the species, e.g. metal=W,chalcogen=Se2 (also picks the lattice constant)')
    .option('--material <name>', 'material for the lattice-constant check: graphene, MoS2, WS2, MoSe2, WSe2')
    .option('--dataset <path>', 'dataset inside a container file (HDF5 path, ImageList/N, channel=K)')
    .option('--no-fit', 'skip the joint column fit on the raw frame (graphene models; on by default: positions from the fit, amplitude and presence tests, added columns, Cramér-Rao sigma_pm)')
    .option('--refine', 'with --no-fit (or an MX2 model): refine positions by single-atom 2-D Gaussian fits where they converge nearby (fills sigma_pm)')
    .option('--no-hot-pixels', 'skip the hot-pixel filter')
    .option('--workers <n>', 'worker threads for frames in parallel (0 = this thread; default on wasm: one per core, at most 4, when the movie repays their start-up, about 16 frames of 256 x 256 at the model\'s pixel size per worker; else 0)')
    .option('--backend <name>', 'tensor backend: auto, tensorflow, wasm, cpu', 'auto')
    .option('--atom-spacing <px>', "classical: first-order lattice spacing in px (default: measured from the first frame's Fourier transform)")
    .option('--sublattices <mode>', 'classical: auto (two when the geometric split has intensity contrast), 1, or 2 (B columns searched at the A-cell centres)', 'auto')
    .option('--a-site <which>', 'classical: call the brighter (bright) or the dimmer (dim) sublattice A', 'bright')
    .option('--strict', 'exit with code 3 when the frames do not look like the model\'s lattice (run.json still records why)')
    .option('--defect-prior <name=p,...>', 'MX2 sites: prior probability of a point defect per site where it is not 0.02, e.g. vac_Mo=0.002,V_Mo=0.02 for a V-doped sample (docs/schema.md, sites.csv)')
    .option('--overlay-every <n>', 'overlay every Nth frame (default: all of a short movie, about 10 of a long one)')
    .option('--frame-range <start:stop[:step]>', 'only these frames (0-based, STOP exclusive; e.g. 0:50, 10:100:2); atoms.csv keeps the movie\'s frame numbers')
    .option('--roi <x,y,w,h>', 'keep only the atoms in this region, in input pixels (first column, first row, width, height; found on whole frames, so they are those of a full run); x, y stay the full frame\'s')
    .option('--overwrite', 'replace the run already in --out (the whole folder; without it such a folder is refused)')
    .addHelpText('after', '\nCoordinates: x = column, y = row, pixel centres at integers (docs/schema.md).\n' +
      'Graphene models fit every column on the raw frame with its neighbours (shared probe width, Poisson noise; --no-fit skips it):\n' +
      'positions come from the fit; a column is kept only when its amplitude is at least 0.3 of the frame\'s C-column amplitude\n' +
      'and the fit with it beats the fit without it (presence = log-likelihood ratio >= 2; an added column needs >= 12);\n' +
      'missed columns are added, and sigma_pm is the Cramér-Rao bound. MX2 models are not fitted.\n' +
      'The pixel size is checked against the lattice spacing measured in the first frame; --pixel-size overrides.\n' +
      'Before the network runs, the frame\'s Fourier peaks are compared with the model\'s lattice (symmetry and spacing):\n' +
      'run.json "applicability" says applicable true/false/unknown with the reason; --strict exits 3 when false.\n' +
      'The file\'s pixel size is replaced by the lattice-derived one only when the frame is the model\'s lattice and they\n' +
      'differ by more than 5 %; a file without calibration and without the model\'s lattice needs --pixel-size PM.\n' +
      'Lattice areas without detected columns are tinted magenta on the overlays (run.json "missedLattice").\n' +
      'Example: atomdyn locate ../shared/data/WSe2_movie/HAADF.tif --lattice mx2 --species metal=W,chalcogen=Se2 --out out/wse2')
    .action(async (input: string, flags: LocateFlags) => {
      const { table, run } = await runLocate(input, flags, process.argv.slice(2));
      const bySpecies = new Map<string, number>();
      for (const r of table.rows) bySpecies.set(String(r.species), (bySpecies.get(String(r.species)) ?? 0) + 1);
      const px = run.pixelSizePm.value;
      process.stdout.write(`${table.rows.length} atoms in ${run.selection?.frames ?? run.frames!.count} frame(s)${run.selection?.roi ? ' (region ' + Object.values(run.selection.roi).join(',') + ')' : ''} at ${px == null ? 'unknown pixel size (px only)' : `${px.toFixed(3)} pm/px`} (${run.pixelSizePm.origin}): ` +
        `${[...bySpecies].map(([s, n]) => `${n} ${s}`).join(', ')}\nwrote ${path.join(flags.out, 'atoms.csv')}\n`);
    });
}

/**
 * `locate --model classical`: the classical finder on every frame (inference/classicalLocate.ts);
 * writes the same files as the network path. Without a pixel size the table stays in px and carries
 * `sigma_px` instead of `sigma_pm`.
 * @throws AtomdynError for bad input or flags
 */
async function runClassicalLocate(input: string, flags: LocateFlags, command: string[]): Promise<{ table: Table; run: RunMetadata; frames: LocatedFrame[] }> {
  const choice = <T extends string>(flag: string, v: string | undefined, allowed: readonly T[], dflt: T): T => {
    if (v === undefined) return dflt;
    if (!allowed.includes(v as T)) throw new AtomdynError(flag, `expected one of ${allowed.join(', ')}, found '${v}'`);
    return v as T;
  };
  const sublattices = choice('--sublattices', flags.sublattices, ['auto', '1', '2'] as const, 'auto');
  const aSite = choice('--a-site', flags.aSite, ['bright', 'dim'] as const, 'bright');
  const species = flags.species ? (() => { try { return parseSpeciesElements(flags.species!); } catch (e) { throw new AtomdynError('--species', (e as Error).message); } })() : {};
  const stack = await openFrames(input, { dataset: flags.dataset });
  try {
    const previous = readRunBeside(path.resolve(input));
    const run = newRun('locate', command, previous);
    const given = positiveNumber('--pixel-size', flags.pixelSize);
    run.pixelSizePm = given !== undefined ? { value: given, origin: 'command-line' } : previous?.pixelSizePm?.value != null ? previous.pixelSizePm : stack.calibration.pixelSizePm;
    const pixel = run.pixelSizePm.value ?? null;
    const res = await locateClassical((i) => stack.readFrame(i), stack.count, stack.height, stack.width, { spacingPx: positiveNumber('--atom-spacing', flags.atomSpacing), sublattices, aSite }, stack.path, terminalProgress());
    const r4 = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
    const rows: Array<Record<string, Cell>> = res.frames.flatMap((f) => f.atoms.map((a) => ({
      frame: f.frame, x: r4(a.x, 4), y: r4(a.y, 4), species: a.species, element: species[a.species] ?? a.species, confidence: 1,
      ...(pixel !== null ? { x_pm: r4(a.x * pixel, 2), y_pm: r4(a.y * pixel, 2), sigma_pm: Number.isFinite(a.sigmaPx) ? r4(a.sigmaPx * pixel, 2) : null } : { sigma_px: Number.isFinite(a.sigmaPx) ? r4(a.sigmaPx, 4) : null }),
    })));
    const table: Table = { columns: pixel !== null ? atomsColumns(true) : [...atomsColumns(false), 'sigma_px'], rows };
    const inputs = [path.resolve(input), path.join(path.dirname(path.resolve(input)), 'run.json')];
    return await withRunFolder(flags.out, { inputs, overwrite: flags.overwrite }, async (folder) => {
    const outDir = folder.dir;
    const outputs = ['atoms.csv', 'results.h5'];
    const every = positiveNumber('--overlay-every', flags.overlayEvery);
    const overlays = overlayFrames(stack.count, every ? Math.round(every) : undefined);
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
    run.parameters = { dataset: flags.dataset ?? null, spacingPx: res.spacingPx, sublattices, aSite, sublatticeContrast: res.contrast, centreFits: res.centreFits, stackCalibration: stack.calibration, fileMetadata: stack.metadata };
    if (pixel === null) run.warnings = ['no pixel size: positions and sigma_px are in pixels (give --pixel-size PM for pm)'];
    run.outputs = [...outputs, 'run.json'];
    await writeCsv(path.join(outDir, 'atoms.csv'), table);
    await writeResultsHdf5(path.join(outDir, 'results.h5'), { run: finalPaths(run), tables: { atoms: { table, units: { x: 'px', y: 'px', x_pm: 'pm', y_pm: 'pm', sigma_pm: 'pm', sigma_px: 'px' }, description: 'atoms.csv (docs/schema.md)' } } });
    await folder.commit(run);
    return { table, run, frames: res.frames.map((f) => ({ ...f, probeSigmaPx: NaN })) };
    });
  } finally {
    await stack.close();
  }
}
