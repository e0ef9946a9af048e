#!/usr/bin/env node
// Entry point of the `atomdyn` command. It runs the compiled JavaScript in dist/ (built by `npm run
// build`, which `npm ci` runs through `prepare`) when that is up to date with the TypeScript sources, and
// the sources through the tsx loader otherwise (a clone whose sources were edited since the build).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['cli', 'data', 'numerics', 'models', 'training', 'inference', 'dynamics', 'evaluation', 'report', 'analytics', 'pipeline'];

/** True when dist/ was built after the last change to any TypeScript source (or there are no sources). */
function compiledIsCurrent() {
  const stamp = path.join(root, 'dist', '.build-stamp');
  if (!existsSync(stamp)) return false;
  if (!existsSync(path.join(root, 'cli', 'main.ts'))) return true; // an installed package ships dist/ only
  const built = statSync(stamp).mtimeMs;
  const newer = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'pretrained' && newer(p)) return true;
      } else if (e.name.endsWith('.ts') && statSync(p).mtimeMs > built) return true;
    }
    return false;
  };
  return !SOURCE_DIRS.some((d) => newer(path.join(root, d))) && !(existsSync(path.join(root, 'index.ts')) && statSync(path.join(root, 'index.ts')).mtimeMs > built);
}

// `atomdyn --version` answers before anything else is loaded.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = await import('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version}\n`);
  process.exit(0);
}

// `atomdyn info FILE | head` closes the pipe early: stop quietly instead of printing a stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
let main;
if (process.env.ATOMDYN_SOURCES !== '1' && compiledIsCurrent()) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  // The sources run through the tsx loader, scoped to a namespace: what is imported from this file, outside
  // the namespace, Node loads untouched. Large JavaScript packages go that way (globalThis
  // [Symbol.for('atomdyn.importUntransformed')], used by data/readers/h5wasmNode.ts): tsx rewrites the
  // dynamic imports of every JavaScript module it loads, with a source map, which for h5wasm's 4 MB
  // emscripten module costs about 550 MB of memory and seconds to tens of seconds of CPU.
  const { register } = await import('tsx/esm/api');
  const api = register({ namespace: 'atomdyn-sources' });
  globalThis[Symbol.for('atomdyn.importUntransformed')] = (specifier) => import(specifier);
  ({ main } = await api.import('../cli/main.ts', import.meta.url));
}
process.exitCode = await main(process.argv);
