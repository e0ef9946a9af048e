/**
 * `atomdyn track <atoms.csv> --out DIR`: drift correction + linking + per-trajectory quantities.
 * Thin: parses flags, calls dynamics/tracking/trackAtoms.ts, writes DIR/tracks.csv, drift.csv, drift.png,
 * hops.csv, msd.csv and run.json (docs/schema.md). Never writes over its inputs.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { resolvePixelSize } from '../../data/pixelSize.ts';
import { readCheckedCsv } from '../../data/tableChecks.ts';
import { AtomdynError } from '../../data/errors.ts';
import { protectInput } from '../../data/atomicWrite.ts';
import { readRunBeside, type Sourced } from '../../data/runMetadata.ts';
import type { TrackOptions } from '../../dynamics/tracking/trackAtoms.ts';
import { openFrames } from '../../data/openFrames.ts';
import { finalPath } from '../../data/runFolder.ts';
import { trackStep, type TrackStepOptions } from '../../pipeline/trackStep.ts';
import type { FrameStack } from '../../data/frameStack.ts';
import { isLengthUnit, lengthToPm } from '../../data/units.ts';
import { terminalProgress } from '../progress.ts';
import { readCsv } from '../../data/csvTable.ts';

/**
 * A length from the command line in px: a bare number is px; `pm`, `nm`, `A`/`Å` suffixes are
 * converted with the pixel size.
 * @throws AtomdynError(flag) on a malformed or non-positive length, or a physical unit without a pixel size
 */
export function parseLength(text: string, pixelSizePm: number | null, flag: string): number {
  const m = /^\s*([-+]?[0-9]*\.?[0-9]+(?:e[-+]?\d+)?)\s*(\S*)\s*$/i.exec(text);
  if (!m) throw new AtomdynError(flag, `'${text}' is not a length (examples: 5, 5px, 150pm, 0.15nm)`);
  const v = Number(m[1]);
  const unit = m[2] || 'px';
  if (unit !== 'px' && !isLengthUnit(unit)) throw new AtomdynError(flag, `unknown unit '${unit}' in '${text}' (use px, pm, nm or A)`);
  if (!(v > 0)) throw new AtomdynError(flag, `must be positive, got '${text}'`);
  if (unit === 'px') return v;
  if (!(pixelSizePm && pixelSizePm > 0)) throw new AtomdynError(flag, `'${text}' needs a pixel size: give --pixel-size or track atoms whose run.json has one`);
  return lengthToPm(v, unit)! / pixelSizePm;
}

interface TrackFlags {
  out: string;
  frames?: string;
  drift?: string;
  pixelSize?: string;
  searchRange?: string;
  dopantSearchRange?: string;
  dopant?: string[];
  memory?: string;
  bondLength?: string;
  hopFraction?: string;
  maxLag?: string;
  scanDrift?: string | boolean;
  driftPrior?: string;
  refineDrift?: boolean;
  graph?: boolean;
  sites?: string | boolean;
  overwrite?: boolean;
}

function positiveNumber(text: string | undefined, flag: string, integer = false): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) throw new AtomdynError(flag, `expected ${integer ? 'a whole number' : 'a number'} >= 0, got '${text}'`);
  return v;
}

