/**
 * How good is a tracking? Scores that compare estimated trajectories with ground truth.
 *
 * - {@link linkScores}: link precision and recall when both label the same detections (a link is
 *   a pair of consecutive detections of one particle, gaps included).
 * - {@link trackingChallengeScores}: the measures of the ISBI particle-tracking challenge,
 *   Chenouard et al., "Objective comparison of particle tracking methods", Nat. Methods 11, 281
 *   (2014): ground-truth tracks are paired one-to-one with estimated tracks (or with dummy tracks)
 *   so that the total gated distance is minimal, with the gated distance between two tracks
 *   d(θ, ω) = Σ_t min(|θ(t) - ω(t)|, ε), where a point missing from one track counts ε (gate ε);
 *   then alpha = 1 - d(X, Y*) / d(X, ∅), beta = (d(X, ∅) - d(X, Y*)) / (d(X, ∅) + d(Ȳ, ∅))
 *   (Ȳ: estimated tracks left unpaired), the Jaccard similarity of detections (paired points closer
 *   than ε are true positives) and of tracks (paired tracks are true positives), and the RMSE of the
 *   true-positive points.
 * - {@link samePartition}: whether two labelings group the detections the same way (labels may differ).
 */
import { SpatialGrid } from '../numerics/spatialGrid.ts';
import { solveSparseAssignment } from '../numerics/linearAssignment.ts';

/** Points of tracks, one row per detection. */
export interface TrackPoints {
  frame: ArrayLike<number>;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  particle: ArrayLike<number>;
}

/**
 * Relabel by order of first appearance: equal partitions give equal label arrays.
 * @returns Int32Array of labels 0, 1, 2, ...
 */
export function canonicalLabels(labels: ArrayLike<number>): Int32Array {
  const map = new Map<number, number>();
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let c = map.get(labels[i]);
    if (c === undefined) map.set(labels[i], (c = map.size));
    out[i] = c;
  }
  return out;
}

/** True when two labelings put the same detections together (label values may differ). */
export function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  const ca = canonicalLabels(a);
  const cb = canonicalLabels(b);
  for (let i = 0; i < ca.length; i++) if (ca[i] !== cb[i]) return false;
  return true;
}

/** For each row, the next row of the same particle in frame order (-1 at a track's end). */
export function nextInTrack(frame: ArrayLike<number>, particle: ArrayLike<number>): Int32Array {
  const n = frame.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => particle[a] - particle[b] || frame[a] - frame[b] || a - b);
  const next = new Int32Array(n).fill(-1);
  for (let k = 0; k + 1 < n; k++) if (particle[order[k]] === particle[order[k + 1]]) next[order[k]] = order[k + 1];
  return next;
}

/** Link precision and recall. */
export interface LinkScores {
  /** Correct links / estimated links (1 when there are none). */
  precision: number;
  /** Correct links / true links (1 when there are none). */
  recall: number;
  correct: number;
  estimatedLinks: number;
  trueLinks: number;
}

/**
 * Link precision/recall of an estimated labeling against the truth, on the same detections.
 * @param frame frame of each detection
 * @param truth true particle of each detection
 * @param estimate estimated particle of each detection
 * @throws RangeError when the arrays differ in length
 */
export function linkScores(frame: ArrayLike<number>, truth: ArrayLike<number>, estimate: ArrayLike<number>): LinkScores {
  if (truth.length !== frame.length || estimate.length !== frame.length) throw new RangeError('linkScores: arrays differ in length');
  const tn = nextInTrack(frame, truth);
  const en = nextInTrack(frame, estimate);
  let correct = 0;
  let est = 0;
  let tru = 0;
  for (let i = 0; i < tn.length; i++) {
    if (tn[i] >= 0) tru++;
    if (en[i] >= 0) {
      est++;
      if (en[i] === tn[i]) correct++;
    }
  }
  return { precision: est ? correct / est : 1, recall: tru ? correct / tru : 1, correct, estimatedLinks: est, trueLinks: tru };
}

/** Chenouard et al. (2014) scores. */
export interface ChallengeScores {
  /** 1 - d(X, Y*) / d(X, ∅): 1 = perfect, 0 = nothing found; ignores spurious tracks. */
  alpha: number;
  /** Like alpha, also penalising spurious (unpaired estimated) tracks; beta <= alpha. */
  beta: number;
  /** Jaccard similarity of detections: TP / (TP + FN + FP). */
  jaccardDetections: number;
  /** Jaccard similarity of tracks: paired / (paired + unpaired true + unpaired estimated). */
  jaccardTracks: number;
  /** Root mean square distance of the true-positive points (unit of the positions). */
  rmse: number;
  truePositivePoints: number;
  truePoints: number;
  estimatedPoints: number;
  pairedTracks: number;
  trueTracks: number;
  estimatedTracks: number;
}

interface Track {
  frames: number[];
  x: number[];
  y: number[];
}

function groupTracks(p: TrackPoints): { ids: number[]; tracks: Track[]; index: Int32Array } {
  const map = new Map<number, number>();
  const tracks: Track[] = [];
  const ids: number[] = [];
  const index = new Int32Array(p.frame.length);
  const order = Array.from({ length: p.frame.length }, (_, i) => i).sort((a, b) => p.frame[a] - p.frame[b] || a - b);
  for (const i of order) {
    let t = map.get(p.particle[i]);
    if (t === undefined) {
      map.set(p.particle[i], (t = tracks.length));
      tracks.push({ frames: [], x: [], y: [] });
      ids.push(p.particle[i]);
    }
    const tr = tracks[t];
    if (tr.frames.length && tr.frames[tr.frames.length - 1] === p.frame[i]) {
      throw new RangeError(`particle ${p.particle[i]} has two points in frame ${p.frame[i]}`);
    }
    tr.frames.push(p.frame[i]);
    tr.x.push(p.x[i]);
    tr.y.push(p.y[i]);
    index[i] = t;
  }
  return { ids, tracks, index };
}

