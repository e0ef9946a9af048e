/**
 * Kinetics pooled across movies: one set of configuration classes, count matrices summed across
 * movies at one lag time (trajectories never cross movies), one Markov model with intervals from the
 * summed counts, a Markov model per movie and per group beside it, and likelihood-ratio tests that
 * the movies (or groups) share one transition matrix.
 *
 * Counting and estimation are the chain's own: each movie is counted by {@link countModel}
 * (transitionCountEstimator.ts) and the summed counts are fitted by {@link MarkovModelEstimator};
 * pooling adds no second counting path. The sum of per-movie counts equals the counts of all
 * trajectories at once (for `sliding` and `sample` counting; `effective` counts are scaled per movie).
 *
 * Homogeneity test: Anderson & Goodman, Ann. Math. Statist. 28, 89 (1957), the likelihood-ratio
 * (G) test that G groups of transition counts come from one transition matrix,
 *   G = 2 sum_g sum_i sum_j C_gij ln(C_gij N_i / (N_gi C_ij)),
 * with C_ij = sum_g C_gij, N_gi = sum_j C_gij, N_i = sum_j C_ij, chi-square with
 * sum_i (groups with N_gi > 0 - 1)(destinations with C_ij > 0 - 1) degrees of freedom. It is applied
 * to the counts behind the error bars (`uncertaintyCounts`: not inflated by overlapping windows).
 * Each movie is tested against all the other movies together (two groups), and all movies at once;
 * the per-movie p-values are also given Holm-adjusted (Holm, Scand. J. Statist. 6, 65 (1979)).
 *
 * Lag time: with frame times that agree within 1 % the lag is one number of frames. When they
 * differ, a lag in frames would mean different times, so the lag must be given in seconds and be
 * (within 1 %) a whole number of each movie's frames; each movie is then counted at its own lag in
 * frames, and the pooled model's step is that lag time.
 */
import { AtomdynError } from '../../data/errors.ts';
import { chiSquareSurvival } from '../../numerics/chiSquare.ts';
import { ratesOfModel, ratesToJSON, type RateEstimate } from './beamRates.ts';
import { stronglyConnectedSets } from './connectedSets.ts';
import { zeros, type CountingMode } from './countMatrix.ts';
import type { MarkovModel } from './markovModel.ts';
import { MarkovModelEstimator, type MarkovModelOptions } from './markovModelEstimator.ts';
import type { StateSequences, StateTrajectory } from './stateSequences.ts';
import { countModel, checkCountSettings, type TransitionCountModel } from './transitionCountEstimator.ts';

/** Relative tolerance on frame times, dose rates and lag times in seconds (1 %). */
export const POOL_TOLERANCE = 0.01;

/** One movie's classified trajectories with its metadata. */
export interface MovieSequences {
  /** Movie id (the manifest's `id`), unique. */
  id: string;
  /** The movie's state sequences; states are matched across movies by name. */
  sequences: StateSequences;
  /** Seconds per frame, or null when unknown. */
  frameTimeS?: number | null;
  /** Electron flux, e-/Å²/s, or null when unknown. */
  doseRate?: number | null;
  /** Any other metadata (the manifest's columns), for `groupBy`. */
  metadata?: Readonly<Record<string, string>>;
}

/** The lag time in frames or in seconds (exactly one). */
export interface PoolLag {
  /** Lag in frames (integer >= 1). */
  frames?: number;
  /** Lag in seconds (> 0). */
  seconds?: number;
}

/** Settings of {@link poolKinetics}. */
export interface PoolOptions {
  /** Lag time (default 1 frame). */
  lag?: PoolLag;
  /** Counting mode (default 'sliding'). */
  counting?: CountingMode;
  /** Metadata key to group movies by (e.g. 'material', 'dose_rate_e_per_A2_s'), or none. */
  groupBy?: string | null;
  /** Settings of the Markov model estimator (seed, samples, prior, level, bootstrap). */
  estimator?: MarkovModelOptions;
}

/** Result of an Anderson-Goodman homogeneity test. */
export interface HomogeneityTest {
  /** Likelihood-ratio statistic G (>= 0). */
  g: number;
  /** Degrees of freedom (0 when nothing can be compared). */
  df: number;
  /** P(chi^2(df) >= G); NaN when df = 0. */
  pValue: number;
}

