/**
 * Benchmark: drift registration + linking on simulated graphene coordinate movies
 * (training/simulator/latticeMovie.ts: bond b = 10 px, drift, per-coordinate jitter, missed detections,
 * Si dopants exchanging with C neighbours), against a peer in the same run: a frame-by-frame
 * cKDTree + scipy.optimize.linear_sum_assignment linker (bench/peers/link_scipy.py; trackpy is not
 * installable here).
 *
 * Accuracy: link precision/recall and track Jaccard (Chenouard et al. 2014, gate b/2) for 500 and
 * 2000 atoms, jitter 0.05-0.2 b, 0 and 5 % missed detections. Ours runs the whole chain on the raw
 * coordinates (registration on coordinates, refinement from links, species-aware linking); the peer
 * links coordinates corrected with the TRUE drift (its best case), with the same search range
 * (0.75 b) and memory (2). Requirement: at jitter <= 0.1 with no misses every link is right.
 * Speed: 2000 atoms x 1000 frames, linking only, one core (Node is single-threaded; the peer runs
 * with OMP/OPENBLAS threads = 1).
 *
 * Run: npm run bench -- tracking   (ATOMDYN_BENCH_QUICK=1 for a smaller, faster version)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateLatticeMovie, latticeMoviePointFrames, type LatticeMovie } from '../training/simulator/latticeMovie.ts';
import { estimateDriftFromPoints } from '../dynamics/registration/pointSetRegistration.ts';
import { correctPositions, driftFromLinks } from '../dynamics/registration/driftCorrection.ts';
import { link } from '../dynamics/tracking/linking.ts';
import { linkScores, trackingChallengeScores } from '../evaluation/trackingMetrics.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const quick = !!process.env.ATOMDYN_BENCH_QUICK;
const B = 10; // bond length, px
const R = 0.75 * B;
const MEMORY = 2;

const pointFrames = latticeMoviePointFrames;

/** Our chain: register on coordinates, link, refine the drift from the links, relink. */
function ours(m: LatticeMovie): { particle: Int32Array; registerS: number; linkS: number; maxDriftErr: number } {
  const t0 = performance.now();
  let drift = estimateDriftFromPoints(pointFrames(m), { spacing: B });
  let corr = correctPositions(drift, m.frame, m.x, m.y);
  const t1 = performance.now();
  let r = link({ frame: m.frame, x: corr.xCorr, y: corr.yCorr, species: m.species }, { searchRange: R, dopantSearchRange: 1.5 * B, memory: MEMORY, dopants: ['Si'] });
  const t2 = performance.now();
  drift = driftFromLinks(drift, m.frame, m.x, m.y, r.particle);
  corr = correctPositions(drift, m.frame, m.x, m.y);
  r = link({ frame: m.frame, x: corr.xCorr, y: corr.yCorr, species: m.species }, { searchRange: R, dopantSearchRange: 1.5 * B, memory: MEMORY, dopants: ['Si'] });
  let err = 0;
  for (let k = 0; k < drift.frame.length; k++) err = Math.max(err, Math.hypot(drift.dx[k] - m.driftX[drift.frame[k]], drift.dy[k] - m.driftY[drift.frame[k]]));
  return { particle: r.particle, registerS: (t1 - t0) / 1000, linkS: (t2 - t1) / 1000, maxDriftErr: err };
}

