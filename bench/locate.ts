/**
 * Benchmark of `locate` (issue: inference). Two tables, with the peer's figures from the same run:
 *
 * 1. Accuracy of the network alone (`fit: false`) on held-out simulated graphene frames (256 x 256 at the G-Si-2nm pixel size, imaging
 *    matched to G-Si-2nm.hdf5, Si-C3/Si-C4 dopants) over a range of doses around that frame's:
 *    precision, recall, F1 within half a bond length, localisation RMSE (pm), Si precision/recall;
 *    the U-Net (model `graphene-si`, or ATOMDYN_BENCH_MODEL) vs the classical baseline
 *    (inference/classicalFinder.ts: LoG + Gaussian refinement + Otsu species split).
 * 2. Speed: ms per 512 x 512 input frame end to end (read TIFF -> atoms.csv, `runLocate`, with the
 *    column fit (--fit) and without it: the difference is the fit's cost per frame) vs the
 *    PyTorch peer's forward pass of AtomAI's default U-Net on a 512 x 512 frame at raw resolution.
 *
 * 3. The out-of-distribution set of evaluation/oodGraphene.ts (bench/_oodSection.ts): atom F1, columns
 *    at empty sites, Si-C bond bias and formula accuracy per configuration, calibration of sigma_pm per
 *    dose bin, spurious columns on pristine frames at 0.5x dose; the U-Net alone, the U-Net with the
 *    joint column fit, and the classical baseline.
 *
 * 4. The real labelled Si-C crops of LibraryNet (bench/_realCropsSection.ts): formula accuracy per pixel
 *    size and per formula with confusion tables, network alone and network + fit, for every graphene
 *    model given; and the Si counted in G-Si-2nm / G-dimSi / G-trimSi (1 / 2 / 3).
 *
 * Usage: npm run bench -- locate   (ATOMDYN_BENCH_QUICK=1 for fewer frames; ATOMDYN_BENCH_GRAPH=trained
 * for the accuracy table through the trained graph instead of the frozen one, models/inferenceGraph.ts;
 * ATOMDYN_BENCH_SECTIONS=ood,speed for only some of the tables: accuracy, ood, speed, real-crops)
 * Options: --models A,B (the models of section 4; default every graphene model in models/pretrained),
 * --only real-crops (section 4 alone), --docs [DIR] (section 4's PNGs of doubtful labels and its JSON into
 * DIR, default docs/), --all-pngs DIR (every crop drawn, for looking at them). Section 4's figures are
 * also written to .bench/real-crops.json.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../models/tensorBackend.ts';
import { loadModelByName } from '../models/registry.ts';
import { tfSegmenter } from '../inference/segmenter.ts';
import { locateFrame, nearestNeighbourPm } from '../inference/locateFrame.ts';
import { findAtomsClassical } from '../inference/classicalFinder.ts';
import { DetectionTally, matchPoints } from '../evaluation/matchAtoms.ts';
import { simulateImage } from '../training/simulator/simulateImage.ts';
import { GRAPHENE_PRESET } from '../training/simulator/imagingPresets.ts';
import { writeTiffStack } from '../data/writers/tiffStack.ts';
import { runLocate } from '../cli/commands/locate.ts';
import { oodSection } from './_oodSection.ts';
import { installedGrapheneModels, realCropsSection } from './_realCropsSection.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const argValue = (flag: string, fallback: string | null): string | null => {
  const i = argv.indexOf(flag);
  if (i < 0) return null;
  const v = argv[i + 1];
  return v && !v.startsWith('--') ? v : fallback;
};
const realCrops = () => realCropsSection((argValue('--models', null) ?? installedGrapheneModels().join(',')).split(',').filter(Boolean), {
  jsonFile: path.join(root, '.bench/real-crops.json'),
  docsDir: argValue('--docs', path.join(root, 'docs')),
  allPngs: argValue('--all-pngs', null),
});
if (argValue('--only', null) === 'real-crops') {
  await initBackend();
  console.log((await realCrops()).join('\n'));
  process.exit(0);
}
const quick = !!process.env.ATOMDYN_BENCH_QUICK;
// ATOMDYN_BENCH_SECTIONS=ood (comma list of accuracy, ood, speed, real-crops; default all) runs only those tables
const sections = new Set((process.env.ATOMDYN_BENCH_SECTIONS ?? 'accuracy,ood,speed').split(',').map((x) => x.trim()));
const modelName = process.env.ATOMDYN_BENCH_MODEL ?? 'graphene-si';
const backend = await initBackend();
const { model, card } = await loadModelByName(modelName);
// ATOMDYN_BENCH_GRAPH=trained runs the accuracy table through model.predict instead of the frozen graph
const seg = tfSegmenter(model, card, { frozen: process.env.ATOMDYN_BENCH_GRAPH !== 'trained' });
const px = 7.8125; // G-Si-2nm.hdf5: 2 nm over 256 px
const size = 256;
const bondPm = nearestNeighbourPm(seg);
const matchPx = bondPm / 2 / px;
const framesPerDose = quick ? 2 : 6;
const doses = [0.25, 0.5, 1, 2, 4].map((f) => f * GRAPHENE_PRESET.imaging.doseEPerA2);

function simulate(dose: number, seed: number) {
  return simulateImage({
    frame: { width: size, height: size, pixelSizePm: px },
    imaging: { ...GRAPHENE_PRESET.imaging, doseEPerA2: dose },
    specimen: { lattice: 'graphene', configurations: ['si-c3', 'si-c4', 'si-vacancy'], configurationCount: 2 },
    seed,
  });
}

const accRows: string[] = [];
for (const dose of sections.has('accuracy') ? doses : []) {
  const ours = new DetectionTally(['C', 'Si'], matchPx);
  const base = new DetectionTally(['C', 'Si'], matchPx);
  let sqO = 0, nO = 0, sqB = 0, nB = 0, ms = 0, countsOnC = 0;
  for (let k = 0; k < framesPerDose; k++) {
    const sim = simulate(dose, 9000 + k);
    countsOnC += sim.stats.columnCounts.C ?? NaN;
    // atoms within half a bond of the frame edge are left out on both sides: a column just outside the
    // field (not in the truth list) still shows its inner half
    const m = matchPx;
    const inside = <T extends { x: number; y: number }>(l: T[]) => l.filter((a) => a.x > m && a.y > m && a.x < size - 1 - m && a.y < size - 1 - m);
    const truth = inside(sim.atoms).map((a) => ({ x: a.x, y: a.y, species: a.species }));
    const t0 = Date.now();
    const { atoms } = await locateFrame(seg, sim.image, size, size, { inputPixelSizePm: px, fit: false });
    ms += Date.now() - t0;
    const det = inside(atoms).map((a) => ({ x: a.x, y: a.y, species: a.species }));
    ours.add(det, truth);
    for (const [i, j] of matchPoints(det, truth, matchPx)) { sqO += (det[i].x - truth[j].x) ** 2 + (det[i].y - truth[j].y) ** 2; nO++; }
    const sig = 70 / px / 2.355;
    const b = inside(findAtomsClassical(sim.image, size, size, { atomSigmaPx: sig, minDistancePx: (0.7 * bondPm) / px })).map((a) => ({ x: a.x, y: a.y, species: a.speciesIndex ? 'Si' : 'C' }));
    base.add(b, truth);
    for (const [i, j] of matchPoints(b, truth, matchPx)) { sqB += (b[i].x - truth[j].x) ** 2 + (b[i].y - truth[j].y) ** 2; nB++; }
  }
  const o = ours.result(), c = base.result();
  const f = (v: number) => v.toFixed(3);
  accRows.push(`| ${dose.toExponential(2)} | ${(countsOnC / framesPerDose).toFixed(1)} | U-Net | ${f(o.overall.precision)} | ${f(o.overall.recall)} | ${f(o.overall.f1)} | ${(Math.sqrt(sqO / Math.max(1, nO) / 2) * px).toFixed(1)} | ${f(o.perSpecies.Si.precision)} | ${f(o.perSpecies.Si.recall)} | ${(ms / framesPerDose).toFixed(0)} |`);
  accRows.push(`| | | classical | ${f(c.overall.precision)} | ${f(c.overall.recall)} | ${f(c.overall.f1)} | ${(Math.sqrt(sqB / Math.max(1, nB) / 2) * px).toFixed(1)} | ${f(c.perSpecies.Si.precision)} | ${f(c.perSpecies.Si.recall)} | |`);
}
const oodLines = !sections.has('ood') ? [] : await oodSection({
  'U-Net': async (f) => (await locateFrame(seg, f.image, f.height, f.width, { inputPixelSizePm: f.pixelSizePm, fit: false })).atoms.map((a) => ({ x: a.x, y: a.y, element: a.species, sigmaPx: a.sigmaPx })),
  'U-Net + fit': async (f) => (await locateFrame(seg, f.image, f.height, f.width, { inputPixelSizePm: f.pixelSizePm, fit: true })).atoms.map((a) => ({ x: a.x, y: a.y, element: a.species, sigmaPx: a.sigmaPx })),
  classical: async (f) => findAtomsClassical(f.image, f.height, f.width, { atomSigmaPx: 95 / 2.355 / f.pixelSizePm, minDistancePx: (0.7 * bondPm) / f.pixelSizePm }).map((a) => ({ x: a.x, y: a.y, element: a.speciesIndex ? 'Si' : 'C', sigmaPx: NaN })),
}, quick ? 4 : 14, quick ? 2 : 6);
model.dispose();

// speed: 512 x 512 frames at the G-Si-2nm pixel size (7.8 pm/px, as the peer's raw frames), read -> atoms.csv;
// the shipped card is used as it is (its pixel size and filters), so the network sees 256 x 256
const tmp = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-bench-'));
const nFrames = sections.has('speed') ? (quick ? 4 : 12) : 0;
const frames = Array.from({ length: nFrames }, (_, k) => simulateImage({
  frame: { width: 512, height: 512, pixelSizePm: px },
  imaging: GRAPHENE_PRESET.imaging,
  specimen: { lattice: 'graphene', configurationCount: 3, rotationDeg: 13 },
  seed: 500 + k,
}).image);
const movie = path.join(tmp, 'movie.tif');
if (nFrames) await writeTiffStack(movie, frames, { count: nFrames, height: 512, width: 512 }, { pixelSizePm: px });
const speed: string[] = [];
const perFrameMs: number[] = []; // whole run (start-up, read, locate, write) / frames
const one = path.join(tmp, 'one.tif');
if (nFrames) await writeTiffStack(one, frames.slice(0, 1), { count: 1, height: 512, width: 512 }, { pixelSizePm: px });
const variants: Array<[number, boolean]> = [[0, true], [0, false], [Math.min(2, os.cpus().length), true]];
const variantNames = variants.map(([w, f]) => `${w === 0 ? '1 thread' : `${w} workers`}${f ? ', --fit' : ''}`);
for (const [workers, fit] of nFrames ? variants : []) {
  // a one-frame run measures the start-up (workers, backend, model); the steady state is the rest
  let t0 = Date.now();
  await runLocate(one, { out: path.join(tmp, `one${workers}${fit}`), model: modelName, workers: String(workers), fit }, ['bench']);
  const startMs = Date.now() - t0;
  t0 = Date.now();
  await runLocate(movie, { out: path.join(tmp, `out${workers}${fit}`), model: modelName, workers: String(workers), overlayEvery: String(1000), fit }, ['bench']);
  const total = Date.now() - t0;
  perFrameMs.push(total / nFrames);
  const steady = (total - startMs) / (nFrames - 1); // start-up measured in a separate run: noisy on a loaded machine
  speed.push(`| atomdyn locate${fit ? ' --fit' : ''}, ${workers === 0 ? '1 thread' : `${workers} worker threads`} (${backend.name}) | 512x512 at ${px.toFixed(1)} pm/px -> ${Math.round((512 * px) / card.pixelSizePm)}^2 at ${card.pixelSizePm} pm/px, ${card.architecture.parameters} params | ${(total / nFrames).toFixed(0)} per frame over ${nFrames} frames incl. start-up; ${steady > 0 ? steady.toFixed(0) : 'n/a (start-up run slower than the whole run)'} steady state (read, locate, ${fit ? 'column fit, ' : ''}write CSV) |`);
}
rmSync(tmp, { recursive: true, force: true });
const script = path.join(root, 'bench/peers/atomai_unet.py');
let peer = 'skipped: PyTorch is not installed (apt-get install python3-torch)';
for (const py of nFrames ? ['/usr/bin/python3', 'python3'] : []) {
  if (spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) continue;
  const r = spawnSync(py, [script, '--frame', '512', '--patch', '64', '--batch', '1', '--classes', '3', '--repeats', '3', '--threads', String(os.cpus().length)], { encoding: 'utf8' });
  if (r.status === 0) {
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
    peer = `| PyTorch AtomAI U-Net (peer), forward pass only, ${j.threads ?? os.cpus().length} threads | 512x512 raw resolution, ${j.parameters} params | ${Number(j.predict_ms).toFixed(0)} (network only); ours (whole run per frame, incl. start-up) / peer: ${perFrameMs.map((v, k) => `${(v / Number(j.predict_ms)).toFixed(2)} (${variantNames[k]})`).join(', ')} |`;
  } else peer = `peer failed: ${r.stderr.trim().split('\n').pop()}`;
  break;
}

console.log(`machine: ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}; backend ${backend.name}; model ${modelName} (${card.pixelSizePm} pm/px)`);
if (accRows.length) {
  console.log(`\nAccuracy on simulated 256x256 frames at ${px} pm/px (G-Si-2nm imaging), ${framesPerDose} frames per dose, match within ${(bondPm / 2).toFixed(0)} pm`);
  console.log('| dose e-/Å² | counts on C | method | precision | recall | F1 | RMSE pm | Si precision | Si recall | ms/frame |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of accRows) console.log(r);
}
if (oodLines.length) console.log(`\n${oodLines.join('\n')}`);
if (nFrames) {
  console.log(`\nSpeed per 512x512 input frame (${nFrames} frames); the column fit's cost per frame is the difference between the rows with and without --fit`);
  console.log('| side | resolution | ms per frame |');
  console.log('|---|---|---|');
  for (const r of speed) console.log(r);
  console.log(peer.startsWith('|') ? peer : `peer: ${peer}`);
}
if (!process.env.ATOMDYN_BENCH_SECTIONS || sections.has('real-crops')) console.log(`\n${(await realCrops()).join('\n')}`);
