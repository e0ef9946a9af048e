/**
 * Worker thread of the simulated training source (training/simulatedSource.ts): receives sample
 * indices, simulates them (training/simulator/domainRandomisation.ts) and posts the samples back with their
 * buffers transferred. Started through bin/worker.mjs with workerData = { __module, options }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { simulateTrainingSample, type SimulatedSourceOptions } from './simulator/domainRandomisation.ts';

/** A request from the source. */
export interface WorkerRequest {
  index: number;
}

/** A reply: the sample, or the error that prevented it. */
export type WorkerReply =
  | { index: number; sample: import('./sampleSource.ts').TrainingSample }
  | { index: number; error: string; name: string; source: string };

const options = (workerData as { options: SimulatedSourceOptions }).options;

parentPort?.on('message', (msg: WorkerRequest) => {
  try {
    const sample = simulateTrainingSample(options, msg.index);
    const reply: WorkerReply = { index: msg.index, sample };
    parentPort!.postMessage(reply, [sample.image.buffer as ArrayBuffer, sample.labels.buffer as ArrayBuffer]);
  } catch (e) {
    const err = e as Error & { source?: string };
    const reply: WorkerReply = { index: msg.index, error: err.message ?? String(e), name: err.name ?? 'Error', source: err.source ?? '' };
    parentPort!.postMessage(reply);
  }
});
