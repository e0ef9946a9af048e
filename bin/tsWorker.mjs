// Bootstrap for worker threads: registers the TypeScript loader in the worker, then imports the
// TypeScript module named in workerData.__module (a file URL). Used by data/workerPool.ts.
// workerData.__preload (optional): packages imported before the loader is registered, so large
// JavaScript packages (h5wasm: 4 MB) are not run through the TypeScript transform (seconds each time).
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

for (const name of workerData.__preload ?? []) await import(name);
register();
await import(workerData.__module);
