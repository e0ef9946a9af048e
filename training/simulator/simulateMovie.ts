/**
 * Simulate a STEM movie: the same specimen recorded frame after frame with specimen drift (a
 * constant velocity plus a random walk), drift within each frame, scan distortions and fresh noise;
 * optionally Si dopants in graphene change configuration by a known transition matrix
 * (training/simulator/dopantKinetics.ts), so the true states and trajectories can be compared with what the
 * analysis recovers.
 *
 * Drift: the content of frame f is displaced by O_f + v_f (row / (height - 1)) pixels at a row, where
 * v_f = velocity + random-walk step of frame f (the distance drifted while frame f is scanned) and
 * O_{f+1} = O_f + v_f. The reported drift (docs/schema.md drift.csv convention: a feature at (x, y)
 * in frame 0 appears at (x + dx, y + dy)) is the row-averaged displacement minus frame 0's.
 */
import { AtomdynError } from '../../data/errors.ts';
import { Random } from '../../data/random.ts';
import { atomicNumber, type ModelAtom } from './atomModel.ts';
import { contamination, smoothRandomField } from './contamination.ts';
import {
  dopantConfiguration,
  initialState,
  STATE_FORMULA,
  stepDopant,
  validateTransitionModel,
  type KineticDopant,
  type TransitionModel,
} from './dopantKinetics.ts';
import { apparentPosition } from './imageFormation.ts';
import { GRAPHENE_BOND_PM } from './lattices/graphene.ts';
import type { Rect } from './lattices/honeycomb.ts';
import { applyConfiguration, DEFAULT_DEFECT_GEOMETRY } from './siConfigurations.ts';
import { cachedProbeProfile, deriveSeed, imageFrame, specimenRect, validateImaging, type FrameSpec, type ImagingParams, type SimulatedImage } from './simulateImage.ts';
import { scanDistortion } from './scanDistortion.ts';
import { buildSpecimen, type SpecimenOptions } from './specimen.ts';
import type { ProgressSink } from '../../data/progress.ts';

/** Specimen drift. */
export interface DriftParams {
  /** Mean drift per frame, px. Default (0.5, 0.3). */
  velocityPx: { x: number; y: number };
  /** Standard deviation of the random-walk change of the per-frame drift, px. Default 0.2. */
  randomWalkPx: number;
}

/** Default drift: half a pixel per frame with a small random walk. */
export const DEFAULT_DRIFT: Readonly<DriftParams> = { velocityPx: { x: 0.5, y: 0.3 }, randomWalkPx: 0.2 };

/** Known kinetics of graphene dopants. */
export interface KineticsOptions {
  model: TransitionModel;
  /** Number of dopants (particles). */
  dopants: number;
  /** Minimum distance between dopants, pm. Default 800. */
  minSeparationPm?: number;
}

/** Options of {@link simulateMovie}. */
export interface MovieOptions {
  specimen: SpecimenOptions;
  frame: FrameSpec;
  imaging: ImagingParams;
  /** Number of frames (>= 1). */
  frames: number;
  drift?: DriftParams;
  /** Dopant kinetics (graphene only); without it the specimen does not change. */
  kinetics?: KineticsOptions;
  seed: number;
}

/** The true state of one dopant in one frame. */
export interface TruthRow {
  frame: number;
  particle: number;
  /** Apparent position of the Si in this frame, px. */
  x: number;
  y: number;
  /** Specimen position, pm (frame 0's pixel grid, no drift). */
  xPm: number;
  yPm: number;
  /** State name (si-c3, si-vacancy, si-c4). */
  state: string;
  /** Formula of the complex (Si1C3, Si1C2, Si1C4). */
  formula: string;
  /** Lattice site of the Si (A), for hops. */
  site: number;
  /** Whether the Si lies inside the frame. */
  inView: boolean;
}

/** The true drift of one frame, px. */
export interface DriftRow {
  frame: number;
  dx: number;
  dy: number;
}

/** A simulated movie with its truth. */
export interface SimulatedMovie {
  frames: SimulatedImage[];
  truth: TruthRow[];
  drift: DriftRow[];
  species: string[];
  elements: Record<string, string>;
  pixelSizePm: number;
}

/**
 * Check movie options.
 * @throws AtomdynError naming the flag of a bad value
 */
