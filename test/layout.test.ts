/**
 * The layout's rules, checked on the sources (docs/architecture in README's layout table): library code
 * never imports the CLI; benchmarks never import tests; one materials table (no second table of atomic
 * numbers or lattice constants); one lattice generator (no hand-written honeycomb basis outside it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LIBRARY = ['data', 'numerics', 'models', 'training', 'inference', 'dynamics', 'evaluation', 'report', 'analytics', 'pipeline'];

function sources(dir: string): string[] {
  const abs = path.join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const rel = path.join(dir, e);
    if (e === 'node_modules' || e === 'pretrained') continue;
    if (statSync(path.join(root, rel)).isDirectory()) out.push(...sources(rel));
    else if (/\.(ts|mts|mjs)$/.test(e)) out.push(rel);
  }
  return out;
}

/** Relative module specifiers of a file (static and dynamic imports, re-exports). */
function imports(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) out.push(path.join(path.dirname(file), m[1]));
  return out;
}

describe('layout', () => {
  it('no library file imports cli/', () => {
    const bad = LIBRARY.flatMap(sources).flatMap((f) => imports(f).filter((t) => t.startsWith('cli' + path.sep)).map((t) => `${f} -> ${t}`));
    expect(bad).toEqual([]);
  });

  it('benchmarks do not import tests', () => {
    const bad = sources('bench').flatMap((f) => imports(f).filter((t) => t.startsWith('test' + path.sep)).map((t) => `${f} -> ${t}`));
    expect(bad).toEqual([]);
  });

  it('one materials table: atomic numbers and lattice constants live only in models/materials.ts', () => {
    const table = /\b(?:Si|W|Mo)\s*:\s*(?:14|74|42)\b|\b(?:MoS2|WS2|WSe2)\s*:\s*\{?\s*(?:name: '\w+', )?aPm\s*:\s*3\d\d|graphene\s*:\s*246\b/;
    const files = [...LIBRARY, 'cli', 'bench'].flatMap(sources).filter((f) => f !== path.join('models', 'materials.ts'));
    const bad = files.filter((f) => table.test(readFileSync(path.join(root, f), 'utf8')));
    expect(bad).toEqual([]);
  });

  it('one lattice generator: no hand-written honeycomb basis outside training/simulator/lattices/honeycomb.ts', () => {
    // the two shapes the copies had: (a sqrt(3)/2) row steps, and 1.5-bond row steps of an explicit loop
    const basis = /\(a \* Math\.sqrt\(3\)\) \/ 2|\br \* 1\.5 \* b\b|1\.5 \* CC,/;
    const files = [...LIBRARY, 'cli', 'bench', 'test'].flatMap(sources).filter((f) => f !== path.join('training', 'simulator', 'lattices', 'honeycomb.ts'));
    const bad = files.filter((f) => basis.test(readFileSync(path.join(root, f), 'utf8')));
    expect(bad).toEqual([]);
  });
});