let peerMissing: string | null = null;
function checkPeer(): void {
  const r = spawnSync('python3', ['-c', 'import scipy, numpy; print(scipy.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) peerMissing = 'python3 with scipy not found (apt-get install -y python3-scipy); peer skipped';
}

/** The peer: links coordinates corrected with the true drift. */
function peer(m: LatticeMovie, dir: string): { particle: Int32Array; linkS: number } | null {
  if (peerMissing) return null;
  const fx = new Float64Array(m.frame.length);
  const fy = new Float64Array(m.frame.length);
  for (let i = 0; i < m.frame.length; i++) {
    fx[i] = m.x[i] - m.driftX[m.frame[i]];
    fy[i] = m.y[i] - m.driftY[m.frame[i]];
  }
  const prefix = path.join(dir, 'movie');
  writeFileSync(prefix + '.frame.i32', new Uint8Array(m.frame.buffer, m.frame.byteOffset, m.frame.byteLength));
  writeFileSync(prefix + '.x.f64', new Uint8Array(fx.buffer));
  writeFileSync(prefix + '.y.f64', new Uint8Array(fy.buffer));
  const r = spawnSync('python3', [path.join(here, 'peers', 'link_scipy.py'), prefix, String(R), String(MEMORY)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) {
    peerMissing = `peer failed: ${r.stderr.trim().split('\n').pop()}`;
    return null;
  }
  const buf = readFileSync(prefix + '.particle.i32');
  const particle = new Int32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice();
  return { particle, linkS: JSON.parse(r.stdout.trim().split('\n').pop()!).link_s };
}

function scores(m: LatticeMovie, particle: Int32Array) {
  const s = linkScores(m.frame, m.particle, particle);
  const pts = { frame: m.frame, x: m.x, y: m.y };
  const c = trackingChallengeScores({ ...pts, particle: m.particle }, { ...pts, particle }, B / 2);
  return { precision: s.precision, recall: s.recall, jaccardTracks: c.jaccardTracks, alpha: c.alpha, wrong: s.estimatedLinks - s.correct, missed: s.trueLinks - s.correct };
}

/** Hop links: true links whose atom changed lattice site (dopant hops and their exchange partners), right / total. */
function hopRecall(m: LatticeMovie, particle: Int32Array): string {
  const order = Array.from(m.frame.keys()).sort((a, b) => m.particle[a] - m.particle[b] || m.frame[a] - m.frame[b]);
  let total = 0;
  let right = 0;
  for (let k = 0; k + 1 < order.length; k++) {
    const i = order[k];
    const j = order[k + 1];
    if (m.particle[i] !== m.particle[j]) continue;
    if (Math.hypot(m.siteX[j] - m.siteX[i], m.siteY[j] - m.siteY[i]) <= 0.5 * B) continue;
    total++;
    if (particle[i] === particle[j]) right++;
  }
  return total ? `${right}/${total}` : '-';
}

const f3 = (v: number) => v.toFixed(4);
const pad = (s: string, n: number) => s.padStart(n);

function main(): void {
  checkPeer();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-bench-'));
  try {
    console.log(`tracking accuracy: simulated graphene, bond ${B} px, search range 0.75 b, memory ${MEMORY}, dopant range 1.5 b; ${quick ? 'QUICK ' : ''}`);
    console.log('ours: registration on raw coordinates + species-aware linking; peer: scipy LSA + cKDTree on TRUE-drift-corrected coordinates');
    console.log(
      ['atoms', 'frames', 'jitter', 'miss', 'hops', '| ours: prec', 'recall', 'JSC_trk', 'alpha', 'hop links', 'drift err px', '| peer: prec', 'recall', 'JSC_trk', 'alpha', 'hop links', '| all right?']
        .map((s, i) => pad(s, i < 5 ? 6 : 10))
        .join(' '),
    );
    const frames = quick ? 30 : 100;
    let allRight = true;
    for (const atoms of quick ? [500] : [500, 2000]) {
      for (const miss of [0, 0.05]) {
        for (const jitter of [0.05, 0.1, 0.15, 0.2]) {
          const m = simulateLatticeMovie({ atoms, frames, jitter, missRate: miss, dopants: Math.round(atoms / 100), hopRate: 0.1, seed: 1000 + atoms + Math.round(jitter * 100) + (miss ? 7 : 0) });
          const o = ours(m);
          const os_ = scores(m, o.particle);
          const p = peer(m, dir);
          const ps = p ? scores(m, p.particle) : null;
          const required = jitter <= 0.1 && miss === 0;
          const ok = os_.precision === 1 && os_.recall === 1;
          if (required && !ok) allRight = false;
          console.log(
            [
              pad(String(atoms), 6),
              pad(String(frames), 6),
              pad(jitter.toFixed(2), 6),
              pad(miss.toFixed(2), 6),
              pad(String(m.hops), 6),
              pad(f3(os_.precision), 10),
              pad(f3(os_.recall), 10),
              pad(f3(os_.jaccardTracks), 10),
              pad(f3(os_.alpha), 10),
              pad(hopRecall(m, o.particle), 10),
              pad(o.maxDriftErr.toFixed(3), 10),
              pad(ps ? f3(ps.precision) : 'n/a', 10),
              pad(ps ? f3(ps.recall) : 'n/a', 10),
              pad(ps ? f3(ps.jaccardTracks) : 'n/a', 10),
              pad(ps ? f3(ps.alpha) : 'n/a', 10),
              pad(p ? hopRecall(m, p.particle) : 'n/a', 10),
              pad(required ? (ok ? 'yes' : 'NO') : ok ? '(yes)' : `(${os_.wrong} wrong, ${os_.missed} missed)`, 10),
            ].join(' '),
          );
        }
      }
    }
    console.log(`requirement (jitter <= 0.1, no misses: every link right, dopant hops included): ${allRight ? 'met' : 'NOT MET'}`);

    const T = quick ? 200 : 1000;
    const m = simulateLatticeMovie({ atoms: 2000, frames: T, jitter: 0.05, missRate: 0.05, dopants: 20, hopRate: 0.05, seed: 77 });
    console.log(`\nspeed: ${m.frame.length} detections (2000 atoms x ${T} frames, 5 % missed), one core`);
    const o = ours(m);
    const s = scores(m, o.particle);
    console.log(`  ours: link ${o.linkS.toFixed(2)} s (${((m.frame.length / o.linkS) / 1e6).toFixed(2)} M detections/s), registration ${o.registerS.toFixed(2)} s; precision ${f3(s.precision)}, recall ${f3(s.recall)}  ${o.linkS < 10 ? '(< 10 s: met)' : '(>= 10 s: NOT MET)'}`);
    const p = peer(m, dir);
    if (p) {
      const ps = scores(m, p.particle);
      console.log(`  peer (scipy): link ${p.linkS.toFixed(2)} s (${((m.frame.length / p.linkS) / 1e6).toFixed(2)} M detections/s); precision ${f3(ps.precision)}, recall ${f3(ps.recall)}`);
    }
    if (peerMissing) console.log(`  peer: ${peerMissing}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