/** One movie's (or group's) kinetics beside the pooled model. */
export interface PoolMember {
  /** Movie id or group value. */
  id: string;
  /** Movies behind it. */
  movies: number;
  /** Lag in frames its counts were taken at (movies of a group may differ: the first one's). */
  lagFrames: number;
  /** Its counts at the lag (matrix order of the pooled states). */
  counts: TransitionCountModel;
  /** Its own Markov model. */
  model: MarkovModel;
  /** Its counts against those of all others (two-group homogeneity test); NaN p-value when alone. */
  test: HomogeneityTest;
  /** `test.pValue` Holm-adjusted over the members. */
  pAdjusted: number;
  /** Rates per second and per dose, when its movies share one frame time and one dose rate. */
  rates: RateEstimate | null;
}

/** The pooled kinetics of several movies. */
export interface PooledKinetics {
  /** State names of every matrix (union over the movies, in order of first appearance). */
  states: readonly string[];
  /** Lag in frames of each movie, by id. */
  lagFrames: Readonly<Record<string, number>>;
  /** Lag time in seconds, or null when the frame time is unknown. */
  lagSeconds: number | null;
  /** Summed counts (the pooled count model). */
  counts: TransitionCountModel;
  /** The pooled Markov model (intervals from the summed counts). */
  model: MarkovModel;
  /** Pooled rates, when all movies share one frame time and one dose rate (within 1 %); else null. */
  rates: RateEstimate | null;
  /** Per movie: counts, model and its test against the others. */
  movies: PoolMember[];
  /** All movies at once. */
  homogeneity: HomogeneityTest;
  /** The metadata key grouped by, or null. */
  groupBy: string | null;
  /** Per group (value of `groupBy`): its pooled counts, model and its test against the other groups. */
  groups: PoolMember[];
  /** All groups at once (NaN p-value without groups). */
  groupHomogeneity: HomogeneityTest;
  /** Notes for the reader (e.g. why no pooled rates). */
  notes: string[];
}

/**
 * Anderson-Goodman likelihood-ratio test that groups of transition counts share one transition
 * matrix (see the module comment).
 *
 * @param groups count matrices, all n x n (e.g. `uncertaintyCounts` of each movie)
 * @returns G, degrees of freedom and p-value
 * @throws AtomdynError when the matrices differ in size or hold a negative or non-finite count
 */
export function homogeneityTest(groups: ArrayLike<number>[][]): HomogeneityTest {
  const n = groups.length ? groups[0].length : 0;
  for (const C of groups) {
    if (C.length !== n || C.some((r) => r.length !== n)) throw new AtomdynError('', `homogeneity test: count matrices of different sizes (${n} x ${n} expected)`);
    for (const r of C) for (let j = 0; j < n; j++) if (!(r[j] >= 0) || !Number.isFinite(r[j])) throw new AtomdynError('', `homogeneity test: counts must be finite and >= 0, found ${r[j]}`);
  }
  let g = 0, df = 0;
  for (let i = 0; i < n; i++) {
    const col = new Array<number>(n).fill(0);
    const rowTotals = groups.map((C) => {
      let s = 0;
      for (let j = 0; j < n; j++) {
        s += C[i][j];
        col[j] += C[i][j];
      }
      return s;
    });
    const Ni = rowTotals.reduce((a, b) => a + b, 0);
    const present = rowTotals.filter((s) => s > 0).length;
    const destinations = col.filter((c) => c > 0).length;
    if (present < 2 || destinations < 2) continue;
    df += (present - 1) * (destinations - 1);
    groups.forEach((C, k) => {
      for (let j = 0; j < n; j++) {
        const c = C[i][j];
        if (c > 0) g += 2 * c * Math.log((c * Ni) / (rowTotals[k] * col[j]));
      }
    });
  }
  g = Math.max(0, g);
  return { g, df, pValue: df > 0 ? chiSquareSurvival(g, df) : NaN };
}

/**
 * Holm's step-down adjustment of p-values (NaN values are left out and stay NaN).
 * @param p p-values
 * @returns adjusted p-values, same order, each in [0, 1]
 */
