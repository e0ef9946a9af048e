/**
 * Linking detections into trajectories: frame-to-frame optimal assignment on connected
 * sub-networks, with gap closing and species-aware search ranges.
 *
 * The shape is trackpy's (Allan et al., trackpy, doi:10.5281/zenodo.3492186): a streaming core
 * ({@link Linker}, {@link linkIter}: one frame in, that frame's particle ids out) under a table
 * wrapper ({@link link}). Positions should be drift-corrected (x_corr, y_corr) before linking.
 *
 * ## The cost rule (one right answer for boundary cases)
 * Between the tracks alive at frame t (sources, each at its last position) and the detections of
 * frame t (destinations):
 * - a candidate link joins a source and a destination at distance d <= r (inclusive, compared as
 *   dx^2 + dy^2 <= r^2 in double precision), where r is the stage's search range;
 * - a link costs d^2; leaving a source unlinked costs r^2 (trackpy's rule), made larger by a
 *   relative 1e-9 so that a lone candidate at exactly d = r is linked; leaving a destination unlinked
 *   (it starts a new track) costs nothing;
 * - within each connected sub-network of candidates the total cost is minimised exactly
 *   ({@link solveSparseAssignment}, Jonker-Volgenant); sub-networks of one source and one
 *   destination are linked directly.
 * So a detection moving by exactly the search range is linked, one moving by more is not.
 *
 * ## Gap closing
 * A track that found no destination stays a source, at its last position, for `memory` more frames
 * (trackpy's memory): it can be linked to a detection up to memory + 1 frames after its last one.
 *
 * ## Species awareness (dopants)
 * Dopants hop by a whole bond length when a dopant and a host atom exchange places (Susi et al.,
 * PRL 113, 115501 (2014)), so linking runs in three stages per frame:
 * 1. dopant tracks (whose last detection is a dopant, or most of whose detections are) to dopant
 *    detections, within `dopantSearchRange`;
 * 2. every source still unlinked to every detection still unlinked, within `searchRange`, whatever
 *    the species (so a detection whose species flickers stays on its track);
 * 3. exchange partners: when a stage-1 link moved a dopant by more than searchRange / 2 from A to B,
 *    the host tracks still unlinked that ended within `searchRange` of B are linked, within
 *    `dopantSearchRange`, to host detections still unlinked within `searchRange` of A (the host atom
 *    that took the dopant's old place).
 * A trajectory's species is the majority of its detections (ties: the species seen first).
 * Known limitation: when a dopant is missed in the very frame it hops, stage 2 continues its track
 * on the host atom that took its old site (read as a species flicker); the next dopant detection
 * rejoins the track, so such an event costs two or three wrong links.
 */
import { SpatialGrid } from '../../numerics/spatialGrid.ts';
import { solveSparseAssignment, SubnetOversizeError } from '../../numerics/linearAssignment.ts';
import { AtomdynError } from '../../data/errors.ts';
import { collectGarbage } from '../../data/memory.ts';

/** One frame's detections. */
export interface FrameDetections {
  /** Frame index (integer, increasing from call to call). */
  frame: number;
  /** x (column) positions, px or pm, the same unit as the search ranges. */
  x: ArrayLike<number>;
  /** y (row) positions. */
  y: ArrayLike<number>;
  /** Species codes (small integers, see LinkOptions.dopantSpecies); omitted = all host. */
  species?: ArrayLike<number>;
}

/** Settings for linking. Lengths are in the unit of the positions. */
export interface LinkOptions {
  /** Largest displacement of a host atom between consecutive observations. */
  searchRange: number;
  /** Frames a track may go undetected and still be continued. Default 0. */
  memory?: number;
  /** Species codes that are dopants. Default none. */
  dopantSpecies?: Iterable<number>;
  /** Largest displacement of a dopant (and of its exchange partner). Default: searchRange. */
  dopantSearchRange?: number;
  /** Largest sub-network solved exactly (sources + destinations). Default 2000. */
  maxSubnetSize?: number;
}

/** Result of linking one frame. */
export interface LinkedFrame {
  frame: number;
  /** Particle id of each detection, aligned with the frame's detections. */
  particle: Int32Array;
}

const TIE = 1 + 1e-9;

/**
 * The streaming linker: feed frames in increasing order with {@link Linker.next}; each call returns
 * that frame's particle ids. Particle ids are 0, 1, 2, ... in order of first appearance.
 */
