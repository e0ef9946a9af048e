/**
 * Simulated coordinate movies of a graphene lattice with known trajectories, for testing and
 * benchmarking drift registration and linking (coordinates only, no images).
 *
 * Model: a honeycomb of bond length b (px) fills a field of view of width x height px sized to hold
 * about `atoms` atoms; the sample drifts (the content of frame t is displaced by D(t), with a
 * velocity that fluctuates around its mean but keeps its sign, so atoms leave the field for good); every detection has independent Gaussian
 * positional jitter of standard deviation `jitter * b` in each coordinate; a fraction `missRate` of
 * detections is dropped at random; `dopants` Si atoms sit on random sites (at least 3 b apart) and
 * each exchanges places with a random one of its three C neighbours with probability `hopRate` per
 * frame (Susi et al., PRL 113, 115501 (2014)): the Si moves by one bond to the neighbour's site, the
 * C to the Si's old site. Dopants do not hop within 3 b of the field's edge, so that every hop and
 * its exchange partner are in view.
 *
 * Ground truth: `particle` is the atom's id (kept through missed detections and exchanges); as the
 * drift is monotone, an atom is in the field of view during one contiguous stretch of frames.
 */
import { Random } from '../../data/random.ts';
import { honeycombLattice, neighboursOf } from './lattices/honeycomb.ts';
import type { PointFrame } from '../../dynamics/registration/pointSetRegistration.ts';

/** Settings of a simulated lattice movie. */
export interface LatticeMovieOptions {
  /** Approximate number of atoms in the field of view. */
  atoms: number;
  /** Number of frames. */
  frames: number;
  /** Bond length in px. Default 10. */
  bondLengthPx?: number;
  /** Positional jitter: standard deviation per coordinate as a fraction of the bond length. Default 0.05. */
  jitter?: number;
  /** Fraction of detections missed. Default 0. */
  missRate?: number;
  /** Number of Si dopants. Default 0. */
  dopants?: number;
  /** Probability per dopant per frame of exchanging with a neighbour. Default 0.05. */
  hopRate?: number;
  /** Mean drift velocity, px per frame. Default [0.4, 0.15]. */
  driftVelocity?: [number, number];
  /** Standard deviation of the drift velocity's fluctuation (Ornstein-Uhlenbeck, 20-frame correlation time, clipped to 90 % of the mean so the drift stays monotone), px per frame. Default 0.05. */
  driftWander?: number;
  /** Seed of every random step. */
  seed: number;
}

/** A simulated movie: one row per detection, in frame order. */
export interface LatticeMovie {
  frame: Int32Array;
  x: Float64Array;
  y: Float64Array;
  /** 'C' or 'Si'. */
  species: string[];
  /** True trajectory id. */
  particle: Int32Array;
  /** Noise-free position of each detection in the drift-free frame of frame 0 (its lattice site), px. */
  siteX: Float64Array;
  siteY: Float64Array;
  /** True drift of each frame's content relative to frame 0, px. */
  driftX: Float64Array;
  driftY: Float64Array;
  width: number;
  height: number;
  bondLengthPx: number;
  /** Number of dopant exchanges that happened. */
  hops: number;
}

/**
 * Generate a movie.
 * @throws RangeError on non-positive atoms or frames
 */