/** Adds `atomdyn track` (with its --help) to the program. */
export function register(program: Command): void {
  program
    .command('track')
    .description(
      'link located atoms into trajectories through the sample drift. ' +
        'Registers the drift (on the movie with --frames, else on the coordinates), adds drift-corrected ' +
        'positions, links detections frame to frame by optimal assignment (a link costs d^2, leaving a track ' +
        'unlinked costs search_range^2), closes gaps of up to --memory frames, follows dopant hops with ' +
        '--dopant-search-range, and writes tracks.csv, drift.csv, drift.png, hops.csv, msd.csv and run.json. ' +
        'Lengths are px unless suffixed (150pm, 0.15nm, 1.5A; these need a pixel size).',
    )
    .argument('<atoms>', 'atoms.csv from locate (columns frame, x, y; species optional)')
    .requiredOption('--out <dir>', 'output folder (created; inputs are never overwritten)')
    .option('--frames <movie>', 'register the drift on this movie\'s frames (phase correlation) instead of the coordinates; FILE:DATASET for containers')
    .option('--drift <method>', 'frames, coordinates or none (default: frames with --frames, else coordinates)')
    .option('--pixel-size <pm>', 'pixel size in pm (default: run.json beside the atoms, then the movie\'s metadata)')
    .option('--search-range <length>', 'largest displacement of a host atom between observations (default 0.75 x the nearest-neighbour distance)')
    .option('--dopant-search-range <length>', 'largest displacement of a dopant and its exchange partner (default 1.5 x the nearest-neighbour distance)')
    .option('--dopant <species...>', 'dopant species, e.g. Si (default: the model card\'s, else species with < 5 % of detections; "none" for none)')
    .option('--memory <frames>', 'frames a track may be missed and still continue', '2')
    .option('--bond-length <length>', 'bond length for hop detection (default: the nearest-neighbour distance)')
    .option('--hop-fraction <f>', 'a hop is a step longer than this fraction of the bond length', '0.5')
    .option('--max-lag <frames>', 'largest lag of the mean squared displacement', '20')
    .option('--scan-drift [fraction]', 'also correct drift within each frame along the slow scan (fraction of the frame time spent scanning, default 1)')
    .option('--drift-prior <dx,dy>', 'expected drift of the first frame step, px per frame (default 0,0)')
    .option('--no-refine-drift', 'keep the coordinate registration instead of refining it from the links')
    .option('--overwrite', 'replace the run already in --out (the whole folder; without it such a folder is refused)')
    .option('--sites <sites.csv>', 'also link the point defects of this sites.csv (locate with an MX2 material) as particles of species defect (default: sites.csv beside the atoms, when there is one)')
    .option('--no-sites', 'do not link the defects of a sites.csv beside the atoms')
    .option('--graph', 'also write graph.json: the tracks as a graphology graph (a node per detection, link and exchange edges)')
    .action(async (atomsFile: string, flags: TrackFlags) => {
      const atomsPath = path.resolve(atomsFile);
      const atoms = readCheckedCsv(atomsPath, ['frame', 'x', 'y'], { canonicalOrder: false });
      protectInput(atomsPath);
      const previous = readRunBeside(atomsPath);
      const prevRunFile = path.join(path.dirname(atomsPath), 'run.json');
      if (existsSync(prevRunFile)) protectInput(prevRunFile);

      let movie: FrameStack | null = null;
      const method = (flags.drift ?? (flags.frames ? 'frames' : 'coordinates')) as TrackOptions['drift'];
      if (!['frames', 'coordinates', 'none'].includes(method!)) throw new AtomdynError('--drift', `must be frames, coordinates or none, got '${flags.drift}'`);
      if (method === 'frames' && !flags.frames) throw new AtomdynError('--drift', 'frames needs --frames MOVIE');
      // openFrames protects the movie as an input and accepts FILE:DATASET for containers
      if (flags.frames) movie = await openFrames(flags.frames);
      try {
        // calibration: command line > run.json > movie metadata (data/pixelSize.ts)
        const cli = positiveNumber(flags.pixelSize, '--pixel-size');
        if (cli === 0) throw new AtomdynError('--pixel-size', 'must be positive');
        const pixel: Sourced<number> = resolvePixelSize({ commandLinePm: cli, runJson: previous?.pixelSizePm, file: movie?.calibration.pixelSizePm });
        const px = pixel.value ?? null;
        let scan: number | null = null;
        if (flags.scanDrift !== undefined) {
          scan = flags.scanDrift === true ? 1 : Number(flags.scanDrift);
          if (!(scan > 0 && scan <= 1)) throw new AtomdynError('--scan-drift', `fraction must be in (0, 1], got '${flags.scanDrift}'`);
        }
        let prior: [number, number] | undefined;
        if (flags.driftPrior) {
          const p = flags.driftPrior.split(',').map(Number);
          if (p.length !== 2 || !p.every(Number.isFinite)) throw new AtomdynError('--drift-prior', `expected two numbers dx,dy in px per frame, got '${flags.driftPrior}'`);
          prior = [p[0], p[1]];
        }
        const options: TrackStepOptions = {
          pixelSize: pixel,
          drift: method,
          searchRange: flags.searchRange ? parseLength(flags.searchRange, px, '--search-range') : undefined,
          dopantSearchRange: flags.dopantSearchRange ? parseLength(flags.dopantSearchRange, px, '--dopant-search-range') : undefined,
          dopants: flags.dopant ? flags.dopant.flatMap((d) => d.split(',')).map((d) => d.trim()).filter(Boolean) : undefined,
          memory: positiveNumber(flags.memory, '--memory', true),
          bondLength: flags.bondLength ? parseLength(flags.bondLength, px, '--bond-length') : undefined,
          hopFraction: positiveNumber(flags.hopFraction, '--hop-fraction'),
          maxLag: positiveNumber(flags.maxLag, '--max-lag', true),
          scanDriftFraction: scan,
          driftPrior: prior,
          refineDrift: flags.refineDrift,
          graph: flags.graph,
          progress: terminalProgress(),
        };
        if (options.maxLag === 0) throw new AtomdynError('--max-lag', 'must be at least 1');

        // point defects of an MX2 run (sites.csv of locate) become particles too (docs/schema.md)
        const sitesPath = flags.sites === false ? null : typeof flags.sites === 'string' ? path.resolve(flags.sites) : path.join(path.dirname(atomsPath), 'sites.csv');
        if (typeof flags.sites === 'string' && !existsSync(sitesPath!)) throw new AtomdynError(flags.sites, 'no such file (--sites)');
        const sitesTable = sitesPath && existsSync(sitesPath) ? readCsv(sitesPath, ['frame', 'x', 'y', 'sublattice', 'defect']) : null;
        if (sitesTable) protectInput(sitesPath!);
        if (sitesTable) options.defectSites = { table: sitesTable, source: sitesPath! };
        const inputs = [atomsPath, prevRunFile, ...(flags.frames ? [path.resolve(flags.frames)] : []), ...(sitesTable ? [sitesPath!] : [])];
        const { result, run } = await trackStep(atoms, options, movie, { out: flags.out, overwrite: flags.overwrite, inputs, command: process.argv.slice(2), source: atomsPath, previous });
        const s = result.summary;
        process.stdout.write(
          `tracked ${s.detections} detections in ${s.frames} frames: ${s.particles} particles, ${s.particlesInEveryFrame} present in every frame ` +
            `(${((100 * s.detectionsOnFullLengthTracks) / s.detections).toFixed(1)} % of detections), ${s.hops} hops, ${s.exchanges} exchanges\n` +
            `drift: ${result.driftTrack.method}, ${s.ambiguousRegistrations} ambiguous registrations; wrote ${finalPath(path.resolve(flags.out))}/{tracks,drift,hops,msd}.csv, drift.png, run.json\n`,
        );
        const d = result.parameters.defects as { detections: number; particles: number; firstParticle: number } | undefined;
        if (d && sitesPath) process.stdout.write(`point defects from ${path.basename(sitesPath)}: ${d.detections} detections linked into ${d.particles} defect particles (species defect, ids from ${d.firstParticle})\n`);
        const j = result.parameters.jitter as { sd_x: number; sd_x_err: number; sd_y: number; sd_y_err: number; unit: string; degree: number } | undefined;
        if (j) process.stdout.write(`jitter about a degree-${j.degree} smooth drift: standard deviation ${j.sd_x.toFixed(2)} ± ${j.sd_x_err.toFixed(2)} ${j.unit} in x, ${j.sd_y.toFixed(2)} ± ${j.sd_y_err.toFixed(2)} ${j.unit} in y\n`);
        for (const w of run.warnings) process.stderr.write(`warning: ${w}\n`);
      } finally {
        await movie?.close();
      }
    });
}