export class Linker {
  readonly searchRange: number;
  readonly dopantSearchRange: number;
  readonly memory: number;
  private readonly dopant: Set<number>;
  private readonly maxSubnet: number;
  private nTracks = 0;
  private tX = new Float64Array(1024);
  private tY = new Float64Array(1024);
  private tLast = new Int32Array(1024);
  private tN = new Int32Array(1024);
  private tDop = new Int32Array(1024);
  private tLastDop = new Uint8Array(1024);
  /** Tracks that can still be continued. */
  private active = new Int32Array(1024);
  private nActive = 0;
  private lastFrame = -Infinity;
  // reusable edge buffers
  private eSrc = new Int32Array(4096);
  private eDst = new Int32Array(4096);
  private eCost = new Float64Array(4096);

  /**
   * @throws AtomdynError('searchRange' / 'memory' / 'dopantSearchRange') on invalid settings
   */
  constructor(opts: LinkOptions) {
    if (!(opts.searchRange > 0) || !Number.isFinite(opts.searchRange)) throw AtomdynError.forOption('searchRange', `must be a positive length, got ${opts.searchRange}`);
    const mem = opts.memory ?? 0;
    if (!Number.isInteger(mem) || mem < 0) throw AtomdynError.forOption('memory', `must be a whole number of frames >= 0, got ${mem}`);
    const dr = opts.dopantSearchRange ?? opts.searchRange;
    if (!(dr > 0) || !Number.isFinite(dr)) throw AtomdynError.forOption('dopantSearchRange', `must be a positive length, got ${dr}`);
    this.searchRange = opts.searchRange;
    this.dopantSearchRange = dr;
    this.memory = mem;
    this.dopant = new Set(opts.dopantSpecies ?? []);
    this.maxSubnet = opts.maxSubnetSize ?? 2000;
  }

  /** Number of particles (tracks) created so far. */
  get particleCount(): number {
    return this.nTracks;
  }

