/**
 * The known-answer check of a simulated movie: the classes found by `classify` are compared with
 * the simulator's true states (truth.csv), and the transition matrix recovered by `transitions`
 * with the true one the movie was simulated with.
 *
 * 1. Each classified centre is matched to a true dopant of the same frame within `radiusPx`
 *    (one-to-one, nearest first: evaluation/matchAtoms.ts); dopants of the truth that nothing
 *    matched are counted as missed.
 * 2. Classes are assigned to true states by the Hungarian algorithm on the confusion matrix
 *    (maximum total agreement; Kuhn, Nav. Res. Logist. Q. 2, 83 (1955); numerics/linearAssignment.ts).
 *    With more classes than states the extra classes stay unassigned (and count as wrong).
 * 3. Agreement = matched centres whose class is assigned to their true state / matched centres;
 *    the adjusted Rand index (Hubert & Arabie 1985) of class against true state needs no assignment.
 * 4. For every pair of assigned classes, the estimated P(i -> j) at lag τ is set against the true
 *    (M^τ)[a][b], with its error and whether the 95 % interval covers it.
 */
import { matchPoints } from './matchAtoms.ts';
import { adjustedRandIndex } from './adjustedRandIndex.ts';
import { solveAssignment } from '../numerics/linearAssignment.ts';

/** A classified centre or a true dopant in one frame (x = column, y = row, px). */
export interface StatePoint {
  frame: number;
  x: number;
  y: number;
  state: string;
}

/** The recovered transition matrix (transitions.json keys). */
export interface RecoveredMatrix {
  states: string[];
  matrix: number[][];
  ci_low: Array<Array<number | null>>;
  ci_high: Array<Array<number | null>>;
  /** Lag τ in frames. */
  lag: number;
}

/** One compared entry of the transition matrix. */
export interface MatrixComparison {
  from: string;
  to: string;
  trueFrom: string;
  trueTo: string;
  estimate: number;
  ciLow: number | null;
  ciHigh: number | null;
  truth: number;
  /** estimate - truth. */
  error: number;
  /** ciLow <= truth <= ciHigh (false when the interval is unknown). */
  covered: boolean;
}

/** Result of {@link knownAnswer}. */
export interface KnownAnswerResult {
  /** Classified centres matched to a true dopant, classified centres without one, true dopants missed. */
  matched: number;
  unmatchedClassified: number;
  missedTruth: number;
  classes: string[];
  trueStates: string[];
  /** confusion[c][s]: matched centres of class c whose true state is s. */
  confusion: number[][];
  /** True state assigned to each class (null: unassigned). */
  assignment: Array<string | null>;
  /** Fraction of matched centres whose class is assigned to their true state (NaN without matches). */
  agreement: number;
  /** Adjusted Rand index of class vs true state over the matched centres (NaN without matches). */
  ari: number;
  /** Entries of the matrix between assigned classes; empty without a recovered or true matrix. */
  entries: MatrixComparison[];
}

/** Square matrix power (k >= 1). */
function matrixPower(m: number[][], k: number): number[][] {
  let out = m.map((r) => [...r]);
  for (let p = 1; p < k; p++) out = out.map((r) => m[0].map((_, j) => r.reduce((s, v, l) => s + v * m[l][j], 0)));
  return out;
}

/**
 * Compare classes and kinetics with the truth of a simulation.
 * @param classified classified centres (configurations.csv rows with a state name)
 * @param truth true dopants in view (truth.csv rows with `in_view`)
 * @param radiusPx matching radius, px (about one bond length)
 * @param recovered the estimated matrix (or null)
 * @param trueModel the simulated per-frame matrix over `trueStates` names (or null)
 * @throws RangeError when radiusPx is not positive
 */
export function knownAnswer(classified: StatePoint[], truth: StatePoint[], radiusPx: number, recovered: RecoveredMatrix | null, trueModel: { states: string[]; matrix: number[][] } | null): KnownAnswerResult {
  if (!(radiusPx > 0)) throw new RangeError(`knownAnswer: radius must be > 0, got ${radiusPx}`);
  const classes = [...new Set([...(recovered?.states ?? []), ...classified.map((c) => c.state)])];
  const trueStates = [...new Set([...(trueModel?.states ?? []), ...truth.map((t) => t.state)])];
  const byFrame = <T extends StatePoint>(xs: T[]) => {
    const m = new Map<number, T[]>();
    for (const x of xs) (m.get(x.frame) ?? m.set(x.frame, []).get(x.frame)!).push(x);
    return m;
  };
  const cf = byFrame(classified), tf = byFrame(truth);
  const pairs: Array<[number, number]> = [];
  let unmatched = 0, missed = 0;
  for (const frame of new Set([...cf.keys(), ...tf.keys()])) {
    const c = cf.get(frame) ?? [], t = tf.get(frame) ?? [];
    const m = matchPoints(c, t, radiusPx);
    unmatched += c.length - m.length;
    missed += t.length - m.length;
    for (const [i, j] of m) pairs.push([classes.indexOf(c[i].state), trueStates.indexOf(t[j].state)]);
  }
  const K = classes.length, S = trueStates.length;
  const confusion = Array.from({ length: K }, () => new Array<number>(S).fill(0));
  for (const [c, s] of pairs) confusion[c][s]++;
  const assignment: Array<string | null> = new Array(K).fill(null);
  if (K && S) {
    if (K <= S) {
      const a = solveAssignment(Float64Array.from(confusion.flat(), (v) => -v), K, S);
      a.forEach((s, c) => { assignment[c] = trueStates[s]; });
    } else {
      const cost = new Float64Array(S * K);
      for (let s = 0; s < S; s++) for (let c = 0; c < K; c++) cost[s * K + c] = -confusion[c][s];
      solveAssignment(cost, S, K).forEach((c, s) => { assignment[c] = trueStates[s]; });
    }
  }
  const right = pairs.filter(([c, s]) => assignment[c] === trueStates[s]).length;
  const entries: MatrixComparison[] = [];
  if (recovered && trueModel) {
    const Mt = matrixPower(trueModel.matrix, Math.max(1, recovered.lag));
    recovered.states.forEach((from, i) => recovered.states.forEach((to, j) => {
      const a = trueModel.states.indexOf(assignment[classes.indexOf(from)] ?? ''), b = trueModel.states.indexOf(assignment[classes.indexOf(to)] ?? '');
      if (a < 0 || b < 0) return;
      const estimate = recovered.matrix[i][j], lo = recovered.ci_low[i][j], hi = recovered.ci_high[i][j], t = Mt[a][b];
      entries.push({ from, to, trueFrom: trueModel.states[a], trueTo: trueModel.states[b], estimate, ciLow: lo, ciHigh: hi, truth: t, error: estimate - t, covered: lo !== null && hi !== null && lo <= t + 1e-12 && t <= hi + 1e-12 });
    }));
  }
  return {
    matched: pairs.length,
    unmatchedClassified: unmatched,
    missedTruth: missed,
    classes,
    trueStates,
    confusion,
    assignment,
    agreement: pairs.length ? right / pairs.length : NaN,
    ari: pairs.length ? adjustedRandIndex(pairs.map((p) => p[0]), pairs.map((p) => p[1])) : NaN,
    entries,
  };
}
