/**
 * Per-trajectory quantities: displacements between consecutive observations, hop events (jumps
 * longer than a fraction of the bond length, e.g. a dopant exchanging places with a neighbour,
 * Susi et al., PRL 113, 115501 (2014)), dwell times between hops, and the mean squared displacement
 * against lag time (trackpy's imsd/emsd: every pair of observations of a particle whose frames differ
 * by the lag counts once).
 *
 * Positions should be drift-corrected (x_corr, y_corr). Lengths come out in the unit that goes in
 * (px, or pm for the _pm columns); times are in frames.
 */

/** One particle's observations, in frame order. */
export interface Trajectory {
  particle: number;
  /** Majority species (null when unknown). */
  species: string | null;
  frame: Int32Array;
  x: Float64Array;
  y: Float64Array;
  /** Row index of each observation in the table it came from. */
  rows: Int32Array;
}

/** Columns needed to group a table into trajectories. */
export interface TrajectoryColumns {
  frame: ArrayLike<number>;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  particle: ArrayLike<number>;
  /** The trajectory's species per row (e.g. particle_species); optional. */
  species?: ArrayLike<string | null>;
}

/**
 * Group rows into trajectories, ordered by particle id, each ordered by frame.
 * @throws RangeError when a particle has two observations in one frame, or columns differ in length
 */
export function groupTrajectories(t: TrajectoryColumns): Trajectory[] {
  const n = t.frame.length;
  if (t.x.length !== n || t.y.length !== n || t.particle.length !== n) throw new RangeError('groupTrajectories: columns differ in length');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => t.particle[a] - t.particle[b] || t.frame[a] - t.frame[b]);
  const out: Trajectory[] = [];
  for (let a = 0; a < n; ) {
    let b = a;
    while (b < n && t.particle[order[b]] === t.particle[order[a]]) b++;
    const rows = Int32Array.from(order.slice(a, b));
    const frame = Int32Array.from(rows, (r) => t.frame[r]);
    for (let k = 1; k < frame.length; k++) {
      if (frame[k] === frame[k - 1]) throw new RangeError(`particle ${t.particle[rows[0]]} has two observations in frame ${frame[k]}`);
    }
    out.push({
      particle: t.particle[rows[0]],
      species: t.species ? (t.species[rows[0]] ?? null) : null,
      frame,
      x: Float64Array.from(rows, (r) => t.x[r]),
      y: Float64Array.from(rows, (r) => t.y[r]),
      rows,
    });
    a = b;
  }
  return out;
}

/** Displacements between consecutive observations of one trajectory (length n - 1). */
export interface Displacements {
  /** Frame of the later observation. */
  frame: Int32Array;
  /** Frames between the two observations (1 unless the particle was missed). */
  lag: Int32Array;
  dx: Float64Array;
  dy: Float64Array;
  distance: Float64Array;
}

/** Displacements of a trajectory between consecutive observations. */
export function displacements(tr: Trajectory): Displacements {
  const m = Math.max(0, tr.frame.length - 1);
  const d: Displacements = { frame: new Int32Array(m), lag: new Int32Array(m), dx: new Float64Array(m), dy: new Float64Array(m), distance: new Float64Array(m) };
  for (let k = 0; k < m; k++) {
    d.frame[k] = tr.frame[k + 1];
    d.lag[k] = tr.frame[k + 1] - tr.frame[k];
    d.dx[k] = tr.x[k + 1] - tr.x[k];
    d.dy[k] = tr.y[k + 1] - tr.y[k];
    d.distance[k] = Math.hypot(d.dx[k], d.dy[k]);
  }
  return d;
}

/** A hop: a displacement between consecutive observations longer than the threshold. */
export interface HopEvent {
  particle: number;
  species: string | null;
  /** First frame at the new position. */
  frame: number;
  /** Last frame at the old position. */
  fromFrame: number;
  xFrom: number;
  yFrom: number;
  xTo: number;
  yTo: number;
  distance: number;
  /** Frames spent at the old position: since the previous hop, or since the track began. */
  dwellFrames: number;
  /** True when the dwell began with the track (no earlier hop), so it is only a lower bound. */
  dwellCensored: boolean;
}

/**
 * Hop events of a trajectory: consecutive observations farther apart than `threshold`
 * (e.g. 0.5 x bond length). Dwell: frames from the previous hop (or the track's first frame) to this one.
 */
