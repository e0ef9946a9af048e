/**
 * Known kinetics for simulated movies: each Si dopant in graphene is a Markov chain over
 * configuration states, advanced once per frame by a given transition matrix (rows = from), and
 * its geometry follows the state (Zhou et al., PRL 109, 206803 (2012); Susi et al., PRL 113, 115501
 * (2014) for beam-driven Si dynamics):
 *
 * | state        | geometry (A = the dopant's site, B = its neighbour number k)      | formula |
 * | ------------ | ------------------------------------------------------------------ | ------- |
 * | `si-c3`      | Si on A                                                            | Si1C3   |
 * | `si-vacancy` | Si on A (shifted toward B), B empty                                | Si1C2   |
 * | `si-c4`      | A and B empty, Si at their midpoint                                | Si1C4   |
 *
 * Moves: si-c3 -> si-vacancy / si-c4 knock out a random neighbour B; si-vacancy -> si-c3 refills B;
 * si-c4 -> si-vacancy / si-c3 puts the Si back on A or on B (at random; refilling the other for
 * si-c3). While a dopant stays si-c3 it hops onto a random neighbouring site with probability
 * `hop` per frame (Si-C bond inversion; the state is unchanged). A hop that would bring two dopants
 * closer than the minimum separation, or a dopant to the edge of the lattice patch, is not made;
 * state changes always follow the matrix.
 */
import { readFileSync, existsSync } from 'node:fs';
import { AtomdynError } from '../../data/errors.ts';
import type { Random } from '../../data/random.ts';
import type { GrapheneSheet } from './lattices/graphene.ts';
import type { GrapheneConfiguration } from './siConfigurations.ts';

/** States with a kinetic geometry. */
export const KINETIC_STATES = ['si-c3', 'si-vacancy', 'si-c4'] as const;
/** One of {@link KINETIC_STATES}. */
export type KineticState = (typeof KINETIC_STATES)[number];

/** Chemical formula of each state's complex (Si and the C atoms bonded to it). */
export const STATE_FORMULA: Readonly<Record<KineticState, string>> = { 'si-c3': 'Si1C3', 'si-vacancy': 'Si1C2', 'si-c4': 'Si1C4' };

/** A transition model: states, per-frame transition matrix, hop probability. */
export interface TransitionModel {
  /** State names (subset of {@link KINETIC_STATES}, no repeats). */
  states: KineticState[];
  /** Row-stochastic matrix, `matrix[i][j]` = P(state j at frame t+1 | state i at frame t). */
  matrix: number[][];
  /** Probability per frame that an si-c3 dopant that stays si-c3 hops to a neighbouring site. */
  hop: number;
  /** Distribution of the first frame's states (default uniform). */
  initial?: number[];
}

/**
 * The default model: si-c3 <-> si-vacancy <-> si-c4, no direct si-c3 <-> si-c4, slow enough that
 * every state lasts several frames; 5 % hops per frame in si-c3.
 */
export const DEFAULT_TRANSITION_MODEL: Readonly<TransitionModel> = {
  states: ['si-c3', 'si-vacancy', 'si-c4'],
  matrix: [
    [0.9, 0.1, 0],
    [0.15, 0.7, 0.15],
    [0, 0.1, 0.9],
  ],
  hop: 0.05,
};

/**
 * Check a model.
 * @throws AtomdynError naming `source` when states are unknown or repeated, the matrix is not square
 *   and row-stochastic (rows sum to 1 within 1e-6, entries in [0, 1]), or hop/initial are out of range
 */
export function validateTransitionModel(m: TransitionModel, source = 'kinetics'): void {
  if (!Array.isArray(m.states) || m.states.length === 0) throw new AtomdynError(source, 'needs a non-empty "states" list');
  const seen = new Set<string>();
  for (const s of m.states) {
    if (!(KINETIC_STATES as readonly string[]).includes(s)) throw new AtomdynError(source, `unknown state '${s}' (known: ${KINETIC_STATES.join(', ')})`);
    if (seen.has(s)) throw new AtomdynError(source, `state '${s}' is listed twice`);
    seen.add(s);
  }
  const n = m.states.length;
  if (!Array.isArray(m.matrix) || m.matrix.length !== n) throw new AtomdynError(source, `the matrix must have ${n} rows (one per state), got ${Array.isArray(m.matrix) ? m.matrix.length : 'none'}`);
  m.matrix.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== n) throw new AtomdynError(source, `matrix row ${i} (${m.states[i]}) must have ${n} entries`);
    let sum = 0;
    for (const v of row) {
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new AtomdynError(source, `matrix row ${i} (${m.states[i]}) has an entry outside [0, 1]: ${v}`);
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-6) throw new AtomdynError(source, `matrix row ${i} (${m.states[i]}) sums to ${sum}, not 1`);
  });
  if (!(m.hop >= 0 && m.hop <= 1)) throw new AtomdynError(source, `"hop" must be a probability in [0, 1], got ${m.hop}`);
  if (m.initial !== undefined) {
    if (!Array.isArray(m.initial) || m.initial.length !== n || m.initial.some((v) => !(v >= 0))) throw new AtomdynError(source, `"initial" must list ${n} non-negative weights`);
    if (!(m.initial.reduce((a, b) => a + b, 0) > 0)) throw new AtomdynError(source, '"initial" weights must not all be 0');
  }
}

