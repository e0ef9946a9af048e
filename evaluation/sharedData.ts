/**
 * Paths into the shared real-data folder (tests and benchmarks) (`<shared>/data/...`, see its README). The shared folder is
 * found as: $ATOMDYN_SHARED, else `../shared` beside the repository root (CI clones there), else
 * /work/shared. Tests that use it fail, loudly, when the file is missing.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Candidate shared folders, in the order tried. */
export function sharedRoots(): string[] {
  return [process.env.ATOMDYN_SHARED, path.resolve(repoRoot, '../shared'), '/work/shared'].filter((p): p is string => !!p);
}

/** `<shared>/data/<parts...>` in the first shared folder that has it (else the first candidate). */
export function sharedData(...parts: string[]): string {
  const roots = sharedRoots();
  for (const r of roots) {
    const p = path.join(r, 'data', ...parts);
    if (existsSync(p)) return p;
  }
  return path.join(roots[0], 'data', ...parts);
}