export function findHops(tr: Trajectory, threshold: number): HopEvent[] {
  const out: HopEvent[] = [];
  let since = tr.frame.length ? tr.frame[0] : 0;
  let censored = true;
  for (let k = 1; k < tr.frame.length; k++) {
    const dx = tr.x[k] - tr.x[k - 1];
    const dy = tr.y[k] - tr.y[k - 1];
    const d = Math.hypot(dx, dy);
    if (d > threshold) {
      out.push({
        particle: tr.particle,
        species: tr.species,
        frame: tr.frame[k],
        fromFrame: tr.frame[k - 1],
        xFrom: tr.x[k - 1],
        yFrom: tr.y[k - 1],
        xTo: tr.x[k],
        yTo: tr.y[k],
        distance: d,
        dwellFrames: tr.frame[k] - since,
        dwellCensored: censored,
      });
      since = tr.frame[k];
      censored = false;
    }
  }
  return out;
}

/** Dwell times of one trajectory between hops. */
export interface DwellTimes {
  /** Durations in frames, in order along the track. */
  frames: number[];
  /** Per duration: true when it touches the start or end of the track (a lower bound only). */
  censored: boolean[];
}

/**
 * Dwell times between the hops of a trajectory: from the track's first frame to the first hop,
 * between successive hops, and from the last hop to one past the track's last frame.
 * Only the stretches between two hops are uncensored.
 */
export function dwellTimes(tr: Trajectory, hops: HopEvent[]): DwellTimes {
  if (!tr.frame.length) return { frames: [], censored: [] };
  const first = tr.frame[0];
  const end = tr.frame[tr.frame.length - 1] + 1;
  const marks = hops.filter((h) => h.particle === tr.particle).map((h) => h.frame).sort((a, b) => a - b);
  const edges = [first, ...marks, end];
  const frames: number[] = [];
  const censored: boolean[] = [];
  for (let k = 0; k + 1 < edges.length; k++) {
    frames.push(edges[k + 1] - edges[k]);
    censored.push(k === 0 || k + 2 === edges.length);
  }
  return { frames, censored };
}

/** Mean squared displacement against lag. */
export interface MsdResult {
  /** Lags in frames, 1..maxLag. */
  lag: Int32Array;
  /** Mean of dx^2 + dy^2 over all pairs at that lag (unit^2); NaN where there are none. */
  msd: Float64Array;
  /** Number of pairs at that lag. */
  count: Int32Array;
}

/**
 * Ensemble mean squared displacement of trajectories (trackpy's emsd weighting: every pair of
 * observations of one particle `lag` frames apart counts once; gaps are respected).
 * @param maxLag largest lag in frames (>= 1)
 * @throws RangeError when maxLag < 1
 */
export function meanSquaredDisplacement(trs: Trajectory[], maxLag: number): MsdResult {
  if (!(maxLag >= 1)) throw new RangeError(`maxLag must be >= 1, got ${maxLag}`);
  const L = Math.floor(maxLag);
  const sum = new Float64Array(L + 1);
  const count = new Int32Array(L + 1);
  for (const tr of trs) {
    const n = tr.frame.length;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const lag = tr.frame[j] - tr.frame[i];
        if (lag > L) break;
        const dx = tr.x[j] - tr.x[i];
        const dy = tr.y[j] - tr.y[i];
        sum[lag] += dx * dx + dy * dy;
        count[lag]++;
      }
    }
  }
  const lag = Int32Array.from({ length: L }, (_, k) => k + 1);
  const msd = Float64Array.from(lag, (l) => (count[l] ? sum[l] / count[l] : NaN));
  return { lag, msd, count: Int32Array.from(lag, (l) => count[l]) };
}

/**
 * Pair hops into exchanges: two hops into the same frame, by particles of different species, where
 * each lands within `tolerance` of where the other started (a dopant and a host atom swapping sites).
 * @returns pairs of indices into `hops`
 */
export function pairExchanges(hops: HopEvent[], tolerance: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const used = new Set<number>();
  const byFrame = new Map<number, number[]>();
  hops.forEach((h, i) => {
    let l = byFrame.get(h.frame);
    if (!l) byFrame.set(h.frame, (l = []));
    l.push(i);
  });
  for (const idx of byFrame.values()) {
    for (let p = 0; p < idx.length; p++) {
      const i = idx[p];
      if (used.has(i)) continue;
      for (let q = p + 1; q < idx.length; q++) {
        const j = idx[q];
        if (used.has(j)) continue;
        const a = hops[i];
        const b = hops[j];
        if (a.species === b.species) continue;
        if (Math.hypot(a.xTo - b.xFrom, a.yTo - b.yFrom) <= tolerance && Math.hypot(b.xTo - a.xFrom, b.yTo - a.yFrom) <= tolerance) {
          out.push([i, j]);
          used.add(i);
          used.add(j);
          break;
        }
      }
    }
  }
  return out.sort((u, v) => u[0] - v[0]);
}
