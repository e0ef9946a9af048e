/**
 * `atomdyn locate <input> --out DIR`: atoms with species in every frame of a movie or image.
 * Writes DIR/atoms.csv (docs/schema.md), DIR/run.json, DIR/results.h5 (the same table with units and
 * the run metadata) and PNG overlays in DIR/overlays/ (every frame of a short movie; first, last and
 * every Nth of a long one).
 */
import type { Command } from 'commander';
import path from 'node:path';
import { AtomdynError } from '../../data/errors.ts';
import { parseFrameRange, parseRegion } from '../../data/frameSelection.ts';
import { openFrames } from '../../data/openFrames.ts';
import { readRunBeside } from '../../data/runMetadata.ts';
import { BACKEND_CHOICES, type BackendChoice } from '../../models/inferenceBackend.ts';
import { PRETRAINED_MODELS, resolveModelPath } from '../../models/registry.ts';
import { MATERIALS, materialByName, parseSpeciesElements } from '../../models/materials.ts';
import { locateStep, type LocateStepOptions, type LocateStepResult } from '../../pipeline/locateStep.ts';
import { terminalProgress } from '../progress.ts';
import { parseDefectPriors } from '../../inference/latticeSites.ts';

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
  /** `--fit` true, `--no-fit` false, neither: 'auto' (fit where the pixels resolve single light columns: inference/columnFit.ts AUTO_FIT_MIN_LIGHT_LLR). */
  fit?: boolean;
  hotPixels?: boolean;
  /** `--tta` true, `--no-tta` false, neither: 'auto' (inference/testTimeAugmentation.ts ttaApplies). */
  tta?: boolean;
  /** false (`--no-lattice-other-check`): keep the network's 'other' class inside the frame's lattice area. */
  latticeOtherCheck?: boolean;
  workers?: string;
  backend?: string;
  overlayEvery?: string;
  /** MX2 sites: `NAME=P,...` prior probabilities of point defects per site. */
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

const BACKENDS: readonly string[] = BACKEND_CHOICES;

/**
 * Parse and check every option of `locate` without reading a frame: numbers, species, material,
 * backend, the model (it must exist), the classical finder's settings, frame range and region
 * syntax. `analyze` calls it before any step runs.
 * @returns the library options of pipeline/locateStep.ts
 * @throws AtomdynError naming the flag
 */
export function locateOptionsFromFlags(flags: Omit<LocateFlags, 'out'>): LocateStepOptions {
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
  if (model !== 'classical') resolveModelPath(model, '--model');
  const every = positiveNumber('--overlay-every', flags.overlayEvery);
  const choice = <T extends string>(flag: string, v: string | undefined, allowed: readonly T[], dflt: T): T => {
    if (v === undefined) return dflt;
    if (!allowed.includes(v as T)) throw new AtomdynError(flag, `expected one of ${allowed.join(', ')}, found '${v}'`);
    return v as T;
  };
  return {
    model,
    backend: backend as BackendChoice,
    pixelSizePm: positiveNumber('--pixel-size', flags.pixelSize) ?? null,
    trustMetadata: !!flags.trustMetadata,
    speciesElements,
    material: flags.material ?? null,
    workers: nonNegativeInteger('--workers', flags.workers),
    frame: { fit: flags.fit ?? 'auto', refine: flags.refine === true, hotPixels: flags.hotPixels !== false, tta: flags.tta ?? 'auto', ...(flags.latticeOtherCheck === false ? { latticeSpotsPerPx: [] } : {}) },
    overlayEvery: every ? Math.round(every) : undefined,
    defectPriors: flags.defectPrior !== undefined ? parseDefectPriors(flags.defectPrior) : undefined,
    frameRange: flags.frameRange ? parseFrameRange(flags.frameRange, '--frame-range') : null,
    roi: flags.roi ? parseRegion(flags.roi, '--roi') : null,
    strict: !!flags.strict,
    dataset: flags.dataset ?? null,
    ...(model === 'classical'
      ? {
          classical: {
            atomSpacingPx: positiveNumber('--atom-spacing', flags.atomSpacing),
            sublattices: choice('--sublattices', flags.sublattices, ['auto', '1', '2'] as const, 'auto'),
            aSite: choice('--a-site', flags.aSite, ['bright', 'dim'] as const, 'bright'),
          },
        }
      : {}),
  };
}