export function holmAdjust(p: readonly number[]): number[] {
  const idx = p.map((v, i) => [v, i] as const).filter(([v]) => !Number.isNaN(v)).sort((a, b) => a[0] - b[0]);
  const out = p.map(() => NaN);
  let running = 0;
  idx.forEach(([v, i], k) => {
    running = Math.max(running, Math.min(1, (idx.length - k) * v));
    out[i] = running;
  });
  return out;
}

/** True when all values agree within `tol` relative to the smallest. */
function agree(values: number[], tol = POOL_TOLERANCE): boolean {
  const lo = Math.min(...values), hi = Math.max(...values);
  return hi <= lo * (1 + tol);
}

/**
 * The lag in frames of each movie.
 *
 * @param movies the movies (frame times may be null)
 * @param lag in frames or seconds (default 1 frame)
 * @returns lag in frames per movie (same order) and the lag time in seconds (null when a frame time is unknown)
 * @throws AtomdynError('lag') when frame times differ by more than 1 % and the lag is given in
 *   frames; ('lag.seconds') when the lag in seconds is not a whole number of some movie's frames (within
 *   1 %), or a frame time is unknown; ('lag' / 'lag.seconds') for a bad value or both given
 */
export function lagsInFrames(movies: readonly MovieSequences[], lag: PoolLag = {}): { frames: number[]; seconds: number | null } {
  if (lag.frames !== undefined && lag.seconds !== undefined) throw AtomdynError.forOption('lag', 'give the lag in frames (`lag.frames`) or in seconds (`lag.seconds`), not both');
  const times = movies.map((m) => m.frameTimeS ?? null);
  const known = times.every((t): t is number => t !== null && t > 0);
  if (lag.seconds !== undefined) {
    if (!(lag.seconds > 0)) throw AtomdynError.forOption('lag.seconds', `the lag must be > 0 s, found ${lag.seconds}`);
    if (!known) throw AtomdynError.forOption('lag.seconds', `a lag in seconds needs every movie's frame time; unknown for ${movies.filter((_, k) => !(times[k]! > 0)).map((m) => m.id).join(', ')}`);
    const frames = movies.map((m, k) => {
      const f = lag.seconds! / times[k]!;
      const r = Math.round(f);
      if (r < 1 || Math.abs(f - r) > POOL_TOLERANCE * r) throw AtomdynError.forOption('lag.seconds', `${lag.seconds} s is ${+f.toFixed(3)} frames of movie ${m.id} (frame time ${times[k]} s), not a whole number of frames`);
      return r;
    });
    return { frames, seconds: lag.seconds };
  }
  const f = lag.frames ?? 1;
  checkCountSettings(f, 'sliding');
  if (known && movies.length && !agree(times as number[])) {
    const lo = Math.min(...(times as number[])), hi = Math.max(...(times as number[]));
    throw AtomdynError.forOption('lag', `frame times differ by ${+((hi / lo - 1) * 100).toFixed(2)} % (${lo} s to ${hi} s), so a lag of ${f} frame${f === 1 ? '' : 's'} would mean different times; give the lag in seconds (\`lag.seconds\`)`);
  }
  return { frames: movies.map(() => f), seconds: known && movies.length ? f * (times as number[])[0] : null };
}

/**
 * Re-index every movie's sequences to one list of state names (union, in order of first appearance);
 * particle ids are renumbered so that no two movies share one (trajectories never cross movies).
 *
 * @param movies the movies
 * @returns the common names and, per movie, its sequences on those names
 * @throws AtomdynError when no movie is given or two movies share an id
 */
export function commonStates(movies: readonly MovieSequences[]): { names: string[]; labels: number[]; sequences: StateSequences[] } {
  if (!movies.length) throw new AtomdynError('', 'no movies to pool');
  const ids = new Set<string>();
  for (const m of movies) {
    if (ids.has(m.id)) throw new AtomdynError('', `two movies share the id '${m.id}'`);
    ids.add(m.id);
  }
  const names: string[] = [], labels: number[] = [];
  for (const m of movies) {
    m.sequences.names.forEach((name, k) => {
      if (!names.includes(name)) {
        names.push(name);
        labels.push(m.sequences.labels[k]);
      }
    });
  }
  let nextParticle = 0;
  const sequences = movies.map((m) => {
    const map = Int32Array.from(m.sequences.names, (name) => names.indexOf(name));
    const trajectories: StateTrajectory[] = m.sequences.trajectories.map((t) => Object.freeze({
      ...t, particle: nextParticle++, states: Int32Array.from(t.states, (s) => (s >= 0 ? map[s] : -1)),
    }));
    return Object.freeze({ names, labels, trajectories });
  });
  return { names, labels, sequences };
}