export function simulateLatticeMovie(opts: LatticeMovieOptions): LatticeMovie {
  if (!(opts.atoms > 0) || !(opts.frames > 0)) throw new RangeError('simulateLatticeMovie: atoms and frames must be positive');
  const rng = new Random(opts.seed);
  const b = opts.bondLengthPx ?? 10;
  const jitter = (opts.jitter ?? 0.05) * b;
  const miss = opts.missRate ?? 0;
  const hopRate = opts.hopRate ?? 0.05;
  const T = opts.frames;
  // drift path
  const driftX = new Float64Array(T);
  const driftY = new Float64Array(T);
  const [v0x, v0y] = opts.driftVelocity ?? [0.4, 0.15];
  const wander = opts.driftWander ?? 0.05;
  // velocity = v0 + an Ornstein-Uhlenbeck fluctuation (correlation time 20 frames, stationary sd
  // `wander`), clipped so that each component keeps the sign of v0: the drift is monotone, so an atom
  // that leaves the field never comes back
  const rho = Math.exp(-1 / 20);
  const kick = wander * Math.sqrt(1 - rho * rho);
  let wx = 0;
  let wy = 0;
  const clip = (w: number, v0: number) => (v0 === 0 ? w : Math.max(-0.9 * Math.abs(v0), Math.min(0.9 * Math.abs(v0), w)));
  for (let t = 1; t < T; t++) {
    wx = clip(rho * wx + kick * rng.normal(), v0x);
    wy = clip(rho * wy + kick * rng.normal(), v0y);
    driftX[t] = driftX[t - 1] + v0x + wx;
    driftY[t] = driftY[t - 1] + v0y + wy;
  }
  // field of view: honeycomb density 4 / (3 sqrt(3) b^2)
  const density = 4 / (3 * Math.sqrt(3) * b * b);
  const side = Math.sqrt(opts.atoms / density);
  const width = side;
  const height = side;
  // lattice sites covering every position the field sees: frame content at p + D(t) inside [0, side)
  let minDx = 0;
  let maxDx = 0;
  let minDy = 0;
  let maxDy = 0;
  for (let t = 0; t < T; t++) {
    minDx = Math.min(minDx, driftX[t]);
    maxDx = Math.max(maxDx, driftX[t]);
    minDy = Math.min(minDy, driftY[t]);
    maxDy = Math.max(maxDy, driftY[t]);
  }
  const x0 = -maxDx - 2 * b;
  const x1 = width - minDx + 2 * b;
  const y0 = -maxDy - 2 * b;
  const y1 = height - minDy + 2 * b;
  const a = Math.sqrt(3) * b;
  // the one lattice generator (bonds vertical) at a random offset; sites of rows 0..rows-1 (A at
  // (c a + (r mod 2) a/2, 1.5 r b), B = A + (0, b), from the corner (X0, Y0)), in row, column, sublattice order
  const rows = Math.ceil((y1 - y0) / (1.5 * b)) + 2;
  const cols = Math.ceil((x1 - x0) / a) + 2;
  const X0 = x0 + rng.uniform() * a - a;
  const Y0 = y0 + rng.uniform() * 1.5 * b - b;
  const lattice = honeycombLattice(a, 0, { x: X0, y: Y0 }, { x0: X0 - a, y0: Y0 - 2 * b, x1: X0 + (cols + 1) * a, y1: Y0 + rows * 1.5 * b + 2 * b });
  const picked: Array<{ k: number; r: number; c: number; s: number }> = [];
  for (let k = 0; k < lattice.count; k++) {
    const s = lattice.sublattice[k];
    const r = Math.round((lattice.y[k] - Y0 - s * b) / (1.5 * b));
    const c = Math.round((lattice.x[k] - X0 - (Math.abs(r % 2) * a) / 2) / a);
    if (r >= 0 && r < rows && c >= 0 && c < cols) picked.push({ k, r, c, s });
  }
  picked.sort((p, q) => p.r - q.r || p.c - q.c || p.s - q.s);
  const siteOf = new Int32Array(lattice.count).fill(-1);
  picked.forEach((p, i) => (siteOf[p.k] = i));
  const sx = Float64Array.from(picked, (p) => lattice.x[p.k]);
  const sy = Float64Array.from(picked, (p) => lattice.y[p.k]);
  const nSites = picked.length;
  // neighbours in scan order of cells 1.2 b wide (row of cells, then column, then site index)
  const cell = 1.2 * b;
  const scan = (j: number) => [Math.floor(sy[j] / cell), Math.floor(sx[j] / cell), j];
  const neighbours = (i: number): number[] =>
    neighboursOf(lattice, picked[i].k).map((k) => siteOf[k]).filter((j) => j >= 0)
      .sort((p, q) => { const u = scan(p), v = scan(q); return u[0] - v[0] || u[1] - v[1] || u[2] - v[2]; });
  // atoms: atom k starts on site k
  const atomAt = Int32Array.from({ length: nSites }, (_, i) => i);
  const isSi = new Uint8Array(nSites);
  const siSites: number[] = [];
  const wantedDopants = opts.dopants ?? 0;
  let tries = 0;
  while (siSites.length < wantedDopants && tries++ < 100000) {
    // dopants start inside the central part of the frame-0 field
    const i = rng.int(nSites);
    if (sx[i] < 0.15 * width || sx[i] > 0.85 * width || sy[i] < 0.15 * height || sy[i] > 0.85 * height) continue;
    if (siSites.some((j) => Math.hypot(sx[j] - sx[i], sy[j] - sy[i]) < 3 * b)) continue;
    siSites.push(i);
    isSi[atomAt[i]] = 1;
  }
  // particle ids numbered by first appearance
  const segment = new Int32Array(nSites).fill(-1);
  let nextId = 0;
  const F: number[] = [];
  const X: number[] = [];
  const Y: number[] = [];
  const S: string[] = [];
  const P: number[] = [];
  const SX: number[] = [];
  const SY: number[] = [];
  let hops = 0;
  for (let t = 0; t < T; t++) {
    if (t > 0) {
      for (let d = 0; d < siSites.length; d++) {
        if (rng.uniform() >= hopRate) continue;
        const i = siSites[d];
        // hops are observable: none within 3 bonds of the field's edge
        const inside = (k: number) => {
          const px = sx[k] + driftX[t];
          const py = sy[k] + driftY[t];
          return px >= 3 * b && px < width - 3 * b && py >= 3 * b && py < height - 3 * b;
        };
        if (!inside(i)) continue;
        const nb = neighbours(i).filter((j) => !isSi[atomAt[j]] && inside(j));
        if (!nb.length) continue;
        const j = nb[rng.int(nb.length)];
        const tmp = atomAt[i];
        atomAt[i] = atomAt[j];
        atomAt[j] = tmp;
        siSites[d] = j;
        hops++;
      }
    }
    for (let i = 0; i < nSites; i++) {
      const px = sx[i] + driftX[t];
      const py = sy[i] + driftY[t];
      if (px < 0 || px >= width || py < 0 || py >= height) continue;
      const atom = atomAt[i];
      if (segment[atom] < 0) segment[atom] = nextId++;
      if (miss > 0 && rng.uniform() < miss) continue;
      F.push(t);
      X.push(px + jitter * rng.normal());
      Y.push(py + jitter * rng.normal());
      S.push(isSi[atom] ? 'Si' : 'C');
      P.push(segment[atom]);
      SX.push(sx[i]);
      SY.push(sy[i]);
    }
  }
  return {
    frame: Int32Array.from(F),
    x: Float64Array.from(X),
    y: Float64Array.from(Y),
    species: S,
    particle: Int32Array.from(P),
    siteX: Float64Array.from(SX),
    siteY: Float64Array.from(SY),
    driftX,
    driftY,
    width,
    height,
    bondLengthPx: b,
    hops,
  };
}

/**
 * A movie's detections as point-set registration frames (dynamics/registration/pointSetRegistration.ts): one
 * PointFrame per frame, with Si detections flagged as dopants. Rows must be grouped by frame, as
 * {@link simulateLatticeMovie} writes them.
 */
export function latticeMoviePointFrames(m: LatticeMovie): PointFrame[] {
  const out: PointFrame[] = [];
  for (let a = 0; a < m.frame.length; ) {
    let b = a;
    while (b < m.frame.length && m.frame[b] === m.frame[a]) b++;
    out.push({ frame: m.frame[a], x: m.x.subarray(a, b), y: m.y.subarray(a, b), dopant: m.species.slice(a, b).map((s) => (s === 'Si' ? 1 : 0)) });
    a = b;
  }
  return out;
}