/** Gated distance between two tracks and the number of their points closer than the gate. */
function pairDistance(a: Track, b: Track, gate: number): { d: number; tp: number; sq: number } {
  let i = 0;
  let j = 0;
  let d = 0;
  let tp = 0;
  let sq = 0;
  while (i < a.frames.length || j < b.frames.length) {
    if (j >= b.frames.length || (i < a.frames.length && a.frames[i] < b.frames[j])) {
      d += gate;
      i++;
    } else if (i >= a.frames.length || b.frames[j] < a.frames[i]) {
      d += gate;
      j++;
    } else {
      const dist = Math.hypot(a.x[i] - b.x[j], a.y[i] - b.y[j]);
      if (dist < gate) {
        d += dist;
        tp++;
        sq += dist * dist;
      } else d += gate;
      i++;
      j++;
    }
  }
  return { d, tp, sq };
}

/**
 * The Chenouard et al. (2014) tracking scores of `estimate` against `truth`.
 * @param gate ε, the largest distance at which two points still match (same unit as positions)
 * @throws RangeError when a particle has two points in one frame, or the gate is not positive
 */
export function trackingChallengeScores(truth: TrackPoints, estimate: TrackPoints, gate: number): ChallengeScores {
  if (!(gate > 0)) throw new RangeError(`gate must be positive, got ${gate}`);
  const T = groupTracks(truth);
  const E = groupTracks(estimate);
  // candidate pairs: tracks sharing at least one point within the gate (others never beat a dummy)
  const byFrame = new Map<number, number[]>();
  for (let i = 0; i < estimate.frame.length; i++) {
    let l = byFrame.get(estimate.frame[i]);
    if (!l) byFrame.set(estimate.frame[i], (l = []));
    l.push(i);
  }
  const truthByFrame = new Map<number, number[]>();
  for (let i = 0; i < truth.frame.length; i++) {
    let l = truthByFrame.get(truth.frame[i]);
    if (!l) truthByFrame.set(truth.frame[i], (l = []));
    l.push(i);
  }
  const pairs = new Set<number>();
  const nE = E.tracks.length;
  for (const [f, tRows] of truthByFrame) {
    const eRows = byFrame.get(f);
    if (!eRows) continue;
    const grid = new SpatialGrid(estimate.x, estimate.y, gate, eRows);
    for (const r of tRows) {
      const c = grid.query(truth.x[r], truth.y[r], gate);
      for (let q = 0; q < c; q++) {
        if (grid.resultD2[q] < gate * gate) pairs.add(T.index[r] * nE + E.index[grid.resultIndex[q]]);
      }
    }
  }
  const edgeRow: number[] = [];
  const edgeCol: number[] = [];
  const edgeCost: number[] = [];
  const pairInfo: Array<{ tp: number; sq: number }> = [];
  for (const key of pairs) {
    const ti = Math.floor(key / nE);
    const ej = key % nE;
    const pd = pairDistance(T.tracks[ti], E.tracks[ej], gate);
    if (pd.d >= gate * T.tracks[ti].frames.length) continue; // never better than the dummy
    edgeRow.push(ti);
    edgeCol.push(ej);
    edgeCost.push(pd.d);
    pairInfo.push(pd);
  }
  const rowU = T.tracks.map((t) => gate * t.frames.length);
  const sol = solveSparseAssignment(
    { nRows: T.tracks.length, nCols: nE, edgeRow, edgeCol, edgeCost, rowUnassignedCost: rowU },
    { maxSubnetSize: Infinity },
  );
  const edgeOf = new Map<number, number>();
  for (let e = 0; e < edgeRow.length; e++) edgeOf.set(edgeRow[e] * nE + edgeCol[e], e);
  let dXY = 0;
  let dX0 = 0;
  let tp = 0;
  let sq = 0;
  let paired = 0;
  const estPaired = new Uint8Array(nE);
  for (let i = 0; i < T.tracks.length; i++) {
    dX0 += rowU[i];
    if (sol[i] < 0) {
      dXY += rowU[i];
      continue;
    }
    const e = edgeOf.get(i * nE + sol[i])!;
    dXY += edgeCost[e];
    tp += pairInfo[e].tp;
    sq += pairInfo[e].sq;
    paired++;
    estPaired[sol[i]] = 1;
  }
  let dY0 = 0;
  for (let j = 0; j < nE; j++) if (!estPaired[j]) dY0 += gate * E.tracks[j].frames.length;
  const truePoints = truth.frame.length;
  const estimatedPoints = estimate.frame.length;
  const fn = truePoints - tp;
  const fp = estimatedPoints - tp;
  return {
    alpha: dX0 > 0 ? 1 - dXY / dX0 : 1,
    beta: dX0 + dY0 > 0 ? (dX0 - dXY) / (dX0 + dY0) : 1,
    jaccardDetections: tp + fn + fp > 0 ? tp / (tp + fn + fp) : 1,
    jaccardTracks: T.tracks.length + nE - paired > 0 ? paired / (T.tracks.length + nE - paired) : 1,
    rmse: tp ? Math.sqrt(sq / tp) : NaN,
    truePositivePoints: tp,
    truePoints,
    estimatedPoints,
    pairedTracks: paired,
    trueTracks: T.tracks.length,
    estimatedTracks: nE,
  };
}
