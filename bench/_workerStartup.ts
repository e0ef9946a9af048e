/**
 * Worker thread of bench/workers.ts: the start-up of a locate worker step by step, as
 * inference/locateWorker.ts does it (tfjs and the backend, the model, then frames of the movie in
 * workerData.file), answering one message of [step, process CPU ms, wall ms] rows.
 */
import { parentPort, workerData } from 'node:worker_threads';

let c = process.cpuUsage();
let t = performance.now();
const rows: Array<[string, number, number]> = [];
const lap = (name: string) => {
  const u = process.cpuUsage(c);
  rows.push([name, (u.user + u.system) / 1000, performance.now() - t]);
  c = process.cpuUsage();
  t = performance.now();
};
const { initBackend } = await import('../models/tensorBackend.ts');
lap('import tfjs and the backend module');
await initBackend();
lap('start the backend (wasm compile, probe)');
const { loadModel } = await import('../models/modelIO.ts');
const { resolveModelPath } = await import('../models/registry.ts');
const { tfSegmenter } = await import('../inference/segmenter.ts');
const { locateFrame } = await import('../inference/locateFrame.ts');
const { openFrames } = await import('../data/openFrames.ts');
lap('import the rest of locate');
const { model, card } = await loadModel(resolveModelPath('graphene-si'));
const seg = tfSegmenter(model, card);
lap('load the model');
const stack = await openFrames(workerData.file as string);
for (let k = 0; k < Math.min(4, stack.count); k++) {
  const f = await stack.readFrame(k);
  await locateFrame(seg, f, stack.height, stack.width, { inputPixelSizePm: stack.calibration.pixelSizePm.value ?? 7.8 });
  lap(`frame ${k + 1}`);
}
await stack.close();
parentPort!.postMessage(rows);
