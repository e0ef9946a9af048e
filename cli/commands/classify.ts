/**
 * `atomdyn classify <tracks.csv | atoms.csv | coordinates.hdf5> --out DIR`: local configurations of
 * the centre atoms (default: the dopant), their complexes and formulas, and a class per centre and
 * frame from a symmetry-aware Gaussian mixture. Writes DIR/configurations.csv (docs/schema.md),
 * DIR/classes.png (the class gallery), DIR/model.json (means, covariances, weights, BIC curve) and
 * DIR/run.json. Thin: the work is dynamics/configurations/classifyConfigurations.ts.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { AtomdynError } from '../../data/errors.ts';
import { readCheckedCsv } from '../../data/tableChecks.ts';
import { protectInput } from '../../data/atomicWrite.ts';
import { readRunBeside, type Sourced, type RunMetadata } from '../../data/runMetadata.ts';
import type { FrameStack } from '../../data/frameStack.ts';
import type { AtomRecord } from '../../dynamics/configurations/centres.ts';
import type { ClassifyMethod, ClassifyResult } from '../../dynamics/configurations/classifyConfigurations.ts';
import { terminalProgress } from '../progress.ts';
import { openFrames } from '../../data/openFrames.ts';

// the work (and its heavy dependencies: h5wasm, sharp, ml-matrix) is loaded when the command runs,
// so that `atomdyn --help` and other subcommands start fast
const readHdf5Coordinates = async (file: string) => (await import('../../data/hdf5Coordinates.ts')).readHdf5Coordinates(file);

/** Flags of `classify`, as commander gives them (strings; defaults in {@link CLASSIFY_DEFAULTS}). */
export interface ClassifyFlags {
  out: string;
  frames?: string;
  centre?: string;
  classes: string;
  maxClasses: string;
  method: string;
  pointGroup?: string;
  covariance: string;
  descriptor: string;
  neighbours?: string;
  radius?: string;
  window: string;
  pca?: string;
  bicSamples: string;
  minClass: string;
  pixelSize?: string;
  seed: string;
  nInit: string;
  model?: string;
  overwrite?: boolean;
}

function positiveNumber(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new AtomdynError(flag, `expected a positive number, got '${v}'`);
  return n;
}

function nonNegative(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n >= 1) throw new AtomdynError(flag, `expected a fraction in [0, 1), got '${v}'`);
  return n;
}

function integer(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new AtomdynError(flag, `expected an integer >= ${min}, got '${v}'`);
  return n;
}

/**
 * Read a saved classifier (model.json of an earlier `classify`).
 * @throws AtomdynError naming the file when it is missing, not JSON or not a usable model
 */
async function loadConfigurationModel(file: string) {
  const { ConfigurationModel } = await import('../../dynamics/configurations/configurationModel.ts');
  if (!existsSync(file)) throw new AtomdynError(file, 'no such file');
  protectInput(file);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AtomdynError(file, `not JSON: ${(e as Error).message}`);
  }
  return ConfigurationModel.fromJSON(doc, file);
}

/** Option values of `classify` that {@link checkClassifyFlags} checks (the text given on the command line). */
export type ClassifyFlagValues = Partial<Pick<ClassifyFlags, 'classes' | 'maxClasses' | 'method' | 'covariance' | 'descriptor' | 'neighbours' | 'radius' | 'window' | 'pca' | 'bicSamples' | 'minClass' | 'pixelSize' | 'seed' | 'nInit' | 'centre'>>;

/**
 * Check the option values of `classify` without reading any input, so that `analyze` can refuse a
 * bad one before any step runs.
 * @throws AtomdynError naming the option
 */
export function checkClassifyFlags(f: ClassifyFlagValues): void {
  if (f.classes !== undefined && f.classes.trim().toLowerCase() !== 'auto') integer('--classes', f.classes, 1);
  if (f.maxClasses !== undefined) integer('--max-classes', f.maxClasses, 1);
  if (f.method !== undefined && !['sym-gmm', 'gmm', 'kmeans'].includes(f.method)) throw new AtomdynError('--method', `expected sym-gmm, gmm or kmeans, got '${f.method}'`);
  if (f.covariance !== undefined && !['full', 'diag', 'spherical'].includes(f.covariance)) throw new AtomdynError('--covariance', `expected full, diag or spherical, got '${f.covariance}'`);
  if (f.descriptor !== undefined && !['neighbours', 'image'].includes(f.descriptor)) throw new AtomdynError('--descriptor', `unknown descriptor '${f.descriptor}' (neighbours or image)`);
  if (f.bicSamples !== undefined && !['segments', 'effective', 'all'].includes(f.bicSamples)) throw new AtomdynError('--bic-samples', `unknown mode '${f.bicSamples}' (segments, effective or all)`);
  if (f.neighbours !== undefined) integer('--neighbours', f.neighbours, 1);
  positiveNumber('--radius', f.radius);
  positiveNumber('--window', f.window);
  if (f.pca !== undefined) integer('--pca', f.pca, 0);
  if (f.minClass !== undefined) nonNegative('--min-class', f.minClass);
  positiveNumber('--pixel-size', f.pixelSize);
  if (f.seed !== undefined) integer('--seed', f.seed, 0);
  if (f.nInit !== undefined) integer('--n-init', f.nInit, 1);
  if (f.centre !== undefined && !f.centre.trim()) throw new AtomdynError('--centre', "expected a species, an element or 'all'");
}

