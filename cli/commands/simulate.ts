/**
 * `atomdyn simulate --lattice graphene --out DIR`: simulated annular-dark-field STEM images (or a
 * movie) with their ground truth, for training and for testing the analysis. Writes
 * DIR/images.tif (or DIR/movie.tif), DIR/labels.csv, DIR/classes.npy and DIR/mask_<species>.npy,
 * for movies DIR/drift_truth.csv and, with kinetics, DIR/truth.csv; and DIR/run.json.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { AtomdynError } from '../../data/errors.ts';
import { protectInput } from '../../data/atomicWrite.ts';
import { withRunFolder } from '../../data/runFolder.ts';
import { writeCsv } from '../../data/csvTable.ts';
import { newRun } from '../../data/runMetadata.ts';
import { writeTiffStack } from '../../data/writers/tiffStack.ts';
import { writeNpy } from '../../data/writers/npy.ts';
import { terminalProgress } from '../progress.ts';
import { DEFAULT_TRANSITION_MODEL, parseTransitionModel } from '../../training/simulator/dopantKinetics.ts';
import { IMAGING_PRESETS } from '../../training/simulator/imagingPresets.ts';
import { mx2Material } from '../../training/simulator/lattices/mx2.ts';
import { parseConfigurations } from '../../training/simulator/siConfigurations.ts';
import { DEFAULT_IMAGING, simulateImage, type ImagingParams, type SimulatedImage } from '../../training/simulator/simulateImage.ts';
import { DEFAULT_DRIFT, simulateMovie, type MovieOptions } from '../../training/simulator/simulateMovie.ts';
import { driftTable, labelsTable, stackLabels, truthTable } from '../../training/simulator/simulationTables.ts';
import { parseLattice, type SpecimenOptions } from '../../training/simulator/specimen.ts';

/** Parsed flags (strings as commander gives them). */
export interface SimulateFlags {
  lattice: string;
  out: string;
  /** Replace the run already in --out (the whole folder). */
  overwrite?: boolean;
  dopant?: string;
  config?: string;
  dopants?: string;
  size: string;
  pixelSize?: string;
  preset?: string;
  dose?: string;
  zExponent?: string;
  voltage?: string;
  convergence?: string;
  defocus?: string;
  cs?: string;
  c5?: string;
  sourceSize?: string;
  detector?: string;
  gain?: string;
  pulseShape?: string;
  readNoise?: string;
  offset?: string;
  noiseCorrelation?: string;
  quantise?: boolean;
  background?: string;
  backgroundVariation?: string;
  contamination?: string;
  amorphous?: string;
  jitter?: string;
  slowOffset?: string;
  glitches?: string;
  vacancies?: string;
  doubleVacancies?: string;
  metalDopants?: string;
  rotation?: string;
  seed: string;
  count: string;
  movie?: boolean;
  frames?: string;
  drift?: string;
  driftWalk?: string;
  transitionMatrix?: string;
  noiseFree?: boolean;
}

function num(flag: string, v: string | undefined, check: (x: number) => boolean, what: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || !check(x)) throw new AtomdynError(flag, `expected ${what}, found '${v}'`);
  return x;
}

function pair(flag: string, v: string | undefined, what: string): [number, number] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(/[,x]/i).map((s) => Number(s.trim()));
  if (parts.length === 1 && Number.isFinite(parts[0])) return [parts[0], parts[0]];
  if (parts.length !== 2 || parts.some((p) => !Number.isFinite(p))) throw new AtomdynError(flag, `expected ${what}, found '${v}'`);
  return [parts[0], parts[1]];
}

/** The imaging preset used when --preset is not given. */
export function defaultPresetName(lattice: string): string {
  return lattice === 'graphene' ? 'graphene-si' : 'wse2-movie';
}

/** Default pixel size by lattice when neither --pixel-size nor a preset gives one, pm. */
export const DEFAULT_PIXEL_SIZE_PM: Readonly<Record<string, number>> = { graphene: 10, MoS2: 25, WS2: 25, WSe2: 25 };

