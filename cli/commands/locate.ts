/**
 * `atomdyn locate <input> --out DIR`: atoms with species in every frame of a movie or image.
 * Writes DIR/atoms.csv (docs/schema.md), DIR/run.json, DIR/results.h5 (the same table with units and
 * the run metadata) and PNG overlays in DIR/overlays/ (every frame of a short movie; first, last and
 * every Nth of a long one).
 */
import type { Command } from 'commander';
import path from 'node:path';
import { AtomdynError, ModelNotApplicableError } from '../../data/errors.ts';
import { assertNotInput } from '../../data/atomicWrite.ts';
import { writeCsv, type Cell, type Table } from '../../data/csvTable.ts';
import { openFrames } from '../../data/openFrames.ts';
import { newRun, readRunBeside, writeRun, type RunMetadata } from '../../data/runMetadata.ts';
import { writeOverlayPng } from '../../data/writers/overlayPng.ts';
import { writeResultsHdf5 } from '../../data/writers/hdf5Results.ts';
import { activeBackend, type BackendChoice } from '../../models/tensorBackend.ts';
import { PRETRAINED_MODELS } from '../../models/registry.ts';
import { parseSpeciesElements } from '../../models/materials.ts';
import {
  applicabilityFrames,
  atomsColumns,
  atomsRows,
  checkLocatedFrame,
  locateIter,
  planLocate,
  summariseChecks,
  unknownPixelSizeMessage,
  type FrameCheck,
  type LocateOptions,
  type LocatedFrame,
} from '../../inference/locate.ts';
import { terminalProgress } from '../progress.ts';

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
  hotPixels?: boolean;
  workers?: string;
  backend?: string;
  overlayEvery?: string;
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

/**
 * Run `locate` and write its files. Exported for `analyze` and tests.
 * @returns the atoms table and the run metadata written
 * @throws AtomdynError for bad input, flags or models (one line, naming the file or flag)
 */
