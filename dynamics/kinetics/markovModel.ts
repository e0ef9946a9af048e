/**
 * A fitted Markov model of configuration kinetics (deeptime's MarkovStateModel): the maximum-
 * likelihood transition matrix at one lag, its intervals, the counts it came from, and its
 * stationary distribution. It is immutable in depth, is saved as the model part of
 * transitions.json ({@link MarkovModel.toJSON}) and read back from it ({@link MarkovModel.fromJSON}),
 * and it can be applied: {@link MarkovModel.propagate} gives the state distribution k lags later,
 * {@link MarkovModel.simulate} draws a state sequence. Fitted by {@link MarkovModelEstimator}
 * (markovModelEstimator.ts) from a count model (transitionCountEstimator.ts).
 */
import { AtomdynError } from '../../data/errors.ts';
import { deepFreeze } from '../../data/deepFreeze.ts';
import { Random } from '../../data/random.ts';
import { COUNTING_MODES, type CountingMode } from './countMatrix.ts';
import { simulateChain } from './markovSimulation.ts';
import { reversibleMle } from './transitionMatrix.ts';
import { dirichletPosterior, type MatrixInterval } from './transitionUncertainty.ts';

/** The `format` of a saved Markov model (transitions.json); the number is the version. */
export const MARKOV_MODEL_FORMAT = 'atomdyn-markov-model/1';

/** The fields of a {@link MarkovModel}. */
export interface MarkovModelFields {
  /** State names (matrix order). */
  readonly states: readonly string[];
  /** The classifier's state labels, matrix order. */
  readonly labels: readonly number[];
  /** Lag time in frames: one step of the matrix. */
  readonly lag: number;
  readonly counting: CountingMode;
  readonly reversible: boolean;
  /** Count matrix of the chosen mode (n x n). */
  readonly counts: number[][];
  /** Counts behind the error bars (not inflated by overlapping windows), n x n. */
  readonly uncertaintyCounts: number[][];
  /** Maximum-likelihood transition matrix (n x n; NaN rows: never observed leaving). */
  readonly matrix: number[][];
  /** Posterior interval of every entry (level `level`; NaN when no samples were drawn). */
  readonly interval: MatrixInterval;
  /** Bootstrap-over-particles interval, when there were enough particles. */
  readonly bootstrap: (MatrixInterval & { resamples: number }) | null;
  /** Strongly connected sets of the count matrix (indices). */
  readonly connectedSets: number[][];
  /** Closed sets of the transition matrix (indices). */
  readonly closedSets: number[][];
  /** Stationary distribution where unique, else null; its interval; a note saying why not. */
  readonly stationary: number[] | null;
  readonly stationaryLow: number[] | null;
  readonly stationaryHigh: number[] | null;
  readonly stationaryNote: string;
  /** Particles, observed (particle, frame) pairs and counted pairs behind the model. */
  readonly trajectories: number;
  readonly observedFrames: number;
  readonly pairs: number;
  /** Interval level (e.g. 0.95). */
  readonly level: number;
  /** Dirichlet pseudo-count of the posterior. */
  readonly prior: number;
  readonly warnings: readonly string[];
  /** The estimator settings used (defaults filled in). */
  readonly settings: Readonly<Record<string, unknown>>;
}

/** The keys of {@link MarkovModelFields}: what a model holds. */
const FIELD_KEYS: ReadonlyArray<keyof MarkovModelFields> = [
  'states', 'labels', 'lag', 'counting', 'reversible', 'counts', 'uncertaintyCounts', 'matrix', 'interval', 'bootstrap',
  'connectedSets', 'closedSets', 'stationary', 'stationaryLow', 'stationaryHigh', 'stationaryNote',
  'trajectories', 'observedFrames', 'pairs', 'level', 'prior', 'warnings', 'settings',
];

/** Posterior samples of a transition matrix and their element-wise interval. */
export interface PosteriorSamples {
  samples: number[][][];
  interval: MatrixInterval;
}

/**
 * Posterior of a transition matrix given counts: row-wise Dirichlet (non-reversible), or, for the
 * reversible estimate, the reversible maximum-likelihood matrix of each Dirichlet draw turned back
 * into counts with the observed row totals (see transitionUncertainty.ts).
 *
 * @param uncertaintyCounts counts behind the error bars (n x n)
 * @param opts.reversible estimator kind; opts.prior pseudo-count; opts.level interval level;
 *   opts.samples number of draws; opts.seed seed
 */
