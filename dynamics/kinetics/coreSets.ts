/**
 * Core-set (milestoning) assignment against misclassification flicker (Buchete & Hummer, J. Phys.
 * Chem. B 112, 6057 (2008); Schütte et al., J. Chem. Phys. 134, 204105 (2011)).
 *
 * A frame whose class is uncertain, or a one-frame excursion to another class and straight back,
 * would otherwise count as two transitions and shorten every dwell time. Here a particle keeps its
 * last *core* state until it has clearly entered another one:
 * - `minProbability`: a frame whose classification probability is below this is outside every core
 *   and keeps the particle's previous core state (unobserved if there is none yet);
 * - `minDwell`: a new state is only accepted after it is seen in `minDwell` consecutive observed
 *   frames; shorter excursions keep the previous state.
 */
import { AtomdynError } from '../../data/errors.ts';
import type { StateSequences, StateTrajectory } from './stateSequences.ts';

/** Core-set settings; both are off by default. */
export interface CoreOptions {
  /** Frames with `probability` below this keep the previous core state (0..1). */
  minProbability?: number;
  /** A new state must persist this many consecutive observed frames (integer >= 1). */
  minDwell?: number;
}

/**
 * Milestoned copy of the sequences (the input is not changed).
 * @throws AtomdynError('minProbability' / 'minDwell') for values out of range
 */
export function applyCoreSets(seqs: StateSequences, opts: CoreOptions): StateSequences {
  const pmin = opts.minProbability ?? 0;
  const m = opts.minDwell ?? 1;
  if (!(pmin >= 0 && pmin <= 1)) throw AtomdynError.forOption('minProbability', `must be between 0 and 1, found ${pmin}`);
  if (!Number.isInteger(m) || m < 1) throw AtomdynError.forOption('minDwell', `must be an integer >= 1 (frames), found ${m}`);
  if (pmin === 0 && m === 1) return seqs;
  const trajectories = seqs.trajectories.map((t): StateTrajectory => {
    const s = Int32Array.from(t.states);
    if (pmin > 0) {
      let core = -1;
      for (let k = 0; k < s.length; k++) {
        if (s[k] < 0) continue;
        const p = t.probability[k];
        if (Number.isNaN(p) || p >= pmin) core = s[k];
        else s[k] = core;
      }
    }
    if (m > 1) {
      const idx: number[] = [];
      for (let k = 0; k < s.length; k++) if (s[k] >= 0) idx.push(k);
      let accepted = idx.length ? s[idx[0]] : -1;
      for (let a = 1; a < idx.length; a++) {
        const st = s[idx[a]];
        if (st === accepted) continue;
        let persists = a + m <= idx.length;
        for (let b = a; persists && b < a + m; b++) if (s[idx[b]] !== st) persists = false;
        if (persists) accepted = st;
        else s[idx[a]] = accepted;
      }
    }
    return Object.freeze({ ...t, states: s });
  });
  return Object.freeze({ names: seqs.names, labels: seqs.labels, trajectories: Object.freeze(trajectories) });
}
