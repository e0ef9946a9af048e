/**
 * A {@link SampleSource} of simulated, labelled STEM images: the simulator runs in worker threads
 * (started through bin/worker.mjs), `prefetch` samples ahead of the consumer, so simulation
 * overlaps training. Sample k is a pure function of (seed, k) (training/simulator/domainRandomisation.ts) and
 * samples are returned in index order, so the stream is identical whatever the number of workers
 * or their timing.
 *
 *   const source = createSimulatedSource({ lattice: 'graphene', pixelSizePm: 16, patch: 128, seed: 1 });
 *   const sample = await source.next();   // { image, labels, height, width, atoms }
 *   await source.close();
 */
import { Worker } from 'node:worker_threads';
import { AtomdynError } from '../data/errors.ts';
import type { SampleSource, TrainingSample } from './sampleSource.ts';
import { simulateTrainingSample, sourceClasses, validateSourceOptions, type SimulatedSourceOptions } from './simulator/domainRandomisation.ts';
import type { WorkerReply } from './simulationWorker.ts';
import { siblingModule, workerBootstrap } from '../data/packagePaths.ts';

export type { SimulatedSourceOptions } from './simulator/domainRandomisation.ts';

interface Pending {
  promise: Promise<TrainingSample>;
  resolve: (s: TrainingSample) => void;
  reject: (e: Error) => void;
}

class SimulatedSource implements SampleSource {
  readonly species: string[];
  readonly elements: Record<string, string>;
  readonly hasOther: boolean;
  readonly pixelSizePm: number;
  private readonly opts: SimulatedSourceOptions;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private requested: number;
  private consumed: number;
  private closed = false;
  private failure: Error | null = null;

  constructor(opts: SimulatedSourceOptions) {
    validateSourceOptions(opts);
    this.opts = { ...opts };
    const c = sourceClasses(opts);
    this.species = c.species;
    this.elements = c.elements;
    this.hasOther = c.hasOther;
    this.pixelSizePm = opts.pixelSizePm;
    this.requested = opts.startIndex ?? 0;
    this.consumed = opts.startIndex ?? 0;
    if (!opts.inline) {
      const bootstrap = workerBootstrap();
      const module = siblingModule(import.meta.url, 'simulationWorker').href;
      const n = opts.workers ?? 1;
      for (let w = 0; w < n; w++) {
        const worker = new Worker(bootstrap, { workerData: { __module: module, options: this.opts } });
        worker.on('message', (reply: WorkerReply) => this.onReply(reply));
        worker.on('error', (e) => this.fail(e instanceof Error ? e : new Error(String(e))));
        worker.on('exit', (code) => {
          if (!this.closed && code !== 0) this.fail(new Error(`simulation worker exited with code ${code}`));
        });
        worker.unref(); // held only while samples are being awaited (see next())
        this.workers.push(worker);
      }
    }
  }

  private entry(index: number): Pending {
    let p = this.pending.get(index);
    if (!p) {
      let resolve!: (s: TrainingSample) => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<TrainingSample>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => {});
      p = { promise, resolve, reject };
      this.pending.set(index, p);
    }
    return p;
  }

  private onReply(reply: WorkerReply): void {
    const p = this.entry(reply.index);
    if ('error' in reply) {
      p.reject(reply.name === 'AtomdynError' ? new AtomdynError(reply.source, reply.error.replace(`${reply.source}: `, '')) : new Error(reply.error));
    } else {
      p.resolve(reply.sample);
    }
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const p of this.pending.values()) p.reject(e);
  }

  private request(): void {
    const ahead = this.opts.prefetch ?? 4;
    while (this.requested < this.consumed + ahead) {
      const index = this.requested++;
      const p = this.entry(index);
      if (this.failure) p.reject(this.failure);
      else if (this.opts.inline) {
        // computed lazily in next(), one at a time
      } else this.workers[index % this.workers.length].postMessage({ index });
    }
  }

  async next(): Promise<TrainingSample> {
    if (this.closed) throw new AtomdynError('', 'the simulated source is closed');
    const index = this.consumed;
    if (this.opts.inline) {
      this.consumed++;
      return simulateTrainingSample(this.opts, index);
    }
    this.request();
    const p = this.entry(index);
    // keep the event loop alive while the consumer waits, but never hold the process open otherwise
    for (const w of this.workers) w.ref();
    try {
      return await p.promise;
    } finally {
      for (const w of this.workers) w.unref();
      this.pending.delete(index);
      this.consumed++;
      if (!this.closed) this.request();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closedError = new Error('the simulated source was closed');
    for (const p of this.pending.values()) p.reject(closedError);
    this.pending.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * A stream of simulated training samples (see the file header and {@link SimulatedSourceOptions}).
 * Species: graphene ['C', 'Si']; MX2 ['metal', 'chalcogen'] with the chosen material's elements;
 * label S+1 = 'other' (contamination) only with `otherClass: true` (otherwise contamination is background).
 *
 * @throws AtomdynError naming the option when the options are invalid
 */
export function createSimulatedSource(opts: SimulatedSourceOptions): SampleSource {
  return new SimulatedSource(opts);
}
