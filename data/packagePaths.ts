/**
 * Where atomdyn's own files are, whether it runs from its TypeScript sources (through tsx, in a clone)
 * or from the compiled JavaScript of an installed package (`dist/`): the package root (the folder of
 * atomdyn's package.json, which holds `bin/` and `models/pretrained/`) and sibling modules with the
 * caller's own extension (`.ts` or `.js`), for worker threads started by path.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let root: string | null = null;

/**
 * The package root: the nearest folder above this module whose package.json is named "atomdyn".
 * @throws Error when there is none (a broken installation)
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'atomdyn') return (root = dir);
      } catch {
        /* not ours: keep looking */
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`atomdyn: cannot find atomdyn's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/**
 * A module beside the caller, with the caller's own extension: `siblingModule(import.meta.url,
 * 'locateWorker')` is locateWorker.ts under tsx and locateWorker.js in the compiled package.
 * @param metaUrl the caller's `import.meta.url`
 * @param baseName the module's file name without extension (may contain a relative folder)
 * @returns the module's file URL
 */
export function siblingModule(metaUrl: string, baseName: string): URL {
  const file = fileURLToPath(metaUrl);
  return pathToFileURL(path.join(path.dirname(file), baseName + path.extname(file)));
}

/** The worker-thread bootstrap (bin/worker.mjs): it loads TypeScript modules through tsx, JavaScript directly. */
export function workerBootstrap(): URL {
  return pathToFileURL(path.join(packageRoot(), 'bin', 'worker.mjs'));
}
