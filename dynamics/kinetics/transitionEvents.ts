/**
 * Observed transition events: every change of state between two consecutive observed frames of one
 * particle (events.csv, docs/schema.md). An event's `frame` is the first frame seen in the new state;
 * when frames are missing in between, `previousFrame` tells how precisely the time is known.
 */
import type { StateSequences } from './stateSequences.ts';

/** One observed change of state. */
export interface TransitionEvent {
  /** First frame observed in the new state. */
  frame: number;
  /** Last frame observed in the old state (frame - 1 unless frames were missing). */
  previousFrame: number;
  particle: number;
  /** Matrix indices of the old and new state. */
  from: number;
  to: number;
  /** Position (px) at `frame`, NaN when unknown. */
  x: number;
  y: number;
}

/**
 * All observed changes, ordered by frame, then particle.
 * @param seqs state sequences
 */
export function findTransitionEvents(seqs: StateSequences): TransitionEvent[] {
  const out: TransitionEvent[] = [];
  for (const traj of seqs.trajectories) {
    const s = traj.states;
    let prev = -1;
    for (let t = 0; t < s.length; t++) {
      if (s[t] < 0) continue;
      if (prev >= 0 && s[t] !== s[prev]) {
        out.push({ frame: traj.firstFrame + t, previousFrame: traj.firstFrame + prev, particle: traj.particle, from: s[prev], to: s[t], x: traj.x[t], y: traj.y[t] });
      }
      prev = t;
    }
  }
  return out.sort((a, b) => a.frame - b.frame || a.particle - b.particle);
}
