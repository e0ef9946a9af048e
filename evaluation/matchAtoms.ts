/**
 * Matching detected atoms to true atoms for atom-level precision, recall and F1.
 *
 * A detection and a true atom match when they are within `radius` (half a bond length by the
 * project's convention). Matching is one-to-one and greedy by distance: all candidate pairs within
 * the radius are taken shortest first, each atom used at most once. With a radius of half the
 * shortest bond length, two true atoms are never within reach of one detection from both sides at
 * once, so greedy equals the optimal (minimum total distance, maximum cardinality) assignment in
 * practice.
 */
import type { DetectionScore } from '../models/modelCard.ts';

/** A point with a species (detections and true atoms alike). */
export interface SpeciesPoint {
  x: number;
  y: number;
  species: string;
}

/**
 * One-to-one greedy matching of `detected` to `truth` within `radius`.
 * @returns pairs [detectedIndex, truthIndex], shortest first
 */
export function matchPoints(detected: Array<{ x: number; y: number }>, truth: Array<{ x: number; y: number }>, radius: number): Array<[number, number]> {
  const cell = Math.max(radius, 1e-9);
  const grid = new Map<string, number[]>();
  truth.forEach((t, j) => {
    const key = `${Math.floor(t.x / cell)},${Math.floor(t.y / cell)}`;
    (grid.get(key) ?? grid.set(key, []).get(key)!).push(j);
  });
  const pairs: Array<[number, number, number]> = [];
  const r2 = radius * radius;
  detected.forEach((d, i) => {
    const cx = Math.floor(d.x / cell), cy = Math.floor(d.y / cell);
    for (let gx = cx - 1; gx <= cx + 1; gx++) {
      for (let gy = cy - 1; gy <= cy + 1; gy++) {
        for (const j of grid.get(`${gx},${gy}`) ?? []) {
          const d2 = (d.x - truth[j].x) ** 2 + (d.y - truth[j].y) ** 2;
          if (d2 <= r2) pairs.push([i, j, d2]);
        }
      }
    }
  });
  pairs.sort((a, b) => a[2] - b[2] || a[0] - b[0] || a[1] - b[1]);
  const usedD = new Set<number>(), usedT = new Set<number>();
  const out: Array<[number, number]> = [];
  for (const [i, j] of pairs) {
    if (usedD.has(i) || usedT.has(j)) continue;
    usedD.add(i);
    usedT.add(j);
    out.push([i, j]);
  }
  return out;
}

/** Precision, recall and F1 from counts (0 where undefined, 1 when there is nothing to find and nothing found). */
export function score(tp: number, fp: number, fn: number): DetectionScore {
  const precision = tp + fp > 0 ? tp / (tp + fp) : fn === 0 ? 1 : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : fp === 0 ? 1 : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, fn, precision, recall, f1 };
}

/** Counts accumulated over images by {@link DetectionTally.add}. */
export class DetectionTally {
  private readonly counts = new Map<string, { tp: number; fp: number; fn: number }>();

  /**
   * @param species the species to score separately (others only count in 'overall')
   * @param radius match radius, px
   */
  constructor(readonly species: string[], readonly radius: number) {
    for (const s of ['overall', ...species]) this.counts.set(s, { tp: 0, fp: 0, fn: 0 });
  }

  /**
   * Add one image: 'overall' matches any detection to any true atom; each species matches
   * detections of that species to true atoms of that species.
   */
  add(detected: SpeciesPoint[], truth: SpeciesPoint[]): void {
    const tally = (key: string, d: SpeciesPoint[], t: SpeciesPoint[]) => {
      const m = matchPoints(d, t, this.radius).length;
      const c = this.counts.get(key)!;
      c.tp += m;
      c.fp += d.length - m;
      c.fn += t.length - m;
    };
    tally('overall', detected, truth);
    for (const s of this.species) tally(s, detected.filter((d) => d.species === s), truth.filter((t) => t.species === s));
  }

  /** Scores so far: overall and per species. */
  result(): { overall: DetectionScore; perSpecies: Record<string, DetectionScore> } {
    const get = (k: string) => { const c = this.counts.get(k)!; return score(c.tp, c.fp, c.fn); };
    return { overall: get('overall'), perSpecies: Object.fromEntries(this.species.map((s) => [s, get(s)])) };
  }
}