/** Counts of several movies summed into one count model (each at its own lag in frames). */
function sumCounts(parts: TransitionCountModel[]): TransitionCountModel {
  const n = parts[0].states.length;
  const counts = zeros(n), uncertaintyCounts = zeros(n);
  let pairs = 0, trajectories = 0, observedFrames = 0;
  for (const p of parts) {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      counts[i][j] += p.counts[i][j];
      uncertaintyCounts[i][j] += p.uncertaintyCounts[i][j];
    }
    pairs += p.pairs;
    trajectories += p.trajectories;
    observedFrames += p.observedFrames;
  }
  return {
    lag: parts[0].lag, mode: parts[0].mode, counts, uncertaintyCounts, pairs, states: parts[0].states, labels: parts[0].labels,
    connectedSets: stronglyConnectedSets(counts), trajectories, observedFrames,
  };
}

/** Concatenated sequences of several movies (already on common states). */
function concatSequences(seqs: StateSequences[]): StateSequences {
  return { names: seqs[0].names, labels: seqs[0].labels, trajectories: seqs.flatMap((s) => [...s.trajectories]) };
}

/**
 * Pool the kinetics of several movies (see the module comment).
 *
 * @param movies the movies, each with its state sequences and metadata
 * @param opts lag, counting mode, group-by key, estimator settings
 * @returns pooled counts and model, per-movie and per-group models, homogeneity tests
 * @throws AtomdynError as {@link lagsInFrames} and {@link commonStates}; ('lag') when no movie has
 *   a pair of frames at the lag; ('groupBy') when a movie lacks the group-by key
 */
