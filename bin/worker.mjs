// Bootstrap for worker threads (data/workerPool.ts, training/simulatedSource.ts): imports the module named
// in workerData.__module (a file URL); a TypeScript module (a clone running its sources) first gets the
// tsx loader, compiled JavaScript (an installed package) does not need it.
import { workerData } from 'node:worker_threads';

if (String(workerData.__module).endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.__module);
