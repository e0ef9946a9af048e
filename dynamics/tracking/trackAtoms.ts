/**
 * The `track` step as one library call: drift correction (on frames or on coordinates), linking,
 * and per-trajectory quantities, from an atoms table to the tables `track` writes (docs/schema.md:
 * tracks.csv, drift.csv, hops.csv, msd.csv). The CLI (cli/commands/track.ts) only parses flags,
 * calls {@link trackAtoms} and writes files.
 *
 * Defaults measured on the data: the spacing s is the median nearest-neighbour distance of the first
 * frame with at least 2 atoms; searchRange = 0.75 s (a host atom's jitter between frames must stay
 * below it, the neighbour sits at s), dopantSearchRange = 1.5 s (one bond hop plus jitter, short of
 * the second neighbour at sqrt(3) s in graphene), bond length = s, hop threshold = 0.5 bond lengths.
 * Dopants, unless named: the model card's `dopants` list, else every species with fewer than 5 % of
 * the detections when another species has more than half of them.
 */
import type { Table, Cell } from '../../data/csvTable.ts';
import { ColumnTable, columnGetter } from '../../data/columnTable.ts';
import { AtomdynError } from '../../data/errors.ts';
import { silentProgress, type ProgressSink } from '../../data/progress.ts';
import { jitterFromDrift } from '../registration/jitter.ts';
import { correctPositions, driftFromLinks, estimateDriftFromFrames, zeroDrift, type DriftTrack, type FrameDriftOptions, type FrameSource } from '../registration/driftCorrection.ts';
import { estimateDriftFromPoints, type PointFrame } from '../registration/pointSetRegistration.ts';
import { medianNearestNeighbourDistance } from '../../numerics/spatialGrid.ts';
import { link } from './linking.ts';
import { dwellTimes, findHops, groupTrajectories, meanSquaredDisplacement, pairExchanges, type HopEvent } from './trajectoryQuantities.ts';

/** Settings of the track step. Lengths in px of the input frames. */
export interface TrackOptions {
  /** Pixel size (pm) for the _pm columns; null when uncalibrated. */
  pixelSizePm?: number | null;
  /** How to register: on `frames` (requires the frame source), on the `coordinates`, or `none`. */
  drift?: 'frames' | 'coordinates' | 'none';
  /** Host search range, px. Default 0.75 x spacing. */
  searchRange?: number;
  /** Dopant search range, px. Default 1.5 x spacing. */
  dopantSearchRange?: number;
  /** Dopant species; undefined = automatic (see module comment). */
  dopants?: string[];
  /** Dopants listed by the model card (run.json), used when `dopants` is undefined. */
  modelCardDopants?: string[];
  /** Gap closing, frames. Default 2. */
  memory?: number;
  /** Bond length for hops, px. Default: the spacing. */
  bondLength?: number;
  /** A hop is a step longer than this fraction of the bond length. Default 0.5. */
  hopFraction?: number;
  /** Largest MSD lag, frames. Default min(20, frames - 1). */
  maxLag?: number;
  /** Correct drift within each frame along the slow scan (fraction of the frame time spent scanning); null = off. */
  scanDriftFraction?: number | null;
  /** Frame height for the slow-scan correction (rows); default: from the frame source. */
  frameHeight?: number | null;
  /** Expected drift of the first step, px per frame. */
  driftPrior?: [number, number];
  /** Refine a coordinate registration from the links (trackpy's compute_drift). Default true. */
  refineDrift?: boolean;
  /** Extra frame-registration settings. */
  frameRegistration?: FrameDriftOptions;
  /**
   * With `drift: 'frames'`: the drift already registered on the movie's frames with the options this
   * call would use ({@link frameRegistrationOptions}; e.g. by `analyze` while locate read the frames),
   * used instead of reading and registering the frames again. Its frames must be the movie's 0..count-1.
   */
  frameDrift?: DriftTrack;
}

/** What {@link trackAtoms} returns. */
export interface TrackResult {
  /** tracks.csv (a {@link ColumnTable}: typed columns, rows read on demand). */
  tracks: Table;
  drift: Table;
  hops: Table;
  msd: Table;
  driftTrack: DriftTrack;
  /** Settings actually used, with the origin of each default, for run.json. */
  parameters: Record<string, unknown>;
  /** Counts for run.json and the terminal. */
  summary: Record<string, number>;
  warnings: string[];
}