/** A frame stack over one in-memory image (the `nn_input` of a coordinates file). */
function singleImageStack(file: string, image: { data: Float32Array; height: number; width: number }, pixelSizePm: number | null): FrameStack {
  return {
    path: `${file}:nn_input`,
    format: 'hdf5',
    count: 1,
    height: image.height,
    width: image.width,
    dtype: 'float32',
    calibration: { pixelSizePm: pixelSizePm ? { value: pixelSizePm, origin: 'file', note: 'scan size / width' } : { value: null, origin: 'none' }, frameTimeS: { value: null, origin: 'none' } },
    metadata: {},
    async readFrame(i: number) {
      if (i !== 0) throw new AtomdynError(file, `frame ${i} requested, the file holds one image`);
      return image.data;
    },
    async close() {},
  };
}

/**
 * Open the movie the atoms came from: through the project's readers (data/openFrames.ts: TIFF,
 * NumPy, HDF5/EMD/HSPY with FILE:DATASET, DM3/DM4, PNG/JPEG); a LibraryNet coordinates file gives
 * its own `nn_input` image.
 */
async function openMovie(file: string): Promise<FrameStack> {
  if (/\.(h5|hdf5)$/i.test(file) && existsSync(file)) {
    try {
      const c = await readHdf5Coordinates(file);
      if (c.image) return singleImageStack(file, c.image, c.pixelSizePm);
    } catch {
      /* not a coordinates file: the general readers below */
    }
  }
  return openFrames(file);
}

interface LoadedInput {
  /** Default centre for this input, when it implies one (a coordinates file of dopant complexes: its rarest species). */
  defaultCentre?: string;
  atoms: AtomRecord[];
  previous: RunMetadata | null;
  filePixelSize: Sourced<number> | null;
  frames: FrameStack | null;
  species: Record<string, string>;
}

