/**
 * Per-particle state sequences: the input of every Markov estimate.
 *
 * A trajectory's states are indexed by **frame number**, not by row order: frame `f` of particle `p`
 * sits at `states[f - firstFrame]`, and a frame in which the particle was not observed (or its state
 * was not classified) holds -1. A pair of frames (t, t + lag) is only ever counted when both are
 * observed on the same particle, so gaps never create transitions, and a trajectory's end is
 * censoring, never a transition. Rows may come in any order (frames interleaved, particles mixed).
 */
import { AtomdynError } from '../../data/errors.ts';
import type { Table } from '../../data/csvTable.ts';

/** One particle's observed states, frame by frame. */
export interface StateTrajectory {
  /** Trajectory id (the `particle` column), integer >= 0. */
  readonly particle: number;
  /** Frame index of `states[0]` (the particle's first observed frame). */
  readonly firstFrame: number;
  /** Matrix state index per frame from `firstFrame` to the last observed frame; -1 = unobserved. */
  readonly states: Int32Array;
  /** Column position (px) per frame, NaN where unobserved or unknown. */
  readonly x: Float64Array;
  /** Row position (px) per frame, NaN where unobserved or unknown. */
  readonly y: Float64Array;
  /** Posterior probability of the state per frame (the `probability` column), NaN where unknown. */
  readonly probability: Float64Array;
}

/** All trajectories of a run with the state names that index the count matrix. */
export interface StateSequences {
  /** State names; position = matrix index. From `state_name` when present, else `class<k>`. */
  readonly names: readonly string[];
  /** The classifier's state label (the `state` column) of each matrix index, ascending. */
  readonly labels: readonly number[];
  /** One entry per particle, sorted by particle id. */
  readonly trajectories: readonly StateTrajectory[];
}

/** One classified observation: a particle's state in one frame. */
export interface StateObservation {
  frame: number;
  particle: number;
  /** Class label (integer >= 0), or null when this frame was not classified. */
  state: number | null;
  /** Class name; all observations of one label must carry the same name. */
  name?: string | null;
  x?: number | null;
  y?: number | null;
  probability?: number | null;
}

/**
 * Group observations into per-particle state sequences (streaming: `observations` may be any
 * iterable, e.g. rows produced frame by frame).
 *
 * @param observations one entry per (frame, particle); order does not matter
 * @param source file name used in error messages
 * @throws AtomdynError on a non-integer or negative frame/particle/state, a (particle, frame) given
 *   twice, one state label carrying two names, or no classified observation at all
 */