  /**
   * Link one frame.
   * @returns particle ids aligned with the detections
   * @throws AtomdynError when frames are not increasing, arrays differ in length, a position is not
   *   finite, or a sub-network is larger than maxSubnetSize
   */
  next(det: FrameDetections): Int32Array {
    const { frame, x, y } = det;
    const n = x.length;
    if (!Number.isInteger(frame)) throw new AtomdynError('frame', `frame index must be an integer, got ${frame}`);
    if (frame <= this.lastFrame) throw new AtomdynError('frame', `frames must be linked in increasing order (frame ${frame} after ${this.lastFrame})`);
    if (y.length !== n || (det.species && det.species.length !== n)) throw new AtomdynError('frame', `frame ${frame}: x, y and species differ in length`);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) throw new AtomdynError('frame', `frame ${frame}: detection ${i} has no finite position (${x[i]}, ${y[i]})`);
    }
    this.lastFrame = frame;
    const sp = det.species;
    const isDop = new Uint8Array(n);
    let nDopDet = 0;
    if (sp && this.dopant.size) {
      for (let i = 0; i < n; i++) {
        if (this.dopant.has(sp[i])) {
          isDop[i] = 1;
          nDopDet++;
        }
      }
    }
    // sources: active tracks whose gap is within memory
    let nS = 0;
    for (let k = 0; k < this.nActive; k++) {
      const t = this.active[k];
      if (frame - this.tLast[t] - 1 <= this.memory) this.active[nS++] = t;
    }
    this.nActive = nS;
    const src = this.active.subarray(0, nS);
    const srcLink = new Int32Array(nS).fill(-1); // detection index
    const dstLink = new Int32Array(n).fill(-1); // source index
    const R = this.searchRange;
    const Rd = this.dopantSearchRange;
    const grid = n > 0 ? new SpatialGrid(x, y, Math.max(R, 1e-12)) : null;

    // ---- stage 1: dopant tracks -> dopant detections
    const hops: number[] = []; // source indices linked in stage 1 by more than R / 2
    if (grid && nDopDet > 0) {
      let ne = 0;
      for (let s = 0; s < nS; s++) {
        const t = src[s];
        if (!(this.tLastDop[t] || 2 * this.tDop[t] > this.tN[t])) continue;
        const c = grid.query(this.tX[t], this.tY[t], Rd);
        for (let q = 0; q < c; q++) {
          const j = grid.resultIndex[q];
          if (!isDop[j]) continue;
          ne = this.pushEdge(ne, s, j, grid.resultD2[q]);
        }
      }
      if (ne) {
        const assign = this.solve(nS, n, ne, Rd * Rd * TIE);
        for (let s = 0; s < nS; s++) {
          const j = assign[s];
          if (j < 0) continue;
          srcLink[s] = j;
          dstLink[j] = s;
          const t = src[s];
          const dx = x[j] - this.tX[t];
          const dy = y[j] - this.tY[t];
          if (dx * dx + dy * dy > 0.25 * R * R) hops.push(s);
        }
      }
    }

    // ---- stage 2: everything still unlinked, within R, species-agnostic (hot path)
    if (grid) {
      let ne = 0;
      for (let s = 0; s < nS; s++) {
        if (srcLink[s] >= 0) continue;
        const t = src[s];
        const c = grid.query(this.tX[t], this.tY[t], R);
        for (let q = 0; q < c; q++) {
          const j = grid.resultIndex[q];
          if (dstLink[j] >= 0) continue;
          ne = this.pushEdge(ne, s, j, grid.resultD2[q]);
        }
      }
      if (ne) {
        // fast path: a source with one candidate whose destination has one candidate
        const srcDeg = new Int32Array(nS);
        const dstDeg = new Int32Array(n);
        for (let e = 0; e < ne; e++) {
          srcDeg[this.eSrc[e]]++;
          dstDeg[this.eDst[e]]++;
        }
        let w = 0;
        for (let e = 0; e < ne; e++) {
          const s = this.eSrc[e];
          const j = this.eDst[e];
          if (srcDeg[s] === 1 && dstDeg[j] === 1) {
            srcLink[s] = j;
            dstLink[j] = s;
          } else {
            this.eSrc[w] = s;
            this.eDst[w] = j;
            this.eCost[w] = this.eCost[e];
            w++;
          }
        }
        if (w) {
          const assign = this.solve(nS, n, w, R * R * TIE);
          for (let e = 0; e < w; e++) {
            const s = this.eSrc[e];
            const j = assign[s];
            if (j >= 0 && srcLink[s] < 0) {
              srcLink[s] = j;
              dstLink[j] = s;
            }
          }
        }
      }
    }

    // ---- stage 3: exchange partners of dopant hops
    if (grid && hops.length) {
      let ne = 0;
      const seen = new Set<number>();
      for (const h of hops) {
        const ax = this.tX[src[h]];
        const ay = this.tY[src[h]];
        const b = srcLink[h];
        const bx = x[b];
        const by = y[b];
        // destinations (host, unlinked) near the dopant's old site A
        const c = grid.query(ax, ay, R);
        const dests: number[] = [];
        for (let q = 0; q < c; q++) {
          const j = grid.resultIndex[q];
          if (dstLink[j] < 0 && !isDop[j]) dests.push(j);
        }
        if (!dests.length) continue;
        // sources (host tracks, unlinked) that ended near the dopant's new site B
        for (let s = 0; s < nS; s++) {
          if (srcLink[s] >= 0) continue;
          const t = src[s];
          if (this.tLastDop[t] || 2 * this.tDop[t] > this.tN[t]) continue;
          const sx = this.tX[t] - bx;
          const sy = this.tY[t] - by;
          if (sx * sx + sy * sy > R * R) continue;
          for (const j of dests) {
            const key = s * n + j;
            if (seen.has(key)) continue;
            const dx = x[j] - this.tX[t];
            const dy = y[j] - this.tY[t];
            const d2 = dx * dx + dy * dy;
            if (d2 <= Rd * Rd) {
              seen.add(key);
              ne = this.pushEdge(ne, s, j, d2);
            }
          }
        }
      }
      if (ne) {
        const assign = this.solve(nS, n, ne, Rd * Rd * TIE);
        for (let s = 0; s < nS; s++) {
          const j = assign[s];
          if (j >= 0 && srcLink[s] < 0 && dstLink[j] < 0) {
            srcLink[s] = j;
            dstLink[j] = s;
          }
        }
      }
    }

    // ---- write back
    const particle = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      let t: number;
      if (dstLink[j] >= 0) t = src[dstLink[j]];
      else {
        t = this.newTrack();
        this.active[this.nActive++] = t;
      }
      particle[j] = t;
      this.tX[t] = x[j];
      this.tY[t] = y[j];
      this.tLast[t] = frame;
      this.tN[t]++;
      this.tDop[t] += isDop[j];
      this.tLastDop[t] = isDop[j];
    }
    return particle;
  }

  private pushEdge(ne: number, s: number, j: number, cost: number): number {
    if (ne === this.eSrc.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.eSrc = grow(this.eSrc);
      this.eDst = grow(this.eDst);
      this.eCost = grow(this.eCost);
    }
    this.eSrc[ne] = s;
    this.eDst[ne] = j;
    this.eCost[ne] = cost;
    return ne + 1;
  }

  private solve(nS: number, n: number, ne: number, unlinked: number): Int32Array {
    try {
      return solveSparseAssignment(
        {
          nRows: nS,
          nCols: n,
          edgeRow: this.eSrc.subarray(0, ne),
          edgeCol: this.eDst.subarray(0, ne),
          edgeCost: this.eCost.subarray(0, ne),
          rowUnassignedCost: new Float64Array(nS).fill(unlinked),
        },
        { maxSubnetSize: this.maxSubnet },
      );
    } catch (e) {
      if (e instanceof SubnetOversizeError) throw AtomdynError.forOption('searchRange', `frame ${this.lastFrame}: ${e.message}`);
      throw e;
    }
  }

  private newTrack(): number {
    const t = this.nTracks++;
    if (t === this.tX.length) {
      const cap = this.tX.length * 2;
      const g64 = (a: Float64Array) => {
        const b = new Float64Array(cap);
        b.set(a);
        return b;
      };
      const g32 = (a: Int32Array) => {
        const b = new Int32Array(cap);
        b.set(a);
        return b;
      };
      this.tX = g64(this.tX);
      this.tY = g64(this.tY);
      this.tLast = g32(this.tLast);
      this.tN = g32(this.tN);
      this.tDop = g32(this.tDop);
      const d = new Uint8Array(cap);
      d.set(this.tLastDop);
      this.tLastDop = d;
    }
    if (this.nActive === this.active.length) {
      const b = new Int32Array(this.active.length * 2);
      b.set(this.active);
      this.active = b;
    }
    this.tN[t] = 0;
    this.tDop[t] = 0;
    return t;
  }
}

