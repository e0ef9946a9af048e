// Bootstrap for worker threads (data/workerPool.ts, training/simulatedSource.ts): imports the module named
// in workerData.__module (a file URL); a TypeScript module (a clone running its sources) first gets the
// tsx loader, compiled JavaScript (an installed package) does not need it.
// workerData.__preload (optional): packages imported before the loader is registered, so large
// JavaScript packages (h5wasm: 4 MB) are not run through the TypeScript transform (seconds each time).
import { workerData } from 'node:worker_threads';

for (const name of workerData.__preload ?? []) await import(name);
if (!/\.m?js$/.test(String(workerData.__module))) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.__module);