export function buildStateSequences(observations: Iterable<StateObservation>, source = '<observations>'): StateSequences {
  const byParticle = new Map<number, Map<number, StateObservation>>();
  const nameOf = new Map<number, string>();
  let line = 1;
  for (const o of observations) {
    line++;
    const where = `line ${line}`;
    if (!Number.isInteger(o.frame) || o.frame < 0) throw new AtomdynError(source, `${where}: frame must be an integer >= 0, found ${JSON.stringify(o.frame)}`);
    if (!Number.isInteger(o.particle) || o.particle < 0) {
      throw new AtomdynError(source, `${where}: particle must be an integer >= 0, found ${JSON.stringify(o.particle)} (transitions need tracked particles: run 'atomdyn track' before 'classify')`);
    }
    if (o.state !== null && (!Number.isInteger(o.state) || o.state < 0)) throw new AtomdynError(source, `${where}: state must be an integer >= 0 or empty, found ${JSON.stringify(o.state)}`);
    let frames = byParticle.get(o.particle);
    if (!frames) byParticle.set(o.particle, (frames = new Map()));
    if (frames.has(o.frame)) throw new AtomdynError(source, `${where}: particle ${o.particle} appears twice in frame ${o.frame}`);
    frames.set(o.frame, o);
    if (o.state !== null && o.name !== undefined && o.name !== null && o.name !== '') {
      const prev = nameOf.get(o.state);
      if (prev !== undefined && prev !== o.name) throw new AtomdynError(source, `${where}: state ${o.state} is named both '${prev}' and '${o.name}'`);
      nameOf.set(o.state, String(o.name));
    }
  }
  const labelSet = new Set<number>();
  for (const frames of byParticle.values()) for (const o of frames.values()) if (o.state !== null) labelSet.add(o.state);
  if (labelSet.size === 0) throw new AtomdynError(source, 'no classified observation (every state is empty)');
  const labels = [...labelSet].sort((a, b) => a - b);
  const index = new Map(labels.map((l, i) => [l, i]));
  const names = labels.map((l) => nameOf.get(l) ?? `class${l}`);
  const seen = new Map<string, number>();
  names.forEach((n, i) => {
    if (seen.has(n)) throw new AtomdynError(source, `states ${labels[seen.get(n)!]} and ${labels[i]} share the name '${n}'`);
    seen.set(n, i);
  });
  const trajectories: StateTrajectory[] = [];
  for (const particle of [...byParticle.keys()].sort((a, b) => a - b)) {
    const frames = byParticle.get(particle)!;
    const observed = [...frames.values()].filter((o) => o.state !== null).map((o) => o.frame);
    if (observed.length === 0) continue;
    const first = Math.min(...observed);
    const last = Math.max(...observed);
    const len = last - first + 1;
    const states = new Int32Array(len).fill(-1);
    const x = new Float64Array(len).fill(NaN);
    const y = new Float64Array(len).fill(NaN);
    const probability = new Float64Array(len).fill(NaN);
    for (const o of frames.values()) {
      if (o.state === null || o.frame < first || o.frame > last) continue;
      const k = o.frame - first;
      states[k] = index.get(o.state)!;
      if (typeof o.x === 'number') x[k] = o.x;
      if (typeof o.y === 'number') y[k] = o.y;
      if (typeof o.probability === 'number') probability[k] = o.probability;
    }
    trajectories.push(Object.freeze({ particle, firstFrame: first, states, x, y, probability }));
  }
  return Object.freeze({ names: Object.freeze(names), labels: Object.freeze(labels), trajectories: Object.freeze(trajectories) });
}

/**
 * State sequences from a `configurations.csv` table (docs/schema.md): columns `frame`, `particle`,
 * `state`, optional `state_name`, `x`, `y`, `probability`.
 *
 * @throws AtomdynError naming `file` when a required column is missing, a particle id is empty, or
 *   any condition of {@link buildStateSequences} fails
 */
export function stateSequencesFromTable(table: Table, file: string): StateSequences {
  const missing = ['frame', 'particle', 'state'].filter((c) => !table.columns.includes(c));
  if (missing.length) throw new AtomdynError(file, `missing column(s) ${missing.join(', ')} (has ${table.columns.join(', ')})`);
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  function* rows(): Generator<StateObservation> {
    for (const r of table.rows) {
      const particle = r.particle;
      if (particle === null) throw new AtomdynError(file, "a row has no particle id: these configurations were classified from atoms.csv, not tracks.csv; run 'atomdyn track' first");
      yield {
        frame: r.frame as number,
        particle: particle as number,
        state: r.state === null ? null : (r.state as number),
        name: r.state_name === undefined || r.state_name === null ? null : String(r.state_name),
        x: num(r.x),
        y: num(r.y),
        probability: num(r.probability),
      };
    }
  }
  return buildStateSequences(rows(), file);
}

/**
 * State sequences from plain label arrays (one per particle, particle id = position; -1 = gap).
 * Convenient for tests and for comparison with deeptime's discrete trajectories.
 *
 * @param dtrajs label arrays; frame of element k = k
 * @param names optional name per label (index = label)
 * @throws AtomdynError as {@link buildStateSequences}
 */
export function sequencesFromArrays(dtrajs: ArrayLike<number>[], names?: string[]): StateSequences {
  function* rows(): Generator<StateObservation> {
    for (let p = 0; p < dtrajs.length; p++) {
      const d = dtrajs[p];
      for (let f = 0; f < d.length; f++) if (d[f] >= 0) yield { frame: f, particle: p, state: d[f], name: names?.[d[f]] ?? null };
    }
  }
  return buildStateSequences(rows());
}

/** Number of observed frames (state >= 0) over all trajectories. */
export function observedFrameCount(seqs: StateSequences): number {
  let n = 0;
  for (const t of seqs.trajectories) for (const s of t.states) if (s >= 0) n++;
  return n;
}
