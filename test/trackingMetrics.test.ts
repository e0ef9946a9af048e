/** Hand-checked values of the tracking scores (Chenouard et al. 2014; link precision/recall). */
import { describe, expect, it } from 'vitest';
import { canonicalLabels, linkScores, nextInTrack, samePartition, trackingChallengeScores, type TrackPoints } from '../evaluation/trackingMetrics.ts';

function tp(rows: Array<[frame: number, x: number, y: number, particle: number]>): TrackPoints {
  return { frame: rows.map((r) => r[0]), x: rows.map((r) => r[1]), y: rows.map((r) => r[2]), particle: rows.map((r) => r[3]) };
}

// ground truth: A moves along y = 0 from x = 0, B along y = 0 from x = 10, frames 0..2
const truth = tp([[0, 0, 0, 0], [1, 1, 0, 0], [2, 2, 0, 0], [0, 10, 0, 1], [1, 11, 0, 1], [2, 12, 0, 1]]);

describe('trackingChallengeScores', () => {
  it('scores a perfect tracking 1 everywhere', () => {
    const s = trackingChallengeScores(truth, tp([[0, 0, 0, 5], [1, 1, 0, 5], [2, 2, 0, 5], [0, 10, 0, 7], [1, 11, 0, 7], [2, 12, 0, 7]]), 1);
    expect(s).toMatchObject({ alpha: 1, beta: 1, jaccardDetections: 1, jaccardTracks: 1, rmse: 0, pairedTracks: 2 });
  });

  it('matches the hand computation for an offset, a missed point and a spurious track', () => {
    // A' is 0.3 off and misses frame 2; B' is exact; C' (2 points) is spurious. gate 1:
    // d(A,A') = 0.3 + 0.3 + 1 = 1.6, d(B,B') = 0, d(X,0) = 6 -> alpha = 1 - 1.6/6
    // d(Ybar,0) = 2 -> beta = (6 - 1.6) / (6 + 2) = 0.55
    // TP = 5, FN = 1, FP = 2 -> JSC = 5/8; tracks: 2 paired, 1 spurious -> 2/3; RMSE = sqrt(0.18/5)
    const est = tp([[0, 0, 0.3, 0], [1, 1, 0.3, 0], [0, 10, 0, 1], [1, 11, 0, 1], [2, 12, 0, 1], [0, 50, 50, 2], [1, 50, 50, 2]]);
    const s = trackingChallengeScores(truth, est, 1);
    expect(s.alpha).toBeCloseTo(1 - 1.6 / 6, 12);
    expect(s.beta).toBeCloseTo(0.55, 12);
    expect(s.jaccardDetections).toBeCloseTo(5 / 8, 12);
    expect(s.jaccardTracks).toBeCloseTo(2 / 3, 12);
    expect(s.rmse).toBeCloseTo(Math.sqrt(0.18 / 5), 12);
    expect(s).toMatchObject({ truePositivePoints: 5, pairedTracks: 2, trueTracks: 2, estimatedTracks: 3 });
  });

  it('penalises a swap of identities in the last frame', () => {
    // E1 = A0, A1, B2 and E2 = B0, B1, A2: pairing A-E1, B-E2 costs 1 + 1 (the swapped points are
    // 10 apart, beyond the gate) -> alpha = beta = 1 - 2/6; TP = 4 -> JSC = 4/8; all tracks paired
    const est = tp([[0, 0, 0, 0], [1, 1, 0, 0], [2, 12, 0, 0], [0, 10, 0, 1], [1, 11, 0, 1], [2, 2, 0, 1]]);
    const s = trackingChallengeScores(truth, est, 1);
    expect(s.alpha).toBeCloseTo(2 / 3, 12);
    expect(s.beta).toBeCloseTo(2 / 3, 12);
    expect(s.jaccardDetections).toBeCloseTo(0.5, 12);
    expect(s.jaccardTracks).toBe(1);
  });

  it('pairs a dummy when the only estimate is worse than nothing', () => {
    // one long estimated track covering A (3 points) and 5 far-off points: d = 3 * 0 + 5 * 1 > 3 = dummy
    const est = tp([[0, 0, 0, 0], [1, 1, 0, 0], [2, 2, 0, 0], [3, 9, 9, 0], [4, 9, 9, 0], [5, 9, 9, 0], [6, 9, 9, 0], [7, 9, 9, 0]]);
    const s = trackingChallengeScores(tp([[0, 0, 0, 0], [1, 1, 0, 0], [2, 2, 0, 0]]), est, 1);
    // pairing cost 5 >= dummy cost 3: unpaired, alpha = 0
    expect(s.alpha).toBe(0);
    expect(s.pairedTracks).toBe(0);
    expect(s.jaccardDetections).toBe(0);
  });

  it('rejects two points of one particle in a frame', () => {
    expect(() => trackingChallengeScores(tp([[0, 0, 0, 0], [0, 1, 0, 0]]), truth, 1)).toThrow(/two points/);
  });
});

describe('linkScores', () => {
  it('counts links between consecutive observations, gaps included', () => {
    const frame = [0, 1, 2, 0, 1, 2];
    // truth: rows 0-1-2 and 3-4-5; estimate swaps the last frame
    const s = linkScores(frame, [0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 0]);
    expect(s).toEqual({ precision: 0.5, recall: 0.5, correct: 2, estimatedLinks: 4, trueLinks: 4 });
    // a gap: truth links 0 -> 2 (frame 0 -> 2); estimate splits it
    const g = linkScores([0, 2, 1], [0, 0, 1], [0, 2, 1]);
    expect(g).toEqual({ precision: 1, recall: 0, correct: 0, estimatedLinks: 0, trueLinks: 1 });
    expect(Array.from(nextInTrack([0, 2, 1], [0, 0, 1]))).toEqual([1, -1, -1]);
  });
});

describe('partitions', () => {
  it('compares labelings up to renaming', () => {
    expect(Array.from(canonicalLabels([7, 7, 3, 9, 3]))).toEqual([0, 0, 1, 2, 1]);
    expect(samePartition([7, 7, 3], [1, 1, 0])).toBe(true);
    expect(samePartition([7, 7, 3], [1, 0, 0])).toBe(false);
    expect(samePartition([1], [1, 1])).toBe(false);
  });
});
