// Bootstrap for worker threads: registers the TypeScript loader in the worker, then imports the
// TypeScript module named in workerData.__module (a file URL). Used by data/workerPool.ts.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.__module);