export function validateMovie(o: MovieOptions): void {
  validateImaging(o.imaging, o.frame);
  if (!(Number.isInteger(o.frames) && o.frames >= 1 && o.frames <= 100000)) throw AtomdynError.forOption('frames', `number of frames must be an integer >= 1, got ${o.frames}`);
  if (o.kinetics) {
    if (o.specimen.lattice !== 'graphene') throw AtomdynError.forOption('kinetics', 'dopant kinetics are simulated for graphene only');
    validateTransitionModel(o.kinetics.model);
    if (!(Number.isInteger(o.kinetics.dopants) && o.kinetics.dopants >= 0 && o.kinetics.dopants <= 10000)) throw AtomdynError.forOption('dopants', `number of dopants must be an integer >= 0, got ${o.kinetics.dopants}`);
  }
}

/**
 * Simulate a movie, frame by frame (memory holds every frame; use {@link simulateMovieFrames} to stream).
 * @throws AtomdynError for invalid options
 */
export function simulateMovie(o: MovieOptions, progress?: ProgressSink): SimulatedMovie {
  const frames: SimulatedImage[] = [];
  const truth: TruthRow[] = [];
  const drift: DriftRow[] = [];
  let meta: { species: string[]; elements: Record<string, string> } = { species: [], elements: {} };
  for (const f of simulateMovieFrames(o, progress)) {
    frames.push(f.image);
    truth.push(...f.truth);
    drift.push(f.drift);
    meta = f;
  }
  return { frames, truth, drift, species: meta.species, elements: meta.elements, pixelSizePm: o.frame.pixelSizePm };
}

/** One frame of a streamed movie. */
export interface MovieFrame {
  index: number;
  image: SimulatedImage;
  truth: TruthRow[];
  drift: DriftRow;
  species: string[];
  elements: Record<string, string>;
}

/**
 * Stream a movie one frame at a time (see {@link simulateMovie}).
 * Random sub-streams of `seed`: 0 specimen, 1 contamination, 2 background, 5 drift, 6 kinetics,
 * 1000 + f scan distortion of frame f, 100000 + f noise of frame f.
 */