async function loadInput(file: string): Promise<LoadedInput> {
  if (!existsSync(file)) throw new AtomdynError(file, 'no such file');
  protectInput(file);
  if (/\.(h5|hdf5)$/i.test(file)) {
    const c = await readHdf5Coordinates(file);
    const atoms: AtomRecord[] = [];
    for (const cx of c.complexes) for (const a of cx.atoms) atoms.push({ row: atoms.length, frame: 0, x: a.x, y: a.y, species: a.species, element: a.species, particle: null });
    const species = Object.fromEntries([...new Set(atoms.map((a) => a.species))].map((s) => [s, s]));
    const counts = new Map<string, number>();
    for (const a of atoms) counts.set(a.species, (counts.get(a.species) ?? 0) + 1);
    const rarest = [...counts.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
    return {
      // the file holds the atoms of its dopant complexes only, so its rarest species is the dopant
      defaultCentre: counts.size > 1 ? rarest : undefined,
      atoms,
      previous: null,
      filePixelSize: c.pixelSizePm ? { value: c.pixelSizePm, origin: 'file', note: `scan size ${c.scanSizePm} pm / ${c.image?.width} px` } : null,
      frames: c.image ? singleImageStack(file, c.image, c.pixelSizePm) : null,
      species,
    };
  }
  const table = readCheckedCsv(file, ['frame', 'x', 'y', 'species']);
  const { atomsFromTable } = await import('../../dynamics/configurations/centres.ts');
  const atoms = atomsFromTable(table, file);
  const previous = readRunBeside(file);
  const species: Record<string, string> = { ...(previous?.species ?? {}) };
  for (const a of atoms) species[a.species] ??= a.element;
  return { atoms, previous, filePixelSize: null, frames: null, species };
}

function summary(r: ClassifyResult, frames: number): string {
  const lines: string[] = [];
  const byFrame = new Map<number, typeof r.complexes>();
  for (const c of r.complexes) {
    let l = byFrame.get(c.frame);
    if (!l) byFrame.set(c.frame, (l = []));
    l.push(c);
  }
  if (frames <= 5) {
    for (const [f, list] of [...byFrame.entries()].sort((a, b) => a[0] - b[0])) {
      lines.push(`frame ${f}: ${list.length} complex${list.length === 1 ? '' : 'es'}: ${list.map((c) => `${c.formula} at (${c.x.toFixed(1)}, ${c.y.toFixed(1)})`).join('; ')}`);
    }
  } else {
    const counts = new Map<string, number>();
    for (const c of r.complexes) counts.set(c.formula, (counts.get(c.formula) ?? 0) + 1);
    lines.push(`complexes over ${frames} frames: ${[...counts.entries()].sort((a, b) => b[1] - a[1]).map(([f, n]) => `${f} x${n}`).join(', ') || 'none'}`);
  }
  const classified = r.instances.length;
  lines.push(`${classified} centre(s) classified into ${r.k} class(es) (${r.settings.method}, point group ${r.group.name}):`);
  for (const c of r.classes) {
    const sym = c.symmetry.length > 1 ? `, own symmetry ${c.symmetry.length} ops` : '';
    lines.push(`  state ${c.index} ${c.name}: ${c.count} (${(100 * c.weight).toFixed(1)} %)${sym}; formulas ${Object.entries(c.formulas).map(([f, n]) => `${f || '-'} ${n}`).join(', ')}`);
  }
  if (r.bic) lines.push(`BIC: ${r.bic.map((p) => `K=${p.k} ${p.bic.toFixed(1)}`).join(', ')} (n = ${r.bic[0]?.nSamples}, effective ${r.bic[0]?.nEffective})`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n') + '\n';
}

/** The defaults of `classify`'s options (the command line's and {@link runClassify}'s). */
export const CLASSIFY_DEFAULTS = Object.freeze({
  classes: 'auto', maxClasses: '6', method: 'sym-gmm', covariance: 'diag', descriptor: 'neighbours', window: '300',
  bicSamples: 'segments', minClass: '0.03', seed: '0', nInit: '3',
});

/**
 * `classify` as a library call: flags -> options -> one {@link classifyStep} -> files in `f.out`
 * (what the command does, without commander: `merge` calls it for every movie).
 * @param table tracks.csv / atoms.csv / a LibraryNet coordinates .hdf5
 * @param flags the command's flags; those left out take {@link CLASSIFY_DEFAULTS}
 * @param command argv recorded in run.json
 * @param opts `quiet`: no summary on stdout and no progress bar
 * @throws AtomdynError naming the flag or the file (bad options, unreadable input, an existing run folder)
 */
export async function runClassify(table: string, flags: Partial<ClassifyFlags> & Pick<ClassifyFlags, 'out'>, command: string[], opts: { quiet?: boolean } = {}): Promise<void> {
  const f: ClassifyFlags = { ...CLASSIFY_DEFAULTS, ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) } as ClassifyFlags;
  const { classifyStep } = await import('../../pipeline/classifyStep.ts');
  checkClassifyFlags(f);
  const inp = await loadInput(table);
  let frames: FrameStack | null = inp.frames;
  if (f.frames) frames = await openMovie(f.frames);
  const classesFlag = f.classes.trim().toLowerCase() === 'auto' ? 'auto' : integer('--classes', f.classes, 1);
  try {
    const inputs = [path.resolve(table), path.join(path.dirname(path.resolve(table)), 'run.json'), ...(f.frames ? [path.resolve(f.frames)] : []), ...(f.model ? [path.resolve(f.model)] : [])];
    const saved = f.model ? { model: await loadConfigurationModel(f.model), path: f.model } : null;
    const { result, defectLines } = await classifyStep(
      { atoms: inp.atoms, species: inp.species, defaultCentre: inp.defaultCentre, filePixelSize: inp.filePixelSize, frames, framesPath: f.frames ?? null },
      {
        centre: f.centre,
        method: f.method as ClassifyMethod,
        classes: classesFlag,
        maxClasses: integer('--max-classes', f.maxClasses, 1),
        pointGroup: f.pointGroup,
        covarianceType: f.covariance as 'full' | 'diag' | 'spherical',
        seed: integer('--seed', f.seed, 0),
        nInit: integer('--n-init', f.nInit, 1),
        descriptor: f.descriptor as 'neighbours' | 'image',
        neighbours: f.neighbours !== undefined ? integer('--neighbours', f.neighbours, 1) : undefined,
        neighbourRadiusPm: positiveNumber('--radius', f.radius),
        windowRadiusPm: positiveNumber('--window', f.window),
        pcaComponents: f.pca === undefined ? undefined : integer('--pca', f.pca, 0),
        bicSamples: f.bicSamples as 'segments' | 'effective' | 'all',
        minClassFraction: nonNegative('--min-class', f.minClass),
        pixelSizePm: positiveNumber('--pixel-size', f.pixelSize),
        model: saved,
        ...(opts.quiet ? {} : { progress: terminalProgress() }),
      },
      { out: f.out, overwrite: f.overwrite, inputs, command, source: path.resolve(table), previous: inp.previous },
    );
    if (opts.quiet) return;
    if (result) process.stdout.write(summary(result, new Set(inp.atoms.map((a) => a.frame)).size));
    else process.stdout.write((defectLines ?? []).join('\n') + '\n');
  } finally {
    await frames?.close();
  }
}

/** Adds `atomdyn classify` (with its --help) to the program. */
export function register(program: Command): void {
  program
    .command('classify')
    .summary('classify the local configuration around each dopant (formula, symmetry-aware class, orientation)')
    .description(
      'classify the local configuration of each centre atom (default: the dopant) in every frame: ' +
        'its bonded complex and formula (Si1C3, Si1C4, Si2C6, ...), a class from a Gaussian mixture that treats ' +
        'rotated and mirrored copies as one configuration (point group of the lattice), the orientation and ' +
        'its probability. Writes DIR/configurations.csv, DIR/classes.png, DIR/model.json and DIR/run.json.',
    )
    .argument('<table>', 'tracks.csv or atoms.csv (columns frame, x, y, species[, element, particle]), or a LibraryNet coordinates .hdf5')
    .requiredOption('--out <dir>', 'output folder')
    .option('--frames <movie>', 'the movie the atoms came from: sub-images for the gallery (and for --descriptor image)')
    .option('--centre <species>', "centre atoms: a species or element (comma-separated list), or 'all'; or 'defects' (or defect names such as vac_Se): the point defects of an MX2 run, classified by their complex; default: the model card's dopant, else the rarest species, else the defects")
    .option('--classes <K>', "number of classes, or 'auto' (BIC)", CLASSIFY_DEFAULTS.classes)
    .option('--max-classes <K>', 'largest K tried by --classes auto', CLASSIFY_DEFAULTS.maxClasses)
    .option('--method <m>', 'sym-gmm (symmetry-aware mixture), gmm (plain mixture) or kmeans', CLASSIFY_DEFAULTS.method)
    .option('--point-group <g>', 'point group of the lattice (6mm graphene, 3m MX2 site, 4mm square, 1 none); default from run.json, else 6mm')
    .option('--covariance <type>', 'covariance of each class: diag (few parameters: suits the tens of independent dwell segments of a movie), full or spherical', CLASSIFY_DEFAULTS.covariance)
    .option('--descriptor <d>', 'neighbours (vectors to the nearest atoms) or image (sub-images; needs --frames)', CLASSIFY_DEFAULTS.descriptor)
    .option('--neighbours <k>', 'neighbour slots per centre (default: a whole first shell: 3 about an MX2 site, point group 3m; else 4, which holds Si-C3 and Si-C4)')
    .option('--radius <pm>', 'largest neighbour distance used, pm (default: the largest bond cut-off of the centre element)')
    .option('--window <pm>', 'sub-image radius, pm', CLASSIFY_DEFAULTS.window)
    .option('--pca <n>', 'principal components before fitting (default 10 for images, none for neighbours)')
    .option('--bic-samples <mode>', 'sample size for BIC: segments (one frame per dwell segment), effective, or all', CLASSIFY_DEFAULTS.bicSamples)
    .option('--min-class <fraction>', "with --classes auto, the smallest class allowed, as a fraction of the independent instances (0 = no limit)", CLASSIFY_DEFAULTS.minClass)
    .option('--pixel-size <pm>', 'pixel size in pm (overrides run.json and the file)')
    .option('--seed <n>', 'seed of the random initialisation', CLASSIFY_DEFAULTS.seed)
    .option('--n-init <n>', 'initialisations per fit', CLASSIFY_DEFAULTS.nInit)
    .option(
      '--model <model.json>',
      "apply a saved classifier (another run's model.json) instead of fitting one, so that each state means the same " +
        'configuration in both movies; the method, classes, point group, neighbours, centres and bond cut-offs are then the model\'s',
    )
    .option('--overwrite', 'replace the run already in --out (the whole folder; without it such a folder is refused)')
    .addHelpText(
      'after',
      '\nColumns of configurations.csv: frame, particle, x, y (px), complex (id within the frame), formula,\n' +
        'state, state_name, rotation (degrees, counter-clockwise on screen, relative to the class mean, modulo\n' +
        "the class's own symmetry), mirror, probability. Centres near the frame edge are left unclassified.\n" +
        'Example: atomdyn classify out/track/tracks.csv --out out/classify',
    )
    .action(async (table: string, f: ClassifyFlags, cmd: Command) => {
      // argv as parsed (also when another command, e.g. analyze, runs classify in-process)
      const command = ((cmd.parent as unknown as { rawArgs?: string[] })?.rawArgs ?? process.argv).slice(2);
      await runClassify(table, f, command);
    });
}
