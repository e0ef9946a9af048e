/**
 * Image analytics benchmark (issue 21): the sliding-window FFT of a 1024 x 1024 simulated image with
 * two graphene grains (window 64, step 8) and its unmixing (N-FINDR, NMF, PCA, k-means), with the
 * region IoU; a 20 000-atom local-crystallography run (two ferroelastic variants) with its ARI. Beside
 * scikit-learn on the same matrix and positions (bench/peers/unmixing_sklearn.py, Debian's
 * /usr/bin/python3 with python3-sklearn; skipped with a message when absent).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { honeycombImage } from '../training/simulator/lattices/honeycombImage.ts';
import { slidingFftStack } from '../analytics/slidingFft.ts';
import { fitUnmixing } from '../analytics/unmixing/fitUnmixing.ts';
import { localCrystallography } from '../analytics/crystallography.ts';
import { adjustedRandIndex } from '../evaluation/adjustedRandIndex.ts';
import { writeNpy } from '../data/writers/npy.ts';
import { Random } from '../data/random.ts';

const rows: Array<[string, string]> = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-bench-analytics-'));
const python = '/usr/bin/python3';
const peer = (args: string[]): Record<string, number> | null => {
  if (!existsSync(python)) return null;
  const r = spawnSync(python, [path.resolve('bench/peers/unmixing_sklearn.py'), ...args], { encoding: 'utf8' });
  if (r.status !== 0) {
    rows.push(['scikit-learn', `not run: ${(r.stderr || '').trim().split('\n').pop()}`]);
    return null;
  }
  return JSON.parse(r.stdout);
};

// 1. 1024 x 1024, two grains meeting at x = 512
const W = 1024, H = 1024;
const a = honeycombImage({ h: H, w: W, pxPm: 25, rotDeg: 0, seed: 1 }).image;
const b = honeycombImage({ h: H, w: W, pxPm: 25, rotDeg: 30, seed: 2 }).image;
const image = Float32Array.from({ length: W * H }, (_, i) => ((i % W) < W / 2 ? a[i] : b[i]));
let t0 = performance.now();
const stack = slidingFftStack(image, W, H, { window: 64, step: 8 });
rows.push([`sliding FFT 1024x1024, window 64, step 8: ${stack.n} windows x ${stack.d} frequencies (${((stack.n * stack.d * 8) / 1e6).toFixed(0)} MB; full spectra would be ${((stack.n * 64 * 64 * 8) / 1e6).toFixed(0)} MB)`, `${((performance.now() - t0) / 1000).toFixed(1)} s`]);
const truth = Array.from(stack.centreX, (x) => (x < W / 2 ? 0 : 1));
const times: Record<string, number> = {};
for (const method of ['pca', 'nmf', 'nfindr', 'kmeans'] as const) {
  t0 = performance.now();
  const m = fitUnmixing(method, 2, stack, 0);
  times[method] = (performance.now() - t0) / 1000;
  const lab = truth.map((_, i) => (m.loadings[2 * i] >= m.loadings[2 * i + 1] ? 0 : 1));
  const iou = (p: number, q: number) => {
    let I = 0, U = 0;
    lab.forEach((l, i) => {
      if (l === p && truth[i] === q) I++;
      if (l === p || truth[i] === q) U++;
    });
    return I / U;
  };
  const best = Math.max(Math.min(iou(0, 0), iou(1, 1)), Math.min(iou(0, 1), iou(1, 0)));
  rows.push([`  ${method} K=2 (min region IoU ${best.toFixed(3)}${method === 'pca' ? ', sign of the scores' : ''})`, `${times[method].toFixed(1)} s`]);
}
const npy = path.join(dir, 'stack.npy');
await writeNpy(npy, Float32Array.from(stack.data), [stack.n, stack.d]);
const sk = peer(['bench', npy, '2']);
if (sk) for (const m of ['pca', 'nmf', 'ica', 'kmeans']) rows.push([`  scikit-learn ${sk.sklearn} ${m} on the same matrix`, `${sk[`${m}_s`].toFixed(1)} s`]);
else if (!existsSync(python)) rows.push(['scikit-learn', 'skipped: /usr/bin/python3 with python3-sklearn not found']);

// 2. 20 000 atoms, two ferroelastic variants (a = 10 px, c = 11.5 px)
const rng = new Random(4);
const xs: number[] = [], ys: number[] = [], variant: number[] = [];
for (let x = 5; x < 1150; x += 10) for (let y = 5; y < 1000; y += 11.5) { xs.push(x + 0.1 * rng.normal()); ys.push(y + 0.1 * rng.normal()); variant.push(0); }
for (let x = 1155; x < 2300; x += 11.5) for (let y = 5; y < 1000; y += 10) { xs.push(x + 0.1 * rng.normal()); ys.push(y + 0.1 * rng.normal()); variant.push(1); }
t0 = performance.now();
const cr = localCrystallography(xs, ys, { neighbours: 4, classes: 2, seed: 1 });
const kept = cr.atoms.map((_, i) => i).filter((i) => cr.atoms[i].label >= 0);
const ari = adjustedRandIndex(kept.map((i) => cr.atoms[i].label), kept.map((i) => variant[i]));
rows.push([`local crystallography, ${xs.length} atoms, 4 neighbours, k-means K=2 (ARI ${ari.toFixed(3)})`, `${((performance.now() - t0) / 1000).toFixed(1)} s`]);
const pos = path.join(dir, 'positions.npy');
await writeNpy(pos, Float32Array.from(xs.flatMap((x, i) => [x, ys[i]])), [xs.length, 2]);
const skc = peer(['cryst', pos, '4', '2']);
if (skc) rows.push([`  scikit-learn NearestNeighbors + KMeans on the same positions`, `${skc.total_s.toFixed(1)} s`]);
rmSync(dir, { recursive: true, force: true });
const w = Math.max(...rows.map((r) => r[0].length));
for (const [l, v] of rows) process.stdout.write(`${l.padEnd(w)}  ${v}\n`);