export function* simulateMovieFrames(o: MovieOptions, progress?: ProgressSink): Generator<MovieFrame> {
  validateMovie(o);
  const { frame, imaging } = o;
  const px = frame.pixelSizePm;
  const drift = o.drift ?? DEFAULT_DRIFT;
  // drift path first, so the specimen can cover it
  const driftRng = new Random(deriveSeed(o.seed, 5));
  const vel: Array<{ x: number; y: number }> = [];
  const start: Array<{ x: number; y: number }> = [];
  let ox = 0;
  let oy = 0;
  let vx = drift.velocityPx.x;
  let vy = drift.velocityPx.y;
  let maxShift = 0;
  for (let f = 0; f < o.frames; f++) {
    start.push({ x: ox, y: oy });
    vel.push({ x: vx, y: vy });
    ox += vx;
    oy += vy;
    maxShift = Math.max(maxShift, Math.abs(ox), Math.abs(oy));
    vx += drift.randomWalkPx * driftRng.normal();
    vy += drift.randomWalkPx * driftRng.normal();
  }
  const rect: Rect = specimenRect(frame, imaging, (maxShift + 2) * px + 4 * GRAPHENE_BOND_PM);
  const placement: Rect = { x0: -0.5 * px, y0: -0.5 * px, x1: (frame.width - 0.5) * px, y1: (frame.height - 0.5) * px };
  const specOpts: SpecimenOptions = o.kinetics ? { ...o.specimen, configurationCount: 0 } : o.specimen;
  const specimen = buildSpecimen(specOpts, rect, placement, new Random(deriveSeed(o.seed, 0)));
  const cont = contamination(rect, imaging.contamination, new Random(deriveSeed(o.seed, 1)));
  const backgroundField =
    imaging.backgroundVariation > 0 && imaging.backgroundFraction > 0
      ? smoothRandomField(frame.width, frame.height, imaging.backgroundCorrelationPm / px, new Random(deriveSeed(o.seed, 2)))
      : undefined;
  const profile = cachedProbeProfile(imaging.probe);
  const probeSigmaPx = profile.fwhmPm / 2.3548 / px;

  // kinetics: place dopants inside the first frame, away from its edges
  const kin = o.kinetics;
  const kinRng = new Random(deriveSeed(o.seed, 6));
  const pristine = specimen.sheet;
  let dopants: KineticDopant[] = [];
  const minSep = kin?.minSeparationPm ?? 800;
  const dopantZ = atomicNumber(o.specimen.dopant ?? 'Si');
  const siteOk = (site: number, self: number, list: KineticDopant[]): boolean => {
    if (!pristine) return false;
    const lat = pristine.lattice;
    // footprint inside the patch: two shells of neighbours exist
    for (let k = 0; k < 3; k++) {
      const n = lat.neighbours[3 * site + k];
      if (n < 0) return false;
      for (let m = 0; m < 3; m++) {
        const n2 = lat.neighbours[3 * n + m];
        if (n2 < 0) return false;
        for (let q = 0; q < 3; q++) if (lat.neighbours[3 * n2 + q] < 0) return false;
      }
    }
    for (const d of list) {
      if (d.particle === self) continue;
      if (Math.hypot(lat.x[d.site] - lat.x[site], lat.y[d.site] - lat.y[site]) < minSep) return false;
    }
    return true;
  };
  if (kin && pristine) {
    const lat = pristine.lattice;
    const m = 0.12;
    const candidates: number[] = [];
    for (let s = 0; s < lat.count; s++) {
      const x = lat.x[s] / px;
      const y = lat.y[s] / px;
      if (x >= m * frame.width && x <= (1 - m) * frame.width && y >= m * frame.height && y <= (1 - m) * frame.height) candidates.push(s);
    }
    for (let p = 0; p < kin.dopants; p++) {
      let placed = false;
      for (let attempt = 0; attempt < 500 && candidates.length > 0; attempt++) {
        const site = candidates[kinRng.int(candidates.length)];
        if (!siteOk(site, -1, dopants)) continue;
        dopants.push({ particle: p, state: initialState(kin.model, kinRng), site, orientation: kinRng.int(3) });
        placed = true;
        break;
      }
      if (!placed) throw AtomdynError.forOption('dopants', `cannot place ${kin.dopants} dopants at least ${minSep} pm apart in the frame; use fewer dopants or larger frames (\`width\`)`);
    }
  }

  const d0 = { x: 0, y: 0 };
  progress?.start('simulate movie', o.frames);
  for (let f = 0; f < o.frames; f++) {
    if (kin && pristine && f > 0) {
      const nextList: KineticDopant[] = [];
      for (const d of dopants) nextList.push(stepDopant(kin.model, d, pristine, kinRng, (site) => siteOk(site, d.particle, [...nextList, ...dopants.slice(nextList.length)])));
      dopants = nextList;
    }
    let atoms: ModelAtom[];
    const positions: Array<{ x: number; y: number }> = [];
    if (kin && pristine) {
      const sheet = pristine.clone();
      for (const d of dopants) {
        const c = dopantConfiguration(kin.model, d);
        const r = applyConfiguration(sheet, c, { ...DEFAULT_DEFECT_GEOMETRY, ...(o.specimen.geometry ?? {}) }, dopantZ);
        positions.push(r.dopants[0]);
      }
      atoms = sheet.toAtoms(o.specimen.dopant ?? 'Si');
    } else {
      atoms = specimen.atoms;
    }
    const offsets = scanDistortion(frame.height, { ...imaging.distortion, driftInFramePx: { x: imaging.distortion.driftInFramePx.x + vel[f].x, y: imaging.distortion.driftInFramePx.y + vel[f].y } }, start[f], new Random(deriveSeed(o.seed, 1000 + f)));
    const image = imageFrame([...atoms, ...cont.atoms], specimen.species, specimen.nearestNeighbourPm, frame, imaging, {
      offsets,
      contamination: cont,
      backgroundField,
      noiseRng: new Random(deriveSeed(o.seed, 100000 + f)),
    });
    let mx = 0;
    let my = 0;
    for (let i = 0; i < frame.height; i++) {
      mx += offsets.ox[i];
      my += offsets.oy[i];
    }
    mx /= frame.height;
    my /= frame.height;
    if (f === 0) {
      d0.x = mx;
      d0.y = my;
    }
    const truth: TruthRow[] = dopants.map((d, k) => {
      const p = positions[k];
      const a = apparentPosition(p.x / px, p.y / px, offsets, probeSigmaPx);
      return {
        frame: f,
        particle: d.particle,
        x: a.x,
        y: a.y,
        xPm: p.x,
        yPm: p.y,
        state: kin!.model.states[d.state],
        formula: STATE_FORMULA[kin!.model.states[d.state]],
        site: d.site,
        inView: a.x >= -0.5 && a.x < frame.width - 0.5 && a.y >= -0.5 && a.y < frame.height - 0.5,
      };
    });
    progress?.tick(1);
    yield { index: f, image, truth, drift: { frame: f, dx: mx - d0.x, dy: my - d0.y }, species: specimen.species, elements: specimen.elements };
  }
  progress?.stop();
}