/**
 * Parse a model from JSON text or a JSON file path:
 * `{"states": ["si-c3", "si-vacancy", "si-c4"], "matrix": [[...], ...], "hop": 0.05, "initial": [1, 0, 0]}`.
 * A bare matrix (`[[...], ...]`) is taken over the first n states of {@link KINETIC_STATES}.
 * @throws AtomdynError naming the file or flag when it is not valid JSON or not a valid model
 */
export function parseTransitionModel(textOrPath: string, source = 'kinetics'): TransitionModel {
  let text = textOrPath.trim();
  let where = source;
  if (!text.startsWith('{') && !text.startsWith('[')) {
    if (!existsSync(text)) throw new AtomdynError(source, `neither inline JSON nor an existing file: ${textOrPath}`);
    where = textOrPath;
    text = readFileSync(textOrPath, 'utf8');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new AtomdynError(where, `not valid JSON: ${(e as Error).message}`);
  }
  let model: TransitionModel;
  if (Array.isArray(raw)) {
    if (raw.length < 1 || raw.length > KINETIC_STATES.length) throw new AtomdynError(where, `a bare matrix must have 1-${KINETIC_STATES.length} rows`);
    model = { states: KINETIC_STATES.slice(0, raw.length) as KineticState[], matrix: raw as number[][], hop: 0 };
  } else if (raw && typeof raw === 'object') {
    const o = raw as Record<string, unknown>;
    model = { states: o.states as KineticState[], matrix: o.matrix as number[][], hop: o.hop === undefined ? 0 : (o.hop as number), initial: o.initial as number[] | undefined };
  } else {
    throw new AtomdynError(where, 'expected a JSON object with "states" and "matrix"');
  }
  validateTransitionModel(model, where);
  return model;
}

/** A dopant's current configuration. */
export interface KineticDopant {
  /** Trajectory id. */
  particle: number;
  /** Index into the model's states. */
  state: number;
  /** Site A. */
  site: number;
  /** Neighbour index k (0..2) of B (used by si-vacancy and si-c4). */
  orientation: number;
}

/** The configuration kind and anchor that build a dopant's geometry (training/simulator/siConfigurations.ts). */
export function dopantConfiguration(model: TransitionModel, d: KineticDopant): { kind: GrapheneConfiguration; site: number; orientation: number } {
  return { kind: model.states[d.state], site: d.site, orientation: d.orientation };
}

function drawIndex(weights: readonly number[], rng: Random): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.uniform() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  let last = weights.length - 1;
  while (last > 0 && weights[last] === 0) last--;
  return last;
}

/** First-frame state index. */
export function initialState(model: TransitionModel, rng: Random): number {
  return drawIndex(model.initial ?? model.states.map(() => 1), rng);
}

/**
 * Advance one dopant by one frame (returns a new record).
 *
 * @param allowedSite whether the dopant may sit on a site (patch edge, separation from the others)
 */
export function stepDopant(model: TransitionModel, d: KineticDopant, sheet: GrapheneSheet, rng: Random, allowedSite: (site: number) => boolean): KineticDopant {
  const from = model.states[d.state];
  const next = drawIndex(model.matrix[d.state], rng);
  const to = model.states[next];
  const nbs = (s: number, k: number) => sheet.lattice.neighbours[3 * s + k];
  if (next === d.state) {
    if (to === 'si-c3' && model.hop > 0 && rng.uniform() < model.hop) {
      const k = rng.int(3);
      const target = nbs(d.site, k);
      if (target >= 0 && allowedSite(target)) return { ...d, site: target };
    }
    return { ...d };
  }
  // the Si leaves a two-site configuration onto A or B
  const leaveOnto = (): { site: number; orientation: number } => {
    if (rng.uniform() < 0.5) return { site: d.site, orientation: d.orientation };
    const b = nbs(d.site, d.orientation);
    if (b < 0 || !allowedSite(b)) return { site: d.site, orientation: d.orientation };
    let kBack = 0;
    for (let k = 0; k < 3; k++) if (nbs(b, k) === d.site) kBack = k;
    return { site: b, orientation: kBack };
  };
  if (from === 'si-c3') return { ...d, state: next, orientation: rng.int(3) };
  if (from === 'si-vacancy') return { ...d, state: next };
  // from si-c4
  const p = leaveOnto();
  return { ...d, state: next, site: p.site, orientation: p.orientation };
}
