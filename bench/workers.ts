/**
 * Benchmark of `locate`'s worker threads (issue 24: "two wasm workers do not beat one"): the same
 * frames located in the calling thread (0 workers), with 1 and 2 worker threads, and with the default
 * (inference/locate.ts defaultLocateWorkers), in interleaved rounds in one process, so that the ratios
 * hold on a loaded machine. Reported per configuration: wall time, the process's CPU time (all threads),
 * and the time to the first located frame (the workers' start-up).
 *
 * Also the start-up of one worker thread broken down (importing tfjs, compiling the wasm backend,
 * loading the model, the first frames), measured in a worker thread (bench/_workerStartup.ts): the
 * figures behind WORKER_MIN_MODEL_PIXELS.
 *
 * Frames: a simulated graphene movie (training/simulator/simulateMovie.ts), 512 x 512 at 7.8 pm/px
 * (the shipped card at 16 pm/px sees about 250 x 250), BENCH_FRAMES frames (default 12).
 * Environment: BENCH_ROUNDS (default 2).
 *
 * Usage: npm run bench -- workers
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { simulateMovie } from '../training/simulator/simulateMovie.ts';
import { simulationOptions, type SimulateFlags } from '../cli/commands/simulate.ts';
import { writeTiffStack } from '../data/writers/tiffStack.ts';
import { openFrames } from '../data/openFrames.ts';
import { defaultLocateWorkers, locateIter, planLocate, workerMemoryBudgetMb, type LocateOptions } from '../inference/locate.ts';
import { initBackend } from '../models/tensorBackend.ts';
import { workerBootstrap } from '../data/packagePaths.ts';

const FRAMES = Number(process.env.BENCH_FRAMES ?? 12);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const flags: SimulateFlags = { lattice: 'graphene', out: '-', size: '512', pixelSize: '7.8', dopants: '4', movie: true, frames: String(FRAMES), seed: '5', count: '1' };
const o = simulationOptions(flags);
const movie = simulateMovie({ specimen: o.specimen, imaging: o.imaging, frame: { width: o.width, height: o.height, pixelSizePm: o.pixelSizePm }, seed: o.seed, ...o.movie! });
const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-bench-workers-'));
const file = path.join(dir, 'movie.tif');
await writeTiffStack(file, movie.frames.map((f) => f.image), { count: FRAMES, height: o.height, width: o.width }, { pixelSizePm: o.pixelSizePm });

try {
  // one worker's start-up, step by step (its own thread, as locate's workers run)
  const steps = await new Promise<Array<[string, number, number]>>((resolve, reject) => {
    const w = new Worker(workerBootstrap(), { workerData: { __module: new URL('./_workerStartup.ts', import.meta.url).href, file } });
    w.once('message', resolve);
    w.once('error', reject);
  });
  console.log(`\nOne worker thread's start-up (process CPU and wall ms; the machine has ${os.availableParallelism()} cores)`);
  console.log('| step | CPU ms | wall ms |');
  console.log('|---|---|---|');
  for (const [name, cpu, wall] of steps) console.log(`| ${name} | ${cpu.toFixed(0)} | ${wall.toFixed(0)} |`);

  const stack = await openFrames(file);
  const opts: LocateOptions = { model: 'graphene-si' };
  const plan = await planLocate(stack, opts);
  const backend = await initBackend();
  const s = plan.card.pixelSizePm / plan.pixel.pixelSizePm.value!;
  const modelPx = Math.round(stack.height / s) * Math.round(stack.width / s);
  const chosen = defaultLocateWorkers(backend, stack.count, modelPx, undefined, workerMemoryBudgetMb());
  const configs: Array<[string, number | undefined]> = [['0 (calling thread)', 0], ['1 worker', 1], ['2 workers', 2], [`default (${chosen})`, undefined]];
  const results = new Map<string, Array<{ wall: number; cpu: number; first: number }>>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, workers] of configs) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let first = 0;
      let n = 0;
      for await (const f of locateIter(stack, plan, { ...opts, workers })) {
        void f;
        if (!n++) first = performance.now() - t0;
      }
      const cu = process.cpuUsage(c0);
      if (n !== stack.count) throw new Error(`${name}: ${n} of ${stack.count} frames`);
      results.set(name, [...(results.get(name) ?? []), { wall: performance.now() - t0, cpu: (cu.user + cu.system) / 1000, first }]);
    }
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const base = med(results.get(configs[0][0])!.map((x) => x.wall));
  console.log(`\nlocate, ${stack.count} frames of ${stack.width} x ${stack.height} (the network sees ${Math.round(stack.width / s)} x ${Math.round(stack.height / s)}), backend ${backend.name}, median of ${ROUNDS} interleaved rounds`);
  console.log('| workers | wall s | CPU s (all threads) | first frame after s | wall / calling thread |');
  console.log('|---|---|---|---|---|');
  for (const [name] of configs) {
    const v = results.get(name)!;
    const wall = med(v.map((x) => x.wall));
    console.log(`| ${name} | ${(wall / 1000).toFixed(2)} | ${(med(v.map((x) => x.cpu)) / 1000).toFixed(2)} | ${(med(v.map((x) => x.first)) / 1000).toFixed(2)} | ${(wall / base).toFixed(2)} |`);
  }
  await stack.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