export async function runLocate(input: string, flags: LocateFlags, command: string[]): Promise<{ table: Table; run: RunMetadata; frames: LocatedFrame[] }> {
  const outDir = path.resolve(flags.out);
  for (const f of ['atoms.csv', 'run.json', 'results.h5']) assertNotInput(path.join(outDir, f));
  const stack = await openFrames(input, { dataset: flags.dataset });
  try {
    const previous = readRunBeside(path.resolve(input));
    let speciesElements: Record<string, string> | undefined;
    if (flags.species) {
      try {
        speciesElements = parseSpeciesElements(flags.species);
      } catch (e) {
        throw new AtomdynError('--species', (e as Error).message);
      }
    }
    const opts: LocateOptions = {
      model: modelFromFlags(flags.model, flags.lattice),
      backend: (flags.backend ?? 'auto') as BackendChoice,
      pixelSizePm: positiveNumber('--pixel-size', flags.pixelSize) ?? null,
      runJsonPixelSize: previous?.pixelSizePm ?? null,
      trustMetadata: !!flags.trustMetadata,
      speciesElements,
      material: flags.material ?? null,
      workers: nonNegativeInteger('--workers', flags.workers),
      frame: { refine: flags.refine === true, hotPixels: flags.hotPixels !== false },
      progress: terminalProgress(),
    };
    const plan = await planLocate(stack, opts);
    for (const w of plan.pixel.warnings) process.stderr.write(`atomdyn locate: ${w}\n`);
    const baseRun = (): RunMetadata => {
      const run = newRun('locate', command, previous);
      run.source = previous?.source ?? path.resolve(input);
      run.inputs = [path.resolve(input)];
      run.frames = { count: stack.count, height: stack.height, width: stack.width };
      run.pixelSizePm = plan.pixel.pixelSizePm;
      if (stack.calibration.frameTimeS.value != null && run.frameTimeS.value == null) run.frameTimeS = stack.calibration.frameTimeS;
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
        stackCalibration: stack.calibration,
        fileMetadata: stack.metadata,
      };
      run.warnings = [...plan.pixel.warnings];
      return run;
    };
    // stop before the network when the first frame already says the model does not apply (--strict),
    // or when the pixel size stayed unknown: run.json still records the verdict
    const firstVerdict = plan.pixel.verdict;
    const stopStrict = flags.strict && firstVerdict.applicable === false;
    if (stopStrict || plan.pixel.pixelSizePm.value == null) {
      const run = baseRun();
      run.applicability = summariseChecks(plan, opts.model, [{ frame: 0, verdict: firstVerdict, latticeShare: null, uncoveredShare: null, missedColumnShare: null, flagged: false, uncovered: null }]);
      run.outputs = ['run.json'];
      await writeRun(outDir, run);
      if (firstVerdict.applicable === false) process.stderr.write(`atomdyn locate: warning: ${notApplicableLine(input, opts.model, firstVerdict.reason)}\n`);
      if (stopStrict) throw new ModelNotApplicableError(input, `the model ${opts.model} does not apply (--strict): ${firstVerdict.reason}`);
      throw new AtomdynError(input, unknownPixelSizeMessage(plan));
    }
    const every = positiveNumber('--overlay-every', flags.overlayEvery);
    const overlays = overlayFrames(stack.count, every ? Math.round(every) : undefined);
    const checkFrames = applicabilityFrames(stack.count);
    const rows: Array<Record<string, Cell>> = [];
    const frames: LocatedFrame[] = [];
    const checks: FrameCheck[] = [];
    const outputs = ['atoms.csv', 'results.h5'];
    for await (const f of locateIter(stack, plan, opts)) {
      frames.push(f);
      rows.push(...atomsRows(f, plan));
      if (!overlays.has(f.frame) && !checkFrames.has(f.frame)) continue;
      const data = await stack.readFrame(f.frame);
      const check = checkLocatedFrame(plan, data, stack.height, stack.width, f.frame, f.atoms, checkFrames.has(f.frame));
      checks.push(check);
      if (overlays.has(f.frame)) {
        const name = `overlays/frame_${String(f.frame).padStart(4, '0')}.png`;
        const shade = check.uncovered && check.uncoveredShare !== null
          ? { mask: check.uncovered, color: [255, 0, 255] as [number, number, number], label: `lattice without atoms ${(100 * check.uncoveredShare).toFixed(0)} % of area, ${(100 * (check.missedColumnShare ?? 0)).toFixed(0)} % of columns missed` }
          : undefined;
        await writeOverlayPng(path.join(outDir, name), data, stack.height, stack.width, f.atoms, {
          title: `frame ${f.frame}  ${plan.card.name}  ${plan.pixel.pixelSizePm.value!.toFixed(2)} pm/px`,
          shade,
        });
        outputs.push(name);
      }
    }
    const calibrated = plan.pixel.pixelSizePm.value != null;
    const table: Table = { columns: atomsColumns(calibrated), rows };
    const run = baseRun();
    run.backend = activeBackend()?.name ?? null;
    const summary = summariseChecks(plan, opts.model, checks);
    run.applicability = summary;
    const lines: string[] = [];
    if (summary.applicable === false) lines.push(notApplicableLine(input, opts.model, summary.reason));
    else if (summary.applicable === 'unknown') lines.push(`could not tell whether the model ${opts.model} applies to ${input}: ${summary.reason}`);
    const ml = summary.missedLattice;
    if (ml.flaggedFrames.length) {
      const frames = `frame(s) ${ml.flaggedFrames.slice(0, 5).join(', ')}${ml.flaggedFrames.length > 5 ? ', ...' : ''}`;
      lines.push(`missed lattice: up to ${(100 * (ml.maxMissedColumnShare ?? 0)).toFixed(0)} % of the lattice's columns were not detected and ${(100 * (ml.maxUncoveredShare ?? 0)).toFixed(0)} % of the lattice area has no detected column nearby (${frames}; tinted magenta on the overlays)`);
    }
    for (const l of lines) process.stderr.write(`atomdyn locate: warning: ${l}\n`);
    run.warnings.push(...lines);
    run.outputs = [...outputs, 'run.json'];
    await writeCsv(path.join(outDir, 'atoms.csv'), table);
    const units: Record<string, string> = { x: 'px', y: 'px', x_pm: 'pm', y_pm: 'pm', sigma_pm: 'pm' };
    await writeResultsHdf5(path.join(outDir, 'results.h5'), { run, tables: { atoms: { table, units, description: 'atoms.csv (docs/schema.md)' } } });
    await writeRun(outDir, run);
    if (flags.strict && summary.applicable === false) throw new ModelNotApplicableError(input, `the model ${opts.model} does not apply (--strict): ${summary.reason}`);
    return { table, run, frames };
  } finally {
    await stack.close();
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
    .option('--model <name|path>', `segmenter: ${Object.keys(PRETRAINED_MODELS).join(', ')} or a model folder (default graphene-si)`)
    .option('--lattice <name>', 'pick the default model of a lattice: graphene, mx2 (MoS2, WS2, WSe2)')
    .option('--pixel-size <pm>', 'pixel size of the input in pm/px; overrides the file and the lattice check')
    .option('--trust-metadata', "keep the file's pixel size even when the lattice spacing disagrees by more than 5 %")
    .option('--species <map>', 'elements of the species, e.g. metal=W,chalcogen=Se2 (also picks the lattice constant)')
    .option('--material <name>', 'material for the lattice-constant check: graphene, MoS2, WS2, MoSe2, WSe2')
    .option('--dataset <path>', 'dataset inside a container file (HDF5 path, ImageList/N, channel=K)')
    .option('--refine', 'refine positions by 2-D Gaussian fits on the raw frame where they converge nearby (fills sigma_pm; worth it at high dose)')
    .option('--no-hot-pixels', 'skip the hot-pixel filter')
    .option('--workers <n>', 'worker threads for frames in parallel (0 = this thread; default: cores, on wasm)')
    .option('--backend <name>', 'tensor backend: auto, tensorflow, wasm, cpu', 'auto')
    .option('--strict', 'exit with code 3 when the frames do not look like the model\'s lattice (run.json still records why)')
    .option('--overlay-every <n>', 'overlay every Nth frame (default: all of a short movie, about 10 of a long one)')
    .addHelpText('after', '\nCoordinates: x = column, y = row, pixel centres at integers (docs/schema.md).\n' +
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
      process.stdout.write(`${table.rows.length} atoms in ${run.frames!.count} frame(s) at ${run.pixelSizePm.value!.toFixed(3)} pm/px (${run.pixelSizePm.origin}): ` +
        `${[...bySpecies].map(([s, n]) => `${n} ${s}`).join(', ')}\nwrote ${path.join(flags.out, 'atoms.csv')}\n`);
    });
}