export function markovPosterior(
  uncertaintyCounts: ArrayLike<number>[],
  opts: { reversible: boolean; prior: number; level: number; samples: number; seed: number },
): PosteriorSamples {
  const base = { samples: opts.samples, prior: opts.prior, seed: opts.seed, level: opts.level };
  if (!opts.reversible) return dirichletPosterior(uncertaintyCounts, base);
  const rowTotals = Array.from(uncertaintyCounts, (r) => Array.from(r).reduce((a, b) => a + b, 0));
  return dirichletPosterior(
    uncertaintyCounts,
    { ...base, sparsePrior: true },
    (P) => reversibleMle(P.map((r, i) => r.map((p) => (Number.isFinite(p) ? p * rowTotals[i] : 0)))).matrix,
  );
}

/** JSON numbers: NaN and infinities become null. */
function finiteOrNull(doc: unknown): unknown {
  return JSON.parse(JSON.stringify(doc, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}

/** A fitted Markov model. Immutable in depth; see the module comment. */
export class MarkovModel implements MarkovModelFields {
  declare readonly states: readonly string[];
  declare readonly labels: readonly number[];
  declare readonly lag: number;
  declare readonly counting: CountingMode;
  declare readonly reversible: boolean;
  declare readonly counts: number[][];
  declare readonly uncertaintyCounts: number[][];
  declare readonly matrix: number[][];
  declare readonly interval: MatrixInterval;
  declare readonly bootstrap: (MatrixInterval & { resamples: number }) | null;
  declare readonly connectedSets: number[][];
  declare readonly closedSets: number[][];
  declare readonly stationary: number[] | null;
  declare readonly stationaryLow: number[] | null;
  declare readonly stationaryHigh: number[] | null;
  declare readonly stationaryNote: string;
  declare readonly trajectories: number;
  declare readonly observedFrames: number;
  declare readonly pairs: number;
  declare readonly level: number;
  declare readonly prior: number;
  declare readonly warnings: readonly string[];
  declare readonly settings: Readonly<Record<string, unknown>>;

  /**
   * @param fields the model's content (other keys are ignored); it is frozen in depth (pass arrays
   *   the caller no longer writes to)
   * @throws AtomdynError when the matrices are not n x n for n states
   */
  constructor(fields: MarkovModelFields) {
    const n = fields.states.length;
    for (const [name, M] of [['counts', fields.counts], ['uncertainty_counts', fields.uncertaintyCounts], ['matrix', fields.matrix]] as const) {
      if (M.length !== n || M.some((r) => r.length !== n)) throw new AtomdynError('', `Markov model: ${name} is not ${n} x ${n} (${n} states)`);
    }
    for (const key of FIELD_KEYS) Object.defineProperty(this, key, { value: deepFreeze(fields[key]), enumerable: true });
    // a subclass adds its own fields and freezes itself
    if (new.target === MarkovModel) Object.freeze(this);
  }

  /**
   * Index of a state by name.
   * @throws AtomdynError when there is no such state
   */
  stateIndex(name: string): number {
    const i = this.states.indexOf(name);
    if (i < 0) throw new AtomdynError('', `no state named '${name}' (states: ${this.states.join(', ')})`);
    return i;
  }

  /**
   * The state distribution k lags later: p0 P^k (Chapman-Kolmogorov).
   *
   * @param p0 initial distribution over the states (length n, entries >= 0, sum 1 within 1e-9)
   * @param k number of lags (integer >= 0); the time is k * lag frames
   * @returns p_k (length n); entries are NaN once probability reaches a state whose row is unknown
   * @throws AtomdynError when p0 is not a distribution over the n states or k is not an integer >= 0
   */
  propagate(p0: ArrayLike<number>, k: number): number[] {
    const n = this.states.length;
    if (!Number.isInteger(k) || k < 0) throw new AtomdynError('', `propagate: k must be an integer >= 0 (lags), found ${k}`);
    if (p0.length !== n) throw new AtomdynError('', `propagate: the initial distribution has ${p0.length} entries, the model ${n} states`);
    let p = Array.from(p0);
    const sum = p.reduce((a, b) => a + b, 0);
    if (p.some((v) => !(v >= 0)) || Math.abs(sum - 1) > 1e-9) throw new AtomdynError('', 'propagate: the initial distribution must be >= 0 and sum to 1');
    for (let s = 0; s < k; s++) {
      const next = new Array<number>(n).fill(0);
      for (let i = 0; i < n; i++) {
        if (p[i] === 0) continue;
        const row = this.matrix[i];
        for (let j = 0; j < n; j++) next[j] += p[i] * row[j];
      }
      p = next;
    }
    return p;
  }

  /**
   * One realisation of the chain: a state sequence with one step per lag.
   *
   * @param n number of steps (integer >= 1); step t is at t * lag frames
   * @param seed seed of the generator (data/random.ts)
   * @param start initial state (index or name); default drawn from the stationary distribution
   * @returns Int32Array of state indices (length n)
   * @throws AtomdynError when a row is unknown (a state never observed leaving) or no start is given
   *   and the stationary distribution is not unique
   */
  simulate(n: number, seed: number, start?: number | string): Int32Array {
    if (!Number.isInteger(n) || n < 1) throw new AtomdynError('', `simulate: the number of steps must be an integer >= 1, found ${n}`);
    const unknown = this.matrix.findIndex((r) => r.some((v) => !Number.isFinite(v)));
    if (unknown >= 0) throw new AtomdynError('', `simulate: state ${this.states[unknown]} was never observed leaving, so its row of the matrix is unknown`);
    const rng = new Random(seed);
    let s0: number;
    if (typeof start === 'string') s0 = this.stateIndex(start);
    else if (start !== undefined) {
      if (!Number.isInteger(start) || start < 0 || start >= this.states.length) throw new AtomdynError('', `simulate: no state ${start} (0..${this.states.length - 1})`);
      s0 = start;
    } else {
      if (!this.stationary) throw new AtomdynError('', `simulate: give a start state; the stationary distribution is not unique (${this.stationaryNote})`);
      const u = rng.uniform();
      let c = 0;
      s0 = this.stationary.length - 1;
      for (let i = 0; i < this.stationary.length; i++) if (u < (c += this.stationary[i])) { s0 = i; break; }
    }
    return simulateChain(this.matrix, n, s0, rng);
  }

  /**
   * Posterior samples of the matrix, redrawn from the model's counts (the same draws as the
   * estimator's for the same seed and number).
   * @param samples number of matrices
   * @param seed seed of the draws
   */
  posterior(samples: number, seed: number): PosteriorSamples {
    return markovPosterior(this.uncertaintyCounts, { reversible: this.reversible, prior: this.prior, level: this.level, samples, seed });
  }

  /**
   * The model part of transitions.json (docs/schema.md): `format` (MARKOV_MODEL_FORMAT) and the
   * fields below; NaN and infinite numbers become null; sets are given by state names.
   */
  toJSON(): Record<string, unknown> {
    const names = (set: readonly number[]) => set.map((i) => this.states[i]);
    return finiteOrNull({
      format: MARKOV_MODEL_FORMAT,
      lag: this.lag,
      counting: this.counting,
      reversible: this.reversible,
      states: this.states,
      labels: this.labels,
      counts: this.counts,
      uncertainty_counts: this.uncertaintyCounts,
      matrix: this.matrix,
      ci_level: this.level,
      ci_low: this.interval.low,
      ci_high: this.interval.high,
      bootstrap: this.bootstrap ? { resamples: this.bootstrap.resamples, ci_low: this.bootstrap.low, ci_high: this.bootstrap.high } : null,
      stationary: this.stationary,
      stationary_ci_low: this.stationaryLow,
      stationary_ci_high: this.stationaryHigh,
      stationary_note: this.stationaryNote,
      connected_sets: this.connectedSets.map(names),
      closed_sets: this.closedSets.map(names),
      n_trajectories: this.trajectories,
      n_observed_frames: this.observedFrames,
      n_pairs: this.pairs,
      warnings: this.warnings,
      settings: this.settings,
    }) as Record<string, unknown>;
  }

  /**
   * Read a model back from transitions.json content (or {@link toJSON}'s output). Files written
   * before the `format` key existed are read as version 1. Keys of the analyses (dwell times,
   * timescales, Chapman-Kolmogorov, rates) are ignored.
   *
   * @param doc parsed JSON
   * @param source file name for error messages
   * @throws AtomdynError(source) for another format or version, or a missing or malformed field
   */
  static fromJSON(doc: unknown, source = 'transitions.json'): MarkovModel {
    const bad = (what: string): never => {
      throw new AtomdynError(source, `not a Markov model: ${what}`);
    };
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) bad('expected a JSON object');
    const d = doc as Record<string, unknown>;
    if (d.format !== undefined && d.format !== MARKOV_MODEL_FORMAT) bad(`format '${String(d.format)}' (this atomdyn reads '${MARKOV_MODEL_FORMAT}')`);
    const states = d.states;
    if (!Array.isArray(states) || states.length === 0 || !states.every((s) => typeof s === 'string')) bad("'states' must be a non-empty list of names");
    const n = (states as string[]).length;
    const num = (v: unknown, key: string): number => (v === null ? NaN : typeof v === 'number' ? v : bad(`'${key}' holds ${JSON.stringify(v)} where a number belongs`));
    const vector = (key: string, v: unknown = d[key]): number[] => (Array.isArray(v) && v.length === n ? v.map((x) => num(x, key)) : bad(`'${key}' must be a list of ${n} numbers`));
    const matrix = (key: string, v: unknown = d[key]): number[][] => (Array.isArray(v) && v.length === n ? v.map((r) => vector(key, r)) : bad(`'${key}' must be a ${n} x ${n} matrix`));
    const vectorOrNull = (key: string) => (d[key] === null || d[key] === undefined ? null : vector(key));
    const sets = (key: string): number[][] => {
      const v = d[key];
      if (!Array.isArray(v)) bad(`'${key}' must be a list of lists of state names`);
      return (v as unknown[]).map((set) => (Array.isArray(set) ? set.map((name) => {
        const i = (states as string[]).indexOf(name as string);
        return i >= 0 ? i : bad(`'${key}' names an unknown state ${JSON.stringify(name)}`);
      }) : bad(`'${key}' must be a list of lists of state names`)));
    };
    const integer = (key: string): number => (Number.isInteger(d[key]) && (d[key] as number) >= 0 ? (d[key] as number) : bad(`'${key}' must be an integer >= 0`));
    const lag = integer('lag');
    if (lag < 1) bad("'lag' must be an integer >= 1");
    const counting = d.counting as CountingMode;
    if (!COUNTING_MODES.includes(counting)) bad(`'counting' must be one of ${COUNTING_MODES.join(', ')}`);
    const settings = d.settings !== null && typeof d.settings === 'object' && !Array.isArray(d.settings) ? (d.settings as Record<string, unknown>) : bad("'settings' must be an object");
    const boot = d.bootstrap as Record<string, unknown> | null | undefined;
    const bootstrap = boot === null || boot === undefined ? null
      : typeof boot === 'object' && Number.isInteger(boot.resamples) ? { resamples: boot.resamples as number, low: matrix('bootstrap.ci_low', boot.ci_low), high: matrix('bootstrap.ci_high', boot.ci_high) }
      : bad("'bootstrap' must be null or {resamples, ci_low, ci_high}");
    const level = num(d.ci_level, 'ci_level');
    const prior = typeof settings.prior === 'number' ? settings.prior : 0.5;
    return new MarkovModel({
      states: states as string[],
      labels: Array.isArray(d.labels) && d.labels.length === n && d.labels.every(Number.isInteger) ? (d.labels as number[]) : bad(`'labels' must be a list of ${n} integers`),
      lag, counting,
      reversible: typeof d.reversible === 'boolean' ? d.reversible : bad("'reversible' must be true or false"),
      counts: matrix('counts'), uncertaintyCounts: matrix('uncertainty_counts'), matrix: matrix('matrix'),
      interval: { low: matrix('ci_low'), high: matrix('ci_high') }, bootstrap,
      connectedSets: sets('connected_sets'), closedSets: sets('closed_sets'),
      stationary: vectorOrNull('stationary'), stationaryLow: vectorOrNull('stationary_ci_low'), stationaryHigh: vectorOrNull('stationary_ci_high'),
      stationaryNote: typeof d.stationary_note === 'string' ? d.stationary_note : '',
      trajectories: integer('n_trajectories'), observedFrames: integer('n_observed_frames'), pairs: integer('n_pairs'),
      level, prior,
      warnings: Array.isArray(d.warnings) ? d.warnings.map(String) : [],
      settings,
    });
  }
}