/**
 * Link a sequence of frames lazily (trackpy's link_iter): yields each frame's particle ids as soon
 * as that frame is linked.
 * @throws AtomdynError as {@link Linker.next}
 */
export function* linkIter(frames: Iterable<FrameDetections>, opts: LinkOptions): Generator<LinkedFrame> {
  const linker = new Linker(opts);
  for (const f of frames) yield { frame: f.frame, particle: linker.next(f) };
}

/** A detection table in columns (rows in any order). */
export interface DetectionColumns {
  frame: ArrayLike<number>;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Species name per row (null/'' = unknown); optional. */
  species?: ArrayLike<string | null>;
}

/** Settings for {@link link}: as {@link LinkOptions}, with dopants named by species. */
export interface LinkTableOptions extends Omit<LinkOptions, 'dopantSpecies'> {
  /** Species names that are dopants (e.g. ['Si']). */
  dopants?: string[];
  /** Called after each frame with (frames done, frames total). */
  onFrame?: (done: number, total: number) => void;
}

/** Result of {@link link}. */
export interface LinkResult {
  /** Particle id per input row. */
  particle: Int32Array;
  /**
   * Majority species of each row's particle (null when the table has no species): an array of one
   * cell per row, made when first read (`speciesOfParticle[particle[i]]` gives the same without it).
   */
  readonly particleSpecies: Array<string | null>;
  /** Majority species of each particle, indexed by particle id (null: none known). */
  speciesOfParticle: Array<string | null>;
  /** Number of particles. */
  particleCount: number;
}

/**
 * The rows 0..n-1 in frame order, ties in row order (a stable order by frame); null when the rows are
 * already in that order (atoms.csv is: locate writes frame by frame), so no index array is made.
 */
function frameOrder(frame: ArrayLike<number>): Int32Array | null {
  const n = frame.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = frame[i - 1] <= frame[i];
  if (sorted) return null;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // a typed array's sort is not guaranteed stable: ties are broken by the row index
  return order.sort((a, b) => frame[a] - frame[b] || a - b);
}

/**
 * Link a whole detection table (trackpy's link): rows are grouped by frame and fed to a
 * {@link Linker} in frame order; results come back aligned with the input rows. Only the frame being
 * linked is copied out of the table (as trackpy's link_iter holds only its memory window): the working
 * memory is the table's row order (none when the rows are in frame order already), the species codes and
 * one frame's detections.
 * @throws AtomdynError on a non-integer or negative frame, or as {@link Linker.next}
 */