const SPECIAL = new Set(['particle', 'particle_species', 'x_corr', 'y_corr', 'x_corr_pm', 'y_corr_pm']);

/** The options {@link trackAtoms} registers frames with (`frameRegistration` with `driftPrior` as its initial velocity). */
export function frameRegistrationOptions(opts: Pick<TrackOptions, 'frameRegistration' | 'driftPrior'>): FrameDriftOptions {
  return { ...opts.frameRegistration, initialVelocity: opts.driftPrior ?? opts.frameRegistration?.initialVelocity };
}

/**
 * Run the track step on an atoms table.
 * @param atoms the atoms table (columns frame, x, y; species optional; others are carried through)
 * @param source file name for error messages
 * @param frames the movie, required when opts.drift is 'frames'
 * @throws AtomdynError naming `source` on missing/invalid columns, or when frames are needed but absent
 */
export async function trackAtoms(atoms: Table, opts: TrackOptions = {}, source = 'atoms.csv', frames?: FrameSource | null, progress: ProgressSink = silentProgress): Promise<TrackResult> {
  for (const c of ['frame', 'x', 'y']) if (!atoms.columns.includes(c)) throw new AtomdynError(source, `missing column '${c}' (has ${atoms.columns.join(', ')})`);
  const n = atoms.rows.length;
  if (n === 0) throw new AtomdynError(source, 'the table has no rows (no atoms to track)');
  const frame = new Int32Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const hasSpecies = atoms.columns.includes('species');
  const species: Array<string | null> = new Array(n).fill(null);
  const getFrame = columnGetter(atoms, 'frame');
  const getX = columnGetter(atoms, 'x');
  const getY = columnGetter(atoms, 'y');
  const getSpecies = columnGetter(atoms, 'species');
  for (let i = 0; i < n; i++) {
    const r = { frame: getFrame(i), x: getX(i), y: getY(i), species: hasSpecies ? getSpecies(i) : null };
    const f = r.frame;
    if (typeof f !== 'number' || !Number.isInteger(f) || f < 0) throw new AtomdynError(source, `row ${i + 2}: frame must be an integer >= 0, found ${JSON.stringify(f)}`);
    if (typeof r.x !== 'number' || !Number.isFinite(r.x) || typeof r.y !== 'number' || !Number.isFinite(r.y)) {
      throw new AtomdynError(source, `row ${i + 2}: x and y must be numbers, found ${JSON.stringify(r.x)}, ${JSON.stringify(r.y)}`);
    }
    frame[i] = f;
    x[i] = r.x;
    y[i] = r.y;
    if (hasSpecies && r.species !== null && r.species !== undefined) species[i] = String(r.species);
  }
  const params: Record<string, unknown> = {};
  const warnings: string[] = [];
  const px = opts.pixelSizePm && opts.pixelSizePm > 0 ? opts.pixelSizePm : null;

  // spacing from the first frame with >= 2 atoms
  const frameSet = Array.from(new Set(frame)).sort((a, b) => a - b);
  // the rows of each frame, in row order: byFrame[start[k]..start[k+1]) for frameSet[k] (typed, not a list per frame)
  const slot = new Map<number, number>(frameSet.map((f, k) => [f, k]));
  const start = new Int32Array(frameSet.length + 1);
  for (let i = 0; i < n; i++) start[slot.get(frame[i])! + 1]++;
  for (let k = 0; k < frameSet.length; k++) start[k + 1] += start[k];
  const byFrame = new Int32Array(n);
  {
    const fill = start.slice(0, frameSet.length);
    for (let i = 0; i < n; i++) byFrame[fill[slot.get(frame[i])!]++] = i;
  }
  const rowsOf = (k: number) => byFrame.subarray(start[k], start[k + 1]);
  let spacing = NaN;
  for (let k = 0; k < frameSet.length; k++) {
    const rows = rowsOf(k);
    if (rows.length < 2) continue;
    spacing = medianNearestNeighbourDistance(Float64Array.from(rows, (r) => x[r]), Float64Array.from(rows, (r) => y[r]));
    if (spacing > 0) break;
  }
  if (opts.searchRange === undefined && !(spacing > 0)) {
    throw AtomdynError.forOption('searchRange', 'cannot be derived from the data (no frame has two distinct atoms); give it explicitly');
  }
  const searchRange = opts.searchRange ?? 0.75 * spacing;
  const dopantSearchRange = opts.dopantSearchRange ?? (spacing > 0 ? 1.5 * spacing : searchRange);
  const bond = opts.bondLength ?? (spacing > 0 ? spacing : searchRange / 0.75);
  const hopThreshold = (opts.hopFraction ?? 0.5) * bond;
  const memory = opts.memory ?? 2;
  params.spacingPx = spacing;
  params.searchRangePx = searchRange;
  params.searchRangeOrigin = opts.searchRange !== undefined ? 'command-line' : '0.75 x median nearest-neighbour distance';
  params.dopantSearchRangePx = dopantSearchRange;
  params.dopantSearchRangeOrigin = opts.dopantSearchRange !== undefined ? 'command-line' : '1.5 x median nearest-neighbour distance';
  params.memory = memory;
  params.bondLengthPx = bond;
  params.bondLengthOrigin = opts.bondLength !== undefined ? 'command-line' : 'median nearest-neighbour distance';
  params.hopThresholdPx = hopThreshold;
  params.linkingCost = 'a link costs d^2 (d <= search range, inclusive); leaving a track unlinked costs search_range^2 (trackpy); dopant stage, then host stage, then exchange partners';

  // dopants
  const counts = new Map<string, number>();
  for (const s of species) if (s) counts.set(s, (counts.get(s) ?? 0) + 1);
  let dopants: string[];
  if (opts.dopants) {
    dopants = opts.dopants.filter((d) => d !== 'none');
    for (const d of dopants) if (!counts.has(d)) warnings.push(`--dopant ${d}: no detection has this species (species found: ${[...counts.keys()].join(', ') || 'none'})`);
    params.dopantsOrigin = 'command-line';
  } else if (opts.modelCardDopants?.length) {
    dopants = opts.modelCardDopants.filter((d) => counts.has(d));
    params.dopantsOrigin = 'model card';
  } else {
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const major = Math.max(0, ...counts.values());
    dopants = major > 0.5 * total ? [...counts].filter(([, c]) => c < 0.05 * total).map(([s]) => s) : [];
    params.dopantsOrigin = 'rare species (< 5 % of detections)';
  }
  params.dopants = dopants;

  // drift
  const method = opts.drift ?? (frames ? 'frames' : 'coordinates');
  let drift: DriftTrack;
  if (method === 'frames') {
    if (!frames) throw AtomdynError.forOption('frames', 'registration on frames needs the movie (`frames`)');
    const maxFrame = frameSet[frameSet.length - 1];
    if (maxFrame >= frames.count) throw new AtomdynError(source, `has atoms in frame ${maxFrame} but the movie has only ${frames.count} frames`);
    if (opts.frameDrift) {
      if (opts.frameDrift.frame.length !== frames.count) throw AtomdynError.forOption('frameDrift', `holds ${opts.frameDrift.frame.length} frames, the movie ${frames.count}`);
      drift = opts.frameDrift;
    } else {
      drift = await estimateDriftFromFrames(frames, frameRegistrationOptions(opts), progress);
    }
  } else if (method === 'coordinates') {
    const pf: PointFrame[] = frameSet.map((f, k) => {
      const rows = rowsOf(k);
      return {
        frame: f,
        x: Float64Array.from(rows, (r) => x[r]),
        y: Float64Array.from(rows, (r) => y[r]),
        dopant: Array.from(rows, (r) => (species[r] && dopants.includes(species[r]!) ? 1 : 0)),
      };
    });
    progress.start('registering coordinates', pf.length);
    drift = estimateDriftFromPoints(pf, { spacing: spacing > 0 ? spacing : undefined, initialVelocity: opts.driftPrior }, () => progress.tick(1));
    progress.stop();
  } else {
    drift = zeroDrift(frameSet);
  }
  params.drift = method;
  const scan = opts.scanDriftFraction ?? null;
  const height = opts.frameHeight ?? frames?.height ?? null;
  if (scan !== null && !height) throw AtomdynError.forOption('scanDriftFraction', 'needs the frame height: give `frames` or a run.json with frames');
  const scanOpts = scan !== null && height ? { height, fraction: scan } : undefined;
  params.scanDrift = scanOpts ?? null;
  let corr = correctPositions(drift, frame, x, y, scanOpts);

  // link
  progress.start('linking', frameSet.length);
  const linkOnce = () =>
    link(
      { frame, x: corr.xCorr, y: corr.yCorr, species: hasSpecies ? species : undefined },
      { searchRange, dopantSearchRange, memory, dopants, onFrame: () => progress.tick(1) },
    );
  const linked = linkOnce();
  progress.stop();
  if (method === 'coordinates' && (opts.refineDrift ?? true)) {
    drift = driftFromLinks(drift, frame, x, y, linked.particle);
    corr = correctPositions(drift, frame, x, y, scanOpts);
    params.driftRefinedFromLinks = true;
  }
  warnings.push(...drift.warnings);

  // tracks table: input columns (minus ones we recompute) + ours
  // typed columns (data/columnTable.ts): the tracks of a long movie stay small; the atoms' columns
  // are shared with a ColumnTable input, not copied (copy on write)
  const carried = atoms.columns.filter((c) => !SPECIAL.has(c));
  const tracks = atoms instanceof ColumnTable ? atoms.project(carried) : ColumnTable.from({ columns: carried, rows: atoms.rows });
  tracks.addColumn('particle', (i) => linked.particle[i]);
  tracks.addColumn('particle_species', (i) => linked.speciesOfParticle[linked.particle[i]]);
  tracks.addColumn('x_corr', (i) => corr.xCorr[i]);
  tracks.addColumn('y_corr', (i) => corr.yCorr[i]);
  if (px) {
    tracks.addColumn('x_corr_pm', (i) => corr.xCorr[i] * px);
    tracks.addColumn('y_corr_pm', (i) => corr.yCorr[i] * px);
  }

  // drift table
  // jitter: the registration's residuals from a smooth (polynomial) drift (dynamics/registration/jitter.ts)
  const jit = drift.method !== 'none' && drift.frame.length >= 4 ? jitterFromDrift(drift.frame, drift.dx, drift.dy) : null;
  const jitCols = jit ? ['dx_smooth', 'dy_smooth', 'jitter_x', 'jitter_y', ...(px ? ['jitter_x_pm', 'jitter_y_pm'] : [])] : [];
  const driftCols = ['frame', 'dx', 'dy', ...(px ? ['dx_pm', 'dy_pm'] : []), 'peak', 'ambiguous', 'chosen_by', ...jitCols];
  const driftRows = Array.from(drift.frame, (f, k) => {
    const o: Record<string, Cell> = { frame: f, dx: drift.dx[k], dy: drift.dy[k], peak: Number.isFinite(drift.peak[k]) ? drift.peak[k] : null, ambiguous: drift.ambiguous[k] === 1, chosen_by: drift.chosenBy[k] };
    if (px) {
      o.dx_pm = drift.dx[k] * px;
      o.dy_pm = drift.dy[k] * px;
    }
    if (jit) {
      Object.assign(o, { dx_smooth: jit.smoothDx[k], dy_smooth: jit.smoothDy[k], jitter_x: jit.jitterX[k], jitter_y: jit.jitterY[k] });
      if (px) Object.assign(o, { jitter_x_pm: jit.jitterX[k] * px, jitter_y_pm: jit.jitterY[k] * px });
    }
    return o;
  });
  if (jit) {
    const u = px ?? 1;
    params.jitter = { degree: jit.degree, frames: jit.n, unit: px ? 'pm' : 'px', sd_x: jit.sdX * u, sd_x_err: jit.sdXErr * u, sd_y: jit.sdY * u, sd_y_err: jit.sdYErr * u };
  }

  // quantities
  const trs = groupTrajectories({ frame, x: corr.xCorr, y: corr.yCorr, particle: linked.particle });
  for (const tr of trs) tr.species = linked.speciesOfParticle[tr.particle]; // the particle's majority species
  const hops: HopEvent[] = [];
  for (const tr of trs) hops.push(...findHops(tr, hopThreshold));
  hops.sort((a, b) => a.frame - b.frame || a.particle - b.particle);
  const partner = new Map<number, number>();
  for (const [i, j] of pairExchanges(hops, hopThreshold / 2)) {
    partner.set(i, hops[j].particle);
    partner.set(j, hops[i].particle);
  }
  const hopCols = ['frame', 'particle', 'species', 'from_frame', 'x_from', 'y_from', 'x_to', 'y_to', 'distance', ...(px ? ['x_from_pm', 'y_from_pm', 'x_to_pm', 'y_to_pm', 'distance_pm'] : []), 'dwell_frames', 'dwell_censored', 'exchange_with'];
  const hopRows = hops.map((h, k) => {
    const o: Record<string, Cell> = {
      frame: h.frame,
      particle: h.particle,
      species: h.species,
      from_frame: h.fromFrame,
      x_from: h.xFrom,
      y_from: h.yFrom,
      x_to: h.xTo,
      y_to: h.yTo,
      distance: h.distance,
      dwell_frames: h.dwellFrames,
      dwell_censored: h.dwellCensored,
      exchange_with: partner.get(k) ?? null,
    };
    if (px) Object.assign(o, { x_from_pm: h.xFrom * px, y_from_pm: h.yFrom * px, x_to_pm: h.xTo * px, y_to_pm: h.yTo * px, distance_pm: h.distance * px });
    return o;
  });
  let completedDwells = 0;
  for (const tr of trs) completedDwells += dwellTimes(tr, hops.filter((h) => h.particle === tr.particle)).censored.filter((c) => !c).length;

  const span = frameSet.length > 1 ? frameSet[frameSet.length - 1] - frameSet[0] : 0;
  const maxLag = Math.max(1, Math.min(opts.maxLag ?? 20, Math.max(1, span)));
  params.maxLag = maxLag;
  const msdCols = ['species', 'lag', 'msd_px2', ...(px ? ['msd_pm2'] : []), 'count'];
  const msdRows: Array<Record<string, Cell>> = [];
  const groups: Array<[string, typeof trs]> = [['all', trs]];
  const speciesNames = Array.from(new Set(trs.map((t) => t.species).filter((s): s is string => !!s))).sort();
  if (speciesNames.length > 1) for (const s of speciesNames) groups.push([s, trs.filter((t) => t.species === s)]);
  for (const [name, g] of groups) {
    const m = meanSquaredDisplacement(g, maxLag);
    for (let k = 0; k < m.lag.length; k++) {
      const o: Record<string, Cell> = { species: name, lag: m.lag[k], msd_px2: Number.isFinite(m.msd[k]) ? m.msd[k] : null, count: m.count[k] };
      if (px) o.msd_pm2 = Number.isFinite(m.msd[k]) ? m.msd[k] * px * px : null;
      msdRows.push(o);
    }
  }

  // summary
  const lengthOf = new Map<number, number>();
  for (const tr of trs) lengthOf.set(tr.particle, tr.frame.length);
  const nFrames = frameSet.length;
  let inFull = 0;
  for (let i = 0; i < n; i++) if (lengthOf.get(linked.particle[i]) === nFrames) inFull++;
  const summary = {
    detections: n,
    frames: nFrames,
    particles: linked.particleCount,
    particlesInEveryFrame: trs.filter((t) => t.frame.length === nFrames).length,
    detectionsOnFullLengthTracks: inFull,
    hops: hops.length,
    exchanges: partner.size / 2,
    completedDwells,
    ambiguousRegistrations: drift.ambiguous.reduce((a, b) => a + b, 0),
  };
  return {
    tracks,
    drift: { columns: driftCols, rows: driftRows },
    hops: { columns: hopCols, rows: hopRows },
    msd: { columns: msdCols, rows: msdRows },
    driftTrack: drift,
    parameters: params,
    summary,
    warnings,
  };
}
