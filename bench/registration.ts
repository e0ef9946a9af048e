/**
 * Benchmark of the per-frame image work outside the network (issue 24): drift registration on frames
 * (dynamics/registration/driftCorrection.ts FrameDriftEstimator: phase correlation, lattice filter for the
 * non-periodic features, upsampled-DFT refinement with the window bias removed) and hot-pixel removal
 * (inference/hotPixels.ts), in CPU ms per 512 x 512 frame, with the accuracy of the registration against
 * the simulation's true drift, beside the same registration with every stage on the full spectrum
 * (`coarse: 1`; the default finds the candidates on the central half of the spectrum, FrameDriftOptions.coarse).
 *
 * Movies (training/simulator/simulateMovie.ts, the `atomdyn simulate --movie` defaults, 512 x 512):
 * graphene at 7.8 pm/px (no lattice ambiguity: one correlation peak) and WSe2 at its preset's pixel
 * size (a periodic lattice: several peaks per frame, so the lattice filter runs on every frame).
 * The yardstick is the PyTorch peer's forward pass (bench/peers/atomai_unet.py, 512 x 512, 1 thread)
 * measured in the same run when PyTorch is installed: issue 24 asks for registration + linking within
 * 15 % of the analysis time.
 *
 * Usage: npm run bench -- registration   (BENCH_FRAMES, default 12)
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateMovie } from '../training/simulator/simulateMovie.ts';
import { simulationOptions, type SimulateFlags } from '../cli/commands/simulate.ts';
import { FrameDriftEstimator } from '../dynamics/registration/driftCorrection.ts';
import { removeHotPixels } from '../inference/hotPixels.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FRAMES = Number(process.env.BENCH_FRAMES ?? 12);
const SIZE = 512;

/** CPU milliseconds (user + system) of this process spent in f. */
function cpuMs(f: () => void): number {
  const c = process.cpuUsage();
  f();
  const u = process.cpuUsage(c);
  return (u.user + u.system) / 1000;
}

function peerMs(): number | string {
  const script = path.join(root, 'bench/peers/atomai_unet.py');
  for (const py of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) continue;
    const r = spawnSync(py, [script, '--frame', '512', '--patch', '16', '--batch', '1', '--classes', '3', '--filters', '16', '--repeats', '3', '--threads', '1'], { encoding: 'utf8' });
    if (r.status !== 0) return `peer failed: ${r.stderr.trim().split('\n').pop()}`;
    return Number((JSON.parse(r.stdout.trim().split('\n').pop()!) as { predict_ms: number }).predict_ms);
  }
  return 'skipped: PyTorch is not installed (apt-get install python3-torch)';
}

const rows: string[][] = [];
for (const lattice of ['graphene', 'WSe2']) {
  const flags: SimulateFlags = { lattice, out: '-', size: String(SIZE), ...(lattice === 'graphene' ? { pixelSize: '7.8', dopants: '4' } : {}), movie: true, frames: String(FRAMES), seed: '3', count: '1' };
  const o = simulationOptions(flags);
  const movie = simulateMovie({ specimen: o.specimen, imaging: o.imaging, frame: { width: o.width, height: o.height, pixelSizePm: o.pixelSizePm }, seed: o.seed, ...o.movie! });
  const frames = movie.frames.map((f) => f.image);
  // warm-up: compile and build the FFT plans
  const warm = new FrameDriftEstimator(o.width, o.height);
  warm.push(frames[0]);
  warm.push(frames[1]);
  // the default (coarse candidates, full-spectrum final estimate) and everything on the full spectrum
  const run = (coarse?: number) => {
    const est = new FrameDriftEstimator(o.width, o.height, coarse === undefined ? {} : { coarse });
    const steps: ReturnType<FrameDriftEstimator['push']>[] = [];
    const ms = cpuMs(() => frames.forEach((f, i) => steps.push(est.push(f, i)))) / (frames.length - 1);
    let max = 0, ss = 0;
    for (const s of steps) {
      const e = Math.hypot(s.dx - movie.drift[s.frame].dx, s.dy - movie.drift[s.frame].dy);
      max = Math.max(max, e);
      ss += e * e;
    }
    return { steps, ms, max, rms: Math.sqrt(ss / steps.length) };
  };
  const def = run();
  const full = run(1);
  const steps = def.steps;
  let stepDiff = 0;
  for (let k = 0; k < steps.length; k++) stepDiff = Math.max(stepDiff, Math.hypot(steps[k].stepDx - full.steps[k].stepDx, steps[k].stepDy - full.steps[k].stepDy));
  const reg = def.ms;
  const err = def.max;
  const multi = steps.filter((s) => s.candidates.length > 1).length;
  removeHotPixels(frames[0], o.height, o.width);
  const hot = cpuMs(() => frames.forEach((f) => removeHotPixels(f, o.height, o.width))) / frames.length;
  rows.push([`${lattice} ${o.width}x${o.height}, ${o.pixelSizePm} pm/px`, reg.toFixed(1), `${multi}/${steps.length - 1}`, `${err.toFixed(3)} / ${def.rms.toFixed(3)}`, `${full.ms.toFixed(1)} ms, ${full.max.toFixed(3)} / ${full.rms.toFixed(3)} px`, stepDiff.toExponential(1), hot.toFixed(1)]);
}
const peer = peerMs();
console.log(`\nPer-frame image work, ${FRAMES} frames of ${SIZE} x ${SIZE}, CPU ms per frame (one thread)`);
console.log('| movie | registration ms/frame | frames with several peaks | max / RMS abs(drift - truth), px | all on the full spectrum (coarse 1): ms/frame, max / RMS error | max abs(step - full-spectrum step), px | hot pixels ms/frame |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
if (typeof peer === 'number') {
  console.log(`\npeer forward pass (PyTorch, AtomAI U-Net, 512 x 512, 1 thread): ${peer.toFixed(0)} ms/frame; registration / peer: ${rows.map((r) => `${r[0].split(' ')[0]} ${(Number(r[1]) / peer).toFixed(2)}`).join(', ')}`);
} else {
  console.log(`\npeer: ${peer}`);
}