/** The files `locate` reads: the movie, the run.json beside it, a model folder named by path. */
export function locateInputs(input: string, model: string | undefined): string[] {
  const inputs = [path.resolve(input), path.join(path.dirname(path.resolve(input)), 'run.json')];
  if (model && /[/\\]/.test(model)) inputs.push(path.resolve(model));
  return inputs;
}

/**
 * `atomdyn locate`: flags -> options, open the input, one library call (pipeline/locateStep.ts)
 * into a fresh run folder. Exported for tests and benchmarks. Options are checked before the
 * input is opened, the input (header only) and the --out folder before any frame is read.
 * @returns the atoms table, the run metadata written and the located frames
 * @throws AtomdynError for bad input, flags, models or --out folders (one line, naming the file or
 *   option); ModelNotApplicableError (exit code 3) under --strict when the model does not apply
 */
export async function runLocate(input: string, flags: LocateFlags, command: string[]): Promise<LocateStepResult> {
  const options = locateOptionsFromFlags(flags);
  const stack = await openFrames(input, { dataset: flags.dataset });
  try {
    options.progress = terminalProgress();
    return await locateStep(stack, options, {
      out: flags.out,
      overwrite: flags.overwrite,
      inputs: locateInputs(input, flags.model),
      command,
      source: input,
      previous: readRunBeside(path.resolve(input)),
      log: (line) => process.stderr.write(`atomdyn locate: ${line}\n`),
    });
  } finally {
    await stack.close();
  }
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
    .option('--fit', 'graphene models: joint column fit on the raw frame on every frame (positions from the fit, amplitude and presence tests, added columns, Cramér-Rao sigma_pm). Default: automatic, on a frame only where the pixels resolve single C columns (median column LLR >= 60: simulated frames yes; every real frame in ../shared no, where the forced fit lowers formula accuracy on real labelled crops from 95 % to 81 %; bench/locate.ts)')
    .option('--no-fit', 'never run the column fit (positions from the network)')
    .option('--refine', 'where the column fit does not run (--no-fit, frames the automatic fit leaves to the network, MX2 models): refine positions by single-atom 2-D Gaussian fits where they converge nearby (fills sigma_pm)')
    .option('--no-hot-pixels', 'skip the hot-pixel filter')
    .option('--tta', 'test-time augmentation: average the network over the 8 rotations and mirrors of each patch (8x the network time). Default: on for graphene frames at >= 0.75 of the model\'s pixel size (e.g. 15.6 pm/px with the 16 pm/px graphene-si: formula accuracy on real crops 59 % -> 82 %), off otherwise')
    .option('--no-tta', 'never use test-time augmentation')
    .option('--no-lattice-other-check', "keep the network's contamination class ('other') where the frame's lattice fringes show; by default 'other' is not allowed inside the lattice area (inference/latticeMask.ts), since contamination is what hides the lattice")
    .option('--workers <n>', 'worker threads for frames in parallel (0 = this thread; default on wasm: one per core where the movie repays their start-up and ATOMDYN_WORKER_MEMORY_MB (default 256) holds them)')
    .option('--backend <name>', 'tensor backend: auto (ATOMDYN_BACKEND where set, else the first that works), tensorflow, onnxruntime (forward passes on onnxruntime-node, from the model folder\'s ONNX export where it has one), wasm, cpu', 'auto')
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
      'The column fit (graphene models; automatic: only on frames whose C columns the pixels resolve one by one, --fit on every frame)\n' +
      'fits every column on the raw frame with its neighbours (shared probe width, Poisson noise):\n' +
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