/**
 * Turn flags into simulation options.
 * @throws AtomdynError naming the flag of a bad value
 */
export function simulationOptions(flags: SimulateFlags): {
  specimen: SpecimenOptions;
  imaging: ImagingParams;
  width: number;
  height: number;
  pixelSizePm: number;
  pixelOrigin: 'command-line' | 'default';
  seed: number;
  count: number;
  movie?: Omit<MovieOptions, 'specimen' | 'imaging' | 'frame' | 'seed'>;
} {
  const lattice = parseLattice(flags.lattice, '--lattice');
  const explicit = flags.preset !== undefined && flags.preset !== 'none' ? IMAGING_PRESETS[flags.preset] : undefined;
  if (flags.preset !== undefined && flags.preset !== 'none' && !explicit) throw new AtomdynError('--preset', `unknown preset '${flags.preset}' (known: ${Object.keys(IMAGING_PRESETS).join(', ')}, none)`);
  // without --preset, the imaging (not the specimen or pixel size) of the lattice's matched preset
  const imagingPreset = flags.preset === 'none' ? undefined : (explicit ?? IMAGING_PRESETS[defaultPresetName(lattice)]);
  const preset = explicit;
  const base: ImagingParams = imagingPreset ? imagingPreset.imaging : DEFAULT_IMAGING;
  const size = pair('--size', flags.size, 'a size in pixels, N or WxH');
  if (!size) throw new AtomdynError('--size', 'missing');
  const [width, height] = size;
  const pixelFlag = num('--pixel-size', flags.pixelSize, (x) => x > 0, 'a pixel size > 0 in pm');
  const pixelSizePm = pixelFlag ?? preset?.pixelSizePm ?? DEFAULT_PIXEL_SIZE_PM[lattice];
  const seed = num('--seed', flags.seed, Number.isInteger, 'an integer')!;
  const count = num('--count', flags.count, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1')!;
  if (flags.detector !== undefined && !/^\s*[0-9.]+\s*[-,]\s*[0-9.]+\s*$/.test(flags.detector)) throw new AtomdynError('--detector', `expected INNER-OUTER in mrad (e.g. 80-200), found '${flags.detector}'`);
  const det = flags.detector?.split(/[-,]/).map(Number);
  const imaging: ImagingParams = {
    ...base,
    probe: {
      voltageKv: num('--voltage', flags.voltage, (x) => x > 0, 'a voltage > 0 in kV') ?? base.probe.voltageKv,
      convergenceMrad: num('--convergence', flags.convergence, (x) => x > 0, 'a convergence semi-angle > 0 in mrad') ?? base.probe.convergenceMrad,
      defocusNm: num('--defocus', flags.defocus, () => true, 'a defocus in nm') ?? base.probe.defocusNm,
      csUm: num('--cs', flags.cs, () => true, 'Cs in um') ?? base.probe.csUm,
      c5Mm: num('--c5', flags.c5, () => true, 'C5 in mm') ?? base.probe.c5Mm,
      sourceFwhmPm: num('--source-size', flags.sourceSize, (x) => x >= 0, 'a source size >= 0 in pm') ?? base.probe.sourceFwhmPm,
    },
    detectorInnerMrad: det ? det[0] : base.detectorInnerMrad,
    detectorOuterMrad: det ? det[1] : base.detectorOuterMrad,
    zExponent: num('--z-exponent', flags.zExponent, (x) => x > 0 && x <= 3, 'an exponent in (0, 3]') ?? base.zExponent,
    doseEPerA2: num('--dose', flags.dose, (x) => x > 0, 'a dose > 0 in e-/Å²') ?? base.doseEPerA2,
    detector: {
      ...base.detector,
      gain: num('--gain', flags.gain, (x) => x > 0, 'a gain > 0 in counts per electron') ?? base.detector.gain,
      pulseShape: num('--pulse-shape', flags.pulseShape, (x) => x > 0, 'a pulse-height shape > 0') ?? base.detector.pulseShape,
      readNoise: num('--read-noise', flags.readNoise, (x) => x >= 0, 'a read noise >= 0 in counts') ?? base.detector.readNoise,
      offset: num('--offset', flags.offset, () => true, 'an offset in counts') ?? base.detector.offset,
      noiseCorrelationPx: num('--noise-correlation', flags.noiseCorrelation, (x) => x >= 0, 'a correlation length >= 0 in px') ?? base.detector.noiseCorrelationPx,
      quantise: flags.quantise ?? base.detector.quantise,
    },
    backgroundFraction: num('--background', flags.background, (x) => x >= 0, 'a background fraction >= 0') ?? base.backgroundFraction,
    backgroundVariation: num('--background-variation', flags.backgroundVariation, (x) => x >= 0, 'a relative variation >= 0') ?? base.backgroundVariation,
    contamination: {
      ...base.contamination,
      blobsPerNm2: num('--contamination', flags.contamination, (x) => x >= 0, 'blobs per nm² >= 0') ?? base.contamination.blobsPerNm2,
      amorphousAtomsPerNm2: num('--amorphous', flags.amorphous, (x) => x >= 0, 'atoms per nm² >= 0') ?? base.contamination.amorphousAtomsPerNm2,
    },
    distortion: {
      ...base.distortion,
      lineJitterPx: num('--jitter', flags.jitter, (x) => x >= 0, 'a jitter >= 0 in px') ?? base.distortion.lineJitterPx,
      slowOffsetPx: num('--slow-offset', flags.slowOffset, (x) => x >= 0, 'an offset >= 0 in px') ?? base.distortion.slowOffsetPx,
      glitchesPerFrame: num('--glitches', flags.glitches, (x) => x >= 0, 'glitches per frame >= 0') ?? base.distortion.glitchesPerFrame,
    },
  };
  const specimen: SpecimenOptions = { ...(preset && preset.specimen.lattice === lattice ? preset.specimen : {}), lattice };
  const rotation = num('--rotation', flags.rotation, () => true, 'an angle in degrees');
  if (rotation !== undefined) specimen.rotationDeg = rotation;
  else if (!preset) delete specimen.rotationDeg;
  const dopants = num('--dopants', flags.dopants, (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0');
  if (lattice === 'graphene') {
    if (flags.dopant !== undefined) specimen.dopant = flags.dopant;
    if (flags.config !== undefined) specimen.configurations = parseConfigurations(flags.config, '--config');
    if (dopants !== undefined) specimen.configurationCount = dopants;
    for (const f of ['vacancies', 'doubleVacancies', 'metalDopants'] as const) {
      if (flags[f] !== undefined) throw new AtomdynError(`--${f.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`, 'applies to MX2 lattices only');
    }
  } else {
    const material = mx2Material(lattice, '--lattice');
    if (flags.config !== undefined) throw new AtomdynError('--config', 'applies to graphene; for MX2 use --vacancies, --double-vacancies, --metal-dopants');
    specimen.mx2Defects = {
      ...(specimen.mx2Defects ?? { chalcogenVacancy: 0.02 }),
      ...(flags.vacancies !== undefined ? { chalcogenVacancy: num('--vacancies', flags.vacancies, (x) => x >= 0 && x <= 1, 'a fraction in [0, 1]') } : {}),
      ...(flags.doubleVacancies !== undefined ? { chalcogenDivacancy: num('--double-vacancies', flags.doubleVacancies, (x) => x >= 0 && x <= 1, 'a fraction in [0, 1]') } : {}),
      ...(flags.metalDopants !== undefined ? { metalDopant: num('--metal-dopants', flags.metalDopants, (x) => x >= 0 && x <= 1, 'a fraction in [0, 1]') } : {}),
      metalDopantElement: flags.dopant ?? material.metalDopants[0],
    };
  }
  let movie: ReturnType<typeof simulationOptions>['movie'];
  if (flags.movie) {
    const frames = num('--frames', flags.frames ?? '20', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1')!;
    const drift = pair('--drift', flags.drift, 'a drift X,Y in px per frame') ?? [DEFAULT_DRIFT.velocityPx.x, DEFAULT_DRIFT.velocityPx.y];
    const walk = num('--drift-walk', flags.driftWalk, (x) => x >= 0, 'a random-walk step >= 0 in px') ?? DEFAULT_DRIFT.randomWalkPx;
    movie = { frames, drift: { velocityPx: { x: drift[0], y: drift[1] }, randomWalkPx: walk } };
    if (flags.transitionMatrix !== undefined || (lattice === 'graphene' && dopants !== undefined && flags.config === undefined)) {
      if (lattice !== 'graphene') throw new AtomdynError('--transition-matrix', 'dopant kinetics are simulated for graphene only');
      const model = flags.transitionMatrix !== undefined ? parseTransitionModel(flags.transitionMatrix, '--transition-matrix') : DEFAULT_TRANSITION_MODEL;
      movie.kinetics = { model, dopants: dopants ?? 4 };
    }
  } else {
    for (const f of ['frames', 'drift', 'driftWalk', 'transitionMatrix'] as const) {
      if (flags[f] !== undefined) throw new AtomdynError(`--${f.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`, 'needs --movie');
    }
  }
  return { specimen, imaging, width, height, pixelSizePm, pixelOrigin: pixelFlag !== undefined ? 'command-line' : 'default', seed, count, movie };
}

/**
 * Run `atomdyn simulate`: simulate and write every output into a fresh run folder
 * (data/runFolder.ts). Exported for tests and other steps.
 * @returns the run.json written
 * @throws AtomdynError on bad flags (one line, naming the flag) or a refused --out folder
 */
export async function runSimulate(flags: SimulateFlags, command: string[]): Promise<Record<string, unknown>> {
  const o = simulationOptions(flags);
  const matrixFile = o.movie && flags.transitionMatrix && !flags.transitionMatrix.trim().startsWith('{') && !flags.transitionMatrix.trim().startsWith('[') ? flags.transitionMatrix : null;
  return withRunFolder(flags.out, { inputs: matrixFile ? [matrixFile] : [], overwrite: flags.overwrite }, async (folder) => {
    const outDir = folder.dir;
    const progress = terminalProgress();
    const frame = { width: o.width, height: o.height, pixelSizePm: o.pixelSizePm };
    let images: SimulatedImage[] = [];
    const outputs: string[] = [];
    const run = newRun('simulate', command);
    const stackName = o.movie ? 'movie.tif' : 'images.tif';
    if (matrixFile) {
      protectInput(matrixFile);
      run.inputs.push(path.resolve(matrixFile));
    }
    let species: string[];
    let elements: Record<string, string>;
    if (o.movie) {
      const movie = simulateMovie({ specimen: o.specimen, imaging: o.imaging, frame, seed: o.seed, ...o.movie }, progress);
      images = movie.frames;
      species = movie.species;
      elements = movie.elements;
      await writeCsv(path.join(outDir, 'drift_truth.csv'), driftTable(movie.drift, o.pixelSizePm));
      outputs.push('drift_truth.csv');
      if (o.movie.kinetics) {
        await writeCsv(path.join(outDir, 'truth.csv'), truthTable(movie.truth, o.pixelSizePm));
        outputs.push('truth.csv');
      }
    } else {
      progress.start('simulate', o.count);
      for (let k = 0; k < o.count; k++) {
        images.push(simulateImage({ specimen: o.specimen, imaging: o.imaging, frame, seed: o.seed + k }));
        progress.tick(1);
      }
      progress.stop();
      species = images[0].species;
      elements = (images[0] as SimulatedImage & { specimen: { elements: Record<string, string> } }).specimen.elements;
    }
    const stackShape = { count: images.length, height: o.height, width: o.width };
    await writeTiffStack(path.join(outDir, stackName), images.map((i) => i.image), stackShape, { pixelSizePm: o.pixelSizePm });
    outputs.push(stackName);
    if (flags.noiseFree) {
      await writeTiffStack(path.join(outDir, 'expected.tif'), images.map((i) => i.expected), stackShape, { pixelSizePm: o.pixelSizePm });
      outputs.push('expected.tif');
    }
    await writeCsv(path.join(outDir, 'labels.csv'), labelsTable(images));
    outputs.push('labels.csv');
    const shape = [images.length, o.height, o.width];
    await writeNpy(path.join(outDir, 'classes.npy'), stackLabels(images), shape);
    outputs.push('classes.npy');
    const classNames = [...species, 'other'];
    const hasOther = images.some((im) => im.labels.some((v) => v === species.length + 1));
    for (let c = 0; c < classNames.length; c++) {
      if (c === species.length && !hasOther) continue;
      const name = `mask_${classNames[c]}.npy`;
      await writeNpy(path.join(outDir, name), stackLabels(images, c + 1), shape);
      outputs.push(name);
    }
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    const columnCounts: Record<string, number | null> = {};
    for (const s of species) columnCounts[s] = mean(images.map((im) => im.stats.columnCounts[s]).filter((v): v is number => v !== undefined));
    run.frames = { count: images.length, height: o.height, width: o.width };
    run.pixelSizePm = { value: o.pixelSizePm, origin: o.pixelOrigin, note: o.pixelOrigin === 'default' ? (flags.preset ? `preset ${flags.preset}` : `simulator default for ${o.specimen.lattice}`) : undefined };
    run.lattice = o.specimen.lattice;
    run.species = elements;
    run.seed = o.seed;
    run.parameters = {
      kind: o.movie ? 'movie' : 'images',
      preset: flags.preset ?? null,
      specimen: o.specimen,
      imaging: o.imaging,
      movie: o.movie ?? null,
      classes: ['background', ...classNames.filter((c, i) => i < species.length || hasOther)],
      figures: {
        electronsPerPixel: images[0].stats.electronsPerPixel,
        carbonCrossSectionPm2: images[0].stats.carbonCrossSectionPm2,
        probeFwhmPm: images[0].stats.probeFwhmPm,
        meanCountsOnColumns: columnCounts,
        meanCounts: mean(images.map((im) => im.stats.meanCounts)),
      },
    };
    run.outputs = [...outputs, 'run.json'];
    await folder.commit(run);
    return run as unknown as Record<string, unknown>;
  });
}

export function register(program: Command): void {
  program
    .command('simulate')
    .summary('simulate HAADF-STEM images or movies of graphene with Si or MX2, with ground truth')
    .description(
      'simulate annular-dark-field STEM images or a movie of graphene (with Si dopant configurations) or an MX2 monolayer, ' +
        'with ground truth for training and testing. Writes images.tif (movie.tif; float32 TIFF stack), labels.csv (atoms.csv ' +
        'columns + z, height_pm, site, count), classes.npy (uint8 per-pixel class: 0 background, 1..S species, S+1 other), ' +
        'mask_<species>.npy (uint8 0/1) and run.json (with the mean counts on each species\' columns); with --movie also ' +
        'drift_truth.csv and, with kinetics, truth.csv (frame, particle, x, y, state, formula). Coordinates: x = column, ' +
        'y = row, pixel centres at integers; lengths in pm.',
    )
    .requiredOption('--lattice <name>', 'graphene, MoS2, WS2 or WSe2')
    .requiredOption('--out <dir>', 'output folder')
    .option('--dopant <element>', 'graphene: dopant element (default Si); MX2: metal dopant element (default per material)')
    .option('--config <list>', 'graphene configurations to draw from, comma-separated: si-c3, si-vacancy, si-c4, si-dimer, si-trimer, vacancy, divacancy (default si-c3,si-c4)')
    .option('--dopants <n>', 'graphene: configurations per image (default: Poisson, 0.1 per nm²); with --movie: dopants with kinetics (default 4)')
    .option('--size <n>', 'image size in pixels, N or WxH', '256')
    .option('--pixel-size <pm>', 'pixel size in pm (default: graphene 10, MX2 25, or the preset\'s)')
    .option('--preset <name>', `imaging matched to real frames (docs/simulator.md): ${Object.keys(IMAGING_PRESETS).join(', ')}; 'none' = an ideal electron counter with no background or distortion. Default: graphene-si for graphene, wse2-movie for MX2 (its imaging only; given explicitly, also its specimen and pixel size)`)
    .option('--dose <e_per_A2>', "electron dose per frame in e-/Å² (default: the preset's); run.json reports the mean counts on each species' columns")
    .option('--z-exponent <n>', 'Z-contrast exponent n, column weight sum (Z/6)^n (default: the preset\'s; 1.6-2 HAADF, lower for MADF)')
    .option('--voltage <kV>', `accelerating voltage in kV (default ${DEFAULT_IMAGING.probe.voltageKv})`)
    .option('--convergence <mrad>', `probe convergence semi-angle in mrad (default ${DEFAULT_IMAGING.probe.convergenceMrad})`)
    .option('--defocus <nm>', 'defocus in nm, positive = underfocus (default 0)')
    .option('--cs <um>', 'spherical aberration Cs in um (default 0)')
    .option('--c5 <mm>', 'fifth-order spherical aberration C5 in mm (default 0)')
    .option('--source-size <pm>', 'effective source size plus object blur (Gaussian FWHM) in pm (default: the preset\'s)')
    .option('--detector <inner-outer>', `annular detector angles in mrad (default ${DEFAULT_IMAGING.detectorInnerMrad}-${DEFAULT_IMAGING.detectorOuterMrad})`)
    .option('--gain <counts>', 'detector counts per detected electron (default: the preset\'s; 1 with --preset none)')
    .option('--pulse-shape <k>', 'gamma shape of the single-electron pulse height (default: no spread)')
    .option('--read-noise <counts>', 'Gaussian read noise, counts (default 0)')
    .option('--offset <counts>', 'dark level, counts (default 0)')
    .option('--noise-correlation <px>', 'correlation length of the noise along the fast-scan direction, px (default 0)')
    .option('--quantise', 'round counts to integers')
    .option('--background <fraction>', 'fraction of the beam detected without any atom (default 0)')
    .option('--background-variation <rel>', 'relative amplitude of a smooth background modulation (default 0)')
    .option('--contamination <per_nm2>', "contamination blobs per nm² (labelled 'other'; default 0)")
    .option('--amorphous <atoms_per_nm2>', 'uniform amorphous carbon, atoms per nm² (default 0)')
    .option('--jitter <px>', 'line jitter (x shift per scan line), standard deviation in px (default 0)')
    .option('--slow-offset <px>', 'slow row offsets (smooth x wander over rows), px (default 0)')
    .option('--glitches <n>', 'scan glitches (torn lines) per frame (default 0)')
    .option('--vacancies <fraction>', 'MX2: fraction of chalcogen columns missing one atom (default 0.02)')
    .option('--double-vacancies <fraction>', 'MX2: fraction of chalcogen columns missing both atoms (default 0)')
    .option('--metal-dopants <fraction>', 'MX2: fraction of metal sites holding --dopant (default 0)')
    .option('--rotation <deg>', 'lattice rotation in degrees, counter-clockwise on screen (default random)')
    .option('--seed <n>', 'random seed; image k uses seed + k', '0')
    .option('--overwrite', 'replace the run already in --out (the whole folder; without it such a folder is refused)')
    .option('--count <n>', 'number of images', '1')
    .option('--movie', 'write a movie: the same specimen with drift, scan distortion and fresh noise in every frame')
    .option('--frames <n>', 'movie frames (default 20)')
    .option('--drift <x,y>', `movie drift in px per frame (default ${DEFAULT_DRIFT.velocityPx.x},${DEFAULT_DRIFT.velocityPx.y})`)
    .option('--drift-walk <px>', `random-walk step of the drift per frame, px (default ${DEFAULT_DRIFT.randomWalkPx})`)
    .option('--transition-matrix <json|file>', 'movie kinetics: JSON {"states":["si-c3","si-vacancy","si-c4"],"matrix":[[..]..],"hop":0.05} (per frame), inline or a file; default with --dopants: the built-in model')
    .option('--noise-free', 'also write expected.tif, the noise-free images')
    .action(async (opts: SimulateFlags) => {
      await runSimulate(opts, process.argv.slice(2));
    });
}