export function link(table: DetectionColumns, opts: LinkTableOptions): LinkResult {
  const nRows = table.frame.length;
  if (table.x.length !== nRows || table.y.length !== nRows) throw new AtomdynError('', 'frame, x and y columns differ in length');
  for (let i = 0; i < nRows; i++) {
    const f = table.frame[i];
    if (!Number.isInteger(f) || f < 0) throw new AtomdynError('frame', `row ${i + 1}: frame must be an integer >= 0, got ${f}`);
  }
  const order = frameOrder(table.frame);
  const row = order ? (k: number) => order[k] : (k: number) => k;
  // species codes
  const names: string[] = [];
  const codeOf = new Map<string, number>();
  const codes = table.species ? new Int32Array(nRows).fill(-1) : null;
  if (table.species && codes) {
    for (let i = 0; i < nRows; i++) {
      const s = table.species[i];
      if (s === null || s === undefined || s === '') continue;
      let c = codeOf.get(s);
      if (c === undefined) {
        c = names.length;
        names.push(s);
        codeOf.set(s, c);
      }
      codes[i] = c;
    }
  }
  const dopantCodes = (opts.dopants ?? []).map((d) => codeOf.get(d)).filter((c): c is number => c !== undefined);
  let nFrames = 0;
  for (let k = 0; k < nRows; k++) if (k === 0 || table.frame[row(k)] !== table.frame[row(k - 1)]) nFrames++;
  const particle = new Int32Array(nRows);
  let done = 0;
  const linker = new Linker({ ...opts, dopantSpecies: dopantCodes });
  for (let a = 0; a < nRows; ) {
    let b = a;
    const f = table.frame[row(a)];
    while (b < nRows && table.frame[row(b)] === f) b++;
    const m = b - a;
    const x = new Float64Array(m);
    const y = new Float64Array(m);
    const species = codes ? new Int32Array(m) : undefined;
    for (let k = 0; k < m; k++) {
      const r = row(a + k);
      x[k] = table.x[r];
      y[k] = table.y[r];
      if (species) species[k] = codes![r];
    }
    const p = linker.next({ frame: f, x, y, species });
    for (let k = 0; k < m; k++) particle[row(a + k)] = p[k];
    opts.onFrame?.(++done, nFrames);
    // each frame leaves a few dozen small typed arrays (the frame's copy, the linker's and the
    // assignment's working arrays), held outside the JavaScript heap until a scavenge: one every
    // 16 frames keeps them from piling up over a long movie (data/memory.ts)
    if (done % 16 === 0) collectGarbage({ young: true });
    a = b;
  }
  const speciesOfParticle = majorityOfParticles(particle, linker.particleCount, codes, names, order);
  let perRow: Array<string | null> | null = null;
  return {
    particle,
    get particleSpecies(): Array<string | null> {
      perRow ??= Array.from(particle, (p) => speciesOfParticle[p]);
      return perRow;
    },
    speciesOfParticle,
    particleCount: linker.particleCount,
  };
}

/**
 * Majority species of each particle 0..count-1 from species codes per row (-1: unknown); ties go to
 * the species seen first along the track (rows taken in `order`, default row order). All null without codes.
 */
function majorityOfParticles(particle: Int32Array, count: number, codes: Int32Array | null, names: string[], order: Int32Array | null): Array<string | null> {
  const out: Array<string | null> = new Array(count).fill(null);
  if (!codes) return out;
  const n = particle.length;
  const k = names.length;
  if (k === 0) return out;
  // counts per particle and species, and the rank at which each species was first seen on the particle
  const counts = new Int32Array(count * k);
  const first = new Int32Array(count * k).fill(-1);
  let seen = 0;
  for (let q = 0; q < n; q++) {
    const r = order ? order[q] : q;
    const c = codes[r];
    if (c < 0) continue;
    const cell = particle[r] * k + c;
    if (counts[cell]++ === 0) first[cell] = seen++;
  }
  for (let p = 0; p < count; p++) {
    let best = -1;
    for (let c = 0; c < k; c++) {
      const cell = p * k + c;
      if (counts[cell] === 0) continue;
      if (best < 0 || counts[cell] > counts[p * k + best] || (counts[cell] === counts[p * k + best] && first[cell] < first[p * k + best])) best = c;
    }
    if (best >= 0) out[p] = names[best];
  }
  return out;
}

