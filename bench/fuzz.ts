/**
 * The long fuzz run (issue 23): mutated real files through data/openFrames (FUZZ_CASES per format,
 * default 1 000), mutated tables through the table checks and the step readers (FUZZ_CASES per
 * table), and a sample through the `atomdyn` command itself (FUZZ_CLI_CASES per format and table,
 * default 20), which also catches signals, synchronous hangs (30 s limit) and anything printed
 * besides one `atomdyn:` line. Prints one row per format/table: cases, ok, clean errors, stacks,
 * hangs, garbage lines, signals, seconds. FUZZ_FORMATS / FUZZ_TABLES limit what runs
 * (comma-separated). No peer: there is no comparable fuzzer for these formats in the Python stack.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Random } from '../data/random.ts';
import { toCsv } from '../data/csvTable.ts';
import { fuzzReader, fuzzTable, mutateBytes, mutateCsv, READER_SEEDS, seedTable, type TableKind } from './fixtures/fuzz.ts';
import { sharedData } from '../evaluation/sharedData.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cases = Number(process.env.FUZZ_CASES ?? 1000);
const cliCases = Number(process.env.FUZZ_CLI_CASES ?? 20);
const formats = (process.env.FUZZ_FORMATS ?? Object.keys(READER_SEEDS).join(',')).split(',').filter(Boolean);
const tables = (process.env.FUZZ_TABLES ?? 'atoms,tracks,configurations').split(',').filter(Boolean) as TableKind[];
process.env.ATOMDYN_HDF5_TIMEOUT_S ??= '10';
const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-bench-fuzz-'));

const rows: string[][] = [['input', 'mode', 'cases', 'ok', 'clean', 'stack', 'hang', 'garbage', 'signal', 's']];
const WIDTHS = [18, 10, 5, 5, 5, 5, 4, 7, 6, 7];
const printRow = (r: string[]): void => console.log(r.map((v, c) => v.padStart(WIDTHS[c])).join('  '));
printRow(rows[0]);
/** Add a result row and print it at once (a long run shows its progress). */
function addRow(r: string[]): void {
  rows.push(r);
  printRow(r);
}

/** One command run: how it ended, judged from exit status, signal and stderr. */
function cliCase(args: string[]): 'ok' | 'clean' | 'stack' | 'hang' | 'garbage' | 'signal' {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'atomdyn.mjs'), ...args], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  if (r.error && /ETIMEDOUT/.test(String(r.error))) return 'hang';
  if (r.signal) return r.signal === 'SIGKILL' ? 'hang' : 'signal';
  const err = (r.stderr ?? '').trim();
  const lines = err ? err.split('\n') : [];
  if (lines.some((l) => /^\s+at /.test(l))) return 'stack';
  if (r.status === 1 || lines.some((l) => /internal error/.test(l))) return 'stack';
  const bad = lines.filter((l) => !/^atomdyn: /.test(l) || /[\u0000-\u0008\u000b-\u001f\u007f]/.test(l));
  if (bad.length || lines.filter((l) => !/^atomdyn: warning: /.test(l)).length > 1) return 'garbage';
  if (r.status === 0) return 'ok';
  return r.status === 2 ? 'clean' : 'garbage';
}

function cliRow(name: string, n: number, make: (k: number, rnd: Random) => string[]): void {
  const counts = { ok: 0, clean: 0, stack: 0, hang: 0, garbage: 0, signal: 0 };
  const rnd = new Random(99);
  const t0 = performance.now();
  for (let k = 0; k < n; k++) counts[cliCase(make(k, rnd))]++;
  addRow([name, 'command', String(n), ...['ok', 'clean', 'stack', 'hang', 'garbage', 'signal'].map((o) => String(counts[o as keyof typeof counts])), ((performance.now() - t0) / 1000).toFixed(1)]);
}

for (const [i, format] of formats.entries()) {
  const s = await fuzzReader(format, cases, dir, 1000 + i, 30_000);
  addRow([format, 'in-process', String(s.cases), ...(['ok', 'clean', 'stack', 'hang', 'garbage'] as const).map((o) => String(s.counts[o])), '-', s.seconds.toFixed(1)]);
  for (const [o, ex] of Object.entries(s.examples)) for (const e of ex ?? []) console.log(`  ${format} ${o}: ${e}`);
  if (cliCases > 0) {
    const original = readFileSync(sharedData(...READER_SEEDS[format]));
    cliRow(format, cliCases, (k, rnd) => {
      const file = path.join(dir, `cli-${format}-${k}${path.extname(READER_SEEDS[format][1])}`);
      writeFileSync(file, mutateBytes(original, rnd).data);
      return ['info', file];
    });
  }
}
const step: Record<TableKind, string> = { atoms: 'track', tracks: 'classify', configurations: 'transitions' };
for (const [i, kind] of tables.entries()) {
  const s = await fuzzTable(kind, cases, 2000 + i);
  addRow([`${kind}.csv`, 'in-process', String(s.cases), ...(['ok', 'clean', 'stack', 'hang', 'garbage'] as const).map((o) => String(s.counts[o])), '-', s.seconds.toFixed(1)]);
  for (const [o, ex] of Object.entries(s.examples)) for (const e of ex ?? []) console.log(`  ${kind} ${o}: ${e}`);
  if (cliCases > 0) {
    const text = toCsv(seedTable(kind));
    cliRow(`${kind}.csv`, cliCases, (k, rnd) => {
      const sub = path.join(dir, `cli-${kind}-${k}`);
      mkdirSync(sub, { recursive: true });
      const file = path.join(sub, `${kind}.csv`);
      writeFileSync(file, mutateCsv(text, rnd).text);
      const extra = kind === 'atoms' ? ['--drift', 'none', '--search-range', '4', '--pixel-size', '14.2'] : kind === 'tracks' ? ['--pixel-size', '14.2'] : [];
      return [step[kind], file, ...extra, '--out', path.join(sub, 'out')];
    });
  }
}
rmSync(dir, { recursive: true, force: true });
const failures = rows.slice(1).reduce((n, r) => n + Number(r[5]) + Number(r[6]) + Number(r[7]) + (r[8] === '-' ? 0 : Number(r[8])), 0);
console.log(failures ? `${failures} failing cases` : 'no stack, hang, garbage line or signal');
process.exit(failures ? 1 : 0);