export function poolKinetics(movies: readonly MovieSequences[], opts: PoolOptions = {}): PooledKinetics {
  const counting = opts.counting ?? 'sliding';
  const { names, sequences } = commonStates(movies);
  const lags = lagsInFrames(movies, opts.lag);
  checkCountSettings(lags.frames[0], counting);
  const perCounts = sequences.map((s, k) => countModel(s, lags.frames[k], counting));
  const pooled = sumCounts(perCounts);
  if (pooled.pairs === 0) throw AtomdynError.forOption('lag', `no particle in any of the ${movies.length} movies was observed at two frames one lag apart; use a shorter lag`);
  const sameLag = lags.frames.every((f) => f === lags.frames[0]);
  const estimator = new MarkovModelEstimator(opts.estimator);
  const notes: string[] = [];
  if (!sameLag) notes.push(`movies counted at different lags in frames (${[...new Set(lags.frames)].join(', ')}) for one lag time of ${lags.seconds} s; no bootstrap over particles`);
  const fitOf = (c: TransitionCountModel, seqs: StateSequences[], sameLags: boolean) => estimator.fit(c, sameLags ? concatSequences(seqs) : undefined);
  const model = fitOf(pooled, sequences, sameLag);

  /** Rates of a set of movies when they share one frame time and one dose rate. */
  const ratesOf = (m: MarkovModel, members: number[], label: string): RateEstimate | null => {
    const ft = members.map((k) => movies[k].frameTimeS ?? NaN), dr = members.map((k) => movies[k].doseRate ?? NaN);
    if (!ft.every((v) => v > 0) || !dr.every((v) => v > 0)) {
      // said once, for the pooled model (the movies' and groups' lack the same calibration)
      if (label === 'pooled') notes.push(`pooled: no rates (frame time or dose rate unknown for ${members.filter((k) => !(ft[k] > 0 && dr[k] > 0)).map((k) => movies[k].id).join(', ')})`);
      return null;
    }
    if (!agree(dr)) {
      notes.push(`${label}: no single rate per dose (dose rates differ: ${[...new Set(dr)].join(', ')} e-/Å²/s); see the groups by dose rate`);
      return null;
    }
    const lagS = lags.frames[members[0]] * ft[0];
    return ratesOfModel(m, { frameTimeS: lagS / m.lag, doseRate: dr[0] }, { seed: estimator.seed, samples: estimator.samples });
  };

  const members = (groups: { id: string; idx: number[] }[]): PoolMember[] => {
    const counts = groups.map((g) => (g.idx.length === 1 ? perCounts[g.idx[0]] : sumCounts(g.idx.map((k) => perCounts[k]))));
    const tests = counts.map((c, k) => {
      if (groups.length < 2) return { g: 0, df: 0, pValue: NaN };
      const rest = sumCounts(counts.filter((_, q) => q !== k));
      return homogeneityTest([c.uncertaintyCounts, rest.uncertaintyCounts]);
    });
    const adjusted = holmAdjust(tests.map((t) => t.pValue));
    return groups.map((g, k) => {
      const same = g.idx.every((q) => lags.frames[q] === lags.frames[g.idx[0]]);
      const m = fitOf(counts[k], g.idx.map((q) => sequences[q]), same);
      return { id: g.id, movies: g.idx.length, lagFrames: lags.frames[g.idx[0]], counts: counts[k], model: m, test: tests[k], pAdjusted: adjusted[k], rates: ratesOf(m, g.idx, g.id) };
    });
  };

  const rates = ratesOf(model, movies.map((_, k) => k), 'pooled');
  const perMovie = members(movies.map((m, k) => ({ id: m.id, idx: [k] })));
  const homogeneity = homogeneityTest(perCounts.map((c) => c.uncertaintyCounts));
  const groupBy = opts.groupBy ?? null;
  let groups: PoolMember[] = [];
  let groupHomogeneity: HomogeneityTest = { g: 0, df: 0, pValue: NaN };
  if (groupBy) {
    const byValue = new Map<string, number[]>();
    movies.forEach((m, k) => {
      const v = m.metadata?.[groupBy];
      if (v === undefined || v === '') throw AtomdynError.forOption('groupBy', `movie ${m.id} has no value of '${groupBy}'${m.metadata ? ` (it has ${Object.keys(m.metadata).join(', ')})` : ''}`);
      byValue.set(v, [...(byValue.get(v) ?? []), k]);
    });
    groups = members([...byValue].map(([id, idx]) => ({ id, idx })));
    groupHomogeneity = homogeneityTest(groups.map((g) => g.counts.uncertaintyCounts));
  }
  return {
    states: names, lagFrames: Object.fromEntries(movies.map((m, k) => [m.id, lags.frames[k]])), lagSeconds: lags.seconds,
    counts: pooled, model, rates, movies: perMovie, homogeneity, groupBy, groups, groupHomogeneity, notes,
  };
}

/** The `format` of pooled.json; the number is the version. */
export const POOLED_FORMAT = 'atomdyn-pooled-kinetics/1';

/** JSON numbers: NaN and infinities become null. */
function finiteOrNull(doc: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(doc, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}

/** One member (movie or group) as pooled.json writes it. */
function memberToJSON(m: PoolMember): Record<string, unknown> {
  return {
    id: m.id, movies: m.movies, lag_frames: m.lagFrames,
    n_trajectories: m.counts.trajectories, n_observed_frames: m.counts.observedFrames, n_pairs: m.counts.pairs,
    counts: m.counts.counts, matrix: m.model.matrix, ci_low: m.model.interval.low, ci_high: m.model.interval.high,
    g: m.test.g, df: m.test.df, p_value: m.test.pValue, p_holm: m.pAdjusted, rates: m.rates ? ratesToJSON(m.rates) : null,
  };
}

/**
 * The content of pooled.json (docs/schema.md); NaN and infinite numbers become null.
 * @param p pooled kinetics ({@link poolKinetics})
 */
export function pooledToJSON(p: PooledKinetics): Record<string, unknown> {
  const test = (t: HomogeneityTest) => ({ g: t.g, df: t.df, p_value: t.pValue });
  return finiteOrNull({
    format: POOLED_FORMAT, states: p.states, lag_frames: p.lagFrames, lag_time_s: p.lagSeconds,
    model: p.model.toJSON(), rates: p.rates ? ratesToJSON(p.rates) : null,
    homogeneity: test(p.homogeneity), movies: p.movies.map(memberToJSON),
    group_by: p.groupBy, groups: p.groups.map(memberToJSON), group_homogeneity: test(p.groupHomogeneity), notes: p.notes,
  });
}
